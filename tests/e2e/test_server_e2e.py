"""The real server process over HTTP: discovery, a patient-view call, CORS and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from cds_hooks.http.models import CdsResponse, DiscoveryResponse
from cds_hooks.service_catalog import PREFETCH_KEYS, PREFETCH_TEMPLATES

pytestmark = pytest.mark.e2e

SANDBOX = "https://sandbox.cds-hooks.org"


def patient_view(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "3f2b8f0e-4a7e-4d7c-9a43-0a3c8b6d2e11",
        "context": {"userId": "Practitioner/example", "patientId": "e2e-1"},
        "prefetch": {
            **dict.fromkeys(PREFETCH_KEYS),
            "patient": {"resourceType": "Patient", "id": "e2e-1", "gender": "female"},
        },
    }
    body.update(changes)
    return body


def test_discovery_and_patient_view_over_http(live_server: Callable[..., str]) -> None:
    base_url = live_server({})
    discovery = requests.get(f"{base_url}/cds-services", timeout=10)
    assert discovery.status_code == 200
    services = DiscoveryResponse.model_validate(discovery.json()).services
    assert {s.id for s in services} == {
        "iliac-venous-pathway",
        "iliac-venous-order-safety",
        "iliac-venous-order-select",
    }

    response = requests.post(
        f"{base_url}/cds-services/iliac-venous-pathway",
        json=patient_view(),
        headers={"Origin": SANDBOX},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # A patient without pathway findings: no cards, and valid CDS Hooks either way.
    assert response.json() == {"cards": []}
    CdsResponse.model_validate(response.json())


def test_preflight_and_json_errors_over_http(live_server: Callable[..., str]) -> None:
    base_url = live_server({"CDS_REQUIRE_JWT": "true"})
    preflight = requests.options(
        f"{base_url}/cds-services/iliac-venous-pathway",
        headers={
            "Origin": SANDBOX,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    # JWT required, none sent: refused, but as JSON the browser may read.
    refused = requests.get(f"{base_url}/cds-services", headers={"Origin": SANDBOX}, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_fallback_fetch_from_a_fhir_server_in_the_real_process(
    live_server: Callable[..., str], httpserver_ipv4: HTTPServer
) -> None:
    fhir = httpserver_ipv4
    fhir.expect_request("/fhir/Patient/e2e-1").respond_with_json(
        {"resourceType": "Patient", "id": "e2e-1"}
    )
    for template in PREFETCH_TEMPLATES.values():
        if "?" in template:
            kind = template.split("?")[0]
            fhir.expect_request(
                f"/fhir/{kind}", query_string={"patient": "e2e-1", "_count": "100"}  # PAGE_SIZE
            ).respond_with_json({"resourceType": "Bundle", "type": "searchset", "total": 0})
    base_url = live_server({})
    body = patient_view(fhirServer=fhir.url_for("/fhir"))
    del body["prefetch"]
    response = requests.post(f"{base_url}/cds-services/iliac-venous-pathway", json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert len(fhir.log) == len(PREFETCH_TEMPLATES)


def test_gunicorn_serves_discovery_and_rejects_non_json(live_server: Callable[..., str]) -> None:
    base_url = live_server({}, server="gunicorn")
    assert requests.get(f"{base_url}/cds-services", timeout=10).status_code == 200
    response = requests.post(
        f"{base_url}/cds-services/iliac-venous-pathway",
        data="hook=patient-view",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 415
    assert response.json()["resourceType"] == "OperationOutcome"
