"""Catalog v2.2: a DVT's stated onset decides acuity; a DVT's level is the most proximal level
stated by any record of the same DVT; a calf-only positive duplex is distal."""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import FILTER_ORDER, days_ago, diagnosis, dvt, record, state_of, study

from cds_hooks.guideline import evaluate_orders, evaluate_patient_view
from cds_hooks.guideline.dvt_treatment import anticoagulation_contraindicated_ivc_filter
from cds_hooks.guideline.findings import Concept, Diagnosis, Modality, Result, Side, VeinLevel
from cds_hooks.guideline.order_safety import ivc_filter_not_indicated

BLEEDING = diagnosis(Concept.MAJOR_BLEEDING, days=2)


def positive_duplex(
    side: Side = Side.LEFT,
    days: float | None = 2,
    level: VeinLevel = VeinLevel.UNKNOWN,
    ref: str = "DiagnosticReport/duplex",
):
    return study(Modality.DUPLEX, side, days, Result.POSITIVE, ref=ref, level=level)


def onset_dvt(onset_days: int | None, recorded_days: int | None, **kw) -> Diagnosis:
    base = dvt(Side.LEFT, recorded_days, **kw)
    return replace(base, onset=days_ago(onset_days) if onset_days is not None else None)


# ---------------------------------------------------------------- acuity: the stated onset


@pytest.mark.parametrize(("onset", "acute"), [(29, True), (30, True), (31, False)])
def test_stated_onset_decides_even_when_recorded_today(onset: int, acute: bool) -> None:
    state = state_of(record(diagnoses=[onset_dvt(onset, 0)]))
    assert state.acute_dvt is acute
    assert state.prior_vte is True


@pytest.mark.parametrize(("recorded", "acute"), [(29, True), (30, True), (31, False)])
def test_recorded_date_decides_without_a_stated_onset(recorded: int, acute: bool) -> None:
    assert state_of(record(diagnoses=[onset_dvt(None, recorded)])).acute_dvt is acute


def test_recent_stated_onset_is_acute_whatever_the_recorded_date() -> None:
    assert state_of(record(diagnoses=[onset_dvt(5, 60)])).acute_dvt is True


def test_re_recorded_old_dvt_gets_no_lmwh_card() -> None:
    old = onset_dvt(45, 1)
    recs = evaluate_patient_view(record(diagnoses=[old]), as_of=days_ago(0))
    assert "dvt-anticoagulation-lmwh" not in {r.id for r in recs}


def test_old_dvt_keeps_its_imaging_when_the_condition_names_it_as_evidence() -> None:
    duplex = positive_duplex(days=3, ref="DiagnosticReport/d1")
    linked = replace(onset_dvt(60, 1), evidence_refs=("DiagnosticReport/d1",))
    assert state_of(record(diagnoses=[linked], imaging=[duplex])).acute_dvt is False
    # An unlinked positive duplex within 30 days is an acute DVT on its own (catalog).
    unlinked = onset_dvt(60, 1)
    assert state_of(record(diagnoses=[unlinked], imaging=[duplex])).acute_dvt is True


def test_undated_condition_alone_is_not_acute() -> None:
    assert state_of(record(diagnoses=[onset_dvt(None, None)])).acute_dvt is False


# ---------------------------------------------------------------- level: most proximal record


def levels(diagnoses: list[Diagnosis], imaging: list) -> tuple[bool, bool]:
    state = state_of(record(diagnoses=diagnoses, imaging=imaging))
    assert state.acute_dvt is True
    return state.acute_proximal_dvt, state.acute_dvt_level_unknown


def test_calf_only_duplex_makes_the_dvt_distal() -> None:
    assert levels([], [positive_duplex(level=VeinLevel.DISTAL)]) == (False, False)


def test_condition_without_level_takes_the_level_of_its_duplex() -> None:
    condition = dvt(Side.LEFT, 2, level=VeinLevel.UNKNOWN)
    assert levels([condition], [positive_duplex(level=VeinLevel.DISTAL)]) == (False, False)


def test_the_most_proximal_record_wins() -> None:
    femoral = dvt(Side.LEFT, 2, level=VeinLevel.PROXIMAL)
    assert levels([femoral], [positive_duplex(level=VeinLevel.DISTAL)]) == (True, False)
    calf = dvt(Side.LEFT, 2, level=VeinLevel.DISTAL)
    proximal_duplex = positive_duplex(level=VeinLevel.PROXIMAL)
    assert levels([calf], [proximal_duplex]) == (True, False)


