"""Acceptance: stent draft orders in the shapes EHRs send (parameter units and texts,
ServiceRequest detail, several stents, the other side) through order-sign/order-select."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from fixtures import orders
from tests.acceptance.support_nivl import (
    SELECT,
    SIGN,
    card,
    coding,
    concept,
    ids,
    ivus_obs,
    nivl_workup,
    patient,
    post,
)

PCS = "http://www.cms.gov/Medicare/Coding/ICD10"




def confirmed(key: str):
    b = patient(key)
    nivl_workup(b)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    return b


def device_request(params: list[dict[str, Any]], text: str, note: str = "") -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DeviceRequest",
        "status": "draft",
        "intent": "order",
        "codeCodeableConcept": concept(text=text),
    }
    if params:
        resource["parameter"] = params
    if note:
        resource["note"] = [{"text": note}]
    return resource


def test_parameters_with_text_codes_and_spelled_units(client: FlaskClient) -> None:
    b = confirmed("spell")
    b.draft(device_request(
        [
            {"code": concept(text="Stent diameter"),
             "valueQuantity": {"value": 14, "unit": "millimeter"}},
            {"code": concept(text="Stent length"),
             "valueQuantity": {"value": 40, "unit": "millimeter"}},
        ],
        "Venous stent, left common iliac vein",
    ))
    assert ids(post(client, b, SIGN)) == ["stent-length-too-short"]


def test_parameters_mixed_mm_and_cm(client: FlaskClient) -> None:
    b = confirmed("mixed")
    b.draft(device_request(
        [
            {"code": concept(text="Diameter"), "valueQuantity": {
                "value": 16, "unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}},
            {"code": concept(text="Length"), "valueQuantity": {
                "value": 9, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"}},
        ],
        "Venous stent, left common iliac vein",
    ))
    assert post(client, b, SIGN) == []


def test_text_size_mixed_units(client: FlaskClient) -> None:
    b = confirmed("mixtxt")
    b.draft(orders.stent_service_request("Left CIV venous stent 16 mm x 9 cm"))
    assert post(client, b, SIGN) == []


def test_order_detail_diameter_and_length_entries(client: FlaskClient) -> None:
    b = confirmed("odet")
    b.draft({
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "order",
        "code": concept(coding(PCS, "067D3DZ", "Dilation of Left Common Iliac Vein with "
                                               "Intraluminal Device, Percutaneous Approach")),
        "orderDetail": [concept(text="Diameter 14 mm"), concept(text="Length 40 mm")],
    })
    assert ids(post(client, b, SIGN)) == ["stent-length-too-short"]


@pytest.mark.parametrize("text", ["Abre 14mm x 60mm", "Venovo venous stent 14 x 120 mm"])
def test_size_in_note_or_name_long_enough(client: FlaskClient, text: str) -> None:
    b = confirmed("brand")
    b.draft(device_request([], "Iliac vein stent, left", note=text))
    assert post(client, b, SIGN) == []


def test_two_stents_one_card_for_the_short_one(client: FlaskClient) -> None:
    b = confirmed("two")
    short = b.draft(orders.iliac_stent_device("left", 14, 40))
    b.draft(orders.iliac_stent_device("left", 16, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-length-too-short"]
    c = card(cards, "stent-length-too-short")
    (action,) = [a for s in c["suggestions"] for a in s["actions"]]
    assert action["type"] == "update"
    assert action["resource"]["id"] == short.split("/")[1]
    # The updated order must not contradict itself: its note carries the new length too.
    assert action["resource"]["note"][0]["text"].endswith("14 x 60 mm")


def test_no_update_suggested_when_stent_is_not_justified(client: FlaskClient) -> None:
    b = patient("nojust")
    nivl_workup(b)
    b.draft(orders.iliac_stent_device("left", 14, 40))
    c = card(post(client, b, SIGN), "stent-length-too-short")
    assert "suggestions" not in c


def test_stent_on_the_other_side_of_the_ivus_lesion(client: FlaskClient) -> None:
    b = confirmed("other")
    b.draft(orders.iliac_stent_device("right", 14, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-diameter-sizing", "stent-without-ivus-confirmation"]
    c = card(cards, "stent-without-ivus-confirmation")
    assert c["indicator"] == "critical"
    missing = c["detail"].split("**Not on record / not assessed**")[1]
    assert "other side" in missing
    assert "Swelling of the right leg" in missing


def test_brand_name_with_size_is_not_repeated_in_evidence(client: FlaskClient) -> None:
    b = confirmed("wall")
    b.draft(device_request([], "Wallstent 18 x 90 mm left CIV"))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-diameter-sizing"]
    detail = card(cards, "stent-diameter-sizing")["detail"]
    assert "18 mm is outside 14-17 mm" in detail
    assert "18 x 90 mm left CIV 18 mm x 90 mm" not in detail


def test_order_select_only_the_filter_selected(client: FlaskClient) -> None:
    b = confirmed("selflt")
    b.draft(orders.iliac_stent_device("left", 14, 40))
    flt = b.draft(orders.ivc_filter_order())
    assert ids(post(client, b, SELECT, selections=[flt])) == ["ivc-filter-not-indicated"]


def test_length_update_for_a_cm_order_restates_the_note(client: FlaskClient) -> None:
    b = confirmed("cmupd")
    ref = b.draft(orders.iliac_stent_device("left", 1.4, 4, "cm"))
    c = card(post(client, b, SIGN), "stent-length-too-short")
    (action,) = [a for s in c["suggestions"] for a in s["actions"]]
    assert action["type"] == "update" and action["resource"]["id"] == ref.split("/")[1]
    params = {p["code"]["coding"][0]["code"]: p["valueQuantity"]
              for p in action["resource"]["parameter"]}
    assert (params["410668003"]["value"], params["410668003"]["code"]) == (60, "mm")
    assert params["81827009"]["value"] == 1.4  # the diameter is left as ordered
    assert action["resource"]["note"][0]["text"].endswith("1.4 x 6 cm")
    assert "40 mm" in c["summary"]


def _sized_device(device_id: str, length: float) -> dict[str, Any]:
    # R4 Device.property.valueQuantity is a list (0..*); no size in the device's name.
    return {
        "resourceType": "Device",
        "id": device_id,
        "status": "active",
        "deviceName": [{"name": "Venous stent", "type": "user-friendly-name"}],
        "type": concept(text="Venous stent"),
        "property": [
            {"type": concept(coding("http://snomed.info/sct", "81827009", "Diameter")),
             "valueQuantity": [{"value": 14, "unit": "mm",
                                "system": "http://unitsofmeasure.org", "code": "mm"}]},
            {"type": concept(coding("http://snomed.info/sct", "410668003", "Length")),
             "valueQuantity": [{"value": length, "unit": "mm",
                                "system": "http://unitsofmeasure.org", "code": "mm"}]},
        ],
    }


@pytest.mark.parametrize(("length", "expected"), [(40, ["stent-length-too-short"]), (60, [])])
def test_referenced_device_property_list(client: FlaskClient, length: float,
                                         expected: list[str]) -> None:
    b = confirmed("devref")
    request = {"resourceType": "DeviceRequest", "id": "dr-ref", "status": "draft",
               "intent": "order", "codeReference": {"reference": "Device/stent-1"},
               "subject": {"reference": b.ref}, "note": [{"text": "Left common iliac vein"}]}
    assert ids(post(client, b, SIGN, drafts=[request, _sized_device("stent-1", length)])) == (
        expected
    )


def test_contained_device_property_list(client: FlaskClient) -> None:
    b = confirmed("devcont")
    request = {"resourceType": "DeviceRequest", "id": "dr-cont", "status": "draft",
               "intent": "order", "contained": [_sized_device("d", 40)],
               "codeReference": {"reference": "#d"}, "subject": {"reference": b.ref},
               "note": [{"text": "Left common iliac vein"}]}
    assert ids(post(client, b, SIGN, drafts=[request])) == ["stent-length-too-short"]


@pytest.mark.parametrize(
    ("length_value", "expected"),
    [
        ({"valueCodeableConcept": {"text": "40 mm"}}, ["stent-length-too-short"]),
        ({"valueCodeableConcept": {"text": "6 cm"}}, []),
        ({"valueRange": {"low": {"value": 59, "unit": "mm"}, "high": {"value": 59, "unit": "mm"}}},
         ["stent-length-too-short"]),
    ],
)
def test_parameter_values_as_text_or_range(
    client: FlaskClient, length_value: dict[str, Any], expected: list[str]
) -> None:
    b = confirmed("ptext")
    b.draft(device_request(
        [
            {"code": concept(text="Diameter"), "valueCodeableConcept": {"text": "14 mm"}},
            {"code": concept(text="Length"), **length_value},
        ],
        "Venous stent, left common iliac vein",
    ))
    assert ids(post(client, b, SIGN)) == expected


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("Left external iliac vein stent 14 x 40", True),  # unit-less size ending the text
        ("Left external iliac vein stent 14 x 60", False),
        ("Left CIV venous stent 1.4 x 5.9", True),  # unit-less centimetres
    ],
)
def test_unitless_size_at_the_end_of_the_name(client: FlaskClient, text: str,
                                              short: bool) -> None:
    b = confirmed("unitless")
    b.draft(device_request([], text))
    assert ("stent-length-too-short" in ids(post(client, b, SIGN))) is short
