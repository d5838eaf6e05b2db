"""Card rendering: recommendation -> CDS Hooks 2.0.1 card (JSON-ready, valid R4 suggestions)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from cds_hooks.cards import render_card, render_cards
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    MedicationOrder,
    OrderEdit,
    Recommendation,
    ServiceOrder,
)
from cds_hooks.http.models import to_json, validate_outgoing

PATIENT = "Patient/p1"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

DUPLEX = ServiceOrder(
    label="Complete venous duplex ultrasound, left leg",
    codes=(Code(LOINC, "39432-0", "Lower extremity vein duplex, left"), Code(CPT, "93971")),
    body_site=(Code(SNOMED, "32153003", "Structure of left lower limb"),),
    note="Common femoral to calf veins",
    category="imaging",
)
ENOXAPARIN = MedicationOrder(
    label="Enoxaparin 80 mg subcutaneously every 12 hours",
    medication=Code(RXNORM, "67108", "enoxaparin"),
    dose_mg=80.0,
    interval_hours=12,
    route=Code(SNOMED, "34206005", "Subcutaneous route"),
    note="1 mg/kg from 80 kg (2026-11-22)",
)


def rec(**overrides: Any) -> Recommendation:
    fields: dict[str, Any] = {
        "id": "dvt-duplex-ultrasound",
        "indicator": Indicator.CRITICAL,
        "summary": "New left leg swelling: order a complete venous duplex",
        "detail": "DVT has not been excluded in the swollen leg.",
        "evidence": (
            Evidence("Negative complete duplex, left leg", ("DiagnosticReport/abc",), "2026-11-20"),
            Evidence("Swelling of the left leg", ("Condition/c1", "Observation/o2")),
            Evidence("No reference"),
        ),
        "missing": ("Body weight within 90 days",),
        "sources": ("S1", "S2"),
        "quote": "Up to 24% of asymptomatic people have > 50% left iliac vein compression",
    }
    fields.update(overrides)
    return Recommendation(**fields)


def assert_no_empty(value: Any, path: str = "card") -> None:
    assert value is not None and value != "" and value != [] and value != {}, path
    if isinstance(value, dict):
        for key, item in value.items():
            assert_no_empty(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_no_empty(item, f"{path}[{i}]")


def validate_r4(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_card_core_fields_and_source_topic() -> None:
    card = render_card(rec(), patient_ref=PATIENT)
    assert uuid.UUID(card["uuid"]).version == 4
    assert card["indicator"] == "critical"
    assert card["summary"] == "New left leg swelling: order a complete venous duplex"
    assert card["source"]["label"] == "DVT guidance (S1); NIVL consensus (S2)"
    assert card["source"]["topic"] == {
        "system": "urn:iliac-cds:recommendation",
        "code": "dvt-duplex-ultrasound",
        "display": "Complete venous duplex ultrasound",
    }
    assert_no_empty(card)


def test_detail_shows_findings_with_references_and_dates_gaps_quote_and_sources() -> None:
    detail = render_card(rec(), patient_ref=PATIENT)["detail"]
    lines = detail.splitlines()
    assert lines[0] == "DVT has not been excluded in the swollen leg."
    assert "- Negative complete duplex, left leg — DiagnosticReport/abc, 2026-11-20" in lines
    assert "- Swelling of the left leg — Condition/c1, Observation/o2" in lines
    assert "- No reference" in lines
    assert "- Body weight within 90 days" in lines
    assert "> Up to 24% of asymptomatic people have > 50% left iliac vein compression" in lines
    assert any(line.startswith("- **S1**: ") for line in lines)
    assert any(line.startswith("- **S2**: ") for line in lines)


def test_unknown_source_key_is_shown_not_dropped() -> None:
    card = render_card(rec(sources=("S9",)), patient_ref=PATIENT)
    assert card["source"]["label"] == "S9"
    assert "- **S9**: S9" in card["detail"]


def test_links_only_to_known_publications_without_duplicates() -> None:
    # Catalog v2.2 cross-cutting rule: S1 on a card for a patient who is not pregnant names
    # "the SRU 2018 / ESVS 2021 guidance (S1's others)", never the ESC 2018 pregnancy chapter.
    links = render_card(rec(sources=("S1", "S2", "S1", "S3")), patient_ref=PATIENT)["links"]
    assert links == [
        {
            "label": "SRU consensus, Needleman et al., Circulation 2018",
            "url": "https://doi.org/10.1161/CIRCULATIONAHA.117.030687",
            "type": "absolute",
        },
        {
            "label": "ESVS 2021 venous thrombosis guideline (Kakkos et al.)",
            "url": "https://doi.org/10.1016/j.ejvs.2020.09.023",
            "type": "absolute",
        },
        {
            "label": "Stent migration, Sayed et al. 2022",
            "url": "https://doi.org/10.1016/j.jvsv.2021.07.015",
            "type": "absolute",
        },
    ]


def test_pregnancy_source_names_only_the_esc_2018_pregnancy_chapter() -> None:
    card = render_card(rec(sources=("S1-pregnancy", "S2")), patient_ref=PATIENT)
    assert card["links"][0] == {
        # Catalog S1: "ESC 2018 pregnancy guideline VTE chapter, doi:10.1093/eurheartj/ehy340"
        "label": "ESC 2018 pregnancy guidelines (VTE chapter)",
        "url": "https://doi.org/10.1093/eurheartj/ehy340",
        "type": "absolute",
    }
    text = str(card)
    assert "Needleman" not in text and "ESVS" not in text
    assert "ESC 2018" in card["source"]["label"]
    assert any(line.startswith("- **S1**: ") for line in card["detail"].splitlines())


def test_non_pregnant_source_never_names_the_pregnancy_chapter() -> None:
    card = render_card(rec(sources=("S1",)), patient_ref=PATIENT)
    text = str(card)
    assert "ehy340" not in text and "pregnan" not in text.lower()
    assert "Needleman" in card["detail"] and "ESVS 2021" in card["detail"]


def test_optional_fields_are_left_out_when_empty() -> None:
    bare = Recommendation(id="x-y", indicator=Indicator.INFO, summary="S", sources=("S4",))
    card = render_card(bare, patient_ref=PATIENT)
    assert set(card) == {"uuid", "summary", "indicator", "source", "detail"}
    assert card["source"]["topic"]["display"] == "X y"
    empty = Recommendation(id="x-y", indicator=Indicator.INFO, summary="S")
    card = render_card(empty, patient_ref=PATIENT)
    assert set(card) == {"uuid", "summary", "indicator", "source"}


def test_summary_longer_than_139_is_shortened() -> None:
    card = render_card(rec(summary="word " * 60), patient_ref=PATIENT)
    assert len(card["summary"]) == 139
    assert card["summary"].endswith("…")
    exact = "a" * 139
    assert render_card(rec(summary=exact), patient_ref=PATIENT)["summary"] == exact


def test_service_request_suggestion_is_a_valid_r4_draft_for_the_patient() -> None:
    card = render_card(rec(suggestions=(DUPLEX,)), patient_ref=PATIENT)
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    assert uuid.UUID(suggestion["uuid"]).version == 4
    assert suggestion["label"] == DUPLEX.label
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    assert action["description"] == DUPLEX.label
    resource = action["resource"]
    validate_r4(resource)
    assert resource["resourceType"] == "ServiceRequest"
    assert resource["status"] == "draft"
    assert resource["intent"] == "order"
    assert resource["subject"] == {"reference": PATIENT}
    assert [c["code"] for c in resource["code"]["coding"]] == ["39432-0", "93971"]
    assert resource["code"]["coding"][1] == {"system": CPT, "code": "93971"}
    assert resource["bodySite"][0]["coding"][0]["code"] == "32153003"
    assert resource["category"][0]["coding"][0]["code"] == "363679005"
    assert resource["note"] == [{"text": "Common femoral to calf veins"}]


@pytest.mark.parametrize(
    ("category", "code"),
    [("procedure", "387713003"), ("laboratory", "108252007"), ("referral", "3457005")],
)
def test_service_request_categories(category: str, code: str) -> None:
    order = ServiceOrder(label="L", codes=(Code(SNOMED, "1", "x"),), category=category)
    resource = render_card(rec(suggestions=(order,)), patient_ref=PATIENT)["suggestions"][0][
        "actions"
    ][0]["resource"]
    validate_r4(resource)
    assert resource["category"][0]["coding"][0]["code"] == code
    assert "bodySite" not in resource and "note" not in resource


def test_medication_request_suggestion_doses_every_12_hours() -> None:
    card = render_card(rec(suggestions=(ENOXAPARIN,)), patient_ref=PATIENT)
    resource = card["suggestions"][0]["actions"][0]["resource"]
    validate_r4(resource)
    assert resource["resourceType"] == "MedicationRequest"
    assert (resource["status"], resource["intent"]) == ("draft", "order")
    assert resource["subject"] == {"reference": PATIENT}
    assert resource["medicationCodeableConcept"]["coding"] == [
        {"system": RXNORM, "code": "67108", "display": "enoxaparin"}
    ]
    (dosage,) = resource["dosageInstruction"]
    assert dosage["text"] == "enoxaparin 80 mg subcutaneous every 12 hours"
    assert dosage["timing"] == {"repeat": {"frequency": 1, "period": 12, "periodUnit": "h"}}
    assert dosage["route"]["coding"][0]["code"] == "34206005"
    assert dosage["doseAndRate"] == [
        {
            "doseQuantity": {
                "value": 80,
                "unit": "mg",
                "system": "http://unitsofmeasure.org",
                "code": "mg",
            }
        }
    ]
    assert isinstance(dosage["doseAndRate"][0]["doseQuantity"]["value"], int)
    assert resource["note"] == [{"text": "1 mg/kg from 80 kg (2026-11-22)"}]


def test_renal_dose_every_24_hours_keeps_fractional_doses() -> None:
    once = MedicationOrder(
        label="Enoxaparin",
        medication=Code(RXNORM, "67108", "enoxaparin"),
        dose_mg=72.5,
        interval_hours=24,
        route=Code(SNOMED, "34206005", "subcutaneous"),
    )
    resource = render_card(rec(suggestions=(once,)), patient_ref=PATIENT)["suggestions"][0][
        "actions"
    ][0]["resource"]
    validate_r4(resource)
    dosage = resource["dosageInstruction"][0]
    assert dosage["timing"]["repeat"]["period"] == 24
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 72.5
    assert "note" not in resource


def test_order_edits_update_and_delete() -> None:
    draft = {
        "resourceType": "DeviceRequest",
        "id": "d1",
        "status": "draft",
        "intent": "order",
        "codeCodeableConcept": {"text": "Iliac venous stent 16 x 90 mm"},
        "subject": {"reference": PATIENT},
    }
    update = OrderEdit(
        label="Use 90 mm", action="update", target_ref="DeviceRequest/d1", resource=draft
    )
    delete = OrderEdit(label="Remove", action="delete", target_ref="DeviceRequest/d1")
    card = render_card(rec(suggestions=(update, delete), selection="any"), patient_ref=PATIENT)
    assert card["selectionBehavior"] == "any"
    up, rm = (s["actions"][0] for s in card["suggestions"])
    # CDS Hooks 2.0.1 action.resourceId ("a relative reference to the relevant resource"):
    # the update names the draft it replaces, as delete does.
    assert up == {
        "type": "update",
        "description": "Use 90 mm",
        "resourceId": "DeviceRequest/d1",
        "resource": draft,
    }
    validate_r4(up["resource"])
    assert rm == {"type": "delete", "description": "Remove", "resourceId": "DeviceRequest/d1"}
    assert card["suggestions"][0]["uuid"] != card["suggestions"][1]["uuid"]


def test_update_without_resource_is_a_producer_error() -> None:
    bad = OrderEdit(label="?", action="update", target_ref="DeviceRequest/d1")
    with pytest.raises(ValueError, match="update"):
        render_card(rec(suggestions=(bad,)), patient_ref=PATIENT)


def test_override_reasons_always_have_a_display() -> None:
    reasons = (
        Code("urn:iliac-cds:override", "ivus-done-elsewhere", "IVUS done at another centre"),
        Code("urn:iliac-cds:override", "palliative"),
    )
    card = render_card(rec(override_reasons=reasons), patient_ref=PATIENT)
    assert card["overrideReasons"] == [
        {
            "system": "urn:iliac-cds:override",
            "code": "ivus-done-elsewhere",
            "display": "IVUS done at another centre",
        },
        {"system": "urn:iliac-cds:override", "code": "palliative", "display": "palliative"},
    ]


def test_cards_sorted_critical_warning_info_stable_within_rank() -> None:
    recs = [
        rec(id="a-info", indicator=Indicator.INFO),
        rec(id="b-warning", indicator=Indicator.WARNING),
        rec(id="c-critical", indicator=Indicator.CRITICAL),
        rec(id="d-warning", indicator=Indicator.WARNING),
    ]
    cards = render_cards(recs, patient_ref=PATIENT)
    assert [c["source"]["topic"]["code"] for c in cards] == [
        "c-critical",
        "b-warning",
        "d-warning",
        "a-info",
    ]
    assert len({c["uuid"] for c in cards}) == 4
    assert render_cards([], patient_ref=PATIENT) == []


def test_rendered_cards_pass_the_protocol_response_model_unchanged() -> None:
    recs = [
        rec(suggestions=(DUPLEX, ENOXAPARIN), override_reasons=(Code("urn:x", "y", "Y"),)),
        rec(id="post-stent-surveillance", indicator=Indicator.INFO, sources=("S2",)),
    ]
    cards = render_cards(recs, patient_ref=PATIENT)
    assert to_json(validate_outgoing({"cards": cards})) == {"cards": cards}
