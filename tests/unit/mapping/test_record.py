"""map_record: dispatch, Bundles, patient filtering, sorting findings into PatientRecord."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept, DrugClass, PatientRecord, Side
from fhir_mapping import map_record

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def condition(cid: str, code: str, subject: str | None = "Patient/p1") -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Condition", "id": cid,
                                "code": {"coding": [{"system": ICD, "code": code}]}}
    if subject is not None:
        resource["subject"] = {"reference": subject}
    return resource


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1980-01-01"}


def test_findings_are_sorted_into_record_fields() -> None:
    resources = [
        PATIENT,
        condition("dvt", "I82.412"),
        condition("swell", "R22.42"),
        condition("lymphoma", "C83.30"),
        condition("stent", "Z95.828") | {"bodySite": [{"text": "left common iliac vein"}]},
        {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
         "subject": {"reference": "Patient/p1"},
         "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1364430"}]}},
        {"resourceType": "AllergyIntolerance", "id": "a1", "code": {"text": "heparin"},
         "patient": {"reference": "Patient/p1"}},
    ]
    record = map_record(resources, patient_id="p1", encounter_id="e1",
                        medications_retrieved=True)
    assert isinstance(record, PatientRecord)
    assert record.patient.ref == "Patient/p1" and record.patient.sex == "female"
    assert {d.concept for d in record.diagnoses} == {Concept.DVT, Concept.HEPARIN_ALLERGY}
    assert [s.side for s in record.swellings] == [Side.LEFT]
    assert len(record.masses) == 1
    assert len(record.stents) == 1
    assert [(m.ingredient, m.drug_class) for m in record.medications] == [
        ("apixaban", DrugClass.ANTICOAGULANT)]
    assert record.encounter == "Encounter/e1"
    assert record.medications_retrieved


def test_bundle_is_flattened_and_medication_references_resolved() -> None:
    bundle = {
        "resourceType": "Bundle", "type": "searchset",
        "entry": [
            {"fullUrl": "urn:uuid:med-1",
             "resource": {"resourceType": "Medication", "id": "med-1",
                          "code": {"text": "Lovenox 80 mg/0.8 mL"}}},
            {"resource": {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
                          "intent": "order", "subject": {"reference": "Patient/p1"},
                          "medicationReference": {"reference": "urn:uuid:med-1"}}},
            {"resource": {"resourceType": "Bundle", "type": "collection", "entry": [
                {"resource": condition("dvt", "I82.412")}]}},
        ],
    }
    record = map_record(bundle)
    assert [m.ingredient for m in record.medications] == ["enoxaparin"]
    assert [d.concept for d in record.diagnoses] == [Concept.DVT]


@pytest.mark.parametrize(
    ("subject", "kept"),
    [
        ("Patient/p1", True),
        ("Patient/p2", False),
        ("https://ehr.example/fhir/Patient/p2", False),
        ("https://ehr.example/fhir/Patient/p1/_history/3", True),
        ("urn:uuid:p1", True),
        ("urn:uuid:p2", False),
        ("Patient?identifier=http://hospital|123", True),
    ],
)
def test_resources_of_another_patient_are_ignored(subject: str | None, kept: bool) -> None:
    record = map_record([condition("dvt", "I82.412", subject)], patient_id="p1")
    assert bool(record.diagnoses) is kept


def test_resources_naming_no_patient_are_kept() -> None:
    stent = {"resourceType": "Device", "id": "d1", "status": "active",
             "deviceName": [{"name": "Venovo stent, left common iliac vein",
                             "type": "user-friendly-name"}]}
    assert len(map_record([stent], patient_id="p1").stents) == 1


def test_without_patient_id_nothing_is_filtered() -> None:
    assert len(map_record([condition("dvt", "I82.412", "Patient/p2")]).diagnoses) == 1


def test_urn_uuid_patient_resolved_via_full_url() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:aaa", "resource": {"resourceType": "Patient", "id": "other"}},
        {"resource": condition("dvt", "I82.412", "urn:uuid:aaa")},
    ]}
    assert map_record(bundle, patient_id="p1").diagnoses == ()
    assert len(map_record(bundle, patient_id="other").diagnoses) == 1


def test_only_the_named_patient_resource_is_used() -> None:
    other = {"resourceType": "Patient", "id": "p2", "gender": "male"}
    record = map_record([other, PATIENT], patient_id="p1")
    assert record.patient.ref == "Patient/p1"
    assert map_record([other], patient_id="p1").patient.ref == "Patient/p1"


def test_deceased_patient() -> None:
    record = map_record([PATIENT | {"deceasedDateTime": "2024-01-01"}])
    assert record.patient.deceased


def test_duplicates_are_counted_once() -> None:
    record = map_record([condition("dvt", "I82.412"), condition("dvt", "I82.412")])
    assert len(record.diagnoses) == 1


def test_bad_input_is_skipped_and_logged_without_content(caplog: pytest.LogCaptureFixture) -> None:
    bad = condition("bad", "I82.412") | {"onsetDateTime": "Jane Doe"}
    with caplog.at_level(logging.WARNING):
        record = map_record([bad, "not a resource", {"no": "type"},  # type: ignore[list-item]
                             {"resourceType": "Unknown"}, condition("ok", "I82.412")])
    assert [d.source.refs for d in record.diagnoses] == [("Condition/ok",)]
    # v2.3 logs: the type and element, never the resource id or the value.
    assert "Condition" in caplog.text and "onsetDateTime" in caplog.text
    assert "bad" not in caplog.text.replace("record.py", "") and "Jane Doe" not in caplog.text
    assert [u.ref for u in record.unreadable] == ["Condition/bad"]


def test_empty_input() -> None:
    assert map_record([]) == PatientRecord()


def test_medication_records_that_can_never_be_current_are_skipped() -> None:
    def order(mid: str, status: str) -> dict[str, Any]:
        return {"resourceType": "MedicationRequest", "id": mid, "status": status,
                "intent": "order", "subject": {"reference": "Patient/p1"},
                "medicationCodeableConcept": {"text": "apixaban 5 mg"}}

    record = map_record([order("a", "active"), order("s", "stopped"), order("c", "completed")])
    assert [m.source.refs for m in record.medications] == [("MedicationRequest/a",)]
