"""Production gunicorn settings (gunicorn reads ./gunicorn.conf.py by default).

    gunicorn -b 0.0.0.0:8080 "cds_hooks:create_app()"

Each value was chosen from measurements on the HTTP benchmark (benchmarks/http_bench.py; the
numbers are in README.md "Production serving"). Command-line flags override them.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import socket
import threading
from typing import Any

# The app's defaults of the two settings read here (cds_hooks/config.py; a test keeps them in
# step). Not imported: importing cds_hooks here would load the whole service into any app this
# file serves, the benchmark's parse-only baseline included.
DEFAULTS = {"FHIR_TOTAL_TIMEOUT": 5.0, "JWKS_TIMEOUT_SECONDS": 5}


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (cgroups, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _seconds(name: str) -> float:
    """A CDS_* duration the app also reads; an invalid value falls back to the default here
    and stops the app at start, which names the variable."""
    try:
        return float(os.environ.get(f"CDS_{name}", DEFAULTS[name]))
    except ValueError:
        return float(DEFAULTS[name])


# The work is CPU-bound Python (mapping, rules, JSON): one sync worker per CPU. On 2 cores,
# 3 or 4 workers only add context switches and memory (README); gthread was slower still.
# WEB_CONCURRENCY (the usual platform variable) overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY") or _cpus())
worker_class = "sync"

# A worker may legitimately be busy for the whole FHIR fallback deadline plus a JWK Set fetch
# (connect and read) before it even maps a record; it is killed only well past that.
timeout = math.ceil(_seconds("FHIR_TOTAL_TIMEOUT") + 2 * _seconds("JWKS_TIMEOUT_SECONDS") + 10)
# A restart (SIGHUP, deploys) lets calls in flight finish: the same bound as a call.
graceful_timeout = timeout

# Import the app and warm it up once in the master; workers are forked warm (first call as fast
# as the second) and share the imported code's memory. Code changes need a restart, not HUP.
preload_app = True

# A 10,000-resource call leaves a worker's heap at ~170 MiB, which CPython rarely gives back.
# Recycling a worker now and then bounds that; with preload a new worker is a fork (~10 ms).
# The jitter keeps the workers from restarting together.
max_requests = 5000
max_requests_jitter = 500

# The app writes one JSON access line per request itself (without query strings).
accesslog = None
errorlog = "-"
# Every gunicorn line as one JSON object, like the app's own (also after a HUP reload).
logger_class = "cds_hooks.observability.GunicornJsonLogger"
# Heartbeat files on tmpfs: a worker blocked on a slow disk is not mistaken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def when_ready(server: Any) -> None:
    # Everything imported and warmed in the master is permanent: the workers' collector never
    # walks it (less work per collection, and no copy-on-write of pages it would touch).
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    # A forked worker shares the master's warm memory, but its first call would copy every page
    # it touches (~3x a second call, measured); one warm-up call per service before accepting
    # pays that here (~20 ms per worker start) instead of in an EHR's first call.
    warm = getattr(worker.wsgi, "extensions", {}).get("cds_warm_up")
    if callable(warm):
        warm()
    _guard_slow_clients(worker)


# --- Hostile clients (issue 15) ---------------------------------------------------------------
# gunicorn's own limits sit above the app's (cds_hooks/http/limits.py: a request target over
# 4096 bytes is a 414, over 100 header fields or a field over 20 KiB a 431, all JSON from the
# app; a test keeps them in step). Past these larger limits, and for bytes that are not HTTP,
# gunicorn answers itself: `_json_error_pages` makes that answer JSON too.
limit_request_line = 8190  # gunicorn's maximum
limit_request_fields = 200
limit_request_field_size = 40 * 1024
# CDS_REQUEST_BODY_TIMEOUT's default (cds_hooks/config.py; a test keeps them in step).
REQUEST_BODY_TIMEOUT_DEFAULT = 10.0
_ISSUE_CODES = {400: "structure", 403: "forbidden", 414: "too-long", 417: "not-supported"}


def _json_error_pages() -> None:
    """gunicorn writes its own errors (bad request line, its limits) as HTML; as JSON here."""
    from gunicorn import util

    def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        code = _ISSUE_CODES.get(status_int, "too-long" if status_int == 431 else "processing")
        # gunicorn's message may quote the request: only the reason phrase is sent.
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": reason.lower()}],
        }
        body = json.dumps(outcome).encode()
        head = (
            f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        util.write_nonblock(sock, head + body)

    util.write_error = write_error


_json_error_pages()

# A sync worker serves one connection at a time and gunicorn sets no deadline on reading a
# request's head: a client sending a header line every few seconds would hold the worker until
# gunicorn kills it. Each accepted connection gets a timer that shuts the socket for reading
# after CDS_REQUEST_BODY_TIMEOUT unless `pre_request` (the head was read) disarmed it; the body
# then has its own deadline in the app (408). A fronting proxy should still buffer (README).
_armed = threading.local()


def _head_seconds() -> float:
    try:
        value = os.environ.get("CDS_REQUEST_BODY_TIMEOUT", REQUEST_BODY_TIMEOUT_DEFAULT)
        return max(0.1, float(value))
    except ValueError:  # the app stops at start naming the variable
        return REQUEST_BODY_TIMEOUT_DEFAULT


def _guard_slow_clients(worker: Any) -> None:
    from gunicorn import util
    from gunicorn.workers.sync import SyncWorker

    if not isinstance(worker, SyncWorker):
        return  # threaded workers poll for data themselves (gunicorn's worker data timeout)
    seconds = _head_seconds()

    def guarded_accept(listener: Any) -> None:
        client, addr = listener.accept()
        client.setblocking(True)
        util.close_on_exec(client)

        def cut() -> None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RD)  # the answer can still be written

        timer = threading.Timer(seconds, cut)
        timer.daemon = True
        _armed.timer = timer
        timer.start()
        try:
            worker.handle(listener, client, addr)
        finally:
            timer.cancel()
            _armed.timer = None

    worker.accept = guarded_accept


def pre_request(worker: Any, req: Any) -> None:
    timer = getattr(_armed, "timer", None)
    if timer is not None:
        timer.cancel()
        _armed.timer = None


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
