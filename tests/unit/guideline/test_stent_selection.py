"""NIVL stent candidate / criteria incomplete / not indicated, and the sizing helpers."""

from __future__ import annotations

import pytest

from cds_hooks.guideline.findings import (
    Behavior,
    Concept,
    DrugClass,
    Impact,
    MassNature,
    Measure,
    Side,
)
from cds_hooks.guideline.recommendation import Indicator
from cds_hooks.guideline.state import DvtStatus
from cds_hooks.guideline.stent_selection import (
    diameter_fits,
    length_ok,
    nivl_stent_candidate,
    nivl_stent_criteria_incomplete,
    nivl_stent_not_indicated,
    sizing_range,
)
from tests.unit.guideline.builders import (
    diagnosis,
    direct_state,
    iliac_stent,
    impact,
    ivus,
    lesion,
    mass_nature,
    medication,
    nivl_record,
    normal_labs,
    reference_diameter,
    swelling,
)


def fired(state) -> set[str]:
    rules = (nivl_stent_candidate, nivl_stent_criteria_incomplete, nivl_stent_not_indicated)
    return {rec.id for rule in rules if (rec := rule(state)) is not None}


CANDIDATE = {"nivl-stent-candidate"}
INCOMPLETE = {"nivl-stent-criteria-incomplete"}
NOT_INDICATED = {"nivl-stent-not-indicated"}


# ---------------------------------------------------------------- sizing helpers


@pytest.mark.parametrize(
    ("diameter", "fits"),
    [(13.9, False), (14, True), (15.5, True), (17, True), (17.1, False), (13, False)],
)
def test_diameter_is_reference_plus_1_to_4_mm_inclusive(diameter: float, fits: bool) -> None:
    assert diameter_fits(diameter, 13) is fits


def test_sizing_range_of_13_mm() -> None:
    assert sizing_range(13) == (14, 17)
    assert sizing_range(12.5) == (13.5, 16.5)


@pytest.mark.parametrize(("length", "ok"), [(59, False), (59.9, False), (60, True), (61, True)])
def test_length_at_least_60_mm(length: float, ok: bool) -> None:
    assert length_ok(length) is ok


# ---------------------------------------------------------------- IVUS threshold


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(60.9, NOT_INDICATED), (61, NOT_INDICATED), (61.5, CANDIDATE), (62, CANDIDATE)],
)
def test_ivus_diameter_stenosis_strictly_above_61(percent: float, expected: set) -> None:
    assert fired(direct_state(nivl_record(ivus_stenoses=[ivus(percent)]))) == expected


def test_candidate_card_gives_sizing_and_length() -> None:
    rec = nivl_stent_candidate(direct_state(nivl_record()))
    assert rec is not None
    assert rec.indicator is Indicator.INFO
    # recommendations.md quotes the range as "13 mm → 14-17 mm" (ASCII hyphen).
    assert "14-17 mm" in rec.detail and "60 mm" in rec.detail
    assert "14-17 mm" in rec.summary
    assert "82.6%" in rec.quote and "16.2%" in rec.quote and "56%" in rec.quote
    assert rec.missing == ()
    assert len(rec.summary) < 140
    assert "Observation/ivus" in {r for e in rec.evidence for r in e.refs}


def test_candidate_without_reference_asks_for_one() -> None:
    rec = nivl_stent_candidate(direct_state(nivl_record(reference_diameters=[])))
    assert rec is not None
    assert "reference" in rec.summary and "No IVUS reference diameter" in rec.detail
    assert rec.missing


def test_non_ivus_reference_is_not_used_for_sizing() -> None:
    rec = nivl_stent_candidate(
        direct_state(nivl_record(reference_diameters=[reference_diameter(13, from_ivus=False)]))
    )
    assert rec is not None and "No IVUS reference diameter" in rec.detail


def test_area_stenosis_never_counts() -> None:
    state = direct_state(nivl_record(ivus_stenoses=[ivus(80, area=True)]))
    assert fired(state) == set()


def test_newest_ivus_result_on_the_side_wins() -> None:
    older_high = nivl_record(ivus_stenoses=[ivus(70, days=20), ivus(55, days=2)])
    assert fired(direct_state(older_high)) == NOT_INDICATED
    older_low = nivl_record(ivus_stenoses=[ivus(55, days=20), ivus(70, days=2)])
    assert fired(direct_state(older_low)) == CANDIDATE


def test_unknown_side_ivus_is_never_taken_for_the_swollen_side() -> None:
    rec = nivl_record(
        ivus_stenoses=[ivus(70, Side.UNKNOWN)], lesion_behaviors=[lesion(side=Side.UNKNOWN)]
    )
    assert fired(direct_state(rec)) == INCOMPLETE
    card = nivl_stent_criteria_incomplete(direct_state(rec))
    assert card is not None
    assert any("Side of the IVUS lesion" in m for m in card.missing)


