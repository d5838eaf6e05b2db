"""What the EHR receives in a suggested order: requester, encounter, reasonReference, update
actions that name their draft, and side wording a clinician can read."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from cds_hooks.cards import OrderContext, render_card, render_cards
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    MedicationOrder,
    OrderEdit,
    Recommendation,
    ServiceOrder,
)

PATIENT = "Patient/p1"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

DUPLEX = ServiceOrder(
    label="Complete venous duplex ultrasound, left leg",
    codes=(Code(LOINC, "39432-0", "US Lower extremity vein - left"),),
    category="imaging",
)
ENOXAPARIN = MedicationOrder(
    label="Enoxaparin 80 mg subcutaneously every 12 hours",
    medication=Code(RXNORM, "67108", "enoxaparin"),
    dose_mg=80.0,
    interval_hours=12,
    route=Code(SNOMED, "34206005", "Subcutaneous route"),
)
DVT = Evidence("Acute DVT, proximal (left)", ("Condition/dvt1",), "2026-11-24")
WEIGHT = Evidence("Weight 80 kg", ("Observation/w1",), "2026-11-22")
DUPLEX_REPORT = Evidence("Complete venous duplex (left): no DVT", ("DiagnosticReport/d1",))
STENT = Evidence("Iliac venous stent (left)", ("Procedure/s1",), "2025-10-23")
DRAFT = Evidence("Draft order: apixaban", ("MedicationRequest/m1",))


def rec(**overrides: Any) -> Recommendation:
    fields: dict[str, Any] = {
        "id": "dvt-anticoagulation-lmwh",
        "indicator": Indicator.CRITICAL,
        "summary": "Acute DVT, not anticoagulated: start enoxaparin 80 mg SC every 12 h",
        "evidence": (DVT, WEIGHT),
        "sources": ("S1",),
        "suggestions": (ENOXAPARIN,),
    }
    fields.update(overrides)
    return Recommendation(**fields)


def created(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        action["resource"]
        for suggestion in card["suggestions"]
        for action in suggestion["actions"]
        if action["type"] == "create"
    ]


def validate_r4(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def render(
    recommendation: Recommendation, user_id: object = None, encounter_id: object = None
) -> dict[str, Any]:
    (card,) = render_cards(
        [recommendation], patient_ref=PATIENT, user_id=user_id, encounter_id=encounter_id
    )
    return card


# ---------------------------------------------------------------- requester


@pytest.mark.parametrize("user", ["Practitioner/dr1", "PractitionerRole/role-9"])
def test_requester_is_the_clinician_in_context(user: str) -> None:
    card = render(rec(suggestions=(ENOXAPARIN, DUPLEX)), user_id=user)
    for resource in created(card):
        validate_r4(resource)
        assert resource["requester"] == {"reference": user}
        assert resource["status"] == "draft" and resource["intent"] == "order"
        assert resource["subject"] == {"reference": PATIENT}


@pytest.mark.parametrize(
    "user", ["Patient/p1", "RelatedPerson/r1", "", None, "example", "Practitioner", "Device/x"]
)
def test_no_requester_unless_a_practitioner_reference(user: object) -> None:
    card = render(rec(suggestions=(ENOXAPARIN, DUPLEX)), user_id=user)
    for resource in created(card):
        validate_r4(resource)
        assert "requester" not in resource


# ---------------------------------------------------------------- encounter


@pytest.mark.parametrize("encounter", ["e-77", "Encounter/e-77"])
def test_encounter_from_context_encounter_id(encounter: str) -> None:
    card = render(rec(suggestions=(ENOXAPARIN, DUPLEX)), encounter_id=encounter)
    for resource in created(card):
        validate_r4(resource)
        assert resource["encounter"] == {"reference": "Encounter/e-77"}


@pytest.mark.parametrize("encounter", [None, ""])
def test_no_encounter_without_one_in_context(encounter: object) -> None:
    for resource in created(render(rec(), encounter_id=encounter)):
        assert "encounter" not in resource


def test_authored_on_is_left_to_the_ehr() -> None:
    card = render(rec(suggestions=(ENOXAPARIN, DUPLEX)), "Practitioner/dr1", "e1")
    assert all("authoredOn" not in r for r in created(card))


# ---------------------------------------------------------------- reasonReference


def test_reason_reference_is_the_first_motivating_finding() -> None:
    card = render(rec(evidence=(Evidence("No reference"), DVT, WEIGHT)))
    (med,) = created(card)
    validate_r4(med)
    assert med["reasonReference"] == [{"reference": "Condition/dvt1"}]


def test_a_later_finding_is_never_promoted_to_the_reason() -> None:
    # R4 MedicationRequest.reasonReference: Reference(Condition | Observation) only. A DVT
    # proven by a duplex report cannot be cited there, and the weight is not the reason.
    card = render(rec(evidence=(DUPLEX_REPORT, WEIGHT)))
    (med,) = created(card)
    validate_r4(med)
    assert "reasonReference" not in med


def test_service_request_reason_may_be_a_diagnostic_report() -> None:
    card = render(rec(suggestions=(DUPLEX,), evidence=(DUPLEX_REPORT, STENT)))
    (service,) = created(card)
    validate_r4(service)
    assert service["reasonReference"] == [{"reference": "DiagnosticReport/d1"}]


def test_no_reason_reference_when_only_a_procedure_or_nothing_is_cited() -> None:
    for evidence in ((STENT, DUPLEX_REPORT), (), (Evidence("No reference"),), (DRAFT, DVT)):
        (service,) = created(render(rec(suggestions=(DUPLEX,), evidence=evidence)))
        validate_r4(service)
        assert "reasonReference" not in service


# ---------------------------------------------------------------- order edits

DEVICE = {
    "resourceType": "DeviceRequest",
    "status": "draft",
    "intent": "order",
    "codeCodeableConcept": {"text": "Iliac venous stent"},
    "subject": {"reference": PATIENT},
}


def test_update_names_its_draft_and_keeps_the_draft_id() -> None:
    edit = OrderEdit("Use 60 mm", "update", "DeviceRequest/d9", resource=dict(DEVICE))
    card = render(rec(suggestions=(edit,)), user_id="Practitioner/dr1")
    (action,) = card["suggestions"][0]["actions"]
    assert action["type"] == "update"
    assert action["resourceId"] == "DeviceRequest/d9"
    assert action["resource"]["id"] == "d9"
    assert action["description"] == "Use 60 mm"
    validate_r4(action["resource"])
    # An update is the clinician's own draft: it is not re-attributed.
    assert "requester" not in action["resource"]
    assert "id" not in DEVICE  # the guideline's resource is not mutated


def test_update_with_another_resource_type_is_a_producer_error() -> None:
    edit = OrderEdit("?", "update", "ServiceRequest/s1", resource=dict(DEVICE))
    with pytest.raises(ValueError, match="resource type"):
        render(rec(suggestions=(edit,)))


def test_every_action_has_a_description_even_without_a_label() -> None:
    unlabeled = ServiceOrder(label="", codes=(Code(SNOMED, "397913009", "IVC filter"),))
    delete = OrderEdit(label=" ", action="delete", target_ref="ServiceRequest/x")
    card = render(rec(suggestions=(unlabeled, delete), selection="any"))
    for suggestion in card["suggestions"]:
        (action,) = suggestion["actions"]
        assert action["description"].strip()
        assert suggestion["label"] == action["description"]
    assert card["suggestions"][0]["label"] == "IVC filter"
    assert card["suggestions"][1]["label"] == "Remove the draft order ServiceRequest/x"


# ---------------------------------------------------------------- detail wording


def test_unknown_side_reads_side_not_recorded() -> None:
    evidence = (
        Evidence("Pelvic venography (unknown): no DVT", ("DiagnosticReport/v1",), "2026-11-19"),
        Evidence("Leg swelling (unknown)", ("Condition/c1",)),
        Evidence("Leg swelling (left)", ("Condition/c2",)),
    )
    detail = render_card(rec(evidence=evidence), patient_ref=PATIENT)["detail"]
    assert "(unknown)" not in detail
    assert "- Pelvic venography (side not recorded): no DVT — DiagnosticReport/v1" in detail
    assert "- Leg swelling (side not recorded) — Condition/c1" in detail
    assert "- Leg swelling (left) — Condition/c2" in detail


def test_a_gap_already_in_the_detail_is_not_listed_twice() -> None:
    card = render_card(
        rec(
            detail="Sizing needs a reference.\n\n- No IVUS reference diameter",
            missing=("No IVUS reference diameter", "Body weight", "Body weight"),
        ),
        patient_ref=PATIENT,
    )
    detail = card["detail"]
    assert detail.count("No IVUS reference diameter") == 1
    assert detail.count("Body weight") == 1
    assert "**Not on record / not assessed**\n\n- Body weight" in detail


def test_missing_section_dropped_when_every_gap_is_in_the_detail() -> None:
    detail = render_card(
        rec(detail="- No IVUS reference diameter", missing=("No IVUS reference diameter",)),
        patient_ref=PATIENT,
    )["detail"]
    assert "Not on record" not in detail
    assert detail.count("No IVUS reference diameter") == 1


def test_order_context_defaults_are_empty() -> None:
    ctx = OrderContext.from_hook(PATIENT)
    assert (ctx.requester_ref, ctx.encounter_ref) == ("", "")
