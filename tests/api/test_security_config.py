"""Start-up validation of the JWT settings, and the JWK Set client's caching rules."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pytest_httpserver import HTTPServer

from cds_hooks import create_app, security
from cds_hooks.config import ConfigError
from cds_hooks.security.jwks import JwksUnavailable, RemoteKeys, StaticKeys, parse_jwk_set
from tests.shared_paths import CDS_HOOKS_SPEC

SANDBOX_JWKS = CDS_HOOKS_SPEC / "sandbox/sandbox-jwks.json"


@pytest.fixture(scope="module")
def public_jwk() -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": "k1", "use": "sig", "alg": "ES384"}


@pytest.fixture
def base_config(tmp_path: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'cds.sqlite'}"}


# --- CDS_JWT_ISSUERS --------------------------------------------------------------------------


def test_issuers_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, base_config: dict[str, Any]
) -> None:
    issuers = {"https://ehr.example.org": {"jku": "https://ehr.example.org/jwks.json"}}
    monkeypatch.setenv("CDS_JWT_ISSUERS", json.dumps(issuers))
    app = create_app(base_config)
    trusted = app.extensions[security.EXTENSION].issuers
    assert trusted["https://ehr.example.org"].jku == "https://ehr.example.org/jwks.json"


def test_issuers_as_a_json_string(base_config: dict[str, Any], public_jwk: dict[str, Any]) -> None:
    issuers = json.dumps({"https://local.example": {"jwks": {"keys": [public_jwk]}}})
    app = create_app({**base_config, "JWT_ISSUERS": issuers})
    assert set(app.extensions[security.EXTENSION].issuers) == {"https://local.example"}


def test_sandbox_issuer_from_the_shared_jwks_file(base_config: dict[str, Any]) -> None:
    issuers = {
        "https://sandbox.cds-hooks.org": {
            "jku": "https://sandbox.cds-hooks.org/.well-known/jwks.json",
            "jwks": json.loads(SANDBOX_JWKS.read_text()),
        }
    }
    app = create_app({**base_config, "JWT_ISSUERS": issuers})
    keys = app.extensions[security.EXTENSION].issuers["https://sandbox.cds-hooks.org"].keys
    assert keys.get_key("44823f3d-0b01-4a6c-a80e-b9d3e8a7226f") is not None


@pytest.mark.parametrize(
    "issuers",
    [
        "{not json",
        ["https://ehr.example.org"],
        {"https://ehr.example.org": "https://ehr.example.org/jwks.json"},
        {"https://ehr.example.org": {}},
        {"https://ehr.example.org": {"jwks_uri": "https://ehr.example.org/jwks.json"}},
        {"https://ehr.example.org": {"jku": "http://ehr.example.org/jwks.json"}},
        {"https://ehr.example.org": {"jku": "file:///etc/passwd"}},
        {"https://ehr.example.org": {"jwks": {"keys": []}}},
        {"https://ehr.example.org": {"jwks": {"keys": [{"kty": "oct", "kid": "s", "k": "c2Vj"}]}}},
        {"https://ehr.example.org": {"jku": "https://e.org/j", "tenants": "one"}},
        {"https://ehr.example.org": {"jku": "https://e.org/j", "tenants": []}},
        {"": {"jku": "https://e.org/j"}},
    ],
)
def test_invalid_issuers_fail_at_start(base_config: dict[str, Any], issuers: Any) -> None:
    with pytest.raises(ConfigError, match="CDS_JWT_ISSUERS"):
        create_app({**base_config, "JWT_ISSUERS": issuers})


def test_private_key_in_out_of_band_jwks_is_refused(base_config: dict[str, Any]) -> None:
    # A valid private JWK (PyJWT could load it) pasted where the public key belongs.
    key = ec.generate_private_key(ec.SECP384R1())
    private = {**ECAlgorithm.to_jwk(key, as_dict=True), "kid": "k1", "alg": "ES384"}
    issuers = {"https://ehr.example.org": {"jwks": {"keys": [private]}}}
    with pytest.raises(ConfigError, match="CDS_JWT_ISSUERS"):
        create_app({**base_config, "JWT_ISSUERS": issuers})


def test_http_jku_allowed_on_loopback_only(base_config: dict[str, Any]) -> None:
    issuers = {"https://local.example": {"jku": "http://127.0.0.1:9999/jwks.json"}}
    app = create_app({**base_config, "JWT_ISSUERS": issuers})
    assert "https://local.example" in app.extensions[security.EXTENSION].issuers


@pytest.mark.parametrize("url", ["cds.example.org", "ftp://cds.example.org", 42])
def test_invalid_public_base_url(base_config: dict[str, Any], url: Any) -> None:
    with pytest.raises(ConfigError, match="CDS_PUBLIC_BASE_URL"):
        create_app({**base_config, "PUBLIC_BASE_URL": url})


def test_invalid_require_jwt(base_config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="CDS_REQUIRE_JWT"):
        create_app({**base_config, "REQUIRE_JWT": "maybe"})


# --- start-up warnings ------------------------------------------------------------------------


def security_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "cds_hooks.security"]


def test_disabled_verification_warns_once(
    base_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cds_hooks.security"):
        create_app({**base_config, "REQUIRE_JWT": "false"})
    records = security_records(caplog)
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING and "DISABLED" in records[0].getMessage()


def test_required_without_issuers_logs_an_error(
    base_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cds_hooks.security"):
        app = create_app({**base_config, "REQUIRE_JWT": True, "JWT_ISSUERS": {}})
    records = security_records(caplog)
    assert [r.levelno for r in records] == [logging.ERROR]
    assert "every /cds-services call will be rejected" in records[0].getMessage()
    assert app.test_client().get("/cds-services").status_code == 401


# --- JWK Set parsing and fetching -------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def remote(url: str, clock: Clock) -> RemoteKeys:
    return RemoteKeys(
        url,
        session=requests.Session(),
        timeout_seconds=2,
        cache_seconds=300,
        min_refresh_seconds=30,
        clock=clock,
    )


def fetches(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def test_parse_skips_unusable_keys(public_jwk: dict[str, Any]) -> None:
    keys = parse_jwk_set(
        {
            "keys": [
                public_jwk,
                {**public_jwk, "kid": "enc", "use": "enc"},
                {**public_jwk, "kid": None},
                {"kty": "EC", "kid": "broken", "crv": "P-384", "x": "AA", "y": "AA"},
                "not a key",
            ]
        }
    )
    assert set(keys) == {"k1"}
    assert keys["k1"].declared_alg == "ES384"


def test_static_keys_lookup(public_jwk: dict[str, Any]) -> None:
    keys = StaticKeys({"keys": [public_jwk]})
    assert keys.get_key("k1") is not None
    assert keys.get_key("k2") is None


def test_remote_keys_are_cached(httpserver: HTTPServer, public_jwk: dict[str, Any]) -> None:
    httpserver.expect_request("/jwks").respond_with_json({"keys": [public_jwk]})
    clock = Clock()
    client = remote(httpserver.url_for("/jwks"), clock)
    assert client.get_key("k1") is not None
    clock.now += 299
    assert client.get_key("k1") is not None
    assert fetches(httpserver, "/jwks") == 1
    clock.now += 1  # cache lifetime reached
    assert client.get_key("k1") is not None
    assert fetches(httpserver, "/jwks") == 2


def test_unknown_kid_right_after_a_fetch_does_not_refetch(
    httpserver: HTTPServer, public_jwk: dict[str, Any]
) -> None:
    httpserver.expect_request("/jwks").respond_with_json({"keys": [public_jwk]})
    clock = Clock()
    client = remote(httpserver.url_for("/jwks"), clock)
    assert client.get_key("unknown") is None
    clock.now += 29
    assert client.get_key("unknown-2") is None
    assert fetches(httpserver, "/jwks") == 1


def test_failed_refresh_keeps_serving_the_cached_set(
    httpserver: HTTPServer, public_jwk: dict[str, Any]
) -> None:
    httpserver.expect_ordered_request("/jwks").respond_with_json({"keys": [public_jwk]})
    httpserver.expect_ordered_request("/jwks").respond_with_data("down", status=503)
    clock = Clock()
    client = remote(httpserver.url_for("/jwks"), clock)
    assert client.get_key("k1") is not None
    clock.now += 400
    assert client.get_key("k1") is not None
    assert fetches(httpserver, "/jwks") == 2


def test_never_loaded_set_is_unavailable_and_retried_only_after_the_interval(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/jwks").respond_with_data("down", status=503)
    clock = Clock()
    client = remote(httpserver.url_for("/jwks"), clock)
    with pytest.raises(JwksUnavailable):
        client.get_key("k1")
    with pytest.raises(JwksUnavailable):
        client.get_key("k1")
    assert fetches(httpserver, "/jwks") == 1
    clock.now += 30
    with pytest.raises(JwksUnavailable):
        client.get_key("k1")
    assert fetches(httpserver, "/jwks") == 2


@pytest.mark.parametrize(
    "respond",
    [
        lambda r: r.respond_with_data("", status=302, headers={"Location": "/elsewhere"}),
        lambda r: r.respond_with_data("<html>not json</html>"),
        lambda r: r.respond_with_data("", status=404),
    ],
    ids=["redirect", "not-json", "not-found"],
)
def test_bad_jwks_responses_are_not_trusted(httpserver: HTTPServer, respond: Any) -> None:
    httpserver.expect_request("/elsewhere").respond_with_json({"keys": []})
    respond(httpserver.expect_request("/jwks"))
    client = remote(httpserver.url_for("/jwks"), Clock())
    with pytest.raises(JwksUnavailable):
        client.get_key("k1")
    assert fetches(httpserver, "/elsewhere") == 0


def test_oversized_jwks_is_not_trusted(httpserver: HTTPServer, public_jwk: dict[str, Any]) -> None:
    # Valid JSON holding the right key: only the size limit stands between it and trust.
    oversized = {"keys": [public_jwk], "padding": "x" * (300 * 1024)}
    httpserver.expect_request("/jwks").respond_with_json(oversized)
    client = remote(httpserver.url_for("/jwks"), Clock())
    with pytest.raises(JwksUnavailable):
        client.get_key("k1")