def test_unknown_side_record_joins_the_only_leg_with_a_dvt() -> None:
    unsided = dvt(Side.UNKNOWN, 2, level=VeinLevel.UNKNOWN)
    assert levels([unsided], [positive_duplex(level=VeinLevel.DISTAL)]) == (False, False)


def test_unknown_side_record_stays_unknown_when_both_legs_have_a_dvt() -> None:
    unsided = dvt(Side.UNKNOWN, 2, level=VeinLevel.UNKNOWN)
    left = positive_duplex(Side.LEFT, level=VeinLevel.DISTAL, ref="DiagnosticReport/l")
    right = positive_duplex(Side.RIGHT, level=VeinLevel.DISTAL, ref="DiagnosticReport/r")
    assert levels([unsided], [left, right]) == (False, True)
    # Linked by its evidence, it belongs to that leg's DVT.
    linked = replace(unsided, evidence_refs=("DiagnosticReport/r",))
    assert levels([linked], [left, right]) == (False, False)


def test_each_leg_is_its_own_dvt() -> None:
    left = positive_duplex(Side.LEFT, level=VeinLevel.DISTAL, ref="DiagnosticReport/l")
    right_condition = dvt(Side.RIGHT, 2, level=VeinLevel.UNKNOWN)
    assert levels([right_condition], [left]) == (False, True)


def test_bilateral_record_belongs_to_both_legs() -> None:
    both = dvt(Side.BILATERAL, 2, level=VeinLevel.UNKNOWN)
    left = positive_duplex(Side.LEFT, level=VeinLevel.DISTAL, ref="DiagnosticReport/l")
    assert levels([both], [left]) == (False, True)  # the right leg's level is not stated
    right = positive_duplex(Side.RIGHT, level=VeinLevel.PROXIMAL, ref="DiagnosticReport/r")
    assert levels([both], [left, right]) == (True, False)


def test_undated_condition_resting_on_acute_imaging_states_its_level() -> None:
    undated = dvt(Side.LEFT, None, level=VeinLevel.PROXIMAL)
    assert levels([undated], [positive_duplex()]) == (True, False)
    assert state_of(record(diagnoses=[undated])).acute_dvt is False


def test_old_records_state_no_level_of_the_acute_dvt() -> None:
    old_femoral = onset_dvt(60, 60, level=VeinLevel.PROXIMAL)
    assert levels([old_femoral], [positive_duplex(level=VeinLevel.DISTAL)]) == (False, False)


def test_pelvic_venography_is_proximal() -> None:
    ctv = study(Modality.CT_VENOGRAPHY, Side.LEFT, 2, Result.POSITIVE)
    assert levels([], [positive_duplex(level=VeinLevel.DISTAL), ctv]) == (True, False)


# ---------------------------------------------------------------- the IVC filter rules


def test_calf_only_duplex_with_contraindication_warns_against_a_filter_order() -> None:
    rec = record(diagnoses=[BLEEDING], imaging=[positive_duplex(level=VeinLevel.DISTAL)])
    state = state_of(rec)
    warning = ivc_filter_not_indicated(state, [FILTER_ORDER])
    assert warning is not None and "distal" in warning.summary
    assert anticoagulation_contraindicated_ivc_filter(state) is None
    found = evaluate_orders(rec, [FILTER_ORDER], as_of=days_ago(0))
    assert [r.id for r in found] == ["ivc-filter-not-indicated"]


def test_calf_condition_plus_unleveled_duplex_is_distal_for_the_filter() -> None:
    calf = dvt(Side.LEFT, 2, level=VeinLevel.DISTAL)
    rec = record(diagnoses=[calf, BLEEDING], imaging=[positive_duplex()])
    assert ivc_filter_not_indicated(state_of(rec), [FILTER_ORDER]) is not None
    assert anticoagulation_contraindicated_ivc_filter(state_of(rec)) is None


