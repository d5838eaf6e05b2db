"""CORS for browser clients: preflights without a token, headers on every response."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks.config import ConfigError
from cds_hooks.http.cors import parse_origins

SANDBOX = "https://sandbox.cds-hooks.org"
PREFLIGHT = {
    "Origin": SANDBOX,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}
PATHS = [
    "/cds-services",
    "/cds-services/iliac-venous-pathway",
    "/cds-services/iliac-venous-order-safety/feedback",
]


@pytest.fixture
def secured_client(make_app: Callable[..., Flask]) -> FlaskClient:
    # JWT required and no issuer trusted: anything but a preflight must be refused.
    return make_app(REQUIRE_JWT=True, JWT_ISSUERS={}).test_client()


@pytest.mark.parametrize("path", PATHS)
def test_preflight_is_answered_without_a_token(secured_client: FlaskClient, path: str) -> None:
    response = secured_client.options(path, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    methods = set(response.headers["Access-Control-Allow-Methods"].replace(" ", "").split(","))
    assert {"GET", "POST", "OPTIONS"} <= methods
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_unauthenticated_call_gets_cors_headers_on_its_401(secured_client: FlaskClient) -> None:
    response = secured_client.get("/cds-services", headers={"Origin": SANDBOX})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/cds-services", 200),
        ("post", "/cds-services/unknown", 404),
        ("get", "/cds-services/iliac-venous-pathway", 405),
        ("post", "/cds-services/iliac-venous-pathway", 415),
    ],
)
def test_cors_header_on_success_and_error_responses(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path, headers={"Origin": SANDBOX})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_configured_origins_are_echoed_and_others_refused(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(CORS_ORIGINS=f"{SANDBOX}, https://ehr.example.org").test_client()
    allowed = client.options("/cds-services", headers=PREFLIGHT)
    assert allowed.headers["Access-Control-Allow-Origin"] == SANDBOX
    assert "Origin" in allowed.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_private_network_preflight_from_public_sandbox_is_allowed(client: FlaskClient) -> None:
    # Chrome asks before a public page (the sandbox) calls a service on localhost.
    headers = {**PREFLIGHT, "Access-Control-Request-Private-Network": "true"}
    response = client.options("/cds-services", headers=headers)
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*", "*"),
        (" * ", "*"),
        (
            "https://a.example, http://localhost:3000/",
            ["https://a.example", "http://localhost:3000"],
        ),
    ],
)
def test_parse_origins(value: str, expected: object) -> None:
    assert parse_origins(value) == expected


@pytest.mark.parametrize("value", ["", "a.example", "https://a.example,*", 5, "https://a/b"])
def test_invalid_origins_fail_at_startup_naming_the_setting(value: object) -> None:
    with pytest.raises(ConfigError, match="CDS_CORS_ORIGINS"):
        parse_origins(value)


def test_private_network_access_can_be_turned_off(make_app: Callable[..., Flask]) -> None:
    client = make_app(CORS_ALLOW_PRIVATE_NETWORK=False).test_client()
    headers = {**PREFLIGHT, "Access-Control-Request-Private-Network": "true"}
    response = client.options("/cds-services", headers=headers)
    assert response.headers["Access-Control-Allow-Private-Network"] == "false"
