"""Issue 15 in-process: hostile request bodies, malformed prefetch, where fallback fetches may
go (CDS_FHIR_ALLOWED_ORIGINS, per-issuer fhirServers), redirects and bounded answers."""

from __future__ import annotations

import gzip
import json
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from jwt.algorithms import ECAlgorithm
from pytest_httpserver import HTTPServer
from werkzeug import Response

from cds_hooks.config import ConfigError
from cds_hooks.service_catalog import PREFETCH_KEYS

SERVICE = "/cds-services/iliac-venous-pathway"
FEEDBACK = "/cds-services/iliac-venous-pathway/feedback"
EXPLAIN = "/cds-services/iliac-venous-pathway/explain"
PATIENT = {"resourceType": "Patient", "id": "p-1"}
TOKEN = "fhir-token-5e4d3c2b1a"


def hook(fhir_server: str | None = None, prefetch: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": "p-1"},
        **extra,
    }
    if fhir_server:
        body["fhirServer"] = fhir_server
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def full_prefetch(**changes: Any) -> dict[str, Any]:
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    prefetch.update(changes)
    return prefetch


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def diagnostics(response: Any) -> str:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return str(response.get_json()["issue"][0]["diagnostics"])


# --- deep JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SERVICE, FEEDBACK, EXPLAIN])
@pytest.mark.parametrize("depth", [101, 2_000, 200_000])
def test_deeply_nested_json_is_400_on_every_endpoint(client: Any, path: str, depth: int) -> None:
    response = client.post(path, data=nested(depth), content_type="application/json")
    assert response.status_code == 400
    assert "deep" in diagnostics(response)


def test_deep_nesting_inside_strings_is_not_counted(client: Any) -> None:
    body = hook(prefetch=full_prefetch(), extension={"note": "[" * 500})
    assert client.post(SERVICE, json=body).status_code == 200


def test_nesting_at_the_limit_is_parsed(client: Any) -> None:
    body = json.dumps(hook(prefetch=full_prefetch(), extension=json.loads(nested(95))))
    response = client.post(SERVICE, data=body, content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)


# --- malformed prefetch ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "conditions",
    [
        {"resourceType": "OperationOutcome", "issue": 5},
        {"resourceType": "OperationOutcome", "issue": [5, "x"]},
        {
            "resourceType": "Bundle",
            "entry": [{"resource": {"resourceType": "OperationOutcome", "issue": 5}}],
        },
        {"resourceType": "Bundle", "entry": 5},
        {"resourceType": "Bundle", "entry": "abc"},
    ],
)
def test_malformed_outcomes_and_bundles_count_as_failed_searches(
    client: Any, httpserver_ipv4: HTTPServer, conditions: dict[str, Any]
) -> None:
    # Without fhirServer: 412 naming the key, never a 500.
    response = client.post(SERVICE, json=hook(prefetch=full_prefetch(conditions=conditions)))
    assert response.status_code == 412, response.get_data(as_text=True)
    assert "'conditions'" in diagnostics(response)
    # With fhirServer: fetched again.
    httpserver_ipv4.expect_request("/fhir/Condition").respond_with_json(
        {"resourceType": "Bundle", "type": "searchset", "entry": []}
    )
    response = client.post(
        SERVICE,
        json=hook(httpserver_ipv4.url_for("/fhir"), full_prefetch(conditions=conditions)),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(httpserver_ipv4.log) == 1


def test_malformed_link_lists_do_not_crash(client: Any) -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [], "link": 5}
    response = client.post(SERVICE, json=hook(prefetch=full_prefetch(conditions=bundle)))
    assert response.status_code == 200


# --- where fallback fetches go -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fhir_server",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/fhir",
        "http://[::ffff:169.254.169.254]/fhir",
        "http://[fd00:ec2::254]/fhir",
        "http://metadata.google.internal/computeMetadata/v1",
        "http://localhost/cds-services",  # the service's own origin (test client host)
        "http://user:pass@fhir.example.org/r4",
    ],
)
def test_forbidden_fhir_servers_are_400_naming_the_setting(client: Any, fhir_server: str) -> None:
    response = client.post(SERVICE, json=hook(fhir_server))
    assert response.status_code == 400
    assert "CDS_FHIR_ALLOWED_ORIGINS" in diagnostics(response)


