"""Codes added in the last verification pass: uncoded pregnancy answers, Z34.x, streptokinase,
and ICD-10-PCS femoral-vein stent orders (catalog scope: "a venous stent of the iliac/femoral
veins")."""

from __future__ import annotations

from typing import Any

import pytest

from cds_hooks.guideline.findings import (
    Concept,
    DrugClass,
    Measure,
    OrderKind,
    Side,
    StentSite,
)
from fhir_mapping import map_draft_orders, map_record

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1990-01-01"}
SUBJECT = {"reference": "Patient/p1"}


def pregnancy_status(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "preg",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "subject": SUBJECT,
        "effectiveDateTime": "2026-11-20T10:00:00Z",
        **value,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueCodeableConcept": {"text": "Pregnant"}}, 1.0),
        ({"valueString": "pregnant"}, 1.0),
        ({"valueCodeableConcept": {"text": "Not pregnant"}}, 0.0),
        ({"valueCodeableConcept": {"text": "Possibly pregnant"}}, None),
        ({"valueCodeableConcept": {"text": "Unknown"}}, None),
    ],
)
def test_uncoded_pregnancy_answer_is_read_negation_aware(
    value: dict[str, Any], expected: float | None
) -> None:
    record = map_record([PATIENT, pregnancy_status(value)], patient_id="p1")
    values = [m.value for m in record.measurements if m.measure is Measure.PREGNANCY_STATUS]
    assert values == ([] if expected is None else [expected])


@pytest.mark.parametrize(
    ("code", "pregnant"), [("Z34.00", True), ("Z34.83", True), ("Z39.2", False)]
)
def test_supervision_of_normal_pregnancy_is_pregnancy(code: str, pregnant: bool) -> None:
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
        "subject": SUBJECT,
        "recordedDate": "2026-10-01",
    }
    record = map_record([PATIENT, condition], patient_id="p1")
    found = any(d.concept is Concept.PREGNANCY for d in record.diagnoses)
    assert found is pregnant


def test_streptokinase_is_a_thrombolytic() -> None:
    request = {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Streptokinase 250,000 units IV"},
        "subject": SUBJECT,
        "authoredOn": "2026-11-26",
    }
    record = map_record([PATIENT, request], patient_id="p1", medications_retrieved=True)
    assert [m.drug_class for m in record.medications] == [DrugClass.THROMBOLYTIC]


@pytest.mark.parametrize(("code", "side"), [("067M3DZ", Side.RIGHT), ("067N3DZ", Side.LEFT)])
def test_femoral_vein_stent_pcs_order_is_in_scope(code: str, side: Side) -> None:
    order = {
        "resourceType": "ServiceRequest",
        "id": "s1",
        "status": "draft",
        "intent": "order",
        "code": {
            "coding": [{"system": "http://www.cms.gov/Medicare/Coding/ICD10", "code": code}],
            "text": "Femoral vein stent 14 x 90 mm",
        },
        "subject": SUBJECT,
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}
    (draft,) = map_draft_orders(bundle)
    assert draft.kind is OrderKind.STENT
    assert draft.stent_site is StentSite.ILIAC_FEMORAL
    assert draft.side is side
    assert (draft.diameter_mm, draft.length_mm) == (14, 90)
