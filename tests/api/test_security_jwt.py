"""JWT verification of every /cds-services call (CDS Hooks 2.0.1 "Trusting CDS Clients").

Real ES384/RS384 keys are generated here and the issuer's JWK Set is served by a loopback HTTP
server, so key fetching, caching and the jku allowlist run for real.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from flask.testing import FlaskClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cds_hooks import create_app, observability, security
from tests.shared_paths import CDS_HOOKS_SPEC

ISS = "https://ehr.example.org"
OTHER_ISS = "https://other-ehr.example.org"
TENANT_ISS = "https://tenant-ehr.example.org"
OOB_ISS = "https://oob-ehr.example.org"
BASE = "http://localhost"
DISCOVERY = "/cds-services"
SERVICE = "/cds-services/iliac-venous-pathway"
FEEDBACK = "/cds-services/iliac-venous-pathway/feedback"
FEEDBACK_SUMMARY = "/cds-services/iliac-venous-pathway/feedback/summary"
LEEWAY = 60
MIN_REFRESH = 30
SPEC_EXAMPLE = CDS_HOOKS_SPEC / "examples/spec-2.0.1/jwt-example-es384.json"


class FakeClock:
    """Epoch seconds that only move when a test says so (`JWT_NOW`)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def es_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def attacker_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def public_jwk(private_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = ECAlgorithm if alg.startswith("ES") else RSAAlgorithm
    jwk = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


class JwksServer:
    """The issuer's JWK Set, swappable mid-test, with a count of fetches per path."""

    def __init__(self, server: HTTPServer, keys: list[dict[str, Any]]) -> None:
        self.server = server
        self.jwks: dict[str, Any] = {"keys": keys}
        server.expect_request("/jwks.json").respond_with_handler(self._serve)

    def _serve(self, _request: Request) -> Response:
        return Response(json.dumps(self.jwks), content_type="application/json")

    @property
    def url(self) -> str:
        return self.server.url_for("/jwks.json")

    def fetches(self, path: str = "/jwks.json") -> int:
        return sum(1 for request, _ in self.server.log if request.path == path)


@pytest.fixture
def jwks_server(httpserver: HTTPServer, es_key: Any, rsa_key: Any) -> JwksServer:
    return JwksServer(
        httpserver,
        [public_jwk(es_key, "es-1", "ES384"), public_jwk(rsa_key, "rsa-1", "RS384")],
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rejections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(observability, "record_jwt_rejection", seen.append)
    return seen


@pytest.fixture
def make_app(
    tmp_path: Path, jwks_server: JwksServer, clock: FakeClock, es_key: Any
) -> Callable[..., Flask]:
    def factory(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cds.sqlite'}",
            "REQUIRE_JWT": True,
            "JWT_LEEWAY_SECONDS": LEEWAY,
            "JWKS_MIN_REFRESH_SECONDS": MIN_REFRESH,
            "JWT_NOW": clock,
            "JWT_ISSUERS": {
                ISS: {"jku": jwks_server.url},
                TENANT_ISS: {"jku": jwks_server.url, "tenants": ["tenant-a", "tenant-b"]},
                OOB_ISS: {"jwks": {"keys": [public_jwk(es_key, "oob-1", "ES384")]}},
            },
        }
        config.update(overrides)
        return create_app(config)

    return factory


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> Iterator[FlaskClient]:
    with make_app().test_client() as test_client:
        yield test_client


@pytest.fixture
def mint(
    clock: FakeClock, es_key: Any, rsa_key: Any, jwks_server: JwksServer
) -> Callable[..., str]:
    """A signed token for the discovery endpoint; keyword arguments override claims/header."""

    def factory(
        path: str = DISCOVERY,
        *,
        alg: str = "ES384",
        key: Any = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        payload: dict[str, Any] = {
            "iss": ISS,
            "aud": BASE + path,
            "exp": int(clock.now) + 300,
            "iat": int(clock.now),
            "jti": str(uuid.uuid4()),
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        header = {"kid": "es-1" if alg == "ES384" else "rsa-1", "jku": jwks_server.url}
        header.update(headers or {})
        header = {name: value for name, value in header.items() if value is not None}
        signing_key = key or (es_key if alg == "ES384" else rsa_key)
        return jwt.encode(payload, signing_key, algorithm=alg, headers=header)

    return factory


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_parts(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"


def assert_rejected(response: Any, rejections: list[str], reason: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["diagnostics"] == security.REJECTION_MESSAGE
    assert rejections[-1] == reason


# --- accepted tokens --------------------------------------------------------------------------


def test_valid_es384_token_reaches_discovery(client: FlaskClient, mint: Callable[..., str]) -> None:
    response = client.get(DISCOVERY, headers=bearer(mint()))
    assert response.status_code == 200
    assert {s["id"] for s in response.get_json()["services"]} >= {"iliac-venous-pathway"}


def test_valid_rs384_token_reaches_discovery(client: FlaskClient, mint: Callable[..., str]) -> None:
    response = client.get(DISCOVERY, headers=bearer(mint(alg="RS384")))
    assert response.status_code == 200


def test_valid_token_on_service_reaches_the_service(
    client: FlaskClient, mint: Callable[..., str]
) -> None:
    # An empty body is refused by the service itself (400), which proves the JWT let it through.
    response = client.post(SERVICE, json={}, headers=bearer(mint(SERVICE)))
    assert response.status_code == 400


def test_aud_list_containing_the_endpoint_and_trailing_slash_are_accepted(
    client: FlaskClient, mint: Callable[..., str]
) -> None:
    listed = mint(aud=["https://elsewhere.example/x", BASE + DISCOVERY])
    assert client.get(DISCOVERY, headers=bearer(listed)).status_code == 200
    slashed = mint(aud=BASE + DISCOVERY + "/")
    assert client.get(DISCOVERY, headers=bearer(slashed)).status_code == 200


def test_sub_is_not_required_and_claims_are_exposed(
    make_app: Callable[..., Flask], mint: Callable[..., str]
) -> None:
    app = make_app()
    token = mint(tenant="anything")
    with app.test_request_context(DISCOVERY, headers=bearer(token)):
        settings = app.extensions[security.EXTENSION]
        claims = security.verify_request_token(f"Bearer {token}", BASE + DISCOVERY, settings)
    assert claims["iss"] == ISS
    assert "sub" not in claims


def test_verification_disabled_lets_calls_through(
    make_app: Callable[..., Flask], rejections: list[str]
) -> None:
    client = make_app(REQUIRE_JWT=False).test_client()
    assert client.get(DISCOVERY).status_code == 200
    assert rejections == []


def test_health_endpoints_need_no_token(client: FlaskClient, rejections: list[str]) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert rejections == []


# --- rejected tokens --------------------------------------------------------------------------


def test_missing_token(client: FlaskClient, rejections: list[str]) -> None:
    assert_rejected(client.get(DISCOVERY), rejections, "missing-token")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "Bearer ééé.x.y"],
)
def test_malformed_authorization(
    client: FlaskClient, rejections: list[str], authorization: str
) -> None:
    response = client.get(DISCOVERY, headers={"Authorization": authorization})
    assert_rejected(response, rejections, "malformed")


def test_alg_none_is_rejected_before_any_key_lookup(
    client: FlaskClient, rejections: list[str], jwks_server: JwksServer, clock: FakeClock
) -> None:
    payload = {"iss": ISS, "aud": BASE + DISCOVERY, "exp": clock.now + 300, "iat": clock.now}
    token = unsigned_parts({"alg": "none", "typ": "JWT", "kid": "es-1"}, {**payload, "jti": "n"})
    assert_rejected(client.get(DISCOVERY, headers=bearer(token + ".")), rejections, "bad-alg")
    assert jwks_server.fetches() == 0


def test_hs256_signed_with_the_public_key_is_rejected(
    client: FlaskClient,
    rejections: list[str],
    jwks_server: JwksServer,
    es_key: Any,
    clock: FakeClock,
) -> None:
    # The classic key-confusion attack: HMAC keyed with the issuer's (public) PEM.
    secret = es_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    payload = {
        "iss": ISS,
        "aud": BASE + DISCOVERY,
        "exp": clock.now + 300,
        "iat": clock.now,
        "jti": "h",
    }
    signing_input = unsigned_parts({"alg": "HS256", "typ": "JWT", "kid": "es-1"}, payload)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64url(signature)}"
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "bad-alg")
    assert jwks_server.fetches() == 0


@pytest.mark.parametrize("alg", ["ES256", "RS256", "PS384", "EdDSA", "es384", ["ES384"], None])
def test_other_algorithms_are_rejected(
    client: FlaskClient, rejections: list[str], clock: FakeClock, alg: Any
) -> None:
    token = unsigned_parts({"alg": alg, "kid": "es-1"}, {"iss": ISS}) + ".c2ln"
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "bad-alg")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"typ": "at+jwt"}, "bad-typ"),
        ({"kid": None}, "no-kid"),
        ({"kid": ""}, "no-kid"),
    ],
)
def test_bad_jose_header_fields(
    client: FlaskClient,
    rejections: list[str],
    mint: Callable[..., str],
    header: dict[str, Any],
    reason: str,
) -> None:
    token = mint(headers=header)
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, reason)


