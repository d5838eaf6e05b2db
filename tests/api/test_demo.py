"""/demo: off unless CDS_DEMO=true; its JSON API; the demo issuer's tokens are accepted by the
service's own JWT check only while demo mode is on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from cds_hooks.config import ConfigError
from cds_hooks.demo.issuer import DEMO_ISSUER, DemoIssuer
from fixtures.loader import scenario_names

PATHWAY = "/cds-services/iliac-venous-pathway"


def test_demo_is_off_by_default(app: Flask) -> None:
    client = app.test_client()
    for path in ("/demo", "/demo/api/scenarios", "/demo/static/app.js"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["resourceType"] == "OperationOutcome"
    assert client.post("/demo/api/token", json={"path": PATHWAY}).status_code == 404


def test_demo_setting_is_validated(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="CDS_DEMO"):
        make_app(DEMO="sometimes")


def test_demo_page_and_assets(make_app: Callable[..., Flask]) -> None:
    client = make_app(DEMO=True).test_client()
    page = client.get("/demo")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b'src="/demo/static/app.js"' in page.data
    for asset in ("app.js", "cards.js", "markdown.js", "orders.js", "pathway.js", "demo.css"):
        assert client.get(f"/demo/static/{asset}").status_code == 200, asset


def test_scenario_api(make_app: Callable[..., Flask]) -> None:
    client = make_app(DEMO=True).test_client()
    listed = client.get("/demo/api/scenarios").get_json()["scenarios"]
    assert [s["name"] for s in listed] == scenario_names()
    detail = client.get("/demo/api/scenarios/os-stent-59mm").get_json()
    assert detail["patientId"] == detail["summary"]["patient"]["id"]
    assert set(detail["requests"]) == {"iliac-venous-order-safety", "iliac-venous-order-select"}
    for body in detail["requests"].values():
        assert "fhirServer" not in body  # the demo never points the service at a placeholder
        assert body["prefetch"] == detail["prefetch"]
    titles = [section["title"] for section in detail["summary"]["sections"]]
    assert "Procedures" in titles or "Problems" in titles
    assert client.get("/demo/api/scenarios/nope").status_code == 404


@pytest.mark.parametrize(
    "path", ["/demo", "/healthz", "https://evil.example/cds-services/x", "/cds-services/../x", ""]
)
def test_token_only_for_service_paths(make_app: Callable[..., Flask], path: str) -> None:
    client = make_app(DEMO=True).test_client()
    assert client.post("/demo/api/token", json={"path": path}).status_code == 400


def test_demo_token_passes_the_services_jwt_check(make_app: Callable[..., Flask]) -> None:
    app = make_app(DEMO=True, REQUIRE_JWT=True)
    client = app.test_client()
    token = client.post("/demo/api/token", json={"path": "/cds-services"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/cds-services", headers=headers).status_code == 200
    # Single use, like any client's token (jti replay guard).
    assert client.get("/cds-services", headers=headers).status_code == 401
    # Bound to the path it was asked for.
    token = client.post("/demo/api/token", json={"path": "/cds-services"}).get_json()["token"]
    assert (
        client.post(PATHWAY, json={}, headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_demo_issuer_not_trusted_without_demo_mode(make_app: Callable[..., Flask]) -> None:
    app = make_app(REQUIRE_JWT=True)
    token = DemoIssuer().mint("http://localhost/cds-services")
    response = app.test_client().get("/cds-services", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_another_instances_demo_key_is_refused(make_app: Callable[..., Flask]) -> None:
    app = make_app(DEMO=True, REQUIRE_JWT=True)
    foreign = DemoIssuer().mint("http://localhost/cds-services")  # same iss, another key
    response = app.test_client().get(
        "/cds-services", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert response.status_code == 401


def test_configured_issuers_are_kept(make_app: Callable[..., Flask]) -> None:
    other = DemoIssuer()
    issuers = {"https://ehr.test": {"jwks": other.jwk_set()}}
    app = make_app(DEMO=True, REQUIRE_JWT=True, JWT_ISSUERS=issuers)
    assert set(app.config["JWT_ISSUERS"]) == {"https://ehr.test", DEMO_ISSUER}


def test_scenario_context_keeps_the_encounter(make_app: Callable[..., Flask]) -> None:
    client = make_app(DEMO=True).test_client()
    detail = client.get("/demo/api/scenarios/pv-shock-current-encounter").get_json()
    request = detail["requests"]["iliac-venous-pathway"]
    assert detail["context"]["encounterId"] == request["context"]["encounterId"]
    assert detail["context"]["patientId"] == request["context"]["patientId"]


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 200),  # not a browser page (curl, the CLI)
        ("http://localhost", 200),  # the demo page itself (the test client's host)
        ("https://evil.example", 403),
        ("http://localhost:9999", 403),
    ],
)
def test_only_the_demo_page_gets_tokens(
    make_app: Callable[..., Flask], origin: str | None, status: int
) -> None:
    client = make_app(DEMO=True).test_client()
    headers = {"Origin": origin} if origin else {}
    response = client.post("/demo/api/token", json={"path": "/cds-services"}, headers=headers)
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["resourceType"] == "OperationOutcome"
