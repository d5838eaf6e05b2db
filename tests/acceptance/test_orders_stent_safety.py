"""Acceptance: order-sign / order-select stent checks, IVC filter, thrombolytics and
antithrombotics after stenting, with draft orders shaped the way EHRs send them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from fixtures import orders
from tests.acceptance.support_nivl import (
    ICD10,
    PV,
    SELECT,
    SIGN,
    SNOMED,
    at,
    card,
    coding,
    concept,
    ids,
    ivus_obs,
    ivus_report,
    nivl_workup,
    patient,
    post,
    qty,
    site,
    text_of,
)

PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
CPT = "http://www.ama-assn.org/go/cpt"




def confirmed(key: str, ref_mm: float = 13):
    """A record that justifies a left iliac stent: IVUS 72% fixed, reference diameter."""
    b = patient(key)
    nivl_workup(b)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    if ref_mm:
        b.reference_diameter(ref_mm, "mm", "left")
    return b


def device(diameter: float, length: float, unit: str = "mm") -> dict[str, Any]:
    return orders.iliac_stent_device("left", diameter, length, unit)


def override_codes(c: dict[str, Any]) -> list[str]:
    reasons = c.get("overrideReasons", [])
    for r in reasons:
        assert r.get("display"), r
    return [r["code"] for r in reasons]


# ---------------------------------------------------------------- length


@pytest.mark.parametrize(
    ("diameter", "length", "unit", "short"),
    [
        (14, 59, "mm", True),
        (14, 59.9, "mm", True),
        (14, 60, "mm", False),
        (14, 61, "mm", False),
        (1.4, 5.9, "cm", True),
        (1.4, 6, "cm", False),
    ],
)
def test_stent_length_boundary(
    client: FlaskClient, diameter: float, length: float, unit: str, short: bool
) -> None:
    b = confirmed("len")
    b.draft(device(diameter, length, unit))
    cards = post(client, b, SIGN)
    if short:
        assert ids(cards) == ["stent-length-too-short"]
        c = card(cards, "stent-length-too-short")
        assert c["indicator"] == "critical"
        assert override_codes(c)
        assert "82.6%" in str(c)
    else:
        assert cards == []


def test_length_in_service_request_text_14x60(client: FlaskClient) -> None:
    b = confirmed("sr60")
    b.draft(orders.stent_service_request("Left common iliac vein stent 14x60"))
    assert post(client, b, SIGN) == []


def test_length_in_service_request_order_detail_only(client: FlaskClient) -> None:
    b = confirmed("srdet")
    b.draft(
        {
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "order",
            "code": concept(coding(PCS, "067D3DZ", "Dilation of Left Common Iliac Vein with "
                                                   "Intraluminal Device, Percutaneous Approach")),
            "orderDetail": [concept(text="Venous stent 14 x 40 mm")],
        }
    )
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-length-too-short"]


def test_length_in_service_request_note_only(client: FlaskClient) -> None:
    b = confirmed("srnote")
    b.draft(
        {
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "order",
            "code": concept(coding(CPT, "37238", "Transcatheter placement of intravascular "
                                                 "stent, initial vein"),
                            text="Venous stent placement"),
            "bodySite": [site("46027005", "Common iliac vein", "left")],
            "note": [{"text": "Planned Venovo 16 x 40 mm, left CIV"}],
        }
    )
    cards = post(client, b, SIGN)
    assert "stent-length-too-short" in ids(cards)


def test_length_from_referenced_device(client: FlaskClient) -> None:
    b = confirmed("dev")
    dev = {
        "resourceType": "Device",
        "id": "stent-dev-1",
        "status": "active",
        "deviceName": [{"name": "Venous stent 14 x 40 mm", "type": "user-friendly-name"}],
        "type": concept(text="Venous stent"),
        "property": [
            {"type": concept(coding(SNOMED, "81827009", "Diameter")),
             "valueQuantity": [qty(14, "mm")]},
            {"type": concept(coding(SNOMED, "410668003", "Length")),
             "valueQuantity": [qty(40, "mm")]},
        ],
    }
    req = {
        "resourceType": "DeviceRequest",
        "id": "dr-1",
        "status": "draft",
        "intent": "order",
        "codeReference": {"reference": "Device/stent-dev-1"},
        "subject": {"reference": b.ref},
        "note": [{"text": "Left common iliac vein"}],
    }
    cards = post(client, b, SIGN, drafts=[req, dev])
    assert "stent-length-too-short" in ids(cards)


def test_length_edit_suggestion_is_update_with_resource_id(client: FlaskClient) -> None:
    b = confirmed("upd")
    ref = b.draft(device(15, 40))
    c = card(post(client, b, SIGN), "stent-length-too-short")
    actions = [a for s in c.get("suggestions", []) for a in s["actions"]]
    for a in actions:
        assert a["type"] in ("update", "delete")
        if a["type"] == "update":
            assert a["resource"]["id"] == ref.split("/")[1]
            lengths = [p["valueQuantity"]["value"] for p in a["resource"]["parameter"]
                       if p["code"]["coding"][0]["code"] == "410668003"]
            assert lengths == [60]
        else:
            assert a["resourceId"] == ref


# ---------------------------------------------------------------- diameter


@pytest.mark.parametrize(
    ("diameter", "fits"),
    [(13.9, False), (14, True), (15.5, True), (17, True), (17.1, False), (18, False)],
)
def test_diameter_sizing_reference_plus_1_to_4(
    client: FlaskClient, diameter: float, fits: bool
) -> None:
    b = confirmed("dia")
    b.draft(device(diameter, 90))
    cards = post(client, b, SIGN)
    if fits:
        assert cards == []
    else:
        assert ids(cards) == ["stent-diameter-sizing"]
        c = card(cards, "stent-diameter-sizing")
        assert c["indicator"] == "warning"
        assert "14-17 mm" in text_of(c)
        assert override_codes(c)


def test_reference_in_cm(client: FlaskClient) -> None:
    b = confirmed("diacm", ref_mm=0)
    b.reference_diameter(1.3, "cm", "left")
    b.draft(device(16, 90))
    assert post(client, b, SIGN) == []


def test_no_reference_diameter_warns(client: FlaskClient) -> None:
    b = confirmed("noref", ref_mm=0)
    b.draft(device(16, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-diameter-sizing"]
    assert "reference" in text_of(card(cards, "stent-diameter-sizing")).lower()


def test_no_diameter_on_order_warns(client: FlaskClient) -> None:
    b = confirmed("nodia")
    b.draft(orders.stent_service_request("Left common iliac vein stent, length 90 mm"))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-diameter-sizing"]
    assert "diameter" in text_of(card(cards, "stent-diameter-sizing")).lower()


# ---------------------------------------------------------------- IVUS confirmation


def test_stent_without_ivus_critical(client: FlaskClient) -> None:
    b = patient("noivus")
    nivl_workup(b)
    b.draft(device(14, 90))
    cards = post(client, b, SIGN)
    c = card(cards, "stent-without-ivus-confirmation")
    assert c["indicator"] == "critical"
    assert override_codes(c)
    assert "ivus" in text_of(c).lower()


def test_stent_with_venography_drafted_is_info(client: FlaskClient) -> None:
    b = patient("withven")
    nivl_workup(b)
    b.draft(device(14, 90))
    b.draft(orders.venography_ivus_order("left"))
    cards = post(client, b, SIGN)
    c = card(cards, "stent-without-ivus-confirmation")
    assert c["indicator"] == "info"
    assert "61%" in text_of(c)


def test_order_select_venography_in_context_only(client: FlaskClient) -> None:
    b = patient("selven")
    nivl_workup(b)
    stent = b.draft(device(14, 90))
    b.draft(orders.venography_ivus_order("left"))
    cards = post(client, b, SELECT, selections=[stent])
    assert card(cards, "stent-without-ivus-confirmation")["indicator"] == "info"


@pytest.mark.parametrize("percent", [61, 55])
def test_stent_with_ivus_not_above_61(client: FlaskClient, percent: float) -> None:
    b = patient("ivus61")
    nivl_workup(b)
    ivus_obs(b, percent)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-without-ivus-confirmation"]
    assert f"{percent}%" in text_of(card(cards, "stent-without-ivus-confirmation"))


def test_stent_with_dynamic_lesion(client: FlaskClient) -> None:
    b = patient("dynord")
    nivl_workup(b)
    ivus_obs(b, 72)
    b.lesion("dynamic", "left")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-without-ivus-confirmation"]


def test_stent_without_swelling(client: FlaskClient) -> None:
    b = patient("noswell")
    b.ct_venography(12, compression_side="left")
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-without-ivus-confirmation"]
    assert "swelling" in text_of(card(cards, "stent-without-ivus-confirmation")).lower()


def test_stent_with_dvt_not_excluded(client: FlaskClient) -> None:
    b = patient("nodx")
    b.swelling("left", 20, extent="whole")
    b.ct_venography(12, compression_side="left")
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-without-ivus-confirmation"]
    assert "dvt" in text_of(card(cards, "stent-without-ivus-confirmation")).lower()


def test_malignant_mass_waives_only_ivus(client: FlaskClient) -> None:
    b = patient("malig")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.condition(concept(coding(ICD10, "C56.2", "Malignant neoplasm of left ovary")),
                onset=at(30))
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    assert post(client, b, SIGN) == []


def test_malignant_mass_without_swelling_still_flags(client: FlaskClient) -> None:
    b = patient("maligns")
    b.ct_venography(12, compression_side="left")
    b.condition(concept(coding(ICD10, "C56.2", "Malignant neoplasm of left ovary")),
                onset=at(30))
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    missing = c["detail"].split("**Not on record / not assessed**")[1].split("**Sources**")[0]
    assert "swelling" in missing.lower()
    assert "ivus" not in missing.lower()  # only the IVUS test is waived for a malignant mass


# ---------------------------------------------------------------- gate


def test_unrelated_order_no_cards(client: FlaskClient) -> None:
    b = confirmed("lipid")
    b.draft(orders.lipid_panel_order())
    assert post(client, b, SIGN) == []


def test_order_select_only_selections_raise_cards(client: FlaskClient) -> None:
    b = patient("sel")
    nivl_workup(b)
    b.draft(device(14, 40))
    lipid = b.draft(orders.lipid_panel_order())
    assert post(client, b, SELECT, selections=[lipid]) == []


def test_coronary_stent_not_in_scope(client: FlaskClient) -> None:
    b = patient("cor")
    nivl_workup(b)
    b.draft(
        {
            "resourceType": "DeviceRequest",
            "status": "draft",
            "intent": "order",
            "codeCodeableConcept": concept(text="Drug-eluting coronary stent 3.0 x 18 mm, LAD"),
        }
    )
    assert post(client, b, SIGN) == []


def test_unspecified_stent_with_iliac_context(client: FlaskClient) -> None:
    b = patient("unsp")
    nivl_workup(b)
    b.draft(
        {
            "resourceType": "DeviceRequest",
            "status": "draft",
            "intent": "order",
            "codeCodeableConcept": concept(text="Self-expanding stent 14 x 40 mm"),
        }
    )
    assert "stent-length-too-short" in ids(post(client, b, SIGN))


def test_unspecified_stent_without_iliac_context(client: FlaskClient) -> None:
    b = patient("unsp2")
    b.draft(
        {
            "resourceType": "DeviceRequest",
            "status": "draft",
            "intent": "order",
            "codeCodeableConcept": concept(text="Self-expanding stent 14 x 40 mm"),
        }
    )
    assert post(client, b, SIGN) == []


def test_femoral_vein_stent_text_in_scope_without_context(client: FlaskClient) -> None:
    b = patient("fem")
    b.draft(
        {
            "resourceType": "DeviceRequest",
            "status": "draft",
            "intent": "order",
            "codeCodeableConcept": concept(text="Venous stent, left common femoral vein"),
            "note": [{"text": "14 x 40 mm"}],
        }
    )
    got = ids(post(client, b, SIGN))
    assert "stent-length-too-short" in got
    assert "stent-without-ivus-confirmation" in got


def test_dstu2_draft_order_400(client: FlaskClient) -> None:
    b = patient("dstu2")
    b.draft(orders.dstu2_medication_order(b.ref))
    post(client, b, SIGN, status=400)


def test_stu3_procedure_request_400(client: FlaskClient) -> None:
    b = patient("stu3")
    b.draft(
        {
            "resourceType": "ProcedureRequest",
            "status": "draft",
            "intent": "order",
            "code": concept(coding(SNOMED, "397913009", "Insertion of IVC filter")),
        }
    )
    post(client, b, SIGN, status=400)


# ---------------------------------------------------------------- IVC filter, thrombolysis


def test_ivc_filter_without_dvt_warning(client: FlaskClient) -> None:
    b = patient("ivc")
    ref = b.draft(orders.ivc_filter_order())
    cards = post(client, b, SIGN)
    assert ids(cards) == ["ivc-filter-not-indicated"]
    c = card(cards, "ivc-filter-not-indicated")
    assert c["indicator"] == "warning"
    assert override_codes(c)
    deletes = [a for s in c.get("suggestions", []) for a in s["actions"] if a["type"] == "delete"]
    assert deletes and all(a["resourceId"] == ref for a in deletes)


def test_ivc_filter_indicated_proximal_dvt_and_bleeding(client: FlaskClient) -> None:
    b = patient("ivcok")
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    b.condition(concept(coding(ICD10, "K92.2", "Gastrointestinal hemorrhage, unspecified")),
                onset=at(3))
    b.draft(orders.ivc_filter_order())
    assert post(client, b, SIGN) == []


def test_ivc_filter_distal_dvt_with_bleeding_warns(client: FlaskClient) -> None:
    b = patient("ivcdist")
    b.dvt("I82.442", "Acute embolism and thrombosis of left tibial vein", 2)
    b.condition(concept(coding(ICD10, "K92.2", "Gastrointestinal hemorrhage, unspecified")),
                onset=at(3))
    b.draft(orders.ivc_filter_order())
    assert ids(post(client, b, SIGN)) == ["ivc-filter-not-indicated"]


def test_ivc_filter_proximal_dvt_anticoag_possible_warns(client: FlaskClient) -> None:
    b = patient("ivcac")
    b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 2)
    b.draft(orders.ivc_filter_order())
    c = card(post(client, b, SIGN), "ivc-filter-not-indicated")
    assert "contraindicated" in text_of(c).lower()


@pytest.mark.parametrize(("mg", "in_scope"), [(2, False), (2.1, True), (1, False), (20, True)])
def test_alteplase_catheter_clearance_dose(client: FlaskClient, mg: float, in_scope: bool) -> None:
    b = patient("tpa")
    b.swelling("left", 3, extent="whole")
    b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 2)
    b.draft(orders.alteplase_order(mg))
    cards = post(client, b, SIGN)
    if in_scope:
        assert ids(cards) == ["thrombolysis-not-indicated"]
        c = card(cards, "thrombolysis-not-indicated")
        assert "8%" in str(c)
        assert override_codes(c)
    else:
        assert cards == []


@pytest.mark.parametrize(
    ("reason_code", "reason_text"),
    [
        (coding(ICD10, "I63.9", "Cerebral infarction, unspecified"), "Acute ischemic stroke"),
        (coding(ICD10, "I26.99", "Other pulmonary embolism without acute cor pulmonale"),
         "Pulmonary embolism"),
        (coding(ICD10, "I21.4", "Non-ST elevation myocardial infarction"), "NSTEMI"),
        (coding(ICD10, "T82.868A", "Thrombosis of vascular prosthetic devices"),
         "Catheter occlusion"),
    ],
)
def test_thrombolytic_for_other_indication_out_of_scope(
    client: FlaskClient, reason_code: dict, reason_text: str
) -> None:
    b = patient("lyticx")
    b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 2)
    b.draft(orders.alteplase_order(50, reason=concept(reason_code, text=reason_text)))
    assert post(client, b, SIGN) == []


def test_thrombolytic_with_dvt_reason_and_no_dvt_on_record(client: FlaskClient) -> None:
    b = patient("lyticr")
    b.draft(orders.alteplase_order(
        20, reason=concept(coding(ICD10, "I82.412", "Acute DVT of left femoral vein"))))
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert "8%" in str(c)


def test_thrombolytic_no_reason_no_dvt_out_of_scope(client: FlaskClient) -> None:
    b = patient("lyticn")
    b.draft(orders.alteplase_order(20))
    assert post(client, b, SIGN) == []


def test_catheter_directed_thrombolysis_procedure(client: FlaskClient) -> None:
    b = patient("cdt")
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    b.draft(
        {
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "order",
            "code": concept(coding(SNOMED, "426347000", "Thrombolytic therapy"),
                            text="Catheter-directed thrombolysis, left iliofemoral DVT"),
        }
    )
    assert ids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


# ---------------------------------------------------------------- antithrombotics after stent


def test_antithrombotic_order_with_stent_no_vte(client: FlaskClient) -> None:
    b = patient("asa")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.draft(orders.aspirin_order())
    cards = post(client, b, SIGN)
    assert ids(cards) == ["post-stent-antithrombotic-review"]
    assert card(cards, "post-stent-antithrombotic-review")["indicator"] == "info"


def test_antithrombotic_order_without_stent_no_cards(client: FlaskClient) -> None:
    b = patient("asa2")
    nivl_workup(b)
    b.draft(orders.apixaban_order())
    assert post(client, b, SIGN) == []


@pytest.mark.parametrize(
    ("code", "display", "status"),
    [
        ("Z86.718", "Personal history of other venous thrombosis and embolism", "active"),
        ("I82.402", "Acute DVT of unspecified deep veins of left lower extremity", "resolved"),
        ("I48.91", "Unspecified atrial fibrillation", "active"),
        ("Z95.5", "Presence of coronary angioplasty implant and graft", "active"),
        ("I70.212", "Atherosclerosis of native arteries of extremities with claudication, left "
                    "leg", "active"),
        ("Z86.73", "Personal history of TIA and cerebral infarction", "active"),
        ("D68.51", "Activated protein C resistance", "active"),
        ("Z95.2", "Presence of prosthetic heart valve", "active"),
    ],
)
def test_antithrombotic_review_silent_with_indication(
    client: FlaskClient, code: str, display: str, status: str
) -> None:
    b = patient("ind")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.condition(concept(coding(ICD10, code, display)), onset=at(700), status=status)
    b.draft(orders.apixaban_order())
    assert post(client, b, SIGN) == []


def test_patient_view_current_antiplatelet_review(client: FlaskClient) -> None:
    b = patient("pvasa")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.medication_request("1191", "aspirin", days_ago=100, dose_mg=81, per_day=1)
    cards = post(client, b, PV)
    assert ids(cards) == ["post-stent-antithrombotic-review"]
    c = card(cards, "post-stent-antithrombotic-review")
    assert "suggestions" not in c or all(
        a["type"] != "delete" for s in c["suggestions"] for a in s["actions"]
    )


# ---------------------------------------------------------------- surveillance


@pytest.mark.parametrize(("days", "fires"), [(29, False), (30, True), (31, True)])
def test_surveillance_after_30_days(client: FlaskClient, days: int, fires: bool) -> None:
    b = patient("surv")
    b.iliac_stent("left", days)
    cards = post(client, b, PV)
    assert ("post-stent-surveillance" in ids(cards)) is fires


def test_surveillance_silenced_by_iliac_duplex_39497_3(client: FlaskClient) -> None:
    b = patient("surv2")
    b.iliac_stent("left", 200)
    b.report(concept(coding("http://loinc.org", "39497-3", "US Iliac vein Doppler")),
             days_ago=60, conclusion="Patent left iliac venous stent.")
    assert "post-stent-surveillance" not in ids(post(client, b, PV))


def test_surveillance_imaging_before_placement_does_not_count(client: FlaskClient) -> None:
    b = patient("surv3")
    b.duplex("left", 210)
    b.iliac_stent("left", 200)
    assert "post-stent-surveillance" in ids(post(client, b, PV))


def test_surveillance_imaging_older_than_12_months(client: FlaskClient) -> None:
    b = patient("surv4")
    b.iliac_stent("left", 900)
    b.duplex("left", 400)
    assert "post-stent-surveillance" in ids(post(client, b, PV))


def test_surveillance_ct_venography_counts(client: FlaskClient) -> None:
    b = patient("surv5")
    b.iliac_stent("left", 900)
    b.ct_venography(100)
    assert "post-stent-surveillance" not in ids(post(client, b, PV))



def test_may_thurner_text_only_service_request_in_scope(client: FlaskClient) -> None:
    b = patient("mtsr")
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(text="Venous stenting for May-Thurner syndrome, 14 x 60 mm")})
    cards = post(client, b, SIGN)
    assert ids(cards) == ["stent-diameter-sizing", "stent-without-ivus-confirmation"]
    assert card(cards, "stent-without-ivus-confirmation")["indicator"] == "critical"


def test_text_only_ivus_order_downgrades_to_info(client: FlaskClient) -> None:
    b = patient("ivtxt")
    nivl_workup(b)
    b.draft(device(14, 90))
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(text="IVUS-guided venography of the left iliac veins")})
    cards = post(client, b, SIGN)
    assert card(cards, "stent-without-ivus-confirmation")["indicator"] == "info"


@pytest.mark.parametrize(
    ("system", "code", "display", "status"),
    [
        (ICD10, "I26.99", "Other pulmonary embolism without acute cor pulmonale", "resolved"),
        (SNOMED, "49436004", "Atrial fibrillation", "active"),
    ],
)
def test_antithrombotic_review_silent_pe_history_or_snomed_af(
    client: FlaskClient, system: str, code: str, display: str, status: str
) -> None:
    b = patient("pehx")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.condition(concept(coding(system, code, display)), onset=at(1000), status=status)
    b.draft(orders.apixaban_order())
    assert post(client, b, SIGN) == []


def test_order_select_drafted_lovenox_with_stent(client: FlaskClient) -> None:
    b = patient("lovx")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    ref = b.draft(
        {
            "resourceType": "MedicationRequest",
            "status": "draft",
            "intent": "order",
            "medicationCodeableConcept": concept(
                coding("http://www.nlm.nih.gov/research/umls/rxnorm", "854235",
                       "enoxaparin sodium 40 MG in 0.4 ML Prefilled Syringe"),
                text="Lovenox 40 mg/0.4 mL",
            ),
            "dosageInstruction": [{"text": "40 mg subcut daily"}],
        }
    )
    cards = post(client, b, SELECT, selections=[ref])
    assert ids(cards) == ["post-stent-antithrombotic-review"]
    assert "enoxaparin" in card(cards, "post-stent-antithrombotic-review")["summary"]


def test_swelling_without_side_is_not_taken_for_the_stent_side(client: FlaskClient) -> None:
    b = patient("unkside")
    b.swelling("unknown", 20)
    b.ct_venography(12, compression_side="left")
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    assert c["indicator"] == "critical"
    assert "names no side" in c["detail"]


@pytest.mark.parametrize("text", ["CT venography of the pelvis", "MR venography pelvis"])
def test_ct_or_mr_venography_draft_does_not_downgrade(client: FlaskClient, text: str) -> None:
    b = patient("ctvdraft")
    nivl_workup(b)
    b.draft(device(14, 90))
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(text=text)})
    assert card(post(client, b, SIGN), "stent-without-ivus-confirmation")["indicator"] == (
        "critical"
    )


def test_summary_names_the_real_gap_when_ivus_criteria_are_met(client: FlaskClient) -> None:
    b = patient("gapdvt")
    b.swelling("left", 20, extent="whole")
    b.ct_venography(12, compression_side="left")
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    assert "without IVUS" not in c["summary"]
    assert "DVT" in c["summary"]


def test_unsided_ivus_does_not_confirm_a_lateral_stent(client: FlaskClient) -> None:
    b = patient("unsided")
    nivl_workup(b)
    ivus_report(b, "IVUS: 72% diameter stenosis of the common iliac vein. Fixed lesion, no "
                   "respiratory or positional variation.")
    b.reference_diameter(13, "mm", "left")
    b.draft(device(14, 90))
    c = card(post(client, b, SIGN), "stent-without-ivus-confirmation")
    assert c["indicator"] == "critical"
    assert "names no side" in c["detail"]
    # The patient-view pathway agrees: the side is a missing prerequisite.
    pv = post(client, b, PV)
    assert "nivl-stent-criteria-incomplete" in ids(pv)
    assert "nivl-stent-candidate" not in ids(pv)


def test_sided_ivus_wins_over_a_newer_unsided_one(client: FlaskClient) -> None:
    b = confirmed("sidedwins")
    ivus_report(b, "IVUS: 72% diameter stenosis. Fixed lesion.", days_ago=2)
    b.draft(device(14, 90))
    assert post(client, b, SIGN) == []
