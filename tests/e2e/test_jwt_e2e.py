"""JWT verification on a real server process: a valid token, a forged one and a replay.

The issuer's JWK Set is served by a loopback HTTP server in this process, so the service
fetches keys over real HTTP exactly as it would from an EHR.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.e2e

ISS = "https://e2e-ehr.example.org"


@pytest.fixture(scope="module")
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture
def jwks_url(httpserver: HTTPServer, signing_key: Any) -> str:
    jwk = ECAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "e2e-1", "alg": "ES384", "use": "sig"}]}
    httpserver.expect_request("/jwks.json").respond_with_json(jwks)
    return httpserver.url_for("/jwks.json")


@pytest.fixture(params=["flask", "gunicorn"])
def base_url(request: pytest.FixtureRequest, live_server: Any, jwks_url: str) -> str:
    """A real server process (tests/e2e/conftest.py) trusting ISS; gunicorn runs 2 workers,
    so a replay may land on another process than the first use and must still be caught."""
    env = {
        "CDS_REQUIRE_JWT": "true",
        "CDS_JWT_ISSUERS": json.dumps({ISS: {"jku": jwks_url}}),
        "CDS_PUBLIC_BASE_URL": "",
    }
    return str(live_server(env, server=request.param))


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
    live_server: Any, base_url: str, signing_key: Any, httpserver: HTTPServer
) -> None:
    discovery = f"{base_url}/cds-services"
    valid = token(signing_key, discovery)

    accepted = requests.get(discovery, headers={"Authorization": f"Bearer {valid}"}, timeout=10)
    assert accepted.status_code == 200
    assert accepted.json()["services"]
    # The service fetched the issuer's keys over HTTP (once per worker process).
    assert httpserver.log and {r.path for r, _ in httpserver.log} == {"/jwks.json"}

    forged = token(ec.generate_private_key(ec.SECP384R1()), discovery)
    assert_unauthorized(
        requests.get(discovery, headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    )

    for _ in range(4):  # several tries, so that with gunicorn more than one worker sees it
        replayed = requests.get(discovery, headers={"Authorization": f"Bearer {valid}"}, timeout=10)
        assert_unauthorized(replayed)

    service = f"{base_url}/cds-services/iliac-venous-pathway"
    wrong_endpoint = requests.post(
        service,
        json={},
        headers={"Authorization": f"Bearer {token(signing_key, discovery)}"},
        timeout=10,
    )
    assert_unauthorized(wrong_endpoint)

    server_log = live_server.output(base_url)
    for sent in (valid, forged):
        assert sent.split(".")[1] not in server_log and sent.split(".")[2] not in server_log
    assert "replay" in server_log and "bad-signature" in server_log
