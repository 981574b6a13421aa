"""Run several services as child processes; stop every one of them on Ctrl-C or when one dies."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.runner.services import Service
from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
LOG_DIR = Path(os.environ.get("CAREBOT_LOG_DIR") or PROJECT_ROOT / "var" / "log")


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Supervisor:
    """Owns the child processes. Each child gets its own process group, so stopping it
    also stops anything it spawned (Rasa and uvicorn start workers)."""

    def __init__(self, services: list[Service], log_dir: Path = LOG_DIR):
        self.services = services
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def log_path(self, service: Service) -> Path:
        return self.log_dir / f"{service.name}.log"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.services:
            self.start_service(service)

    def start_service(self, service: Service) -> None:
        """Start one service (again, after it died); refuses when its port is already taken."""
        if is_healthy(service.health_url, timeout=0.5):
            raise RuntimeError(
                f"{service.name}: something already answers at {service.health_url}; "
                "stop it or choose other ports (see .env.example)"
            )
        with open(self.log_path(service), "ab") as out:
            self.procs[service.name] = subprocess.Popen(
                service.argv, cwd=PROJECT_ROOT, env={**os.environ, **service.env},
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        log.debug("started", extra={"service": service.name, "pid": self.procs[service.name].pid})
        # Which process is which, for operators and for tests that stop one service.
        (self.log_dir / "pids.json").write_text(
            json.dumps({name: proc.pid for name, proc in self.procs.items()}) + "\n"
        )

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        while pending:
            if died := self.dead():
                service = next(s for s in self.services if s.name == died[0])
                raise RuntimeError(
                    f"{service.name} exited during start-up; last lines of {self.log_path(service)}:\n"
                    + tail(self.log_path(service))
                )
            pending = [s for s in pending if not is_healthy(s.health_url)]
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(f"not healthy after {timeout_s:.0f} s: {names} (logs in {self.log_dir})")
            if pending:
                time.sleep(0.5)

    def stop(self, grace_s: float = 10.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace_s
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("killing", extra={"service": name})
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self.procs.clear()

    def watch(self) -> str:
        """Block until a child dies; returns its name."""
        while True:
            if died := self.dead():
                return died[0]
            time.sleep(1.0)
