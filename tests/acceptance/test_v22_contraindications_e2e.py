"""Acceptance (catalog v2.2 safety rules) through the real endpoints: patient-view, order-sign
and order-select, with the data in the prefetch, fetched from a loopback FHIR server (paged), or
split between the two.

- intracranial hemorrhage (ICD-10-CM with/without dot, OID system, SNOMED, text only) within 30
  days contraindicates anticoagulation: no LMWH card, an IVC filter card for proximal DVT, naming
  the finding (resource and date);
- thrombolysis contraindicated (prior ICH or stroke of unknown type at any time, ischemic stroke
  within 180 days, CNS neoplasm, major surgery / trauma / head injury within 21 days, bleeding
  diathesis): `thrombolysis-consider` silent, `thrombolysis-not-indicated` critical and naming it;
- HIT at any time and in any status but refuted / entered-in-error: no LMWH order, the card names
  the HIT and asks for a non-heparin anticoagulant.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer

from cds_hooks.service_catalog import PREFETCH_TEMPLATES
from tests.acceptance.support_nivl import AS_OF, make_client
from tests.api.test_protocol_response_hygiene import assert_cards_conform

Json = dict[str, Any]
PID = "pat-v22"
SNOMED = "http://snomed.info/sct"
SNOMED_OID = "urn:oid:2.16.840.1.113883.6.96"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_OID = "urn:oid:2.16.840.1.113883.6.90"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PV, SIGN, SELECT = (
    "iliac-venous-pathway",
    "iliac-venous-order-safety",
    "iliac-venous-order-select",
)
HOOKS = {PV: "patient-view", SIGN: "order-sign", SELECT: "order-select"}
LMWH = "dvt-anticoagulation-lmwh"
FILTER = "anticoagulation-contraindicated-ivc-filter"
CONSIDER = "thrombolysis-consider"
NOT_INDICATED = "thrombolysis-not-indicated"
SEARCHES = {
    key: template.split("?")[0] for key, template in PREFETCH_TEMPLATES.items() if "?" in template
}
_ids = itertools.count(1)


def day(days_ago: int) -> str:
    return (AS_OF - timedelta(days=days_ago)).date().isoformat()


def instant(hours_ago: float) -> str:
    return (AS_OF - timedelta(hours=hours_ago)).isoformat()


def cc(system: str | None, code: str | None, display: str = "", text: str = "") -> Json:
    out: Json = {}
    if code:
        out["coding"] = [{"system": system, "code": code, **({"display": display} if display
                                                             else {})}]
    if text:
        out["text"] = text
    return out


def condition(
    code: Json, *, days: int | None = 3, clinical: str | None = "active",
    verification: str | None = "confirmed", onset: bool = True,
) -> Json:
    c: Json = {"resourceType": "Condition", "id": f"cond-{next(_ids)}",
               "subject": {"reference": f"Patient/{PID}"}, "code": code}
    if clinical:
        c["clinicalStatus"] = {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": clinical}]}
    if verification:
        c["verificationStatus"] = {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": verification}]}
    if days is not None:
        c["onsetDateTime" if onset else "recordedDate"] = day(days)
        c["recordedDate"] = day(days)
    return c


def icd(code: str, display: str = "", **kw: Any) -> Json:
    return condition(cc(ICD, code, display), **kw)


def procedure(text: str, days: int, *, category: bool = False, status: str = "completed") -> Json:
    p: Json = {"resourceType": "Procedure", "id": f"proc-{next(_ids)}", "status": status,
               "subject": {"reference": f"Patient/{PID}"}, "code": {"text": text},
               "performedDateTime": day(days)}
    if category:
        p["category"] = {"coding": [{"system": SNOMED, "code": "387713003",
                                     "display": "Surgical procedure"}]}
    return p


def observation(code: str, value: float, unit: str, when: str) -> Json:
    return {"resourceType": "Observation", "id": f"obs-{next(_ids)}", "status": "final",
            "subject": {"reference": f"Patient/{PID}"},
            "code": {"coding": [{"system": LOINC, "code": code}]}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}}


def base(*, severe: bool = True) -> list[Json]:
    """Acute left femoral DVT (proximal), 70 kg; with `severe` also phlegmasia and systolic 85:
    without a contraindication thrombolysis is to be considered."""
    found = [
        icd("I82.412", "Acute embolism and thrombosis of left femoral vein", days=2),
        observation("29463-7", 70, "kg", day(5)),
    ]
    if severe:
        found += [
            condition(cc(None, None, text="Phlegmasia cerulea dolens, left leg"), days=None),
            observation("8480-6", 85, "mm[Hg]", instant(1)),
        ]
        found[-2]["onsetDateTime"] = instant(3)
    return found


def alteplase(ref_id: str = "lytic-1") -> Json:
    return {"resourceType": "MedicationRequest", "id": ref_id, "status": "draft",
            "intent": "order", "subject": {"reference": f"Patient/{PID}"},
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "8410",
                                                      "display": "alteplase"}],
                                          "text": "Alteplase"},
            "dosageInstruction": [{"text": "catheter-directed, 1 mg/h"}]}


def bundle(resources: list[Json]) -> Json:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r} for r in resources]}


def patient_resource() -> Json:
    return {"resourceType": "Patient", "id": PID, "gender": "female", "birthDate": "1966-02-03"}


def prefetch(resources: list[Json], skip: frozenset[str] = frozenset()) -> Json:
    out: Json = {} if "patient" in skip else {"patient": patient_resource()}
    for key, kind in SEARCHES.items():
        if key not in skip:
            out[key] = bundle([r for r in resources if r["resourceType"] == kind])
    return out


def serve(server: HTTPServer, resources: list[Json], only: frozenset[str] | None = None) -> None:
    """Serve the patient's searches on a loopback FHIR server; Conditions in pages of one."""
    server.expect_request(f"/fhir/Patient/{PID}").respond_with_json(patient_resource())
    for key, kind in SEARCHES.items():
        if only is not None and key not in only:
            continue
        found = [r for r in resources if r["resourceType"] == kind]
        if kind != "Condition" or len(found) < 2:
            server.expect_request(f"/fhir/{kind}").respond_with_json(bundle(found))
            continue
        for page, resource in enumerate(found, start=1):
            page_bundle = bundle([resource])
            if page < len(found):
                page_bundle["link"] = [{"relation": "next", "url": server.url_for(
                    f"/fhir/Condition?patient={PID}&page={page + 1}")}]
            query = {"patient": PID, "page": str(page)} if page > 1 else None
            if query is None:
                server.expect_request("/fhir/Condition", query_string={
                    "patient": PID, "_count": "100"}).respond_with_json(page_bundle)
            else:
                server.expect_request("/fhir/Condition", query_string=query).respond_with_json(
                    page_bundle)


