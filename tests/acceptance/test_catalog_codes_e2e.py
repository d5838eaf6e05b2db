"""Acceptance: every code and named value of the recommendation catalog, end to end.

Each code goes through the real endpoints in its simplest realistic FHIR form (system exactly as
the input profile gives it, ICD-10-CM dotted), with one near miss per family.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from support_dvt import (
    ICD10,
    LOINC,
    RXNORM,
    SNOMED,
    ago,
    call,
    card,
    cc,
    condition,
    duplex,
    dvt,
    ids,
    med_request,
    observation,
    platelets,
    resources_of,
    swelling,
    systolic,
    weight,
)

from fixtures import orders
from fixtures.fhir import Builder
from tests.acceptance.support_nivl import (
    PV,
    SIGN,
    at,
    coding,
    concept,
    patient,
    post,
)
from tests.acceptance.support_nivl import ids as sids

LMWH = "dvt-anticoagulation-lmwh"
FILTER = "anticoagulation-contraindicated-ivc-filter"
LYSIS = "thrombolysis-consider"
DUPLEX = "dvt-duplex-ultrasound"
PELVIC = "pelvic-venous-imaging"
REVIEW = "post-stent-antithrombotic-review"
SURVEIL = "post-stent-surveillance"
PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
CPT = "http://www.ama-assn.org/go/cpt"


def icd(code: str, display: str = "x", **kw: Any) -> dict:
    return condition(cc((ICD10, code, display)), onset=ago(days=5), recorded=ago(days=5), **kw)


def sct(code: str, display: str = "x", **kw: Any) -> dict:
    return condition(cc((SNOMED, code, display)), onset=ago(days=5), recorded=ago(days=5), **kw)


# ---- major / minor bleeding -------------------------------------------------------------------

MAJOR = [
    (ICD10, "K92.0", "Hematemesis"),
    (ICD10, "K92.1", "Melena"),
    (ICD10, "K92.2", "Gastrointestinal hemorrhage, unspecified"),
    (ICD10, "K62.5", "Hemorrhage of anus and rectum"),
    (ICD10, "I60.9", "Nontraumatic subarachnoid hemorrhage, unspecified"),
    (ICD10, "I60.7", "Nontraumatic subarachnoid hemorrhage from unspecified intracranial artery"),
    (ICD10, "I61.9", "Nontraumatic intracerebral hemorrhage, unspecified"),
    (ICD10, "I61.0", "Nontraumatic intracerebral hemorrhage in hemisphere, subcortical"),
    (ICD10, "I62.9", "Nontraumatic intracranial hemorrhage, unspecified"),
    (ICD10, "I62.00", "Nontraumatic subdural hemorrhage, unspecified"),
    (ICD10, "R58", "Hemorrhage, not elsewhere classified"),
    (SNOMED, "131148009", "Bleeding"),
    (SNOMED, "74474003", "Gastrointestinal hemorrhage"),
]


@pytest.mark.parametrize(("system", "code", "display"), MAJOR)
def test_major_bleeding_contraindicates(
    tmp_path: Path, system: str, code: str, display: str
) -> None:
    bleed = condition(cc((system, code, display)), onset=ago(days=5), recorded=ago(days=5))
    assert ids(call(tmp_path, [dvt(), weight(70), bleed])) == {FILTER}


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("R31.9", "Hematuria, unspecified"),
        ("N93.9", "Abnormal uterine and vaginal bleeding, unspecified"),
        ("R04.0", "Epistaxis"),
        ("K92.9", "Disease of digestive system, unspecified"),  # near miss of K92.0-K92.2
        ("K92.81", "Gastrointestinal mucositis"),
        ("I63.9", "Cerebral infarction, unspecified"),  # near miss of I60-I62
        ("K62.1", "Rectal polyp"),  # near miss of K62.5
    ],
)
def test_minor_or_near_miss_bleeding_does_not_contraindicate(
    tmp_path: Path, code: str, display: str
) -> None:
    assert ids(call(tmp_path, [dvt(), weight(70), icd(code, display)])) == {LMWH}


def test_major_bleeding_older_than_30_days_does_not_contraindicate(tmp_path: Path) -> None:
    old = condition(cc((ICD10, "K92.2", "GI hemorrhage")), onset=ago(days=31),
                    recorded=ago(days=31))
    assert ids(call(tmp_path, [dvt(), weight(70), old])) == {LMWH}


# ---- heparin contraindicated -----------------------------------------------------------------


def lmwh_suggested(cards: list[dict]) -> bool:
    return any(r.get("resourceType") == "MedicationRequest"
               for r in resources_of(card(cards, LMWH)))


@pytest.mark.parametrize(
    ("code", "expected_lmwh_suggestion"),
    [
        ("D75.82", False),
        ("D75.821", False),
        ("D75.822", False),
        ("D75.828", False),
        ("D75.829", False),
        ("D69.6", True),  # near miss: thrombocytopenia, not HIT
        ("D75.89", True),  # near miss: other blood disease
    ],
)
def test_hit_codes(tmp_path: Path, code: str, expected_lmwh_suggestion: bool) -> None:
    cards = call(tmp_path, [dvt(), weight(70), icd(code, "x")])
    assert ids(cards) == {LMWH}
    assert lmwh_suggested(cards) is expected_lmwh_suggestion


def allergy(code: tuple[str, str, str] | None, text: str, verification: str = "confirmed") -> dict:
    return {
        "resourceType": "AllergyIntolerance",
        "id": f"alg-{text.split()[0].lower()}-{verification}",
        "patient": {"reference": "Patient/pat-dvt-1"},
        "clinicalStatus": cc(("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                              "active", "Active")),
        "verificationStatus": cc((
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            verification, verification)),
        "code": cc(code, text=text) if code else cc(text=text),
    }


@pytest.mark.parametrize(
    ("code", "text", "verification", "expected_lmwh_suggestion"),
    [
        ((RXNORM, "5224", "heparin"), "Heparin", "confirmed", False),
        ((RXNORM, "67108", "enoxaparin"), "Enoxaparin", "confirmed", False),
        ((RXNORM, "67109", "dalteparin"), "Dalteparin", "confirmed", False),
        ((RXNORM, "69646", "tinzaparin"), "Tinzaparin", "confirmed", False),
        (None, "Lovenox", "confirmed", False),
        ((RXNORM, "5224", "heparin"), "Heparin", "refuted", True),
        ((RXNORM, "7980", "penicillin G"), "Penicillin", "confirmed", True),
    ],
)
def test_heparin_lmwh_allergy(
    tmp_path: Path, code: Any, text: str, verification: str, expected_lmwh_suggestion: bool
) -> None:
    cards = call(tmp_path, [dvt(), weight(70), allergy(code, text, verification)])
    assert ids(cards) == {LMWH}
    assert lmwh_suggested(cards) is expected_lmwh_suggestion


# ---- therapeutic vs prophylactic anticoagulation ----------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "dose", "text", "therapeutic"),
    [
        ("67108", "enoxaparin", (70, "mg"), None, True),
        ("67108", "enoxaparin", (60, "mg"), None, True),
        ("67108", "enoxaparin", (40, "mg"), "40 mg subcutaneously daily", False),
        ("67108", "enoxaparin", None, "40 mg daily", False),
        ("67108", "enoxaparin", None, None, True),  # unreadable dose counts as therapeutic
        ("67109", "dalteparin", (7000, "[iU]"), None, True),
        ("67109", "dalteparin", (5000, "[iU]"), "5000 units daily", False),
        ("5224", "heparin", (5000, "[iU]"), "5,000 units subcutaneous every 8 hours", False),
        ("321208", "fondaparinux", (7.5, "mg"), None, True),
        ("321208", "fondaparinux", (5, "mg"), None, True),
        ("321208", "fondaparinux", (2.5, "mg"), None, False),
        ("11289", "warfarin", (5, "mg"), None, True),
        ("1364430", "apixaban", (5, "mg"), None, True),
        ("1114195", "rivaroxaban", (15, "mg"), None, True),
        ("1599538", "edoxaban", (60, "mg"), None, True),
        ("1037042", "dabigatran", (150, "mg"), None, True),
    ],
)
def test_anticoagulant_doses(
    tmp_path: Path, code: str, name: str, dose: Any, text: str | None, therapeutic: bool
) -> None:
    mr = med_request(cc((RXNORM, code, name), text=name), dose=dose, text=text)
    got = ids(call(tmp_path, [dvt(), weight(70), *mr]))
    assert got == (set() if therapeutic else {LMWH})


@pytest.mark.parametrize("name", ["argatroban", "bivalirudin"])
def test_named_parenteral_anticoagulants(tmp_path: Path, name: str) -> None:
    mr = med_request(cc(text=name), text=f"{name} infusion per protocol")
    assert ids(call(tmp_path, [dvt(), weight(70), *mr])) == set()


def test_iv_heparin_is_therapeutic(tmp_path: Path) -> None:
    mr = med_request(cc((RXNORM, "5224", "heparin"), text="heparin"),
                     text="heparin 18 units/kg/h IV infusion",
                     route=("47625008", "Intravenous route"))
    assert ids(call(tmp_path, [dvt(), weight(70), *mr])) == set()


# ---- pregnancy (pelvic imaging choice) --------------------------------------------------------


def pelvic_case() -> list[dict]:
    return [swelling("left", text="Left whole leg swelling"), duplex("left", days=1)]


def pelvic_codes(cards: list[dict]) -> set[str]:
    out: set[str] = set()
    for r in resources_of(card(cards, PELVIC)):
        out |= {c["code"] for c in r["code"].get("coding", [])}
    return out


def pregnancy_obs(value: str) -> dict:
    return observation(cc((LOINC, "82810-3", "Pregnancy status")), effective=ago(days=3),
                       value={"valueCodeableConcept": cc((SNOMED, value, "status"))})


@pytest.mark.parametrize(
    ("record", "pregnant"),
    [
        (lambda: pregnancy_obs("77386006"), True),
        (lambda: icd("Z33.1", "Pregnant state, incidental"), True),
        (lambda: icd("O09.892", "Supervision of other high risk pregnancies, second trimester"),
         True),
        (lambda: icd("O09.90", "Supervision of high risk pregnancy, unspecified"), True),
        (lambda: icd("Z3A.20", "20 weeks gestation of pregnancy"), True),
        (lambda: icd("O87.0", "Superficial thrombophlebitis in the puerperium"), False),
        (lambda: icd("O87.9", "Venous complication in the puerperium, unspecified"), False),
        (lambda: pregnancy_obs("60001007"), False),  # not pregnant
        (lambda: icd("Z33.1", "Pregnant state", clinical="resolved"), False),
    ],
)
def test_pregnancy_codes_restrict_pelvic_imaging_to_mr(
    tmp_path: Path, record: Any, pregnant: bool
) -> None:
    cards = call(tmp_path, [*pelvic_case(), record()])
    assert PELVIC in ids(cards)
    codes = pelvic_codes(cards)
    assert "36789-6" in codes
    assert ("431676002" in codes) is (not pregnant)


# ---- severe hypotension / shock, limb-threatening ischemia --------------------------------------

PHLEGMASIA = "Phlegmasia cerulea dolens of the left leg"


def phlegmasia() -> dict:
    return condition(cc(text=PHLEGMASIA), onset=ago(hours=6), recorded=ago(hours=6))


@pytest.mark.parametrize(
    ("system", "code", "severe"),
    [
        (ICD10, "R57.0", True),
        (ICD10, "R57.1", True),
        (ICD10, "R57.8", True),
        (ICD10, "R57.9", True),
        (SNOMED, "27942005", True),
        (ICD10, "I95.9", False),
        (SNOMED, "45007003", False),
        (ICD10, "R65.21", False),  # near miss: severe sepsis with shock is not in the list
    ],
)
def test_shock_codes(tmp_path: Path, system: str, code: str, severe: bool) -> None:
    shock = condition(cc((system, code, "x")), onset=ago(hours=10), recorded=ago(hours=10))
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), shock]))
    assert (LYSIS in got) is severe
    assert LMWH in got


def test_shock_older_than_72h_is_not_severe(tmp_path: Path) -> None:
    shock = condition(cc((ICD10, "R57.9", "Shock")), onset=ago(hours=80), recorded=ago(hours=80))
    assert LYSIS not in ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), shock]))


@pytest.mark.parametrize(("value", "fires"), [(89, True), (90, False)])
def test_systolic_threshold(tmp_path: Path, value: float, fires: bool) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), systolic(value)]))
    assert (LYSIS in got) is fires


@pytest.mark.parametrize(
    ("coding_", "text", "fires"),
    [
        ((SNOMED, "1230182004", "Acute ischemia of lower limb"), None, True),
        ((ICD10, "I96", "Gangrene, not elsewhere classified"), None, True),
        (None, "Phlegmasia alba dolens", True),
        ((ICD10, "I73.9", "Peripheral vascular disease, unspecified"), None, False),
        ((ICD10, "I70.222", "Atherosclerosis with rest pain, left leg"), None, False),
    ],
)
def test_limb_ischemia_codes(tmp_path: Path, coding_: Any, text: str | None, fires: bool) -> None:
    code = cc(coding_, text=text) if coding_ else cc(text=text)
    ischemia = condition(code, onset=ago(hours=6), recorded=ago(hours=6))
    got = ids(call(tmp_path, [dvt(), weight(70), ischemia, systolic(80)]))
    assert (LYSIS in got) is fires


# ---- proximal / distal / chronic DVT -----------------------------------------------------------

PROXIMAL = ["I82.411", "I82.412", "I82.413", "I82.421", "I82.422", "I82.423", "I82.431",
            "I82.432", "I82.433", "I82.4Y1", "I82.4Y2", "I82.4Y3", "I80.11", "I80.12",
            "I80.13", "I80.211", "I80.212", "I80.213"]
DISTAL = ["I82.441", "I82.442", "I82.443", "I82.451", "I82.452", "I82.461", "I82.462",
          "I82.4Z1", "I82.4Z2", "I82.4Z3"]


@pytest.mark.parametrize("code", PROXIMAL)
def test_proximal_dvt_codes(tmp_path: Path, code: str) -> None:
    assert ids(call(tmp_path, [dvt(code), weight(70)])) == {LMWH}
    assert ids(call(tmp_path, [dvt(code), weight(70), platelets(30, "10*3/uL")])) == {FILTER}


@pytest.mark.parametrize("code", DISTAL)
def test_distal_dvt_codes_never_get_a_filter(tmp_path: Path, code: str) -> None:
    assert ids(call(tmp_path, [dvt(code), weight(70)])) == {LMWH}
    got = ids(call(tmp_path, [dvt(code), weight(70), platelets(30, "10*3/uL")]))
    assert FILTER not in got and LMWH not in got


@pytest.mark.parametrize("code", ["I82.512", "I82.5Y2", "I82.5Z1", "I82.812"])
def test_chronic_or_superficial_codes_are_not_acute(tmp_path: Path, code: str) -> None:
    assert call(tmp_path, [dvt(code), weight(70)]) == []


@pytest.mark.parametrize(("code", "system"), [("I82412", ICD10),
                                             ("I82.412", "urn:oid:2.16.840.1.113883.6.90")])
def test_undotted_and_oid_forms(tmp_path: Path, code: str, system: str) -> None:
    assert ids(call(tmp_path, [dvt(code, system=system), weight(70)])) == {LMWH}


# ---- complete vs limited duplex ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("loinc", "complete"),
    [("39432-0", True), ("69399-4", False), ("80860-0", False)],
)
def test_duplex_completeness_codes(tmp_path: Path, loinc: str, complete: bool) -> None:
    cards = call(tmp_path, [swelling("left"), duplex("left", days=1, loinc=loinc)])
    assert (DUPLEX in ids(cards)) is (not complete)


# ---- stent in place: other antithrombotic indications, prior VTE, surveillance -----------------




def stented(key: str) -> Builder:
    b = patient(key)
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.medication_request("1364430", "apixaban", days_ago=20, dose_mg=5, per_day=2)
    return b


@pytest.mark.parametrize(
    ("system", "code", "silent"),
    [
        (ICD10, "I48.91", True),
        (ICD10, "I48.0", True),
        (SNOMED, "49436004", True),
        (ICD10, "Z95.2", True),
        (ICD10, "I25.10", True),
        (ICD10, "I21.4", True),
        (ICD10, "I20.9", True),
        (ICD10, "Z95.5", True),
        (ICD10, "I70.211", True),
        (ICD10, "I63.9", True),
        (ICD10, "Z86.73", True),
        (ICD10, "D68.51", True),
        (ICD10, "D68.59", True),
        (ICD10, "D68.61", True),
        (ICD10, "D68.69", True),
        (ICD10, "Z86.718", True),  # prior VTE
        (ICD10, "Z86.711", True),
        (ICD10, "I26.99", True),
        (ICD10, "I49.9", False),  # near miss: arrhythmia, not AF
        (ICD10, "I26.01", True),
        (ICD10, "I70.0", False),  # near miss: aortic atherosclerosis, not I70.2x
        (ICD10, "D68.4", False),  # near miss: acquired coagulation factor deficiency
        (ICD10, "I19", False),
    ],
)
def test_other_antithrombotic_indications(
    client: FlaskClient, system: str, code: str, silent: bool
) -> None:
    b = stented(f"ind{code}")
    b.condition(concept(coding(system, code, "x")), onset=at(400))
    got = sids(post(client, b, PV))
    assert (REVIEW in got) is (not silent), got


@pytest.mark.parametrize(
    ("loinc", "days_ago", "surveil"),
    [("39497-3", 60, False), ("39432-0", 60, False), ("39497-3", 400, True),
     ("39497-3", 150, True)],
)
def test_post_stent_surveillance_imaging(
    client: FlaskClient, loinc: str, days_ago: int, surveil: bool
) -> None:
    b = patient(f"surv{loinc}{days_ago}")
    b.iliac_stent("left", 100)
    b.report(concept(coding("http://loinc.org", loinc, "venous duplex"), text="Venous duplex"),
             days_ago=days_ago, conclusion="Patent stent, no thrombus.")
    assert (SURVEIL in sids(post(client, b, PV))) is surveil


# ---- order hooks: stent codes, IVC filter codes, thrombolytic exclusions ------------------------


def iliac_context() -> Builder:
    b = patient("ord")
    b.swelling("left", 3, extent="whole")
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    return b


def stent_sr(code: str | None, text: str) -> dict:
    codings = [coding(PCS, code, "Dilation of iliac vein with intraluminal device")] if code else []
    return {"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
            "code": concept(*codings, text=text), "orderDetail": [concept(text=text)]}


@pytest.mark.parametrize("code", ["067C3DZ", "067D3DZ", "067F3DZ", "067G3DZ"])
def test_stent_pcs_codes_are_in_scope(client: FlaskClient, code: str) -> None:
    b = iliac_context()
    b.draft(stent_sr(code, "Venous stent 14 x 100 mm"))
    assert "stent-without-ivus-confirmation" in sids(post(client, b, SIGN))


@pytest.mark.parametrize(
    ("text", "in_scope"),
    [
        ("Venous stent 14 x 100 mm", True),  # no other site while iliac context
        ("Left subclavian vein stent 12 x 60 mm", False),
        ("Right internal jugular vein stent 12 x 60 mm", False),
    ],
)
def test_stent_other_site_rule(client: FlaskClient, text: str, in_scope: bool) -> None:
    b = iliac_context()
    b.draft(stent_sr(None, text))
    assert bool(post(client, b, SIGN)) is in_scope


@pytest.mark.parametrize(
    "code",
    [coding(SNOMED, "397913009", "Insertion of inferior vena cava filter"),
     coding(CPT, "37191", "Insertion of intravascular vena cava filter"),
     coding(PCS, "06H03DZ", "Insertion of Intraluminal Device into Inferior Vena Cava")],
)
def test_ivc_filter_codes(client: FlaskClient, code: dict) -> None:
    b = iliac_context()
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(code)})
    assert sids(post(client, b, SIGN)) == ["ivc-filter-not-indicated"]


@pytest.mark.parametrize(
    ("reason", "in_scope"),
    [
        (concept(coding(ICD10, "I63.9", "Cerebral infarction, unspecified")), False),
        (concept(text="Acute ischemic stroke"), False),
        (concept(coding(ICD10, "I21.9", "Acute myocardial infarction, unspecified")), False),
        (concept(coding(ICD10, "I26.99", "Other pulmonary embolism")), False),
        (concept(text="Central line catheter occlusion"), False),
        (concept(coding(ICD10, "I82.422", "Acute DVT of left iliac vein")), True),
        (None, True),  # no reason while the patient has an acute lower-limb DVT
    ],
)
def test_thrombolytic_indication_exclusions(
    client: FlaskClient, reason: dict | None, in_scope: bool
) -> None:
    b = iliac_context()
    b.draft(orders.alteplase_order(20, reason=reason))
    assert (sids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]) is in_scope


@pytest.mark.parametrize(("mg", "in_scope"), [(1, False), (2, False), (2.5, True), (50, True)])
def test_alteplase_catheter_dose_threshold(client: FlaskClient, mg: float, in_scope: bool) -> None:
    b = iliac_context()
    b.draft(orders.alteplase_order(mg))
    assert bool(post(client, b, SIGN)) is in_scope


def test_thrombolytic_procedure_code_in_scope(client: FlaskClient) -> None:
    b = iliac_context()
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(coding(SNOMED, "426347000", "Thrombolytic therapy"))})
    assert sids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]



# ---- second pass: windows, statuses and neighbours of the named codes ---------------------------


@pytest.mark.parametrize(
    "code",
    ["I82.401", "I82.402", "I82.409", "I82.491", "I82.492", "I82.4Y9", "I82.4Z9", "I80.201",
     "I80.221", "I80.231", "O22.33", "O87.1"],
)
def test_other_acute_dvt_codes_get_lmwh(tmp_path: Path, code: str) -> None:
    assert ids(call(tmp_path, [dvt(code), weight(70)])) == {LMWH}


@pytest.mark.parametrize("code", ["I80.3", "I80.8", "I80.9"])
def test_phlebitis_codes_outside_the_dvt_families(tmp_path: Path, code: str) -> None:
    assert call(tmp_path, [dvt(code), weight(70)]) == []


@pytest.mark.parametrize("code", ["128053003", "404223003", "132281000119108"])
def test_snomed_dvt_codes(tmp_path: Path, code: str) -> None:
    assert ids(call(tmp_path, [dvt(code, system=SNOMED), weight(70)])) == {LMWH}


@pytest.mark.parametrize(
    "kw", [{"clinical": "resolved"}, {"verification": "provisional"},
           {"verification": "refuted"}, {"days": 31}],
)
def test_dvt_status_and_window_near_misses(tmp_path: Path, kw: dict) -> None:
    assert call(tmp_path, [dvt(**kw), weight(70)]) == []


@pytest.mark.parametrize(
    ("record", "contraindicated"),
    [
        (lambda: condition(cc(("urn:oid:2.16.840.1.113883.6.90", "K920", "Hematemesis")),
                           onset=ago(days=5)), True),
        (lambda: sct("131148009", "Bleeding", clinical=None), True),
        (lambda: icd("I62.1", "Nontraumatic extradural hemorrhage"), True),
        (lambda: icd("R58", "Hemorrhage", clinical="resolved"), False),
        (lambda: icd("K92.2", "GI hemorrhage", verification="refuted"), False),
        (lambda: platelets(49, "10*3/uL"), True),
        (lambda: platelets(50, "10*3/uL"), False),
        (lambda: platelets(35000, "/uL"), True),
        (lambda: platelets(30, "10*3/uL", days=8), False),
    ],
)
def test_contraindication_forms(tmp_path: Path, record: Any, contraindicated: bool) -> None:
    assert ids(call(tmp_path, [dvt(), weight(70), record()])) == (
        {FILTER} if contraindicated else {LMWH}
    )


def test_latest_platelet_count_wins(tmp_path: Path) -> None:
    counts = [platelets(30, "10*3/uL", days=3), platelets(200, "10*3/uL", days=1)]
    assert ids(call(tmp_path, [dvt(), weight(70), *counts])) == {LMWH}


def test_minor_bleeding_is_noted_on_the_card(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(70), icd("R31.9", "Hematuria, unspecified")])
    assert "minor bleeding" in card(cards, LMWH)["detail"].lower()


@pytest.mark.parametrize(
    ("days", "clinical", "heparin_ok"),
    # Catalog v2.2: HIT "recorded at any time" contraindicates heparin (no 12-month window).
    [(180, "resolved", False), (400, "resolved", False), (800, "active", False),
     (5 * 365, "resolved", False)],
)
def test_hit_window(tmp_path: Path, days: int, clinical: str, heparin_ok: bool) -> None:
    hit = condition(cc((ICD10, "D75.82", "Heparin induced thrombocytopenia")),
                    onset=ago(days=days), recorded=ago(days=days), clinical=clinical)
    assert lmwh_suggested(call(tmp_path, [dvt(), weight(70), hit])) is heparin_ok


@pytest.mark.parametrize(
    ("code", "text", "verification", "heparin_ok"),
    [
        ((SNOMED, "372877000", "Heparin"), "Heparin", "confirmed", False),
        ((SNOMED, "294872001", "Allergy to heparin"), "Allergy to heparin", "confirmed", False),
        (None, "Fragmin", "confirmed", False),
        (None, "Innohep", "confirmed", False),
        ((RXNORM, "5224", "heparin"), "Heparin", "entered-in-error", True),
    ],
)
def test_heparin_allergy_forms(
    tmp_path: Path, code: Any, text: str, verification: str, heparin_ok: bool
) -> None:
    cards = call(tmp_path, [dvt(), weight(70), allergy(code, text, verification)])
    assert lmwh_suggested(cards) is heparin_ok


@pytest.mark.parametrize(
    ("code", "kg", "dose", "text", "route", "therapeutic"),
    [
        ("67108", 50, (50, "mg"), None, None, True),  # 1 mg/kg
        ("67108", 50, (45, "mg"), None, None, False),  # 0.9 mg/kg, < 60 mg
        ("67108", 70, (59, "mg"), None, None, False),
        ("67108", 70, (40, "mg"), "40 mg every 12 hours", None, False),  # per dose < 60 mg
        ("67109", 70, (7000, "[iU]"), None, None, True),  # 100 IU/kg
        ("67109", 70, (6900, "[iU]"), None, None, False),
        ("67109", 70, None, "10,000 units subcutaneously daily", None, True),
        ("5224", 70, (5000, "[iU]"), None, ("34206005", "Subcutaneous route"), False),
        ("5224", 70, None, "heparin 5000 units subcutaneous twice daily", None, False),
        ("5224", 70, (5000, "[iU]"), None, ("47625008", "Intravenous route"), True),
        ("321208", 70, (4.9, "mg"), None, None, False),
    ],
)
def test_weight_based_and_route_thresholds(
    tmp_path: Path, code: str, kg: float, dose: Any, text: str | None, route: Any,
    therapeutic: bool,
) -> None:
    mr = med_request(cc((RXNORM, code, "x"), text={"67108": "enoxaparin", "67109": "dalteparin",
                                                   "5224": "heparin"}.get(code, "fondaparinux")),
                     dose=dose, text=text, route=route)
    got = ids(call(tmp_path, [dvt(), weight(kg), *mr]))
    assert got == (set() if therapeutic else {LMWH})


@pytest.mark.parametrize(
    ("kw", "therapeutic"),
    [({"authored_days": 400}, False), ({"status": "stopped"}, False),
     ({"status": "on-hold"}, False), ({}, True)],
)
def test_current_anticoagulant_status(tmp_path: Path, kw: dict, therapeutic: bool) -> None:
    from support_dvt import APIXABAN

    mr = med_request(APIXABAN, dose=(5, "mg"), **kw)
    assert ids(call(tmp_path, [dvt(), weight(70), *mr])) == (set() if therapeutic else {LMWH})


def test_antiplatelet_is_not_anticoagulation(tmp_path: Path) -> None:
    mr = med_request(cc((RXNORM, "1191", "aspirin"), text="aspirin"), dose=(81, "mg"))
    assert ids(call(tmp_path, [dvt(), weight(70), *mr])) == {LMWH}


@pytest.mark.parametrize(
    ("record", "pregnant"),
    [
        (lambda: observation(cc((LOINC, "82810-3", "Pregnancy status")), effective=ago(days=31),
                             value={"valueCodeableConcept": cc((SNOMED, "77386006", "Pregnant"))}),
         False),
        (lambda: condition(cc((ICD10, "O09.90", "High risk pregnancy")), onset=ago(days=290),
                           recorded=ago(days=290)), True),
        (lambda: condition(cc((ICD10, "Z3A.20", "20 weeks")), onset=ago(days=335),
                           recorded=ago(days=335)), False),
        (lambda: icd("O90.89", "Other complications of the puerperium"), False),
        (lambda: icd("Z39.2", "Routine postpartum follow-up"), False),
    ],
)
def test_pregnancy_windows_and_postpartum(tmp_path: Path, record: Any, pregnant: bool) -> None:
    cards = call(tmp_path, [*pelvic_case(), record()])
    assert ("431676002" in pelvic_codes(cards)) is (not pregnant)


def test_ischemia_on_the_other_side_is_not_limb_threatening(tmp_path: Path) -> None:
    from support_dvt import RIGHT_LEG

    ischemia = condition(cc((SNOMED, "1230182004", "Acute ischemia of lower limb")),
                         onset=ago(hours=6), recorded=ago(hours=6), body_site=[RIGHT_LEG])
    assert ids(call(tmp_path, [dvt(), weight(70), ischemia, systolic(80)])) == {LMWH}


def test_gangrene_older_than_72h_does_not_count(tmp_path: Path) -> None:
    gangrene = condition(cc((ICD10, "I96", "Gangrene")), onset=ago(hours=80),
                         recorded=ago(hours=80))
    assert ids(call(tmp_path, [dvt(), weight(70), gangrene, systolic(80)])) == {LMWH}


def test_shock_in_the_current_encounter_counts_whatever_its_age(tmp_path: Path) -> None:
    shock = condition(cc((ICD10, "R57.0", "Cardiogenic shock")), onset=ago(days=5),
                      recorded=ago(days=5), encounter="enc-dvt-1")
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), shock], encounter="enc-dvt-1"))
    assert got == {LMWH, LYSIS}


def test_no_thrombolysis_with_major_bleeding(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), systolic(80), icd("K92.1")]))
    assert got == {FILTER}


# ---- second pass: order hooks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "in_scope"),
    [
        ("Left great saphenous vein stent 10 x 60 mm", False),
        ("Left ovarian vein stent 10 x 60 mm", False),
        ("Left gonadal vein stent 10 x 60 mm", False),
        ("Hepatic vein stent 12 x 60 mm", False),
        ("Left axillary vein stent 12 x 60 mm", False),
        ("Superior mesenteric vein stent 10 x 60 mm", False),
        ("Left renal vein stent 14 x 60 mm", False),
        ("Left iliac artery stent 8 x 60 mm", False),
        ("Left internal iliac vein stent 12 x 60 mm", True),
        ("Left femoral vein stent 14 x 100 mm", True),
    ],
)
def test_stent_named_at_another_site_is_out_of_scope(
    client: FlaskClient, text: str, in_scope: bool
) -> None:
    b = iliac_context()
    b.draft(stent_sr(None, text))
    assert bool(post(client, b, SIGN)) is in_scope


def test_pcs_stent_code_of_another_vein_is_out_of_scope(client: FlaskClient) -> None:
    b = iliac_context()
    b.draft({"resourceType": "ServiceRequest", "status": "draft", "intent": "order",
             "code": concept(coding(PCS, "067Q3DZ", "Dilation of Left Saphenous Vein with "
                                    "Intraluminal Device, Percutaneous Approach"))})
    assert post(client, b, SIGN) == []


@pytest.mark.parametrize(
    ("text", "in_scope"),
    [("Venous stent 14 x 100 mm", False), ("Left femoral vein stent 14 x 100 mm", True),
     ("May-Thurner stent 14 x 100 mm", True)],
)
def test_stent_order_without_iliac_context(client: FlaskClient, text: str, in_scope: bool) -> None:
    b = patient("noctx")
    b.draft(stent_sr(None, text))
    assert bool(post(client, b, SIGN)) is in_scope


def test_pcs_stent_code_without_iliac_context(client: FlaskClient) -> None:
    b = patient("pcsnoctx")
    b.draft(stent_sr("067D3DZ", "Stent"))
    assert "stent-without-ivus-confirmation" in sids(post(client, b, SIGN))


def test_ivc_filter_with_proximal_dvt_and_bleeding_is_silent(client: FlaskClient) -> None:
    b = iliac_context()
    b.condition(concept(coding(ICD10, "K92.2", "GI hemorrhage")), onset=at(3))
    b.draft(orders.ivc_filter_order())
    assert post(client, b, SIGN) == []


@pytest.mark.parametrize("name", ["tenecteplase", "urokinase", "Activase", "TNKase"])
def test_thrombolytic_names(client: FlaskClient, name: str) -> None:
    b = iliac_context()
    b.draft({"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
             "medicationCodeableConcept": concept(text=name)})
    assert sids(post(client, b, SIGN)) == ["thrombolysis-not-indicated"]


@pytest.mark.parametrize(
    ("reason", "dvt_on_record", "in_scope"),
    [
        (concept(coding(SNOMED, "22298006", "Myocardial infarction")), True, False),
        (concept(coding(SNOMED, "59282003", "Pulmonary embolism")), True, False),
        (concept(coding(SNOMED, "230690007", "Cerebrovascular accident")), True, False),
        (concept(coding(ICD10, "I26.09", "Other pulmonary embolism with acute cor pulmonale")),
         True, False),
        (concept(text="Occluded central venous catheter"), True, False),
        (None, False, False),  # no reason and no acute DVT
        (concept(text="Left iliofemoral DVT"), False, True),
    ],
)
def test_thrombolytic_reasons(
    client: FlaskClient, reason: dict | None, dvt_on_record: bool, in_scope: bool
) -> None:
    b = iliac_context() if dvt_on_record else patient("nodvt")
    b.draft(orders.alteplase_order(20, reason=reason))
    assert bool(post(client, b, SIGN)) is in_scope


def test_alteplase_2_mg_in_text_only(client: FlaskClient) -> None:
    b = iliac_context()
    b.draft({"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
             "medicationCodeableConcept": concept(coding(RXNORM, "8410", "alteplase")),
             "dosageInstruction": [{"text": "2 mg into catheter"}]})
    assert post(client, b, SIGN) == []


ANTITHROMBOTICS = [("1191", "aspirin"), ("32968", "clopidogrel"), ("1116632", "ticagrelor"),
                   ("613391", "prasugrel"), ("11289", "warfarin"), ("1114195", "rivaroxaban"),
                   ("1599538", "edoxaban"), ("1037042", "dabigatran")]


@pytest.mark.parametrize(("code", "name"), ANTITHROMBOTICS)
def test_antithrombotic_after_stent_patient_view(client: FlaskClient, code: str, name: str) -> None:
    b = patient(f"pv{code}")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.medication_request(code, name, days_ago=20, dose_mg=5, per_day=1)
    assert sids(post(client, b, PV)) == [REVIEW]


@pytest.mark.parametrize(("code", "name"), ANTITHROMBOTICS)
def test_antithrombotic_drafted_after_stent(client: FlaskClient, code: str, name: str) -> None:
    b = patient(f"os{code}")
    b.iliac_stent("left", 200)
    b.duplex("left", 30)
    b.draft({"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
             "medicationCodeableConcept": concept(coding(RXNORM, code, name), text=name)})
    assert sids(post(client, b, SIGN)) == [REVIEW]


@pytest.mark.parametrize(("days", "surveil"), [(29, False), (30, True)])
def test_surveillance_starts_30_days_after_placement(
    client: FlaskClient, days: int, surveil: bool
) -> None:
    b = patient(f"st{days}")
    b.iliac_stent("left", days)
    assert (SURVEIL in sids(post(client, b, PV))) is surveil


@pytest.mark.parametrize(
    ("code", "before"),
    [(coding("http://loinc.org", "36789-6", "MR venography"), False),
     (coding(SNOMED, "431676002", "CT venography"), False),
     (coding("http://loinc.org", "39497-3", "US iliac vein duplex"), True)],
)
def test_surveillance_imaging_kinds(client: FlaskClient, code: dict, before: bool) -> None:
    b = patient(f"sk{code['code']}")
    b.iliac_stent("left", 100)
    b.report(concept(code), days_ago=120 if before else 50, conclusion="Patent stent.")
    assert (SURVEIL in sids(post(client, b, PV))) is before


# ---- alternative edema causes: catalog thresholds ------------------------------------------------


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "present"),
    [
        ("33762-6", 300, "pg/mL", False), ("33762-6", 301, "pg/mL", True),
        ("30934-4", 100, "pg/mL", False), ("30934-4", 101, "pg/mL", True),
        ("33914-3", 60, "mL/min/{1.73_m2}", False), ("33914-3", 59, "mL/min/{1.73_m2}", True),
        ("62238-1", 59, "mL/min/{1.73_m2}", True), ("98979-8", 59, "mL/min/{1.73_m2}", True),
        ("1751-7", 3.5, "g/dL", False), ("1751-7", 3.4, "g/dL", True),
        ("1751-7", 35, "g/L", False), ("1751-7", 34, "g/L", True),
    ],
)
def test_alternative_cause_lab_thresholds(
    client: FlaskClient, loinc: str, value: float, unit: str, present: bool
) -> None:
    from tests.acceptance.support_nivl import nivl_workup

    b = patient(f"alt{loinc}{value}")
    nivl_workup(b)
    b.lab(loinc, "lab", value, unit, 2)
    expected = ["edema-alternative-causes"] if present else ["ivus-before-intervention"]
    assert sids(post(client, b, PV)) == expected


# ---- venous duplex result codes (input profile), report and Observation forms -------------------

DUPLEX_CODES = [(LOINC, "39432-0"), (LOINC, "30881-7"), (LOINC, "46363-8"), (CPT, "93971"),
                (CPT, "93970")]


@pytest.mark.parametrize(("system", "code"), DUPLEX_CODES)
def test_negative_duplex_report_codes_with_side_in_text(
    tmp_path: Path, system: str, code: str
) -> None:
    from support_dvt import report

    rep = report(cc((system, code, "Venous duplex"), text="Venous duplex left leg"),
                 effective=ago(days=1), conclusion="No evidence of deep vein thrombosis.",
                 conclusion_codes=[(SNOMED, "260385009", "Negative")])
    assert call(tmp_path, [swelling("left"), rep]) == []


@pytest.mark.parametrize(("system", "code"), DUPLEX_CODES)
def test_negative_duplex_observation_codes_with_body_site(
    tmp_path: Path, system: str, code: str
) -> None:
    from support_dvt import LEFT_LEG

    obs = observation(cc((system, code, "Venous duplex")), effective=ago(days=1),
                      value={"valueCodeableConcept": cc((SNOMED, "260385009", "Negative"))},
                      body_site=LEFT_LEG)
    assert call(tmp_path, [swelling("left"), obs]) == []


def test_cpt_duplex_observation_of_the_arm_does_not_exclude_leg_dvt(tmp_path: Path) -> None:
    obs = observation(cc((CPT, "93971", "Duplex scan of extremity veins"),
                         text="US venous duplex upper extremity left"),
                      effective=ago(days=1),
                      value={"valueCodeableConcept": cc((SNOMED, "260385009", "Negative"))})
    assert ids(call(tmp_path, [swelling("left"), obs])) == {DUPLEX}


def test_duplex_of_the_other_leg_does_not_exclude(tmp_path: Path) -> None:
    assert ids(call(tmp_path, [swelling("left"), duplex("right")])) == {DUPLEX}
