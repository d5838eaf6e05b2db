"""context.draftOrders -> DraftOrder: kinds, stent size/site, doses, reasons, FHIR versions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cds_hooks.guideline.findings import DrugClass, OrderKind, Side, StentSite
from fhir_mapping.draft_orders import UnsupportedDraftOrders, map_draft_orders
from fhir_mapping.stent_size import parse_stent_size
from tests.shared_paths import CDS_HOOKS_SPEC

SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
HOOKS_EXAMPLES = CDS_HOOKS_SPEC / "examples/hooks-library-1.0.1"


def cc(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def service(code: dict[str, Any], rid: str = "s1", **fields: Any) -> dict[str, Any]:
    resource = {"resourceType": "ServiceRequest", "id": rid, "status": "draft",
                "intent": "order", "subject": {"reference": "Patient/p1"}, "code": code}
    resource.update(fields)
    return resource


def device_request(code: dict[str, Any] | None = None, rid: str = "d1",
                   **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "DeviceRequest", "id": rid, "status": "draft",
                                "intent": "order", "subject": {"reference": "Patient/p1"}}
    if code is not None:
        resource["codeCodeableConcept"] = code
    resource.update(fields)
    return resource


def med_request(medication: dict[str, Any], rid: str = "m1", **fields: Any) -> dict[str, Any]:
    resource = {"resourceType": "MedicationRequest", "id": rid, "status": "draft",
                "intent": "order", "subject": {"reference": "Patient/p1"},
                "medicationCodeableConcept": medication}
    resource.update(fields)
    return resource


def one(*resources: dict[str, Any]) -> Any:
    orders = map_draft_orders(bundle(*resources))
    assert len(orders) == 1, orders
    return orders[0]


# ---------------------------------------------------------------- stent size parser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14x60", (14.0, 60.0)),
        ("14 x 60 mm", (14.0, 60.0)),
        ("14 mm x 60 mm", (14.0, 60.0)),
        ("14mm x 60mm", (14.0, 60.0)),
        ("14 × 60 mm", (14.0, 60.0)),
        ("14 by 60 mm", (14.0, 60.0)),
        ("60 mm long, 14 mm", (14.0, 60.0)),
        ("length 90 mm, diameter 16 mm", (16.0, 90.0)),
        ("diameter: 16 mm; length: 90 mm", (16.0, 90.0)),
        ("16 mm diameter, 120 mm in length", (16.0, 120.0)),
        ("1.4 x 6 cm", (14.0, 60.0)),
        ("1.4x6", (14.0, 60.0)),  # unit-less values this small are centimetres
        ("90 x 16 mm", (16.0, 90.0)),  # a value >= 40 is the length
        ("Venovo 14 x 100 mm, left common iliac vein", (14.0, 100.0)),
        ("CPT 37238 iliac vein stent 16mm x 90mm", (16.0, 90.0)),
        ("diameter 14 mm", (14.0, None)),
        ("60 mm stent", (None, 60.0)),
        ("14 mm stent", (14.0, None)),
        ("venous stent, left CIV", (None, None)),
        ("", (None, None)),
        ("39 x 60 mm", (39.0, 60.0)),
        ("40 x 16 mm", (16.0, 40.0)),
    ],
)
def test_parse_stent_size(text: str, expected: tuple[float | None, float | None]) -> None:
    assert parse_stent_size(text) == expected


# ---------------------------------------------------------------- stent orders


def test_device_request_with_parameters() -> None:
    order = one(device_request(
        {"text": "Venous stent, left common iliac vein"},
        parameter=[
            {"code": cc(SNOMED, "410668003", "Length"), "valueQuantity": {"value": 6,
                                                                          "unit": "cm"}},
            {"code": cc(SNOMED, "81827009", "Diameter"), "valueQuantity": {"value": 14,
                                                                           "unit": "mm"}},
        ],
    ))
    assert order.kind is OrderKind.STENT
    assert order.ref == "DeviceRequest/d1"
    assert (order.diameter_mm, order.length_mm) == (14.0, 60.0)
    assert order.stent_site is StentSite.ILIAC_FEMORAL
    assert order.side is Side.LEFT
    assert order.resource["id"] == "d1"


def test_device_request_parameters_by_text() -> None:
    order = one(device_request(
        {"text": "Iliac venous stent"},
        parameter=[
            {"code": {"text": "stent length"}, "valueQuantity": {"value": 90, "unit": "mm"}},
            {"code": {"text": "stent diameter"}, "valueQuantity": {"value": 1.6, "unit": "cm"}},
        ],
    ))
    assert (order.diameter_mm, order.length_mm) == (16.0, 90.0)


def test_device_request_size_in_code_text() -> None:
    order = one(device_request({"text": "Venovo venous stent 14 x 60 mm"}))
    assert (order.diameter_mm, order.length_mm) == (14.0, 60.0)
    assert order.stent_site is StentSite.UNSPECIFIED


def test_device_request_referencing_a_device_in_the_bundle() -> None:
    device = {
        "resourceType": "Device", "id": "dev1",
        "deviceName": [{"name": "Venovo venous stent 16 x 120 mm", "type": "user-friendly-name"}],
        "type": {"text": "Venous stent"},
    }
    request = device_request(codeReference={"reference": "Device/dev1"})
    orders = map_draft_orders(bundle(request, device))
    assert len(orders) == 1
    assert orders[0].kind is OrderKind.STENT
    assert (orders[0].diameter_mm, orders[0].length_mm) == (16.0, 120.0)


def test_device_properties_give_size() -> None:
    device = {
        "resourceType": "Device", "id": "dev1", "type": {"text": "Iliac vein stent"},
        "property": [
            {"type": cc(SNOMED, "81827009"), "valueQuantity": [{"value": 14, "unit": "mm"}]},
        ],
    }
    request = device_request(codeReference={"reference": "Device/dev1"},
                             parameter=[{"code": cc(SNOMED, "410668003"),
                                         "valueQuantity": {"value": 100, "unit": "mm"}}])
    order = map_draft_orders(bundle(request, device))[0]
    assert order.length_mm == 100.0
    assert order.stent_site is StentSite.ILIAC_FEMORAL


def test_unrelated_device_request_is_dropped() -> None:
    assert map_draft_orders(bundle(device_request({"text": "Insulin pump"}))) == []


@pytest.mark.parametrize(
    ("code", "side"),
    [
        (cc(PCS, "067C3DZ"), Side.RIGHT),
        (cc(PCS, "067D3DZ"), Side.LEFT),
        (cc(PCS, "067F3DZ"), Side.RIGHT),
        (cc(PCS, "067G3DZ"), Side.LEFT),
    ],
)
def test_service_request_pcs_stent(code: dict[str, Any], side: Side) -> None:
    order = one(service(code, note=[{"text": "Venovo 16 x 90 mm"}]))
    assert order.kind is OrderKind.STENT
    assert order.stent_site is StentSite.ILIAC_FEMORAL
    assert order.side is side
    assert (order.diameter_mm, order.length_mm) == (16.0, 90.0)


@pytest.mark.parametrize(
    ("code", "detail", "site"),
    [
        (cc(CPT, "37238"), "left common iliac vein, 14 x 60 mm", StentSite.ILIAC_FEMORAL),
        (cc(CPT, "37238"), "14 x 60 mm", StentSite.UNSPECIFIED),
        ({"text": "May-Thurner stenting 14 x 60 mm"}, "", StentSite.ILIAC_FEMORAL),
        ({"text": "Iliofemoral venous stent"}, "", StentSite.ILIAC_FEMORAL),
        ({"text": "Coronary stent"}, "", StentSite.OTHER),
        ({"text": "Renal artery stent"}, "", StentSite.OTHER),
        ({"text": "SFA stent"}, "", StentSite.OTHER),
        ({"text": "Common iliac artery stent"}, "", StentSite.OTHER),
        ({"text": "Ureteral stent"}, "", StentSite.OTHER),
        ({"text": "Biliary stent"}, "", StentSite.OTHER),
    ],
)
def test_stent_site(code: dict[str, Any], detail: str, site: StentSite) -> None:
    fields = {"orderDetail": [{"text": detail}]} if detail else {}
    order = one(service(code, **fields))
    assert order.kind is OrderKind.STENT
    assert order.stent_site is site


def test_service_request_size_in_order_detail() -> None:
    order = one(service(cc(CPT, "37238"), orderDetail=[{"text": "16 mm x 90 mm"}]))
    assert (order.diameter_mm, order.length_mm) == (16.0, 90.0)


def test_stent_removal_is_not_a_stent_order() -> None:
    assert map_draft_orders(bundle(service({"text": "Ureteral stent removal"}))) == []


# ---------------------------------------------------------------- other procedures


@pytest.mark.parametrize(
    "code",
    [
        cc(SNOMED, "397913009"),
        cc(CPT, "37191"),
        cc(PCS, "06H03DZ"),
        {"text": "Inferior vena cava filter placement"},
        {"text": "IVC filter"},
    ],
)
def test_ivc_filter(code: dict[str, Any]) -> None:
    assert one(service(code)).kind is OrderKind.IVC_FILTER


def test_ivc_filter_retrieval_is_not_a_placement() -> None:
    assert map_draft_orders(bundle(service({"text": "IVC filter retrieval"}))) == []


def test_ivc_filter_as_procedure() -> None:
    procedure = {"resourceType": "Procedure", "id": "pr1", "status": "preparation",
                 "subject": {"reference": "Patient/p1"}, "code": cc(CPT, "37191")}
    order = one(procedure)
    assert (order.kind, order.ref) == (OrderKind.IVC_FILTER, "Procedure/pr1")


@pytest.mark.parametrize(
    "code",
    [cc(SNOMED, "426347000"), {"text": "Catheter-directed thrombolysis, left iliofemoral"}],
)
def test_thrombolysis_procedure(code: dict[str, Any]) -> None:
    assert one(service(code)).kind is OrderKind.THROMBOLYSIS


@pytest.mark.parametrize(
    "code",
    [cc(CPT, "37252"), cc(CPT, "75820"), cc(CPT, "75822"), {"text": "Iliac venography"},
     {"text": "Intravascular ultrasound (IVUS)"}],
)
def test_venography_ivus(code: dict[str, Any]) -> None:
    assert one(service(code)).kind is OrderKind.VENOGRAPHY_IVUS


@pytest.mark.parametrize(
    "text", ["CT venography abdomen and pelvis", "MR venogram pelvis", "Venous duplex, left leg"]
)
def test_cross_sectional_venography_is_not_catheter_venography(text: str) -> None:
    assert map_draft_orders(bundle(service({"text": text}))) == []


def test_unrelated_service_request_is_dropped() -> None:
    assert map_draft_orders(bundle(service({"text": "Lipid panel"}))) == []


# ---------------------------------------------------------------- medications


def test_alteplase_total_dose() -> None:
    order = one(med_request(
        cc(RXNORM, "8410", "alteplase"),
        dosageInstruction=[{"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "mg",
                                                              "code": "mg"}}]}],
    ))
    assert order.kind is OrderKind.THROMBOLYSIS
    assert order.total_dose_mg == 2.0
    assert order.medication is not None
    assert order.medication.ingredient == "alteplase"


def test_total_dose_times_timing_count() -> None:
    order = one(med_request(
        cc(RXNORM, "8410", "alteplase"),
        dosageInstruction=[{"timing": {"repeat": {"count": 2}},
                            "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "mg"}}]}],
    ))
    assert order.total_dose_mg == 4.0


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("alteplase 2 mg into the catheter lumen", 2.0),
        ("tPA 1 mg/hr, total dose 24 mg", 24.0),
        ("100 mg IV over 2 hours", 100.0),
        ("0.9 mg/kg IV", None),
        ("per protocol", None),
    ],
)
def test_total_dose_from_text(text: str, dose: float | None) -> None:
    order = one(med_request({"text": "Alteplase injection"}, dosageInstruction=[{"text": text}]))
    assert order.kind is OrderKind.THROMBOLYSIS
    assert order.total_dose_mg == dose


@pytest.mark.parametrize("name", ["Tenecteplase 50 mg", "Urokinase 250,000 units"])
def test_other_thrombolytics_by_text(name: str) -> None:
    assert one(med_request({"text": name})).kind is OrderKind.THROMBOLYSIS


@pytest.mark.parametrize(
    ("medication", "drug_class"),
    [
        (cc(RXNORM, "67108", "enoxaparin"), DrugClass.ANTICOAGULANT),
        ({"text": "Eliquis 5 mg tablet"}, DrugClass.ANTICOAGULANT),
        (cc(RXNORM, "1191", "aspirin"), DrugClass.ANTIPLATELET),
        ({"text": "clopidogrel 75 mg"}, DrugClass.ANTIPLATELET),
    ],
)
def test_antithrombotic_medications(medication: dict[str, Any], drug_class: DrugClass) -> None:
    order = one(med_request(medication))
    assert order.kind is OrderKind.ANTITHROMBOTIC
    assert order.medication is not None
    assert order.medication.drug_class is drug_class


def test_other_medication_is_dropped() -> None:
    assert map_draft_orders(bundle(med_request({"text": "Amoxicillin 500 mg"}))) == []
    assert map_draft_orders(bundle(med_request({"text": "Amlodipine 5 mg"}))) == []


def test_medication_reference_resolved_in_bundle() -> None:
    medication = {"resourceType": "Medication", "id": "med1", "code": cc(RXNORM, "8410",
                                                                         "alteplase")}
    request = med_request({"text": "x"})
    del request["medicationCodeableConcept"]
    request["medicationReference"] = {"reference": "Medication/med1"}
    orders = map_draft_orders(bundle(request, medication))
    assert [o.kind for o in orders] == [OrderKind.THROMBOLYSIS]


# ---------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    ("reason", "concepts"),
    [
        ({"reasonCode": [cc(ICD10, "I82.412")]}, ("dvt",)),
        ({"reasonCode": [cc(SNOMED, "128053003")]}, ("dvt",)),
        ({"reasonCode": [{"text": "Left iliofemoral deep vein thrombosis"}]}, ("dvt",)),
        ({"reasonCode": [{"text": "Phlegmasia cerulea dolens"}]}, ("phlegmasia",)),
        ({"reasonCode": [cc(ICD10, "I63.9")]}, ("stroke",)),
        ({"reasonCode": [cc(SNOMED, "422504002")]}, ("stroke",)),
        ({"reasonCode": [{"text": "Acute ischemic stroke"}]}, ("stroke",)),
        ({"reasonCode": [cc(ICD10, "I21.4")]}, ("mi",)),
        ({"reasonCode": [cc(SNOMED, "22298006")]}, ("mi",)),
        ({"reasonCode": [cc(ICD10, "I26.99")]}, ("pe",)),
        ({"reasonCode": [cc(SNOMED, "59282003")]}, ("pe",)),
        ({"reasonCode": [{"text": "Massive pulmonary embolism"}]}, ("pe",)),
        ({"reasonCode": [cc(ICD10, "T82.868A")]}, ("catheter-occlusion",)),
        ({"reasonCode": [{"text": "Central line occlusion"}]}, ("catheter-occlusion",)),
        ({"reasonCode": [{"text": "Catheter occlusion"}]}, ("catheter-occlusion",)),
        ({"reasonReference": [{"display": "DVT left leg"}]}, ("dvt",)),
        ({}, ()),
    ],
)
def test_reason_concepts(reason: dict[str, Any], concepts: tuple[str, ...]) -> None:
    order = one(med_request(cc(RXNORM, "8410", "alteplase"), **reason))
    assert order.reason_concepts == concepts


def test_reason_reference_to_condition_in_bundle() -> None:
    condition = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
                 "code": {"coding": [{"system": ICD10, "code": "I82.422"}],
                          "text": "Acute DVT of left iliac vein"}}
    request = service(cc(SNOMED, "426347000"), reasonReference=[{"reference": "Condition/c1"}])
    order = map_draft_orders(bundle(request, condition))[0]
    assert order.reason_concepts == ("dvt",)
    assert "acute dvt of left iliac vein" in order.reason_text


# ---------------------------------------------------------------- bundle handling and versions


def test_refs_match_selections_and_order_is_kept() -> None:
    orders = map_draft_orders(bundle(
        service(cc(CPT, "37191"), rid="filter-1"),
        service({"text": "Lipid panel"}, rid="lipids"),
        med_request(cc(RXNORM, "67108", "enoxaparin"), rid="enox-1"),
    ))
    assert [o.ref for o in orders] == ["ServiceRequest/filter-1", "MedicationRequest/enox-1"]


def test_empty_bundle() -> None:
    assert map_draft_orders({"resourceType": "Bundle", "type": "collection"}) == []


@pytest.mark.parametrize(
    "draft_orders",
    [None, [], "Bundle", {"resourceType": "Patient"}, {"resourceType": "Bundle", "entry": {}}],
)
def test_non_bundle_is_unsupported(draft_orders: Any) -> None:
    with pytest.raises(UnsupportedDraftOrders):
        map_draft_orders(draft_orders)


@pytest.mark.parametrize("rtype", ["MedicationOrder", "ProcedureRequest", "ReferralRequest"])
def test_legacy_resource_types_are_unsupported(rtype: str) -> None:
    with pytest.raises(UnsupportedDraftOrders, match=rtype):
        map_draft_orders(bundle({"resourceType": rtype, "id": "x", "status": "draft"}))


def test_stu3_medication_request_for_relevant_drug_is_unsupported() -> None:
    request = med_request(cc(RXNORM, "67108", "enoxaparin"),
                          dosageInstruction=[{"doseQuantity": {"value": 40, "unit": "mg"}}])
    with pytest.raises(UnsupportedDraftOrders, match="MedicationRequest"):
        map_draft_orders(bundle(request))


def test_stu3_shape_of_unrelated_order_is_ignored() -> None:
    request = med_request({"text": "Amoxicillin"},
                          dosageInstruction=[{"doseQuantity": {"value": 5, "unit": "mL"}}])
    assert map_draft_orders(bundle(request)) == []


def test_hooks_library_dstu2_example_is_unsupported() -> None:
    context = json.loads((HOOKS_EXAMPLES / "order-sign-context-DSTU2.json").read_text())
    with pytest.raises(UnsupportedDraftOrders, match="MedicationOrder"):
        map_draft_orders(context["context"]["draftOrders"])


@pytest.mark.parametrize(
    "name",
    ["order-sign-context-STU3.json", "order-sign-context-R4.json",
     "order-select-context-R4.json", "order-select-context-STU3.json"],
)
def test_hooks_library_unrelated_orders_map_to_nothing(name: str) -> None:
    context = json.loads((HOOKS_EXAMPLES / name).read_text())
    assert map_draft_orders(context["context"]["draftOrders"]) == []
