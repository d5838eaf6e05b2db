"""dvt-anticoagulation-lmwh, anticoagulation-contraindicated-ivc-filter, thrombolysis-consider."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from builders import (
    AS_OF,
    PATIENT,
    diagnosis,
    dvt,
    measurement,
    medication,
    record,
    state_of,
)

from cds_hooks.guideline import evaluate_patient_view
from cds_hooks.guideline.dvt_treatment import (
    anticoagulation_contraindicated_ivc_filter,
    cockcroft_gault,
    dvt_anticoagulation_lmwh,
    enoxaparin_dose_mg,
    thrombolysis_consider,
)
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    Measure,
    Measurement,
    Patient,
    Side,
    VeinLevel,
)
from cds_hooks.guideline.recommendation import Indicator, MedicationOrder, Recommendation

# 68 years old at AS_OF: Cockcroft-Gault (140 - 68) = 72 cancels the 72 of the denominator,
# so a man's CrCl is exactly weight / creatinine.
MAN_68 = Patient(birth_date=date(1958, 1, 1), sex="male", ref="Patient/m")


def lmwh(
    *,
    weight: float | None = 70,
    extra: list[Measurement] | None = None,
    diagnoses: list[Diagnosis] | None = None,
    patient: Patient = PATIENT,
    **fields: list,
) -> Recommendation | None:
    measurements = [measurement(Measure.WEIGHT, weight)] if weight is not None else []
    rec = record(
        patient=patient,
        diagnoses=[dvt(), *(diagnoses or [])],
        measurements=measurements + (extra or []),
        **fields,
    )
    return dvt_anticoagulation_lmwh(state_of(rec))


def only_order(rec: Recommendation | None) -> MedicationOrder:
    assert rec is not None
    (order,) = rec.suggestions
    assert isinstance(order, MedicationOrder)
    return order


# ---------------------------------------------------------------- dose and interval


@pytest.mark.parametrize(("weight", "dose"), [(70.4, 70), (70.5, 71), (70.6, 71), (120, 120)])
def test_enoxaparin_1_mg_per_kg_rounded_to_the_nearest_mg(weight: float, dose: int) -> None:
    assert enoxaparin_dose_mg(weight) == dose
    order = only_order(lmwh(weight=weight))
    assert order.dose_mg == dose
    assert order.interval_hours == 12
    assert (order.medication.system, order.medication.code) == (
        "http://www.nlm.nih.gov/research/umls/rxnorm",
        "67108",
    )
    assert order.route.code == "34206005"


def test_lmwh_card_is_critical_and_cites_s1() -> None:
    rec = lmwh()
    assert rec is not None
    assert rec.id == "dvt-anticoagulation-lmwh"
    assert rec.indicator is Indicator.CRITICAL
    assert rec.sources == ("S1",)
    assert len(rec.summary) < 140


def test_cockcroft_gault_female_factor() -> None:
    assert cockcroft_gault(68, 60, 2.0, female=False) == pytest.approx(30.0)
    assert cockcroft_gault(68, 60, 2.0, female=True) == pytest.approx(25.5)


@pytest.mark.parametrize(
    ("weight", "interval"),
    [(59, 24), (60, 12), (61, 12)],
    ids=["crcl-29.5", "crcl-30", "crcl-30.5"],
)
def test_crcl_below_30_gives_once_daily_and_says_why(weight: float, interval: int) -> None:
    rec = lmwh(weight=weight, patient=MAN_68, extra=[measurement(Measure.CREATININE, 2.0)])
    assert only_order(rec).interval_hours == interval
    assert rec is not None
    assert ("Label" in rec.sources) is (interval == 24)
    assert ("Cockcroft-Gault" in rec.detail) is (interval == 24)


def test_female_factor_changes_the_interval() -> None:
    woman = replace(MAN_68, sex="female")
    rec = lmwh(weight=60, patient=woman, extra=[measurement(Measure.CREATININE, 2.0)])
    assert only_order(rec).interval_hours == 24


@pytest.mark.parametrize(("egfr", "interval"), [(29, 24), (30, 12), (31, 12)])
def test_egfr_is_used_when_crcl_cannot_be_computed(egfr: float, interval: int) -> None:
    unknown_sex = replace(MAN_68, sex="unknown")
    rec = lmwh(
        patient=unknown_sex,
        extra=[measurement(Measure.CREATININE, 0.8), measurement(Measure.EGFR, egfr)],
    )
    assert only_order(rec).interval_hours == interval
    assert rec is not None
    assert ("eGFR" in rec.detail) is (interval == 24)


def test_creatinine_older_than_90_days_is_not_used() -> None:
    rec = lmwh(weight=50, patient=MAN_68, extra=[measurement(Measure.CREATININE, 2.0, 91)])
    assert only_order(rec).interval_hours == 12
    assert rec is not None
    assert any("Renal function" in m for m in rec.missing)


def test_no_weight_no_medication_request_and_the_card_asks_for_one() -> None:
    rec = lmwh(weight=None)
    assert rec is not None
    assert rec.suggestions == ()
    assert any("weight" in m.lower() for m in rec.missing)


def test_implausible_weight_is_no_weight() -> None:
    rec = lmwh(weight=400)
    assert rec is not None
    assert rec.suggestions == ()


def test_heparin_contraindicated_no_lmwh_and_a_non_heparin_agent_is_needed() -> None:
    rec = lmwh(diagnoses=[diagnosis(Concept.HIT, days=20)])
    assert rec is not None
    assert rec.suggestions == ()
    assert "non-heparin" in rec.summary


def test_under_18_no_adult_dose() -> None:
    child = replace(PATIENT, birth_date=date(2010, 1, 1))
    rec = lmwh(patient=child)
    assert rec is not None
    assert rec.suggestions == ()


def test_prophylactic_enoxaparin_does_not_silence_the_card() -> None:
    rec = lmwh(medications=[medication("enoxaparin", 40)])
    assert rec is not None
    assert any("prophylactic" in e.text for e in rec.evidence)


@pytest.mark.parametrize(
    "fields",
    [
        {"medications": [medication("apixaban", 5)]},
        {"medications": [medication("enoxaparin", 70)]},
        {"diagnoses": [diagnosis(Concept.MAJOR_BLEEDING, days=3)]},
        {"extra": [measurement(Measure.PLATELETS, 49)]},
    ],
    ids=["doac", "therapeutic-lmwh", "major-bleeding", "platelets-49"],
)
def test_lmwh_silent_when_anticoagulated_or_contraindicated(fields: dict) -> None:
    assert lmwh(**fields) is None


def test_lmwh_fires_at_platelets_50_and_notes_minor_bleeding() -> None:
    rec = lmwh(
        extra=[measurement(Measure.PLATELETS, 50)],
        diagnoses=[diagnosis(Concept.MINOR_BLEEDING, days=2)],
    )
    assert rec is not None
    assert any("Minor bleeding" in e.text for e in rec.evidence)


def test_lmwh_silent_without_acute_dvt() -> None:
    rec = record(diagnoses=[dvt(days=31)], measurements=[measurement(Measure.WEIGHT, 70)])
    assert dvt_anticoagulation_lmwh(state_of(rec)) is None


# ---------------------------------------------------------------- IVC filter


@pytest.mark.parametrize(
    ("level", "platelets", "fires"),
    [
        (VeinLevel.PROXIMAL, 49, True),
        (VeinLevel.PROXIMAL, 50, False),
        (VeinLevel.DISTAL, 49, False),
        (VeinLevel.UNKNOWN, 49, False),
    ],
)
def test_ivc_filter_only_for_acute_proximal_dvt_with_contraindication(
    level: VeinLevel, platelets: float, fires: bool
) -> None:
    state = state_of(
        record(
            diagnoses=[dvt(level=level)], measurements=[measurement(Measure.PLATELETS, platelets)]
        )
    )
    rec = anticoagulation_contraindicated_ivc_filter(state)
    assert (rec is not None) is fires
    if rec is not None:
        assert rec.indicator is Indicator.CRITICAL
        (suggestion,) = rec.suggestions
        assert (suggestion.codes[0].system, suggestion.codes[0].code) == (
            "http://snomed.info/sct",
            "397913009",
        )
        assert any("Platelets" in e.text for e in rec.evidence)


def test_contraindicated_patient_view_gets_filter_not_lmwh() -> None:
    rec = record(
        diagnoses=[dvt(), diagnosis(Concept.MAJOR_BLEEDING, days=1)],
        measurements=[measurement(Measure.WEIGHT, 70)],
    )
    ids = [r.id for r in evaluate_patient_view(rec, as_of=AS_OF)]
    assert "anticoagulation-contraindicated-ivc-filter" in ids
    assert "dvt-anticoagulation-lmwh" not in ids


# ---------------------------------------------------------------- thrombolysis


def severe(
    *,
    dvt_days: int = 2,
    ischemia_hours: float | None = 6,
    systolic: float | None = 85,
    bleeding: bool = False,
) -> Recommendation | None:
    diagnoses = [dvt(Side.LEFT, dvt_days)]
    if ischemia_hours is not None:
        diagnoses.append(diagnosis(Concept.LIMB_ISCHEMIA, Side.LEFT, hours=ischemia_hours))
    if bleeding:
        diagnoses.append(diagnosis(Concept.MAJOR_BLEEDING, days=1))
    measurements = [measurement(Measure.SYSTOLIC_BP, systolic, hours=2)] if systolic else []
    return thrombolysis_consider(state_of(record(diagnoses=diagnoses, measurements=measurements)))


def test_thrombolysis_consider_states_the_8_percent_risk() -> None:
    rec = severe()
    assert rec is not None
    assert rec.indicator is Indicator.CRITICAL
    assert "8%" in rec.quote
    assert "8%" in rec.detail
    assert "not the guideline's wording" in rec.detail
    assert "interventional" in rec.summary


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dvt_days": 31},
        {"ischemia_hours": None},
        {"ischemia_hours": 73},
        {"systolic": 90},
        {"systolic": None},
        {"bleeding": True},
    ],
    ids=["no-acute-dvt", "no-ischemia", "ischemia-73h", "systolic-90", "no-bp", "contraindicated"],
)
def test_thrombolysis_needs_every_criterion(kwargs: dict) -> None:
    assert severe(**kwargs) is None


def test_thrombolysis_fires_at_systolic_89() -> None:
    assert severe(systolic=89) is not None
