"""Every fixture scenario through the real HTTP endpoint, in both data modes:
(a) with the prefetch the EHR would send, (b) without prefetch, fetched from a loopback FHIR
server built from the scenario's bundle. Expected ids come from fixtures/expected.json (derived
from the clinical contract, not from the code)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer

from fixtures.loader import expected, load_scenario
from tests.scenario_support import (
    FhirServer,
    bundle_resources,
    check_response,
    hl7_samples,
    synthea_samples,
)

EXPECTED = expected()
CASES = [
    pytest.param(name, service_id, id=f"{name}--{service_id}")
    for name, entry in sorted(EXPECTED.items())
    for service_id in entry
    if service_id != "description"
]


def _post(client: FlaskClient, service_id: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/cds-services/{service_id}",
        data=json.dumps(body),
        content_type="application/json",
    )


def _assert_outcome(response: Any, expect: dict[str, Any], request: dict[str, Any]) -> None:
    if expect.get("status", 200) != 200:
        assert response.status_code == expect["status"], response.get_data(as_text=True)
        assert response.get_json()["resourceType"] == "OperationOutcome"
        return
    assert response.status_code == 200, response.get_data(as_text=True)
    patient_ref = f"Patient/{request['context']['patientId']}"
    check_response(response.get_json()["cards"], expect, patient_ref=patient_ref)


@pytest.mark.parametrize(("name", "service_id"), CASES)
def test_scenario_with_prefetch(client: FlaskClient, name: str, service_id: str) -> None:
    _, requests = load_scenario(name)
    request = requests[service_id]
    # No FHIR server at all: everything must come from prefetch.
    request.pop("fhirServer")
    response = _post(client, service_id, request)
    _assert_outcome(response, EXPECTED[name][service_id], request)


@pytest.mark.parametrize(("name", "service_id"), CASES)
def test_scenario_fetched_from_fhir_server(
    client: FlaskClient, httpserver: HTTPServer, name: str, service_id: str
) -> None:
    bundle, requests = load_scenario(name)
    server = FhirServer(bundle_resources(bundle))
    httpserver.expect_request(re.compile(r"^/fhir/.*")).respond_with_handler(server)
    request = requests[service_id]
    request.pop("prefetch")
    request["fhirServer"] = httpserver.url_for("/fhir")
    response = _post(client, service_id, request)
    assert server.requests, "the service did not query the FHIR server"
    _assert_outcome(response, EXPECTED[name][service_id], request)


def test_every_catalog_recommendation_is_exercised_present_and_absent() -> None:
    patient_view = {
        "dvt-duplex-ultrasound",
        "pelvic-venous-imaging",
        "dvt-anticoagulation-lmwh",
        "anticoagulation-contraindicated-ivc-filter",
        "thrombolysis-consider",
        "edema-alternative-causes",
        "bilateral-edema-systemic-cause",
        "ivus-before-intervention",
        "compression-without-symptoms",
        "mass-characterization",
        "extrinsic-compression-treat-cause",
        "nivl-stent-candidate",
        "nivl-stent-criteria-incomplete",
        "nivl-stent-not-indicated",
        "post-stent-antithrombotic-review",
        "post-stent-surveillance",
    }
    pv = [
        e["iliac-venous-pathway"]["ids"] for e in EXPECTED.values() if "iliac-venous-pathway" in e
    ]
    assert len(pv) >= 22
    orders = [e for e in EXPECTED.values() if "iliac-venous-order-safety" in e]
    assert len(orders) >= 12
    present = {rec for ids in pv for rec in ids}
    assert present == patient_view
    # "Near miss": every recommendation is absent from some in-scope (non-empty) answer or
    # from a scenario built to tempt it; at minimum each is absent somewhere.
    for rec in patient_view:
        assert any(rec not in ids for ids in pv), rec


# ---------------------------------------------------------------- real sample data: silence


def _sample_request(resources: list[dict[str, Any]], patient_id: str) -> dict[str, Any]:
    from cds_hooks.service_catalog import PREFETCH_TEMPLATES
    from fixtures.build import prefetch_for

    return {
        "hook": "patient-view",
        "hookInstance": "5a7a3b5e-7d0b-4a36-9b2c-0d8f7b0b5f11",
        "context": {"userId": "Practitioner/example", "patientId": patient_id},
        "prefetch": prefetch_for(dict(PREFETCH_TEMPLATES), resources, patient_id),
    }


@pytest.mark.parametrize("path", synthea_samples(), ids=lambda p: p.stem[:20])
def test_synthea_patients_get_no_cards(client: FlaskClient, path: Any) -> None:
    # None has iliac findings, leg swelling, a stent or a DVT within 30 days of today: the
    # DVTs (2020-03) are years old and one of them is resolved, the only "edema" is a
    # non-limb-specific symptom Observation, and three patients are deceased.
    resources = bundle_resources(json.loads(path.read_text()))
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    response = _post(client, "iliac-venous-pathway", _sample_request(resources, patient["id"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"cards": []}


def test_hl7_examples_get_no_cards(client: FlaskClient) -> None:
    # The HL7 examples belong to several patients; each patient is asked about with every
    # example (those of other patients are filtered out by the mapper). None holds a leg
    # swelling, a DVT, a pelvic mass, iliac compression or an iliac stent.
    resources = [json.loads(p.read_text()) for p in hl7_samples()]
    patients = [r["id"] for r in resources if r["resourceType"] == "Patient"]
    assert len(patients) == 6
    for patient_id in patients:
        response = _post(client, "iliac-venous-pathway", _sample_request(resources, patient_id))
        assert response.status_code == 200, (patient_id, response.get_data(as_text=True))
        assert response.get_json() == {"cards": []}, patient_id
