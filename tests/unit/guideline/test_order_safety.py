"""ivc-filter-not-indicated, thrombolysis-not-indicated and the evaluate_orders entry point."""

from __future__ import annotations

from typing import Any

import pytest
from builders import (
    AS_OF,
    diagnosis,
    dvt,
    measurement,
    medication,
    order,
    record,
    state_of,
    swelling,
)

from cds_hooks.guideline import evaluate_orders
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    DraftOrder,
    DrugClass,
    IliacStent,
    Measure,
    OrderKind,
    PatientRecord,
    Side,
    VeinLevel,
)
from cds_hooks.guideline.order_safety import (
    OVERRIDE_SYSTEM,
    ivc_filter_not_indicated,
    thrombolysis_not_indicated,
)
from cds_hooks.guideline.recommendation import Indicator, OrderEdit, Recommendation

FILTER = order(OrderKind.IVC_FILTER, "ServiceRequest/filter", display="IVC filter insertion")
BLEEDING = diagnosis(Concept.MAJOR_BLEEDING, days=2)


def lytic(ref: str = "MedicationRequest/lytic", **kwargs: Any) -> DraftOrder:
    alteplase = medication("alteplase", drug_class=DrugClass.THROMBOLYTIC)
    return order(OrderKind.THROMBOLYSIS, ref, medication=alteplase, **kwargs)


def filter_card(diagnoses: list[Diagnosis]) -> Recommendation | None:
    return ivc_filter_not_indicated(state_of(record(diagnoses=diagnoses)), [FILTER])


# ---------------------------------------------------------------- IVC filter


@pytest.mark.parametrize(
    ("diagnoses", "fires"),
    [
        ([dvt(level=VeinLevel.PROXIMAL), BLEEDING], False),
        ([dvt(level=VeinLevel.PROXIMAL)], True),
        ([dvt(level=VeinLevel.DISTAL), BLEEDING], True),
        ([dvt(days=31, level=VeinLevel.PROXIMAL), BLEEDING], True),
        ([BLEEDING], True),
        ([], True),
        ([dvt(level=VeinLevel.UNKNOWN), BLEEDING], False),
        ([dvt(level=VeinLevel.UNKNOWN)], True),
        ([diagnosis(Concept.PULMONARY_EMBOLISM, days=3), BLEEDING], False),
        ([diagnosis(Concept.PULMONARY_EMBOLISM, days=31), BLEEDING], True),
        ([diagnosis(Concept.PULMONARY_EMBOLISM, days=3)], True),
    ],
    ids=[
        "indicated",
        "anticoagulation-possible",
        "distal",
        "dvt-31d",
        "no-dvt",
        "nothing",
        "level-unknown-contraindicated",
        "level-unknown-not-contraindicated",
        "acute-pe-contraindicated",
        "pe-31d-contraindicated",
        "acute-pe-anticoagulation-possible",
    ],
)
def test_ivc_filter_not_indicated(diagnoses: list[Diagnosis], fires: bool) -> None:
    rec = filter_card(diagnoses)
    assert (rec is not None) is fires


def test_ivc_filter_card_carries_overrides_refs_and_a_delete_suggestion() -> None:
    rec = filter_card([dvt(level=VeinLevel.DISTAL)])
    assert rec is not None
    assert rec.indicator is Indicator.WARNING
    assert rec.order_refs == ("ServiceRequest/filter",)
    assert rec.override_reasons
    assert all(c.system == OVERRIDE_SYSTEM and c.display for c in rec.override_reasons)
    (edit,) = rec.suggestions
    assert isinstance(edit, OrderEdit)
    assert (edit.action, edit.target_ref) == ("delete", "ServiceRequest/filter")
    assert "distal" in rec.summary
    assert len(rec.summary) < 140


def test_platelets_edge_for_the_filter_order() -> None:
    def with_platelets(value: float) -> Recommendation | None:
        rec = record(diagnoses=[dvt()], measurements=[measurement(Measure.PLATELETS, value)])
        return ivc_filter_not_indicated(state_of(rec), [FILTER])

    assert with_platelets(49) is None
    assert with_platelets(50) is not None


# ---------------------------------------------------------------- thrombolysis


