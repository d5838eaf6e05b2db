"""Every catalog row's indicator variants and suggestion, end to end through the real endpoint.

Each response is checked against the catalog's card contract: `source.topic` system/code, one card
per id, critical -> warning -> info order, `selectionBehavior` iff suggestions, and every suggested
resource valid R4 (fhir.resources.R4B), `status` draft, `subject` = the patient.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.acceptance.support_dvt import (
    ICD10,
    LEFT_LEG,
    LOINC,
    PID,
    SNOMED,
    UCUM,
    Json,
    ago,
    call,
    card,
    cc,
    condition,
    day,
    duplex,
    dvt,
    lab,
    observation,
    report,
    resources_of,
    swelling,
    weight,
)

RANK = {"critical": 0, "warning": 1, "info": 2}


def checked(cards: list[Json]) -> list[Json]:
    seen = [c["source"]["topic"]["code"] for c in cards]
    assert len(seen) == len(set(seen)), seen
    ranks = [RANK[c["indicator"]] for c in cards]
    assert ranks == sorted(ranks), [(c["source"]["topic"]["code"], c["indicator"]) for c in cards]
    for c in cards:
        assert c["source"]["topic"]["system"] == "urn:iliac-cds:recommendation"
        assert ("suggestions" in c) == ("selectionBehavior" in c), c["source"]["topic"]
        for s in c.get("suggestions", []):
            for a in s["actions"]:
                if a["type"] == "create":
                    r = a["resource"]
                    get_fhir_model_class(r["resourceType"]).model_validate(r)
                    assert r["status"] == "draft"
                    assert r["subject"] == {"reference": f"Patient/{PID}"}
    return cards


def run(tmp_path: Path, resources: list[Json], **kw: Any) -> list[Json]:
    return checked(call(tmp_path, resources, **kw))


def codes(resource: Json) -> set[str]:
    concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
    return {cd["code"] for cd in concept.get("coding", [])}


def mass_left() -> Json:
    return condition(
        cc(
            (ICD10, "R19.04", "Left lower quadrant abdominal swelling, mass and lump"),
            text="Left pelvic mass",
        ),
        onset=ago(days=40),
        recorded=ago(days=40),
    )


def compression_ctv(days: float = 20) -> Json:
    return report(
        cc((SNOMED, "431676002", "CT venography")),
        effective=ago(days=days),
        conclusion="Compression of the left common iliac vein. No venous thrombus.",
        conclusion_codes=[(ICD10, "I87.1", "Compression of vein"), (SNOMED, "260385009", "Neg")],
    )


def pregnant() -> Json:
    return observation(
        cc((LOINC, "82810-3", "Pregnancy status")),
        effective=ago(days=3),
        value={"valueCodeableConcept": cc((SNOMED, "77386006", "Pregnant"))},
    )


def whole_left(days: int = 10) -> Json:
    return swelling("left", onset_days=days, text="Left leg swelling, whole leg, groin to ankle")


# ---------------------------------------------------------------- dvt-duplex-ultrasound


@pytest.mark.parametrize(
    ("onset", "indicator"), [(29, "critical"), (30, "critical"), (31, "warning"), (60, "warning")]
)
def test_duplex_indicator_at_the_30_day_edge(tmp_path: Path, onset: int, indicator: str) -> None:
    # Iliac context keeps chronic swelling in scope so the warning variant can be seen.
    sw = swelling("left", onset=day(onset), recorded=day(onset))
    c = card(run(tmp_path, [sw, compression_ctv()]), "dvt-duplex-ultrasound")
    assert c["indicator"] == indicator
    (sr,) = resources_of(c)
    assert sr["resourceType"] == "ServiceRequest" and "39432-0" in codes(sr)


@pytest.mark.parametrize(("side", "loinc"), [("right", "39443-7"), ("left", "39432-0")])
def test_duplex_code_per_side(tmp_path: Path, side: str, loinc: str) -> None:
    c = card(run(tmp_path, [swelling(side)]), "dvt-duplex-ultrasound")
    assert c["indicator"] == "critical"
    (sr,) = resources_of(c)
    assert loinc in codes(sr)


def test_duplex_bilateral_with_context(tmp_path: Path) -> None:
    c = card(run(tmp_path, [swelling("bilateral"), compression_ctv()]), "dvt-duplex-ultrasound")
    (sr,) = resources_of(c)
    assert "39420-5" in codes(sr)


# ---------------------------------------------------------------- pelvic-venous-imaging


def test_pelvic_imaging_ct_or_mr(tmp_path: Path) -> None:
    c = card(run(tmp_path, [whole_left(), duplex("left", days=3)]), "pelvic-venous-imaging")
    assert c["indicator"] == "warning"
    assert c["selectionBehavior"] == "at-most-one"
    found = [codes(r) for r in resources_of(c)]
    assert len(found) == 2
    assert any("431676002" in x for x in found) and any("36789-6" in x for x in found)
    assert all(r["resourceType"] == "ServiceRequest" for r in resources_of(c))


def test_pelvic_imaging_pregnant_mr_only(tmp_path: Path) -> None:
    cards = run(tmp_path, [whole_left(), duplex("left", days=3), pregnant()])
    found = [codes(r) for r in resources_of(card(cards, "pelvic-venous-imaging"))]
    assert len(found) == 1 and "36789-6" in found[0] and "431676002" not in found[0]


# ---------------------------------------------------------------- dvt-anticoagulation-lmwh


def lmwh(cards: list[Json]) -> list[Json]:
    c = card(cards, "dvt-anticoagulation-lmwh")
    assert c["indicator"] == "critical"
    return [r for r in resources_of(c) if r["resourceType"] == "MedicationRequest"]


def dose_interval(mr: Json) -> tuple[float, int]:
    d = mr["dosageInstruction"][0]
    assert "67108" in codes(mr)
    rep = d["timing"]["repeat"]
    assert rep["periodUnit"] == "h" and rep["frequency"] == 1
    return d["doseAndRate"][0]["doseQuantity"]["value"], rep["period"]


@pytest.mark.parametrize(
    ("value", "unit", "dose"),
    [
        (80, "kg", 80),
        (80.4, "kg", 80),
        (80.6, "kg", 81),
        (20, "kg", 20),
        (350, "kg", 350),
        (176, "[lb_av]", 80),
    ],
)
def test_lmwh_weight_dose(tmp_path: Path, value: float, unit: str, dose: int) -> None:
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(value, unit)]))
    assert dose_interval(mr) == (dose, 12)


@pytest.mark.parametrize("value", [19.9, 350.1])
def test_lmwh_implausible_weight_no_request(tmp_path: Path, value: float) -> None:
    assert lmwh(run(tmp_path, [dvt(), weight(value)])) == []


def test_lmwh_newest_plausible_weight_wins(tmp_path: Path) -> None:
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(70, days=20), weight(400, days=1)]))
    assert dose_interval(mr) == (70, 12)
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(70, days=20), weight(90, days=2)]))
    assert dose_interval(mr) == (90, 12)


def test_lmwh_weight_91_days_ignored(tmp_path: Path) -> None:
    assert lmwh(run(tmp_path, [dvt(), weight(80, days=91)])) == []
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(80, days=89)]))
    assert dose_interval(mr) == (80, 12)


def creat(v: float) -> Json:
    return lab("2160-0", "Creatinine", v, "mg/dL")


def test_lmwh_crcl_below_30_daily(tmp_path: Path) -> None:
    # Female, 56 y, 80 kg, creatinine 3.0: CrCl = 84*80/(72*3)*0.85 = 26.4 mL/min.
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(80), creat(3.0)]))
    assert dose_interval(mr) == (80, 24)


def test_lmwh_crcl_above_30_twice_daily(tmp_path: Path) -> None:
    # creatinine 2.0 -> CrCl 39.7; eGFR 25 must not override a computable CrCl.
    egfr = lab("33914-3", "eGFR", 25, "mL/min/{1.73_m2}")
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(80), creat(2.0), egfr]))
    assert dose_interval(mr) == (80, 12)


@pytest.mark.parametrize(("egfr", "hours"), [(25, 24), (30, 12)])
def test_lmwh_egfr_when_crcl_not_computable(tmp_path: Path, egfr: float, hours: int) -> None:
    e = lab("33914-3", "eGFR", egfr, "mL/min/{1.73_m2}")
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(80), e]))
    assert dose_interval(mr) == (80, hours)


def test_lmwh_no_weight_asks_for_one(tmp_path: Path) -> None:
    c = card(run(tmp_path, [dvt()]), "dvt-anticoagulation-lmwh")
    assert not [r for r in resources_of(c) if r["resourceType"] == "MedicationRequest"]
    assert "weight" in (c["summary"] + c.get("detail", "")).lower()


def test_lmwh_heparin_allergy_no_lmwh(tmp_path: Path) -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "alg-1",
        "patient": {"reference": f"Patient/{PID}"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "code": cc(("http://www.nlm.nih.gov/research/umls/rxnorm", "5224", "heparin")),
    }
    c = card(run(tmp_path, [dvt(), weight(80), allergy]), "dvt-anticoagulation-lmwh")
    assert not any("67108" in codes(r) for r in resources_of(c))
    assert "heparin" in (c["summary"] + c.get("detail", "")).lower()


# ---------------------------------------------------------------- IVC filter / thrombolysis


def gi_bleed() -> Json:
    return condition(cc((ICD10, "K92.2", "GI hemorrhage")), onset=ago(days=2), recorded=ago(days=2))


def test_ivc_filter_proximal_dvt_bleeding(tmp_path: Path) -> None:
    cards = run(tmp_path, [dvt("I82.412"), gi_bleed(), weight(80)])
    c = card(cards, "anticoagulation-contraindicated-ivc-filter")
    assert c["indicator"] == "critical"
    (sr,) = resources_of(c)
    assert sr["resourceType"] == "ServiceRequest" and "397913009" in codes(sr)
    assert "dvt-anticoagulation-lmwh" not in {x["source"]["topic"]["code"] for x in cards}


def test_no_ivc_filter_for_distal_dvt(tmp_path: Path) -> None:
    cards = run(tmp_path, [dvt("I82.442"), gi_bleed(), weight(80)])
    got = {x["source"]["topic"]["code"] for x in cards}
    assert "anticoagulation-contraindicated-ivc-filter" not in got
    assert not any("397913009" in codes(r) for x in cards for r in resources_of(x))


def test_thrombolysis_consider(tmp_path: Path) -> None:
    phleg = condition(
        cc(
            (SNOMED, "1230182004", "Acute ischemia of lower limb"),
            text="Phlegmasia cerulea dolens, left leg",
        ),
        onset=ago(hours=6),
        recorded=ago(hours=6),
        body_site=[LEFT_LEG],
    )
    sbp = observation(
        cc((LOINC, "8480-6", "Systolic blood pressure")),
        effective=ago(hours=1),
        value={"valueQuantity": {"value": 85, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}},
    )
    c = card(run(tmp_path, [dvt("I82.422"), phleg, sbp, weight(80)]), "thrombolysis-consider")
    assert c["indicator"] == "critical"
    assert "8%" in c["summary"] + c.get("detail", "")


# ---------------------------------------------------------------- NIVL work-up


def test_edema_alternative_causes_info_vs_warning(tmp_path: Path) -> None:
    # The CT venography after the negative duplex answers the pelvic-imaging trigger: excluded.
    base = [swelling("left", onset_days=10), duplex("left", days=5), compression_ctv(days=3)]
    c = card(run(tmp_path, base), "edema-alternative-causes")
    assert c["indicator"] == "info"
    egfr = lab("33914-3", "eGFR", 45, "mL/min/{1.73_m2}")
    c = card(run(tmp_path, [*base, egfr]), "edema-alternative-causes")
    assert c["indicator"] == "warning"
    for r in resources_of(c):
        assert r["resourceType"] == "ServiceRequest"


def test_mass_characterization_ct_or_mri(tmp_path: Path) -> None:
    c = card(run(tmp_path, [mass_left()]), "mass-characterization")
    assert c["indicator"] == "warning" and c["selectionBehavior"] == "at-most-one"
    found = [codes(r) for r in resources_of(c)]
    assert len(found) == 2
    assert any("74710000" in x for x in found) and any("433138001" in x for x in found)


def test_mass_characterization_pregnant_mri_only(tmp_path: Path) -> None:
    # Catalog v2.2 (changed from v2.1's "MRI only"): one suggestion, MRI pelvis WITHOUT
    # contrast, never 433138001 (contrast MRI) nor CT.
    c = card(run(tmp_path, [mass_left(), pregnant()]), "mass-characterization")
    resources = resources_of(c)
    found = [codes(r) for r in resources]
    assert len(found) == 1 and "433138001" not in found[0] and "74710000" not in found[0]
    assert found[0] == {"30673-8"}
    displays = [x["display"] for x in resources[0]["code"]["coding"]]
    assert all("WO contrast" in d for d in displays)


def test_malignant_mass_oncology_referral(tmp_path: Path) -> None:
    lymphoma = condition(
        cc(
            (ICD10, "C83.35", "Diffuse large B-cell lymphoma, inguinal and lower limb lymph nodes"),
            text="DLBCL, left external iliac nodal mass",
        ),
        onset=ago(days=20),
        recorded=ago(days=20),
    )
    cards = run(tmp_path, [mass_left(), lymphoma, swelling("left", onset_days=10)])
    c = card(cards, "extrinsic-compression-treat-cause")
    assert c["indicator"] == "warning"
    srs = [r for r in resources_of(c) if r["resourceType"] == "ServiceRequest"]
    assert srs, c
    assert "oncolog" in str(srs).lower()


def test_compression_without_symptoms_info(tmp_path: Path) -> None:
    c = card(run(tmp_path, [compression_ctv()]), "compression-without-symptoms")
    assert c["indicator"] == "info" and "suggestions" not in c


def test_bilateral_edema_systemic_cause(tmp_path: Path) -> None:
    cards = run(tmp_path, [swelling("bilateral"), compression_ctv()])
    assert card(cards, "bilateral-edema-systemic-cause")["indicator"] == "warning"


# ---------------------------------------------------------------- post-stent


def stent(days: float) -> Json:
    return {
        "resourceType": "Procedure",
        "id": "proc-stent-1",
        "status": "completed",
        "subject": {"reference": f"Patient/{PID}"},
        "code": cc(
            (
                "http://www.cms.gov/Medicare/Coding/ICD10",
                "067D3DZ",
                "Dilation of Left Common Iliac Vein with Intraluminal Device",
            ),
            text="Venovo 14 x 100 mm, left common iliac vein",
        ),
        "performedDateTime": ago(days=days),
    }


def test_post_stent_surveillance(tmp_path: Path) -> None:
    c = card(run(tmp_path, [stent(60)]), "post-stent-surveillance")
    assert c["indicator"] == "info"
    (sr,) = resources_of(c)
    assert sr["resourceType"] == "ServiceRequest" and codes(sr)


def test_post_stent_surveillance_not_before_30_days(tmp_path: Path) -> None:
    cards = run(tmp_path, [stent(20)])
    assert "post-stent-surveillance" not in {c["source"]["topic"]["code"] for c in cards}


# ---------------------------------------------------------------- every fixture scenario

ALLOWED = {
    "dvt-duplex-ultrasound": {"critical", "warning"},
    "pelvic-venous-imaging": {"warning"},
    "dvt-anticoagulation-lmwh": {"critical"},
    "anticoagulation-contraindicated-ivc-filter": {"critical"},
    "thrombolysis-consider": {"critical"},
    "edema-alternative-causes": {"warning", "info"},
    "bilateral-edema-systemic-cause": {"warning"},
    "ivus-before-intervention": {"warning"},
    "compression-without-symptoms": {"info"},
    "mass-characterization": {"warning"},
    "extrinsic-compression-treat-cause": {"warning"},
    "nivl-stent-candidate": {"info"},
    "nivl-stent-criteria-incomplete": {"info"},
    "nivl-stent-not-indicated": {"info"},
    "stent-length-too-short": {"critical"},
    "stent-diameter-sizing": {"warning"},
    "stent-without-ivus-confirmation": {"critical", "info"},
    "ivc-filter-not-indicated": {"warning"},
    "thrombolysis-not-indicated": {"warning"},
    "post-stent-antithrombotic-review": {"info"},
    "post-stent-surveillance": {"info"},
}
# A standard code each `create` suggestion of these ids must carry (any one of the set).
REQUIRED_CODES = {
    "dvt-duplex-ultrasound": {"39432-0", "39443-7", "39420-5"},
    "pelvic-venous-imaging": {"431676002", "36789-6"},
    "dvt-anticoagulation-lmwh": {"67108"},
    "anticoagulation-contraindicated-ivc-filter": {"397913009"},
    "ivus-before-intervention": {"37252"},
    # v2.2: pregnant -> MRI pelvis without contrast (LOINC 30673-8) only.
    "mass-characterization": {"74710000", "433138001", "30673-8"},
}


def _scenario_calls() -> list[tuple[str, str]]:
    from fixtures.loader import expected

    return [
        (name, service)
        for name, entry in expected().items()
        for service, want in entry.items()
        if isinstance(want, dict) and want.get("status") == 200
    ]


@pytest.mark.parametrize(("name", "service"), _scenario_calls())
def test_fixture_scenario_cards_follow_catalog(tmp_path: Path, name: str, service: str) -> None:
    from cds_hooks import create_app
    from fixtures.loader import REFERENCE_DATE, load_scenario
    from tests.acceptance.support_nivl import AS_OF as REF_AS_OF

    _, requests = load_scenario(name, REFERENCE_DATE)
    body = requests[service]
    app = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'sc.sqlite'}",
            "NOW": lambda: REF_AS_OF,
        }
    )
    resp = app.test_client().post(f"/cds-services/{service}", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    cards = resp.get_json()["cards"]
    patient_ref = f"Patient/{body['context']['patientId']}"
    seen = [c["source"]["topic"]["code"] for c in cards]
    assert len(seen) == len(set(seen)), seen
    ranks = [RANK[c["indicator"]] for c in cards]
    assert ranks == sorted(ranks), seen
    for c in cards:
        rec = c["source"]["topic"]["code"]
        assert c["source"]["topic"]["system"] == "urn:iliac-cds:recommendation"
        assert c["indicator"] in ALLOWED[rec], (rec, c["indicator"])
        assert ("suggestions" in c) == ("selectionBehavior" in c), rec
        for s in c.get("suggestions", []):
            for a in s["actions"]:
                if a["type"] != "create":
                    continue
                r = a["resource"]
                get_fhir_model_class(r["resourceType"]).model_validate(r)
                assert r["status"] == "draft" and r["subject"] == {"reference": patient_ref}
                if rec in REQUIRED_CODES:
                    assert codes(r) & REQUIRED_CODES[rec], (rec, codes(r))
    want = {k: v for k, v in _expected(name)[service].items() if k in ("ids", "indicators")}
    assert sorted(seen) == sorted(want["ids"])
    for rec, indicator in want.get("indicators", {}).items():
        assert next(c["indicator"] for c in cards if c["source"]["topic"]["code"] == rec) == (
            indicator
        ), rec


def _expected(name: str) -> dict[str, Any]:
    from fixtures.loader import expected

    return expected()[name]


# ---------------------------------------------------------------- more edges


@pytest.mark.parametrize(("value", "dose"), [(44, None), (44.1, 20), (771.6, 350), (772, None)])
def test_lmwh_pound_weight_plausibility_edges(
    tmp_path: Path, value: float, dose: int | None
) -> None:
    # 44 lb = 19.96 kg and 772 lb = 350.2 kg are implausible; 44.1 lb = 20.004 kg is not.
    mrs = lmwh(run(tmp_path, [dvt(), weight(value, "[lb_av]")]))
    if dose is None:
        assert mrs == []
    else:
        assert [dose_interval(mr) for mr in mrs] == [(dose, 12)]


def test_lmwh_half_mg_rounds_to_nearest(tmp_path: Path) -> None:
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(80.5)]))
    assert dose_interval(mr) == (81, 12)


@pytest.mark.parametrize(("creatinine", "hours"), [(2.8, 12), (2.81, 24)])
def test_lmwh_crcl_exactly_30_is_not_below(tmp_path: Path, creatinine: float, hours: int) -> None:
    # Male, 56 y, 72 kg: CrCl = 84*72/(72*2.8) = 30.0 (q12h); 2.81 -> 29.9 (q24h).
    from tests.acceptance.support_dvt import patient

    res = [dvt(), weight(72), creat(creatinine)]
    (mr,) = lmwh(run(tmp_path, res, pat=patient(gender="male")))
    assert dose_interval(mr) == (72, hours)


def test_lmwh_creatinine_in_umol(tmp_path: Path) -> None:
    cr = lab("2160-0", "Creatinine", 265, "umol/L")  # 3.0 mg/dL -> CrCl 26 mL/min
    (mr,) = lmwh(run(tmp_path, [dvt(), weight(80), cr]))
    assert dose_interval(mr) == (80, 24)


def test_lmwh_egfr_fallback_when_sex_unknown(tmp_path: Path) -> None:
    from tests.acceptance.support_dvt import patient

    res = [dvt(), weight(80), creat(3.0), lab("33914-3", "eGFR", 25, "mL/min/{1.73_m2}")]
    (mr,) = lmwh(run(tmp_path, res, pat=patient(gender="unknown")))
    assert dose_interval(mr) == (80, 24)


def test_lmwh_stale_renal_labs_ignored(tmp_path: Path) -> None:
    res = [dvt(), weight(80), creat(3.0), lab("33914-3", "eGFR", 25, "mL/min/{1.73_m2}")]
    for r in res[2:]:
        r["effectiveDateTime"] = ago(days=95)
    (mr,) = lmwh(run(tmp_path, res))
    assert dose_interval(mr) == (80, 12)


def test_lmwh_hit_within_12_months_no_lmwh(tmp_path: Path) -> None:
    hit = condition(
        cc((ICD10, "D75.82", "Heparin induced thrombocytopenia")),
        onset=ago(days=100),
        recorded=ago(days=100),
    )
    assert lmwh(run(tmp_path, [dvt(), weight(80), hit])) == []


def test_platelets_below_50_ivc_filter(tmp_path: Path) -> None:
    from tests.acceptance.support_dvt import platelets

    cards = run(tmp_path, [dvt(), weight(80), platelets(45, "10*3/uL")])
    (sr,) = resources_of(card(cards, "anticoagulation-contraindicated-ivc-filter"))
    assert "397913009" in codes(sr)


def test_new_swelling_uses_earliest_record_and_onset(tmp_path: Path) -> None:
    assert run(tmp_path, [swelling(onset_days=40), swelling(onset_days=5)]) == []
    assert run(tmp_path, [swelling(onset=day(40), recorded=day(5))]) == []


@pytest.mark.parametrize(("days", "indicator"), [(30, "critical"), (31, "warning")])
def test_duplex_edge_with_datetimes(tmp_path: Path, days: int, indicator: str) -> None:
    sw = swelling("left", onset=ago(days=days), recorded=ago(days=days))
    c = card(run(tmp_path, [sw, compression_ctv()]), "dvt-duplex-ultrasound")
    assert c["indicator"] == indicator


def test_duplex_unknown_side_orders_bilateral(tmp_path: Path) -> None:
    (sr,) = resources_of(card(run(tmp_path, [swelling("unknown")]), "dvt-duplex-ultrasound"))
    assert "39420-5" in codes(sr) and "39432-0" not in codes(sr)


@pytest.mark.parametrize("kind", ["coded", "text"])
def test_incomplete_duplex_still_asks_for_complete_one(tmp_path: Path, kind: str) -> None:
    if kind == "coded":
        study = duplex("left", days=3, loinc="69399-4")
    else:
        study = duplex(
            "left", days=3, conclusion="No DVT femoral/popliteal. Calf veins not visualised."
        )
    c = card(run(tmp_path, [swelling("left", onset_days=10), study]), "dvt-duplex-ultrasound")
    assert c["indicator"] == "critical"
    (sr,) = resources_of(c)
    assert "39432-0" in codes(sr)


def test_pelvic_imaging_from_cfv_waveform(tmp_path: Path) -> None:
    from tests.acceptance.support_dvt import LOCAL

    cfv = observation(
        cc((LOCAL, "cfv-doppler-waveform", "CFV Doppler waveform")),
        effective=ago(days=3),
        value={"valueCodeableConcept": cc((LOCAL, "non-phasic", "non-phasic"))},
        body_site=cc((SNOMED, "72059007", "Common femoral vein"), (SNOMED, "7771000", "Left")),
    )
    calf = swelling("left", onset_days=10, text="Left calf swelling")
    assert run(tmp_path, [calf, duplex("left", days=3)]) == []
    c = card(run(tmp_path, [calf, duplex("left", days=3), cfv]), "pelvic-venous-imaging")
    assert {x for r in resources_of(c) for x in codes(r)} >= {"431676002", "36789-6"}


def test_pelvic_imaging_pregnancy_condition_mr_without_contrast(tmp_path: Path) -> None:
    preg = condition(
        cc((ICD10, "Z33.1", "Pregnant state, incidental")),
        onset=ago(days=60),
        recorded=ago(days=60),
    )
    (sr,) = resources_of(
        card(run(tmp_path, [whole_left(), duplex("left", days=3), preg]), "pelvic-venous-imaging")
    )
    assert codes(sr) == {"36789-6"} and "without contrast" in sr["code"]["text"]


def test_mass_characterized_by_contrast_ct_after_it(tmp_path: Path) -> None:
    ct = report(
        cc((LOINC, "24866-6", "CT Pelvis W contrast IV")),
        effective=ago(days=5),
        conclusion="Left pelvic soft tissue mass 4 cm.",
    )
    assert run(tmp_path, [mass_left(), ct]) == []
    # CT venography does not characterize a mass.
    assert "mass-characterization" in {
        c["source"]["topic"]["code"] for c in run(tmp_path, [mass_left(), compression_ctv(5)])
    }


@pytest.mark.parametrize(("imaging_days", "fires"), [(None, True), (200, False), (380, True)])
def test_post_stent_surveillance_12_month_window(
    tmp_path: Path, imaging_days: int | None, fires: bool
) -> None:
    res = [stent(400)]
    if imaging_days is not None:
        res.append(duplex("left", days=imaging_days))
    got = {c["source"]["topic"]["code"]: c for c in run(tmp_path, res)}
    assert ("post-stent-surveillance" in got) == fires
    if fires:
        (sr,) = resources_of(got["post-stent-surveillance"])
        assert "39432-0" in codes(sr)


@pytest.mark.parametrize(("days", "fires"), [(29, False), (30, True)])
def test_post_stent_surveillance_30_day_edge(tmp_path: Path, days: int, fires: bool) -> None:
    got = {c["source"]["topic"]["code"] for c in run(tmp_path, [stent(days)])}
    assert ("post-stent-surveillance" in got) == fires


# ---------------------------------------------------------------- work-up thresholds, stent sizing


def _workup() -> list[Json]:
    """Left swelling, DVT excluded (negative duplex then CT venography showing compression)."""
    return [swelling("left", onset_days=10), duplex("left", days=5), compression_ctv(days=3)]


def _normal(**override: float) -> list[Json]:
    values = {"33762-6": 80.0, "33914-3": 92.0, "1742-6": 22.0, "1751-7": 4.2, **override}
    units = {"33762-6": "pg/mL", "33914-3": "mL/min/{1.73_m2}", "1742-6": "U/L", "1751-7": "g/dL"}
    return [lab(code, code, v, units[code]) for code, v in values.items()]


@pytest.mark.parametrize(
    ("override", "indicator"),
    [
        ({}, None),
        ({"33762-6": 300}, None),
        ({"33762-6": 301}, "warning"),
        ({"33914-3": 60}, None),
        ({"33914-3": 59}, "warning"),
        ({"1751-7": 3.5}, None),
        ({"1751-7": 3.4}, "warning"),
    ],
)
def test_edema_alternative_causes_thresholds(
    tmp_path: Path, override: dict[str, float], indicator: str | None
) -> None:
    got = {c["source"]["topic"]["code"]: c for c in run(tmp_path, _workup() + _normal(**override))}
    if indicator is None:
        assert "edema-alternative-causes" not in got
    else:
        assert got["edema-alternative-causes"]["indicator"] == indicator


def _left_civ() -> Json:
    return cc((SNOMED, "46027005", "Common iliac vein"), (SNOMED, "7771000", "Left"))


def _local(code: str, value: Json, body: Json) -> Json:
    from tests.acceptance.support_dvt import LOCAL

    return observation(cc((LOCAL, code, code)), effective=ago(days=2), value=value, body_site=body)


def _qol() -> Json:
    from tests.acceptance.support_dvt import LOCAL

    return observation(
        cc((LOCAL, "edema-qol-impact", "Edema QoL impact")),
        effective=ago(days=5),
        value={"valueBoolean": True},
    )


@pytest.mark.parametrize(
    ("stenosis", "unit", "rec"),
    [
        (61, "%", "nivl-stent-not-indicated"),
        (61.5, "%", "nivl-stent-candidate"),
        (0.615, "1", "nivl-stent-candidate"),
        (62, "%", "nivl-stent-candidate"),
    ],
)
def test_nivl_stent_threshold_and_sizing(
    tmp_path: Path, stenosis: float, unit: str, rec: str
) -> None:
    from tests.acceptance.support_dvt import LOCAL, quantity

    eiv = cc((SNOMED, "63507001", "External iliac vein"), (SNOMED, "7771000", "Left"))
    res = [
        *_workup(),
        *_normal(),
        _qol(),
        _local("ivus-diameter-stenosis", quantity(stenosis, unit), _left_civ()),
        _local(
            "lesion-behavior", {"valueCodeableConcept": cc((LOCAL, "fixed", "fixed"))}, _left_civ()
        ),
        _local("reference-vessel-diameter", quantity(13, "mm"), eiv),
    ]
    cards = run(tmp_path, res)
    assert [c["source"]["topic"]["code"] for c in cards] == [rec]
    assert "suggestions" not in cards[0]
    if rec == "nivl-stent-candidate":
        text = cards[0]["summary"] + cards[0].get("detail", "")
        assert "14-17 mm" in text and "60 mm" in text


def test_ivus_before_intervention_suggests_venography_ivus(tmp_path: Path) -> None:
    c = card(run(tmp_path, [*_workup(), *_normal(), _qol()]), "ivus-before-intervention")
    assert c["indicator"] == "warning"
    (sr,) = resources_of(c)
    assert sr["resourceType"] == "ServiceRequest" and "37252" in codes(sr)
