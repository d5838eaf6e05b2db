"""derive_state: acute DVT, level, sides and prior VTE."""

from __future__ import annotations

import pytest
from builders import diagnosis, dvt, record, state_of, study

from cds_hooks.guideline.findings import Concept, Diagnosis, Modality, Result, Side, VeinLevel


@pytest.mark.parametrize(("days", "acute"), [(29, True), (30, True), (31, False)])
def test_dvt_diagnosis_is_acute_within_30_days(days: int, acute: bool) -> None:
    state = state_of(record(diagnoses=[dvt(Side.LEFT, days)]))
    assert state.acute_dvt is acute
    assert state.prior_vte is True


def test_acute_dvt_window_is_a_setting() -> None:
    state = state_of(record(diagnoses=[dvt(Side.LEFT, 25)]), acute_dvt_days=21)
    assert state.acute_dvt is False


def test_onset_wins_over_a_recent_recorded_date() -> None:
    from dataclasses import replace

    from builders import days_ago

    old_onset = replace(dvt(Side.LEFT, 2), onset=days_ago(60))
    assert state_of(record(diagnoses=[old_onset])).acute_dvt is False


@pytest.mark.parametrize(
    "finding",
    [
        dvt(Side.LEFT, 2, suspected=True),
        dvt(Side.LEFT, 2, active=False),
        dvt(Side.LEFT, None),
        diagnosis(Concept.CHRONIC_DVT, Side.LEFT, 2),
        diagnosis(Concept.VTE_HISTORY, Side.UNKNOWN, 2),
    ],
    ids=["suspected", "resolved", "undated", "chronic", "history"],
)
def test_not_acute(finding: Diagnosis) -> None:
    state = state_of(record(diagnoses=[finding]))
    assert state.acute_dvt is False
    assert state.iliac_context is False


def test_suspected_dvt_is_not_prior_vte_but_resolved_is() -> None:
    assert state_of(record(diagnoses=[dvt(Side.LEFT, 2, suspected=True)])).prior_vte is False
    assert state_of(record(diagnoses=[dvt(Side.LEFT, 400, active=False)])).prior_vte is True
    pe = diagnosis(Concept.PULMONARY_EMBOLISM, days=900, active=False)
    assert state_of(record(diagnoses=[pe])).prior_vte is True


@pytest.mark.parametrize(
    "modality", [Modality.DUPLEX, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY]
)
@pytest.mark.parametrize(("days", "acute"), [(30, True), (31, False)])
def test_positive_imaging_within_30_days_is_acute_dvt(
    modality: Modality, days: int, acute: bool
) -> None:
    state = state_of(record(imaging=[study(modality, Side.RIGHT, days, Result.POSITIVE)]))
    assert state.acute_dvt is acute
    assert state.prior_vte is True


def test_negative_or_unknown_imaging_is_not_dvt() -> None:
    state = state_of(record(imaging=[study(result=Result.NEGATIVE), study(result=Result.UNKNOWN)]))
    assert state.acute_dvt is False
    assert state.prior_vte is False


@pytest.mark.parametrize(
    ("finding", "proximal", "unknown"),
    [
        (dvt(level=VeinLevel.PROXIMAL), True, False),
        (dvt(level=VeinLevel.DISTAL), False, False),
        (dvt(level=VeinLevel.UNKNOWN), False, True),
        (dvt(level=VeinLevel.UNKNOWN, site_text="left common iliac vein"), True, False),
        (dvt(level=VeinLevel.UNKNOWN, site_text="posterior tibial vein"), False, False),
    ],
    ids=["proximal", "distal", "unknown", "iliac-text", "tibial-text"],
)
def test_proximal_level(finding: Diagnosis, proximal: bool, unknown: bool) -> None:
    state = state_of(record(diagnoses=[finding]))
    assert state.acute_proximal_dvt is proximal
    assert state.acute_dvt_level_unknown is unknown


def test_positive_pelvic_venography_is_proximal_but_a_positive_duplex_level_is_unknown() -> None:
    ct = state_of(record(imaging=[study(Modality.CT_VENOGRAPHY, result=Result.POSITIVE)]))
    assert ct.acute_proximal_dvt is True
    duplex = state_of(record(imaging=[study(Modality.DUPLEX, result=Result.POSITIVE)]))
    assert duplex.acute_proximal_dvt is False
    assert duplex.acute_dvt_level_unknown is True


def test_bilateral_dvt_counts_for_both_sides_and_unknown_stays_unknown() -> None:
    both = state_of(record(diagnoses=[dvt(Side.BILATERAL)]))
    assert both.acute_dvt_sides == {Side.LEFT, Side.RIGHT}
    unknown = state_of(record(diagnoses=[dvt(Side.UNKNOWN)]))
    assert unknown.acute_dvt_sides == {Side.UNKNOWN}


def test_acute_dvt_is_iliac_context_and_evidence_cites_it() -> None:
    state = state_of(record(diagnoses=[dvt(Side.LEFT, 3)]))
    assert state.iliac_context is True
    (evidence,) = state.evidence["acute_dvt"]
    assert evidence.refs == ("Condition/dvt",)
    assert evidence.date == "2026-11-24"
