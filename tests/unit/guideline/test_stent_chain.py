"""The NIVL/stent rules through `derive_state` and the entry points (the whole chain)."""

from __future__ import annotations

from cds_hooks.guideline import evaluate_orders, evaluate_patient_view
from cds_hooks.guideline.findings import (
    Behavior,
    Concept,
    DrugClass,
    MassNature,
    Modality,
    OrderKind,
    Side,
    StentSite,
)
from cds_hooks.guideline.recommendation import Indicator
from tests.unit.guideline.builders import (
    AS_OF,
    diagnosis,
    iliac_stent,
    ivus,
    lesion,
    mass_nature,
    medication,
    nivl_record,
    order,
    record,
    study,
    swelling,
)


def ids(rec) -> set[str]:
    return {r.id for r in evaluate_patient_view(rec, as_of=AS_OF)}


def order_ids(rec, orders, selections=None) -> dict[str, Indicator]:
    found = evaluate_orders(rec, orders, as_of=AS_OF, selections=selections)
    return {r.id: r.indicator for r in found}


def stent_order(length: float = 100, diameter: float = 16, ref: str = "DeviceRequest/s"):
    return order(
        OrderKind.STENT,
        ref,
        side=Side.LEFT,
        stent_site=StentSite.ILIAC_FEMORAL,
        diameter_mm=diameter,
        length_mm=length,
    )


def test_full_nivl_work_up_makes_a_stent_candidate() -> None:
    assert ids(nivl_record()) == {"nivl-stent-candidate"}


def test_before_ivus_the_work_up_asks_for_venography_with_ivus() -> None:
    rec = nivl_record(ivus_stenoses=[], lesion_behaviors=[], reference_diameters=[])
    assert ids(rec) == {"ivus-before-intervention"}


def test_ivus_at_61_is_not_indicated_through_the_chain() -> None:
    assert ids(nivl_record(ivus_stenoses=[ivus(61)])) == {"nivl-stent-not-indicated"}
    assert ids(nivl_record(ivus_stenoses=[ivus(61.5)])) == {"nivl-stent-candidate"}


def test_without_a_duplex_dvt_is_not_excluded() -> None:
    rec = nivl_record(
        imaging=[study(Modality.CT_VENOGRAPHY, Side.UNKNOWN, 4, compression_side=Side.LEFT)]
    )
    found = ids(rec)
    assert "nivl-stent-criteria-incomplete" in found
    assert "nivl-stent-candidate" not in found


def test_dynamic_lesion_through_the_chain() -> None:
    rec = nivl_record(lesion_behaviors=[lesion(Behavior.DYNAMIC)])
    assert ids(rec) == {"nivl-stent-not-indicated"}


def test_extrinsic_cause_suppresses_nivl_cards_through_the_chain() -> None:
    rec = nivl_record(masses=[mass_nature(MassNature.MALIGNANT)])
    assert ids(rec) == {"extrinsic-compression-treat-cause"}


def test_bilateral_swelling_through_the_chain() -> None:
    rec = nivl_record(swellings=[swelling(Side.LEFT, 20), swelling(Side.RIGHT, 20)])
    found = ids(rec)
    assert "bilateral-edema-systemic-cause" in found
    assert "nivl-stent-candidate" not in found
    assert "nivl-stent-not-indicated" in found


def test_stent_in_place_gets_post_stent_cards_only() -> None:
    aspirin = medication("aspirin", 81, drug_class=DrugClass.ANTIPLATELET)
    rec = nivl_record(stents=[iliac_stent(Side.LEFT, 90)], medications=[aspirin])
    assert ids(rec) == {"post-stent-antithrombotic-review"}  # duplex 5 days ago: surveilled
    old_stent = nivl_record(
        stents=[iliac_stent(Side.LEFT, 900)],
        medications=[aspirin],
        imaging=[study(Modality.DUPLEX, Side.LEFT, 400)],
        swellings=[],
    )
    assert ids(old_stent) == {"post-stent-surveillance", "post-stent-antithrombotic-review"}


def test_stent_without_swelling_is_in_scope_for_surveillance() -> None:
    rec = record(stents=[iliac_stent(Side.LEFT, 400)])
    assert ids(rec) == {"post-stent-surveillance"}


# ---------------------------------------------------------------- order hooks


def test_well_sized_stent_for_a_candidate_raises_nothing() -> None:
    assert order_ids(nivl_record(), [stent_order()]) == {}


def test_short_stent_is_critical_through_the_chain() -> None:
    found = order_ids(nivl_record(), [stent_order(length=59)])
    assert found == {"stent-length-too-short": Indicator.CRITICAL}
    assert order_ids(nivl_record(), [stent_order(length=60)]) == {}


def test_stent_without_ivus_and_oversized_through_the_chain() -> None:
    rec = nivl_record(ivus_stenoses=[], lesion_behaviors=[])
    found = order_ids(rec, [stent_order(diameter=18)])
    assert found == {
        "stent-without-ivus-confirmation": Indicator.CRITICAL,
        "stent-diameter-sizing": Indicator.WARNING,
    }
    with_ivus = [stent_order(diameter=18), order(OrderKind.VENOGRAPHY_IVUS, "ServiceRequest/v")]
    assert order_ids(rec, with_ivus)["stent-without-ivus-confirmation"] is Indicator.INFO


def test_order_select_evaluates_only_selected_stents() -> None:
    orders = [stent_order(length=40, ref="DeviceRequest/a"), stent_order(ref="DeviceRequest/b")]
    assert order_ids(nivl_record(), orders, frozenset({"DeviceRequest/b"})) == {}
    assert "stent-length-too-short" in order_ids(
        nivl_record(), orders, frozenset({"DeviceRequest/a"})
    )


def test_drafted_antithrombotic_after_stenting_is_reviewed() -> None:
    rec = record(stents=[iliac_stent(Side.LEFT, 400)])
    rx = order(
        OrderKind.ANTITHROMBOTIC,
        "MedicationRequest/rx",
        medication=medication("clopidogrel", 75, drug_class=DrugClass.ANTIPLATELET),
    )
    assert order_ids(rec, [rx]) == {"post-stent-antithrombotic-review": Indicator.INFO}
    with_af = record(
        stents=[iliac_stent(Side.LEFT, 400)],
        diagnoses=[diagnosis(Concept.ATRIAL_FIBRILLATION, days=300)],
    )
    assert order_ids(with_af, [rx]) == {}
