"""Alternative edema causes and `edema-alternative-causes`: states, thresholds, windows."""

from __future__ import annotations

import pytest

from cds_hooks.guideline.alternatives import assess_alternative_causes, edema_alternative_causes
from cds_hooks.guideline.findings import Concept, DrugClass, Measure
from cds_hooks.guideline.recommendation import Indicator, ServiceOrder
from cds_hooks.guideline.state import CauseState, DvtStatus
from tests.unit.guideline.builders import (
    diagnosis,
    direct_state,
    measurement,
    medication,
    nivl_record,
    normal_labs,
)


def causes(**record_fields):
    state = direct_state(nivl_record(**record_fields))
    return {c.key: c.state for c in assess_alternative_causes(state)}


def labs_without(measure: Measure) -> list:
    return [m for m in normal_labs() if m.measure is not measure]


def test_complete_work_up_is_all_absent() -> None:
    assert set(causes().values()) == {CauseState.ABSENT}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(299, CauseState.ABSENT), (300, CauseState.ABSENT), (301, CauseState.PRESENT)],
)
def test_nt_probnp_above_300_is_heart_failure(value: float, expected: CauseState) -> None:
    labs = [*labs_without(Measure.NT_PROBNP), measurement(Measure.NT_PROBNP, value, 3)]
    assert causes(measurements=labs)["heart-failure"] is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(99, CauseState.ABSENT), (100, CauseState.ABSENT), (101, CauseState.PRESENT)],
)
def test_bnp_above_100_is_heart_failure(value: float, expected: CauseState) -> None:
    labs = [*labs_without(Measure.NT_PROBNP), measurement(Measure.BNP, value, 3)]
    assert causes(measurements=labs)["heart-failure"] is expected


def test_heart_failure_diagnosis_is_present_without_labs() -> None:
    result = causes(
        measurements=labs_without(Measure.NT_PROBNP),
        diagnoses=[diagnosis(Concept.HEART_FAILURE, days=400)],
    )
    assert result["heart-failure"] is CauseState.PRESENT


def test_resolved_or_suspected_heart_failure_does_not_count() -> None:
    result = causes(
        measurements=labs_without(Measure.NT_PROBNP),
        diagnoses=[
            diagnosis(Concept.HEART_FAILURE, active=False),
            diagnosis(Concept.HEART_FAILURE, suspected=True),
        ],
    )
    assert result["heart-failure"] is CauseState.NOT_ASSESSED


@pytest.mark.parametrize(
    ("days", "expected"), [(90, CauseState.PRESENT), (91, CauseState.NOT_ASSESSED)]
)
def test_labs_count_within_90_days(days: float, expected: CauseState) -> None:
    labs = [*labs_without(Measure.NT_PROBNP), measurement(Measure.NT_PROBNP, 900, days)]
    assert causes(measurements=labs)["heart-failure"] is expected


def test_newest_result_wins() -> None:
    labs = [
        *labs_without(Measure.NT_PROBNP),
        measurement(Measure.NT_PROBNP, 900, 20),
        measurement(Measure.NT_PROBNP, 150, 2),
    ]
    assert causes(measurements=labs)["heart-failure"] is CauseState.ABSENT


@pytest.mark.parametrize(
    ("value", "expected"),
    [(59, CauseState.PRESENT), (60, CauseState.ABSENT), (61, CauseState.ABSENT)],
)
def test_egfr_below_60_is_renal_disease(value: float, expected: CauseState) -> None:
    labs = [*labs_without(Measure.EGFR), measurement(Measure.EGFR, value, 3)]
    assert causes(measurements=labs)["renal-disease"] is expected


def test_creatinine_alone_assesses_renal_disease() -> None:
    labs = [*labs_without(Measure.EGFR), measurement(Measure.CREATININE, 0.9, 3)]
    assert causes(measurements=labs)["renal-disease"] is CauseState.ABSENT
    assert causes(measurements=labs_without(Measure.EGFR))["renal-disease"] is (
        CauseState.NOT_ASSESSED
    )


