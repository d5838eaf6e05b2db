"""Real EHR shapes (Epic, Oracle Health/Cerner, athena, Synthea) of every input-profile concept,
mapped through `map_record`: each variant must give the same finding as the canonical form."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import (
    Concept,
    DrugClass,
    Extent,
    Measure,
    MedicationKind,
    Modality,
    PatientRecord,
    Result,
    Side,
)
from fhir_mapping import map_record

SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_OID = "urn:oid:2.16.840.1.113883.6.90"
ICD_WHO = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
LOCAL = "urn:iliac-cds:observation"
EPIC_LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"
SUBJECT = {"reference": "Patient/p1"}
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-01"}


def record_of(*resources: dict[str, Any]) -> PatientRecord:
    return map_record([PATIENT, *resources], patient_id="p1", medications_retrieved=True)


def condition(code: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "c1", "subject": SUBJECT, "code": code,
            "recordedDate": "2026-11-01", **extra}


def concepts(record: PatientRecord) -> set[Concept]:
    return {d.concept for d in record.diagnoses}


# ---------------------------------------------------------------- Condition codes


@pytest.mark.parametrize(
    "code",
    [
        {"coding": [{"system": ICD, "code": "I82.422"}]},
        {"coding": [{"system": ICD, "code": "I82422"}]},
        {"coding": [{"system": ICD, "code": "i82.422"}]},
        {"coding": [{"system": ICD_OID, "code": "I82.422"}]},
        {"coding": [{"system": ICD + "/", "code": "I82.422"}]},
        {"coding": [{"system": f" {ICD}", "code": "I82.422"}]},
        # Epic: local code first, the standard code second.
        {"coding": [{"system": EPIC_LOCAL, "code": "123456", "display": "DVT L iliac"},
                    {"system": ICD, "code": "I82.422"}], "text": "Acute DVT of left iliac vein"},
    ],
    ids=["dotted", "undotted", "lower", "oid", "slash", "spaces", "local-first"],
)
def test_icd10cm_spellings_give_left_proximal_dvt(code: dict[str, Any]) -> None:
    record = record_of(condition(code))
    dvt = [d for d in record.diagnoses if d.concept is Concept.DVT]
    assert len(dvt) == 1
    assert dvt[0].side is Side.LEFT
    assert dvt[0].level.value == "proximal"


@pytest.mark.parametrize(
    "system",
    [SCT, "http://snomed.info/sct/", "urn:oid:2.16.840.1.113883.6.96",
     "http://snomed.info/sct/731000124108", "http://snomed.info/sct/900000000000207008/version/20240301",
     "https://snomed.info/sct"],
    ids=["canonical", "slash", "oid", "edition-uri", "version-uri", "https"],
)
def test_snomed_edition_and_version_urls_are_snomed(system: str) -> None:
    record = record_of(condition({"coding": [{"system": system, "code": "128053003"}]},
                                 bodySite=[{"coding": [{"system": SCT, "code": "32153003"}]}]))
    dvt = [d for d in record.diagnoses if d.concept is Concept.DVT]
    assert [d.side for d in dvt] == [Side.LEFT]


def test_snomed_version_in_version_element_is_fine() -> None:
    code = {"coding": [{"system": SCT, "version": "http://snomed.info/sct/731000124108/version/"
                                                  "20240301", "code": "128053003"}]}
    assert Concept.DVT in concepts(record_of(condition(code)))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # WHO ICD-10 shares the categories with ICD-10-CM: accepted (see fhir_types).
        ({"coding": [{"system": ICD_WHO, "code": "I87.1"}]}, Concept.ILIAC_COMPRESSION),
        ({"coding": [{"system": ICD_WHO, "code": "I50.9"}]}, Concept.HEART_FAILURE),
        ({"coding": [{"system": ICD_WHO, "code": "N18.4"}]}, Concept.RENAL_DISEASE),
    ],
)
def test_who_icd10_is_accepted(code: dict[str, Any], expected: Concept) -> None:
    assert expected in concepts(record_of(condition(code)))


def test_code_text_only_condition_maps_by_text() -> None:
    record = record_of(condition({"text": "May-Thurner syndrome"}))
    assert Concept.ILIAC_COMPRESSION in concepts(record)


def test_code_text_only_leg_swelling() -> None:
    record = record_of(condition({"text": "Left leg swelling"}))
    assert [s.side for s in record.swellings] == [Side.LEFT]


@pytest.mark.parametrize("category", ["encounter-diagnosis", "problem-list-item", "health-concern"])
def test_condition_category_does_not_change_mapping(category: str) -> None:
    cat = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": category}]}]
    record = record_of(condition({"coding": [{"system": ICD, "code": "R22.42"}]}, category=cat))
    assert [s.side for s in record.swellings] == [Side.LEFT]


def _status(code: str, kind: str) -> dict[str, Any]:
    system = f"http://terminology.hl7.org/CodeSystem/condition-{kind}"
    return {"coding": [{"system": system, "code": code}]}


@pytest.mark.parametrize(
    ("extra", "active", "present"),
    [
        ({}, True, True),  # clinicalStatus and verificationStatus missing
        ({"clinicalStatus": _status("active", "clinical")}, True, True),
        ({"abatementDateTime": "2026-11-10"}, False, True),
        ({"abatementString": "resolved in clinic"}, False, True),
        ({"clinicalStatus": _status("resolved", "clinical")}, False, True),
        ({"clinicalStatus": _status("remission", "clinical")}, False, True),
        ({"clinicalStatus": _status("active", "clinical"),
          "abatementDateTime": "2026-11-10"}, True, True),  # clinicalStatus wins
        ({"verificationStatus": _status("refuted", "ver-status")}, True, False),
        ({"verificationStatus": _status("entered-in-error", "ver-status")}, True, False),
    ],
)
def test_condition_status_forms(extra: dict[str, Any], active: bool, present: bool) -> None:
    record = record_of(condition({"coding": [{"system": ICD, "code": "I82.412"}]}, **extra))
    dvt = [d for d in record.diagnoses if d.concept is Concept.DVT]
    assert bool(dvt) is present
    if present:
        assert dvt[0].active is active


@pytest.mark.parametrize("code", ["provisional", "differential", "unconfirmed"])
def test_suspected_verification(code: str) -> None:
    record = record_of(condition({"coding": [{"system": ICD, "code": "I82.412"}]},
                                 verificationStatus=_status(code, "ver-status")))
    assert [d.suspected for d in record.diagnoses if d.concept is Concept.DVT] == [True]


# ---------------------------------------------------------------- laterality forms


@pytest.mark.parametrize(
    ("body_site", "expected"),
    [
        ([{"coding": [{"system": SCT, "code": "32153003"}]}], Side.LEFT),
        ([{"coding": [{"system": SCT, "code": "62175007"}]}], Side.RIGHT),
        # qualifier as a second coding
        ([{"coding": [{"system": SCT, "code": "61685007"}, {"system": SCT, "code": "7771000"}]}],
         Side.LEFT),
        ([{"coding": [{"system": SCT, "code": "61685007"},
                      {"system": SCT, "code": "51440002"}]}], Side.BILATERAL),
        # qualifier as the standard bodySite extension on the concept
        ([{"coding": [{"system": SCT, "code": "61685007"}],
           "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/bodySite",
                          "valueCodeableConcept": {"coding": [{"system": SCT,
                                                               "code": "24028007"}]}}]}],
         Side.RIGHT),
        # qualifier as an extension on the coding (Cerner)
        ([{"coding": [{"system": SCT, "code": "61685007", "extension": [
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/laterality",
             "valueCoding": {"system": SCT, "code": "7771000"}}]}]}], Side.LEFT),
        # a nested extension (laterality inside a qualifier extension)
        ([{"coding": [{"system": SCT, "code": "61685007"}],
           "extension": [{"url": "http://example.org/qualifier", "extension": [
               {"url": "laterality", "valueCodeableConcept": {"coding": [
                   {"system": SCT, "code": "7771000"}]}}]}]}], Side.LEFT),
        ([{"text": "LLE"}], Side.LEFT),
        ([{"text": "L leg"}], Side.LEFT),
        ([{"text": "right lower extremity"}], Side.RIGHT),
        ([{"coding": [{"system": SCT, "code": "61685007"}]}], Side.UNKNOWN),
    ],
    ids=["left-limb", "right-limb", "2nd-coding", "bilateral-coding", "bodysite-ext",
         "coding-ext", "nested-ext", "LLE", "L-leg", "text-right", "unlateralized"],
)
def test_swelling_laterality_forms(body_site: list[dict[str, Any]], expected: Side) -> None:
    record = record_of(condition({"coding": [{"system": ICD, "code": "R60.0"}]},
                                 bodySite=body_site))
    assert [s.side for s in record.swellings] == [expected]


def test_left_and_right_swelling_records_are_two_sides() -> None:
    record = record_of(
        condition({"coding": [{"system": ICD, "code": "R22.42"}]}),
        condition({"coding": [{"system": ICD, "code": "R22.41"}]}) | {"id": "c2"},
    )
    assert sorted(s.side for s in record.swellings) == [Side.LEFT, Side.RIGHT]


# ---------------------------------------------------------------- Observations: labs, vitals


def lab(code: str, value: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": "o1", "status": "final", "subject": SUBJECT,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": "2026-11-20T08:00:00-05:00",
    }
    if value is not None:
        resource["valueQuantity"] = value
    resource.update(extra)
    return resource


def measured(record: PatientRecord, measure: Measure) -> list[float]:
    return [m.value for m in record.measurements if m.measure is measure]


@pytest.mark.parametrize(
    ("code", "quantity", "measure", "expected"),
    [
        ("29463-7", {"value": 80, "unit": "kg", "system": UCUM, "code": "kg"}, Measure.WEIGHT,
         80.0),
        ("29463-7", {"value": 80000, "unit": "g", "system": UCUM, "code": "g"}, Measure.WEIGHT,
         80.0),
        ("29463-7", {"value": 176.37, "unit": "lb", "system": UCUM, "code": "[lb_av]"},
         Measure.WEIGHT, 80.0),
        ("29463-7", {"value": 176.37, "unit": "lbs"}, Measure.WEIGHT, 80.0),  # unit, no code
        ("777-3", {"value": 35, "unit": "10*3/uL", "system": UCUM, "code": "10*3/uL"},
         Measure.PLATELETS, 35.0),
        ("777-3", {"value": 35, "unit": "10*9/L", "system": UCUM, "code": "10*9/L"},
         Measure.PLATELETS, 35.0),
        ("26515-7", {"value": 35000, "unit": "/uL", "system": UCUM, "code": "/uL"},
         Measure.PLATELETS, 35.0),
        ("777-3", {"value": 35, "unit": "K/uL"}, Measure.PLATELETS, 35.0),
        ("777-3", {"value": 35, "unit": "x10E3/uL"}, Measure.PLATELETS, 35.0),
        ("1751-7", {"value": 34, "unit": "g/L", "system": UCUM, "code": "g/L"},
         Measure.ALBUMIN, 3.4),
        ("1751-7", {"value": 3.4, "unit": "g/dL", "system": UCUM, "code": "g/dL"},
         Measure.ALBUMIN, 3.4),
        ("2160-0", {"value": 88.4, "unit": "umol/L", "system": UCUM, "code": "umol/L"},
         Measure.CREATININE, 1.0),
        ("2160-0", {"value": 1.0, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
         Measure.CREATININE, 1.0),
        ("33914-3", {"value": 45, "unit": "mL/min/{1.73_m2}", "system": UCUM,
                     "code": "mL/min/{1.73_m2}"}, Measure.EGFR, 45.0),
        ("6301-6", {"value": 1.1, "unit": "{INR}", "system": UCUM, "code": "{INR}"},
         Measure.INR, 1.1),
        ("6301-6", {"value": 1.1, "unit": "1", "system": UCUM, "code": "1"}, Measure.INR, 1.1),
    ],
)
def test_lab_units(code: str, quantity: dict[str, Any], measure: Measure,
                   expected: float) -> None:
    values = measured(record_of(lab(code, quantity)), measure)
    assert len(values) == 1
    assert values[0] == pytest.approx(expected, rel=1e-3)


def test_blood_pressure_panel_with_components_vital_signs_category() -> None:
    bp = lab("85354-9", category=[{"coding": [{"system": "http://terminology.hl7.org/"
                                               "CodeSystem/observation-category",
                                               "code": "vital-signs"}]}],
             component=[
                 {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                  "valueQuantity": {"value": 88, "unit": "mmHg", "system": UCUM,
                                    "code": "mm[Hg]"}},
                 {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                  "valueQuantity": {"value": 50, "unit": "mmHg"}},
             ])
    assert measured(record_of(bp), Measure.SYSTOLIC_BP) == [88.0]


@pytest.mark.parametrize(
    ("when", "expected_iso"),
    [
        ({"effectiveDateTime": "2026-11-20"}, "2026-11-20T00:00:00+00:00"),
        ({"effectiveDateTime": "2026-11"}, "2026-11-01T00:00:00+00:00"),
        ({"effectiveDateTime": "2026-11-20T08:00:00+01:00"}, "2026-11-20T07:00:00+00:00"),
        ({"effectiveDateTime": "2026-11-20T08:00:00-05:00"}, "2026-11-20T13:00:00+00:00"),
        ({"effectivePeriod": {"start": "2026-11-20T08:00:00Z", "end": "2026-11-20T09:00:00Z"}},
         "2026-11-20T08:00:00+00:00"),
        ({"issued": "2026-11-21T10:00:00.000Z"}, "2026-11-21T10:00:00+00:00"),
        ({"effectiveInstant": "2026-11-20T08:00:00Z"}, "2026-11-20T08:00:00+00:00"),
    ],
)
def test_observation_dates(when: dict[str, Any], expected_iso: str) -> None:
    resource = lab("29463-7", {"value": 80, "unit": "kg"})
    del resource["effectiveDateTime"]
    resource.update(when)
    found = [m for m in record_of(resource).measurements if m.measure is Measure.WEIGHT]
    assert len(found) == 1
    assert found[0].when is not None
    # the same instant, whatever offset the EHR used
    assert found[0].when == datetime.fromisoformat(expected_iso)
    assert found[0].when.tzinfo is not None


@pytest.mark.parametrize(
    ("value_string", "expected"),
    [("62%", 62.0), ("62 %", 62.0), ("0.62", 62.0), ("72", 72.0)],
)
def test_ivus_stenosis_as_value_string(value_string: str, expected: float) -> None:
    obs = {"resourceType": "Observation", "id": "ivus", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": LOCAL, "code": "ivus-diameter-stenosis"}]},
           "effectiveDateTime": "2026-11-02", "valueString": value_string,
           "bodySite": {"coding": [{"system": SCT, "code": "46027005"},
                                   {"system": SCT, "code": "7771000"}]}}
    found = record_of(obs).ivus_stenoses
    assert [(s.percent, s.side) for s in found] == [(expected, Side.LEFT)]


@pytest.mark.parametrize(
    ("value_string", "expected"),
    [("3.1 g/dL", 3.1), ("3.1", 3.1), ("31 g/L", 3.1)],
)
def test_lab_value_string_numbers(value_string: str, expected: float) -> None:
    found = measured(record_of(lab("1751-7", valueString=value_string)), Measure.ALBUMIN)
    assert found == [pytest.approx(expected)]


@pytest.mark.parametrize("value_string", ["hemolyzed", "see note", "", "3.1-3.4", "3.1 4.2"])
def test_lab_value_string_that_is_not_one_number_is_dropped(value_string: str) -> None:
    assert measured(record_of(lab("1751-7", valueString=value_string)), Measure.ALBUMIN) == []


@pytest.mark.parametrize(("code", "present"), [("NEG", False), ("N", False), ("POS", True)])
def test_swelling_exam_interpretation(code: str, present: bool) -> None:
    obs = {"resourceType": "Observation", "id": "ex", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": SCT, "code": "449614009"}]},
           "effectiveDateTime": "2026-11-20",
           "bodySite": {"coding": [{"system": SCT, "code": "32153003"}]},
           "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                           "v3-ObservationInterpretation", "code": code}]}]}
    assert [s.present for s in record_of(obs).swellings] == [present]


@pytest.mark.parametrize(
    ("code", "value", "measure", "bound", "below"),
    [("33914-3", "<60", Measure.EGFR, 60.0, True),
     ("33914-3", ">60", Measure.EGFR, 60.0, False),
     ("33914-3", ">=90", Measure.EGFR, 90.0, False),
     ("777-3", "<10 K/uL", Measure.PLATELETS, 10.0, True),
     ("33762-6", ">300", Measure.NT_PROBNP, 300.0, False),
     ("1751-7", "<1.5 g/dL", Measure.ALBUMIN, 1.5, True)],
)
@pytest.mark.parametrize("form", ["string", "quantity"])
def test_lab_value_with_comparator_is_just_past_its_bound(
    code: str, value: str, measure: Measure, bound: float, below: bool, form: str
) -> None:
    # eGFR "<60" is renal disease (< 60), ">60" is not; NT-proBNP ">300" is raised (> 300)
    parsed = value.split()
    comparator = parsed[0].rstrip("0123456789.")
    number = float(parsed[0][len(comparator):])
    unit = parsed[1] if len(parsed) > 1 else None
    if form == "string":
        resource = lab(code, valueString=value)
    else:
        resource = lab(code, {"value": number, "comparator": comparator, "unit": unit})
    found = measured(record_of(resource), measure)
    assert len(found) == 1
    assert found[0] == pytest.approx(bound, rel=1e-6)
    assert (found[0] < bound) if below else (found[0] > bound)
    assert f"{found[0]:g}" == f"{bound:g}"  # invisible on a card


# ---------------------------------------------------------------- DiagnosticReport


def report(code: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
            "subject": SUBJECT, "code": code, "effectiveDateTime": "2026-11-20", **extra}


DUPLEX_LEFT = {"coding": [{"system": LOINC, "code": "39432-0"}]}


def test_duplex_conclusion_only() -> None:
    rec = record_of(report(DUPLEX_LEFT, conclusion="No evidence of DVT in the left leg."))
    assert [(i.modality, i.side, i.result) for i in rec.imaging] == [
        (Modality.DUPLEX, Side.LEFT, Result.NEGATIVE)]


def test_duplex_presented_form_base64_text() -> None:
    text = "Occlusive thrombus in the left common femoral vein."
    data = base64.b64encode(text.encode()).decode()
    rec = record_of(report(DUPLEX_LEFT, category=[{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD"}]}],
        presentedForm=[{"contentType": "text/plain; charset=utf-8", "data": data}]))
    assert [i.result for i in rec.imaging] == [Result.POSITIVE]


def test_report_text_in_referenced_result_observation() -> None:
    """Cerner/Epic often carry the impression in a result Observation, not `conclusion`."""
    obs = {"resourceType": "Observation", "id": "imp", "status": "final", "subject": SUBJECT,
           "code": {"text": "Impression"},
           "valueString": "Acute occlusive thrombus in the left femoral vein."}
    rec = record_of(report(DUPLEX_LEFT, result=[{"reference": "Observation/imp"}]), obs)
    assert [i.result for i in rec.imaging] == [Result.POSITIVE]


def test_ivus_percent_in_referenced_observation_of_a_venography_report() -> None:
    obs = {"resourceType": "Observation", "id": "ivus-pct", "status": "final",
           "subject": SUBJECT,
           "code": {"coding": [{"system": LOCAL, "code": "ivus-diameter-stenosis"}]},
           "valueQuantity": {"value": 72, "unit": "%", "system": UCUM, "code": "%"},
           "bodySite": {"coding": [{"system": SCT, "code": "46027005"},
                                   {"system": SCT, "code": "7771000"}]}}
    venography = report({"coding": [{"system": "http://www.ama-assn.org/go/cpt",
                                     "code": "37252"}], "text": "Venography with IVUS"},
                        result=[{"reference": "Observation/ivus-pct"}])
    rec = record_of(venography, obs)
    assert [(s.percent, s.side) for s in rec.ivus_stenoses] == [(72.0, Side.LEFT)]
    # the referenced Observation has no date: it takes the report's
    assert rec.ivus_stenoses[0].when is not None


# ---------------------------------------------------------------- medications


def med_request(concept: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "MedicationRequest", "id": "m1",
                                "status": "active", "intent": "order", "subject": SUBJECT,
                                "authoredOn": "2026-11-20"}
    if concept is not None:
        resource["medicationCodeableConcept"] = concept
    resource.update(extra)
    return resource


@pytest.mark.parametrize(
    ("concept", "ingredient"),
    [
        ({"coding": [{"system": RXNORM, "code": "854228",
                      "display": "enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe"}]},
         "enoxaparin"),
        ({"coding": [{"system": RXNORM, "code": "1364445",
                      "display": "apixaban 5 MG Oral Tablet"}]}, "apixaban"),
        ({"text": "Lovenox 40 mg/0.4 mL syringe"}, "enoxaparin"),
        ({"coding": [{"system": EPIC_LOCAL, "code": "999"}], "text": "ELIQUIS 5 MG PO TABS"},
         "apixaban"),
    ],
)
def test_product_codes_and_brand_text(concept: dict[str, Any], ingredient: str) -> None:
    meds = record_of(med_request(concept)).medications
    assert [(m.ingredient, m.drug_class) for m in meds] == [(ingredient, DrugClass.ANTICOAGULANT)]


def test_contained_medication_reference() -> None:
    resource = med_request(
        medicationReference={"reference": "#med"},
        contained=[{"resourceType": "Medication", "id": "med",
                    "code": {"coding": [{"system": RXNORM, "code": "854228",
                                         "display": "enoxaparin 40 MG in 0.4 ML"}]}}])
    assert [m.ingredient for m in record_of(resource).medications] == ["enoxaparin"]


def test_medication_elsewhere_in_the_record() -> None:
    med = {"resourceType": "Medication", "id": "med9",
           "code": {"coding": [{"system": RXNORM, "code": "1364445"}],
                    "text": "apixaban 5 MG Oral Tablet"}}
    resource = med_request(medicationReference={"reference": "Medication/med9"})
    assert [m.ingredient for m in record_of(med, resource).medications] == ["apixaban"]


ENOX_40 = {"coding": [{"system": RXNORM, "code": "854228",
                       "display": "enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe"}]}


@pytest.mark.parametrize(
    ("dosage", "value", "unit", "per_day"),
    [
        ({"text": "40 mg subcut daily"}, 40.0, "mg", 1.0),
        ({"doseAndRate": [{"doseQuantity": {"value": 40, "unit": "mg", "system": UCUM,
                                            "code": "mg"}}],
          "timing": {"code": {"coding": [{"code": "QD"}]}}}, 40.0, "mg", 1.0),
        ({"doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}],
          "timing": {"code": {"coding": [{"code": "BID"}]}}}, 80.0, "mg", 2.0),
        ({"doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}],
          "timing": {"code": {"text": "Q12H"}}}, 80.0, "mg", 2.0),
        # dose in mL of a 40 mg / 0.4 mL syringe: 0.4 mL = 40 mg, 0.8 mL = 80 mg
        ({"doseAndRate": [{"doseQuantity": {"value": 0.4, "unit": "mL", "system": UCUM,
                                            "code": "mL"}}]}, 40.0, "mg", None),
        ({"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "syringe"}}]}, 40.0, "mg", None),
    ],
    ids=["text", "mg-QD", "mg-BID", "Q12H-text", "mL", "syringe"],
)
def test_enoxaparin_dose_forms(dosage: dict[str, Any], value: float, unit: str,
                               per_day: float | None) -> None:
    meds = record_of(med_request(ENOX_40, dosageInstruction=[dosage])).medications
    assert len(meds) == 1
    dose = meds[0].dose
    assert dose is not None
    assert (dose.value, dose.unit) == (pytest.approx(value), unit)
    if per_day is not None:
        assert dose.per_day == per_day


def test_heparin_units_dose() -> None:
    meds = record_of(med_request(
        {"text": "heparin 5,000 units/mL injection"},
        dosageInstruction=[{"doseAndRate": [{"doseQuantity": {"value": 5000, "unit": "Units",
                                                              "code": "[iU]"}}],
                            "route": {"text": "subcutaneous"}}])).medications
    assert meds[0].dose is not None and (meds[0].dose.value, meds[0].dose.unit) == (5000, "[iU]")


def test_administration_effective_period_and_dose() -> None:
    admin = {"resourceType": "MedicationAdministration", "id": "a1", "status": "completed",
             "subject": SUBJECT, "medicationCodeableConcept": ENOX_40,
             "effectivePeriod": {"start": "2026-11-20T08:00:00Z", "end": "2026-11-20T08:05:00Z"},
             "dosage": {"dose": {"value": 40, "unit": "mg"}}}
    meds = record_of(admin).medications
    assert meds[0].kind is MedicationKind.ADMINISTRATION
    assert meds[0].authored is not None and meds[0].authored.isoformat().startswith(
        "2026-11-20T08:05")
    assert meds[0].dose is not None and meds[0].dose.value == 40


# ---------------------------------------------------------------- procedures, devices


def test_procedure_performed_period_stent() -> None:
    proc = {"resourceType": "Procedure", "id": "pr", "status": "completed", "subject": SUBJECT,
            "code": {"coding": [{"system": "http://www.cms.gov/Medicare/Coding/ICD10",
                                 "code": "067C3DZ"}]},
            "performedPeriod": {"start": "2026-01-05T10:00:00Z", "end": "2026-01-05T12:00:00Z"}}
    stents = record_of(proc).stents
    assert len(stents) == 1 and stents[0].placed is not None


def test_device_type_text_and_udi() -> None:
    device = {"resourceType": "Device", "id": "d1", "status": "active", "patient": SUBJECT,
              "udiCarrier": [{"deviceIdentifier": "00801741123456",
                              "carrierHRF": "(01)00801741123456"}],
              "type": {"text": "Venovo venous stent 14 x 100 mm, left common iliac vein"}}
    stents = record_of(device).stents
    assert [s.side for s in stents] == [Side.LEFT]


# ---------------------------------------------------------------- allergies, patient


@pytest.mark.parametrize(
    ("allergy", "present"),
    [
        ({"code": {"text": "Heparin"}}, True),
        ({"code": {"text": "Enoxaparin"}}, True),
        ({"reaction": [{"substance": {"text": "heparin sodium"},
                        "manifestation": [{"text": "thrombocytopenia"}]}]}, True),
        ({"code": {"text": "Heparin"}, "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            "code": "refuted"}]}}, False),
        ({"code": {"text": "Penicillin"}}, False),
    ],
    ids=["heparin-text", "enoxaparin", "reaction-only", "refuted", "other"],
)
def test_heparin_allergy_forms(allergy: dict[str, Any], present: bool) -> None:
    resource = {"resourceType": "AllergyIntolerance", "id": "al", "patient": SUBJECT, **allergy}
    assert (Concept.HEPARIN_ALLERGY in concepts(record_of(resource))) is present


def test_patient_deceased_and_birthdate_extension() -> None:
    patient = {"resourceType": "Patient", "id": "p1", "gender": "male",
               "birthDate": "1950-03-04",
               "_birthDate": {"extension": [{
                   "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                   "valueDateTime": "1950-03-04T10:15:00-05:00"}]},
               "deceasedDateTime": "2026-11-01"}
    record = map_record([patient], patient_id="p1")
    assert record.patient.deceased is True
    assert record.patient.birth_date is not None and record.patient.birth_date.year == 1950


def test_whole_leg_extent_by_thigh_body_site() -> None:
    record = record_of(condition({"coding": [{"system": SCT, "code": "449614009"}]},
                                 bodySite=[{"coding": [{"system": SCT, "code": "68367000"}],
                                            "text": "left thigh"}]))
    assert [(s.side, s.extent) for s in record.swellings] == [(Side.LEFT, Extent.WHOLE_LEG)]


@pytest.mark.parametrize(
    ("product", "millilitres", "value", "unit"),
    [
        ("enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe", 0.8, 80.0, "mg"),
        ("0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe", 0.4, 40.0, "mg"),
        ("enoxaparin 300 MG/3 ML vial", 1.0, 100.0, "mg"),
        ("heparin sodium 5,000 UNT/ML Injectable Solution", 1.0, 5000.0, "[iU]"),
    ],
)
def test_dose_in_millilitres_uses_product_concentration(product: str, millilitres: float,
                                                        value: float, unit: str) -> None:
    dosage = {"doseAndRate": [{"doseQuantity": {"value": millilitres, "unit": "mL"}}]}
    meds = record_of(med_request({"text": product}, dosageInstruction=[dosage])).medications
    assert meds[0].dose is not None
    assert (meds[0].dose.value, meds[0].dose.unit) == (pytest.approx(value), unit)


def test_dose_in_millilitres_without_a_concentration_stays_unknown() -> None:
    # "dose cannot be read" is the guideline's conservative case; never guess a strength
    dosage = {"doseAndRate": [{"doseQuantity": {"value": 0.4, "unit": "mL"}}]}
    meds = record_of(med_request({"text": "Lovenox injection"},
                                 dosageInstruction=[dosage])).medications
    assert [m.ingredient for m in meds] == ["enoxaparin"]
    assert meds[0].dose is None


def test_timing_repeat_twice_a_day() -> None:
    dosage = {"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "mg/kg"}}],
              "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}}
    meds = record_of(med_request(ENOX_40, dosageInstruction=[dosage])).medications
    assert meds[0].dose is not None and meds[0].dose.per_day == 2.0


@pytest.mark.parametrize("status", ["on-hold", "stopped", "completed", "entered-in-error"])
def test_non_current_request_status_is_not_a_current_medication(status: str) -> None:
    meds = record_of(med_request(ENOX_40, status=status)).medications
    assert all(not m.status_active for m in meds)


def test_medication_statement_active() -> None:
    statement = {"resourceType": "MedicationStatement", "id": "s1", "status": "active",
                 "subject": SUBJECT, "medicationCodeableConcept": {"text": "Xarelto 20 mg"},
                 "effectiveDateTime": "2026-10-01"}
    meds = record_of(statement).medications
    assert [(m.ingredient, m.kind) for m in meds] == [("rivaroxaban", MedicationKind.STATEMENT)]


@pytest.mark.parametrize(
    "value",
    [{"valueBoolean": False},
     {"valueCodeableConcept": {"coding": [{"system": SCT, "code": "2667000"}]}},
     {"valueCodeableConcept": {"coding": [{"system": SCT, "code": "260385009"}]}},
     {"valueString": "no edema"}],
    ids=["boolean", "absent", "negative", "text"],
)
def test_negative_swelling_exam_forms(value: dict[str, Any]) -> None:
    obs = {"resourceType": "Observation", "id": "ex", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": SCT, "code": "102572006"}]},
           "effectiveDateTime": "2026-11-20", **value}
    assert [s.present for s in record_of(obs).swellings] == [False]


@pytest.mark.parametrize(("text", "present"), [
    ("Scrotal edema", True), ("Scrotal hydrocele", False)])
def test_scrotal_code_gated_by_edema_text(text: str, present: bool) -> None:
    code = {"coding": [{"system": ICD, "code": "N50.89", "display": text}]}
    assert (Concept.SCROTAL_EDEMA in concepts(record_of(condition(code)))) is present


def test_who_icd10_code_has_no_cm_laterality_but_bodysite_gives_it() -> None:
    record = record_of(condition({"coding": [{"system": ICD_WHO, "code": "I87.1"}]},
                                 bodySite=[{"text": "left common iliac vein"}]))
    compression = [d for d in record.diagnoses if d.concept is Concept.ILIAC_COMPRESSION]
    assert [d.side for d in compression] == [Side.LEFT]


# ---------------------------------------------------------------- imaging named only by text


def text_report(name: str, conclusion: str = "No DVT.") -> dict[str, Any]:
    # Epic EAP / Cerner orderable: a local code and the procedure name
    return report({"coding": [{"system": EPIC_LOCAL, "code": "IMG1"}], "text": name},
                  conclusion=conclusion)


@pytest.mark.parametrize(
    ("name", "modality", "side"),
    [
        ("VAS LOWER EXTREMITY VENOUS DUPLEX LEFT", Modality.DUPLEX, Side.LEFT),
        ("US DOPPLER VENOUS LEG LEFT", Modality.DUPLEX, Side.LEFT),
        ("US VENOUS LOWER EXTREMITY RIGHT", Modality.DUPLEX, Side.RIGHT),
        ("CT ABDOMEN PELVIS W IV CONTRAST", Modality.CONTRAST_CT_MRI, Side.UNKNOWN),
        ("CT ABD/PELVIS WITH CONTRAST", Modality.CONTRAST_CT_MRI, Side.UNKNOWN),
        ("MRI PELVIS W WO CONTRAST", Modality.CONTRAST_CT_MRI, Side.UNKNOWN),
        ("MR pelvis with and without gadolinium", Modality.CONTRAST_CT_MRI, Side.UNKNOWN),
        ("Contrast-enhanced CT of the abdomen and pelvis", Modality.CONTRAST_CT_MRI,
         Side.UNKNOWN),
        ("CTV PELVIS", Modality.CT_VENOGRAPHY, Side.UNKNOWN),
        ("MR VENOGRAM PELVIS", Modality.MR_VENOGRAPHY, Side.UNKNOWN),
    ],
)
def test_imaging_named_by_procedure_text(name: str, modality: Modality, side: Side) -> None:
    studies = record_of(text_report(name)).imaging
    assert [(i.modality, i.side) for i in studies] == [(modality, side)]


@pytest.mark.parametrize(
    "name",
    [
        "CT PELVIS WO CONTRAST", "CT ABDOMEN PELVIS WITHOUT IV CONTRAST",
        "CT ABD PELVIS W/O CONTRAST", "CTA ABDOMEN PELVIS W CONTRAST", "CT CHEST W CONTRAST",
        "CT ABDOMEN PELVIS",
    ],
)
def test_non_contrast_or_non_pelvic_ct_is_not_mass_characterization(name: str) -> None:
    assert record_of(text_report(name)).imaging == ()


@pytest.mark.parametrize(
    "name",
    [
        "US VENOUS DUPLEX UPPER EXTREMITY LEFT", "US DOPPLER VENOUS ARM LEFT",
        "Venous duplex left upper extremity", "Renal venous doppler",
        "IR VENOGRAM LEFT ARM FISTULA",
    ],
)
def test_non_leg_venous_study_never_counts_as_a_leg_study(name: str) -> None:
    # a negative arm duplex must not exclude DVT in the left leg
    assert record_of(text_report(name)).imaging == ()


def test_cpt_extremity_duplex_of_the_arm_is_not_a_leg_study() -> None:
    # CPT 93971 covers upper and lower extremity veins
    cpt = {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "93971"}],
           "text": "Duplex scan extremity veins, left upper extremity"}
    assert record_of(report(cpt, conclusion="No DVT.")).imaging == ()
    leg = {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "93971"}],
           "text": "Duplex scan extremity veins, left lower extremity"}
    assert [i.result for i in record_of(report(leg, conclusion="No DVT.")).imaging] == [
        Result.NEGATIVE]


@pytest.mark.parametrize(("code", "ingredient"), [("854228", "enoxaparin"),
                                                  ("1364445", "apixaban")])
def test_bare_rxnorm_product_code_without_display(code: str, ingredient: str) -> None:
    concept = {"coding": [{"system": RXNORM, "code": code}]}
    meds = record_of(med_request(concept)).medications
    assert [(m.ingredient, m.drug_class) for m in meds] == [(ingredient, DrugClass.ANTICOAGULANT)]


def test_bare_enoxaparin_product_code_dosed_in_syringes_reads_its_strength() -> None:
    concept = {"coding": [{"system": RXNORM, "code": "854228"}]}
    dosage = {"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "syringe"}}],
              "timing": {"code": {"text": "daily"}}}
    meds = record_of(med_request(concept, dosageInstruction=[dosage])).medications
    assert meds[0].dose is not None and (meds[0].dose.value, meds[0].dose.unit) == (40.0, "mg")


def test_unknown_bare_product_code_is_not_guessed() -> None:
    concept = {"coding": [{"system": RXNORM, "code": "999999999"}]}
    assert record_of(med_request(concept)).medications == ()


@pytest.mark.parametrize(
    ("content_type", "body", "result"),
    [
        ("text/html", "<html><body><p>IMPRESSION:</p><p>Occlusive thrombus in the left "
                      "CFV&nbsp;and femoral vein.</p></body></html>", Result.POSITIVE),
        ("text/html; charset=UTF-8", "<div>Impression</div><div>No evidence of DVT.</div>",
         Result.NEGATIVE),
        ("application/pdf", "%PDF-1.4 thrombus", Result.UNKNOWN),
    ],
)
def test_presented_form_html_is_read_as_text(content_type: str, body: str,
                                             result: Result) -> None:
    data = base64.b64encode(body.encode()).decode()
    rec = record_of(report(DUPLEX_LEFT, presentedForm=[{"contentType": content_type,
                                                        "data": data}]))
    assert [i.result for i in rec.imaging] == [result]


def test_ivus_percent_in_a_locally_coded_result_observation() -> None:
    """Epic: the IVUS report's measurement is a result component with a local code."""
    obs = {"resourceType": "Observation", "id": "pct", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": EPIC_LOCAL, "code": "IVUS-PCT"}],
                    "text": "Left CIV diameter stenosis"},
           "valueQuantity": {"value": 72, "unit": "%"}}
    venography = report({"coding": [{"system": "http://www.ama-assn.org/go/cpt",
                                     "code": "37252"}], "text": "Venography with IVUS"},
                        result=[{"reference": "Observation/pct"}])
    rec = record_of(venography, obs)
    assert [(s.percent, s.side, s.area) for s in rec.ivus_stenoses] == [(72.0, Side.LEFT, False)]