def test_proximal_record_of_the_same_dvt_keeps_the_filter_card() -> None:
    femoral = dvt(Side.LEFT, 2, level=VeinLevel.PROXIMAL)
    rec = record(diagnoses=[femoral, BLEEDING], imaging=[positive_duplex(level=VeinLevel.DISTAL)])
    assert anticoagulation_contraindicated_ivc_filter(state_of(rec)) is not None
    assert ivc_filter_not_indicated(state_of(rec), [FILTER_ORDER]) is None


# ---------------------------------------------------------------- onsetAge


@pytest.mark.parametrize(
    ("onset_age", "recorded", "acute"),
    [
        # born 1970-05-01; AS_OF 2026-11-27
        ((55.0, "a"), 1, False),  # 2025-05-01 .. 2026-04-30: old although recorded yesterday
        ((56.0, "a"), 1, True),  # 2026-05-01 .. 2027-04-30 straddles the window: recorded
        ((56.0, "a"), 60, False),  # date decides
        ((678.0, "mo"), 60, True),  # 2026-11-01 .. 2026-11-30: within 30 days
        ((677.0, "mo"), 60, False),  # 2026-10-01 .. 2026-10-31 straddles: recorded decides
        ((676.0, "mo"), 1, False),  # 2026-09-01 .. 2026-09-30: old
        ((2919.0, "wk"), 1, False),  # 2026-04-10 .. 2026-04-16: old
        ((20634.0, "d"), 60, True),  # 1970-05-01 + 20634 days = 2026-10-28: 30 days ago
        ((20633.0, "d"), 1, False),  # 2026-10-27: 31 days ago, old although recorded yesterday
    ],
)
def test_onset_age_from_the_birth_date(
    onset_age: tuple[float, str], recorded: int, acute: bool
) -> None:
    d = replace(dvt(Side.LEFT, recorded), onset_age=onset_age)
    assert state_of(record(diagnoses=[d])).acute_dvt is acute


def test_onset_age_without_a_birth_date_leaves_the_recorded_date() -> None:
    from cds_hooks.guideline.findings import Patient

    d = replace(dvt(Side.LEFT, 1), onset_age=(10.0, "a"))
    rec = record(diagnoses=[d], patient=Patient(ref="Patient/x"))
    assert state_of(rec).acute_dvt is True


def test_future_onset_is_a_data_error_and_the_recorded_date_decides() -> None:
    d = replace(dvt(Side.LEFT, 1), onset=days_ago(-10))
    assert state_of(record(diagnoses=[d])).acute_dvt is True


def test_filter_warning_never_calls_an_unleveled_dvt_distal() -> None:
    rec = record(diagnoses=[dvt(Side.LEFT, 2, level=VeinLevel.UNKNOWN)])
    warning = ivc_filter_not_indicated(state_of(rec), [FILTER_ORDER])
    assert warning is not None
    assert "distal" not in warning.summary and "no stated proximal level" in warning.summary
    assert len(warning.summary) < 140
    assert any("level not stated" in e.text for e in warning.evidence)


@pytest.mark.parametrize(
    ("month", "recorded", "acute"),
    [
        (10, 1, True),  # October 2026 straddles the window (Oct 1 .. 31): the recorded date
        (10, 60, False),  # decides
        (9, 1, False),  # September 2026 is wholly older than 30 days
        (11, 60, True),  # November 2026 starts within the window
    ],
)
def test_partial_onset_month(month: int, recorded: int, acute: bool) -> None:
    from calendar import monthrange
    from datetime import UTC, datetime

    first = datetime(2026, month, 1, tzinfo=UTC)
    last = datetime(2026, month, monthrange(2026, month)[1], tzinfo=UTC)
    d = replace(dvt(Side.LEFT, recorded), onset=first, onset_last_day=last)
    assert state_of(record(diagnoses=[d])).acute_dvt is acute


@pytest.mark.parametrize(
    "condition",
    [
        dvt(Side.LEFT, 2, level=VeinLevel.PROXIMAL, active=False),
        dvt(Side.LEFT, 2, level=VeinLevel.PROXIMAL, suspected=True),
        replace(dvt(Side.LEFT, None, level=VeinLevel.PROXIMAL), active=False),
    ],
    ids=["resolved", "suspected", "undated-resolved"],
)
def test_resolved_or_suspected_conditions_state_no_level(condition: Diagnosis) -> None:
    assert levels([condition], [positive_duplex(level=VeinLevel.DISTAL)]) == (False, False)