def test_typ_jwt_in_any_case_is_accepted(client: FlaskClient, mint: Callable[..., str]) -> None:
    token = mint(headers={"typ": "jwt"})
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200


def test_key_of_another_type_than_the_header_alg(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    token = mint(alg="RS384", headers={"kid": "es-1"})
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "key-alg-mismatch")


def test_key_without_alg_must_still_fit_the_header_alg(
    make_app: Callable[..., Flask], rejections: list[str], mint: Callable[..., str], es_key: Any
) -> None:
    jwk = {name: v for name, v in public_jwk(es_key, "bare-1", "ES384").items() if name != "alg"}
    client = make_app(JWT_ISSUERS={OOB_ISS: {"jwks": {"keys": [jwk]}}}).test_client()
    token = mint(iss=OOB_ISS, alg="RS384", headers={"kid": "bare-1", "jku": None})
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "key-alg-mismatch")


def test_expired_token_just_past_the_leeway(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str], clock: FakeClock
) -> None:
    token = mint(exp=int(clock.now) - LEEWAY, iat=int(clock.now) - 600)
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "expired")


def test_expired_token_within_the_leeway_is_accepted(
    client: FlaskClient, mint: Callable[..., str], clock: FakeClock
) -> None:
    token = mint(exp=int(clock.now) - LEEWAY + 1, iat=int(clock.now) - 600)
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200