def test_duplex_result_observation_with_coded_value() -> None:
    obs = {"resourceType": "Observation", "id": "cfv", "status": "final", "subject": SUBJECT,
           "code": {"text": "Left common femoral vein"},
           "valueCodeableConcept": {"text": "Non-compressible, occlusive thrombus"}}
    rec = record_of(report(DUPLEX_LEFT, result=[{"reference": "Observation/cfv"}]), obs)
    assert [i.result for i in rec.imaging] == [Result.POSITIVE]


def test_result_observation_with_project_local_code_is_not_counted_twice() -> None:
    obs = {"resourceType": "Observation", "id": "ivus-pct", "status": "final",
           "subject": SUBJECT, "effectiveDateTime": "2026-11-20",
           "code": {"coding": [{"system": LOCAL, "code": "ivus-diameter-stenosis"}],
                    "text": "IVUS diameter stenosis"},
           "valueQuantity": {"value": 72, "unit": "%"}}
    venography = report({"text": "Venography with IVUS"},
                        result=[{"reference": "Observation/ivus-pct"}])
    assert len(record_of(venography, obs).ivus_stenoses) == 1


def test_lab_panel_results_do_not_make_a_report_relevant() -> None:
    obs = {"resourceType": "Observation", "id": "hb", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": LOINC, "code": "718-7"}], "text": "Hemoglobin"},
           "valueQuantity": {"value": 12, "unit": "g/dL"}}
    panel = report({"coding": [{"system": LOINC, "code": "58410-2"}], "text": "CBC panel"},
                   result=[{"reference": "Observation/hb"}])
    assert record_of(panel, obs).imaging == ()


