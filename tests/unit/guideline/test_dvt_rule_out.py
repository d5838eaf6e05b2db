"""dvt-duplex-ultrasound and pelvic-venous-imaging."""

from __future__ import annotations

import pytest
from builders import AS_OF, diagnosis, dvt, measurement, record, state_of, study, swelling

from cds_hooks.guideline import evaluate_patient_view
from cds_hooks.guideline.dvt_rule_out import dvt_duplex_ultrasound, pelvic_venous_imaging
from cds_hooks.guideline.findings import (
    Concept,
    DopplerWaveform,
    Extent,
    ImagingStudy,
    Measure,
    Modality,
    Result,
    Side,
    Swelling,
    Waveform,
)
from cds_hooks.guideline.recommendation import Indicator, ServiceOrder, Suggestion
from cds_hooks.guideline.state import PathwayState

MASS_LEFT = diagnosis(Concept.PELVIC_MASS, Side.LEFT, 200)


def primary_codes(suggestions: tuple[Suggestion, ...]) -> list[str]:
    return [s.codes[0].code for s in suggestions if isinstance(s, ServiceOrder)]


# ---------------------------------------------------------------- dvt-duplex-ultrasound


@pytest.mark.parametrize(
    ("days", "indicator"),
    [(30, Indicator.CRITICAL), (31, Indicator.WARNING)],
)
def test_duplex_is_critical_when_the_swelling_is_new(days: int, indicator: Indicator) -> None:
    rec = dvt_duplex_ultrasound(state_of(record(swellings=[swelling(Side.LEFT, days)])))
    assert rec is not None
    assert rec.id == "dvt-duplex-ultrasound"
    assert rec.indicator is indicator
    assert rec.sources == ("S1",)
    assert len(rec.summary) < 140


@pytest.mark.parametrize(
    ("swellings", "loinc", "cpt"),
    [
        ([swelling(Side.LEFT)], "39432-0", "93971"),
        ([swelling(Side.RIGHT)], "39443-7", "93971"),
        ([swelling(Side.LEFT), swelling(Side.RIGHT)], "39420-5", "93970"),
        ([swelling(Side.UNKNOWN)], "39420-5", "93970"),
    ],
    ids=["left", "right", "both", "unknown-side"],
)
def test_duplex_suggestion_codes_follow_the_side(
    swellings: list[Swelling], loinc: str, cpt: str
) -> None:
    rec = dvt_duplex_ultrasound(state_of(record(swellings=swellings)))
    assert rec is not None
    (suggestion,) = rec.suggestions
    assert isinstance(suggestion, ServiceOrder)
    assert [(c.system, c.code) for c in suggestion.codes] == [
        ("http://loinc.org", loinc),
        ("http://www.ama-assn.org/go/cpt", cpt),
    ]


def test_duplex_silent_after_a_complete_duplex_since_onset_whatever_its_result() -> None:
    for result in (Result.NEGATIVE, Result.UNKNOWN):
        state = state_of(
            record(swellings=[swelling(Side.LEFT, 5)], imaging=[study(days=5, result=result)])
        )
        assert dvt_duplex_ultrasound(state) is None


def test_duplex_fires_when_the_only_duplex_predates_the_swelling_or_is_limited() -> None:
    before = state_of(record(swellings=[swelling(Side.LEFT, 5)], imaging=[study(days=6)]))
    assert dvt_duplex_ultrasound(before) is not None
    limited = state_of(record(swellings=[swelling(Side.LEFT, 5)], imaging=[study(complete=False)]))
    assert dvt_duplex_ultrasound(limited) is not None


def test_duplex_silent_when_dvt_is_confirmed_in_that_leg() -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT)], diagnoses=[dvt(Side.LEFT)]))
    assert dvt_duplex_ultrasound(state) is None


def test_duplex_targets_only_the_leg_without_confirmed_dvt() -> None:
    state = state_of(
        record(swellings=[swelling(Side.LEFT), swelling(Side.RIGHT)], diagnoses=[dvt(Side.LEFT)])
    )
    rec = dvt_duplex_ultrasound(state)
    assert rec is not None
    assert primary_codes(rec.suggestions) == ["39443-7"]


def test_duplex_silent_without_swelling() -> None:
    assert dvt_duplex_ultrasound(state_of(record(diagnoses=[MASS_LEFT]))) is None


def test_chronic_swelling_with_iliac_context_gets_a_warning_through_the_entry_point() -> None:
    rec = record(swellings=[swelling(Side.LEFT, 400)], diagnoses=[MASS_LEFT])
    found = {r.id: r for r in evaluate_patient_view(rec, as_of=AS_OF)}
    assert found["dvt-duplex-ultrasound"].indicator is Indicator.WARNING


def test_new_swelling_without_context_gets_the_duplex_card_through_the_entry_point() -> None:
    found = evaluate_patient_view(record(swellings=[swelling(Side.RIGHT, 2)]), as_of=AS_OF)
    assert [r.id for r in found] == ["dvt-duplex-ultrasound"]


