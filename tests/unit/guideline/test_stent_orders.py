"""Order checks on draft iliac venous stents: length, diameter, IVUS confirmation."""

from __future__ import annotations

import pytest

from cds_hooks.guideline.findings import (
    Behavior,
    MassNature,
    OrderKind,
    Side,
    StentSite,
)
from cds_hooks.guideline.recommendation import Indicator, OrderEdit
from cds_hooks.guideline.state import DvtStatus
from cds_hooks.guideline.stent_orders import stent_order_checks
from tests.unit.guideline.builders import (
    direct_state,
    ivus,
    lesion,
    mass_nature,
    nivl_record,
    order,
    reference_diameter,
    swelling,
)


def device_request(length: float = 100) -> dict:
    return {
        "resourceType": "DeviceRequest",
        "id": "stent1",
        "status": "draft",
        "intent": "order",
        "codeCodeableConcept": {"text": "Venous stent, left common iliac vein"},
        "subject": {"reference": "Patient/p1"},
        "parameter": [
            {
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "81827009"}]},
                "valueQuantity": {"value": 16, "unit": "mm"},
            },
            {
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "410668003"}]},
                "valueQuantity": {"value": length, "unit": "mm"},
            },
        ],
    }


def stent(
    diameter: float | None = 16,
    length: float | None = 100,
    *,
    side: Side = Side.LEFT,
    site: StentSite = StentSite.ILIAC_FEMORAL,
    ref: str = "DeviceRequest/stent1",
):
    return order(
        OrderKind.STENT,
        ref,
        side=side,
        stent_site=site,
        diameter_mm=diameter,
        length_mm=length,
        resource=device_request(length or 0),
        display="Venous stent",
    )


VENOGRAPHY = order(OrderKind.VENOGRAPHY_IVUS, "ServiceRequest/ivus")


def check(orders, *, selected=None, status=DvtStatus.EXCLUDED, **fields):
    state = direct_state(nivl_record(**fields), dvt_status=status)
    return {r.id: r for r in stent_order_checks(state, orders, selected)}


def test_well_sized_stent_in_a_candidate_is_silent() -> None:
    assert check([stent()]) == {}


# ---------------------------------------------------------------- length


@pytest.mark.parametrize(("length", "fires"), [(59, True), (59.5, True), (60, False), (61, False)])
def test_length_below_60_mm_is_critical(length: float, fires: bool) -> None:
    cards = check([stent(length=length)])
    assert ("stent-length-too-short" in cards) is fires
    if fires:
        rec = cards["stent-length-too-short"]
        assert rec.indicator is Indicator.CRITICAL
        assert "82.6%" in rec.quote and "16.2%" in rec.quote and "56%" in rec.quote
        assert rec.order_refs == ("DeviceRequest/stent1",)
        assert rec.override_reasons and all(c.display for c in rec.override_reasons)


def test_length_edit_updates_the_length_parameter_when_prerequisites_hold() -> None:
    rec = check([stent(length=40)])["stent-length-too-short"]
    (edit,) = rec.suggestions
    assert isinstance(edit, OrderEdit)
    assert edit.action == "update" and edit.target_ref == "DeviceRequest/stent1"
    assert edit.resource is not None
    assert edit.resource["parameter"][1]["valueQuantity"]["value"] == 60
    assert edit.resource["parameter"][0]["valueQuantity"]["value"] == 16


def test_no_length_edit_when_the_stent_is_not_justified() -> None:
    cards = check([stent(length=40)], ivus_stenoses=[])
    assert "stent-without-ivus-confirmation" in cards
    assert cards["stent-length-too-short"].suggestions == ()


def test_unknown_length_is_not_judged() -> None:
    assert "stent-length-too-short" not in check([stent(length=None)])


# ---------------------------------------------------------------- diameter


@pytest.mark.parametrize(
    ("diameter", "fires"), [(13, True), (13.9, True), (14, False), (17, False), (17.5, True)]
)
def test_diameter_outside_reference_plus_1_to_4_warns(diameter: float, fires: bool) -> None:
    cards = check([stent(diameter=diameter)])
    assert ("stent-diameter-sizing" in cards) is fires
    if fires:
        rec = cards["stent-diameter-sizing"]
        assert rec.indicator is Indicator.WARNING
        # recommendations.md quotes the range as "13 mm → 14-17 mm" (ASCII hyphen).
        assert "14-17 mm" in rec.detail
        assert rec.override_reasons


def test_no_diameter_on_the_order_warns() -> None:
    rec = check([stent(diameter=None)])["stent-diameter-sizing"]
    assert "No stent diameter on the order" in rec.missing


def test_no_ivus_reference_warns() -> None:
    assert "stent-diameter-sizing" in check([stent()], reference_diameters=[])
    non_ivus = [reference_diameter(13, from_ivus=False)]
    assert "stent-diameter-sizing" in check([stent()], reference_diameters=non_ivus)


def test_latest_ivus_reference_is_used() -> None:
    refs = [reference_diameter(10, days=30), reference_diameter(13, days=2)]
    assert "stent-diameter-sizing" not in check([stent(diameter=16)], reference_diameters=refs)
    refs = [reference_diameter(13, days=30), reference_diameter(10, days=2)]
    assert "stent-diameter-sizing" in check([stent(diameter=16)], reference_diameters=refs)


# ---------------------------------------------------------------- IVUS confirmation


