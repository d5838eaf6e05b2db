"""Medication records -> Medication findings: ingredients, classes, status, dose, references."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import Dose, DrugClass, Medication, MedicationKind
from fhir_mapping import medications
from fhir_mapping.medications import medication_findings
from fhir_mapping.medications.dose_text import product_strength

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"


def request(
    concept: dict[str, Any] | None = None,
    *,
    status: str = "active",
    dosage: dict[str, Any] | None = None,
    resource_type: str = "MedicationRequest",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": resource_type,
        "id": "m1",
        "status": status,
        "subject": {"reference": "Patient/p1"},
    }
    if resource_type == "MedicationRequest":
        resource["intent"] = "order"
    if concept is not None:
        resource["medicationCodeableConcept"] = concept
    if dosage is not None:
        if resource_type == "MedicationRequest":
            resource["dosageInstruction"] = [dosage]
        elif resource_type == "MedicationStatement":
            resource["dosage"] = [dosage]
        else:
            resource["dosage"] = dosage
    resource.update(extra)
    return resource


def rx(code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": RXNORM, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def only(resource: dict[str, Any], index: dict[str, Any] | None = None) -> Medication:
    assert medications.relevant(resource)
    (found,) = medication_findings(resource, index)
    return found


INGREDIENT_CODES = [
    ("67108", "enoxaparin", DrugClass.ANTICOAGULANT),
    ("67109", "dalteparin", DrugClass.ANTICOAGULANT),
    ("69646", "tinzaparin", DrugClass.ANTICOAGULANT),
    ("5224", "heparin", DrugClass.ANTICOAGULANT),
    ("321208", "fondaparinux", DrugClass.ANTICOAGULANT),
    ("11289", "warfarin", DrugClass.ANTICOAGULANT),
    ("1364430", "apixaban", DrugClass.ANTICOAGULANT),
    ("1114195", "rivaroxaban", DrugClass.ANTICOAGULANT),
    ("1599538", "edoxaban", DrugClass.ANTICOAGULANT),
    ("1037042", "dabigatran", DrugClass.ANTICOAGULANT),
    ("1191", "aspirin", DrugClass.ANTIPLATELET),
    ("32968", "clopidogrel", DrugClass.ANTIPLATELET),
    ("1116632", "ticagrelor", DrugClass.ANTIPLATELET),
    ("613391", "prasugrel", DrugClass.ANTIPLATELET),
    ("8410", "alteplase", DrugClass.THROMBOLYTIC),
    ("17767", "amlodipine", DrugClass.EDEMA_CAUSING),
    ("7417", "nifedipine", DrugClass.EDEMA_CAUSING),
    ("4316", "felodipine", DrugClass.EDEMA_CAUSING),
    ("33738", "pioglitazone", DrugClass.EDEMA_CAUSING),
    ("84108", "rosiglitazone", DrugClass.EDEMA_CAUSING),
    ("25480", "gabapentin", DrugClass.EDEMA_CAUSING),
    ("187832", "pregabalin", DrugClass.EDEMA_CAUSING),
    ("5640", "ibuprofen", DrugClass.EDEMA_CAUSING),
    ("7258", "naproxen", DrugClass.EDEMA_CAUSING),
    ("3355", "diclofenac", DrugClass.EDEMA_CAUSING),
    ("140587", "celecoxib", DrugClass.EDEMA_CAUSING),
    ("8640", "prednisone", DrugClass.EDEMA_CAUSING),
    ("8638", "prednisolone", DrugClass.EDEMA_CAUSING),
    ("3264", "dexamethasone", DrugClass.EDEMA_CAUSING),
    ("6984", "minoxidil", DrugClass.EDEMA_CAUSING),
]


@pytest.mark.parametrize(("code", "ingredient", "drug_class"), INGREDIENT_CODES)
def test_rxnorm_ingredient_codes(code: str, ingredient: str, drug_class: DrugClass) -> None:
    found = only(request(rx(code)))
    assert (found.ingredient, found.drug_class) == (ingredient, drug_class)


@pytest.mark.parametrize(("code", "ingredient", "drug_class"), INGREDIENT_CODES)
def test_product_codes_by_display_name(code: str, ingredient: str, drug_class: DrugClass) -> None:
    # An SCD code that is not in the value set: the ingredient comes from the display.
    concept = rx("999999", f"{ingredient.upper()} 10 MG Oral Tablet")
    found = only(request(concept))
    assert (found.ingredient, found.drug_class) == (ingredient, drug_class)


@pytest.mark.parametrize(
    ("text", "ingredient"),
    [
        ("Lovenox 40 mg/0.4 mL", "enoxaparin"),
        ("Fragmin", "dalteparin"),
        ("Eliquis 5 MG Oral Tablet", "apixaban"),
        ("Xarelto", "rivaroxaban"),
        ("Coumadin", "warfarin"),
        ("Jantoven 5 mg", "warfarin"),
        ("Pradaxa", "dabigatran"),
        ("Savaysa", "edoxaban"),
        ("Arixtra", "fondaparinux"),
        ("argatroban infusion", "argatroban"),
        ("Bivalirudin", "bivalirudin"),
        ("tenecteplase", "tenecteplase"),
        ("Urokinase", "urokinase"),
        ("Plavix", "clopidogrel"),
    ],
)
def test_brand_and_text_names(text: str, ingredient: str) -> None:
    assert only(request({"text": text})).ingredient == ingredient


def test_combination_product_yields_one_finding_per_ingredient_without_dose() -> None:
    concept = rx("999", "aspirin 81 MG / clopidogrel 75 MG Oral Tablet")
    found = medication_findings(request(concept, dosage={"text": "1 tablet daily"}))
    assert [m.ingredient for m in found] == ["aspirin", "clopidogrel"]
    assert all(m.dose is None for m in found)


def test_unrelated_medication_is_not_relevant() -> None:
    assert not medications.relevant(request(rx("197361", "Metformin 500 MG Oral Tablet")))
    assert medication_findings(request(rx("197361", "Metformin 500 MG"))) == []


def test_whole_words_only() -> None:
    assert not medications.relevant(request({"text": "nasal saline spray"}))


# ---------------------------------------------------------------- status and kind


@pytest.mark.parametrize(
    ("resource_type", "status", "kind", "active"),
    [
        ("MedicationRequest", "active", MedicationKind.REQUEST, True),
        ("MedicationRequest", "on-hold", MedicationKind.REQUEST, False),
        ("MedicationRequest", "stopped", MedicationKind.REQUEST, False),
        ("MedicationRequest", "completed", MedicationKind.REQUEST, False),
        ("MedicationStatement", "active", MedicationKind.STATEMENT, True),
        ("MedicationStatement", "completed", MedicationKind.STATEMENT, False),
        ("MedicationAdministration", "completed", MedicationKind.ADMINISTRATION, True),
        ("MedicationAdministration", "in-progress", MedicationKind.ADMINISTRATION, True),
        ("MedicationAdministration", "stopped", MedicationKind.ADMINISTRATION, False),
    ],
)
def test_status_and_kind(resource_type: str, status: str, kind: MedicationKind,
                         active: bool) -> None:
    extra: dict[str, Any] = {}
    if resource_type == "MedicationAdministration":
        extra["effectiveDateTime"] = "2026-11-26T08:00:00Z"
    resource = request(rx("1364430"), status=status, resource_type=resource_type, **extra)
    (found,) = medication_findings(resource)
    assert (found.kind, found.status_active) == (kind, active)
    # In a record, records that can never be current are skipped before validation.
    assert medications.may_be_current(resource) is active


@pytest.mark.parametrize(
    ("resource_type", "status"),
    [("MedicationRequest", "entered-in-error"), ("MedicationStatement", "not-taken"),
     ("MedicationAdministration", "not-done"), ("MedicationRequest", "cancelled")],
)
def test_void_records_yield_nothing(resource_type: str, status: str) -> None:
    extra: dict[str, Any] = {}
    if resource_type == "MedicationAdministration":
        extra["effectiveDateTime"] = "2026-11-26T08:00:00Z"
    resource = request(rx("1364430"), status=status, resource_type=resource_type, **extra)
    assert medication_findings(resource) == []


def test_dates() -> None:
    found = only(request(rx("1364430"), authoredOn="2026-01-05",
                         dispenseRequest={"validityPeriod": {"end": "2027-01-05"}}))
    assert found.authored == datetime(2026, 1, 5, tzinfo=UTC)
    assert found.valid_until == datetime(2027, 1, 5, tzinfo=UTC)
    statement = only(request(rx("1364430"), resource_type="MedicationStatement",
                             dateAsserted="2026-02-01"))
    assert statement.authored == datetime(2026, 2, 1, tzinfo=UTC)
    given = only(request(rx("67108"), status="completed",
                         resource_type="MedicationAdministration",
                         effectivePeriod={"start": "2026-11-26T08:00:00Z",
                                          "end": "2026-11-26T09:00:00Z"}))
    assert given.authored == datetime(2026, 11, 26, 9, tzinfo=UTC)
    assert given.source.refs == ("MedicationAdministration/m1",)


# ---------------------------------------------------------------- dose


def dose_of(dosage: dict[str, Any], code: str = "67108") -> Dose | None:
    return only(request(rx(code), dosage=dosage)).dose


def dose_quantity(value: float, unit: str, code: str | None = None) -> dict[str, Any]:
    return {"doseAndRate": [{"doseQuantity": {"value": value, "unit": unit,
                                              "system": "http://unitsofmeasure.org",
                                              "code": code or unit}}]}


@pytest.mark.parametrize(
    ("quantity", "value", "unit"),
    [
        (dose_quantity(40, "mg"), 40.0, "mg"),
        (dose_quantity(1, "g"), 1000.0, "mg"),
        (dose_quantity(500, "ug"), 0.5, "mg"),
        (dose_quantity(5000, "[iU]"), 5000.0, "[iU]"),
        (dose_quantity(5000, "IU", "IU"), 5000.0, "[iU]"),
        (dose_quantity(5000, "units", "units"), 5000.0, "[iU]"),
        (dose_quantity(1, "mg/kg"), 1.0, "mg/kg"),
        (dose_quantity(100, "[iU]/kg"), 100.0, "[iU]/kg"),
        ({"doseAndRate": [{"doseRange": {"low": {"value": 60, "unit": "mg"},
                                         "high": {"value": 80, "unit": "mg"}}}]}, 60.0, "mg"),
    ],
)
def test_structured_dose_units(quantity: dict[str, Any], value: float, unit: str) -> None:
    dose = dose_of(quantity)
    assert dose is not None
    assert (dose.value, dose.unit) == (value, unit)


def test_unknown_unit_is_unreadable() -> None:
    assert dose_of(dose_quantity(0.4, "mL")) is None


@pytest.mark.parametrize(
    ("timing", "per_day"),
    [
        ({"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}, 1.0),
        ({"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}, 2.0),
        ({"repeat": {"frequency": 1, "period": 12, "periodUnit": "h"}}, 2.0),
        ({"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}}, 3.0),
        ({"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
                               "code": "BID"}]}}, 2.0),
        ({"code": {"text": "q12h"}}, 2.0),
        ({"code": {"text": "daily"}}, 1.0),
        ({"code": {"coding": [{"code": "TID"}]}}, 3.0),
    ],
)
def test_per_day_from_timing(timing: dict[str, Any], per_day: float) -> None:
    dosage = {**dose_quantity(1, "mg/kg"), "timing": timing}
    dose = dose_of(dosage)
    assert dose is not None and dose.per_day == per_day


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ({"coding": [{"system": SNOMED, "code": "34206005"}]}, "subcutaneous"),
        ({"coding": [{"system": SNOMED, "code": "47625008"}]}, "intravenous"),
        ({"coding": [{"system": SNOMED, "code": "26643006"}]}, "oral"),
        ({"text": "SubQ"}, "subcutaneous"),
        ({"text": "IV"}, "intravenous"),
    ],
)
def test_route(route: dict[str, Any], expected: str) -> None:
    dose = dose_of({**dose_quantity(5000, "[iU]"), "route": route}, code="5224")
    assert dose is not None and dose.route == expected


@pytest.mark.parametrize(
    ("text", "value", "unit", "per_day", "route"),
    [
        ("40 mg daily", 40.0, "mg", 1.0, ""),
        ("1 mg/kg q12h", 1.0, "mg/kg", 2.0, ""),
        ("enoxaparin 1.5 mg/kg SC once daily", 1.5, "mg/kg", 1.0, "subcutaneous"),
        ("5,000 units subcutaneously every 8 hours", 5000.0, "[iU]", 3.0, "subcutaneous"),
        ("80 mg BID", 80.0, "mg", 2.0, ""),
        ("18 units/kg/h IV infusion", 18.0, "[iU]/kg", None, "intravenous"),
    ],
)
def test_dose_from_text(text: str, value: float, unit: str, per_day: float | None,
                        route: str) -> None:
    dose = dose_of({"text": text})
    assert dose == Dose(value=value, unit=unit, per_day=per_day, route=route)


def test_unreadable_dose_is_none() -> None:
    assert dose_of({"text": "as directed"}) is None
    assert only(request(rx("67108"))).dose is None


def test_administration_dose() -> None:
    resource = request(rx("67108"), status="completed", resource_type="MedicationAdministration",
                       effectiveDateTime="2026-11-26T08:00:00Z",
                       dosage={"dose": {"value": 80, "unit": "mg"},
                               "route": {"coding": [{"system": SNOMED, "code": "34206005"}]}})
    dose = only(resource).dose
    assert dose is not None and (dose.value, dose.unit, dose.route) == (80.0, "mg",
                                                                        "subcutaneous")


# ---------------------------------------------------------------- medicationReference


def medication(mid: str, code: str, display: str = "") -> dict[str, Any]:
    return {"resourceType": "Medication", "id": mid, "code": rx(code, display)}


def test_reference_to_contained_medication() -> None:
    resource = request(medicationReference={"reference": "#med1"},
                       contained=[medication("med1", "999", "Eliquis 5 mg tablet")])
    assert only(resource).ingredient == "apixaban"


def test_reference_to_medication_elsewhere_in_record() -> None:
    resource = request(medicationReference={"reference": "Medication/abc"})
    index = {"Medication/abc": medication("abc", "67108")}
    assert only(resource, index).ingredient == "enoxaparin"
    absolute = request(medicationReference={"reference": "https://ehr.example/fhir/Medication/abc"})
    assert only(absolute, index).ingredient == "enoxaparin"


def test_reference_ingredients_and_display() -> None:
    med = {"resourceType": "Medication", "id": "x", "code": {"text": "Compounded syringe"},
           "ingredient": [{"itemCodeableConcept": rx("5224")}]}
    resource = request(medicationReference={"reference": "Medication/x"})
    assert only(resource, {"Medication/x": med}).ingredient == "heparin"
    by_display = request(medicationReference={"reference": "Medication/missing",
                                              "display": "Xarelto 20 mg"})
    assert only(by_display).ingredient == "rivaroxaban"


def test_unresolvable_reference_yields_nothing() -> None:
    assert medication_findings(request(medicationReference={"reference": "Medication/zz"})) == []


def test_invalid_resource_is_skipped() -> None:
    resource = request(rx("67108"), authoredOn="yesterday")
    assert medication_findings(resource) == []


# ---------------------------------------------------------------- product strength


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe", (40.0, "mg")),
        ("1 ML Enoxaparin sodium 150 MG/ML Prefilled Syringe", (150.0, "mg")),
        ("enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe", (40.0, "mg")),
        ("Lovenox 80 mg/0.8 mL", (80.0, "mg")),
        ("0.2 ML dalteparin sodium 25000 UNT/ML Prefilled Syringe", (5000.0, "[iU]")),
        ("Warfarin Sodium 5 MG Oral Tablet", (5.0, "mg")),
        ("aspirin 81 MG / clopidogrel 75 MG Oral Tablet", None),
        ("Heparin sodium 5,000 UNT/ML Injectable Solution", None),
        ("Eliquis", None),
    ],
)
def test_product_strength(name: str, expected: tuple[float, str] | None) -> None:
    assert product_strength(name) == expected


def test_product_units_times_strength() -> None:
    concept = rx("854235", "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe")
    dosage = {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
              "doseAndRate": [{"doseQuantity": {"value": 1.0}}]}
    dose = only(request(concept, dosage=dosage)).dose
    assert dose == Dose(value=40.0, unit="mg", per_day=1.0)
    two = {"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "syringe"}}]}
    dose = only(request(concept, dosage=two)).dose
    assert dose is not None and dose.value == 80.0


def test_administration_without_dosage_is_one_product_unit() -> None:
    concept = rx("854235", "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe")
    resource = request(concept, status="completed", resource_type="MedicationAdministration",
                       effectiveDateTime="2020-03-03T04:10:20+01:00")
    assert only(resource).dose == Dose(value=40.0, unit="mg")


def test_request_without_dosage_has_no_dose_even_with_a_strength() -> None:
    concept = rx("854235", "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe")
    assert only(request(concept)).dose is None
