"""gunicorn against hostile clients (used by gunicorn.conf.py; nothing here runs under Flask's
own server or the tests' client).

- Limits: gunicorn's own request-line/header limits sit *above* the app's (`http.limits`), so
  a request over the app's limit gets the app's JSON error; only a request past gunicorn's
  larger limits (or not HTTP at all) is answered by gunicorn itself, and `json_error_pages`
  makes that answer a JSON OperationOutcome as well instead of gunicorn's HTML page.
- Slow clients: a sync worker serves one connection at a time and gunicorn sets no deadline
  on reading a request's head, so a client sending a header line every few seconds would hold
  the worker until gunicorn kills it. `post_worker_init` arms a timer per accepted connection
  that shuts the socket for reading after `CDS_REQUEST_BODY_TIMEOUT` unless `pre_request` (the
  head was read) disarmed it; the body then has its own deadline in `http.limits`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from typing import Any

from cds_hooks.config import DEFAULTS
from cds_hooks.errors import operation_outcome
from cds_hooks.http import limits

# gunicorn's maxima (limit_request_line cannot exceed 8190); all above the app's limits.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 2 * limits.MAX_HEADER_FIELDS
LIMIT_REQUEST_FIELD_SIZE = 2 * limits.MAX_HEADER_FIELD_BYTES

_ISSUE_CODES = {400: "structure", 403: "forbidden", 414: "too-long", 417: "not-supported"}


def head_seconds() -> float:
    """`CDS_REQUEST_BODY_TIMEOUT` also bounds the request head (an invalid value falls back
    here and stops the app at start, which names the variable)."""
    try:
        return max(0.1, float(os.environ.get("CDS_REQUEST_BODY_TIMEOUT", "")))
    except ValueError:
        return float(DEFAULTS["REQUEST_BODY_TIMEOUT"])


def json_error_pages() -> None:
    """Make gunicorn write its own error answers (bad request line, limits) as JSON."""
    from gunicorn import util

    def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        code = _ISSUE_CODES.get(status_int, "too-long" if status_int == 431 else "processing")
        # gunicorn's message may quote the request: only the reason phrase is sent.
        body = json.dumps(operation_outcome(reason.lower(), code)).encode()
        head = (
            f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        util.write_nonblock(sock, head + body)

    util.write_error = write_error


_armed = threading.local()


def post_worker_init(worker: Any) -> None:
    from gunicorn.workers.sync import SyncWorker

    if not isinstance(worker, SyncWorker):
        return  # threaded workers poll for data themselves (gunicorn's worker data timeout)
    accept = worker.accept
    seconds = head_seconds()

    def guarded_accept(listener: Any) -> None:
        from gunicorn import util

        client, addr = listener.accept()
        client.setblocking(True)
        util.close_on_exec(client)

        def cut() -> None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RD)

        timer = threading.Timer(seconds, cut)
        timer.daemon = True
        _armed.timer = timer
        timer.start()
        try:
            worker.handle(listener, client, addr)
        finally:
            timer.cancel()
            _armed.timer = None

    guarded_accept.__wrapped__ = accept  # type: ignore[attr-defined]
    worker.accept = guarded_accept


def pre_request(worker: Any, req: Any) -> None:
    timer = getattr(_armed, "timer", None)
    if timer is not None:
        timer.cancel()
        _armed.timer = None
