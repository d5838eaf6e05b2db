"""Every response body obeys CDS Hooks 2.0.1 JSON rules (checklist G3/G4, R1-R4, D4).

`assert_clean_json` is the one recursive checker: no `null`, `""`, `[]` or `{}` anywhere, except
the top-level `cards` / `services` arrays the spec allows to be empty. `assert_cards_conform`
adds the card rules. Both run over every fixture scenario, the sandbox's request shapes, every
error status and discovery. Other response tests may import them from here.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks import pathway
from cds_hooks.http.models import validate_outgoing
from cds_hooks.service_catalog import PREFETCH_KEYS
from fixtures.loader import expected, load_scenario

EMPTY_ALLOWED_AT_TOP = frozenset({"cards", "services"})
SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
PATHWAY = "/cds-services/iliac-venous-pathway"
EXPECTED = expected()
SCENARIO_CASES = [
    pytest.param(name, service_id, id=f"{name}--{service_id}")
    for name, entry in sorted(EXPECTED.items())
    for service_id in entry
    if service_id != "description"
]


def assert_clean_json(value: Any, path: str = "$") -> None:
    """No null, "", [] or {} at any depth (the spec's "MUST omit"), top-level lists excepted."""
    assert value is not None, f"{path} is null"
    if isinstance(value, str):
        assert value != "", f'{path} is ""'
    elif isinstance(value, list):
        assert value != [] or path in {f"$.{k}" for k in EMPTY_ALLOWED_AT_TOP}, f"{path} is []"
        for index, item in enumerate(value):
            assert_clean_json(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        assert value != {} or path == "$", f"{path} is {{}}"
        for key, item in value.items():
            assert_clean_json(item, f"{path}.{key}")
    else:
        assert isinstance(value, bool | int | float), f"{path} has type {type(value).__name__}"


def assert_cards_conform(body: dict[str, Any]) -> None:
    assert_clean_json(body)
    assert set(body) <= {"cards", "systemActions", "extension"}
    assert isinstance(body["cards"], list)
    uuids: list[str] = []
    for card in body["cards"]:
        assert isinstance(card.get("uuid"), str), card
        uuids.append(card["uuid"])
        assert 0 < len(card["summary"]) < 140, card["summary"]
        assert card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"]
        assert card["source"]["topic"]["system"] == "urn:iliac-cds:recommendation"
        assert ("suggestions" in card) == ("selectionBehavior" in card), card
        if "selectionBehavior" in card:
            assert card["selectionBehavior"] in {"at-most-one", "any"}
        for reason in card.get("overrideReasons", []):
            assert reason["system"] and reason["code"] and reason["display"], reason
        for suggestion in card.get("suggestions", []):
            assert suggestion["label"]
            assert isinstance(suggestion.get("uuid"), str), suggestion
            uuids.append(suggestion["uuid"])
            for action in suggestion.get("actions", []):
                assert action["type"] in {"create", "update", "delete"}
                assert action["description"]
        for link in card.get("links", []):
            assert link["label"] and link["url"] and link["type"] in {"absolute", "smart"}
    assert len(uuids) == len(set(uuids)), "card and suggestion uuids must be unique"


def post(client: FlaskClient, path: str, body: Any, **headers: str) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Origin": SANDBOX_ORIGIN, **headers},
    )


# --------------------------------------------------------------------------- the checker itself


@pytest.mark.parametrize(
    "bad",
    [
        {"cards": [{"detail": None}]},
        {"cards": [{"links": []}]},
        {"cards": [{"source": {}}]},
        {"cards": [{"summary": ""}]},
        {"services": [{"prefetch": {"a": None}}]},
        {"cards": [], "systemActions": []},
    ],
)
def test_checker_catches_every_empty_form(bad: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        assert_clean_json(bad)


def test_checker_allows_the_spec_exceptions() -> None:
    assert_clean_json({"cards": []})
    assert_clean_json({"services": []})
    assert_clean_json({})  # the feedback answer: a body, not an element
    assert_clean_json({"cards": [{"summary": "s", "isRecommended": False, "n": 0}]})


# --------------------------------------------------------------------------- every scenario


@pytest.mark.parametrize(("name", "service_id"), SCENARIO_CASES)
def test_every_scenario_response_is_clean(client: FlaskClient, name: str, service_id: str) -> None:
    _, requests = load_scenario(name)
    request = requests[service_id]
    request.pop("fhirServer", None)
    response = post(client, f"/cds-services/{service_id}", request)
    body = response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_clean_json(body)
    if response.status_code == 200:
        assert_cards_conform(body)
    else:
        assert body["resourceType"] == "OperationOutcome"


def test_scenarios_with_cards_exist() -> None:
    # Otherwise the scenario test above would only ever check empty answers.
    with_cards = [
        n for n, e in EXPECTED.items() for s, x in e.items() if s != "description" and x.get("ids")
    ]
    assert len(with_cards) >= 20


# --------------------------------------------------------------------------- card post-processing


def _card(**changes: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "summary": "Order a complete venous duplex of the left leg",
        "indicator": "warning",
        "source": {
            "label": "iliac-cds",
            "topic": {"system": "urn:iliac-cds:recommendation", "code": "x"},
        },
    }
    card.update(changes)
    return card


def test_selection_behavior_without_suggestions_is_dropped(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pathway, "run_service", lambda *a, **k: [_card(selectionBehavior="at-most-one")]
    )
    response = post(client, PATHWAY, pv_request())
    [card] = response.get_json()["cards"]
    assert "selectionBehavior" not in card
    assert_cards_conform(response.get_json())


def test_selection_behavior_is_kept_with_suggestions() -> None:
    suggestion = {
        "label": "Order",
        "actions": [
            {"type": "create", "description": "d", "resource": {"resourceType": "ServiceRequest"}}
        ],
    }
    response = validate_outgoing(
        {"cards": [_card(selectionBehavior="any", suggestions=[suggestion])]}
    )
    assert response.cards[0].selectionBehavior == "any"


def test_repeated_uuids_are_made_unique(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = str(uuid.uuid4())
    suggestion = {
        "label": "Order",
        "uuid": shared,
        "actions": [
            {"type": "create", "description": "d", "resource": {"resourceType": "ServiceRequest"}}
        ],
    }
    cards = [
        _card(uuid=shared, suggestions=[suggestion, dict(suggestion)], selectionBehavior="any"),
        _card(uuid=shared),
    ]
    monkeypatch.setattr(pathway, "run_service", lambda *a, **k: copy.deepcopy(cards))
    body = post(client, PATHWAY, pv_request()).get_json()
    assert_cards_conform(body)
    assert body["cards"][0]["uuid"] == shared  # the first holder keeps it


# --------------------------------------------------------------------------- sandbox shapes


def pv_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hookInstance": str(uuid.uuid4()),
        "hook": "patient-view",
        "fhirServer": "https://launch.smarthealthit.org/v/r4/fhir",
        "context": {"userId": "Practitioner/COREPRACTITIONER1", "patientId": "smart-1288992"},
        "prefetch": dict.fromkeys(PREFETCH_KEYS),
    }
    body.update(changes)
    return body


def draft_bundle(resource: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "entry": [{"resource": resource}]}


RX_R4 = {
    "resourceType": "MedicationRequest",
    "id": "request-123",
    "status": "draft",
    "intent": "order",
    "subject": {"reference": "Patient/smart-1288992"},
    "medicationCodeableConcept": {
        "text": "Acetaminophen 325 MG Oral Tablet",
        "coding": [
            {
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                "code": "313782",
                "display": "Acetaminophen 325 MG Oral Tablet",
            }
        ],
    },
    "dosageInstruction": [
        {
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
        }
    ],
}

MEDICATION_ORDER_DSTU2 = {
    "resourceType": "MedicationOrder",
    "id": "order-123",
    "status": "draft",
    "patient": {"reference": "Patient/smart-1288992"},
    "medicationCodeableConcept": {"text": "Acetaminophen 325 MG Oral Tablet"},
}


def test_sandbox_patient_view_without_prefetch_values_is_clean(client: FlaskClient) -> None:
    response = post(client, PATHWAY, pv_request())
    assert response.status_code == 200
    assert_cards_conform(response.get_json())


def test_sandbox_order_select_rx_view_is_answered(client: FlaskClient) -> None:
    body = pv_request(hook="order-select")
    body["context"].update(
        selections=["MedicationRequest/request-123"], draftOrders=draft_bundle(RX_R4)
    )
    response = post(client, "/cds-services/iliac-venous-order-select", body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"cards": []}  # an analgesic is not in scope


def test_sandbox_order_sign_rx_sign_is_answered(client: FlaskClient) -> None:
    body = pv_request(hook="order-sign")
    body["context"]["draftOrders"] = draft_bundle(RX_R4)
    response = post(client, "/cds-services/iliac-venous-order-safety", body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"cards": []}


@pytest.mark.parametrize(
    ("path", "hook"),
    [
        ("/cds-services/iliac-venous-order-safety", "order-sign"),
        ("/cds-services/iliac-venous-order-select", "order-select"),
    ],
)
def test_dstu2_medication_order_is_a_clear_400(client: FlaskClient, path: str, hook: str) -> None:
    # The sandbox's default FHIR server is DSTU2: its Rx screens send a MedicationOrder.
    body = pv_request(hook=hook)
    body["context"]["draftOrders"] = draft_bundle(MEDICATION_ORDER_DSTU2)
    if hook == "order-select":
        body["context"]["selections"] = ["MedicationOrder/order-123"]
    response = post(client, path, body)
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert_clean_json(body)
    diagnostics = body["issue"][0]["diagnostics"]
    assert "MedicationOrder" in diagnostics and "R4" in diagnostics


# --------------------------------------------------------------------------- request leniency


@pytest.mark.parametrize(
    "hook_instance",
    ["d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "abc", "instance 42/retry#1", "x" * 128],
)
def test_hook_instance_need_not_be_a_uuid(client: FlaskClient, hook_instance: str) -> None:
    response = post(client, PATHWAY, pv_request(hookInstance=hook_instance))
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("hook_instance", ["", "x" * 129, "a\rb", "a\x00b", 42])
def test_hook_instance_unusable_for_logs_is_400(client: FlaskClient, hook_instance: Any) -> None:
    response = post(client, PATHWAY, pv_request(hookInstance=hook_instance))
    assert response.status_code == 400
    assert "hookInstance" in response.get_json()["issue"][0]["diagnostics"]


def test_unknown_fields_everywhere_are_ignored(client: FlaskClient) -> None:
    body = pv_request(
        extension={"org.example.flag": True},
        user="Practitioner/legacy",  # 1.0-era sandbox fields
        patient="smart-1288992",
        redirect="https://ehr.example/return",
    )
    body["context"].update(encounterId="enc-1", extraField={"nested": [1]})
    body["prefetch"]["notOurs"] = {"resourceType": "Patient", "id": "someone-else"}
    body["prefetch"]["alsoNotOurs"] = "not even a resource"
    response = post(client, PATHWAY, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"cards": []}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "application/fhir+json",
    ],
)
def test_json_media_types_are_accepted(client: FlaskClient, content_type: str) -> None:
    response = client.post(
        PATHWAY, data=json.dumps(pv_request()), headers={"Content-Type": content_type}
    )
    assert response.status_code == 200


# --------------------------------------------------------------------------- slashes and methods


def test_discovery_with_trailing_slash(client: FlaskClient) -> None:
    plain, slash = client.get("/cds-services"), client.get("/cds-services/")
    assert slash.status_code == 200
    assert slash.get_json() == plain.get_json()


def test_service_call_with_trailing_slash(client: FlaskClient) -> None:
    response = post(client, PATHWAY + "/", pv_request())
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


def test_service_url_built_from_a_discovery_url_with_trailing_slash(client: FlaskClient) -> None:
    # The sandbox calls `{discovery URL}/{id}`: "/cds-services/" + "/" + id. Served in place,
    # never an HTML 308 redirect (which a CORS preflight cannot follow).
    response = post(client, "/cds-services//iliac-venous-pathway", pv_request())
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}
    preflight = client.open(
        "/cds-services//iliac-venous-pathway",
        method="OPTIONS",
        headers={"Origin": SANDBOX_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    # (A leading "//" would be read by the test client as a host name, so not tested here.)
    assert client.get("/cds-services//").status_code == 200


def test_no_route_answers_with_an_html_redirect(client: FlaskClient) -> None:
    for path in ("/cds-services//", "/cds-services///iliac-venous-pathway//feedback"):
        response = client.open(path, method="POST", json={})
        assert response.status_code != 308
        assert response.mimetype == "application/json"


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_other_methods_on_a_service_are_json_405(client: FlaskClient, method: str) -> None:
    response = client.open(PATHWAY, method=method, headers={"Origin": SANDBOX_ORIGIN})
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert "POST" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if method != "HEAD":
        assert response.get_json()["resourceType"] == "OperationOutcome"


# --------------------------------------------------------------------------- every error status


def test_every_error_status_is_a_clean_outcome_with_cors(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_CONTENT_LENGTH=2000).test_client()
    missing_data = pv_request()
    del missing_data["fhirServer"]
    del missing_data["prefetch"]
    answers = {
        400: post(client, PATHWAY, {"hook": "patient-view"}),
        404: post(client, "/cds-services/no-such-service", pv_request()),
        405: client.get(PATHWAY, headers={"Origin": SANDBOX_ORIGIN}),
        412: post(client, PATHWAY, missing_data),
        413: post(client, PATHWAY, {"pad": "x" * 5000}),
        415: client.post(
            PATHWAY, data="{}", headers={"Content-Type": "text/plain", "Origin": SANDBOX_ORIGIN}
        ),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.get_json()
        assert_clean_json(body)
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["diagnostics"]


def test_internal_error_is_a_clean_500_with_cors(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any, **kwargs: Any) -> list[Any]:
        raise RuntimeError("patient secret")

    monkeypatch.setattr(pathway, "run_service", explode)
    response = post(client, PATHWAY, pv_request())
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert_clean_json(response.get_json())
    assert "patient secret" not in response.get_data(as_text=True)


# --------------------------------------------------------------------------- discovery


def test_discovery_entries_are_complete_and_clean(client: FlaskClient) -> None:
    body = client.get("/cds-services").get_json()
    assert_clean_json(body)
    assert len(body["services"]) == 3  # the sandbox refuses an empty list
    ids = [service["id"] for service in body["services"]]
    assert len(ids) == len(set(ids))  # the sandbox keys services by id
    for service in body["services"]:
        assert set(service) == {
            "hook",
            "title",
            "description",
            "id",
            "prefetch",
            "usageRequirements",
        }
        assert all(isinstance(service[k], str) and service[k] for k in service if k != "prefetch")
