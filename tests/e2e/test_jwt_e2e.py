"""JWT verification on a real server process: a valid token, a forged one and a replay.

The issuer's JWK Set is served by a loopback HTTP server in this process, so the service
fetches keys over real HTTP exactly as it would from an EHR.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.e2e

ISS = "https://e2e-ehr.example.org"
REPO = Path(__file__).resolve().parents[2]
STARTUP_LIMIT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture
def jwks_url(httpserver: HTTPServer, signing_key: Any) -> str:
    jwk = ECAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "e2e-1", "alg": "ES384", "use": "sig"}]}
    httpserver.expect_request("/jwks.json").respond_with_json(jwks)
    return httpserver.url_for("/jwks.json")


@pytest.fixture
def server(tmp_path: Path, jwks_url: str) -> Iterator[tuple[str, Path]]:
    """Base URL of `flask --app cds_hooks run` trusting ISS, and the file holding its log."""
    port = free_port()
    env = {
        **os.environ,
        "CDS_REQUIRE_JWT": "true",
        "CDS_JWT_ISSUERS": json.dumps({ISS: {"jku": jwks_url}}),
        "CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'cds.sqlite'}",
        "CDS_PUBLIC_BASE_URL": "",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "cds_hooks", "run"]
            + ["--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}")
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail("server did not start")


def token(key: Any, audience: str) -> str:
    now = int(time.time())
    claims = {"iss": ISS, "aud": audience, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "e2e-1", "typ": "JWT"})


def assert_unauthorized(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["resourceType"] == "OperationOutcome"


def test_valid_forged_and_replayed_tokens(
    server: tuple[str, Path], signing_key: Any, httpserver: HTTPServer
) -> None:
    base, log_path = server
    discovery = f"{base}/cds-services"
    valid = token(signing_key, discovery)

    accepted = requests.get(discovery, headers={"Authorization": f"Bearer {valid}"}, timeout=10)
    assert accepted.status_code == 200
    assert accepted.json()["services"]
    assert len(httpserver.log) == 1  # the service fetched the issuer's keys over HTTP

    forged = token(ec.generate_private_key(ec.SECP384R1()), discovery)
    assert_unauthorized(
        requests.get(discovery, headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    )

    replayed = requests.get(discovery, headers={"Authorization": f"Bearer {valid}"}, timeout=10)
    assert_unauthorized(replayed)

    service = f"{base}/cds-services/iliac-venous-pathway"
    wrong_endpoint = requests.post(
        service,
        json={},
        headers={"Authorization": f"Bearer {token(signing_key, discovery)}"},
        timeout=10,
    )
    assert_unauthorized(wrong_endpoint)

    server_log = log_path.read_text(errors="replace")
    for sent in (valid, forged):
        assert sent.split(".")[1] not in server_log and sent.split(".")[2] not in server_log
    assert "replay" in server_log and "bad-signature" in server_log
