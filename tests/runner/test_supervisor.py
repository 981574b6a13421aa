import os
import signal
import sys
import time

import pytest

from bot.runner.services import Service
from bot.runner.supervisor import Supervisor, is_healthy
from tests.ports import free_port




def http_server(name: str, port: int, *extra: str) -> Service:
    return Service(
        name=name,
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", *extra],
        health_url=f"http://127.0.0.1:{port}/",
        env={},
    )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_starts_waits_and_stops_every_service(tmp_path):
    ports = [free_port(), free_port()]
    sup = Supervisor([http_server("a", ports[0]), http_server("b", ports[1])], log_dir=tmp_path)
    sup.start()
    try:
        sup.wait_healthy(timeout_s=20)
        assert all(is_healthy(f"http://127.0.0.1:{p}/") for p in ports)
        pids = [p.pid for p in sup.procs.values()]
    finally:
        sup.stop()
    assert not any(is_healthy(f"http://127.0.0.1:{p}/", timeout=0.5) for p in ports)
    time.sleep(0.2)
    assert not any(pid_alive(pid) for pid in pids)


def test_a_service_that_dies_at_start_is_reported_with_its_log(tmp_path):
    crash = Service(name="crash", argv=[sys.executable, "-c", "import sys; print('boom here'); sys.exit(3)"],
                    health_url=f"http://127.0.0.1:{free_port()}/", env={})
    sup = Supervisor([crash], log_dir=tmp_path)
    sup.start()
    try:
        with pytest.raises(RuntimeError, match="boom here"):
            sup.wait_healthy(timeout_s=20)
    finally:
        sup.stop()


def test_refuses_to_start_when_the_port_is_taken(tmp_path):
    port = free_port()
    first = Supervisor([http_server("a", port)], log_dir=tmp_path)
    first.start()
    try:
        first.wait_healthy(timeout_s=20)
        second = Supervisor([http_server("a", port)], log_dir=tmp_path)
        with pytest.raises(RuntimeError, match="already answers"):
            second.start()
    finally:
        first.stop()


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path):
    stubborn = Service(
        name="stubborn",
        argv=[sys.executable, "-c",
              "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: time.sleep(1)"],
        health_url="http://127.0.0.1:1/", env={})
    sup = Supervisor([stubborn], log_dir=tmp_path)
    sup.start()
    pid = sup.procs["stubborn"].pid
    time.sleep(0.5)
    started = time.monotonic()
    sup.stop(grace_s=1.0)
    assert time.monotonic() - started < 10
    assert not pid_alive(pid)
