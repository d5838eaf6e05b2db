"""The network side of fallback fetching: one budget per hook call, guarded connections.

`requests` (over urllib3) times out per socket operation only: a server that trickles a byte
every second, or sends one header line every few seconds, is never cut off by it. So each call
gets a `CallBudget` with a wall-clock deadline; every socket the call uses is registered with
it, and when the deadline passes the waiting request thread shuts those sockets down
(`abort`), which ends any blocked read at once. The connection classes also check the address
actually connected to (after DNS, so a re-bound name cannot reach a forbidden address) before
a byte of the request is sent.
"""

from __future__ import annotations

import contextlib
import contextvars
import http.cookiejar
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from cds_hooks.config import Origin
from cds_hooks.fetch.origins import OriginPolicy

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"


class CallBudget:
    """What one hook call may spend on fallback fetches: time, bytes, resources, addresses."""

    def __init__(
        self,
        *,
        total_seconds: float,
        policy: OriginPolicy,
        max_response_bytes: int,
        max_resources: int,
        clock: Any = time.monotonic,
    ) -> None:
        self.deadline = clock() + total_seconds
        self.policy = policy
        self.max_response_bytes = max_response_bytes
        self.max_resources = max_resources
        self._clock = clock
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._resources = 0
        # All answers of one call together: twice one answer's limit. Side-by-side fetches of
        # 32 MiB each would otherwise hold FHIR_PARALLEL_FETCHES x 32 MiB at once.
        self.max_call_bytes = 2 * max_response_bytes
        self._bytes = 0
        self.aborted = False

    def remaining(self) -> float:
        return self.deadline - self._clock()

    def expired(self) -> bool:
        return self.aborted or self.remaining() <= 0

    def take_resources(self, count: int) -> bool:
        """Count resources kept; False once the call holds more than allowed."""
        with self._lock:
            self._resources += count
            return self._resources <= self.max_resources

    def take_bytes(self, count: int) -> bool:
        """Count bytes read; False once the call has read more than allowed."""
        with self._lock:
            self._bytes += count
            return self._bytes <= self.max_call_bytes

    def register(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.aborted:
                _shutdown(sock)
            else:
                self._sockets.add(sock)

    def release(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sockets.discard(sock)  # type: ignore[arg-type]

    def abort(self) -> None:
        """The deadline passed: end every read of this call now (called from another thread)."""
        with self._lock:
            self.aborted = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to stop
        sock.shutdown(socket.SHUT_RDWR)


_BUDGET: contextvars.ContextVar[CallBudget | None] = contextvars.ContextVar(
    "cds_fetch_budget", default=None
)


@contextmanager
def spending(budget: CallBudget) -> Iterator[None]:
    token = _BUDGET.set(budget)
    try:
        yield
    finally:
        _BUDGET.reset(token)


class AddressRefused(NewConnectionError):
    """The peer address is not allowed for this origin (link-local, metadata, loopback...)."""


class _Guarded:
    """Mixin for urllib3 connections: address check after connect, socket registration."""

    host: str
    port: int
    sock: socket.socket | None
    _scheme = "http"

    def _new_conn(self) -> socket.socket:
        budget = _BUDGET.get()
        if budget is None or budget.expired():
            raise AddressRefused(self, "no fetch budget left")  # type: ignore[arg-type]
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        try:
            peer = sock.getpeername()[0]
        except OSError:
            sock.close()
            raise
        origin = Origin(self._scheme, self.host.lower().rstrip("."), self.port)
        if not budget.policy.address_allowed(origin, peer, self.port):
            sock.close()
            logger.warning("FHIR fetch refused: %s resolved to a forbidden address", origin.scheme)
            raise AddressRefused(self, "address not allowed")  # type: ignore[arg-type]
        budget.register(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        budget = _BUDGET.get()
        # A pooled connection opened by an earlier call: this call's deadline now covers it.
        if budget is not None and self.sock is not None:
            budget.register(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]
        if budget is not None:
            budget.register(self.sock)


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    _scheme = "http"


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    _scheme = "https"


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {  # type: ignore[attr-defined]
            "http": GuardedHTTPPool,
            "https": GuardedHTTPSPool,
        }


def new_session() -> requests.Session:
    """The app's pooled session. Cookies are refused: a session shared by every caller must
    never carry one EHR user's state into another's request. Environment proxies and .netrc
    are ignored (`trust_env`): the address checks need the connection to go where we checked."""
    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.headers.update({"Accept": FHIR_JSON})
    adapter = GuardedAdapter(pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def socket_of(response: requests.Response) -> socket.socket | None:
    connection = getattr(response.raw, "connection", None)
    return getattr(connection, "sock", None)
