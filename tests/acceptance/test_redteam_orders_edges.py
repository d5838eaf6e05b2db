"""Red-team acceptance: order-sign / order-select edge cases found by review (draft Bundle
shapes, selections, reasons named outside reasonCode, infusion rates, a stent sent as both
placement and device), each through the real endpoint."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.service_catalog import get_service
from fhir_mapping.stent_size import parse_stent_size
from fixtures import orders
from fixtures.build import prefetch_for
from fixtures.fhir import Builder
from tests.acceptance.support_nivl import (
    ICD10,
    SELECT,
    SIGN,
    SNOMED,
    at,
    card,
    coding,
    concept,
    ids,
    ivus_obs,
    nivl_workup,
    patient,
    post,
)
from tests.acceptance.test_orders_lytics_filters import dvt_patient, med

CPT = "http://www.ama-assn.org/go/cpt"
URN = "urn:uuid:1b3c5e6a-0000-4000-8000-000000000001"




def confirmed(key: str) -> Builder:
    """Left NIVL work-up complete, IVUS 72% fixed, reference EIV 13 mm (14-17 mm fits)."""
    b = patient(key)
    nivl_workup(b)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    return b


def call(
    client: FlaskClient,
    b: Builder,
    service_id: str,
    entries: list[dict[str, Any]],
    selections: list[str] | None = None,
) -> Any:
    """POST with hand-made Bundle entries (fullUrl shapes the `post` helper does not make)."""
    service = get_service(service_id)
    assert service is not None
    context: dict[str, Any] = {
        "userId": "Practitioner/example",
        "patientId": b.patient_id,
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": entries},
    }
    if selections is not None:
        context["selections"] = selections
    body = {
        "hook": service.hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": prefetch_for(dict(service.prefetch), b.resources, b.patient_id),
    }
    return client.post(
        f"/cds-services/{service_id}", data=json.dumps(body), content_type="application/json"
    )


def short_device(b: Builder, rid: str | None = None) -> dict[str, Any]:
    resource = orders.iliac_stent_device("left", 14, 40)
    resource["subject"] = {"reference": b.ref}
    if rid:
        resource["id"] = rid
    return resource


def update_action(c: dict[str, Any]) -> dict[str, Any]:
    actions = [a for s in c["suggestions"] for a in s["actions"] if a["type"] == "update"]
    assert len(actions) == 1, c
    return actions[0]


# ---------------------------------------------------------------- Bundle shapes / selections


def test_draft_without_id_absolute_full_url_update_keeps_type_and_id(client: FlaskClient) -> None:
    # Was a 500: resourceId was the whole URL and the update's type check failed.
    b = confirmed("rt-abs")
    draft = short_device(b)
    response = call(
        client, b, SIGN,
        [{"fullUrl": "http://ehr.example/fhir/DeviceRequest/dr-1", "resource": draft}],
    )  # fmt: skip
    assert response.status_code == 200, response.get_data(as_text=True)
    c = card(response.get_json()["cards"], "stent-length-too-short")
    action = update_action(c)
    assert action["resourceId"] == "DeviceRequest/dr-1"
    assert action["resource"]["id"] == "dr-1"
    assert action["resource"]["subject"] == draft["subject"]
    assert action["resource"]["parameter"][0] == draft["parameter"][0]  # diameter untouched


def test_draft_with_urn_uuid_full_url_update_gets_no_invalid_id(client: FlaskClient) -> None:
    b = confirmed("rt-urn")
    response = call(client, b, SIGN, [{"fullUrl": URN, "resource": short_device(b)}])
    assert response.status_code == 200
    action = update_action(card(response.get_json()["cards"], "stent-length-too-short"))
    assert action["resourceId"] == URN
    assert "id" not in action["resource"]  # "urn:uuid:..." is not a FHIR id


@pytest.mark.parametrize(
    ("full_url", "rid", "selection"),
    [
        (None, "dr-9", "dr-9"),  # bare id ("the FHIR id of the newly selected order")
        ("http://ehr.example/fhir/DeviceRequest/dr-1", None, "DeviceRequest/dr-1"),
        ("http://ehr.example/fhir/DeviceRequest/dr-2", "dr-2",
         "http://ehr.example/fhir/DeviceRequest/dr-2"),
        (URN, None, URN),
    ],
)  # fmt: skip
def test_order_select_selection_forms_all_find_the_order(
    client: FlaskClient, full_url: str | None, rid: str | None, selection: str
) -> None:
    b = confirmed("rt-sel")
    entry: dict[str, Any] = {"resource": short_device(b, rid)}
    if full_url:
        entry["fullUrl"] = full_url
    response = call(client, b, SELECT, [entry], selections=[selection])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ids(response.get_json()["cards"]) == ["stent-length-too-short"]


def test_order_select_bare_id_of_unselected_order_raises_nothing(client: FlaskClient) -> None:
    b = confirmed("rt-sel2")
    response = call(
        client, b, SELECT,
        [{"resource": short_device(b, "dr-1")}, {"resource": {**orders.lipid_panel_order(),
                                                              "id": "lab-1"}}],
        selections=["lab-1"],
    )  # fmt: skip
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


def test_order_select_malformed_selection_is_still_400(client: FlaskClient) -> None:
    b = confirmed("rt-sel3")
    response = call(client, b, SELECT, [{"resource": short_device(b, "dr-1")}],
                    selections=["DeviceRequest/dr 1\nx"])
    assert response.status_code == 400


# ---------------------------------------------------------------- thrombolytic indication


def test_stroke_named_in_note_is_out_of_scope(client: FlaskClient) -> None:
    # Catalog: "never when the order names stroke" - a tPA stroke protocol order in a patient
    # who also has an acute DVT must not get a DVT thrombolysis warning.
    b = dvt_patient("rt-stroke")
    lytic = med("alteplase", code="8410", dtext="0.9 mg/kg IV, max 90 mg")
    lytic["note"] = [{"text": "Acute ischemic stroke - tPA protocol"}]
    b.draft(lytic)
    assert post(client, b, SIGN) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dosageInstruction", [{"text": "4 mg total into the occluded PICC line"}]),
        ("note", [{"text": "Massive pulmonary embolism with hypotension"}]),
    ],
)
def test_non_venous_indication_in_order_text_is_out_of_scope(
    client: FlaskClient, field: str, value: Any
) -> None:
    b = dvt_patient("rt-nonven")
    lytic = med("alteplase", code="8410", dtext="10 mg IV bolus then 90 mg over 2 h")
    lytic[field] = value
    b.draft(lytic)
    assert post(client, b, SIGN) == []


def test_dvt_named_in_service_request_text_is_in_scope_without_dvt_on_record(
    client: FlaskClient,
) -> None:
    b = patient("rt-cdt")
    b.draft({
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
        "code": concept(coding(SNOMED, "426347000", "Thrombolytic therapy"),
                        text="Catheter-directed thrombolysis"),
        "orderDetail": [concept(text="for left iliofemoral DVT")],
    })  # fmt: skip
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert "8%" in c["detail"] and "acute dvt" in c["summary"].lower()


def test_stroke_reason_reference_to_a_chart_condition(client: FlaskClient) -> None:
    # The reasonReference points at the patient's Condition (prefetch), not into the Bundle.
    b = dvt_patient("rt-ref-stroke")
    stroke = b.condition(
        concept(coding(ICD10, "I63.9", "Cerebral infarction, unspecified")), onset=at(0)
    )
    lytic = med("alteplase", code="8410", dtext="0.9 mg/kg IV")
    lytic["reasonReference"] = [{"reference": stroke}]
    b.draft(lytic)
    assert post(client, b, SIGN) == []


def test_dvt_reason_reference_to_a_chart_condition_is_in_scope(client: FlaskClient) -> None:
    b = patient("rt-ref-dvt")
    dvt = b.condition(
        concept(coding(ICD10, "I82.412", "Acute embolism and thrombosis of left femoral vein")),
        onset=at(40),
    )
    lytic = med("alteplase", code="8410", dtext="0.5 mg/h via infusion catheter")
    lytic["reasonReference"] = [{"reference": dvt}]
    b.draft(lytic)
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert "8%" in c["detail"]


@pytest.mark.parametrize("dtext", ["1 mg/h via catheter", "2 mg/hr catheter-directed infusion"])
def test_alteplase_infusion_rate_is_not_a_catheter_clearance_dose(
    client: FlaskClient, dtext: str
) -> None:
    # "1 mg/h" is a catheter-directed DVT infusion, not a <= 2 mg total (Cathflo) dose.
    b = dvt_patient("rt-rate")
    b.draft(med("alteplase", code="8410", dtext=dtext))
    assert ids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


def test_alteplase_structured_rate_is_not_a_total_dose(client: FlaskClient) -> None:
    b = dvt_patient("rt-rate2")
    lytic = med("alteplase", code="8410")
    lytic["dosageInstruction"] = [{"doseAndRate": [{"rateQuantity": {
        "value": 1, "unit": "mg/h", "system": "http://unitsofmeasure.org", "code": "mg/h"}}]}]
    b.draft(lytic)
    assert ids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


def test_cathflo_by_name_without_dose_is_catheter_clearance(client: FlaskClient) -> None:
    b = dvt_patient("rt-cathflo")
    b.draft(med("alteplase 2 MG Injection [Cathflo Activase]"))
    assert post(client, b, SIGN) == []


# ---------------------------------------------------------------- stent scope and size


def test_may_thurner_reason_puts_an_unsited_venous_stent_in_scope(client: FlaskClient) -> None:
    b = patient("rt-mt")  # no iliac context on record
    b.draft({
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
        "code": concept(coding(CPT, "37238", "Transcatheter placement of intravascular stent, "
                                             "initial vein"), text="Venous stent placement"),
        "reasonCode": [concept(coding(ICD10, "I87.1", "Compression of vein"),
                               text="May-Thurner syndrome")],
    })  # fmt: skip
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    assert c["indicator"] == "critical"


def test_coded_iliac_vein_body_site_without_display_is_in_scope(client: FlaskClient) -> None:
    b = patient("rt-site")  # no iliac context: only the coded site says iliac
    b.draft({
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
        "code": concept(coding(CPT, "37238")),
        "bodySite": [concept(coding(SNOMED, "46027005"), coding(SNOMED, "7771000"))],
        "orderDetail": [concept(text="14 x 40 mm")],
    })  # fmt: skip
    assert "stent-length-too-short" in ids(post(client, b, SIGN))


def test_other_site_stent_stays_out_of_scope_with_iliac_context(client: FlaskClient) -> None:
    b = confirmed("rt-svc")
    b.draft(orders.stent_service_request("Superior vena cava stent 14 x 40 mm"))
    assert post(client, b, SIGN) == []


def test_device_request_size_as_coded_value_text(client: FlaskClient) -> None:
    b = confirmed("rt-size")
    b.draft({
        "resourceType": "DeviceRequest", "status": "draft", "intent": "order",
        "codeCodeableConcept": concept(text="Venous stent, left common iliac vein"),
        "parameter": [{"code": concept(text="Size"),
                       "valueCodeableConcept": concept(text="14 x 40 mm")}],
    })  # fmt: skip
    assert ids(post(client, b, SIGN)) == ["stent-length-too-short"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60mm long 14mm wide", (14.0, 60.0)),
        ("14 mm wide and 60 mm long", (14.0, 60.0)),
        ("length 90 mm, diameter 16 mm", (16.0, 90.0)),
    ],
)
def test_size_phrasing_long_and_wide(text: str, expected: tuple[float, float]) -> None:
    # "60mm long 14mm wide" used to read length 14 mm: a false critical short-stent card.
    assert parse_stent_size(text) == expected


def test_stent_sent_as_placement_and_device_is_not_flagged_sizeless(client: FlaskClient) -> None:
    b = confirmed("rt-pair")
    b.draft(orders.stent_service_request("Left common iliac vein stent placement"))
    b.draft(orders.iliac_stent_device("left", 15, 80))
    assert post(client, b, SIGN) == []


def test_placement_selected_device_as_context_is_checked_with_its_size(
    client: FlaskClient,
) -> None:
    b = confirmed("rt-pair2")
    placement = b.draft(orders.stent_service_request("Left common iliac vein stent placement"))
    b.draft(orders.iliac_stent_device("left", 20, 40))
    cards = post(client, b, SELECT, selections=[placement])
    assert ids(cards) == ["stent-diameter-sizing", "stent-length-too-short"]


def test_two_differently_sized_devices_leave_a_sizeless_placement_flagged(
    client: FlaskClient,
) -> None:
    b = confirmed("rt-pair3")
    b.draft(orders.stent_service_request("Left common iliac vein stent placement"))
    b.draft(orders.iliac_stent_device("left", 16, 90))
    b.draft(orders.iliac_stent_device("left", 14, 60))
    c = card(post(client, b, SIGN), "stent-diameter-sizing")
    assert "no stent diameter" in c["summary"].lower()


# ---------------------------------------------------------------- hook separation


def test_order_sign_never_repeats_patient_view_cards(client: FlaskClient) -> None:
    b = dvt_patient("rt-pv")  # acute DVT: patient-view would raise LMWH/duplex cards
    b.draft(orders.ivc_filter_order())
    assert ids(post(client, b, SIGN)) == ["ivc-filter-not-indicated"]


def test_order_select_antithrombotic_after_stent_ignores_unselected_filter(
    client: FlaskClient,
) -> None:
    b = patient("rt-at")
    b.iliac_stent("left", 200)
    rx = b.draft(orders.apixaban_order())
    b.draft(orders.ivc_filter_order())
    assert ids(post(client, b, SELECT, selections=[rx])) == ["post-stent-antithrombotic-review"]


# ---------------------------------------------------------------- R4 leniency vs STU3 shapes


def test_draft_without_subject_and_zoneless_date_is_read_not_400(client: FlaskClient) -> None:
    # Not a DSTU2/STU3 shape, only an incomplete draft: a 400 would drop the critical card.
    b = confirmed("rt-lenient")
    draft = orders.iliac_stent_device("left", 14, 40)
    draft["authoredOn"] = "2026-11-27T10:00:00"
    response = call(client, b, SIGN, [{"resource": draft}])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ids(response.get_json()["cards"]) == ["stent-length-too-short"]


def test_stu3_requester_agent_is_still_400(client: FlaskClient) -> None:
    b = dvt_patient("rt-stu3")
    lytic = med("alteplase", code="8410", dtext="20 mg")
    lytic["requester"] = {"agent": {"reference": "Practitioner/1"}}
    b.draft(lytic)
    post(client, b, SIGN, status=400)


def test_one_order_for_ivus_and_stent_is_info_not_critical(client: FlaskClient) -> None:
    # Catalog: info "when the same draft set orders venography/IVUS with the stent" - here the
    # IVUS is in the stent order itself (CPT 37252 + 37238).
    b = patient("rt-combo")
    nivl_workup(b)  # no IVUS on record yet
    b.draft({
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
        "code": concept(
            coding(CPT, "37252", "Intravascular ultrasound, noncoronary vessel"),
            coding(CPT, "37238", "Transcatheter placement of intravascular stent, initial vein"),
            text="Left iliac venography with IVUS, stent if > 61% diameter stenosis",
        ),
        "orderDetail": [concept(text="14 x 90 mm")],
    })  # fmt: skip
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    assert c["indicator"] == "info"


def test_stent_order_alone_without_ivus_stays_critical(client: FlaskClient) -> None:
    b = patient("rt-combo2")
    nivl_workup(b)
    b.draft(orders.stent_service_request("Left common iliac vein stent 14 x 90 mm"))
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    assert c["indicator"] == "critical"


def test_same_draft_sent_twice_gives_one_delete(client: FlaskClient) -> None:
    b = patient("rt-dup")
    draft = {**orders.ivc_filter_order(), "id": "f1", "subject": {"reference": b.ref}}
    cards = post(client, b, SIGN, drafts=[draft, dict(draft)])
    c = card(cards, "ivc-filter-not-indicated")
    actions = [a for s in c["suggestions"] for a in s["actions"]]
    assert [a["resourceId"] for a in actions] == ["ServiceRequest/f1"]


def test_thrombus_wording_in_reason_is_a_venous_indication(client: FlaskClient) -> None:
    b = patient("rt-thrombus")  # no DVT on record: the reason alone puts it in scope
    b.draft(med("Tenecteplase", reason=concept(text="Left iliofemoral thrombus")))
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert "8%" in c["detail"]


@pytest.mark.parametrize(("length", "expected"), [(6, []), (5, ["stent-length-too-short"])])
def test_unitless_parameter_takes_the_unit_its_name_states(
    client: FlaskClient, length: float, expected: list[str]
) -> None:
    # "Length (cm)" = 6 is 60 mm, not a 6 mm stent (a false critical card).
    b = confirmed("rt-unit")
    b.draft({
        "resourceType": "DeviceRequest", "status": "draft", "intent": "order",
        "codeCodeableConcept": concept(text="Venous stent, left common iliac vein"),
        "parameter": [
            {"code": concept(text="Diameter (mm)"), "valueQuantity": {"value": 14}},
            {"code": concept(text="Length (cm)"), "valueQuantity": {"value": length}},
        ],
    })  # fmt: skip
    assert ids(post(client, b, SIGN)) == expected


def test_catheter_directed_venography_is_not_thrombolysis(client: FlaskClient) -> None:
    # With an acute DVT and no reason, a misread "catheter-directed" venography/IVUS order
    # drew a thrombolysis warning.
    b = dvt_patient("rt-cdv")
    b.draft({
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
        "code": concept(coding(CPT, "37252", "Intravascular ultrasound, noncoronary vessel"),
                        text="Catheter-directed venography with IVUS, left iliac veins"),
    })  # fmt: skip
    assert post(client, b, SIGN) == []


def test_catheter_directed_thrombolysis_text_is_still_thrombolysis(client: FlaskClient) -> None:
    b = dvt_patient("rt-cdt2")
    b.draft({
        "resourceType": "ServiceRequest", "status": "draft", "intent": "order",
        "code": concept(text="Catheter-directed thrombolysis and venography, left leg"),
    })  # fmt: skip
    assert ids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


@pytest.mark.parametrize(
    ("full_url", "reference"),
    [
        ("http://ehr.example/fhir/Device/d1", "Device/d1"),
        ("http://ehr.example/fhir/Device/d1", "http://ehr.example/fhir/Device/d1"),
        (URN, URN),
    ],
)
def test_referenced_device_without_id_found_by_full_url(
    client: FlaskClient, full_url: str, reference: str
) -> None:
    b = confirmed("rt-dev")
    device = {
        "resourceType": "Device", "status": "active",
        "deviceName": [{"name": "Venovo venous stent, left common iliac vein",
                        "type": "user-friendly-name"}],
        "property": [
            {"type": concept(coding(SNOMED, "81827009", "Diameter")),
             "valueQuantity": [{"value": 14, "unit": "mm"}]},
            {"type": concept(coding(SNOMED, "410668003", "Length")),
             "valueQuantity": [{"value": 40, "unit": "mm"}]},
        ],
    }  # fmt: skip
    request = {
        "resourceType": "DeviceRequest", "id": "dr-dev", "status": "draft", "intent": "order",
        "subject": {"reference": b.ref}, "codeReference": {"reference": reference},
    }  # fmt: skip
    response = call(client, b, SIGN, [{"resource": request}, {"fullUrl": full_url,
                                                             "resource": device}])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ids(response.get_json()["cards"]) == ["stent-length-too-short"]


@pytest.mark.parametrize(("diameter", "fires"), [(14, True), (16, True), (17, False),
                                                 (20, False), (21, True)])
def test_sizing_uses_the_latest_ivus_reference(
    client: FlaskClient, diameter: float, fires: bool
) -> None:
    b = patient("rt-latest")
    nivl_workup(b)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left", days_ago=9)  # older: 14-17 mm
    b.reference_diameter(16, "mm", "left", days_ago=3)  # latest: 17-20 mm
    b.draft(orders.iliac_stent_device("left", diameter, 90))
    assert ids(post(client, b, SIGN)) == (["stent-diameter-sizing"] if fires else [])