def test_iat_in_the_future_beyond_the_leeway(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str], clock: FakeClock
) -> None:
    token = mint(iat=int(clock.now) + LEEWAY + 1, exp=int(clock.now) + 900)
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "iat-future")


def test_iat_in_the_future_within_the_leeway_is_accepted(
    client: FlaskClient, mint: Callable[..., str], clock: FakeClock
) -> None:
    token = mint(iat=int(clock.now) + LEEWAY, exp=int(clock.now) + 900)
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("missing", ["iss", "aud", "exp", "iat", "jti"])
def test_required_claims(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str], missing: str
) -> None:
    # Without iss the issuer cannot even be chosen; the other claims fail PyJWT's `require`.
    token = mint(**{missing: None})
    reason = "unknown-iss" if missing == "iss" else "missing-claim"
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, reason)


def test_non_numeric_exp(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    token = mint(exp="tomorrow")
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 401
    assert rejections[-1] in {"bad-claim", "invalid-token"}


def test_wrong_aud(client: FlaskClient, rejections: list[str], mint: Callable[..., str]) -> None:
    token = mint(aud="https://evil.example/cds-services")
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "bad-aud")


def test_discovery_token_used_on_a_service(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    response = client.post(SERVICE, json={}, headers=bearer(mint(DISCOVERY)))
    assert_rejected(response, rejections, "bad-aud")


def test_service_token_used_on_its_feedback_endpoint(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    response = client.post(FEEDBACK, json={"feedback": []}, headers=bearer(mint(SERVICE)))
    assert_rejected(response, rejections, "bad-aud")


def test_public_base_url_decides_the_audience(
    make_app: Callable[..., Flask], rejections: list[str], mint: Callable[..., str]
) -> None:
    client = make_app(PUBLIC_BASE_URL="https://cds.example.org/").test_client()
    public = mint(aud="https://cds.example.org/cds-services")
    assert client.get(DISCOVERY, headers=bearer(public)).status_code == 200
    internal = mint()  # aud = http://localhost/cds-services, the URL behind the proxy
    assert_rejected(client.get(DISCOVERY, headers=bearer(internal)), rejections, "bad-aud")


def test_unknown_issuer(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str], jwks_server: JwksServer
) -> None:
    token = mint(iss="https://unknown.example.org")
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "unknown-iss")
    assert jwks_server.fetches() == 0


