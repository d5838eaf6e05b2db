"""Production gunicorn settings (gunicorn reads ./gunicorn.conf.py by default).

    gunicorn -b 0.0.0.0:8080 "cds_hooks:create_app()"

Each value was chosen from measurements on the HTTP benchmark (benchmarks/http_bench.py; the
numbers are in README.md "Production serving"). Command-line flags override them.
"""

from __future__ import annotations

import gc
import math
import os
from typing import Any

# The app's defaults of the two settings read here (cds_hooks/config.py; a test keeps them in
# step). Not imported: importing cds_hooks here would load the whole service into any app this
# file serves, the benchmark's parse-only baseline included.
DEFAULTS = {"FHIR_TOTAL_TIMEOUT": 30.0, "JWKS_TIMEOUT_SECONDS": 5}


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


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
