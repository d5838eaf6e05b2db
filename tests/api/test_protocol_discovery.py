"""GET /cds-services: the three services, their prefetch templates, model-valid output."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from cds_hooks import service_catalog
from cds_hooks.http.models import DiscoveryResponse, to_json

EXPECTED_KEYS = [
    "patient",
    "conditions",
    "observations",
    "reports",
    "medicationRequests",
    "medicationStatements",
    "medicationAdministrations",
    "procedures",
    "devices",
    "allergies",
    "imagingStudies",
]
SEARCHED_TYPES = {
    "conditions": "Condition",
    "observations": "Observation",
    "reports": "DiagnosticReport",
    "medicationRequests": "MedicationRequest",
    "medicationStatements": "MedicationStatement",
    "medicationAdministrations": "MedicationAdministration",
    "procedures": "Procedure",
    "devices": "Device",
    "allergies": "AllergyIntolerance",
    "imagingStudies": "ImagingStudy",
}


def test_discovery_lists_the_three_services(client: FlaskClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    services = {s["id"]: s for s in response.get_json()["services"]}
    assert {sid: s["hook"] for sid, s in services.items()} == {
        "iliac-venous-pathway": "patient-view",
        "iliac-venous-order-safety": "order-sign",
        "iliac-venous-order-select": "order-select",
    }
    for service in services.values():
        assert service["title"] and service["description"] and service["usageRequirements"]
        assert sorted(service["prefetch"]) == sorted(EXPECTED_KEYS)


def test_discovery_validates_against_the_models_unchanged(client: FlaskClient) -> None:
    body = client.get("/cds-services").get_json()
    assert to_json(DiscoveryResponse.model_validate(body)) == body


def test_prefetch_key_constants_match_the_contract() -> None:
    assert list(service_catalog.PREFETCH_KEYS) == EXPECTED_KEYS
    assert service_catalog.PATIENT == "patient"
    assert service_catalog.IMAGING_STUDIES == "imagingStudies"
    assert service_catalog.MEDICATION_ADMINISTRATIONS == "medicationAdministrations"


def test_templates_use_only_the_spec_subset_and_tokens() -> None:
    templates = service_catalog.PREFETCH_TEMPLATES
    assert templates["patient"] == "Patient/{{context.patientId}}"
    for key, kind in SEARCHED_TYPES.items():
        # No category narrowing: local-code observations (IVUS) carry no category.
        assert templates[key] == f"{kind}?patient={{{{context.patientId}}}}"
    for template in templates.values():
        for token in re.findall(r"\{\{(.*?)\}\}", template):
            assert token == "context.patientId"


def test_discovery_answers_head(client: FlaskClient) -> None:
    assert client.head("/cds-services").status_code == 200


def test_service_ids_are_published_for_other_modules(client: FlaskClient) -> None:
    assert set(client.application.extensions["cds_service_ids"]) == {
        "iliac-venous-pathway",
        "iliac-venous-order-safety",
        "iliac-venous-order-select",
    }
