"""Acceptance: thrombolytic and IVC filter draft orders, antithrombotics and surveillance after
stenting, in EHR shapes (codes only, text only, product codes, statements)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from fixtures import orders
from fixtures.fhir import Builder
from tests.acceptance.support_nivl import (
    ICD10,
    PV,
    RXNORM_SYSTEM,
    SIGN,
    at,
    card,
    coding,
    concept,
    ids,
    patient,
    post,
    qty,
)

PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
CPT = "http://www.ama-assn.org/go/cpt"




def med(text: str, *, code: str | None = None, dose: float | None = None,
        reason: dict[str, Any] | None = None, dtext: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": concept(
            *([coding(RXNORM_SYSTEM, code, text)] if code else []), text=text
        ),
    }
    dosage: dict[str, Any] = {}
    if dtext:
        dosage["text"] = dtext
    if dose is not None:
        dosage["doseAndRate"] = [{"doseQuantity": qty(dose, "mg")}]
    if dosage:
        resource["dosageInstruction"] = [dosage]
    if reason:
        resource["reasonCode"] = [reason]
    return resource


def dvt_patient(key: str) -> Builder:
    b = patient(key)
    b.swelling("left", 3, extent="whole")
    b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 2)
    return b


def test_tenecteplase_text_with_phlegmasia_reason(client: FlaskClient) -> None:
    b = dvt_patient("tnk")
    b.draft(med("Tenecteplase", reason=concept(text="Phlegmasia cerulea dolens left leg")))
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert c["indicator"] == "warning"
    assert "8%" in c["detail"]


def test_phlegmasia_reason_in_scope_without_dvt_on_record(client: FlaskClient) -> None:
    b = patient("tnk2")
    b.draft(med("Tenecteplase", reason=concept(text="Phlegmasia cerulea dolens left leg")))
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert "acute dvt" in c["summary"].lower()


@pytest.mark.parametrize(
    ("text", "code", "dose", "dtext"),
    [
        ("Cathflo Activase 2 mg", "1804799", None, "2 mg instilled into catheter lumen"),
        ("alteplase", "8410", 1, "1 mg per lumen"),
    ],
)
def test_catheter_clearance_doses_out_of_scope(
    client: FlaskClient, text: str, code: str, dose: float | None, dtext: str
) -> None:
    b = dvt_patient("cath")
    b.draft(med(text, code=code, dose=dose, dtext=dtext))
    assert post(client, b, SIGN) == []


@pytest.mark.parametrize("dtext", ["catheter-directed 100,000 units/h",
                                   "0.01 mg/kg/h via infusion catheter"])
def test_unreadable_or_weight_based_dose_stays_in_scope(client: FlaskClient, dtext: str) -> None:
    b = dvt_patient("urok")
    name = "urokinase" if "units" in dtext else "alteplase"
    b.draft(med(name, dtext=dtext))
    assert ids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


def test_thrombolysis_all_criteria_no_card(client: FlaskClient) -> None:
    b = dvt_patient("crit")
    b.condition(concept(text="Phlegmasia cerulea dolens, left leg"), onset=at(0, "08:00:00Z"))
    b.systolic(85)
    b.draft(orders.alteplase_order(20))
    assert post(client, b, SIGN) == []


def test_thrombolysis_all_criteria_but_bleeding(client: FlaskClient) -> None:
    b = dvt_patient("bleed")
    b.condition(concept(text="Phlegmasia cerulea dolens, left leg"), onset=at(0, "08:00:00Z"))
    b.systolic(85)
    b.condition(concept(coding(ICD10, "K92.2", "Gastrointestinal hemorrhage, unspecified")),
                onset=at(2))
    ref = b.draft(orders.alteplase_order(20))
    c = card(post(client, b, SIGN), "thrombolysis-not-indicated")
    assert "contraindicated" in c["summary"]
    assert "8%" in c["detail"]
    (action,) = [a for s in c["suggestions"] for a in s["actions"]]
    assert action == {"type": "delete", "description": action["description"], "resourceId": ref}


@pytest.mark.parametrize("systolic", [89, 90])
def test_thrombolysis_systolic_boundary(client: FlaskClient, systolic: float) -> None:
    b = dvt_patient("sbp")
    b.condition(concept(text="Phlegmasia cerulea dolens, left leg"), onset=at(0, "08:00:00Z"))
    b.systolic(systolic)
    b.draft(orders.alteplase_order(20))
    got = ids(post(client, b, SIGN))
    assert got == ([] if systolic < 90 else ["thrombolysis-not-indicated"])


def test_ivc_filter_coded_by_icd10_pcs_only(client: FlaskClient) -> None:
    # 06H03DZ's display says "Intraluminal Device": still a filter, not a stent.
    b = patient("pcsflt")
    b.draft({
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "order",
        "code": concept(coding(PCS, "06H03DZ", "Insertion of Intraluminal Device into Inferior "
                                               "Vena Cava, Percutaneous Approach")),
    })
    cards = post(client, b, SIGN)
    assert ids(cards) == ["ivc-filter-not-indicated"]


def test_ivc_filter_cpt_only(client: FlaskClient) -> None:
    b = patient("cptflt")
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(coding(CPT, "37191", "Insertion of intravascular vena cava "
                                                 "filter"))})
    assert ids(post(client, b, SIGN)) == ["ivc-filter-not-indicated"]


def test_ivc_filter_retrieval_is_not_a_placement(client: FlaskClient) -> None:
    b = patient("retr")
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(text="IVC filter retrieval")})
    assert post(client, b, SIGN) == []


def test_deceased_patient_no_order_cards(client: FlaskClient) -> None:
    b = Builder("dead", gender="female", birth="1950-01-01", deceased="2026-11-20")
    b.draft(orders.ivc_filter_order())
    assert post(client, b, SIGN) == []


# ---------------------------------------------------------------- stents on record


def test_stent_device_with_iliac_name_counts(client: FlaskClient) -> None:
    b = patient("devst")
    b.add({"resourceType": "Device", "status": "active",
           "deviceName": [{"name": "Venovo 14 x 100 mm, left common iliac vein",
                           "type": "user-friendly-name"}],
           "type": concept(text="Venous stent")})
    assert ids(post(client, b, PV)) == ["post-stent-surveillance"]


def test_generic_stent_codes_alone_do_not_count(client: FlaskClient) -> None:
    b = patient("gen")
    b.add({"resourceType": "Procedure", "status": "completed",
           "code": concept(coding(CPT, "37238", "Transcatheter placement of intravascular "
                                                "stent, initial vein")),
           "performedDateTime": at(100)})
    b.condition(concept(coding(ICD10, "Z95.828", "Presence of other vascular implants and "
                                                 "grafts")), onset=at(300))
    assert post(client, b, PV) == []


def test_cpt_stent_with_iliac_text_counts(client: FlaskClient) -> None:
    b = patient("cptil")
    b.add({"resourceType": "Procedure", "status": "completed",
           "code": concept(coding(CPT, "37238", "Transcatheter placement of intravascular "
                                                "stent, initial vein"),
                           text="Left common iliac vein stent placement"),
           "performedDateTime": at(100)})
    c = card(post(client, b, PV), "post-stent-surveillance")
    (resource,) = [a["resource"] for s in c["suggestions"] for a in s["actions"]]
    assert "39432-0" in {cd["code"] for cd in resource["code"]["coding"]}


def test_medication_statement_antithrombotic_after_stent(client: FlaskClient) -> None:
    b = patient("mstat")
    b.iliac_stent("left", 100)
    b.duplex("left", 30)
    b.add({"resourceType": "MedicationStatement", "status": "active",
           "medicationCodeableConcept": concept(
               coding(RXNORM_SYSTEM, "1364445", "apixaban 5 MG Oral Tablet"), text="Eliquis 5 mg"),
           "effectiveDateTime": at(90)})
    c = card(post(client, b, PV), "post-stent-antithrombotic-review")
    assert "apixaban" in c["summary"]
    assert "never an automatic stop" in c["detail"].lower()


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (coding("http://loinc.org", "2024-8", "Carbohydrate deficient transferrin"), "CDT"),
        (None, "Tumor lysis panel"),
        (coding("http://loinc.org", "24362-6", "Renal function panel"), "Tumor lysis labs"),
        (None, "CDT level"),
    ],
)
def test_lab_orders_with_lysis_words_are_not_thrombolysis(
    client: FlaskClient, code: dict[str, Any] | None, text: str
) -> None:
    b = dvt_patient("labl")
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(*([code] if code else []), text=text)})
    assert post(client, b, SIGN) == []


def test_cdt_procedure_text_is_thrombolysis(client: FlaskClient) -> None:
    b = dvt_patient("cdtp")
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(text="CDT left iliofemoral DVT")})
    assert ids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


# ---------------------------------------------------------------- drafted antithrombotic reasons


def stented(key: str) -> Builder:
    b = patient(key)
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    return b


@pytest.mark.parametrize(
    ("reason", "silent"),
    [
        (concept(coding(ICD10, "I48.91", "Unspecified atrial fibrillation")), True),
        (concept(text="Paroxysmal AF"), True),
        (concept(text="Mechanical mitral valve"), True),
        (concept(coding(ICD10, "I87.1", "Compression of vein"), text="May-Thurner syndrome"),
         False),
        (concept(text="Post iliac vein stent"), False),
    ],
)
def test_drafted_antithrombotic_reason_names_an_indication(
    client: FlaskClient, reason: dict[str, Any], silent: bool
) -> None:
    b = stented("reason")
    order = orders.apixaban_order()
    order["reasonCode"] = [reason]
    b.draft(order)
    got = ids(post(client, b, SIGN))
    assert got == ([] if silent else ["post-stent-antithrombotic-review"])


@pytest.mark.parametrize(("platelets", "expected"), [(49, []), (50, ["ivc-filter-not-indicated"])])
def test_ivc_filter_platelet_contraindication_boundary(
    client: FlaskClient, platelets: float, expected: list[str]
) -> None:
    b = patient("plt")
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    b.lab("777-3", "Platelets", platelets, "10*3/uL", 1)
    b.draft(orders.ivc_filter_order())
    assert ids(post(client, b, SIGN)) == expected


def test_ivc_filter_acute_pe_with_bleeding_is_silent(client: FlaskClient) -> None:
    b = patient("pebl")
    b.condition(concept(coding(ICD10, "I26.99", "Other pulmonary embolism without acute cor "
                                                "pulmonale")), onset=at(2))
    b.condition(concept(coding(ICD10, "I61.9", "Nontraumatic intracerebral hemorrhage")),
                onset=at(3))
    b.draft(orders.ivc_filter_order())
    assert post(client, b, SIGN) == []


def test_stu3_shaped_medication_request_400(client: FlaskClient) -> None:
    # STU3 put doseQuantity directly on the Dosage; R4 moved it into doseAndRate.
    b = dvt_patient("stu3med")
    b.draft({"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
             "medicationCodeableConcept": concept(coding(RXNORM_SYSTEM, "8410", "alteplase")),
             "dosageInstruction": [{"text": "alteplase 20 mg", "doseQuantity": qty(20, "mg")}]})
    post(client, b, SIGN, status=400)


def test_stu3_shaped_device_request_400(client: FlaskClient) -> None:
    # STU3 DeviceRequest.context became encounter in R4.
    b = patient("stu3dev")
    b.draft({"resourceType": "DeviceRequest", "status": "draft", "intent": "order",
             "codeCodeableConcept": concept(text="Iliac vein stent 14 x 40 mm"),
             "context": {"reference": "Encounter/1"}})
    post(client, b, SIGN, status=400)


def test_ivc_filter_with_hit_only_still_warns(client: FlaskClient) -> None:
    # HIT contraindicates heparin, not anticoagulation: a non-heparin anticoagulant remains.
    b = patient("hit")
    b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 2)
    b.condition(concept(coding(ICD10, "D75.82", "Heparin induced thrombocytopenia (HIT)")),
                onset=at(20))
    b.draft(orders.ivc_filter_order())
    c = card(post(client, b, SIGN), "ivc-filter-not-indicated")
    assert "contraindicated" in c["summary"]


def _apixaban_med(med_id: str) -> dict[str, Any]:
    return {"resourceType": "Medication", "id": med_id,
            "code": concept(coding(RXNORM_SYSTEM, "1364445", "apixaban 5 MG Oral Tablet"))}


@pytest.mark.parametrize("form", ["contained", "bundle", "display-only"])
def test_drafted_antithrombotic_by_medication_reference(client: FlaskClient, form: str) -> None:
    b = stented("medref")
    request: dict[str, Any] = {"resourceType": "MedicationRequest", "id": "mr-ref",
                               "status": "draft", "intent": "order",
                               "subject": {"reference": b.ref}}
    drafts = [request]
    if form == "contained":
        request["contained"] = [_apixaban_med("m1")]
        request["medicationReference"] = {"reference": "#m1"}
    elif form == "bundle":
        request["medicationReference"] = {"reference": "Medication/medx"}
        drafts.append(_apixaban_med("medx"))
    else:
        request["medicationReference"] = {"reference": "Medication/unknown",
                                          "display": "Eliquis 5 mg tablet"}
    assert ids(post(client, b, SIGN, drafts=drafts)) == ["post-stent-antithrombotic-review"]
