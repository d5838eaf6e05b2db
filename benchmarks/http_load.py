"""Serving and loading for the HTTP benchmark: gunicorn processes on loopback, a threaded
HTTP client, and what the workers spend (CPU from /proc, memory from smaps_rollup)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "gunicorn.conf.py"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 120.0
MAX_SECONDS_PER_RUN = 20.0
MIB = 1024 * 1024


@dataclass
class Run:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    rps: float
    cpu_ms: float = float("nan")  # server CPU (all workers) per answered request


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CDS_REQUIRE_JWT": "false",
        "CDS_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
        # A 10,000-resource prefetch is ~11 MB; the default cap (5 MB) would answer 413.
        "CDS_MAX_CONTENT_LENGTH": str(64 * MIB),
        "PYTHONUNBUFFERED": "1",
    }


def gunicorn_command(app: str, port: int, workers: int | None = None) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}"]
    # Before gunicorn.conf.py existed the README's advice was the measured 2 sync workers.
    command += ["-c", str(CONFIG)] if CONFIG.is_file() else ["-w", "2"]
    if workers is not None:
        command += ["-w", str(workers)]
    return [*command, app]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    started: float  # perf_counter at Popen
    ready_after: float = 0.0  # seconds from Popen to the first 200

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []


@contextmanager
def serving(app: str, tmp: Path, workers: int | None = None) -> Iterator[Server]:
    port = free_port()
    log = (tmp / f"{'baseline' if 'baseline' in app else 'service'}-{port}.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        gunicorn_command(app, port, workers),
        cwd=ROOT,
        env=server_env(tmp),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(process, port, started)
    try:
        server.ready_after = wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def wait_ready(server: Server) -> float:
    deadline = server.started + START_TIMEOUT
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}")
        try:
            status, _ = request(server.port, "GET", "/cds-services", None, timeout=5)
            if status == 200:
                return time.perf_counter() - server.started
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("gunicorn did not answer in time")


def request(
    port: int, method: str, path: str, body: bytes | None, timeout: float = REQUEST_TIMEOUT
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def load(port: int, path: str, body: bytes, concurrency: int, total: int) -> Run:
    """`total` POSTs from `concurrency` threads (bounded by MAX_SECONDS_PER_RUN)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    issued = 0
    deadline = time.perf_counter() + MAX_SECONDS_PER_RUN

    def worker() -> None:
        nonlocal issued, errors
        while True:
            with lock:
                if issued >= total or time.perf_counter() > deadline:
                    return
                issued += 1
            start = time.perf_counter()
            try:
                status, _ = request(port, "POST", path, body)
                ok = status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed * 1000)
                else:
                    errors += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    latencies.sort()
    return Run(
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        rps=len(latencies) / seconds if seconds else 0.0,
    )


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return out


def measured_load(server: Server, path: str, body: bytes, concurrency: int, total: int) -> Run:
    """`load`, plus the CPU the server's workers spent on it (robust to a busy machine)."""
    before = cpu_seconds(server.workers())
    run = load(server.port, path, body, concurrency, total)
    after = cpu_seconds(list(before))
    spent = sum(after[pid] - before[pid] for pid in after)  # a recycled worker is left out
    if run.requests and len(after) == len(before):
        run.cpu_ms = spent * 1000 / run.requests
    return run


def memory_of(pid: int) -> dict[str, float]:
    """Current and peak RSS, and USS (private pages), in MiB."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
        private = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                private += int(line.split()[1])
            elif line.startswith("Pss:"):
                out["PSS"] = int(line.split()[1]) / 1024
        out["USS"] = private / 1024
    except OSError:
        pass
    return {
        "rss_mib": round(out.get("VmRSS", 0), 1),
        "peak_rss_mib": round(out.get("VmHWM", 0), 1),
        "uss_mib": round(out.get("USS", 0), 1),
        "pss_mib": round(out.get("PSS", 0), 1),
    }


def wait_for_workers(server: Server, expected: int | None) -> None:
    """The first 200 may come from the first forked worker; wait for the rest (bounded)."""
    if expected is None:
        expected = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)))
    deadline = time.perf_counter() + 10
    while len(server.workers()) < expected and time.perf_counter() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # let the new workers settle before their memory is read


def workers_memory(server: Server) -> list[dict[str, float]]:
    return [memory_of(pid) for pid in server.workers()]