def test_lesion_on_the_other_side_is_not_indicated() -> None:
    rec = nivl_record(
        ivus_stenoses=[ivus(70, Side.RIGHT)], lesion_behaviors=[lesion(side=Side.RIGHT)]
    )
    assert fired(direct_state(rec)) == NOT_INDICATED


# ---------------------------------------------------------------- lesion behavior, symptoms


def test_dynamic_lesion_is_not_indicated() -> None:
    rec = nivl_stent_not_indicated(
        direct_state(nivl_record(lesion_behaviors=[lesion(Behavior.DYNAMIC)]))
    )
    assert rec is not None and "dynamic" in rec.detail


def test_unstated_behavior_is_incomplete_never_fixed() -> None:
    rec = nivl_stent_criteria_incomplete(direct_state(nivl_record(lesion_behaviors=[])))
    assert rec is not None
    assert any("behavior" in m for m in rec.missing)
    assert nivl_stent_candidate(direct_state(nivl_record(lesion_behaviors=[]))) is None


def test_quality_of_life_impact() -> None:
    assert fired(direct_state(nivl_record(impacts=[]))) == INCOMPLETE
    assert fired(direct_state(nivl_record(impacts=[impact(Impact.MINIMAL)]))) == NOT_INDICATED
    assert fired(direct_state(nivl_record(impacts=[impact(Impact.NONE)]))) == NOT_INDICATED
    scrotal = nivl_record(impacts=[], diagnoses=[diagnosis(Concept.SCROTAL_EDEMA)])
    assert fired(direct_state(scrotal)) == CANDIDATE


def test_newest_impact_statement_wins() -> None:
    rec = nivl_record(impacts=[impact(Impact.MINIMAL, 30), impact(Impact.SIGNIFICANT, 2)])
    assert fired(direct_state(rec)) == CANDIDATE


# ---------------------------------------------------------------- swelling and DVT


def test_bilateral_swelling_is_not_indicated() -> None:
    rec = nivl_record(swellings=[swelling(Side.LEFT, 20), swelling(Side.RIGHT, 20)])
    result = nivl_stent_not_indicated(direct_state(rec))
    assert result is not None and "bilateral" in result.detail.lower()


def test_no_swelling_is_not_indicated() -> None:
    assert fired(direct_state(nivl_record(swellings=[]))) == NOT_INDICATED


@pytest.mark.parametrize("status", [DvtStatus.NOT_EXCLUDED, DvtStatus.CONFIRMED])
def test_dvt_not_excluded_is_incomplete(status: DvtStatus) -> None:
    state = direct_state(nivl_record(), dvt_status=status)
    assert fired(state) == INCOMPLETE
    rec = nivl_stent_criteria_incomplete(state)
    assert rec is not None and any("DVT" in m for m in rec.missing)


# ---------------------------------------------------------------- alternative causes


def test_alternative_cause_present_is_not_indicated() -> None:
    amlodipine = medication("amlodipine", 10, drug_class=DrugClass.EDEMA_CAUSING)
    assert fired(direct_state(nivl_record(medications=[amlodipine]))) == NOT_INDICATED


def test_alternative_cause_not_assessed_is_incomplete() -> None:
    labs = [m for m in normal_labs() if m.measure is not Measure.NT_PROBNP]
    rec = nivl_stent_criteria_incomplete(direct_state(nivl_record(measurements=labs)))
    assert rec is not None and any("Heart failure" in m for m in rec.missing)


def test_not_indicated_takes_precedence_over_incomplete() -> None:
    rec = nivl_record(lesion_behaviors=[], diagnoses=[diagnosis(Concept.HEART_FAILURE)])
    assert fired(direct_state(rec)) == NOT_INDICATED


def test_incomplete_needs_ivus_above_61() -> None:
    rec = nivl_record(ivus_stenoses=[ivus(61)], lesion_behaviors=[])
    assert fired(direct_state(rec)) == NOT_INDICATED


# ---------------------------------------------------------------- suppression


def test_stent_in_place_silences_every_nivl_rule() -> None:
    assert fired(direct_state(nivl_record(stents=[iliac_stent()]))) == set()
    assert fired(direct_state(nivl_record(ivus_stenoses=[ivus(40)], stents=[iliac_stent()]))) == (
        set()
    )


def test_extrinsic_cause_silences_every_nivl_rule() -> None:
    for nature in MassNature:
        assert fired(direct_state(nivl_record(masses=[mass_nature(nature)]))) == set(), nature
        low = nivl_record(ivus_stenoses=[ivus(40)], masses=[mass_nature(nature)])
        assert fired(direct_state(low)) == set()


def test_uncharacterized_mass_on_the_side_is_incomplete() -> None:
    rec = nivl_record(diagnoses=[diagnosis(Concept.PELVIC_MASS, Side.LEFT, 10)])
    assert fired(direct_state(rec)) == INCOMPLETE


def test_no_ivus_no_nivl_card() -> None:
    assert fired(direct_state(nivl_record(ivus_stenoses=[]))) == set()