def test_jku_not_on_the_allowlist_is_never_fetched(
    client: FlaskClient,
    rejections: list[str],
    mint: Callable[..., str],
    jwks_server: JwksServer,
    attacker_key: Any,
) -> None:
    evil_path = "/evil/jwks.json"
    jwks_server.server.expect_request(evil_path).respond_with_json(
        {"keys": [public_jwk(attacker_key, "evil-1", "ES384")]}
    )
    token = mint(
        key=attacker_key, headers={"kid": "evil-1", "jku": jwks_server.server.url_for(evil_path)}
    )
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "bad-jku")
    assert jwks_server.fetches(evil_path) == 0
    assert len(jwks_server.server.log) == 0


def test_unknown_kid_refetches_at_most_once_per_interval(
    client: FlaskClient,
    rejections: list[str],
    mint: Callable[..., str],
    jwks_server: JwksServer,
    clock: FakeClock,
    attacker_key: Any,
) -> None:
    assert client.get(DISCOVERY, headers=bearer(mint())).status_code == 200
    assert jwks_server.fetches() == 1

    clock.now += MIN_REFRESH
    stranger = mint(key=attacker_key, headers={"kid": "who-1"})
    assert_rejected(client.get(DISCOVERY, headers=bearer(stranger)), rejections, "unknown-kid")
    assert jwks_server.fetches() == 2

    another = mint(key=attacker_key, headers={"kid": "who-2"})
    assert_rejected(client.get(DISCOVERY, headers=bearer(another)), rejections, "unknown-kid")
    assert jwks_server.fetches() == 2


def test_rotated_key_is_picked_up_on_refresh(
    client: FlaskClient, mint: Callable[..., str], jwks_server: JwksServer, clock: FakeClock
) -> None:
    assert client.get(DISCOVERY, headers=bearer(mint())).status_code == 200
    new_key = ec.generate_private_key(ec.SECP384R1())
    jwks_server.jwks["keys"].append(public_jwk(new_key, "es-2", "ES384"))
    clock.now += MIN_REFRESH
    token = mint(key=new_key, headers={"kid": "es-2"})
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200
    assert jwks_server.fetches() == 2


def test_jwks_endpoint_down(
    make_app: Callable[..., Flask],
    rejections: list[str],
    mint: Callable[..., str],
    httpserver: HTTPServer,
) -> None:
    dead = httpserver.url_for("/missing-jwks.json")  # answers 500: no handler registered
    client = make_app(JWT_ISSUERS={ISS: {"jku": dead}}).test_client()
    token = mint(headers={"jku": dead})
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "jwks-unavailable")


def test_tampered_payload(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    header, payload, signature = mint().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["jti"] = "forged"
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    assert_rejected(client.get(DISCOVERY, headers=bearer(forged)), rejections, "bad-signature")


def test_replayed_jti(client: FlaskClient, rejections: list[str], mint: Callable[..., str]) -> None:
    token = mint()
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "replay")


def test_same_jti_from_two_issuers_is_not_a_replay(
    client: FlaskClient, mint: Callable[..., str]
) -> None:
    first = mint(jti="shared-nonce")
    second = mint(jti="shared-nonce", iss=TENANT_ISS, tenant="tenant-a")
    assert client.get(DISCOVERY, headers=bearer(first)).status_code == 200
    assert client.get(DISCOVERY, headers=bearer(second)).status_code == 200


@pytest.mark.parametrize("tenant", ["tenant-c", None, 42])
def test_tenant_mismatch(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str], tenant: Any
) -> None:
    token = mint(iss=TENANT_ISS, tenant=tenant)
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "bad-tenant")


def test_tenant_ok(client: FlaskClient, mint: Callable[..., str]) -> None:
    token = mint(iss=TENANT_ISS, tenant="tenant-b")
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200


def test_rejection_log_names_the_reason_but_not_the_token(
    client: FlaskClient, mint: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    token = mint(aud="https://evil.example/cds-services")
    with caplog.at_level(logging.WARNING, logger="cds_hooks.security"):
        client.get(DISCOVERY, headers=bearer(token))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "bad-aud" in logged
    assert token.split(".")[2] not in logged and token.split(".")[1] not in logged


# --- which endpoints are protected ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", DISCOVERY), ("POST", SERVICE), ("POST", FEEDBACK), ("GET", FEEDBACK_SUMMARY)],
)
def test_every_cds_services_endpoint_is_protected(
    client: FlaskClient, rejections: list[str], method: str, path: str
) -> None:
    response = client.open(path, method=method, json={} if method == "POST" else None)
    assert_rejected(response, rejections, "missing-token")


