"""The official CDS Hooks examples against our wire models.

Requests must be accepted; discovery and response examples must parse and re-serialize to the
same JSON (apart from the uuids we add to cards and suggestions that lack one).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pydantic import ValidationError

from cds_hooks import pathway
from cds_hooks.http.models import (
    CONTEXT_MODELS,
    Action,
    CdsRequest,
    CdsResponse,
    DiscoveryResponse,
    to_json,
    validate_outgoing,
)
from cds_hooks.service_catalog import PREFETCH_KEYS
from tests.shared_paths import CDS_HOOKS_SPEC

EXAMPLES = CDS_HOOKS_SPEC / "examples"
SPEC = EXAMPLES / "spec-2.0.1"
BINARIES = EXAMPLES / "official-binaries"
HOOKS_LIBRARY = EXAMPLES / "hooks-library-1.0.1"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def without_added_uuids(original: Any, serialized: Any) -> Any:
    """`serialized` with the uuids removed wherever `original` had none."""
    if isinstance(original, dict) and isinstance(serialized, dict):
        result = {
            key: without_added_uuids(original.get(key), value) for key, value in serialized.items()
        }
        if "uuid" in result and "uuid" not in original:
            del result["uuid"]
        return result
    if isinstance(original, list) and isinstance(serialized, list):
        return [without_added_uuids(o, s) for o, s in zip(original, serialized, strict=True)]
    return serialized


REQUEST_FILES = [
    SPEC / "service-request-patient-view.json",
    SPEC / "service-request-with-extension.json",
    BINARIES / "Binary-CDSHooksRequestPV.json",
]


@pytest.mark.parametrize("path", REQUEST_FILES, ids=lambda p: p.name)
def test_spec_request_examples_are_accepted(path: Path) -> None:
    body = load(path)
    request = CdsRequest.model_validate(body)
    assert request.hook == "patient-view"
    assert request.hookInstance == body["hookInstance"]
    assert request.fhirServer == body["fhirServer"]


def test_patient_view_context_of_spec_request_is_accepted() -> None:
    body = load(SPEC / "service-request-patient-view.json")
    context = CONTEXT_MODELS["patient-view"].model_validate(body["context"])
    assert context.patientId == "1288992"
    assert context.encounterId == "89284"


def test_extension_example_keeps_extension_and_lacks_patient_id() -> None:
    # The spec's extension example is a fragment: its context has no patientId, which the
    # patient-view hook requires. The envelope is accepted; the context check must name the gap.
    body = load(SPEC / "service-request-with-extension.json")
    request = CdsRequest.model_validate(body)
    assert request.extension == body["extension"]
    with pytest.raises(ValidationError) as error:
        CONTEXT_MODELS["patient-view"].model_validate(request.context)
    assert [e["loc"] for e in error.value.errors()] == [("patientId",)]


def test_fhir_authorization_fragment_keeps_the_token_secret() -> None:
    body = load(SPEC / "service-request-patient-view.json")
    body["fhirAuthorization"] = load(SPEC / "fhirAuthorization-fragment.json")["fhirAuthorization"]
    request = CdsRequest.model_validate(body)
    assert request.access_token == "some-opaque-fhir-access-token"
    assert "some-opaque-fhir-access-token" not in repr(request)
    assert "some-opaque-fhir-access-token" not in str(request.model_dump())


def test_prefetch_data_fragment_is_accepted_in_a_request() -> None:
    body = load(SPEC / "service-request-patient-view.json")
    body["prefetch"] = load(SPEC / "request-prefetch-data-fragment.json")["prefetch"]
    request = CdsRequest.model_validate(body)
    assert request.prefetch is not None
    assert request.prefetch["hemoglobin-a1c"]["resourceType"] == "Bundle"


def wrap_hook_context(path: Path, hook: str) -> dict[str, Any]:
    return {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "https://ehr.example.org/fhir",
        **load(path),
    }


HOOK_CONTEXTS = [
    ("patient-view-context-example1.json", "patient-view"),
    ("patient-view-context-example2.json", "patient-view"),
    ("order-sign-context-R4.json", "order-sign"),
    ("order-sign-context-STU3.json", "order-sign"),
    ("order-sign-context-DSTU2.json", "order-sign"),
    ("order-select-context-R4.json", "order-select"),
    ("order-select-context-STU3.json", "order-select"),
    ("order-select-context-DSTU2.json", "order-select"),
]


@pytest.mark.parametrize(("name", "hook"), HOOK_CONTEXTS)
def test_hook_library_contexts_are_accepted(name: str, hook: str) -> None:
    body = wrap_hook_context(HOOKS_LIBRARY / name, hook)
    request = CdsRequest.model_validate(body)
    context = CONTEXT_MODELS[hook].model_validate(request.context)
    dumped = context.model_dump(exclude_none=True)
    # Nothing the EHR sent is lost on the way to the clinical layer.
    assert dumped == body["context"]


def test_order_select_requires_selections() -> None:
    context = load(HOOKS_LIBRARY / "order-select-context-R4.json")["context"]
    del context["selections"]
    with pytest.raises(ValidationError) as error:
        CONTEXT_MODELS["order-select"].model_validate(context)
    assert [e["loc"] for e in error.value.errors()] == [("selections",)]


def test_order_sign_requires_draft_orders_bundle() -> None:
    context = load(HOOKS_LIBRARY / "order-sign-context-R4.json")["context"]
    context["draftOrders"] = {"resourceType": "MedicationRequest"}
    with pytest.raises(ValidationError) as error:
        CONTEXT_MODELS["order-sign"].model_validate(context)
    assert "Bundle" in str(error.value)


DISCOVERY_FILES = [
    SPEC / "discovery-response.json",
    SPEC / "discovery-response-with-extension.json",
    BINARIES / "Binary-CDSHookServices.json",
]


@pytest.mark.parametrize("path", DISCOVERY_FILES, ids=lambda p: p.name)
def test_discovery_examples_round_trip(path: Path) -> None:
    original = load(path)
    assert to_json(DiscoveryResponse.model_validate(original)) == original


RESPONSE_FILES = [
    SPEC / "service-response-empty.json",
    SPEC / "service-response-cards.json",
    SPEC / "service-response-autolaunchable.json",
    SPEC / "service-response-systemActions.json",
    BINARIES / "Binary-CDSHooksResponse.json",
]


@pytest.mark.parametrize("path", RESPONSE_FILES, ids=lambda p: p.name)
def test_response_examples_round_trip(path: Path) -> None:
    original = load(path)
    serialized = to_json(CdsResponse.model_validate(original))
    assert without_added_uuids(original, serialized) == original
    for card in serialized["cards"]:
        assert card["uuid"]


def test_cards_without_uuid_get_one() -> None:
    original = load(SPEC / "service-response-cards.json")
    serialized = to_json(CdsResponse.model_validate(original))
    assert serialized["cards"][0]["uuid"] == original["cards"][0]["uuid"]
    assert "uuid" not in original["cards"][1]
    assert len(serialized["cards"][1]["uuid"]) == 36


def test_outgoing_validation_enforces_what_spec_examples_omit() -> None:
    # The spec text makes card.indicator and action.description REQUIRED; two of its own
    # examples omit them. We parse those, but never send such a thing ourselves.
    with pytest.raises(ValidationError, match="indicator"):
        validate_outgoing(load(SPEC / "service-response-autolaunchable.json"))
    with pytest.raises(ValidationError, match="description"):
        validate_outgoing(load(SPEC / "service-response-systemActions.json"))
    assert validate_outgoing(load(SPEC / "service-response-cards.json")).cards


@pytest.mark.parametrize("name", ["action-create.json", "action-update.json", "action-delete.json"])
def test_action_examples_round_trip(name: str) -> None:
    original = load(SPEC / name)
    assert to_json(Action.model_validate(original)) == original


@pytest.mark.parametrize(
    "fragment", ["card-source-fragment.json", "card-overrideReasons-fragment.json"]
)
def test_card_fragments_round_trip_inside_a_card(fragment: str) -> None:
    card: dict[str, Any] = {
        "uuid": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
        "summary": "Example",
        "indicator": "info",
        "source": {"label": "Example"},
    }
    card.update(load(SPEC / fragment))
    original = {"cards": [card]}
    assert to_json(CdsResponse.model_validate(copy.deepcopy(original))) == original


@pytest.mark.parametrize(("name", "hook"), HOOK_CONTEXTS)
def test_hook_library_contexts_pass_the_protocol_layer(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, name: str, hook: str
) -> None:
    # DSTU2/STU3 draft orders are accepted structurally; judging them is the clinical layer's job.
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(pathway, "run_service", lambda sid, ctx, *a, **k: seen.append(ctx) or [])
    service = {
        "patient-view": "iliac-venous-pathway",
        "order-sign": "iliac-venous-order-safety",
        "order-select": "iliac-venous-order-select",
    }[hook]
    body = wrap_hook_context(HOOKS_LIBRARY / name, hook)
    body["prefetch"] = dict.fromkeys(PREFETCH_KEYS)
    response = client.post(f"/cds-services/{service}", json=body)
    assert response.status_code == 200
    assert seen == [body["context"]]
