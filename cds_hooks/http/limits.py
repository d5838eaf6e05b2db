"""Request limits enforced before Flask sees a request, each answered as a JSON
OperationOutcome: an over-long target (414), too many or too large header fields (431), a
body over `CDS_MAX_CONTENT_LENGTH` with or without Content-Length (413), and a body that does
not arrive within `CDS_REQUEST_BODY_TIMEOUT` (408).

gunicorn's own limits (gunicorn.conf.py) are set above these, so that a request over ours gets
our JSON answer, not gunicorn's HTML one. A body is read here in full (it is at most
CDS_MAX_CONTENT_LENGTH) under a wall-clock deadline: when it passes, a timer shuts the client
socket for reading, which ends a read blocked on a client sending one byte a second.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request

from cds_hooks.errors import ApiError

MAX_TARGET_BYTES = 4096  # path and query string
MAX_HEADER_FIELDS = 100
# A CDS Hooks JWT may be up to 16 KiB (security.jwt_check.MAX_TOKEN_LENGTH) plus "Bearer ".
MAX_HEADER_FIELD_BYTES = 20 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_READ_SIZE = 64 * 1024

StartResponse = Callable[..., Any]


_ERROR_KEY = "cds_hooks.limit_error"


class _Stalled(Exception):
    pass


class RequestLimits:
    """WSGI middleware; `max_body_bytes` and `body_seconds` come from the validated settings."""

    def __init__(self, app: Any, *, max_body_bytes: int, body_seconds: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_seconds = body_seconds

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        error = self._check(environ)
        if error is not None:
            # Answered by Flask (`refuse_over_limit`), so that CORS and logging apply as to any
            # other error; nothing more of this request is read.
            environ[_ERROR_KEY] = error
            environ["wsgi.input"] = io.BytesIO(b"")
            environ["CONTENT_LENGTH"] = "0"
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _check(self, environ: dict[str, Any]) -> tuple[int, str, str] | None:
        target = environ.get("RAW_URI") or (
            environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
        )
        if len(target) > MAX_TARGET_BYTES:
            return 414, "request target too long", "too-long"
        fields = [k for k in environ if k.startswith("HTTP_")]
        fields += [k for k in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(k)]
        if len(fields) > MAX_HEADER_FIELDS or any(
            len(str(environ[k])) > MAX_HEADER_FIELD_BYTES for k in fields
        ):
            return 431, "too many or too large header fields", "too-long"
        if not _has_body(environ):
            return None
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return 413, "request body too large", "too-costly"
        try:
            body = self._read_body(environ)
        except _Stalled:
            return 408, "request body not received in time", "timeout"
        except OSError:
            return 400, "request body could not be read", "structure"
        if body is None:
            return 413, "request body too large", "too-costly"
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return None

    def _read_body(self, environ: dict[str, Any]) -> bytes | None:
        """The whole body, or None if it is over the limit; `_Stalled` past the deadline."""
        stream = environ["wsgi.input"]
        sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        stalled = threading.Event()

        def cut() -> None:
            stalled.set()
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)  # the answer can still be written

        timer = threading.Timer(self.body_seconds, cut)
        timer.daemon = True
        timer.start()
        declared = environ.get("CONTENT_LENGTH") or ""
        # With Content-Length, never read past it: a server's raw socket file (werkzeug's)
        # would wait for the next request on a kept-alive connection.
        left = int(declared) if declared.isdigit() else None
        chunks: list[bytes] = []
        size = 0
        try:
            while left is None or left > 0:
                chunk = stream.read(_READ_SIZE if left is None else min(_READ_SIZE, left))
                if stalled.is_set():
                    raise _Stalled
                if not chunk:
                    break
                size += len(chunk)
                if left is not None:
                    left -= len(chunk)
                if size > self.max_body_bytes:
                    return None
                chunks.append(chunk)
        except (OSError, ValueError) as exc:
            if stalled.is_set():
                raise _Stalled from None
            raise OSError(type(exc).__name__) from None
        except Exception:  # gunicorn's parser errors (NoMoreData, chunk errors) on a cut body
            if stalled.is_set():
                raise _Stalled from None
            raise OSError("unreadable body") from None
        finally:
            timer.cancel()
        return b"".join(chunks)


def _has_body(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD", "GET") not in _BODY_METHODS:
        return False
    declared = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return chunked or (declared.isdigit() and int(declared) > 0)


def refuse_over_limit() -> None:
    """before_request: turn what the middleware found into the usual JSON error."""
    error = request.environ.get(_ERROR_KEY)
    if error is not None:
        status, message, code = error
        raise ApiError(status, message, code)


def init_app(app: Flask, *, max_body_bytes: int, body_seconds: float) -> None:
    # First of all before_request functions: a request over a limit is refused before the JWT
    # check or anything else reads it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_over_limit)
    app.wsgi_app = RequestLimits(  # type: ignore[method-assign]
        app.wsgi_app, max_body_bytes=max_body_bytes, body_seconds=body_seconds
    )