# ---------------------------------------------------------------- pelvic-venous-imaging


def whole_leg_after_negative_duplex(**extra: list) -> PathwayState:
    return state_of(
        record(
            swellings=[swelling(Side.LEFT, 10, Extent.WHOLE_LEG)],
            imaging=[study(days=5), *extra.pop("imaging", [])],
            **extra,
        )
    )


def test_pelvic_imaging_after_negative_duplex_with_whole_leg_swelling() -> None:
    rec = pelvic_venous_imaging(whole_leg_after_negative_duplex())
    assert rec is not None
    assert rec.indicator is Indicator.WARNING
    assert rec.selection == "at-most-one"
    assert [(s.codes[0].system, s.codes[0].code) for s in rec.suggestions] == [
        ("http://snomed.info/sct", "431676002"),
        ("http://loinc.org", "36789-6"),
    ]
    assert "whole-leg" in rec.detail


def test_pelvic_imaging_in_pregnancy_is_mr_without_contrast_only() -> None:
    state = whole_leg_after_negative_duplex(
        measurements=[measurement(Measure.PREGNANCY_STATUS, 1.0, 3)]
    )
    rec = pelvic_venous_imaging(state)
    assert rec is not None
    (mr,) = rec.suggestions
    assert mr.codes[0].code == "36789-6"
    assert "without contrast" in mr.label


def test_pelvic_imaging_from_unknown_extent_with_a_mass_on_that_side() -> None:
    state = state_of(
        record(swellings=[swelling(Side.LEFT, 10)], imaging=[study(days=5)], diagnoses=[MASS_LEFT])
    )
    assert pelvic_venous_imaging(state) is not None
    no_mass = state_of(record(swellings=[swelling(Side.LEFT, 10)], imaging=[study(days=5)]))
    assert pelvic_venous_imaging(no_mass) is None


def test_pelvic_imaging_for_non_phasic_cfv() -> None:
    state = state_of(
        record(
            swellings=[swelling(Side.LEFT, 10, Extent.LIMITED)],
            imaging=[study(days=5)],
            waveforms=[DopplerWaveform(Waveform.NON_PHASIC, Side.LEFT, study(days=5).when)],
        )
    )
    rec = pelvic_venous_imaging(state)
    assert rec is not None
    assert "non-phasic" in rec.detail


@pytest.mark.parametrize(
    ("waveform_days", "fires"),
    [(5, True), (6, False), (4, False)],
    ids=["same-day-as-the-left-duplex", "day-before", "day-after"],
)
def test_unsided_cfv_waveform_takes_the_side_of_that_days_duplex(
    waveform_days: int, fires: bool
) -> None:
    # "CFV Doppler non-phasic on any duplex": charted without a side on the day of the left
    # duplex it is that duplex's finding; on another day its side stays unknown (silent).
    state = state_of(
        record(
            swellings=[swelling(Side.LEFT, 10, Extent.LIMITED)],
            imaging=[study(days=5)],
            waveforms=[
                DopplerWaveform(Waveform.NON_PHASIC, Side.UNKNOWN, study(days=waveform_days).when)
            ],
        )
    )
    assert (pelvic_venous_imaging(state) is not None) is fires


@pytest.mark.parametrize(
    ("imaging", "fires"),
    [
        ([study(Modality.CT_VENOGRAPHY, Side.UNKNOWN, 4)], False),
        ([study(Modality.MR_VENOGRAPHY, Side.UNKNOWN, 5, Result.UNKNOWN)], False),
        ([study(Modality.CT_VENOGRAPHY, Side.UNKNOWN, 6)], True),
    ],
    ids=["ct-after", "mr-same-day", "ct-before-duplex"],
)
def test_pelvic_imaging_silent_once_venography_is_done_since(
    imaging: list[ImagingStudy], fires: bool
) -> None:
    rec = pelvic_venous_imaging(whole_leg_after_negative_duplex(imaging=imaging))
    assert (rec is not None) is fires


def test_pelvic_imaging_silent_when_dvt_confirmed_or_duplex_too_old() -> None:
    confirmed = whole_leg_after_negative_duplex(diagnoses=[dvt(Side.LEFT)])
    assert pelvic_venous_imaging(confirmed) is None
    old = state_of(
        record(swellings=[swelling(Side.LEFT, 60, Extent.WHOLE_LEG)], imaging=[study(days=31)])
    )
    assert pelvic_venous_imaging(old) is None


def test_pelvic_imaging_and_duplex_do_not_both_fire_for_one_leg() -> None:
    # After a complete duplex since onset only pelvic imaging remains to be done.
    ids = [
        r.id
        for r in evaluate_patient_view(
            record(swellings=[swelling(Side.LEFT, 10, Extent.WHOLE_LEG)], imaging=[study(days=5)]),
            as_of=AS_OF,
        )
    ]
    assert "pelvic-venous-imaging" in ids
    assert "dvt-duplex-ultrasound" not in ids
