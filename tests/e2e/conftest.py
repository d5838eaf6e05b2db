"""`live_server`: start the real service in a subprocess on a free loopback port.

    def test_something(live_server):
        base_url = live_server({"CDS_REQUIRE_JWT": "false"})
        requests.get(f"{base_url}/cds-services")

`live_server(env, server="flask"|"gunicorn") -> base_url`. The given env vars are added to the
current environment on top of safe test defaults (JWT off, SQLite database in tmp_path). The
process is stopped when the test ends; `live_server.output(base_url)` returns what it logged.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServers:
    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._processes: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}

    def __call__(self, env: dict[str, str] | None = None, *, server: str = "flask") -> str:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = self._tmp_path / f"server-{port}.log"
        full_env = {
            **os.environ,
            "CDS_REQUIRE_JWT": "false",
            "CDS_DATABASE_URL": f"sqlite:///{self._tmp_path / f'server-{port}.sqlite'}",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        if server == "flask":
            command = [str(BIN / "flask"), "--app", "cds_hooks", "run"]
            command += ["--host", "127.0.0.1", "--port", str(port), "--no-reload"]
        elif server == "gunicorn":
            command = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
            command += ["cds_hooks:create_app()"]
        else:
            raise ValueError(f"unknown server {server!r}")
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=REPO,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # so that stopping it also stops gunicorn's workers
            )
        self._processes[base_url] = (process, log_path)
        self._wait_ready(base_url, process, log_path)
        return base_url

    def base_urls(self) -> list[str]:
        return list(self._processes)

    def output(self, base_url: str) -> str:
        return self._processes[base_url][1].read_text(errors="replace")

    @staticmethod
    def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {process.returncode}:\n{log_path.read_text()[-4000:]}"
                )
            try:
                # Any HTTP answer means it serves (401 when the test turned JWT checks on).
                requests.get(f"{base_url}/cds-services", timeout=1)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError(f"server not ready in {STARTUP_SECONDS}s:\n{log_path.read_text()}")

    def stop_all(self) -> None:
        for process, _ in self._processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in self._processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServers]:
    servers = LiveServers(tmp_path)
    try:
        yield servers
    finally:
        servers.stop_all()
        # pytest shows captured output only for failing tests: the server's side of the story.
        for base_url in servers.base_urls():
            print(f"--- {base_url} output (tail) ---\n{servers.output(base_url)[-6000:]}")