def test_feedback_accepts_a_token_for_its_own_url(
    client: FlaskClient, mint: Callable[..., str]
) -> None:
    # The feedback route itself refuses an empty list, which proves the JWT let the call through.
    response = client.post(FEEDBACK, json={"feedback": []}, headers=bearer(mint(FEEDBACK)))
    assert response.status_code == 400
    summary = client.get(FEEDBACK_SUMMARY, headers=bearer(mint(FEEDBACK_SUMMARY)))
    assert summary.status_code == 200


@pytest.mark.parametrize("path", [DISCOVERY, SERVICE, FEEDBACK, FEEDBACK_SUMMARY])
def test_cors_preflight_needs_no_token(
    client: FlaskClient, rejections: list[str], path: str
) -> None:
    response = client.options(
        path,
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin")
    assert rejections == []


def test_rejection_still_carries_cors_headers(client: FlaskClient, rejections: list[str]) -> None:
    response = client.get(DISCOVERY, headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert_rejected(response, rejections, "missing-token")
    assert response.headers.get("Access-Control-Allow-Origin")


# --- keys exchanged out of band ---------------------------------------------------------------


def test_out_of_band_jwks(
    client: FlaskClient, mint: Callable[..., str], jwks_server: JwksServer
) -> None:
    token = mint(iss=OOB_ISS, headers={"kid": "oob-1", "jku": None})
    assert client.get(DISCOVERY, headers=bearer(token)).status_code == 200
    assert jwks_server.fetches() == 0


def test_out_of_band_issuer_rejects_a_jku_header(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    token = mint(iss=OOB_ISS, headers={"kid": "oob-1"})  # jku points at the other issuer's set
    assert_rejected(client.get(DISCOVERY, headers=bearer(token)), rejections, "bad-jku")


# --- the CDS Hooks 2.0.1 specification's example token ---------------------------------------


@pytest.fixture
def spec_example() -> dict[str, Any]:
    return json.loads(SPEC_EXAMPLE.read_text())


def spec_issuer_config(example: dict[str, Any]) -> dict[str, Any]:
    return {
        example["jwt_payload"]["iss"]: {
            "jku": example["jwt_header"]["jku"],
            "jwks": example["jwks_public"],
            "tenants": [example["jwt_payload"]["tenant"]],
        }
    }


def test_spec_example_token_verifies_with_a_pinned_clock(
    make_app: Callable[..., Flask], spec_example: dict[str, Any]
) -> None:
    pinned = spec_example["jwt_payload"]["exp"] - 10
    app = make_app(
        JWT_ISSUERS=spec_issuer_config(spec_example),
        PUBLIC_BASE_URL="https://cds.example.org",
        JWT_NOW=lambda: pinned,
        # The example lives 3.5 years (iat 2011, exp 2015); best practice: "no more than an hour".
        JWT_MAX_LIFETIME_SECONDS=spec_example["jwt_payload"]["exp"],
    )
    audience = spec_example["jwt_payload"]["aud"]
    with app.test_request_context("/cds-services/some-service"):
        settings = app.extensions[security.EXTENSION]
        claims = security.verify_request_token(f"Bearer {spec_example['jwt']}", audience, settings)
    assert claims == spec_example["jwt_payload"]


def test_spec_example_token_is_expired_by_the_real_clock(
    make_app: Callable[..., Flask], spec_example: dict[str, Any], rejections: list[str]
) -> None:
    app = make_app(
        JWT_ISSUERS=spec_issuer_config(spec_example),
        PUBLIC_BASE_URL="https://cds.example.org",
        JWT_NOW=None,
    )
    response = app.test_client().post(
        "/cds-services/some-service", json={}, headers=bearer(spec_example["jwt"])
    )
    assert_rejected(response, rejections, "expired")


# --- token lifetime, replay-store bounds and store failures ------------------------------------

MAX_LIFETIME = 3600


@pytest.mark.parametrize(
    ("lifetime", "accepted"),
    [(MAX_LIFETIME - 1, True), (MAX_LIFETIME, True), (MAX_LIFETIME + 1, False)],
)
def test_token_lifetime_is_capped_at_one_hour(
    client: FlaskClient,
    rejections: list[str],
    mint: Callable[..., str],
    clock: FakeClock,
    lifetime: int,
    accepted: bool,
) -> None:
    # Best practice: jtis are kept "for the maximum JWT lifetime (no more than an hour)".
    token = mint(iat=int(clock.now), exp=int(clock.now) + lifetime)
    response = client.get(DISCOVERY, headers=bearer(token))
    if accepted:
        assert response.status_code == 200
    else:
        assert_rejected(response, rejections, "lifetime-too-long")


def test_max_lifetime_is_a_setting(
    make_app: Callable[..., Flask], mint: Callable[..., str], clock: FakeClock
) -> None:
    client = make_app(JWT_MAX_LIFETIME_SECONDS=600).test_client()
    assert client.get(DISCOVERY, headers=bearer(mint(exp=int(clock.now) + 600))).status_code == 200
    assert client.get(DISCOVERY, headers=bearer(mint(exp=int(clock.now) + 601))).status_code == 401


def test_replay_rows_never_outlive_the_capped_lifetime(
    app_with_store: Flask, mint: Callable[..., str], clock: FakeClock
) -> None:
    from sqlalchemy import func, select

    from cds_hooks.storage import store

    client = app_with_store.test_client()
    for _ in range(3):
        assert client.get(DISCOVERY, headers=bearer(mint())).status_code == 200
    with app_with_store.app_context():
        engine = store.get_engine()
        with engine.connect() as connection:
            latest = connection.execute(select(func.max(store.seen_jti.c.expires_at))).scalar_one()
            count = connection.execute(select(func.count()).select_from(store.seen_jti))
            assert count.scalar_one() == 3
    # Rows are kept until exp + leeway, and exp is at most iat + one hour: the store only ever
    # holds the last hour's tokens (pruned once a minute).
    horizon = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=MAX_LIFETIME + LEEWAY)
    assert latest <= horizon


@pytest.fixture
def app_with_store(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def test_replay_store_failure_is_a_json_503_with_cors(
    client: FlaskClient, mint: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from cds_hooks.storage import store

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("INSERT INTO seen_jti", {}, Exception("database is locked"))

    monkeypatch.setattr(store, "remember_jti", broken)
    response = client.post(
        SERVICE,
        json={},
        headers={**bearer(mint(SERVICE)), "Origin": "https://sandbox.cds-hooks.org"},
    )
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "transient"
    assert "seen_jti" not in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_sandbox_shaped_token_is_accepted_on_every_endpoint(
    client: FlaskClient, mint: Callable[..., str], clock: FakeClock
) -> None:
    # sandbox jwt-generator.js: ES384, typ JWT, kid, jku; iss, aud = exact URL called,
    # exp = now + 300, iat, jti; no sub, no tenant.
    headers = {"typ": "JWT"}
    discovery = client.get(DISCOVERY, headers=bearer(mint(DISCOVERY, headers=headers)))
    assert discovery.status_code == 200
    slash = client.get(DISCOVERY + "/", headers=bearer(mint(DISCOVERY + "/", headers=headers)))
    assert slash.status_code == 200
    service = client.post(SERVICE, json={}, headers=bearer(mint(SERVICE, headers=headers)))
    assert service.status_code == 400  # authenticated; the empty body is what fails
    feedback = {
        "feedback": [
            {
                "card": str(uuid.uuid4()),
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-27T17:00:00.123Z",
            }
        ]
    }
    answer = client.post(FEEDBACK, json=feedback, headers=bearer(mint(FEEDBACK, headers=headers)))
    assert answer.status_code == 200


def test_sandbox_service_url_with_a_double_slash_keeps_its_aud(
    client: FlaskClient, mint: Callable[..., str]
) -> None:
    # Discovery URL entered as ".../cds-services/": the sandbox then calls and signs
    # ".../cds-services//iliac-venous-pathway" (aud = exact URL called).
    path = "/cds-services//iliac-venous-pathway"
    response = client.post(path, json={}, headers=bearer(mint(path)))
    assert response.status_code == 400  # authenticated; the empty body is what fails


def test_double_slash_does_not_widen_the_audience(
    client: FlaskClient, rejections: list[str], mint: Callable[..., str]
) -> None:
    token = mint("/cds-services//iliac-venous-order-safety")
    assert_rejected(client.post(SERVICE, json={}, headers=bearer(token)), rejections, "bad-aud")
