"""derive_state: swelling laterality, new swelling, whole-leg extent and DVT status per leg."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import days_ago, diagnosis, dvt, record, state_of, study, swelling

from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    DopplerWaveform,
    Extent,
    Modality,
    Result,
    Side,
    Swelling,
    Waveform,
)
from cds_hooks.guideline.state import DvtStatus, LegState, PathwayState

MASS_LEFT = diagnosis(Concept.PELVIC_MASS, Side.LEFT, 10)


def leg(state: PathwayState, side: Side = Side.LEFT) -> LegState:
    (found,) = [leg for leg in state.legs if leg.side is side]
    return found


# ---------------------------------------------------------------- laterality


def test_left_and_right_records_are_bilateral() -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT), swelling(Side.RIGHT)]))
    assert state.bilateral_swelling is True
    assert [leg.side for leg in state.legs] == [Side.LEFT, Side.RIGHT]


def test_bilateral_record_gives_both_legs() -> None:
    state = state_of(record(swellings=[swelling(Side.BILATERAL)]))
    assert state.bilateral_swelling is True
    assert state.swelling_sides == {Side.LEFT, Side.RIGHT}


def test_unknown_side_is_never_left() -> None:
    state = state_of(record(swellings=[swelling(Side.UNKNOWN)]))
    assert state.swelling_sides == {Side.UNKNOWN}
    assert [leg.side for leg in state.legs] == [Side.UNKNOWN]
    assert state.bilateral_swelling is False


def test_unknown_side_next_to_a_lateral_record_adds_no_leg() -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT), swelling(Side.UNKNOWN)]))
    assert state.swelling_sides == {Side.LEFT, Side.UNKNOWN}
    assert [leg.side for leg in state.legs] == [Side.LEFT]
    assert state.bilateral_swelling is False


def test_resolved_or_absent_swelling_is_not_current() -> None:
    state = state_of(
        record(swellings=[swelling(active=False), swelling(Side.RIGHT, present=False)])
    )
    assert state.legs == ()
    assert state.swelling_absent_documented is True


def test_a_later_negative_exam_cancels_the_swelling_of_that_side_only() -> None:
    later_negative = swelling(Side.LEFT, 2, present=False)
    state = state_of(
        record(swellings=[swelling(Side.LEFT, 10), swelling(Side.RIGHT, 10), later_negative])
    )
    assert [leg.side for leg in state.legs] == [Side.RIGHT]
    same_day = state_of(
        record(swellings=[swelling(Side.LEFT, 10), swelling(Side.LEFT, 10, present=False)])
    )
    assert [leg.side for leg in same_day.legs] == [Side.LEFT]


# ---------------------------------------------------------------- new swelling


@pytest.mark.parametrize(("days", "new"), [(29, True), (30, True), (31, False)])
def test_new_swelling_is_within_30_days(days: int, new: bool) -> None:
    assert leg(state_of(record(swellings=[swelling(Side.LEFT, days)]))).new is new


def test_earliest_record_of_the_side_decides_new() -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT, 3), swelling(Side.LEFT, 120)]))
    assert leg(state).onset == days_ago(120)
    assert leg(state).new is False


def test_undated_swelling_is_not_new() -> None:
    assert leg(state_of(record(swellings=[swelling(Side.LEFT, None)]))).new is False


def test_onset_falls_back_to_recorded_date() -> None:
    sw = replace(swelling(Side.LEFT, None), recorded=days_ago(4))
    assert leg(state_of(record(swellings=[sw]))).new is True


# ---------------------------------------------------------------- whole-leg


def test_whole_leg_extent_counts_and_limited_never_cancels_it() -> None:
    state = state_of(
        record(
            swellings=[
                swelling(Side.LEFT, extent=Extent.WHOLE_LEG),
                swelling(Side.LEFT, extent=Extent.LIMITED),
            ]
        )
    )
    assert leg(state).whole_leg is True


def test_limited_is_not_whole_leg() -> None:
    state = state_of(
        record(swellings=[swelling(Side.LEFT, extent=Extent.LIMITED)], diagnoses=[MASS_LEFT])
    )
    assert leg(state).whole_leg is False


@pytest.mark.parametrize(
    ("cue", "whole"),
    [
        (diagnosis(Concept.PELVIC_MASS, Side.LEFT), True),
        (diagnosis(Concept.ILIAC_COMPRESSION, Side.LEFT), True),
        (diagnosis(Concept.PELVIC_MASS, Side.BILATERAL), True),
        (diagnosis(Concept.PELVIC_MASS, Side.RIGHT), False),
        (diagnosis(Concept.PELVIC_MASS, Side.UNKNOWN), False),
        (None, False),
    ],
    ids=[
        "mass-same-side",
        "compression-same-side",
        "mass-bilateral",
        "mass-other-side",
        "mass-unknown-side",
        "no-cue",
    ],
)
def test_extent_unknown_is_whole_leg_only_with_a_same_side_iliac_cue(
    cue: Diagnosis | None, whole: bool
) -> None:
    diagnoses = [cue] if cue else []
    state = state_of(record(swellings=[swelling(Side.LEFT)], diagnoses=diagnoses))
    assert leg(state).whole_leg is whole


def test_compression_on_imaging_is_a_cue_for_its_side() -> None:
    ct = study(
        Modality.CT_VENOGRAPHY, Side.UNKNOWN, 10, Result.NEGATIVE, compression_side=Side.LEFT
    )
    state = state_of(record(swellings=[swelling(Side.LEFT)], imaging=[ct]))
    assert leg(state).whole_leg is True
    assert state.compression_sides == {Side.LEFT}
    assert state.iliac_context is True


# ---------------------------------------------------------------- DVT status


def test_no_duplex_is_not_excluded() -> None:
    assert leg(state_of(record(swellings=[swelling()]))).dvt_status is DvtStatus.NOT_EXCLUDED


def test_acute_dvt_in_the_leg_confirms() -> None:
    state = state_of(record(swellings=[swelling()], diagnoses=[dvt(Side.LEFT)]))
    assert leg(state).dvt_status is DvtStatus.CONFIRMED
    assert leg(state).acute_dvt is True


def test_dvt_of_the_other_leg_or_unknown_side_does_not_confirm() -> None:
    state = state_of(record(swellings=[swelling()], diagnoses=[dvt(Side.RIGHT), dvt(Side.UNKNOWN)]))
    assert leg(state).dvt_status is DvtStatus.NOT_EXCLUDED
    assert state.acute_dvt is True


def test_any_acute_dvt_confirms_a_swelling_of_unknown_side() -> None:
    state = state_of(record(swellings=[swelling(Side.UNKNOWN)], diagnoses=[dvt(Side.RIGHT)]))
    assert leg(state, Side.UNKNOWN).dvt_status is DvtStatus.CONFIRMED
    old = state_of(record(swellings=[swelling(Side.UNKNOWN)], diagnoses=[dvt(Side.RIGHT, 31)]))
    assert leg(old, Side.UNKNOWN).dvt_status is DvtStatus.NOT_EXCLUDED


def test_iliac_dvt_of_unknown_side_confirms() -> None:
    iliac = dvt(Side.UNKNOWN, site_text="iliac vein")
    state = state_of(record(swellings=[swelling()], diagnoses=[iliac]))
    assert leg(state).dvt_status is DvtStatus.CONFIRMED


@pytest.mark.parametrize(
    ("duplex_days", "status"),
    [(5, DvtStatus.EXCLUDED), (6, DvtStatus.NOT_EXCLUDED)],
    ids=["same-day-as-onset", "day-before-onset"],
)
def test_duplex_must_be_on_or_after_onset(duplex_days: int, status: DvtStatus) -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT, 5)], imaging=[study(days=duplex_days)]))
    assert leg(state).dvt_status is status


@pytest.mark.parametrize(
    ("days", "status"), [(30, DvtStatus.EXCLUDED), (31, DvtStatus.NOT_EXCLUDED)]
)
def test_negative_duplex_counts_within_30_days(days: int, status: DvtStatus) -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT, 60)], imaging=[study(days=days)]))
    assert leg(state).dvt_status is status


def test_undated_swelling_takes_a_duplex_within_30_days() -> None:
    ok = state_of(record(swellings=[swelling(Side.LEFT, None)], imaging=[study(days=30)]))
    assert leg(ok).dvt_status is DvtStatus.EXCLUDED
    assert leg(ok).complete_duplex_since_onset is not None
    old = state_of(record(swellings=[swelling(Side.LEFT, None)], imaging=[study(days=31)]))
    assert leg(old).complete_duplex_since_onset is None


@pytest.mark.parametrize(
    ("duplex_side", "status"),
    [
        (Side.LEFT, DvtStatus.EXCLUDED),
        (Side.BILATERAL, DvtStatus.EXCLUDED),
        (Side.RIGHT, DvtStatus.NOT_EXCLUDED),
        (Side.UNKNOWN, DvtStatus.NOT_EXCLUDED),
    ],
)
def test_duplex_must_cover_the_leg(duplex_side: Side, status: DvtStatus) -> None:
    state = state_of(record(swellings=[swelling()], imaging=[study(side=duplex_side)]))
    assert leg(state).dvt_status is status


def test_unknown_side_swelling_needs_a_bilateral_duplex() -> None:
    left = state_of(record(swellings=[swelling(Side.UNKNOWN)], imaging=[study(side=Side.LEFT)]))
    assert leg(left, Side.UNKNOWN).dvt_status is DvtStatus.NOT_EXCLUDED
    both = state_of(
        record(swellings=[swelling(Side.UNKNOWN)], imaging=[study(side=Side.BILATERAL)])
    )
    assert leg(both, Side.UNKNOWN).dvt_status is DvtStatus.EXCLUDED


def test_limited_duplex_does_not_exclude_but_is_a_negative_duplex() -> None:
    state = state_of(record(swellings=[swelling()], imaging=[study(complete=False)]))
    assert leg(state).dvt_status is DvtStatus.NOT_EXCLUDED
    assert leg(state).complete_duplex_since_onset is None
    assert leg(state).negative_duplex_30d is not None


def test_complete_duplex_with_unknown_result_is_recorded_but_does_not_exclude() -> None:
    state = state_of(record(swellings=[swelling()], imaging=[study(result=Result.UNKNOWN)]))
    assert leg(state).complete_duplex_since_onset is not None
    assert leg(state).dvt_status is DvtStatus.NOT_EXCLUDED


# ---------------------------------------------------------------- pelvic imaging trigger


def whole_left(days: int = 10) -> list[Swelling]:
    return [swelling(Side.LEFT, days, Extent.WHOLE_LEG)]


def test_whole_leg_swelling_after_negative_duplex_triggers_pelvic_imaging() -> None:
    state = state_of(record(swellings=whole_left(), imaging=[study(days=5)]))
    assert leg(state).pelvic_imaging_trigger is True
    assert leg(state).dvt_status is DvtStatus.NOT_EXCLUDED


@pytest.mark.parametrize(("days", "trigger"), [(30, True), (31, False)])
def test_trigger_needs_the_negative_duplex_within_30_days(days: int, trigger: bool) -> None:
    state = state_of(record(swellings=whole_left(60), imaging=[study(days=days, complete=False)]))
    assert leg(state).pelvic_imaging_trigger is trigger


def test_limited_swelling_with_negative_duplex_does_not_trigger() -> None:
    state = state_of(
        record(swellings=[swelling(Side.LEFT, 10, Extent.LIMITED)], imaging=[study(days=5)])
    )
    assert leg(state).pelvic_imaging_trigger is False
    assert leg(state).dvt_status is DvtStatus.EXCLUDED


@pytest.mark.parametrize(
    ("venography_days", "result", "status", "found"),
    [
        (5, Result.NEGATIVE, DvtStatus.EXCLUDED, True),
        (3, Result.NEGATIVE, DvtStatus.EXCLUDED, True),
        (6, Result.NEGATIVE, DvtStatus.NOT_EXCLUDED, False),
        (3, Result.UNKNOWN, DvtStatus.NOT_EXCLUDED, True),
    ],
    ids=["same-day", "after", "before-duplex", "unknown-result"],
)
def test_negative_venography_after_the_duplex_excludes(
    venography_days: int, result: Result, status: DvtStatus, found: bool
) -> None:
    ct = study(Modality.MR_VENOGRAPHY, Side.UNKNOWN, venography_days, result)
    state = state_of(record(swellings=whole_left(), imaging=[study(days=5), ct]))
    assert leg(state).dvt_status is status
    assert (leg(state).venography_since is not None) is found


def test_venography_of_the_other_side_only_does_not_count() -> None:
    ct = study(Modality.CT_VENOGRAPHY, Side.RIGHT, 3)
    state = state_of(record(swellings=whole_left(), imaging=[study(days=5), ct]))
    assert leg(state).venography_since is None


@pytest.mark.parametrize(
    ("waveforms", "trigger"),
    [
        ([DopplerWaveform(Waveform.NON_PHASIC, Side.LEFT, days_ago(4))], True),
        ([DopplerWaveform(Waveform.NON_PHASIC, Side.LEFT, days_ago(31))], False),
        ([DopplerWaveform(Waveform.NON_PHASIC, Side.RIGHT, days_ago(4))], False),
        (
            [
                DopplerWaveform(Waveform.NON_PHASIC, Side.LEFT, days_ago(6)),
                DopplerWaveform(Waveform.PHASIC, Side.LEFT, days_ago(2)),
            ],
            False,
        ),
    ],
    ids=["non-phasic", "too-old", "other-side", "superseded-by-phasic"],
)
def test_cfv_non_phasic_triggers_pelvic_imaging(waveforms: list, trigger: bool) -> None:
    state = state_of(
        record(
            swellings=[swelling(Side.LEFT, 10, Extent.LIMITED)],
            imaging=[study(days=5)],
            waveforms=waveforms,
        )
    )
    assert leg(state).pelvic_imaging_trigger is trigger
    assert (leg(state).cfv_non_phasic is not None) is trigger


def test_cfv_waveform_from_the_duplex_conclusion_counts() -> None:
    duplex = study(days=5, cfv_waveform=Waveform.NON_PHASIC)
    state = state_of(record(swellings=[swelling(Side.LEFT, 10, Extent.LIMITED)], imaging=[duplex]))
    assert leg(state).pelvic_imaging_trigger is True
    assert leg(state).dvt_status is DvtStatus.NOT_EXCLUDED


def observation(days: int, extent: Extent = Extent.WHOLE_LEG) -> Swelling:
    return replace(
        swelling(Side.LEFT, None, extent, ref="Observation/exam"), recorded=days_ago(days)
    )


@pytest.mark.parametrize(
    ("exam_days", "trigger"),
    [(5, True), (4, True), (6, False)],
    ids=["same-day-as-duplex", "after-duplex", "before-duplex"],
)
def test_whole_leg_exam_observation_persists_only_if_dated_on_or_after_the_duplex(
    exam_days: int, trigger: bool
) -> None:
    state = state_of(record(swellings=[observation(exam_days)], imaging=[study(days=5)]))
    assert leg(state).whole_leg is True
    assert leg(state).whole_leg_persists is trigger
    assert leg(state).pelvic_imaging_trigger is trigger
    expected = DvtStatus.NOT_EXCLUDED if trigger else DvtStatus.EXCLUDED
    assert leg(state).dvt_status is expected


def test_active_whole_leg_condition_persists_whatever_its_date() -> None:
    state = state_of(record(swellings=whole_left(20), imaging=[study(days=5)]))
    assert leg(state).whole_leg_persists is True
