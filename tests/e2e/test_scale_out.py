"""Scale-out: two stateless instances (gunicorn, production config) behind one URL, sharing one
PostgreSQL database, behave as one service.

- a JWT accepted by one instance is a replay at the other (the `jti` guard is in the database);
- feedback posted to one instance is in the other's summary, stored once even when the client
  retries it against the other instance;
- cards served by one instance are counted in the other's summary once the first has written
  its served-card log (behind the answer, in batches, within `card_log.FLUSH_SECONDS`).

Needs `CDS_TEST_POSTGRES_URL` (`.ci/run` sets it); skipped without it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pytest_httpserver import HTTPServer

from cds_hooks.storage import store
from fixtures.loader import load_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ISS = "https://scale-out-ehr.example.org"
PUBLIC = "https://cds.example.org"  # the load balancer's URL, the JWT audience for both
SERVICE = "iliac-venous-pathway"
SCENARIO = "pv-new-left-swelling"


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("CDS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL variant: set CDS_TEST_POSTGRES_URL (.ci/run does) to run it")
    engine = store.build_engine(store.normalise_url(url))
    store.drop_schema(engine)  # the instances create the schema themselves, concurrently
    engine.dispose()
    return url


@pytest.fixture
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture
def instances(
    live_server: Any, httpserver: HTTPServer, signing_key: Any, postgres_url: str
) -> tuple[str, str]:
    jwk = ECAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    httpserver.expect_request("/jwks.json").respond_with_json(
        {"keys": [{**jwk, "kid": "so-1", "alg": "ES384", "use": "sig"}]}
    )
    env = {
        "CDS_REQUIRE_JWT": "true",
        "CDS_JWT_ISSUERS": json.dumps({ISS: {"jku": httpserver.url_for("/jwks.json")}}),
        "CDS_PUBLIC_BASE_URL": PUBLIC,
        "CDS_DATABASE_URL": postgres_url,
    }
    return live_server(env, server="gunicorn"), live_server(env, server="gunicorn")


def token(key: Any, path: str) -> str:
    now = int(time.time())
    claims = {"iss": ISS, "aud": PUBLIC + path, "iat": now, "exp": now + 300}
    claims["jti"] = str(uuid.uuid4())
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": "so-1", "typ": "JWT"})


def call(
    key: Any, base_url: str, method: str, path: str, body: Any = None, bearer: str | None = None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer or token(key, path)}"}
    return requests.request(method, base_url + path, json=body, headers=headers, timeout=30)


def test_two_instances_share_replay_guard_feedback_and_served_cards(
    instances: tuple[str, str], signing_key: Any
) -> None:
    first, second = instances
    discovery = "/cds-services"

    # Replay guard: one token, two instances.
    once = token(signing_key, discovery)
    assert call(signing_key, first, "GET", discovery, bearer=once).status_code == 200
    for _ in range(3):  # each instance has two workers; every one of them must refuse it
        replayed = call(signing_key, second, "GET", discovery, bearer=once)
        assert replayed.status_code == 401
        assert replayed.json()["resourceType"] == "OperationOutcome"
    assert call(signing_key, first, "GET", discovery, bearer=once).status_code == 401

    # A card served by the first instance...
    _, requests_by_service = load_scenario(SCENARIO)
    hook_request = requests_by_service[SERVICE]
    hook_request.pop("fhirServer", None)
    hook_request.pop("fhirAuthorization", None)
    answer = call(signing_key, first, "POST", f"/cds-services/{SERVICE}", hook_request)
    assert answer.status_code == 200
    cards = answer.json()["cards"]
    assert cards
    card = cards[0]
    recommendation = card["source"]["topic"]["code"]

    # ...gets feedback through the second, and the client retries it through the first.
    feedback_path = f"/cds-services/{SERVICE}/feedback"
    entry = {
        "card": card["uuid"],
        "outcome": "overridden",
        "overrideReason": {"reason": {"system": "urn:iliac-cds:override", "code": "already-done"}},
        "outcomeTimestamp": "2026-12-07T10:00:00Z",
    }
    for base_url in (second, first):
        posted = call(signing_key, base_url, "POST", feedback_path, {"feedback": [entry]})
        assert posted.status_code == 200

    summary_path = f"/cds-services/{SERVICE}/feedback/summary"
    expected = {
        recommendation: {
            "served": 1,
            "accepted": 0,
            "overridden": 1,
            "overrideReasons": {"already-done": 1},
            "acceptanceRate": 0.0,
        }
    }
    # The second instance never saw the service call; the served card reaches the shared
    # database when the first instance's worker writes its log (FLUSH_SECONDS after the answer;
    # the bound here is generous, it is not a speed check).
    deadline = time.monotonic() + 30
    seen_second: dict[str, Any] = {}
    while time.monotonic() < deadline:
        seen_second = call(signing_key, second, "GET", summary_path).json()["recommendations"]
        if seen_second.get(recommendation, {}).get("served"):
            break
        time.sleep(0.1)
    assert seen_second == expected
    assert call(signing_key, first, "GET", summary_path).json()["recommendations"] == expected