@pytest.mark.parametrize(("percent", "fires"), [(61, True), (61.5, False), (62, False)])
def test_stent_needs_ivus_above_61(percent: float, fires: bool) -> None:
    cards = check([stent()], ivus_stenoses=[ivus(percent)])
    assert ("stent-without-ivus-confirmation" in cards) is fires


def test_stent_without_any_ivus_is_critical_and_lists_what_is_missing() -> None:
    rec = check([stent()], ivus_stenoses=[])["stent-without-ivus-confirmation"]
    assert rec.indicator is Indicator.CRITICAL
    assert any("IVUS diameter stenosis" in m for m in rec.missing)
    assert rec.override_reasons and all(c.display for c in rec.override_reasons)
    assert rec.order_refs == ("DeviceRequest/stent1",)


def test_dynamic_or_unstated_lesion_is_not_confirmation() -> None:
    assert "stent-without-ivus-confirmation" in check(
        [stent()], lesion_behaviors=[lesion(Behavior.DYNAMIC)]
    )
    assert "stent-without-ivus-confirmation" in check([stent()], lesion_behaviors=[])


def test_area_stenosis_is_not_confirmation() -> None:
    assert "stent-without-ivus-confirmation" in check(
        [stent()], ivus_stenoses=[ivus(80, area=True)]
    )


def test_leg_without_swelling_is_critical() -> None:
    rec = check([stent()], swellings=[swelling(Side.RIGHT, 20)])
    assert "stent-without-ivus-confirmation" in rec
    assert any(
        "Swelling of the left leg" in m for m in rec["stent-without-ivus-confirmation"].missing
    )


def test_dvt_not_excluded_is_critical() -> None:
    cards = check([stent()], status=DvtStatus.NOT_EXCLUDED)
    assert any("DVT" in m for m in cards["stent-without-ivus-confirmation"].missing)


def test_venography_in_the_same_draft_set_downgrades_to_info() -> None:
    rec = check([stent(), VENOGRAPHY], ivus_stenoses=[])["stent-without-ivus-confirmation"]
    assert rec.indicator is Indicator.INFO
    assert "61%" in rec.summary and "fixed" in rec.summary
    assert rec.override_reasons == ()


def test_unselected_venography_still_downgrades_in_order_select() -> None:
    cards = check(
        [stent(), VENOGRAPHY], selected=frozenset({"DeviceRequest/stent1"}), ivus_stenoses=[]
    )
    assert cards["stent-without-ivus-confirmation"].indicator is Indicator.INFO


def test_malignant_mass_waives_only_the_ivus_test() -> None:
    malignant = [mass_nature(MassNature.MALIGNANT)]
    assert "stent-without-ivus-confirmation" not in check(
        [stent()], ivus_stenoses=[], lesion_behaviors=[], masses=malignant
    )
    cards = check([stent()], ivus_stenoses=[], masses=malignant, status=DvtStatus.NOT_EXCLUDED)
    missing = cards["stent-without-ivus-confirmation"].missing
    assert all("IVUS" not in m for m in missing) and any("DVT" in m for m in missing)


def test_unknown_order_side_uses_the_swollen_side() -> None:
    assert check([stent(side=Side.UNKNOWN)]) == {}
    assert "stent-without-ivus-confirmation" in check(
        [stent(side=Side.UNKNOWN)],
        swellings=[swelling(Side.RIGHT, 20)],
        ivus_stenoses=[ivus(70, Side.LEFT)],
    )


# ---------------------------------------------------------------- scope and selection


def test_stent_at_another_site_is_out_of_scope() -> None:
    assert check([stent(site=StentSite.OTHER, length=40, diameter=None)], ivus_stenoses=[]) == {}


def test_unspecified_site_needs_iliac_context() -> None:
    orders = [stent(site=StentSite.UNSPECIFIED, length=40)]
    assert "stent-length-too-short" in check(orders)
    state = direct_state(nivl_record(), iliac_context=False)
    assert stent_order_checks(state, orders, None) == []


def test_order_select_checks_only_the_selections() -> None:
    orders = [stent(length=40, ref="DeviceRequest/a"), stent(ref="DeviceRequest/b")]
    assert "stent-length-too-short" not in check(orders, selected=frozenset({"DeviceRequest/b"}))
    assert "stent-length-too-short" in check(orders, selected=frozenset({"DeviceRequest/a"}))
    assert check(orders, selected=frozenset()) == {}


def test_one_card_per_check_for_several_stents() -> None:
    orders = [stent(length=40, ref="DeviceRequest/a"), stent(length=50, ref="DeviceRequest/b")]
    rec = check(orders)["stent-length-too-short"]
    assert rec.order_refs == ("DeviceRequest/a", "DeviceRequest/b")
    assert len(rec.suggestions) == 2 and rec.selection == "any"


def test_selected_may_be_given_as_draft_orders() -> None:
    orders = [stent(length=40, ref="DeviceRequest/a"), stent(ref="DeviceRequest/b")]
    assert "stent-length-too-short" in check(orders, selected=orders[:1])
    assert "stent-length-too-short" not in check(orders, selected=orders[1:])


def test_ivus_study_without_a_result_is_not_confirmation() -> None:
    state = direct_state(nivl_record(ivus_stenoses=[]), ivus_done=True)
    (rec,) = [
        r
        for r in stent_order_checks(state, [stent()], None)
        if r.id == "stent-without-ivus-confirmation"
    ]
    assert any("no diameter stenosis reported" in m for m in rec.missing)
