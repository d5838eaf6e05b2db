"""Catalog v2.2 safety rules in the pure core: intracranial hemorrhage contraindicates
anticoagulation, the "thrombolysis contraindicated" state (ESC 2019) with its windows, HIT at any
time, and the cards that name the finding they rely on."""

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
    order,
    record,
    state_of,
)

from cds_hooks.guideline import evaluate_orders, evaluate_patient_view
from cds_hooks.guideline.dvt_treatment import (
    anticoagulation_contraindicated_ivc_filter,
    dvt_anticoagulation_lmwh,
    thrombolysis_consider,
)
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    DrugClass,
    Measure,
    OrderKind,
    PatientRecord,
    Side,
    VeinLevel,
)
from cds_hooks.guideline.order_safety import thrombolysis_not_indicated
from cds_hooks.guideline.recommendation import Indicator
from cds_hooks.guideline.settings import GuidelineSettings

ICH = Concept.INTRACRANIAL_HEMORRHAGE


def lytic() -> object:
    alteplase = medication("alteplase", drug_class=DrugClass.THROMBOLYTIC)
    return order(OrderKind.THROMBOLYSIS, "MedicationRequest/lytic", medication=alteplase)


def severe(*extra: Diagnosis, weight: float | None = 70) -> PatientRecord:
    """Acute proximal DVT + limb-threatening ischemia + systolic 85: thrombolysis indicated."""
    measurements = [measurement(Measure.SYSTOLIC_BP, 85, hours=1)]
    if weight:
        measurements.append(measurement(Measure.WEIGHT, weight))
    return record(
        diagnoses=[dvt(Side.LEFT, 2), diagnosis(Concept.LIMB_ISCHEMIA, Side.LEFT, hours=3), *extra],
        measurements=measurements,
    )


def no_lysis(*extra: Diagnosis, **settings: object) -> bool:
    return state_of(record(diagnoses=list(extra)), **settings).thrombolysis_contraindicated


# ---------------------------------------------------------------- anticoagulation: ICH


@pytest.mark.parametrize(("days", "contraindicated"), [(29, True), (30, True), (31, False)])
def test_intracranial_hemorrhage_within_30_days_contraindicates_anticoagulation(
    days: int, contraindicated: bool
) -> None:
    state = state_of(record(diagnoses=[diagnosis(ICH, days=days, ref="Condition/ich")]))
    assert state.anticoagulation_contraindicated is contraindicated
    if contraindicated:
        assert state.contraindications[0].text == "Intracranial hemorrhage (active)"
        assert state.contraindications[0].refs == ("Condition/ich",)


def test_intracranial_bleed_also_mapped_as_major_bleeding_is_cited_once() -> None:
    both = [
        diagnosis(Concept.MAJOR_BLEEDING, days=3, ref="Condition/ich"),
        diagnosis(ICH, days=3, ref="Condition/ich"),
    ]
    state = state_of(record(diagnoses=both))
    assert [e.text for e in state.contraindications] == ["Intracranial hemorrhage (active)"]
    assert len(state.thrombolysis_contraindications) == 1


@pytest.mark.parametrize(
    "finding",
    [diagnosis(ICH, days=3, active=False), diagnosis(ICH, days=3, suspected=True)],
    ids=["resolved", "suspected"],
)
def test_resolved_or_suspected_ich_does_not_contraindicate_anticoagulation(
    finding: Diagnosis,
) -> None:
    state = state_of(record(diagnoses=[finding]))
    assert state.anticoagulation_contraindicated is False
    assert state.thrombolysis_contraindicated is True  # but it is a prior ICH for lysis


def test_ich_gives_the_filter_card_not_lmwh_and_names_the_finding() -> None:
    rec = record(
        diagnoses=[dvt(level=VeinLevel.PROXIMAL), diagnosis(ICH, days=4, ref="Condition/sdh")],
        measurements=[measurement(Measure.WEIGHT, 70)],
    )
    ids = [r.id for r in evaluate_patient_view(rec, as_of=AS_OF)]
    assert "dvt-anticoagulation-lmwh" not in ids
    assert "anticoagulation-contraindicated-ivc-filter" in ids
    card = anticoagulation_contraindicated_ivc_filter(state_of(rec))
    assert card is not None
    assert f"Intracranial hemorrhage (active) (Condition/sdh, {days_ago(4).date()})" in card.detail


def test_ich_with_distal_dvt_gives_no_filter() -> None:
    rec = record(diagnoses=[dvt(level=VeinLevel.DISTAL), diagnosis(ICH, days=4)])
    ids = [r.id for r in evaluate_patient_view(rec, as_of=AS_OF)]
    assert "anticoagulation-contraindicated-ivc-filter" not in ids
    assert "dvt-anticoagulation-lmwh" not in ids


# ---------------------------------------------------------------- thrombolysis contraindicated


def _case_id(d: Diagnosis) -> str:
    age = f"{(AS_OF.date() - d.recorded.date()).days}d" if d.recorded else "undated"
    status = "suspected" if d.suspected else "active" if d.active else "resolved"
    return f"{d.concept}-{age}-{status}"



