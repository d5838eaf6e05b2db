"""A misbehaving FHIR server on loopback, for fault-injection tests and the soak.

The first path segment picks the fault for every request under it, e.g. `fhirServer =
http://127.0.0.1:PORT/hang`. Raw sockets (not an HTTP library): the faults are exactly the
ones a library would refuse to produce. Every handler waits at most `max_seconds` and stops
when the server is closed, so a test can never leave it running.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import time
import zlib
from typing import Any

PATIENT_ID = "fault-1"


def _bundle(next_url: str | None = None) -> bytes:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return json.dumps(bundle).encode()


def _bomb(size: int, *, method: str) -> bytes:
    """`size` zero bytes compressed (about 1000:1), built a MiB at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31) if method == "gzip" else zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + compressor.flush()


class _Handler(socketserver.BaseRequestHandler):
    server: FaultServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(self.server.max_seconds)
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = sock.recv(4096)
                if not data:
                    return
                head += data
            target = head.split(b" ", 2)[1].decode("latin-1")
            fault = target.lstrip("/").split("/", 1)[0].split("?", 1)[0]
            self.server.hits.append(fault)
            getattr(self, "fault_" + fault.replace("-", "_"), self.fault_unknown)(sock, target)
        except OSError:
            pass

    # --- helpers ------------------------------------------------------------------------------
    def _send(
        self,
        sock: socket.socket,
        body: bytes,
        *,
        status: str = "200 OK",
        content_type: str = "application/fhir+json",
        extra: str = "",
    ) -> None:
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
        )
        sock.sendall(head.encode() + body)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server is closing; False when it is."""
        return not self.server.closing.wait(min(seconds, self.server.max_seconds))

    # --- faults -------------------------------------------------------------------------------
    def fault_ok(self, sock: socket.socket, target: str) -> None:
        if "/Patient/" in target:
            self._send(sock, json.dumps({"resourceType": "Patient", "id": PATIENT_ID}).encode())
        else:
            self._send(sock, _bundle())

    def fault_hang(self, sock: socket.socket, target: str) -> None:
        self._wait(self.server.max_seconds)

    def fault_trickle(self, sock: socket.socket, target: str) -> None:
        """A valid head, then one body byte every 0.2 s: never a read timeout."""
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
            b"Content-Length: 100000\r\n\r\n"
        )
        while self._wait(0.2):
            sock.sendall(b" ")

    def fault_slow_headers(self, sock: socket.socket, target: str) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\n")
        while self._wait(0.5):
            sock.sendall(b"X-Slow: 1\r\n")

    def fault_endless_chunks(self, sock: socket.socket, target: str) -> None:
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b" " * 65536
        deadline = time.monotonic() + self.server.max_seconds
        while not self.server.closing.is_set() and time.monotonic() < deadline:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def fault_reset(self, sock: socket.socket, target: str) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()

    def fault_status(self, sock: socket.socket, target: str) -> None:
        code = target.split("/")[2]
        extra = "Retry-After: 1\r\n" if code in {"429", "503"} else ""
        body = json.dumps({"resourceType": "OperationOutcome", "issue": []}).encode()
        self._send(sock, body, status=f"{code} Failure", extra=extra)

    def fault_html(self, sock: socket.socket, target: str) -> None:
        self._send(sock, b"<html><body>Login</body></html>", content_type="text/html")

    def fault_bad_json(self, sock: socket.socket, target: str) -> None:
        self._send(sock, b'{"resourceType": "Bundle", "entry": [')

    def fault_deep_json(self, sock: socket.socket, target: str) -> None:
        self._send(
            sock, b'{"resourceType": "Bundle", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        )

    def fault_huge(self, sock: socket.socket, target: str) -> None:
        """200 MB of a valid-looking Bundle, streamed."""
        size = 200 * 1024 * 1024
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
            b"Content-Length: %d\r\n\r\n" % size
        )
        block = b" " * (1 << 20)
        for _ in range(size >> 20):
            if self.server.closing.is_set():
                return
            sock.sendall(block)

    def fault_gzip_bomb(self, sock: socket.socket, target: str) -> None:
        self._send(sock, self.server.bomb("gzip"), extra="Content-Encoding: gzip\r\n")

    def fault_deflate_bomb(self, sock: socket.socket, target: str) -> None:
        self._send(sock, self.server.bomb("deflate"), extra="Content-Encoding: deflate\r\n")

    def fault_loop_next(self, sock: socket.socket, target: str) -> None:
        # A new next link every page: only the page cap or the deadline ends it.
        page = int(target.rsplit("page=", 1)[1]) if "page=" in target else 0
        self._send(sock, _bundle(f"Condition?patient={PATIENT_ID}&page={page + 1}"))

    def fault_redirect_self(self, sock: socket.socket, target: str) -> None:
        self._send(sock, b"", status="302 Found", extra=f"Location: {target}\r\n")

    def fault_redirect_other(self, sock: socket.socket, target: str) -> None:
        other = self.server.other_origin + target
        self._send(sock, b"", status="307 Temporary Redirect", extra=f"Location: {other}\r\n")

    def fault_gzip_ok(self, sock: socket.socket, target: str) -> None:
        self._send(sock, gzip.compress(_bundle()), extra="Content-Encoding: gzip\r\n")

    def fault_unknown(self, sock: socket.socket, target: str) -> None:
        self._send(sock, b"", status="404 Not Found")


class FaultServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, max_seconds: float = 20.0, bomb_bytes: int = 256 << 20) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.max_seconds = max_seconds
        self.bomb_bytes = bomb_bytes
        self.closing = threading.Event()
        self.hits: list[str] = []
        self.other_origin = "http://127.0.0.1:9"  # nothing listens: a leak would not connect
        self._bombs: dict[str, bytes] = {}
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def bomb(self, method: str) -> bytes:
        if method not in self._bombs:
            self._bombs[method] = _bomb(self.bomb_bytes, method=method)
        return self._bombs[method]

    def start(self) -> FaultServer:
        for method in ("gzip", "deflate"):  # built before any test times a call
            self.bomb(method)
        self._thread.start()
        return self

    def close(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()
