"""Catalog v2.2: age from birthDate (under 18: no LMWH dose, pediatric hematology input; the
pediatric weight range), pregnancy imaging without contrast, and card sources by patient."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    AS_OF,
    FILTER_ORDER,
    diagnosis,
    dvt,
    measurement,
    record,
    state_of,
    study,
    swelling,
)

from cds_hooks.guideline import evaluate_orders, evaluate_patient_view
from cds_hooks.guideline.dates import age_years
from cds_hooks.guideline.dvt_treatment import dvt_anticoagulation_lmwh
from cds_hooks.guideline.findings import (
    Concept,
    Extent,
    Measure,
    Modality,
    Patient,
    Result,
    Side,
)

TODAY = AS_OF.date()  # 2026-11-27


def born(year: int, month: int, day: int) -> Patient:
    return Patient(birth_date=date(year, month, day), sex="female", ref="Patient/c")


# ---------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("birth", "age", "child"),
    [
        (date(2008, 11, 28), 17, True),  # 17 years 364 days
        (date(2008, 11, 27), 18, False),  # 18th birthday
        (date(2008, 11, 26), 18, False),  # 18 years 1 day
    ],
)
def test_under_18_threshold(birth: date, age: int, child: bool) -> None:
    assert age_years(birth, TODAY) == age
    state = state_of(record(patient=Patient(birth_date=birth, ref="Patient/c")))
    assert state.under_18 is child and state.age_years == age


def test_no_birth_date_is_an_adult() -> None:
    state = state_of(record(patient=Patient(ref="Patient/c")))
    assert state.under_18 is False and state.age_years is None


def test_born_on_29_february_turns_18_on_1_march_of_a_common_year() -> None:
    assert age_years(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_years(date(2008, 2, 29), date(2026, 3, 1)) == 18


# ---------------------------------------------------------------- weight plausibility


@pytest.mark.parametrize(
    ("patient", "kg", "plausible"),
    [
        (born(2016, 1, 1), 0.4, False),
        (born(2016, 1, 1), 0.5, True),
        (born(2016, 1, 1), 19.9, True),  # a child below 20 kg is plausible
        (born(2016, 1, 1), 350, True),
        (born(2016, 1, 1), 350.1, False),
        (born(1970, 1, 1), 19.9, False),
        (born(1970, 1, 1), 20, True),
        (born(1970, 1, 1), 350, True),
        (born(1970, 1, 1), 350.1, False),
        (Patient(ref="Patient/x"), 19.9, False),  # no birthDate = adult
    ],
)
def test_weight_plausibility_by_age(patient: Patient, kg: float, plausible: bool) -> None:
    state = state_of(record(patient=patient, measurements=[measurement(Measure.WEIGHT, kg)]))
    assert (state.weight is not None) is plausible


def test_pediatric_weight_floor_is_a_setting() -> None:
    rec = record(patient=born(2016, 1, 1), measurements=[measurement(Measure.WEIGHT, 0.8)])
    assert state_of(rec, weight_min_kg_under_18=1.0).weight is None


# ---------------------------------------------------------------- LMWH card under 18


@pytest.mark.parametrize("weight", [None, 15.0, 60.0])
def test_under_18_lmwh_card_gives_no_dose_and_asks_pediatric_hematology(
    weight: float | None,
) -> None:
    measurements = [measurement(Measure.WEIGHT, weight)] if weight is not None else []
    rec = record(patient=born(2010, 6, 1), diagnoses=[dvt()], measurements=measurements)
    card = dvt_anticoagulation_lmwh(state_of(rec))
    assert card is not None and card.indicator == "critical"
    assert card.suggestions == ()
    assert "pediatric hematology" in card.detail.lower()
    assert "under 18" in card.summary.lower()
    assert any("Age 16" in e.text for e in card.evidence)


def test_18th_birthday_gets_the_adult_dose() -> None:
    rec = record(
        patient=born(2008, 11, 27),
        diagnoses=[dvt()],
        measurements=[measurement(Measure.WEIGHT, 60)],
    )
    card = dvt_anticoagulation_lmwh(state_of(rec))
    assert card is not None and len(card.suggestions) == 1


# ---------------------------------------------------------------- sources by patient

PREGNANT = diagnosis(Concept.PREGNANCY, days=60)
BLEEDING = diagnosis(Concept.MAJOR_BLEEDING, days=2)


def s1_keys(recs: list) -> set[str]:
    return {k for r in recs for k in r.sources if k.startswith("S1")}


def test_pregnant_patient_cards_cite_the_pregnancy_chapter_only() -> None:
    rec = record(diagnoses=[dvt(), PREGNANT], measurements=[measurement(Measure.WEIGHT, 70)])
    recs = evaluate_patient_view(rec, as_of=AS_OF)
    assert "dvt-anticoagulation-lmwh" in {r.id for r in recs}
    assert s1_keys(recs) == {"S1-pregnancy"}


def test_not_pregnant_cards_cite_sru_esvs() -> None:
    rec = record(diagnoses=[dvt()], measurements=[measurement(Measure.WEIGHT, 70)])
    assert s1_keys(evaluate_patient_view(rec, as_of=AS_OF)) == {"S1"}


@pytest.mark.parametrize(("pregnant", "key"), [(True, "S1-pregnancy"), (False, "S1")])
def test_order_hook_sources_follow_pregnancy(pregnant: bool, key: str) -> None:
    diagnoses = [BLEEDING, *([PREGNANT] if pregnant else [])]
    found = evaluate_orders(record(diagnoses=diagnoses), [FILTER_ORDER], as_of=AS_OF)
    assert [r.id for r in found] == ["ivc-filter-not-indicated"]
    assert s1_keys(found) == {key}


def test_pelvic_imaging_in_pregnancy_is_mr_venography_without_contrast_only() -> None:
    rec = record(
        diagnoses=[PREGNANT],
        swellings=[swelling(Side.LEFT, 5, Extent.WHOLE_LEG)],
        imaging=[study(Modality.DUPLEX, Side.LEFT, 2, Result.NEGATIVE)],
    )
    recs = {r.id: r for r in evaluate_patient_view(rec, as_of=AS_OF)}
    card = recs["pelvic-venous-imaging"]
    assert [c.code for s in card.suggestions for c in s.codes] == ["36789-6"]
    assert all("without contrast" in s.label for s in card.suggestions)
    assert "CT" not in card.summary and "S1-pregnancy" in card.sources


def test_child_with_hit_gets_both_the_non_heparin_and_the_pediatric_messages() -> None:
    rec = record(
        patient=born(2012, 1, 1),
        diagnoses=[dvt(), diagnosis(Concept.HIT, days=20)],
        measurements=[measurement(Measure.WEIGHT, 30)],
    )
    card = dvt_anticoagulation_lmwh(state_of(rec))
    assert card is not None and card.suggestions == ()
    assert "non-heparin" in card.detail and "pediatric hematology" in card.detail.lower()


def test_pregnancy_is_among_the_findings_of_a_card_citing_the_pregnancy_chapter() -> None:
    rec = record(diagnoses=[dvt(), PREGNANT], measurements=[measurement(Measure.WEIGHT, 70)])
    (lmwh,) = [r for r in evaluate_patient_view(rec, as_of=AS_OF) if r.id.endswith("lmwh")]
    assert sum(e.text == "Pregnancy" for e in lmwh.evidence) == 1


def test_a_birth_date_in_the_future_is_an_unknown_age() -> None:
    assert age_years(date(2027, 1, 1), TODAY) is None
    assert age_years(TODAY, TODAY) == 0