@pytest.mark.parametrize(
    ("finding", "contraindicated"),
    [
        (diagnosis(ICH, days=10 * 365, active=False), True),
        (diagnosis(ICH, days=None, active=False), True),
        (diagnosis(Concept.STROKE_UNKNOWN_TYPE, days=20 * 365, active=False), True),
        (diagnosis(Concept.STROKE_UNKNOWN_TYPE, days=3), True),
        (diagnosis(Concept.ISCHEMIC_STROKE, days=179), True),
        (diagnosis(Concept.ISCHEMIC_STROKE, days=180), True),
        (diagnosis(Concept.ISCHEMIC_STROKE, days=181), False),
        (diagnosis(Concept.ISCHEMIC_STROKE, days=170, active=False), True),
        (diagnosis(Concept.ISCHEMIC_STROKE, days=None), True),
        (diagnosis(Concept.ISCHEMIC_STROKE, days=None, active=False), False),
        (diagnosis(Concept.CNS_NEOPLASM, days=3000), True),
        (diagnosis(Concept.CNS_NEOPLASM, days=30, active=False), False),
        (diagnosis(Concept.MAJOR_SURGERY, days=20), True),
        (diagnosis(Concept.MAJOR_SURGERY, days=21), True),
        (diagnosis(Concept.MAJOR_SURGERY, days=22), False),
        (diagnosis(Concept.MAJOR_SURGERY, days=None), False),
        (diagnosis(Concept.HEAD_INJURY, days=20), True),
        (diagnosis(Concept.HEAD_INJURY, days=21), True),
        (diagnosis(Concept.HEAD_INJURY, days=22), False),
        (diagnosis(Concept.TRAUMA, days=21), True),
        (diagnosis(Concept.TRAUMA, days=22), False),
        (diagnosis(Concept.TRAUMA, days=10, active=False), True),
        (diagnosis(Concept.BLEEDING_DIATHESIS, days=2000), True),
        (diagnosis(Concept.BLEEDING_DIATHESIS, days=20, active=False), False),
        (diagnosis(Concept.BLEEDING_DIATHESIS, days=20, suspected=True), True),
        (diagnosis(Concept.MAJOR_BLEEDING, days=30), True),
        (diagnosis(Concept.MAJOR_BLEEDING, days=31), False),
        (diagnosis(Concept.STROKE_TIA, days=3), False),
        (diagnosis(Concept.THROMBOPHILIA, days=3), False),
    ],
    ids=lambda v: str(v) if isinstance(v, bool) else _case_id(v),
)
def test_thrombolysis_contraindications_and_their_windows(
    finding: Diagnosis, contraindicated: bool
) -> None:
    assert no_lysis(finding) is contraindicated


@pytest.mark.parametrize(("value", "contraindicated"), [(49, True), (50, False)])
def test_low_platelets_contraindicate_thrombolysis_too(value: float, contraindicated: bool) -> None:
    state = state_of(record(measurements=[measurement(Measure.PLATELETS, value, 1)]))
    assert state.thrombolysis_contraindicated is contraindicated


@pytest.mark.parametrize(
    ("setting", "concept", "days"),
    [
        ("ischemic_stroke_days", Concept.ISCHEMIC_STROKE, 90),
        ("major_surgery_days", Concept.MAJOR_SURGERY, 14),
        ("trauma_days", Concept.HEAD_INJURY, 14),
        ("trauma_days", Concept.TRAUMA, 14),
    ],
)
def test_each_window_is_a_setting(setting: str, concept: Concept, days: int) -> None:
    assert no_lysis(diagnosis(concept, days=days), **{setting: days}) is True
    assert no_lysis(diagnosis(concept, days=days + 1), **{setting: days}) is False
    assert getattr(GuidelineSettings(), setting) in (180, 21)


def test_future_dated_surgery_is_not_recent() -> None:
    surgery = replace(diagnosis(Concept.MAJOR_SURGERY), recorded=days_ago(-5))
    assert no_lysis(surgery) is False


def test_each_finding_is_named_with_its_status_and_wording() -> None:
    ich = replace(diagnosis(ICH, days=900, active=False, ref="Condition/old-ich"))
    surgery = Diagnosis(
        concept=Concept.MAJOR_SURGERY,
        onset=days_ago(10),
        source=replace(ich.source, refs=("Procedure/crani",), display="Craniotomy"),
    )
    state = state_of(record(diagnoses=[ich, surgery]))
    texts = [(e.text, e.refs, e.date) for e in state.thrombolysis_contraindications]
    old_ich = ("Intracranial hemorrhage (resolved)", ("Condition/old-ich",),
               str(days_ago(900).date()))
    assert old_ich in texts
    assert ("Major surgery: Craniotomy", ("Procedure/crani",), str(days_ago(10).date())) in texts


# ---------------------------------------------------------------- thrombolysis-consider


