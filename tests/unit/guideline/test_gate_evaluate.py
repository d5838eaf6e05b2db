"""Entry points: one recommendation per id, catalog suppressions and ordering."""

from __future__ import annotations

from builders import (
    AS_OF,
    diagnosis,
    dvt,
    measurement,
    order,
    record,
    swelling,
)

from cds_hooks.guideline import (
    CATALOG_ORDER,
    ORDER_IDS,
    evaluate_orders,
    evaluate_patient_view,
    finalize,
)
from cds_hooks.guideline.findings import (
    Concept,
    Measure,
    OrderKind,
    Side,
    StentSite,
    VeinLevel,
)
from cds_hooks.guideline.recommendation import Indicator, Recommendation

ALL_IDS = frozenset(CATALOG_ORDER)


def rec(rid: str, indicator: Indicator = Indicator.INFO, summary: str = "") -> Recommendation:
    return Recommendation(id=rid, indicator=indicator, summary=summary or rid)


def test_sorted_by_indicator_then_catalog_order() -> None:
    found = finalize(
        [
            rec("post-stent-surveillance"),
            rec("mass-characterization", Indicator.WARNING),
            rec("pelvic-venous-imaging", Indicator.WARNING),
            rec("thrombolysis-consider", Indicator.CRITICAL),
            rec("dvt-anticoagulation-lmwh", Indicator.CRITICAL),
        ],
        ALL_IDS,
    )
    assert [r.id for r in found] == [
        "dvt-anticoagulation-lmwh",
        "thrombolysis-consider",
        "pelvic-venous-imaging",
        "mass-characterization",
        "post-stent-surveillance",
    ]


def test_one_per_id_keeping_the_most_severe_then_the_first() -> None:
    found = finalize(
        [
            rec("dvt-duplex-ultrasound", Indicator.WARNING, "first warning"),
            rec("dvt-duplex-ultrasound", Indicator.CRITICAL, "critical"),
            rec("dvt-duplex-ultrasound", Indicator.CRITICAL, "second critical"),
        ],
        ALL_IDS,
    )
    assert [r.summary for r in found] == ["critical"]


def test_catalog_suppressions_are_enforced() -> None:
    nivl = [
        rec("nivl-stent-candidate"),
        rec("nivl-stent-not-indicated"),
        rec("nivl-stent-criteria-incomplete"),
        rec("ivus-before-intervention", Indicator.WARNING),
    ]
    extrinsic = finalize(
        [*nivl, rec("extrinsic-compression-treat-cause", Indicator.WARNING)], ALL_IDS
    )
    assert [r.id for r in extrinsic] == ["extrinsic-compression-treat-cause"]
    bilateral = finalize([*nivl, rec("bilateral-edema-systemic-cause", Indicator.WARNING)], ALL_IDS)
    assert [r.id for r in bilateral] == [
        "bilateral-edema-systemic-cause",
        "nivl-stent-not-indicated",
    ]
    precedence = finalize(
        [rec("nivl-stent-criteria-incomplete"), rec("nivl-stent-not-indicated")], ALL_IDS
    )
    assert [r.id for r in precedence] == ["nivl-stent-not-indicated"]


def test_ids_outside_the_hook_are_dropped() -> None:
    found = finalize([rec("dvt-duplex-ultrasound"), rec("ivc-filter-not-indicated")], ORDER_IDS)
    assert [r.id for r in found] == ["ivc-filter-not-indicated"]


def test_patient_view_full_dvt_presentation() -> None:
    patient = record(
        swellings=[swelling(Side.LEFT, 2), swelling(Side.RIGHT, 2)],
        diagnoses=[dvt(Side.LEFT), diagnosis(Concept.LIMB_ISCHEMIA, Side.LEFT, hours=4)],
        measurements=[
            measurement(Measure.WEIGHT, 80),
            measurement(Measure.SYSTOLIC_BP, 82, hours=1),
        ],
    )
    found = evaluate_patient_view(patient, as_of=AS_OF)
    ids = [r.id for r in found]
    assert ids[:3] == ["dvt-duplex-ultrasound", "dvt-anticoagulation-lmwh", "thrombolysis-consider"]
    assert len(ids) == len(set(ids))
    assert [r.indicator for r in found] == sorted(
        (r.indicator for r in found), key=lambda i: i.rank
    )
    assert all(len(r.summary) < 140 for r in found)


def test_patient_view_never_returns_order_only_cards() -> None:
    patient = record(swellings=[swelling(Side.LEFT, 2)], diagnoses=[dvt(level=VeinLevel.DISTAL)])
    ids = {r.id for r in evaluate_patient_view(patient, as_of=AS_OF)}
    assert ids & (ORDER_IDS - {"post-stent-antithrombotic-review"}) == set()


def test_stent_order_is_passed_to_the_stent_checks_with_the_draft_context() -> None:
    mass = diagnosis(Concept.ILIAC_COMPRESSION, Side.LEFT, 100)
    stent = order(
        OrderKind.STENT,
        "DeviceRequest/stent",
        stent_site=StentSite.ILIAC_FEMORAL,
        side=Side.LEFT,
        diameter_mm=14,
        length_mm=40,
    )
    found = evaluate_orders(record(diagnoses=[mass]), [stent], as_of=AS_OF)
    ids = [r.id for r in found]
    assert "stent-length-too-short" in ids
    assert set(ids) <= ORDER_IDS
    assert [r.indicator for r in found] == sorted(
        (r.indicator for r in found), key=lambda i: i.rank
    )
    other_site = order(OrderKind.STENT, "DeviceRequest/coronary", stent_site=StentSite.OTHER)
    assert evaluate_orders(record(diagnoses=[mass]), [other_site], as_of=AS_OF) == []
