"""Imperfect FHIR through the real endpoints (input profile v2.3 "Reading real records"): a
defect in an element the pathway does not use never changes a card; a needed element that
cannot be read makes its resource unknown and the card names it; only the hook's patient
counts."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient

from fixtures.fhir import ICD10, at, coding, concept
from tests.acceptance.support_nivl import (
    PV,
    RXNORM_SYSTEM,
    SELECT,
    SIGN,
    card,
    ids,
    patient,
    post,
)

LMWH = "dvt-anticoagulation-lmwh"
REVIEW = "post-stent-antithrombotic-review"


def sandbox_rx(patient_id: str, reason: dict[str, Any] | None) -> dict[str, Any]:
    """The MedicationRequest the CDS Hooks Sandbox's Rx View / Rx Sign drafts (its build in
    ../shared/cds-hooks-sandbox): `category` is an object, and with a "Treating" condition
    picked, `reasonCode` is that Condition's `code` object, not a list."""
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "request-123",
        "status": "draft",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": at(0)[:10],
        "dosageInstruction": [{
            "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "system": "http://unitsofmeasure.org",
                                              "code": "{pill}"}}],
        }],
        "dispenseRequest": {"expectedSupplyDuration": {
            "value": 30, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}},
        "intent": "order",
        "category": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
            "code": "community"}]},
        "medicationCodeableConcept": {
            "text": "apixaban 5 MG Oral Tablet",
            "coding": [{"display": "apixaban 5 MG Oral Tablet", "system": RXNORM_SYSTEM,
                        "code": "1364445"}],
        },
    }  # fmt: skip
    if reason is not None:
        resource["reasonCode"] = reason
    return resource


def stented_for_compression(key: str) -> tuple[Any, dict[str, Any]]:
    """A patient stented for iliac vein compression: the condition the prescriber picks as
    "Treating" in the sandbox."""
    b = patient(key)
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    ref = b.condition(concept(coding(ICD10, "I87.1", "Compression of vein"),
                              text="May-Thurner syndrome, left common iliac vein"), onset=at(230))
    condition = next(r for r in b.resources if f"Condition/{r.get('id')}" == ref)
    return b, condition


def summary(cards: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted((c["source"]["topic"]["code"], c["indicator"], c["summary"]) for c in cards)


@pytest.mark.parametrize("hook", [SELECT, SIGN])
def test_sandbox_rx_with_a_treating_condition_gets_the_same_card(
    client: FlaskClient, hook: str
) -> None:
    b, condition = stented_for_compression(f"sbx-{hook}")
    without = sandbox_rx(b.patient_id, None)
    treating = sandbox_rx(b.patient_id, copy.deepcopy(condition["code"]))
    selections = ["MedicationRequest/request-123"] if hook == SELECT else None
    plain = post(client, b, hook, drafts=[without], selections=selections)
    assert ids(plain) == [REVIEW]
    with_reason = post(client, b, hook, drafts=[treating], selections=selections)
    assert summary(with_reason) == summary(plain)


def anticoagulation_candidate(key: str) -> tuple[Any, dict[str, Any]]:
    b = patient(key)
    b.swelling("left", 3, extent="whole")
    ref = b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 2)
    b.weight(80, 1)
    dvt = next(r for r in b.resources if f"Condition/{r.get('id')}" == ref)
    return b, dvt


@pytest.mark.parametrize(
    "defect",
    [
        {"recordedDate": "2024-13-45"},  # unused: onsetDateTime is valid
        {"contained": [{"resourceType": "Practitioner", "id": "x", "name": "Dr Who"}]},
        {"contained": "not a resource"},
        {"meta": {"lastUpdated": "yesterday"}},
        {"category": {"coding": [{"code": 7}]}},
        {"evidence": "see note"},
        {"stage": [{"summary": {"coding": [{"system": 42}]}}]},
        {"unknownElement": {"anything": True}},
        {"identifier": {"system": "urn:mrn", "value": "123"}},
        {"bodySite": {"coding": [{"system": "http://snomed.info/sct", "code": "32153003",
                                  "display": "Structure of left lower limb"}]}},
        {"note": {"text": "seen in clinic"}},
        {"code": {"coding": {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I82.412",
                             "display": "Acute embolism and thrombosis of left femoral vein"}}},
    ],
    ids=lambda d: next(iter(d)),
)
def test_one_bad_unused_element_or_repaired_shape_keeps_the_anticoagulation_card(
    client: FlaskClient, defect: dict[str, Any]
) -> None:
    b, dvt = anticoagulation_candidate("tol-unused")
    before = post(client, b, PV)
    assert LMWH in ids(before)
    dvt.update(copy.deepcopy(defect))
    after = post(client, b, PV)
    assert summary(after) == summary(before)
    assert "could not be read" not in card(after, LMWH).get("detail", "")


def test_an_unreadable_needed_date_makes_the_dvt_unknown_and_is_named(
    client: FlaskClient,
) -> None:
    b, dvt = anticoagulation_candidate("tol-needed")
    dvt["onsetDateTime"] = "2026-02-30"  # the date the pathway counts from: unknown, not guessed
    cards = post(client, b, PV)
    assert LMWH not in ids(cards)
    named = [c for c in cards if f"Condition/{dvt['id']} could not be read" in c.get("detail", "")]
    assert named, ids(cards)


@pytest.mark.parametrize(
    "subject",
    [{"reference": "Group/ward-7"}, {"reference": "Patient/someone-else"},
     {"reference": "Group/ward-7", "type": "Group"}, {"type": "Group", "display": "Ward 7"}],
)
def test_a_dvt_of_a_group_or_another_patient_never_counts(
    client: FlaskClient, subject: dict[str, Any]
) -> None:
    b, dvt = anticoagulation_candidate("tol-owner")
    dvt["subject"] = subject
    assert LMWH not in ids(post(client, b, PV))