def test_thrombolysis_consider_fires_without_contraindication() -> None:
    assert thrombolysis_consider(state_of(severe())) is not None


@pytest.mark.parametrize(
    "finding",
    [
        diagnosis(ICH, days=5 * 365, active=False),
        diagnosis(Concept.ISCHEMIC_STROKE, days=170),
        diagnosis(Concept.CNS_NEOPLASM, days=400),
        diagnosis(Concept.MAJOR_SURGERY, days=10),
        diagnosis(Concept.HEAD_INJURY, days=19),
        diagnosis(Concept.BLEEDING_DIATHESIS, days=700),
        diagnosis(Concept.STROKE_UNKNOWN_TYPE, days=3000, active=False),
    ],
    ids=lambda d: str(d.concept),
)
def test_thrombolysis_consider_silent_when_contraindicated(finding: Diagnosis) -> None:
    state = state_of(severe(finding))
    assert state.anticoagulation_contraindicated is False
    assert thrombolysis_consider(state) is None
    ids = [r.id for r in evaluate_patient_view(severe(finding), as_of=AS_OF)]
    assert "thrombolysis-consider" not in ids
    assert "dvt-anticoagulation-lmwh" in ids  # anticoagulation itself stays possible


def test_ischemic_stroke_181_days_ago_lets_thrombolysis_be_considered() -> None:
    state = state_of(severe(diagnosis(Concept.ISCHEMIC_STROKE, days=181)))
    assert thrombolysis_consider(state) is not None


# ---------------------------------------------------------------- thrombolysis-not-indicated


def test_thrombolytic_order_with_a_contraindication_is_critical_and_names_it() -> None:
    stroke = diagnosis(Concept.ISCHEMIC_STROKE, days=170, ref="Condition/stroke")
    rec = thrombolysis_not_indicated(state_of(severe(stroke)), [lytic()])
    assert rec is not None
    assert rec.indicator is Indicator.CRITICAL
    assert "ischemic stroke" in rec.summary and len(rec.summary) < 140
    assert f"Ischemic stroke (Condition/stroke, {days_ago(170).date()})" in rec.detail
    assert "8%" in rec.detail and "ESC2019" in rec.sources


def test_thrombolytic_order_without_criteria_or_contraindication_is_a_warning() -> None:
    bare = record(diagnoses=[dvt(Side.LEFT, 2)])
    rec = thrombolysis_not_indicated(state_of(bare), [lytic()])
    assert rec is not None and rec.indicator is Indicator.WARNING
    assert "ESC2019" not in rec.sources


@pytest.mark.parametrize("selections", [None, frozenset({"MedicationRequest/lytic"})])
def test_order_hooks_critical_for_a_contraindicated_lytic(selections: frozenset | None) -> None:
    surgery = diagnosis(Concept.MAJOR_SURGERY, days=19, ref="Procedure/lap")
    found = evaluate_orders(severe(surgery), [lytic()], as_of=AS_OF, selections=selections)
    assert [(r.id, r.indicator) for r in found] == [
        ("thrombolysis-not-indicated", Indicator.CRITICAL)
    ]
    assert "Procedure/lap" in found[0].detail


def test_indicated_lytic_without_contraindication_gives_no_card() -> None:
    assert evaluate_orders(severe(), [lytic()], as_of=AS_OF) == []
    late = diagnosis(Concept.MAJOR_SURGERY, days=22)
    assert evaluate_orders(severe(late), [lytic()], as_of=AS_OF) == []


# ---------------------------------------------------------------- heparin contraindicated


@pytest.mark.parametrize(
    "hit",
    [
        diagnosis(Concept.HIT, days=5 * 365, active=False, ref="Condition/hit"),
        diagnosis(Concept.HIT, days=3 * 365, ref="Condition/hit"),
        diagnosis(Concept.HIT, days=20, suspected=True, ref="Condition/hit"),
    ],
    ids=["resolved-5y", "active-3y", "suspected"],
)
def test_lmwh_card_names_the_hit_and_asks_for_a_non_heparin_agent(hit: Diagnosis) -> None:
    rec = record(diagnoses=[dvt(), hit], measurements=[measurement(Measure.WEIGHT, 70)])
    card = dvt_anticoagulation_lmwh(state_of(rec))
    assert card is not None
    assert card.suggestions == ()
    assert f"(Condition/hit, {hit.recorded.date()})" in card.detail
    assert "Heparin-induced thrombocytopenia" in card.detail
    assert "non-heparin anticoagulant" in card.detail
    assert "enoxaparin" not in (card.summary + card.detail).lower()
    assert "ASH2018" in card.sources


def test_active_prophylactic_heparin_is_to_be_stopped_after_hit() -> None:
    hit = diagnosis(Concept.HIT, days=800, active=False)
    heparin = medication("heparin", 5000, "U", route="subcutaneous")
    rec = record(diagnoses=[dvt(), hit], medications=[heparin])
    card = dvt_anticoagulation_lmwh(state_of(rec))
    assert card is not None and "heparin order is a heparin: stop it" in card.detail
