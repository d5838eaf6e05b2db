"""Helpers shared by the scenario tests (API and e2e): a loopback FHIR server built from a
scenario's transaction bundle, and the checks every scenario's response must pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fhir.resources.R4B import get_fhir_model_class
from werkzeug import Request, Response

from tests.shared_paths import FHIR_SAMPLES

TOPIC_SYSTEM = "urn:iliac-cds:recommendation"
RANK = {"critical": 0, "warning": 1, "info": 2}
PAGE_SIZE = 50  # small enough that the busy records need several searchset pages
SAMPLES = FHIR_SAMPLES


def card_ids(cards: list[dict[str, Any]]) -> list[str]:
    return sorted(card["source"]["topic"]["code"] for card in cards)


def bundle_resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", []) if "resource" in entry]


class FhirServer:
    """Answers `Patient/<id>` reads and `<Type>?patient=<id>` searches (paged) from resources."""

    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.resources = resources
        self.requests: list[str] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request.path)
        parts = [p for p in request.path.split("/") if p]
        if parts and parts[0] == "fhir":
            parts = parts[1:]
        if len(parts) == 2:
            for r in self.resources:
                if r["resourceType"] == parts[0] and r.get("id") == parts[1]:
                    return self._json(r)
            return self._json(_outcome("not-found"), 404)
        if len(parts) != 1:
            return self._json(_outcome("not-supported"), 400)
        kind = parts[0]
        patient = request.args.get("patient") or request.args.get("subject", "")
        patient_id = patient.split("/")[-1]
        matches = [
            r for r in self.resources if r["resourceType"] == kind and _belongs(r, patient_id)
        ]
        page = int(request.args.get("_page", "1"))
        chunk = matches[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in chunk],
        }
        if page * PAGE_SIZE < len(matches):
            query = urlencode({"patient": patient, "_page": page + 1})
            bundle["link"] = [{"relation": "next", "url": f"{request.base_url}?{query}"}]
        return self._json(bundle)

    @staticmethod
    def _json(body: dict[str, Any], status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/fhir+json")


def _outcome(code: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code}],
    }


def _belongs(resource: dict[str, Any], patient_id: str) -> bool:
    for key in ("subject", "patient"):
        ref = resource.get(key)
        if isinstance(ref, dict) and str(ref.get("reference", "")).split("/")[-1] == patient_id:
            return True
    return False


def check_response(
    cards: list[dict[str, Any]],
    expect: dict[str, Any],
    *,
    patient_ref: str,
    context: dict[str, Any] | None = None,
) -> None:
    """Exact ids, critical -> warning -> info order, and valid R4 suggestions for the patient
    (with the hook context's requester and encounter when `context` is given)."""
    got = card_ids(cards)
    assert got == expect["ids"], f"expected {expect['ids']}, got {got}: {_brief(cards)}"
    ranks = [RANK[card["indicator"]] for card in cards]
    assert ranks == sorted(ranks), [card["indicator"] for card in cards]
    by_id = {card["source"]["topic"]["code"]: card for card in cards}
    for rec_id, indicator in expect.get("indicators", {}).items():
        assert by_id[rec_id]["indicator"] == indicator, (rec_id, by_id[rec_id]["indicator"])
    for card in cards:
        assert card["source"]["topic"]["system"] == TOPIC_SYSTEM
        assert len(card["summary"]) < 140
        if card.get("suggestions"):
            assert card["selectionBehavior"] in ("at-most-one", "any"), card["selectionBehavior"]
        for reason in card.get("overrideReasons", []):
            assert reason.get("code") and reason.get("display"), reason
        for suggestion in card.get("suggestions", []):
            for action in suggestion["actions"]:
                # The sandbox logs an error for an action without a description.
                assert str(action.get("description", "")).strip(), action
                if action["type"] in ("update", "delete"):
                    assert "/" in action["resourceId"], action
                if "resource" in action:
                    check_resource(action["resource"], patient_ref, action["type"])
                if action["type"] == "create" and context is not None:
                    check_order_context(action["resource"], context)
    for rec_id, codes in expect.get("suggested", {}).items():
        created = created_resources(by_id[rec_id])
        assert len(created) == len(codes), (rec_id, [codes_of(r) for r in created])
        for code in codes:
            assert any(code in codes_of(r) for r in created), (rec_id, code)
    for rec_id, (dose_mg, period_h) in expect.get("dosing", {}).items():
        (med,) = [
            r for r in created_resources(by_id[rec_id]) if r["resourceType"] == "MedicationRequest"
        ]
        (dosage,) = med["dosageInstruction"]
        assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == dose_mg, (rec_id, dosage)
        assert dosage["doseAndRate"][0]["doseQuantity"]["code"] == "mg", (rec_id, dosage)
        repeat = dosage["timing"]["repeat"]
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (1, period_h, "h")
    for rec_id, tokens in expect.get("forbidden", {}).items():
        for resource in created_resources(by_id[rec_id]):
            carried = codes_of(resource) | {resource["resourceType"]}
            assert not carried & set(tokens), (rec_id, carried & set(tokens))


def _brief(cards: list[dict[str, Any]]) -> list[str]:
    return [f"{c['indicator']} {c['source']['topic']['code']}: {c['summary']}" for c in cards]


def created_resources(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        action["resource"]
        for suggestion in card.get("suggestions", [])
        for action in suggestion["actions"]
        if action["type"] == "create"
    ]


def codes_of(resource: dict[str, Any]) -> set[str]:
    concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
    return {coding.get("code", "") for coding in concept.get("coding", [])}


def check_resource(resource: dict[str, Any], patient_ref: str, action_type: str) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    if action_type == "create":
        assert resource["status"] == "draft"
        assert resource["subject"] == {"reference": patient_ref}


def check_order_context(resource: dict[str, Any], context: dict[str, Any]) -> None:
    """A created order carries the clinician (userId) and encounter of the hook context."""
    assert resource["intent"] == "order"
    user = str(context.get("userId", ""))
    if user.split("/")[0] in ("Practitioner", "PractitionerRole"):
        assert resource["requester"] == {"reference": user}
    else:
        assert "requester" not in resource
    if context.get("encounterId"):
        assert resource["encounter"] == {"reference": f"Encounter/{context['encounterId']}"}
    else:
        assert "encounter" not in resource
    for reason in resource.get("reasonReference", []):
        assert reason["reference"].split("/")[0] in (
            "Condition",
            "Observation",
            "DiagnosticReport",
            "DocumentReference",
        )


def synthea_samples() -> list[Path]:
    return sorted((SAMPLES / "synthea").glob("*.json"))


def hl7_samples() -> list[Path]:
    return sorted((SAMPLES / "hl7-examples").glob("*.json"))
