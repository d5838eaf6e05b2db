"""Input profile v2.3 "Reading real records": each tolerance rule of the raw-JSON reader.

A single object where R4 has a list is read as a list; a defect in an element the pathway does
not use never drops the resource; a needed element that cannot be read skips the resource and
reports it (with what it would have been about); only the hook's patient counts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept, DrugClass, Side
from fhir_mapping import map_draft_orders, map_record

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PID = "p1"
SUBJECT = {"reference": f"Patient/{PID}"}
PATIENT = {"resourceType": "Patient", "id": PID, "gender": "female", "birthDate": "1970-01-01"}


def dvt(**extra: Any) -> dict[str, Any]:
    resource = {"resourceType": "Condition", "id": "dvt", "subject": SUBJECT,
                "code": {"coding": [{"system": ICD, "code": "I82.412",
                                     "display": "Acute DVT of left femoral vein"}]},
                "onsetDateTime": "2026-11-20"}
    resource.update(extra)
    return resource


def platelets(**extra: Any) -> dict[str, Any]:
    resource = {"resourceType": "Observation", "id": "plt", "status": "final", "subject": SUBJECT,
                "code": {"coding": [{"system": LOINC, "code": "777-3"}]},
                "effectiveDateTime": "2026-11-20T08:00:00Z",
                "valueQuantity": {"value": 40, "unit": "10*9/L", "code": "10*9/L"}}
    resource.update(extra)
    return resource


def apixaban(**extra: Any) -> dict[str, Any]:
    resource = {"resourceType": "MedicationRequest", "id": "rx", "status": "active",
                "intent": "order", "subject": SUBJECT, "authoredOn": "2026-11-01",
                "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1364430",
                                                          "display": "apixaban"}]}}
    resource.update(extra)
    return resource


def mapped(*resources: Any, patient_id: str | None = PID) -> Any:
    return map_record([PATIENT, *resources], patient_id=patient_id)


def dvt_facts(record: Any) -> list[tuple[Concept, Side, datetime | None]]:
    return [(d.concept, d.side, d.onset) for d in record.diagnoses]


GOOD = [(Concept.DVT, Side.LEFT, datetime(2026, 11, 20, tzinfo=UTC))]


# ---------------------------------------------------------------- defects in unused elements


@pytest.mark.parametrize(
    "defect",
    [
        {"recordedDate": "2024-13-45"},
        {"contained": [{"resourceType": "Practitioner", "id": 5, "name": "not a list"}]},
        {"contained": "garbage"},
        {"meta": {"lastUpdated": "not a date", "profile": "x"}},
        {"text": {"status": "bogus", "div": 42}},
        {"category": [{"coding": [{"system": 1, "code": 2}]}]},
        {"category": "problem-list-item"},
        {"identifier": "MRN 123"},
        {"evidence": [{"code": "nope"}]},
        {"stage": {"summary": 5}},
        {"asserter": "Dr X"},
        {"encounter": "Encounter/1"},
        {"extension": [{"url": 5}]},
        {"someUnknownElement": [1, 2, 3]},
        {"_onsetDateTime": {"extension": "x"}},
    ],
    ids=lambda d: next(iter(d)),
)
def test_a_defect_in_an_unused_condition_element_keeps_the_condition(defect: dict) -> None:
    record = mapped(dvt(**defect))
    assert dvt_facts(record) == GOOD
    assert record.unreadable == ()


@pytest.mark.parametrize(
    "defect",
    [{"issued": "2026-99-99"}, {"category": {"coding": "vital-signs"}},
     {"referenceRange": "150-400"}, {"interpretation": 5}, {"performer": "lab"},
     {"meta": 7}, {"encounter": []}],
    ids=lambda d: next(iter(d)),
)
def test_a_defect_in_an_unused_observation_element_keeps_the_reading(defect: dict) -> None:
    record = mapped(platelets(**defect))
    assert [m.value for m in record.measurements] == [40.0]


@pytest.mark.parametrize(
    "defect",
    [{"category": {"coding": [{"code": "community"}]}}, {"requester": "Dr X"},
     {"dispenseRequest": {"expectedSupplyDuration": "30 days"}}, {"insurance": 1},
     {"reasonCode": {"coding": [{"system": ICD, "code": "I82.412"}]}}],
    ids=lambda d: next(iter(d)),
)
def test_a_defect_in_an_unused_medication_element_keeps_the_medication(defect: dict) -> None:
    record = mapped(apixaban(**defect))
    assert [(m.ingredient, m.drug_class) for m in record.medications] == [
        ("apixaban", DrugClass.ANTICOAGULANT)
    ]


# ---------------------------------------------------------------- repaired shapes


def test_single_objects_where_r4_has_lists_are_read_as_lists() -> None:
    condition = dvt(
        code={"coding": {"system": ICD, "code": "I82.402"}},  # unspecified side in the code
        bodySite={"coding": {"system": SCT, "code": "32153003", "display": "Left lower limb"}},
        note={"text": "left leg"},
    )
    (found,) = mapped(condition).diagnoses
    assert (found.concept, found.side) == (Concept.DVT, Side.LEFT)


def test_single_coding_object_in_an_observation_code_is_relevant_and_read() -> None:
    reading = platelets(code={"coding": {"system": LOINC, "code": "777-3"}})
    assert [m.value for m in mapped(reading).measurements] == [40.0]


def test_single_dosage_instruction_object_is_read() -> None:
    rx = apixaban(dosageInstruction={"text": "5 mg twice daily",
                                     "doseAndRate": {"doseQuantity": {"value": 5, "unit": "mg",
                                                                      "code": "mg"}}})
    (med,) = mapped(rx).medications
    assert med.dose is not None and med.dose.value == 5


def test_sandbox_draft_reason_code_object_is_read_as_the_order_reason() -> None:
    draft = {"resourceType": "MedicationRequest", "id": "request-123", "status": "draft",
             "subject": SUBJECT, "intent": "order",
             "category": {"coding": [{"code": "community"}]},
             "medicationCodeableConcept": {"text": "apixaban",
                                           "coding": [{"system": RXNORM, "code": "1364445",
                                                       "display": "apixaban 5 MG"}]},
             "reasonCode": {"coding": [{"system": ICD, "code": "I82.412",
                                        "display": "Acute DVT of left femoral vein"}]}}
    plain = copy.deepcopy(draft)
    del plain["reasonCode"]
    (order,) = map_draft_orders({"resourceType": "Bundle", "entry": [{"resource": draft}]})
    (without,) = map_draft_orders({"resourceType": "Bundle", "entry": [{"resource": plain}]})
    assert order.medication == without.medication and order.kind is without.kind
    assert "femoral" in order.reason_text


def test_a_string_where_an_object_is_expected_is_not_guessed() -> None:
    record = mapped(dvt(code="I82.412"))
    assert record.diagnoses == ()
    assert record.unreadable == ()  # nothing readable says it was a DVT: no card could name it


# ---------------------------------------------------------------- needed elements unreadable


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        (dvt(onsetDateTime="2026-02-30"), "dvt"),
        (dvt(onsetDateTime=20261120), "dvt"),
        (dvt(onsetPeriod={"start": "yesterday"}, onsetDateTime=None), "dvt"),
        (dvt(bodySite="left leg"), "dvt"),
        (dvt(clinicalStatus="active"), "dvt"),
        (platelets(valueQuantity={"value": "forty", "unit": "10*9/L"}), "measurements"),
        (platelets(effectiveDateTime="last week"), "measurements"),
        (apixaban(authoredOn="2026-11-31"), "medications"),
    ],
    ids=["impossible-date", "number-date", "period-start", "bodysite-string", "status-string",
         "quantity-text", "effective-text", "authored-impossible"],
)
def test_an_unreadable_needed_element_skips_and_reports_the_resource(
    resource: dict, kind: str
) -> None:
    record = mapped(resource)
    assert record.diagnoses == () and record.measurements == () and record.medications == ()
    (skipped,) = record.unreadable
    assert skipped.ref == f"{resource['resourceType']}/{resource['id']}"
    assert kind in skipped.kinds


def test_recorded_date_is_needed_when_there_is_no_onset() -> None:
    record = mapped(dvt(onsetDateTime=None, recordedDate="2026-13-01"))
    assert record.diagnoses == ()
    assert [u.ref for u in record.unreadable] == ["Condition/dvt"]


def test_a_patient_with_an_unreadable_birth_date_keeps_sex_and_deceased() -> None:
    patient = {**PATIENT, "birthDate": "1970-02-31", "deceasedBoolean": True}
    record = map_record([patient], patient_id=PID)
    assert (record.patient.birth_date, record.patient.sex) == (None, "female")
    assert record.patient.deceased is True
    assert [u.ref for u in record.unreadable] == ["Patient/p1"]


# ---------------------------------------------------------------- whose record


@pytest.mark.parametrize(
    "subject",
    [{"reference": "Group/g1"}, {"reference": "Group/g1", "type": "Group"},
     {"type": "Group", "display": "Ward 7"}, {"reference": "Patient/p2"},
     {"reference": "https://ehr.example/fhir/Patient/p2/_history/1"},
     {"reference": "Location/room-1"}, {"reference": "urn:uuid:group-uuid"}],
)
def test_a_resource_of_a_group_or_another_patient_never_counts(subject: dict) -> None:
    group = {"resourceType": "Group", "id": "g1", "type": "person", "actual": True}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"fullUrl": "urn:uuid:group-uuid", "resource": group},
        {"resource": dvt(subject=subject)},
    ]}
    assert mapped(bundle).diagnoses == ()


def test_a_resource_naming_no_one_counts_in_a_search_for_the_patient() -> None:
    searchset = {"resourceType": "Bundle", "type": "searchset",
                 "entry": [{"resource": dvt(subject=None)}]}
    assert dvt_facts(mapped(searchset)) == GOOD
    assert dvt_facts(mapped(dvt(subject=None))) == GOOD  # a prefetch key's resource


def test_a_resource_naming_no_one_in_a_nested_foreign_bundle_does_not_count() -> None:
    document = {"resourceType": "Bundle", "type": "document",
                "entry": [{"resource": dvt(subject=None)}]}
    searchset = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": document}]}
    assert mapped(searchset).diagnoses == ()
    # ...but one that names the patient there still does.
    document["entry"] = [{"resource": dvt()}]
    assert dvt_facts(mapped(searchset)) == GOOD


def test_an_unreadable_subject_counts_for_no_one() -> None:
    record = mapped(dvt(subject=["Patient/p1"]))
    assert record.diagnoses == () and record.unreadable == ()


def test_without_a_patient_id_every_resource_counts() -> None:
    assert dvt_facts(mapped(dvt(subject={"reference": "Patient/p2"}), patient_id=None)) == GOOD


def test_an_unreadable_coding_beside_a_readable_one_is_left_out() -> None:
    code = {"coding": [{"system": "urn:local", "code": 8242},
                       {"system": ICD, "code": "I82.412", "display": "Acute DVT"}]}
    assert dvt_facts(mapped(dvt(code=code))) == GOOD
    only_bad = {"coding": [{"system": {"uri": ICD}, "code": "I82.412"}]}
    record = mapped(dvt(code=only_bad))
    assert record.diagnoses == ()
