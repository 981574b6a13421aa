"""`carebot up` with the real services: Ctrl-C (SIGINT) stops every process it started."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.runner.services import MODEL_DIR
from bot.runner.supervisor import is_healthy
from bot.settings import PROJECT_ROOT
from tests.ports import free_port




def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_every_service(tmp_path: Path):
    if not (MODEL_DIR / "carebot.tar.gz").exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    hub_port = free_port()
    env = {
        **os.environ,
        "CAREBOT_LOG_DIR": str(tmp_path / "log"),
        "CAREBOT_HUB_PORT": str(hub_port),
        "CAREBOT_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "CAREBOT_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "CAREBOT_HUB_DB_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "CAREBOT_CRM_URL": f"sqlite:///{tmp_path / 'crm.db'}",
        "CAREBOT_RASA_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }
    # As `make run` does: the hub checks its schema at start, it does not migrate (CAREBOT_DB_UPGRADE=0).
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=PROJECT_ROOT, env=env, check=True)
    up = subprocess.Popen([sys.executable, "-m", "bot.cli", "up"], cwd=PROJECT_ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pids_file = tmp_path / "log" / "pids.json"
    try:
        deadline = time.monotonic() + 120
        while not (pids_file.exists() and is_healthy(f"http://127.0.0.1:{hub_port}/health")):
            assert up.poll() is None, up.stdout.read()
            assert time.monotonic() < deadline, "the hub never became healthy"
            time.sleep(0.5)
        pids = json.loads(pids_file.read_text())
        assert set(pids) == {"rasa", "actions", "hub"}
        assert all(alive(pid) for pid in pids.values())

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0, up.stdout.read()
        assert not [name for name, pid in pids.items() if alive(pid)]
        assert not is_healthy(f"http://127.0.0.1:{hub_port}/health", timeout=0.5)
    finally:  # never leave services behind when an assertion failed
        if up.poll() is None:
            up.kill()
        if pids_file.exists():
            for pid in json.loads(pids_file.read_text()).values():
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