def severe_record(
    *, ischemia: bool = True, systolic: float = 85, dvt_days: int = 2, bleeding: bool = False
) -> PatientRecord:
    diagnoses = [dvt(Side.LEFT, dvt_days)]
    if ischemia:
        diagnoses.append(diagnosis(Concept.LIMB_ISCHEMIA, Side.LEFT, hours=3))
    if bleeding:
        diagnoses.append(BLEEDING)
    return record(
        diagnoses=diagnoses, measurements=[measurement(Measure.SYSTOLIC_BP, systolic, hours=1)]
    )


def test_thrombolysis_indicated_is_silent() -> None:
    assert thrombolysis_not_indicated(state_of(severe_record()), [lytic()]) is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"ischemia": False}, "limb-threatening ischemia"),
        ({"systolic": 90}, "severe hypotension"),
        ({"dvt_days": 31}, "acute DVT"),
        ({"bleeding": True}, "contraindicated"),
    ],
    ids=["no-ischemia", "systolic-90", "dvt-31d", "contraindicated"],
)
def test_thrombolysis_not_indicated(kwargs: dict, words: str) -> None:
    rec = thrombolysis_not_indicated(state_of(severe_record(**kwargs)), [lytic()])
    assert rec is not None
    # Catalog v2.2: "warning; critical when thrombolysis is contraindicated".
    expected = Indicator.CRITICAL if kwargs.get("bleeding") else Indicator.WARNING
    assert rec.indicator is expected
    assert words in rec.summary
    assert "8%" in rec.quote and "8%" in rec.detail
    assert rec.order_refs == ("MedicationRequest/lytic",)
    assert rec.override_reasons
    assert len(rec.summary) < 140


def test_thrombolysis_order_at_systolic_89_is_indicated() -> None:
    assert thrombolysis_not_indicated(state_of(severe_record(systolic=89)), [lytic()]) is None


# ---------------------------------------------------------------- evaluate_orders


def test_out_of_scope_orders_give_no_cards() -> None:
    # No acute DVT and no reason: the thrombolytic is not for this pathway.
    assert evaluate_orders(record(), [lytic()], as_of=AS_OF) == []
    stroke = lytic(reason_concepts=("stroke",))
    assert evaluate_orders(severe_record(ischemia=False), [stroke], as_of=AS_OF) == []
    cathflo = lytic(total_dose_mg=2.0)
    assert evaluate_orders(severe_record(ischemia=False), [cathflo], as_of=AS_OF) == []


def test_dvt_reason_brings_a_thrombolytic_in_scope_without_acute_dvt() -> None:
    found = evaluate_orders(record(), [lytic(reason_concepts=("dvt",))], as_of=AS_OF)
    assert [r.id for r in found] == ["thrombolysis-not-indicated"]


def test_order_sign_evaluates_every_draft_order() -> None:
    found = evaluate_orders(severe_record(ischemia=False), [FILTER, lytic()], as_of=AS_OF)
    assert [r.id for r in found] == ["ivc-filter-not-indicated", "thrombolysis-not-indicated"]


def test_order_select_only_the_selections_raise_cards() -> None:
    rec = severe_record(ischemia=False)
    found = evaluate_orders(
        rec, [FILTER, lytic()], as_of=AS_OF, selections=frozenset({"MedicationRequest/lytic"})
    )
    assert [r.id for r in found] == ["thrombolysis-not-indicated"]
    assert evaluate_orders(rec, [FILTER, lytic()], as_of=AS_OF, selections=frozenset()) == []


def test_order_hooks_never_repeat_patient_view_cards() -> None:
    rec = record(
        swellings=[swelling(Side.LEFT, 2)],
        diagnoses=[dvt()],
        measurements=[measurement(Measure.WEIGHT, 70)],
    )
    found = evaluate_orders(rec, [FILTER], as_of=AS_OF)
    assert [r.id for r in found] == ["ivc-filter-not-indicated"]


def test_antithrombotic_order_with_a_stent_reaches_the_post_stent_review() -> None:
    apixaban = order(
        OrderKind.ANTITHROMBOTIC, "MedicationRequest/apixaban", medication=medication("apixaban", 5)
    )
    with_stent = record(stents=[IliacStent(Side.LEFT)])
    found = evaluate_orders(with_stent, [apixaban], as_of=AS_OF)
    assert [r.id for r in found] == ["post-stent-antithrombotic-review"]
    assert found[0].order_refs == ("MedicationRequest/apixaban",)
    assert evaluate_orders(record(), [apixaban], as_of=AS_OF) == []
