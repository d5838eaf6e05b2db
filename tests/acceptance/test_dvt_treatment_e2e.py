"""Acceptance: acute DVT, anticoagulation safety, IVC filter and thrombolysis, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from support_dvt import (
    APIXABAN,
    ENCOUNTER,
    ENOXAPARIN,
    ICD10,
    ICD10_OID,
    LOINC,
    RXNORM,
    SNOMED,
    ago,
    bp_panel,
    call,
    card,
    cc,
    condition,
    day,
    duplex,
    dvt,
    ids,
    lab,
    med_request,
    observation,
    patient,
    platelets,
    report,
    resources_of,
    subject,
    systolic,
    weight,
)

LMWH = "dvt-anticoagulation-lmwh"
FILTER = "anticoagulation-contraindicated-ivc-filter"
LYSIS = "thrombolysis-consider"


def lmwh_resource(cards: list[dict]) -> dict:
    (mr,) = resources_of(card(cards, LMWH))
    assert mr["resourceType"] == "MedicationRequest" and mr["status"] == "draft"
    return mr


def dose_of(mr: dict) -> tuple[float, float]:
    d = mr["dosageInstruction"][0]
    return d["doseAndRate"][0]["doseQuantity"]["value"], d["timing"]["repeat"]["period"]


# ---- acute DVT ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["I82.412", "I82412", "I82.4Y2", "I80.12", "I82.432"])
def test_acute_proximal_dvt_codes_get_lmwh(tmp_path: Path, code: str) -> None:
    cards = call(tmp_path, [dvt(code), weight(80)])
    assert ids(cards) == {LMWH}
    assert card(cards, LMWH)["indicator"] == "critical"
    assert dose_of(lmwh_resource(cards)) == (80, 12)


def test_oid_system_dvt_counts(tmp_path: Path) -> None:
    assert ids(call(tmp_path, [dvt("I82.422", system=ICD10_OID), weight(70)])) == {LMWH}


def test_snomed_dvt_with_body_site(tmp_path: Path) -> None:
    d = condition(
        cc((SNOMED, "128053003", "Deep venous thrombosis"), text="DVT"),
        onset=ago(days=3),
        body_site=[cc((SNOMED, "32153003", "Left lower limb"))],
    )
    assert ids(call(tmp_path, [d, weight(70)])) == {LMWH}


def test_dvt_recorded_30_days_ago_is_acute(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(onset=day(30), recorded=day(30)), weight(70)])
    assert LMWH in ids(cards)


def test_dvt_31_days_ago_is_not_acute(tmp_path: Path) -> None:
    assert call(tmp_path, [dvt(onset=day(31), recorded=day(31)), weight(70)]) == []


@pytest.mark.parametrize(
    ("verification", "clinical"),
    [
        ("refuted", "active"),
        ("entered-in-error", "active"),
        ("provisional", "active"),
        ("differential", "active"),
        ("unconfirmed", "active"),
        ("confirmed", "resolved"),
    ],
)
def test_non_acute_dvt_statuses_are_silent(
    tmp_path: Path, verification: str, clinical: str
) -> None:
    assert call(tmp_path, [dvt(verification=verification, clinical=clinical), weight(70)]) == []


def test_chronic_dvt_i82_5_is_never_acute(tmp_path: Path) -> None:
    chronic = dvt("I82.512", text="Chronic embolism and thrombosis of left femoral vein")
    assert call(tmp_path, [chronic, weight(70)]) == []


def test_positive_ct_venography_within_30_days_is_acute_proximal(tmp_path: Path) -> None:
    ctv = report(
        cc((SNOMED, "431676002", "CT venography")),
        effective=ago(days=2),
        conclusion="Thrombus in the left common iliac vein.",
        conclusion_codes=[(SNOMED, "10828004", "Positive")],
    )
    plt = platelets(30, "10*3/uL")
    got = ids(call(tmp_path, [ctv, plt]))
    assert got == {FILTER}


def test_positive_duplex_31_days_ago_is_not_acute(tmp_path: Path) -> None:
    dup = duplex(
        "left",
        days=31,
        negative_code=False,
        positive_code=True,
        conclusion="Occlusive thrombus in the left femoral vein.",
    )
    assert call(tmp_path, [dup, weight(70)]) == []


# ---- therapeutic anticoagulation ------------------------------------------------------------


def test_apixaban_by_reference_is_therapeutic(tmp_path: Path) -> None:
    meds = med_request(APIXABAN, text="5 mg twice daily", contained_medication=True)
    assert call(tmp_path, [dvt(), weight(70), *meds]) == []


def test_prophylactic_enoxaparin_40_mg_daily_text_only_does_not_count(tmp_path: Path) -> None:
    meds = med_request(ENOXAPARIN, text="40 mg subcutaneously once daily")
    cards = call(tmp_path, [dvt(), weight(70), *meds])
    assert LMWH in ids(cards)
    # Never a double LMWH: the card says the treatment dose replaces the prophylactic order.
    card = next(c for c in cards if c["source"]["topic"]["code"] == LMWH)
    assert "replaces it" in card["detail"]


def test_enoxaparin_60_mg_is_treatment_dose(tmp_path: Path) -> None:
    meds = med_request(ENOXAPARIN, dose=(60, "mg"))
    assert call(tmp_path, [dvt(), weight(90), *meds]) == []


def test_enoxaparin_59_mg_at_90_kg_is_not_treatment(tmp_path: Path) -> None:
    meds = med_request(ENOXAPARIN, dose=(59, "mg"))
    assert LMWH in ids(call(tmp_path, [dvt(), weight(90), *meds]))


def test_enoxaparin_55_mg_at_55_kg_is_1_mg_per_kg(tmp_path: Path) -> None:
    meds = med_request(ENOXAPARIN, dose=(55, "mg"))
    assert call(tmp_path, [dvt(), weight(55), *meds]) == []


def test_enoxaparin_unreadable_dose_counts_as_therapeutic(tmp_path: Path) -> None:
    meds = med_request(ENOXAPARIN, text="as directed")
    assert call(tmp_path, [dvt(), weight(70), *meds]) == []


def test_heparin_5000_units_sc_is_prophylactic(tmp_path: Path) -> None:
    hep = cc((RXNORM, "5224", "heparin"), text="heparin 5,000 units SC")
    meds = med_request(hep, dose=(5000, "[iU]"), route=("34206005", "Subcutaneous route"))
    assert LMWH in ids(call(tmp_path, [dvt(), weight(70), *meds]))


def test_iv_heparin_infusion_is_therapeutic(tmp_path: Path) -> None:
    hep = cc((RXNORM, "5224", "heparin"), text="heparin infusion")
    meds = med_request(hep, dose=(18, "[iU]/kg/h"), route=("47625008", "Intravenous route"))
    assert call(tmp_path, [dvt(), weight(70), *meds]) == []


def test_fondaparinux_2_5_mg_is_prophylactic(tmp_path: Path) -> None:
    fx = cc((RXNORM, "321208", "fondaparinux"), text="Arixtra 2.5 mg")
    meds = med_request(fx, dose=(2.5, "mg"))
    assert LMWH in ids(call(tmp_path, [dvt(), weight(70), *meds]))


def test_fondaparinux_7_5_mg_is_therapeutic(tmp_path: Path) -> None:
    fx = cc((RXNORM, "321208", "fondaparinux"), text="Arixtra 7.5 mg")
    meds = med_request(fx, dose=(7.5, "mg"))
    assert call(tmp_path, [dvt(), weight(70), *meds]) == []


def test_stale_apixaban_order_13_months_does_not_count(tmp_path: Path) -> None:
    meds = med_request(APIXABAN, text="5 mg twice daily", authored_days=400)
    assert LMWH in ids(call(tmp_path, [dvt(), weight(70), *meds]))


def test_old_order_with_validity_period_covering_today_counts(tmp_path: Path) -> None:
    meds = med_request(APIXABAN, text="5 mg twice daily", authored_days=400, validity_end=day(-30))
    assert call(tmp_path, [dvt(), weight(70), *meds]) == []


def test_stopped_warfarin_does_not_count(tmp_path: Path) -> None:
    warf = cc((RXNORM, "855332", "warfarin sodium 5 MG Oral Tablet"), text="Coumadin 5 mg")
    meds = med_request(warf, status="stopped")
    assert LMWH in ids(call(tmp_path, [dvt(), weight(70), *meds]))


def test_medication_statement_rivaroxaban_counts(tmp_path: Path) -> None:
    ms = {
        "resourceType": "MedicationStatement",
        "id": "ms-1",
        "status": "active",
        "subject": subject(),
        "medicationCodeableConcept": cc((RXNORM, "1114195", "rivaroxaban"), text="Xarelto"),
        "effectiveDateTime": ago(days=10),
    }
    assert call(tmp_path, [dvt(), weight(70), ms]) == []


def administration(hours: float) -> dict:
    return {
        "resourceType": "MedicationAdministration",
        "id": f"ma-{hours}",
        "status": "completed",
        "subject": subject(),
        "medicationCodeableConcept": cc((RXNORM, "1364430", "apixaban")),
        "effectiveDateTime": ago(hours=hours),
    }


def test_administration_47_hours_ago_counts(tmp_path: Path) -> None:
    assert call(tmp_path, [dvt(), weight(70), administration(47)]) == []


def test_administration_49_hours_ago_does_not_count(tmp_path: Path) -> None:
    assert LMWH in ids(call(tmp_path, [dvt(), weight(70), administration(49)]))


# ---- LMWH dose ------------------------------------------------------------------------------


def test_weight_in_pounds_is_converted_and_rounded(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(182, "[lb_av]", code="[lb_av]")])
    assert dose_of(lmwh_resource(cards)) == (83, 12)  # 182 lb = 82.55 kg
    assert "82.5538" not in card(cards, LMWH)["detail"]


def test_implausible_newest_weight_is_ignored(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(72, days=10), weight(400, days=1)])
    assert dose_of(lmwh_resource(cards)) == (72, 12)


def test_weight_in_grams(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(68400, "g", days=2)])
    assert dose_of(lmwh_resource(cards)) == (68, 12)


def test_weight_91_days_old_is_not_used(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(72, days=91)])
    c = card(cards, LMWH)
    assert resources_of(c) == []
    assert "weight" in (c["summary"] + c["detail"]).lower()


def test_cockcroft_gault_below_30_gives_24_hourly(tmp_path: Path) -> None:
    # 80-year-old woman, 50 kg, creatinine 1.6 mg/dL: (140-80)*50/(72*1.6)*0.85 = 22 mL/min
    pat = patient(gender="female", birth="1946-01-10")
    cards = call(tmp_path, [dvt(), weight(50), lab("2160-0", "Creatinine", 1.6, "mg/dL")], pat=pat)
    assert dose_of(lmwh_resource(cards)) == (50, 24)
    assert "Label" in card(cards, LMWH)["detail"] or "label" in card(cards, LMWH)["detail"]


def test_cockcroft_gault_umol_l(tmp_path: Path) -> None:
    # 141 umol/L = 1.595 mg/dL -> 22 mL/min for the same patient
    pat = patient(gender="female", birth="1946-01-10")
    cr = lab("2160-0", "Creatinine", 141, "umol/L")
    cards = call(tmp_path, [dvt(), weight(50), cr], pat=pat)
    assert dose_of(lmwh_resource(cards)) == (50, 24)


def test_cockcroft_gault_above_30_keeps_12_hourly_despite_low_egfr(tmp_path: Path) -> None:
    # man of 40, 90 kg, creatinine 1.0: CrCl 125 mL/min; eGFR is unused when CG is computable
    pat = patient(gender="male", birth="1986-03-01")
    rs = [
        dvt(),
        weight(90),
        lab("2160-0", "Creatinine", 1.0, "mg/dL"),
        lab("33914-3", "eGFR", 25, "mL/min/{1.73_m2}"),
    ]
    cards = call(tmp_path, rs, pat=pat)
    assert dose_of(lmwh_resource(cards)) == (90, 12)


@pytest.mark.parametrize(("egfr", "period"), [(29, 24), (30, 12), (31, 12)])
def test_egfr_threshold_when_no_creatinine(tmp_path: Path, egfr: float, period: int) -> None:
    rs = [dvt(), weight(70), lab("62238-1", "eGFR CKD-EPI", egfr, "mL/min/{1.73_m2}")]
    assert dose_of(lmwh_resource(call(tmp_path, rs))) == (70, period)


def test_heparin_allergy_no_lmwh_suggestion(tmp_path: Path) -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "al-1",
        "patient": subject(),
        "clinicalStatus": cc(
            (
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "active",
                "Active",
            )
        ),
        "verificationStatus": cc(
            (
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                "confirmed",
                "Confirmed",
            )
        ),
        "code": cc((RXNORM, "67108", "enoxaparin"), text="Lovenox"),
    }
    cards = call(tmp_path, [dvt(), weight(70), allergy])
    c = card(cards, LMWH)
    assert resources_of(c) == []
    assert "non-heparin" in (c["summary"] + c["detail"]).lower()


def test_refuted_heparin_allergy_keeps_lmwh(tmp_path: Path) -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "al-2",
        "patient": subject(),
        "clinicalStatus": cc(
            (
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "active",
                "Active",
            )
        ),
        "verificationStatus": cc(
            (
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                "refuted",
                "Refuted",
            )
        ),
        "code": cc((RXNORM, "5224", "heparin")),
    }
    assert dose_of(lmwh_resource(call(tmp_path, [dvt(), weight(70), allergy]))) == (70, 12)


def test_hit_resolved_11_months_ago_still_contraindicates_heparin(tmp_path: Path) -> None:
    hit = condition(
        cc((ICD10, "D75.829", "Heparin-induced thrombocytopenia, unspecified")),
        onset=day(330),
        recorded=day(330),
        clinical="resolved",
    )
    c = card(call(tmp_path, [dvt(), weight(70), hit]), LMWH)
    assert resources_of(c) == []


def test_hit_resolved_13_months_ago_still_contraindicates_heparin(tmp_path: Path) -> None:
    # Catalog v2.2: HIT "recorded at any time" (the v2.1 12-month window is gone).
    hit = condition(
        cc((ICD10, "D75.829", "Heparin-induced thrombocytopenia, unspecified")),
        onset=day(400),
        recorded=day(400),
        clinical="resolved",
    )
    c = card(call(tmp_path, [dvt(), weight(70), hit]), LMWH)
    assert resources_of(c) == []


# ---- contraindications and IVC filter -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "contraindicated"),
    [
        (49, "10*3/uL", True),
        (50, "10*3/uL", False),
        (51, "10*9/L", False),
        (35000, "/uL", True),
        (49000, "/uL", True),
        (50000, "/uL", False),
    ],
)
def test_platelet_threshold(tmp_path: Path, value: float, unit: str, contraindicated: bool) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), platelets(value, unit)]))
    assert got == ({FILTER} if contraindicated else {LMWH})


def test_low_platelets_8_days_ago_do_not_count(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), platelets(30, "10*3/uL", days=8)]))
    assert got == {LMWH}


def test_latest_platelet_count_wins(tmp_path: Path) -> None:
    rs = [dvt(), weight(70), platelets(30, "10*3/uL", days=3), platelets(120, "10*3/uL", days=1)]
    assert ids(call(tmp_path, rs)) == {LMWH}


@pytest.mark.parametrize("code", ["K92.2", "K922", "I61.9", "K62.5", "I60.7"])
def test_major_bleeding_contraindicates_proximal_gets_filter(tmp_path: Path, code: str) -> None:
    bleed = condition(cc((ICD10, code, "Bleeding")), onset=ago(days=3))
    cards = call(tmp_path, [dvt(), weight(70), bleed])
    assert ids(cards) == {FILTER}
    (sr,) = resources_of(card(cards, FILTER))
    assert sr["code"]["coding"][0]["code"] == "397913009"


def test_major_bleeding_31_days_ago_does_not_contraindicate(tmp_path: Path) -> None:
    bleed = condition(cc((ICD10, "K92.2", "GI hemorrhage")), onset=day(31), recorded=day(31))
    assert ids(call(tmp_path, [dvt(), weight(70), bleed])) == {LMWH}


def test_resolved_major_bleed_does_not_contraindicate(tmp_path: Path) -> None:
    bleed = condition(cc((ICD10, "K92.2", "GI hemorrhage")), onset=ago(days=5), clinical="resolved")
    assert ids(call(tmp_path, [dvt(), weight(70), bleed])) == {LMWH}


def test_minor_bleeding_noted_not_contraindication(tmp_path: Path) -> None:
    hematuria = condition(cc((ICD10, "R31.9", "Hematuria, unspecified")), onset=ago(days=2))
    cards = call(tmp_path, [dvt(), weight(70), hematuria])
    assert ids(cards) == {LMWH}
    assert "minor bleeding" in card(cards, LMWH)["detail"].lower()


def test_distal_dvt_with_contraindication_gets_no_filter(tmp_path: Path) -> None:
    calf = dvt("I82.442", text="Acute DVT of left tibial vein")
    assert call(tmp_path, [calf, weight(70), platelets(30, "10*3/uL")]) == []


def test_distal_i82_4z_with_contraindication_gets_no_filter(tmp_path: Path) -> None:
    calf = dvt("I82.4Z2", text="Acute DVT of unspecified deep veins of left distal lower extremity")
    assert call(tmp_path, [calf, weight(70), platelets(30, "10*3/uL")]) == []


def test_distal_dvt_gets_lmwh(tmp_path: Path) -> None:
    calf = dvt("I82.452", text="Acute DVT of left peroneal vein")
    assert ids(call(tmp_path, [calf, weight(70)])) == {LMWH}


# ---- thrombolysis -----------------------------------------------------------------------------


def phlegmasia(hours: float = 6, **kw: object) -> dict:
    return condition(
        cc((SNOMED, "128053003", "Deep venous thrombosis"), text="Phlegmasia cerulea dolens, left"),
        onset=ago(hours=hours),
        recorded=ago(hours=hours),
        **kw,
    )


def test_thrombolysis_with_bp_panel_component(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(70), phlegmasia(), bp_panel(84, 50)])
    assert ids(cards) == {LMWH, LYSIS}
    c = card(cards, LYSIS)
    assert c["indicator"] == "critical"
    assert "8%" in c["detail"]


def test_thrombolysis_with_55284_panel(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(70), phlegmasia(), bp_panel(80, 40, panel="55284-4")])
    assert LYSIS in ids(cards)


@pytest.mark.parametrize(("sbp", "fires"), [(89, True), (90, False), (91, False)])
def test_systolic_threshold(tmp_path: Path, sbp: float, fires: bool) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), systolic(sbp)]))
    assert (LYSIS in got) is fires


def test_systolic_25_hours_ago_is_not_current(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), systolic(80, hours=25)]))
    assert LYSIS not in got


def test_plain_hypotension_is_not_severe(tmp_path: Path) -> None:
    hypo = condition(cc((ICD10, "I95.9", "Hypotension, unspecified")), onset=ago(hours=3))
    assert LYSIS not in ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), hypo]))


def test_shock_within_72h(tmp_path: Path) -> None:
    shock = condition(cc((ICD10, "R57.1", "Hypovolemic shock")), onset=ago(hours=70))
    assert LYSIS in ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), shock]))


def test_shock_older_but_in_current_encounter(tmp_path: Path) -> None:
    shock = condition(
        cc((SNOMED, "27942005", "Shock")),
        onset=ago(hours=100),
        recorded=ago(hours=100),
        encounter=ENCOUNTER,
    )
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), shock], encounter=ENCOUNTER))
    assert LYSIS in got


def test_shock_older_other_encounter_does_not_count(tmp_path: Path) -> None:
    shock = condition(
        cc((SNOMED, "27942005", "Shock")),
        onset=ago(hours=100),
        recorded=ago(hours=100),
        encounter="enc-old",
    )
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), shock], encounter=ENCOUNTER))
    assert LYSIS not in got


def test_phlegmasia_in_observation_note(tmp_path: Path) -> None:
    exam = observation(
        cc((LOINC, "32451-7", "Physical findings of Extremities")),
        effective=ago(hours=4),
        value={"valueString": "Left leg massively swollen, cyanotic"},
        note="Clinical picture of phlegmasia cerulea dolens",
    )
    assert LYSIS in ids(call(tmp_path, [dvt(), weight(70), exam, systolic(82)]))


def test_phlegmasia_in_report_conclusion(tmp_path: Path) -> None:
    rep = duplex(
        "left",
        days=0.2,
        negative_code=False,
        positive_code=True,
        conclusion="Occlusive iliofemoral thrombus; clinical phlegmasia cerulea dolens.",
    )
    assert LYSIS in ids(call(tmp_path, [rep, weight(70), systolic(82)]))


def test_acute_limb_ischemia_snomed(tmp_path: Path) -> None:
    ali = condition(cc((SNOMED, "1230182004", "Acute ischemia of lower limb")), onset=ago(hours=10))
    assert LYSIS in ids(call(tmp_path, [dvt(), weight(70), ali, systolic(82)]))


def test_ischemia_73_hours_ago_does_not_count(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), phlegmasia(hours=73), systolic(82)]))
    assert LYSIS not in got


def test_venous_gangrene_other_side_does_not_count(tmp_path: Path) -> None:
    gangrene = condition(
        cc((ICD10, "I96", "Gangrene, not elsewhere classified"), text="Gangrene right foot"),
        onset=ago(hours=10),
        body_site=[cc((SNOMED, "62175007", "Right lower limb"))],
    )
    got = ids(call(tmp_path, [dvt("I82.412"), weight(70), gangrene, systolic(82)]))
    assert LYSIS not in got


def test_thrombolysis_silent_when_contraindicated(tmp_path: Path) -> None:
    rs = [dvt(), weight(70), phlegmasia(), systolic(80), platelets(20, "10*3/uL")]
    assert ids(call(tmp_path, rs)) == {FILTER}


def test_thrombolysis_needs_ischemia(tmp_path: Path) -> None:
    assert LYSIS not in ids(call(tmp_path, [dvt(), weight(70), systolic(80)]))


def test_thrombolysis_fires_even_when_anticoagulated(tmp_path: Path) -> None:
    meds = med_request(APIXABAN, text="10 mg twice daily")
    assert ids(call(tmp_path, [dvt(), weight(70), phlegmasia(), systolic(80), *meds])) == {LYSIS}


# ---- pregnancy ------------------------------------------------------------------------------


def test_pregnancy_z3a_within_10_months_gives_mr_only(tmp_path: Path) -> None:
    from test_dvt_gate_ruleout import whole_leg_swelling

    preg = condition(
        cc((ICD10, "Z3A.24", "24 weeks gestation of pregnancy")),
        onset=ago(days=100),
        recorded=ago(days=100),
    )
    cards = call(tmp_path, [whole_leg_swelling(), duplex("left", days=1), preg])
    (mr,) = resources_of(card(cards, "pelvic-venous-imaging"))
    assert mr["code"]["coding"][0]["code"] == "36789-6"


def test_pregnancy_status_31_days_ago_does_not_count(tmp_path: Path) -> None:
    from test_dvt_gate_ruleout import whole_leg_swelling

    preg = observation(
        cc((LOINC, "82810-3", "Pregnancy status")),
        effective=ago(days=31),
        value={"valueCodeableConcept": cc((SNOMED, "77386006", "Pregnant"))},
    )
    cards = call(tmp_path, [whole_leg_swelling(), duplex("left", days=1), preg])
    assert len(resources_of(card(cards, "pelvic-venous-imaging"))) == 2