def test_renal_diagnosis_is_present() -> None:
    result = causes(diagnoses=[diagnosis(Concept.RENAL_DISEASE)])
    assert result["renal-disease"] is CauseState.PRESENT


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.4, CauseState.PRESENT), (3.5, CauseState.ABSENT), (3.6, CauseState.ABSENT)],
)
def test_albumin_below_3_5_is_hypoalbuminemia(value: float, expected: CauseState) -> None:
    labs = [*labs_without(Measure.ALBUMIN), measurement(Measure.ALBUMIN, value, 3)]
    assert causes(measurements=labs)["hypoalbuminemia"] is expected


def test_no_albumin_is_not_assessed_never_absent() -> None:
    assert causes(measurements=labs_without(Measure.ALBUMIN))["hypoalbuminemia"] is (
        CauseState.NOT_ASSESSED
    )


@pytest.mark.parametrize("measure", [Measure.BILIRUBIN, Measure.ALT])
def test_bilirubin_or_alt_assesses_liver(measure: Measure) -> None:
    labs = [*labs_without(Measure.BILIRUBIN), measurement(measure, 1.0, 3)]
    assert causes(measurements=labs)["liver-disease"] is CauseState.ABSENT
    assert causes(measurements=labs_without(Measure.BILIRUBIN))["liver-disease"] is (
        CauseState.NOT_ASSESSED
    )


def test_liver_diagnosis_is_present() -> None:
    assert causes(diagnoses=[diagnosis(Concept.LIVER_DISEASE)])["liver-disease"] is (
        CauseState.PRESENT
    )


def test_edema_medication_states() -> None:
    amlodipine = medication("amlodipine", 10, drug_class=DrugClass.EDEMA_CAUSING)
    assert causes(medications=[amlodipine])["edema-medication"] is CauseState.PRESENT
    assert causes(medications_retrieved=True)["edema-medication"] is CauseState.ABSENT
    assert causes(medications_retrieved=False)["edema-medication"] is CauseState.NOT_ASSESSED


def test_primary_lymphedema_present_or_absent_never_unassessed() -> None:
    assert causes()["primary-lymphedema"] is CauseState.ABSENT
    result = causes(diagnoses=[diagnosis(Concept.PRIMARY_LYMPHEDEMA, days=3000)])
    assert result["primary-lymphedema"] is CauseState.PRESENT


# ---------------------------------------------------------------- the recommendation


def test_silent_when_every_cause_is_assessed_and_absent() -> None:
    assert edema_alternative_causes(direct_state(nivl_record())) is None


def test_warning_when_a_cause_is_present() -> None:
    rec = edema_alternative_causes(
        direct_state(nivl_record(diagnoses=[diagnosis(Concept.HEART_FAILURE)]))
    )
    assert rec is not None
    assert rec.id == "edema-alternative-causes"
    assert rec.indicator is Indicator.WARNING
    assert "heart failure" in rec.summary.lower()
    assert "Heart failure: **present**" in rec.detail
    assert rec.sources == ("S2",)
    assert len(rec.summary) < 140


def test_info_with_lab_suggestions_when_only_unassessed() -> None:
    rec = edema_alternative_causes(
        direct_state(nivl_record(measurements=[], medications_retrieved=False))
    )
    assert rec is not None
    assert rec.indicator is Indicator.INFO
    assert rec.selection == "any"
    codes = {s.codes[0].code for s in rec.suggestions if isinstance(s, ServiceOrder)}
    assert codes == {"33762-6", "2160-0", "1751-7", "1975-2", "1742-6"}
    assert len(rec.missing) == 5  # 4 labs + medication list
    assert any("medication" in m.lower() for m in rec.missing)


def test_suggests_labs_only_for_what_is_not_assessed() -> None:
    rec = edema_alternative_causes(
        direct_state(nivl_record(measurements=labs_without(Measure.ALBUMIN)))
    )
    assert rec is not None
    assert [s.codes[0].code for s in rec.suggestions] == ["1751-7"]


def test_silent_unless_dvt_excluded() -> None:
    rec = nivl_record(measurements=[])
    for status in (DvtStatus.NOT_EXCLUDED, DvtStatus.CONFIRMED):
        assert edema_alternative_causes(direct_state(rec, dvt_status=status)) is None
    assert edema_alternative_causes(direct_state(rec)) is not None


def test_silent_without_iliac_context_or_swelling() -> None:
    rec = nivl_record(measurements=[])
    assert edema_alternative_causes(direct_state(rec, iliac_context=False)) is None
    assert (
        edema_alternative_causes(direct_state(nivl_record(measurements=[], swellings=[]))) is None
    )