Call = Callable[..., list[Json]]


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return make_client(tmp_path)


@pytest.fixture
def call(client: FlaskClient) -> Call:
    def run(service: str, resources: list[Json], *, drafts: list[Json] | None = None,
            selections: list[str] | None = None, fhir_server: str | None = None,
            skip: frozenset[str] = frozenset()) -> list[Json]:
        context: Json = {"userId": "Practitioner/dr-1", "patientId": PID}
        if HOOKS[service] != "patient-view":
            context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": r} for r in drafts or []]}
        if HOOKS[service] == "order-select":
            context["selections"] = selections or []
        body: Json = {"hook": HOOKS[service], "hookInstance": str(uuid.uuid4()),
                      "context": context}
        if fhir_server:
            body["fhirServer"] = fhir_server
        if skip != frozenset({"*"}):
            body["prefetch"] = prefetch(resources, skip)
        response = client.post(f"/cds-services/{service}", data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert_cards_conform(response.get_json())  # protocol hygiene of every card
        return response.get_json()["cards"]

    return run


def ids(cards: list[Json]) -> set[str]:
    return {c["source"]["topic"]["code"] for c in cards}


def card(cards: list[Json], rec_id: str) -> Json:
    (found,) = [c for c in cards if c["source"]["topic"]["code"] == rec_id]
    return found


def actions(c: Json) -> list[Json]:
    return [a for s in c.get("suggestions", []) for a in s.get("actions", [])]


def names(c: Json, resource: Json, days: int) -> bool:
    """The card's detail names the finding's resource and its date."""
    detail = c.get("detail", "")
    return f"{resource['resourceType']}/{resource['id']}" in detail and day(days) in detail


# ---------------------------------------------------------------- baseline


def test_baseline_without_contraindication(call: Call) -> None:
    cards = call(PV, base())
    assert {LMWH, CONSIDER} <= ids(cards)
    assert FILTER not in ids(cards)
    assert [a["resource"]["resourceType"] for a in actions(card(cards, LMWH))] == [
        "MedicationRequest"
    ]
    assert call(SIGN, base(), drafts=[alteplase()]) == []


# ---------------------------------------------------------------- intracranial hemorrhage


ICH_FORMS = {
    "icd-dotted": lambda **kw: icd("I61.9", "Nontraumatic intracerebral hemorrhage", **kw),
    "icd-undotted-subdural": lambda **kw: icd("S065X0A", **kw),
    "icd-oid": lambda **kw: condition(cc(ICD_OID, "I62.9"), **kw),
    "icd-sah": lambda **kw: icd("S06.6X0A", **kw),
    "icd-s06-34": lambda **kw: icd("S06.340A", **kw),
    "snomed-ich": lambda **kw: condition(cc(SNOMED, "1386000"), **kw),
    "snomed-oid-subdural": lambda **kw: condition(cc(SNOMED_OID, "35486000"), **kw),
    "snomed-cerebral": lambda **kw: condition(cc(SNOMED, "274100004", "Cerebral hemorrhage"),
                                              **kw),
    "text-inverted": lambda **kw: condition(cc(None, None, text="Haemorrhage, intracerebral"),
                                            **kw),
    "text-subdural-haematoma": lambda **kw: condition(cc(None, None, text="Subdural haematoma"),
                                                      **kw),
    "local-code-display": lambda **kw: condition(
        cc("urn:oid:1.2.840.99", "ICH7", "Intracranial bleed"), **kw),
}


@pytest.mark.parametrize("form", sorted(ICH_FORMS))
def test_intracranial_bleed_in_every_form_blocks_lmwh_and_gives_a_filter(
    call: Call, form: str
) -> None:
    bleed = ICH_FORMS[form](days=6)
    cards = call(PV, [*base(), bleed])
    assert LMWH not in ids(cards)
    assert CONSIDER not in ids(cards)
    assert names(card(cards, FILTER), bleed, 6)
    assert card(cards, FILTER)["indicator"] == "critical"


@pytest.mark.parametrize(("days", "blocked"), [(29, True), (30, True), (31, False)])
def test_intracranial_bleed_30_day_window(call: Call, days: int, blocked: bool) -> None:
    cards = call(PV, [*base(), icd("I61.9", days=days)])
    assert (LMWH not in ids(cards)) is blocked
    assert (FILTER in ids(cards)) is blocked
    assert CONSIDER not in ids(cards)  # a prior ICH contraindicates thrombolysis at any time


@pytest.mark.parametrize(
    ("clinical", "verification", "anticoagulation_ok", "lysis_ok"),
    [
        ("active", "confirmed", False, False),
        ("resolved", "confirmed", True, False),
        ("active", "refuted", True, True),
        ("active", "entered-in-error", True, True),
    ],
)
def test_intracranial_bleed_status_forms(
    call: Call, clinical: str, verification: str, anticoagulation_ok: bool, lysis_ok: bool
) -> None:
    bleed = condition(cc(SNOMED, "21454007", "Subarachnoid hemorrhage"), days=10,
                      clinical=clinical, verification=verification)
    cards = call(PV, [*base(), bleed])
    assert (LMWH in ids(cards)) is anticoagulation_ok
    assert (FILTER in ids(cards)) is (not anticoagulation_ok)
    assert (CONSIDER in ids(cards)) is lysis_ok


def test_intracranial_bleed_with_distal_dvt_gives_neither_lmwh_nor_filter(call: Call) -> None:
    distal = [icd("I82.442", "Acute embolism and thrombosis of left tibial vein", days=2),
              observation("29463-7", 70, "kg", day(5)), icd("I61.9", days=4)]
    assert not {LMWH, FILTER} & ids(call(PV, distal))


# ---------------------------------------------------------------- thrombolysis contraindicated


CONTRAINDICATION_CASES: dict[str, tuple[Callable[[], Json], int, bool]] = {
    # name: (finding, days ago, contraindicated)
    "ich-5-years-resolved": (lambda: icd("I61.9", days=5 * 365, clinical="resolved"), 1825, True),
    "stroke-unknown-i64": (lambda: condition(cc(ICD, "I64"), days=3000, clinical="resolved"),
                           3000, True),
    "stroke-unknown-snomed": (lambda: condition(cc(SNOMED, "230690007"), days=900,
                                                clinical="inactive"), 900, True),
    "stroke-text": (lambda: condition(cc(None, None, text="Stroke"), days=1200), 1200, True),
    "ischemic-170d": (lambda: icd("I63.9", "Cerebral infarction, unspecified", days=170),
                      170, True),
    "ischemic-179d": (lambda: icd("I63.512", days=179), 179, True),
    "ischemic-180d": (lambda: icd("I63.9", days=180), 180, True),
    "ischemic-181d": (lambda: icd("I63.9", days=181), 181, False),
    "ischemic-snomed-100d": (lambda: condition(cc(SNOMED, "422504002"), days=100), 100, True),
    "glioblastoma": (lambda: icd("C71.9", "Malignant neoplasm of brain, unspecified",
                                 days=400), 400, True),
    "glioblastoma-text": (lambda: condition(cc(None, None, text="Glioblastoma"), days=60),
                          60, True),
    "brain-metastases": (lambda: icd("C79.31", days=30), 30, True),
    "cns-neoplasm-resolved": (lambda: icd("D33.2", days=400, clinical="resolved"), 400, False),
    "craniotomy-10d": (lambda: procedure("Craniotomy", 10), 10, True),
    "surgical-category-19d": (lambda: procedure("Cholecystectomy", 19, category=True), 19, True),
    "surgical-category-21d": (lambda: procedure("Hernia repair", 21, category=True), 21, True),
    "surgical-category-22d": (lambda: procedure("Hernia repair", 22, category=True), 22, False),
    "laparotomy-20d": (lambda: procedure("Exploratory laparotomy", 20), 20, True),
    "colonoscopy-5d": (lambda: procedure("Colonoscopy", 5), 5, False),
    "craniotomy-not-done": (lambda: procedure("Craniotomy", 5, status="not-done"), 5, False),
    "head-injury-21d": (lambda: icd("S06.0X0A", "Concussion", days=21), 21, True),
    "head-injury-22d": (lambda: icd("S06.0X0A", "Concussion", days=22), 22, False),
    "trauma-20d": (lambda: icd("S72.001A", days=20), 20, True),
    "trauma-22d": (lambda: icd("S72.001A", days=22), 22, False),
    "itp": (lambda: icd("D69.3", "Immune thrombocytopenic purpura", days=700), 700, True),
    "von-willebrand": (lambda: icd("D68.0", days=3000), 3000, True),
    "d68-2": (lambda: icd("D682", days=50), 50, True),
    "d69-6": (lambda: icd("D69.6", days=50), 50, True),
    "d69-2-purpura": (lambda: icd("D69.2", days=50), 50, False),
    "d69-8": (lambda: icd("D69.8", days=50), 50, False),
    "thrombophilia-d68-51": (lambda: icd("D68.51", days=50), 50, False),
    "diathesis-resolved": (lambda: icd("D69.3", days=50, clinical="resolved"), 50, False),
}


@pytest.mark.parametrize("case", sorted(CONTRAINDICATION_CASES))
def test_thrombolysis_contraindications_patient_view(call: Call, case: str) -> None:
    make, _, contraindicated = CONTRAINDICATION_CASES[case]
    cards = call(PV, [*base(), make()])
    assert (CONSIDER not in ids(cards)) is contraindicated
    assert LMWH in ids(cards)  # anticoagulation itself is not contraindicated by these


@pytest.mark.parametrize("case", sorted(CONTRAINDICATION_CASES))
@pytest.mark.parametrize("service", [SIGN, SELECT])
def test_thrombolysis_contraindications_order_hooks(call: Call, case: str, service: str) -> None:
    make, days, contraindicated = CONTRAINDICATION_CASES[case]
    finding = make()
    cards = call(service, [*base(), finding], drafts=[alteplase()],
                 selections=["MedicationRequest/lytic-1"])
    if not contraindicated:
        assert cards == []  # the order is indicated: acute DVT + ischemia + hypotension
        return
    c = card(cards, NOT_INDICATED)
    assert c["indicator"] == "critical"
    assert names(c, finding, days)
    assert "8%" in c["detail"]
    assert c["source"]["topic"]["code"] == NOT_INDICATED
    assert any("ehz405" in link["url"] for link in c.get("links", []))


def test_order_select_only_judges_the_selected_order(call: Call) -> None:
    record = [*base(), icd("I63.9", days=30)]
    assert call(SELECT, record, drafts=[alteplase()], selections=["MedicationRequest/other"]) == []
    assert ids(call(SELECT, record, drafts=[alteplase()],
                    selections=["MedicationRequest/lytic-1"])) == {NOT_INDICATED}


def test_without_the_severity_criteria_a_contraindicated_lytic_is_still_critical(
    call: Call,
) -> None:
    cards = call(SIGN, [*base(severe=False), icd("D69.3", days=40)], drafts=[alteplase()])
    c = card(cards, NOT_INDICATED)
    assert c["indicator"] == "critical"
    assert "Bleeding diathesis" in c["detail"]


def test_uncontraindicated_lytic_without_criteria_stays_a_warning(call: Call) -> None:
    cards = call(SIGN, base(severe=False), drafts=[alteplase()])
    assert card(cards, NOT_INDICATED)["indicator"] == "warning"


# ---------------------------------------------------------------- HIT at any time


HIT_FORMS = {
    "icd-resolved-4y": lambda: icd("D75.829", "Heparin-induced thrombocytopenia, unspecified",
                                   days=4 * 365, clinical="resolved"),
    "icd-undotted-3y": lambda: icd("D75822", days=3 * 365, clinical="inactive"),
    "icd-oid-5y": lambda: condition(cc(ICD_OID, "D75.821"), days=5 * 365, clinical="resolved"),
    "snomed-resolved-3y": lambda: condition(cc(SNOMED, "73397007"), days=3 * 365,
                                            clinical="resolved"),
    "text-only-6y": lambda: condition(cc(None, None, text="Heparin-induced thrombocytopenia"),
                                      days=6 * 365, clinical="resolved"),
    "suspected-20d": lambda: icd("D75.82", days=20, verification="provisional"),
}


@pytest.mark.parametrize("form", sorted(HIT_FORMS))
def test_hit_at_any_time_no_lmwh_and_the_card_names_it(call: Call, form: str) -> None:
    hit = HIT_FORMS[form]()
    days = (AS_OF.date() - AS_OF.date().fromisoformat(hit["recordedDate"])).days
    c = card(call(PV, [*base(severe=False), hit]), LMWH)
    assert actions(c) == []
    assert names(c, hit, days)
    assert "non-heparin anticoagulant" in c["detail"]
    assert "enoxaparin" not in (c["summary"] + c["detail"]).lower()


def test_hit_recorded_as_an_inactive_allergy_still_blocks_lmwh(call: Call) -> None:
    hit = {"resourceType": "AllergyIntolerance", "id": "hit-allergy",
           "patient": {"reference": f"Patient/{PID}"},
           "clinicalStatus": {"coding": [{"code": "inactive"}]},
           "code": {"coding": [{"system": SNOMED, "code": "73397007",
                                "display": "Heparin-induced thrombocytopenia"}]},
           "recordedDate": day(1000)}
    c = card(call(PV, [*base(severe=False), hit]), LMWH)
    assert actions(c) == []
    assert names(c, hit, 1000)


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_or_erroneous_hit_does_not_block_lmwh(call: Call, verification: str) -> None:
    hit = icd("D75.829", days=100, verification=verification)
    c = card(call(PV, [*base(severe=False), hit]), LMWH)
    assert [a["resource"]["resourceType"] for a in actions(c)] == ["MedicationRequest"]


# ---------------------------------------------------------------- FHIR server, paging, partial


def test_fhir_fallback_with_paging_finds_the_bleed_on_page_two(
    call: Call, httpserver_ipv4: HTTPServer
) -> None:
    bleed = condition(cc(None, None, text="Haemorrhage, intracerebral"), days=7)
    record = [*base(), bleed]
    serve(httpserver_ipv4, record)
    cards = call(PV, record, fhir_server=httpserver_ipv4.url_for("/fhir"), skip=frozenset({"*"}))
    assert LMWH not in ids(cards)
    assert names(card(cards, FILTER), bleed, 7)


def test_partial_prefetch_fetches_the_rest(call: Call, httpserver_ipv4: HTTPServer) -> None:
    surgery = procedure("Laminectomy", 12)
    record = [*base(), surgery]
    serve(httpserver_ipv4, record, only=frozenset({"procedures"}))
    cards = call(SIGN, record, drafts=[alteplase()],
                 fhir_server=httpserver_ipv4.url_for("/fhir"), skip=frozenset({"procedures"}))
    c = card(cards, NOT_INDICATED)
    assert c["indicator"] == "critical" and names(c, surgery, 12)


# ---------------------------------------------------------------- IVC filter orders


def filter_order() -> Json:
    return {"resourceType": "ServiceRequest", "id": "filter-1", "status": "draft",
            "intent": "order", "subject": {"reference": f"Patient/{PID}"},
            "code": {"coding": [{"system": SNOMED, "code": "397913009",
                                 "display": "Insertion of vena cava filter"}]}}


@pytest.mark.parametrize("service", [SIGN, SELECT])
@pytest.mark.parametrize(
    ("bleed", "warned"),
    [
        (lambda: condition(cc(None, None, text="Subdural haematoma"), days=5), False),
        (lambda: condition(cc(SNOMED, "1386000"), days=30), False),
        (lambda: condition(cc(SNOMED, "1386000"), days=31), True),
        (lambda: icd("I61.9", days=5, clinical="resolved"), True),
        (lambda: None, True),
    ],
    ids=["text-5d", "snomed-30d", "snomed-31d", "resolved", "none"],
)
def test_filter_order_is_accepted_beside_an_intracranial_bleed(
    call: Call, service: str, bleed: Callable[[], Json | None], warned: bool
) -> None:
    finding = bleed()
    record = [*base(severe=False), *([finding] if finding else [])]
    cards = call(service, record, drafts=[filter_order()],
                 selections=["ServiceRequest/filter-1"])
    assert ("ivc-filter-not-indicated" in ids(cards)) is warned
