"""Prefetch handling when the client sends the data (no FHIR server involved)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks import pathway
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.fetch.prefetch import UnresolvableTemplate, render_template
from cds_hooks.service_catalog import PREFETCH_KEYS

SERVICE = "/cds-services/iliac-venous-pathway"
PATIENT = {"resourceType": "Patient", "id": "p-1", "birthDate": "1961-07-15"}


def searchset(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def request_with(prefetch: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "5f0c3c3e-1d0b-4c0a-8a63-3f7f7c1f2b11",
        "context": {"userId": "Practitioner/example", "patientId": "p-1"},
        "prefetch": prefetch,
    }
    body.update(changes)
    return body


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[PatientData]:
    seen: list[PatientData] = []

    def capture(service_id: str, context: Any, data: PatientData, **kwargs: Any) -> list[Any]:
        seen.append(data)
        return []

    monkeypatch.setattr(pathway, "run_service", capture)
    return seen


def full_prefetch() -> dict[str, Any]:
    prefetch: dict[str, Any] = dict.fromkeys(PREFETCH_KEYS)
    prefetch["patient"] = PATIENT
    return prefetch


def test_bundles_are_flattened_and_every_key_counts_as_retrieved(
    client: FlaskClient, received: list[PatientData], caplog: pytest.LogCaptureFixture
) -> None:
    condition = {"resourceType": "Condition", "id": "c-1"}
    warning = {"resourceType": "OperationOutcome", "issue": [{"severity": "warning"}]}
    prefetch = full_prefetch()
    prefetch["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": condition},
            {"fullUrl": "urn:uuid:no-resource"},
            {"resource": warning, "search": {"mode": "outcome"}},
        ],
    }
    prefetch["observations"] = searchset()  # a search that found nothing
    with caplog.at_level(logging.WARNING):
        response = client.post(SERVICE, json=request_with(prefetch))
    assert response.status_code == 200
    [data] = received
    assert data.resources == [PATIENT, condition]
    assert data.retrieved == frozenset(PREFETCH_KEYS)
    assert "conditions" in caplog.text  # the warning names the key, not the content


def test_null_means_no_data_but_retrieved(client: FlaskClient, received: list[PatientData]) -> None:
    response = client.post(SERVICE, json=request_with(dict.fromkeys(PREFETCH_KEYS)))
    assert response.status_code == 200
    assert received[0].resources == []
    assert received[0].retrieved == frozenset(PREFETCH_KEYS)


def test_keys_we_did_not_ask_for_are_ignored(
    client: FlaskClient, received: list[PatientData]
) -> None:
    prefetch = full_prefetch()
    prefetch["user"] = "123"
    prefetch["hemoglobin-a1c"] = searchset({"resourceType": "Observation", "id": "o-9"})
    assert client.post(SERVICE, json=request_with(prefetch)).status_code == 200
    assert received[0].resources == [PATIENT]


@pytest.mark.parametrize(
    "value",
    [
        "absent",
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]},
        searchset({"resourceType": "Condition", "id": "c-1"}, next_url="https://ehr/Condition?p=2"),
    ],
    ids=["absent", "operation-outcome", "more-pages"],
)
def test_missing_data_without_fhir_server_is_412_naming_the_key(
    client: FlaskClient, received: list[PatientData], value: Any
) -> None:
    prefetch = full_prefetch()
    if value == "absent":
        del prefetch["conditions"]
    else:
        prefetch["conditions"] = value
    response = client.post(SERVICE, json=request_with(prefetch))
    assert response.status_code == 412
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    diagnostics = outcome["issue"][0]["diagnostics"]
    assert "'conditions'" in diagnostics
    assert "p-1" not in diagnostics
    assert received == []


def test_no_prefetch_and_no_fhir_server_is_412(client: FlaskClient) -> None:
    body = request_with({})
    del body["prefetch"]
    response = client.post(SERVICE, json=body)
    assert response.status_code == 412
    assert "'patient'" in response.get_json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("Patient/{{context.patientId}}", {"patientId": "p-1"}, "Patient/p-1"),
        (
            "Condition?patient={{ context.patientId }}",
            {"patientId": "a&b=c/d"},
            "Condition?patient=a%26b%3Dc%2Fd",
        ),
        ("Encounter/{{context.encounterId}}", {"encounterId": 42}, "Encounter/42"),
        (
            "PractitionerRole?_id={{userPractitionerRoleId}}",
            {"userId": "PractitionerRole/r 1"},
            "PractitionerRole?_id=r%201",
        ),
        ("Practitioner/{{userPractitionerId}}", {"userId": "Practitioner/7"}, "Practitioner/7"),
    ],
)
def test_render_template_fills_and_encodes_tokens(
    template: str, context: dict[str, Any], expected: str
) -> None:
    assert render_template(template, context) == expected


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("Patient/{{context.patientId}}", {}),
        ("Medication/{{context.medication.id}}", {"medication": {"id": "1"}}),
        ("Condition?x={{context.draftOrders}}", {"draftOrders": {"resourceType": "Bundle"}}),
        ("Practitioner/{{userPractitionerId}}", {"userId": "PractitionerRole/7"}),
        ("Patient?birthdate={{today()}}", {}),
    ],
)
def test_render_template_refuses_unresolvable_tokens(
    template: str, context: dict[str, Any]
) -> None:
    with pytest.raises(UnresolvableTemplate):
        render_template(template, context)


@pytest.mark.parametrize(
    "patient",
    [
        {"resourceType": "Patient", "id": "someone-else"},
        {"resourceType": "Practitioner", "id": "p-1"},
    ],
)
def test_prefetched_read_of_another_resource_is_400(
    client: FlaskClient, received: list[PatientData], patient: dict[str, Any]
) -> None:
    prefetch = full_prefetch()
    prefetch["patient"] = patient
    response = client.post(SERVICE, json=request_with(prefetch))
    assert response.status_code == 400
    diagnostics = response.get_json()["issue"][0]["diagnostics"]
    assert "prefetch.patient" in diagnostics
    assert "someone-else" not in diagnostics
    assert received == []
