"""Hostile clients against the production server config (gunicorn with ./gunicorn.conf.py):
every answer is a JSON OperationOutcome, even the ones gunicorn writes itself, and a slow
client cannot hold a worker past its deadline. Raw sockets: an HTTP library would refuse to
send most of these requests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LiveServers

pytestmark = pytest.mark.e2e

BODY_SECONDS = 2.0  # CDS_REQUEST_BODY_TIMEOUT for this server
MAX_BODY = 64 * 1024  # CDS_MAX_CONTENT_LENGTH for this server
SLACK = 1.5
SERVICE = "/cds-services/iliac-venous-pathway"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    servers = LiveServers(tmp_path_factory.mktemp("clients"))
    base_url = servers(
        {"CDS_REQUEST_BODY_TIMEOUT": str(BODY_SECONDS), "CDS_MAX_CONTENT_LENGTH": str(MAX_BODY)},
        server="gunicorn",
    )
    try:
        yield base_url, int(base_url.rsplit(":", 1)[1])
    finally:
        servers.stop_all()
        output = servers.output(base_url)
        assert "WORKER TIMEOUT" not in output, output[-4000:]


def exchange(port: int, raw: bytes, *, timeout: float = 10.0) -> tuple[int, dict[str, str], Any]:
    """Send raw bytes, read the whole answer (the server closes): status, headers, JSON body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
    }
    return int(lines[0].split()[1]), headers, json.loads(body)


def assert_json_outcome(status: int, headers: dict[str, str], body: Any, expected: int) -> None:
    assert status == expected, body
    assert headers["content-type"].startswith("application/json")
    assert body["resourceType"] == "OperationOutcome"


def request_head(target: str = "/cds-services", extra: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode()


def test_an_over_long_url_is_json(server: tuple[str, int]) -> None:
    _, port = server
    for length, expected in ((5000, 414), (9000, 414)):  # ours, then gunicorn's own limit
        status, headers, body = exchange(port, request_head("/cds-services?" + "a" * length))
        assert_json_outcome(status, headers, body, expected)


def test_many_and_large_header_fields_are_json(server: tuple[str, int]) -> None:
    _, port = server
    many = "".join(f"X-H{i}: {i}\r\n" for i in range(150))
    assert_json_outcome(*exchange(port, request_head(extra=many)), 431)
    large = f"X-Large: {'a' * 16 * 1024}\r\n"
    status, headers, body = exchange(port, request_head(extra=large))
    assert headers["content-type"].startswith("application/json")
    assert status in (200, 431)
    huge = f"X-Huge: {'a' * 60 * 1024}\r\n"  # past gunicorn's own field limit
    assert_json_outcome(*exchange(port, request_head(extra=huge)), 431)


def test_a_garbage_request_line_is_json(server: tuple[str, int]) -> None:
    _, port = server
    status, headers, body = exchange(port, b"\x16\x03\x01 nonsense\r\n\r\n")
    assert_json_outcome(status, headers, body, 400)


def test_an_over_limit_chunked_body_is_413(server: tuple[str, int]) -> None:
    _, port = server
    chunk = b"a" * 8192
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // 8192 + 2))
    raw = (
        (
            f"POST {SERVICE} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        + chunks
        + b"0\r\n\r\n"
    )
    assert_json_outcome(*exchange(port, raw), 413)
    small = b'{"hook": "patient-view"}'
    raw_ok = (
        f"POST {SERVICE} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small)
    assert_json_outcome(*exchange(port, raw_ok), 400)  # read in full, then validated


def _trickle(port: int, head: bytes, *, stop: threading.Event) -> tuple[float, bytes]:
    """Send `head`, then a byte a second until the server answers or closes."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(head)
        sock.settimeout(1.0)
        while not stop.is_set() and time.monotonic() - started < 15:
            try:
                answer = sock.recv(65536)
                return time.monotonic() - started, answer
            except TimeoutError:
                try:
                    sock.sendall(b"a")
                except OSError:
                    return time.monotonic() - started, b""
            except OSError:
                return time.monotonic() - started, b""
    return time.monotonic() - started, b""


@pytest.mark.parametrize("phase", ["body", "head"])
def test_a_slow_client_is_cut_off_and_does_not_block_others(
    server: tuple[str, int], phase: str
) -> None:
    base_url, port = server
    if phase == "body":
        head = (
            f"POST {SERVICE} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n"
        ).encode()
    else:
        head = b"GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    stop = threading.Event()
    results: list[tuple[float, bytes]] = []
    # As many slow clients as gunicorn has workers (2): without a cut-off, nobody is served.
    slow = [
        threading.Thread(target=lambda: results.append(_trickle(port, head, stop=stop)))
        for _ in range(2)
    ]
    for thread in slow:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    served = requests.get(f"{base_url}/cds-services", timeout=15)
    waited = time.monotonic() - started
    stop.set()
    for thread in slow:
        thread.join(20)
    assert served.status_code == 200
    assert waited < BODY_SECONDS + SLACK, f"a normal call waited {waited:.1f} s"
    for elapsed, answer in results:
        assert elapsed < BODY_SECONDS + SLACK + 1.0
        if phase == "body" and answer:
            # A 408 in JSON; or nothing, when a byte the client kept sending arrived after
            # the cut and the kernel answered the close with a reset (the bound still held).
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"application/json" in answer