def test_only_listed_origins_are_fetched(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    listed = httpserver_ipv4.url_for("/").rstrip("/")
    app = make_app(FHIR_ALLOWED_ORIGINS=f"https://fhir.example.org, {listed}")
    refused = app.test_client().post(SERVICE, json=hook("https://other.example.org/fhir"))
    assert refused.status_code == 400
    assert "CDS_FHIR_ALLOWED_ORIGINS" in diagnostics(refused)
    httpserver_ipv4.expect_request("/fhir/Condition").respond_with_json(
        {"resourceType": "Bundle", "entry": []}
    )
    prefetch = full_prefetch()
    del prefetch["conditions"]
    allowed = app.test_client().post(SERVICE, json=hook(f"{listed}/fhir", prefetch))
    assert allowed.status_code == 200, allowed.get_data(as_text=True)


def test_loopback_needs_listing_when_jwt_checks_are_on(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    from cds_hooks.fetch import fhir_client

    app = make_app(REQUIRE_JWT=True)
    policy = fhir_client.base_policy(app)
    with pytest.raises(Exception, match="loopback"):
        policy.check_url(httpserver_ipv4.url_for("/fhir"))
    listed = make_app(REQUIRE_JWT=True, FHIR_ALLOWED_ORIGINS=httpserver_ipv4.url_for("/"))
    fhir_client.base_policy(listed).check_url(httpserver_ipv4.url_for("/fhir"))


@pytest.mark.parametrize(
    "value",
    ["", "fhir.example.org", "https://fhir.example.org/r4", "http://169.254.169.254", "x://y"],
)
def test_allowed_origins_setting_is_validated(make_app: Callable[..., Flask], value: str) -> None:
    with pytest.raises(ConfigError, match="CDS_FHIR_ALLOWED_ORIGINS"):
        make_app(FHIR_ALLOWED_ORIGINS=value)


def test_a_name_resolving_to_a_forbidden_address_is_refused_at_connect(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name passes the by-name check, the address actually connected to
    (loopback here, with JWT checks on and nothing listed) is refused before the request is
    sent."""
    real = socket.getaddrinfo

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "fhir.rebind.test" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    app = make_app(REQUIRE_JWT=True, JWT_ISSUERS={}, FHIR_ALLOWED_ORIGINS="*")
    app.config["TESTING"] = True
    from cds_hooks import security

    monkeypatch.setattr(security.jwt_check, "_authenticate", lambda: None)
    app.before_request_funcs[None] = [
        f for f in app.before_request_funcs[None] if f.__name__ != "_authenticate"
    ]
    port = httpserver_ipv4.port
    response = app.test_client().post(
        SERVICE, json=hook(f"http://fhir.rebind.test:{port}/fhir", search_only())
    )
    assert response.status_code == 412, response.get_data(as_text=True)
    assert diagnostics(response) == "prefetch 'conditions' could not be fetched"
    assert httpserver_ipv4.log == []


# --- per-issuer fhirServers ----------------------------------------------------------------------

ISS = "https://ehr.example.org"


@pytest.fixture(scope="module")
def es_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def issuer_app(make_app: Callable[..., Flask], key: Any, fhir_servers: list[str]) -> Flask:
    jwk = {**ECAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "alg": "ES384"}
    issuers = {ISS: {"jwks": {"keys": [jwk]}, "fhirServers": fhir_servers}}
    return make_app(REQUIRE_JWT=True, JWT_ISSUERS=issuers, FHIR_ALLOWED_ORIGINS="*")


def bearer(key: Any) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": ISS,
        "aud": f"http://localhost{SERVICE}",
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    token = jwt.encode(claims, key, algorithm="ES384", headers={"kid": "k1", "typ": "JWT"})
    return {"Authorization": f"Bearer {token}"}


def test_issuer_fhir_servers_narrow_the_allowed_origins(
    make_app: Callable[..., Flask], es_key: Any, httpserver_ipv4: HTTPServer
) -> None:
    own = httpserver_ipv4.url_for("/").rstrip("/")
    app = issuer_app(make_app, es_key, [own])
    client = app.test_client()
    other = client.post(
        SERVICE, json=hook("https://other-ehr.example.org/fhir"), headers=bearer(es_key)
    )
    assert other.status_code == 400
    assert "fhirServers" in diagnostics(other)
    httpserver_ipv4.expect_request("/fhir/Condition").respond_with_json(
        {"resourceType": "Bundle", "entry": []}
    )
    prefetch = full_prefetch()
    del prefetch["conditions"]
    # Loopback, but listed for this issuer: allowed even with JWT checks on.
    mine = client.post(SERVICE, json=hook(f"{own}/fhir", prefetch), headers=bearer(es_key))
    assert mine.status_code == 200, mine.get_data(as_text=True)


@pytest.mark.parametrize("value", ["https://x.org", [], ["not a url"], [5]])
def test_issuer_fhir_servers_are_validated(
    make_app: Callable[..., Flask], es_key: Any, value: Any
) -> None:
    with pytest.raises(ConfigError, match="fhirServers"):
        issuer_app(make_app, es_key, value)


# --- redirects and bounded answers -----------------------------------------------------------


def search_only(prefetch_key: str = "conditions") -> dict[str, Any]:
    prefetch = full_prefetch()
    del prefetch[prefetch_key]
    return prefetch


def test_same_origin_redirects_are_followed_up_to_three(
    client: Any, httpserver_ipv4: HTTPServer
) -> None:
    for hop in range(3):
        httpserver_ipv4.expect_ordered_request(f"/hop{hop}/Condition").respond_with_response(
            Response(status=302, headers={"Location": f"/hop{hop + 1}/Condition?patient=p-1"})
        )
    httpserver_ipv4.expect_ordered_request("/hop3/Condition").respond_with_json(
        {"resourceType": "Bundle", "entry": []}
    )
    response = client.post(
        SERVICE,
        json=hook(
            httpserver_ipv4.url_for("/hop0"),
            search_only(),
            fhirAuthorization={
                "access_token": TOKEN,
                "token_type": "Bearer",
                "expires_in": 60,
                "scope": "patient/*.read",
                "subject": "x",
            },
        ),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(httpserver_ipv4.log) == 4


def test_a_fourth_redirect_and_a_cross_origin_redirect_are_412(
    client: Any, httpserver_ipv4: HTTPServer
) -> None:
    httpserver_ipv4.expect_request("/loop/Condition").respond_with_response(
        Response(status=307, headers={"Location": "/loop/Condition?again=1"})
    )
    response = client.post(SERVICE, json=hook(httpserver_ipv4.url_for("/loop"), search_only()))
    assert response.status_code == 412
    assert len(httpserver_ipv4.log) == 4  # the first request and three redirects
    httpserver_ipv4.clear_log()
    httpserver_ipv4.expect_request("/away/Condition").respond_with_response(
        Response(status=302, headers={"Location": "http://127.0.0.2:9/steal"})
    )
    response = client.post(SERVICE, json=hook(httpserver_ipv4.url_for("/away"), search_only()))
    assert response.status_code == 412
    assert diagnostics(response) == "prefetch 'conditions' could not be fetched"


def test_answers_over_the_byte_limit_are_412_even_compressed(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    app = make_app(FHIR_MAX_RESPONSE_BYTES=4096)
    padding = {"resourceType": "Bundle", "entry": [], "padding": " " * 10_000}
    small = {"resourceType": "Bundle", "entry": []}
    httpserver_ipv4.expect_request("/plain/Condition").respond_with_json(padding)
    httpserver_ipv4.expect_request("/gzip/Condition").respond_with_response(
        Response(gzip.compress(json.dumps(padding).encode()), headers={"Content-Encoding": "gzip"})
    )
    httpserver_ipv4.expect_request("/fine/Condition").respond_with_response(
        Response(gzip.compress(json.dumps(small).encode()), headers={"Content-Encoding": "gzip"})
    )
    client = app.test_client()
    for name, expected in (("plain", 412), ("gzip", 412), ("fine", 200)):
        response = client.post(
            SERVICE, json=hook(httpserver_ipv4.url_for(f"/{name}"), search_only())
        )
        assert response.status_code == expected, (name, response.get_data(as_text=True))


def test_resources_over_the_call_cap_are_412(
    make_app: Callable[..., Flask], httpserver_ipv4: HTTPServer
) -> None:
    app = make_app(FHIR_MAX_RESOURCES=5)
    entries = [{"resource": {"resourceType": "Condition", "id": f"c{i}"}} for i in range(6)]
    httpserver_ipv4.expect_request("/fhir/Condition").respond_with_json(
        {"resourceType": "Bundle", "entry": entries}
    )
    response = app.test_client().post(
        SERVICE, json=hook(httpserver_ipv4.url_for("/fhir"), search_only())
    )
    assert response.status_code == 412