def test_undated_lab_result_takes_its_panel_date() -> None:
    obs = {"resourceType": "Observation", "id": "plt", "status": "final", "subject": SUBJECT,
           "code": {"coding": [{"system": LOINC, "code": "777-3"}]},
           "valueQuantity": {"value": 40, "unit": "10*3/uL"}}
    panel = report({"coding": [{"system": LOINC, "code": "58410-2"}]},
                   result=[{"reference": "Observation/plt"}])
    found = [m for m in record_of(panel, obs).measurements if m.measure is Measure.PLATELETS]
    assert [(m.value, m.when) for m in found] == [(40.0, datetime.fromisoformat(
        "2026-11-20T00:00:00+00:00"))]
    assert "effectiveDateTime" not in obs  # the caller's resource is not changed


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("2026-11-20T08:00:00", "2026-11-20T08:00:00+00:00"),  # no offset: UTC
        ("2026-11-20T08:00", "2026-11-20T08:00:00+00:00"),  # no seconds, no offset
        ("2026-11-20T08:00Z", "2026-11-20T08:00:00+00:00"),  # no seconds
        ("2026-11-20T08:00:00.123", "2026-11-20T08:00:00.123000+00:00"),
        ("2026-11-20T08:00:00-05:00", "2026-11-20T13:00:00+00:00"),  # valid: unchanged
    ],
)
def test_loose_datetimes_do_not_drop_the_resource(sent: str, expected: str) -> None:
    """A DVT whose onset has no offset must not vanish because the dateTime is not valid FHIR."""
    record = record_of(condition({"coding": [{"system": ICD, "code": "I82.412"}]},
                                 onsetDateTime=sent))
    dvt = [d for d in record.diagnoses if d.concept is Concept.DVT]
    assert len(dvt) == 1
    assert dvt[0].onset == datetime.fromisoformat(expected)


def test_loose_period_start_in_an_observation() -> None:
    resource = lab("29463-7", {"value": 80, "unit": "kg"})
    del resource["effectiveDateTime"]
    resource["effectivePeriod"] = {"start": "2026-11-20T08:00", "end": "2026-11-20T09:00"}
    found = measured(record_of(resource), Measure.WEIGHT)
    assert found == [80.0]
