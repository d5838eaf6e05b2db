"""derive_state: contraindications, therapeutic anticoagulation, medication currency, weight."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import (
    AS_OF,
    days_ago,
    diagnosis,
    dvt,
    measurement,
    medication,
    record,
    state_of,
)

from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    DrugClass,
    Measure,
    Medication,
    MedicationKind,
    Side,
)

# ---------------------------------------------------------------- contraindications


@pytest.mark.parametrize(("days", "contraindicated"), [(30, True), (31, False)])
def test_major_bleeding_within_30_days(days: int, contraindicated: bool) -> None:
    state = state_of(record(diagnoses=[diagnosis(Concept.MAJOR_BLEEDING, days=days)]))
    assert state.anticoagulation_contraindicated is contraindicated


def test_resolved_major_bleeding_and_minor_bleeding_do_not_contraindicate() -> None:
    resolved = diagnosis(Concept.MAJOR_BLEEDING, days=3, active=False)
    minor = diagnosis(Concept.MINOR_BLEEDING, days=3)
    state = state_of(record(diagnoses=[resolved, minor]))
    assert state.anticoagulation_contraindicated is False
    assert len(state.minor_bleeding) == 1


def test_undated_active_major_bleeding_contraindicates() -> None:
    state = state_of(record(diagnoses=[diagnosis(Concept.MAJOR_BLEEDING, days=None)]))
    assert state.anticoagulation_contraindicated is True


@pytest.mark.parametrize(("value", "contraindicated"), [(49, True), (49.9, True), (50, False)])
def test_platelets_below_50(value: float, contraindicated: bool) -> None:
    state = state_of(record(measurements=[measurement(Measure.PLATELETS, value, 2)]))
    assert state.anticoagulation_contraindicated is contraindicated


@pytest.mark.parametrize(("days", "contraindicated"), [(7, True), (8, False)])
def test_platelets_count_within_7_days(days: int, contraindicated: bool) -> None:
    state = state_of(record(measurements=[measurement(Measure.PLATELETS, 30, days)]))
    assert state.anticoagulation_contraindicated is contraindicated


def test_latest_platelet_count_wins() -> None:
    recovered = [measurement(Measure.PLATELETS, 30, 4), measurement(Measure.PLATELETS, 120, 1)]
    assert state_of(record(measurements=recovered)).anticoagulation_contraindicated is False
    fallen = [measurement(Measure.PLATELETS, 120, 4), measurement(Measure.PLATELETS, 30, 1)]
    state = state_of(record(measurements=fallen))
    assert state.anticoagulation_contraindicated is True
    assert state.contraindications[0].text == "Platelets 30 x10^9/L"


@pytest.mark.parametrize(
    ("finding", "contraindicated"),
    [
        (diagnosis(Concept.HIT, days=900), True),
        (diagnosis(Concept.HIT, days=200, active=False), True),
        (replace(diagnosis(Concept.HIT, active=False), recorded=days_ago(365)), True),
        # Catalog v2.2: HIT "recorded at any time" (the 12-month window is gone).
        (replace(diagnosis(Concept.HIT, active=False), recorded=days_ago(370)), True),
        (diagnosis(Concept.HIT, days=5 * 365, active=False), True),
        (diagnosis(Concept.HIT, days=4 * 365, suspected=True), True),
        (diagnosis(Concept.HEPARIN_ALLERGY, days=3000), True),
        (diagnosis(Concept.HEPARIN_ALLERGY, active=False), False),
    ],
    ids=[
        "hit-active-old",
        "hit-resolved-recent",
        "hit-12-months",
        "hit-13-months",
        "hit-resolved-5-years",
        "hit-suspected-4-years",
        "allergy",
        "allergy-inactive",
    ],
)
def test_heparin_contraindicated(finding: Diagnosis, contraindicated: bool) -> None:
    state = state_of(record(diagnoses=[finding]))
    assert state.heparin_contraindicated is contraindicated
    assert state.anticoagulation_contraindicated is False


# ---------------------------------------------------------------- therapeutic anticoagulation


def therapeutic(*meds: Medication, weight: float | None = None) -> bool:
    measurements = [measurement(Measure.WEIGHT, weight)] if weight else []
    return state_of(
        record(medications=list(meds), measurements=measurements)
    ).therapeutic_anticoagulation


@pytest.mark.parametrize(
    "drug",
    ["apixaban", "rivaroxaban", "edoxaban", "dabigatran", "warfarin", "argatroban", "bivalirudin"],
)
def test_always_therapeutic_agents(drug: str) -> None:
    assert therapeutic(medication(drug, 2.5)) is True


@pytest.mark.parametrize(
    ("dose", "unit", "weight", "expected"),
    [
        (40, "mg", None, False),
        (59, "mg", None, False),
        (60, "mg", None, True),
        (50, "mg", 50, True),
        (49, "mg", 50, False),
        (70, "mg", 70.4, True),  # 1 mg/kg rounded to the nearest mg
        (1, "mg/kg", None, True),
        (0.5, "mg/kg", None, False),
        (4000, "[iU]", None, False),
        (6000, "[iU]", None, True),
        (None, "mg", None, True),  # unreadable dose: never risk double anticoagulation
        (40, "tablet", None, True),
    ],
)
def test_enoxaparin_dose(
    dose: float | None, unit: str, weight: float | None, expected: bool
) -> None:
    assert therapeutic(medication("enoxaparin", dose, unit), weight=weight) is expected


@pytest.mark.parametrize(
    ("dose", "unit", "route", "expected"),
    [
        (5000, "U", "subcutaneous", False),
        (7500, "U", "subcutaneous", False),
        (7501, "U", "subcutaneous", True),
        (5000, "U", "intravenous", True),
        (18, "U/kg", "", True),
        (None, "U", "", True),
    ],
)
def test_heparin_dose(dose: float | None, unit: str, route: str, expected: bool) -> None:
    assert therapeutic(medication("heparin", dose, unit, route=route)) is expected


@pytest.mark.parametrize(
    ("drug", "dose", "unit", "weight", "expected"),
    [
        ("dalteparin", 100, "[iU]/kg", None, True),
        ("dalteparin", 99, "[iU]/kg", None, False),
        ("dalteparin", 8000, "[iU]", 80, True),
        ("dalteparin", 7999, "[iU]", 80, False),
        ("dalteparin", 5000, "[iU]", None, False),
        ("dalteparin", 5001, "[iU]", None, True),
        ("tinzaparin", 4500, "[iU]", None, False),
        ("fondaparinux", 2.5, "mg", None, False),
        ("fondaparinux", 5, "mg", None, True),
        ("fondaparinux", 4.9, "mg", None, False),
    ],
)
def test_other_anticoagulant_doses(
    drug: str, dose: float, unit: str, weight: float | None, expected: bool
) -> None:
    assert therapeutic(medication(drug, dose, unit), weight=weight) is expected


# ---------------------------------------------------------------- medication currency


@pytest.mark.parametrize(
    ("med", "current"),
    [
        (medication("apixaban", 5, days=364), True),
        (medication("apixaban", 5, days=370), False),
        (medication("apixaban", 5, status_active=False), False),
        (replace(medication("apixaban", 5, days=500), valid_until=days_ago(-10)), True),
        (replace(medication("apixaban", 5, days=500), valid_until=days_ago(0)), True),
        (replace(medication("apixaban", 5, days=500), valid_until=days_ago(1)), False),
        (medication("apixaban", 5, days=None), True),
        (medication("apixaban", 5, kind=MedicationKind.STATEMENT, days=2000), True),
        (medication("apixaban", 5, kind=MedicationKind.ADMINISTRATION, hours=48), True),
        (medication("apixaban", 5, kind=MedicationKind.ADMINISTRATION, hours=49), False),
    ],
    ids=[
        "request-364d",
        "request-370d",
        "inactive",
        "validity-covers",
        "validity-ends-today",
        "validity-ended-yesterday",
        "request-undated",
        "statement",
        "administration-48h",
        "administration-49h",
    ],
)
def test_medication_currency(med: Medication, current: bool) -> None:
    state = state_of(record(medications=[med]))
    assert state.therapeutic_anticoagulation is current
    assert (len(state.current_anticoagulants) == 1) is current


def test_medication_classes_are_split() -> None:
    meds = [
        medication("aspirin", 81, drug_class=DrugClass.ANTIPLATELET),
        medication("amlodipine", 5, drug_class=DrugClass.EDEMA_CAUSING),
        medication("enoxaparin", 40),
    ]
    state = state_of(record(medications=meds))
    assert [m.ingredient for m in state.current_antiplatelets] == ["aspirin"]
    assert [m.ingredient for m in state.current_edema_medications] == ["amlodipine"]
    assert [m.ingredient for m in state.current_anticoagulants] == ["enoxaparin"]
    assert state.therapeutic_anticoagulation is False


# ---------------------------------------------------------------- weight


@pytest.mark.parametrize(
    ("value", "days", "kept"),
    [
        (70, 90, True),
        (70, 91, False),
        (20, 1, True),
        (19.9, 1, False),
        (350, 1, True),
        (350.1, 1, False),
    ],
)
def test_weight_window_and_plausible_range(value: float, days: int, kept: bool) -> None:
    state = state_of(record(measurements=[measurement(Measure.WEIGHT, value, days)]))
    assert (state.weight is not None) is kept


def test_newest_plausible_weight_wins() -> None:
    weights = [
        measurement(Measure.WEIGHT, 80, 10),
        measurement(Measure.WEIGHT, 75, 5),
        measurement(Measure.WEIGHT, 900, 1),
    ]
    assert state_of(record(measurements=weights)).weight.value == 75


# ---------------------------------------------------------------- severity


@pytest.mark.parametrize(
    ("value", "hours", "severe"),
    [(89, 2, True), (89.9, 2, True), (90, 2, False), (85, 24, True), (85, 25, False)],
)
def test_systolic_below_90_within_24_hours(value: float, hours: float, severe: bool) -> None:
    state = state_of(record(measurements=[measurement(Measure.SYSTOLIC_BP, value, hours=hours)]))
    assert state.severe_hypotension is severe


@pytest.mark.parametrize(
    ("hours", "encounter", "severe"),
    [
        (72, None, True),
        (73, None, False),
        (200, "Encounter/e1", True),
        (200, "Encounter/e2", False),
    ],
)
def test_shock_within_72_hours_or_in_this_encounter(
    hours: float, encounter: str | None, severe: bool
) -> None:
    shock = diagnosis(Concept.SHOCK, hours=hours, encounter=encounter)
    state = state_of(record(diagnoses=[shock], encounter="Encounter/e1"))
    assert state.severe_hypotension is severe


@pytest.mark.parametrize(
    ("hours", "ischemia_side", "dvt_side", "expected"),
    [
        (72, Side.LEFT, Side.LEFT, True),
        (73, Side.LEFT, Side.LEFT, False),
        (2, Side.RIGHT, Side.LEFT, False),
        (2, Side.UNKNOWN, Side.LEFT, True),
        (2, Side.RIGHT, Side.UNKNOWN, True),
        (2, Side.LEFT, Side.BILATERAL, True),
    ],
)
def test_limb_threatening_ischemia(
    hours: float, ischemia_side: Side, dvt_side: Side, expected: bool
) -> None:
    ischemia = diagnosis(Concept.LIMB_ISCHEMIA, ischemia_side, hours=hours)
    state = state_of(record(diagnoses=[ischemia, dvt(dvt_side)]))
    assert state.limb_threatening_ischemia is expected


# ---------------------------------------------------------------- pregnancy


@pytest.mark.parametrize(
    ("measurements", "diagnoses", "pregnant"),
    [
        ([measurement(Measure.PREGNANCY_STATUS, 1.0, 30)], [], True),
        ([measurement(Measure.PREGNANCY_STATUS, 1.0, 31)], [], False),
        ([measurement(Measure.PREGNANCY_STATUS, 0.0, 3)], [], False),
        ([], [diagnosis(Concept.PREGNANCY, days=290)], True),
        ([], [diagnosis(Concept.PREGNANCY, days=320)], False),
        ([], [diagnosis(Concept.PREGNANCY, days=20, active=False)], False),
        (
            [measurement(Measure.PREGNANCY_STATUS, 0.0, 3)],
            [diagnosis(Concept.PREGNANCY, days=60)],
            False,
        ),
    ],
    ids=[
        "status-30d",
        "status-31d",
        "status-negative",
        "condition-290d",
        "condition-320d",
        "condition-inactive",
        "later-negative-status",
    ],
)
def test_pregnancy(measurements: list, diagnoses: list, pregnant: bool) -> None:
    state = state_of(record(measurements=measurements, diagnoses=diagnoses))
    assert state.pregnant is pregnant


def test_future_dated_findings_beyond_a_day_are_ignored() -> None:
    from datetime import timedelta

    future = replace(diagnosis(Concept.MAJOR_BLEEDING), recorded=AS_OF + timedelta(days=3))
    assert state_of(record(diagnoses=[future])).anticoagulation_contraindicated is False


def test_unstated_dose_thresholds_are_settings() -> None:
    heparin = medication("heparin", 7500, "U", route="subcutaneous")
    default = state_of(record(medications=[heparin]))
    assert default.therapeutic_anticoagulation is False
    stricter = state_of(record(medications=[heparin]), heparin_sc_prophylactic_max_u=5000)
    assert stricter.therapeutic_anticoagulation is True
