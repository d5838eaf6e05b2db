"""Acceptance: near misses found in the QA pass (each one failed before its fix)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support_dvt import (
    ICD10,
    LOINC,
    SNOMED,
    ago,
    call,
    card,
    cc,
    condition,
    duplex,
    dvt,
    ids,
    lab,
    observation,
    patient,
    platelets,
    resources_of,
    swelling,
    systolic,
    weight,
)

LMWH = "dvt-anticoagulation-lmwh"
FILTER = "anticoagulation-contraindicated-ivc-filter"
LYSIS = "thrombolysis-consider"
DUPLEX = "dvt-duplex-ultrasound"
PELVIC = "pelvic-venous-imaging"


# ---- proximal level from a positive duplex's text ---------------------------------------------


def positive_duplex(conclusion: str, days: float = 1) -> dict:
    return duplex("left", days=days, negative_code=False, positive_code=True, conclusion=conclusion)


def test_positive_duplex_femoral_with_low_platelets_gets_filter(tmp_path: Path) -> None:
    rep = positive_duplex("Occlusive thrombus in the left common femoral vein.")
    cards = call(tmp_path, [rep, platelets(30, "10*3/uL")])
    assert ids(cards) == {FILTER}
    (sr,) = resources_of(card(cards, FILTER))
    assert sr["code"]["coding"][0]["code"] == "397913009"


def test_positive_duplex_calf_only_with_low_platelets_gets_no_filter(tmp_path: Path) -> None:
    rep = positive_duplex(
        "Normal compressibility of the common femoral, femoral and popliteal veins. "
        "Thrombus in the left posterior tibial veins."
    )
    assert call(tmp_path, [rep, platelets(30, "10*3/uL")]) == []


def test_positive_duplex_femoral_without_contraindication_gets_lmwh_only(tmp_path: Path) -> None:
    rep = positive_duplex("Acute DVT of the left popliteal vein extending into the femoral vein.")
    assert ids(call(tmp_path, [rep, weight(70)])) == {LMWH}


def test_positive_duplex_31_days_old_with_femoral_text_is_not_acute(tmp_path: Path) -> None:
    rep = positive_duplex("Occlusive thrombus in the left common femoral vein.", days=31)
    assert call(tmp_path, [rep, platelets(30, "10*3/uL")]) == []


# ---- phlegmasia outside a Condition ----------------------------------------------------------


def test_phlegmasia_in_observation_value(tmp_path: Path) -> None:
    exam = observation(
        cc((LOINC, "32451-7", "Physical findings of Extremities")),
        effective=ago(hours=3),
        value={"valueString": "Phlegmasia cerulea dolens of the left leg"},
    )
    assert LYSIS in ids(call(tmp_path, [dvt(), weight(70), exam, systolic(85)]))


def test_negated_phlegmasia_in_observation_does_not_count(tmp_path: Path) -> None:
    exam = observation(
        cc((LOINC, "32451-7", "Physical findings of Extremities")),
        effective=ago(hours=3),
        value={"valueString": "Left leg swollen, no signs of phlegmasia"},
    )
    assert LYSIS not in ids(call(tmp_path, [dvt(), weight(70), exam, systolic(85)]))


def test_phlegmasia_observation_74_hours_ago_does_not_count(tmp_path: Path) -> None:
    exam = observation(
        cc((LOINC, "32451-7", "Physical findings of Extremities")),
        effective=ago(hours=74),
        note="phlegmasia alba dolens",
    )
    assert LYSIS not in ids(call(tmp_path, [dvt(), weight(70), exam, systolic(85)]))


# ---- unknown-side DVT -------------------------------------------------------------------------


def test_unknown_side_acute_dvt_does_not_ask_for_a_duplex(tmp_path: Path) -> None:
    d = condition(cc((SNOMED, "128053003", "Deep venous thrombosis")), onset=ago(days=3))
    got = ids(call(tmp_path, [d, swelling("left", onset_days=3), weight(70)]))
    assert got == {LMWH}


def test_left_dvt_and_new_right_swelling_still_asks_right_duplex(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt("I82.412"), swelling("right", onset_days=3), weight(70)])
    assert ids(cards) == {LMWH, DUPLEX}
    (sr,) = resources_of(card(cards, DUPLEX))
    assert "39443-7" in {c["code"] for c in sr["code"]["coding"]}


def test_bilateral_dvt_code_confirms_both_legs(tmp_path: Path) -> None:
    rs = [
        dvt("I82.413"),
        swelling("left", onset_days=3),
        swelling("right", onset_days=3),
        weight(70),
    ]
    got = ids(call(tmp_path, rs))
    assert LMWH in got and DUPLEX not in got


# ---- card wording -----------------------------------------------------------------------------


def test_weight_from_pounds_is_shown_to_one_decimal(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(182, "[lb_av]", code="[lb_av]")])
    c = card(cards, LMWH)
    assert "82.6 kg" in c["detail"]
    (mr,) = resources_of(c)
    assert mr["note"][0]["text"] == "1 mg/kg for 82.6 kg"


@pytest.mark.parametrize(
    ("creatinine", "period", "shown"),
    [(2.0, 12, None), (2.01, 24, "29 mL/min (< 30)")],
)
def test_cockcroft_gault_boundary_and_wording(
    tmp_path: Path, creatinine: float, period: int, shown: str | None
) -> None:
    # man aged 68, 60 kg: (140 - 68) x 60 / (72 x 2.0) = 30.0 mL/min exactly
    pat = patient(gender="male", birth="1958-01-01")
    rs = [dvt(), weight(60), lab("2160-0", "Creatinine", creatinine, "mg/dL")]
    c = card(call(tmp_path, rs, pat=pat), LMWH)
    (mr,) = resources_of(c)
    assert mr["dosageInstruction"][0]["timing"]["repeat"]["period"] == period
    if shown:
        assert shown in c["detail"]


def test_thrombolysis_card_does_not_attribute_the_rule_to_the_guideline(tmp_path: Path) -> None:
    ali = condition(cc((ICD10, "I96", "Gangrene, not elsewhere classified")), onset=ago(hours=3))
    c = card(call(tmp_path, [dvt(), weight(70), ali, systolic(80)]), LYSIS)
    assert "not the guideline's wording" in c["detail"]
    assert "8%" in c["detail"]
    assert "where the guidance reserves thrombolysis" not in c["detail"]


# ---- swelling forms -------------------------------------------------------------------------


def test_r60_0_with_lle_text_is_left(tmp_path: Path) -> None:
    sw = condition(cc((ICD10, "R60.0", "Localized edema"), text="LLE edema"), onset=ago(days=2))
    cards = call(tmp_path, [sw])
    (sr,) = resources_of(card(cards, DUPLEX))
    assert "39432-0" in {c["code"] for c in sr["code"]["coding"]}


def test_laterality_qualifier_as_second_coding(tmp_path: Path) -> None:
    sw = condition(
        cc((SNOMED, "102572006", "Edema of lower extremity")),
        onset=ago(days=2),
        body_site=[cc((SNOMED, "61685007", "Lower limb structure"), (SNOMED, "24028007", "Right"))],
    )
    (sr,) = resources_of(card(call(tmp_path, [sw]), DUPLEX))
    assert "39443-7" in {c["code"] for c in sr["code"]["coding"]}


def test_entire_right_leg_text_is_whole_leg(tmp_path: Path) -> None:
    sw = condition(
        cc(
            (SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of the entire right leg"
        ),
        onset=ago(days=6),
    )
    assert ids(call(tmp_path, [sw, duplex("right", days=1)])) == {PELVIC}


def test_whole_leg_observation_before_the_duplex_does_not_persist(tmp_path: Path) -> None:
    obs = observation(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Whole left leg swelling"),
        effective=ago(days=3),
        value={"valueBoolean": True},
        body_site=cc((SNOMED, "32153003", "Left lower limb")),
    )
    assert call(tmp_path, [obs, duplex("left", days=1)]) == []


def test_whole_leg_observation_after_the_duplex_persists(tmp_path: Path) -> None:
    obs = observation(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Whole left leg swelling"),
        effective=ago(days=0, hours=3),
        value={"valueBoolean": True},
        body_site=cc((SNOMED, "32153003", "Left lower limb")),
    )
    first = observation(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Whole left leg swelling"),
        effective=ago(days=4),
        value={"valueBoolean": True},
        body_site=cc((SNOMED, "32153003", "Left lower limb")),
    )
    assert ids(call(tmp_path, [first, obs, duplex("left", days=1)])) == {PELVIC}


# ---- doses, weights and medication forms ------------------------------------------------------


@pytest.mark.parametrize(("kg", "mg"), [(70.4, 70), (70.5, 71), (70.6, 71)])
def test_dose_rounds_to_nearest_mg(tmp_path: Path, kg: float, mg: int) -> None:
    (mr,) = resources_of(card(call(tmp_path, [dvt(), weight(kg)]), LMWH))
    assert mr["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == mg


@pytest.mark.parametrize(("kg", "used"), [(19.9, False), (20, True), (350, True), (350.1, False)])
def test_weight_plausibility_bounds(tmp_path: Path, kg: float, used: bool) -> None:
    c = card(call(tmp_path, [dvt(), weight(kg)], pat=patient(birth="2000-01-01")), LMWH)
    assert bool(resources_of(c)) is used


def test_weight_90_days_old_is_used(tmp_path: Path) -> None:
    assert resources_of(card(call(tmp_path, [dvt(), weight(72, days=90)]), LMWH))


def test_separate_medication_resource_by_reference(tmp_path: Path) -> None:
    from support_dvt import APIXABAN, med_request

    meds = med_request(APIXABAN, text="5 mg twice daily", contained_medication="separate")
    assert call(tmp_path, [dvt(), weight(70), *meds]) == []


def test_on_hold_apixaban_does_not_count(tmp_path: Path) -> None:
    from support_dvt import APIXABAN, med_request

    meds = med_request(APIXABAN, text="5 mg twice daily", status="on-hold")
    assert LMWH in ids(call(tmp_path, [dvt(), weight(70), *meds]))


def test_prophylactic_enoxaparin_administration_does_not_count(tmp_path: Path) -> None:
    from support_dvt import ENOXAPARIN, subject

    ma = {
        "resourceType": "MedicationAdministration",
        "id": "ma-enox",
        "status": "completed",
        "subject": subject(),
        "medicationCodeableConcept": ENOXAPARIN,
        "effectiveDateTime": ago(hours=10),
        "dosage": {
            "dose": {"value": 40, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
        },
    }
    cards = call(tmp_path, [dvt(), weight(80), ma])
    assert ids(cards) == {LMWH}
    assert "prophylactic" in card(cards, LMWH)["detail"].lower()


@pytest.mark.parametrize(("iu", "therapeutic"), [(5000, False), (7000, True)])
def test_dalteparin_per_kg(tmp_path: Path, iu: float, therapeutic: bool) -> None:
    from support_dvt import RXNORM, med_request

    dal = cc((RXNORM, "67109", "dalteparin"), text="Fragmin")
    meds = med_request(dal, dose=(iu, "[iU]"))
    got = ids(call(tmp_path, [dvt(), weight(70), *meds]))
    assert (LMWH not in got) is therapeutic


def test_inactive_heparin_allergy_does_not_block_lmwh(tmp_path: Path) -> None:
    from support_dvt import subject

    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "al-inactive",
        "patient": subject(),
        "clinicalStatus": cc(
            (
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "inactive",
                "Inactive",
            )
        ),
        "code": cc(text="Heparin"),
    }
    assert resources_of(card(call(tmp_path, [dvt(), weight(70), allergy]), LMWH))


def test_active_hit_older_than_12_months_still_blocks_lmwh(tmp_path: Path) -> None:
    from support_dvt import day

    hit = condition(
        cc((ICD10, "D75.82", "Heparin induced thrombocytopenia (HIT)")),
        onset=day(500),
        recorded=day(500),
    )
    c = card(call(tmp_path, [dvt(), weight(70), hit]), LMWH)
    assert resources_of(c) == []
    assert "non-heparin" in c["summary"].lower()


def test_newer_not_pregnant_status_overrides_pregnancy_condition(tmp_path: Path) -> None:
    preg = condition(cc((ICD10, "Z33.1", "Pregnant state, incidental")), onset=ago(days=60))
    status = observation(
        cc((LOINC, "82810-3", "Pregnancy status")),
        effective=ago(days=2),
        value={"valueCodeableConcept": cc((SNOMED, "60001007", "Not pregnant"))},
    )
    sw = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of whole left leg"),
        onset=ago(days=6),
    )
    c = card(call(tmp_path, [preg, status, sw, duplex("left", days=1)]), PELVIC)
    assert len(resources_of(c)) == 2
    assert "CT or MR" in c["summary"]


def test_pregnant_summary_offers_mr_only(tmp_path: Path) -> None:
    preg = condition(
        cc((ICD10, "O09.892", "Supervision of other high risk pregnancies")), onset=ago(days=60)
    )
    sw = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of whole left leg"),
        onset=ago(days=6),
    )
    c = card(call(tmp_path, [preg, sw, duplex("left", days=1)]), PELVIC)
    assert "CT" not in c["summary"]
    (mr,) = resources_of(c)
    assert mr["code"]["coding"][0]["code"] == "36789-6"


def test_positive_ct_venography_after_negative_duplex_confirms(tmp_path: Path) -> None:
    from support_dvt import report

    sw = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of whole left leg"),
        onset=ago(days=6),
    )
    ctv = report(
        cc((LOINC, "36790-4", "MR venography")),
        effective=ago(hours=5),
        conclusion="Acute thrombus in the left common iliac vein.",
    )
    assert ids(call(tmp_path, [sw, duplex("left", days=1), ctv, weight(70)])) == {LMWH}


def _infusion(status: str, start_hours: float, end_hours: float | None) -> dict:
    from support_dvt import RXNORM, subject

    period = {"start": ago(hours=start_hours)}
    if end_hours is not None:
        period["end"] = ago(hours=end_hours)
    return {
        "resourceType": "MedicationAdministration",
        "id": f"ma-hep-{status}-{start_hours}",
        "status": status,
        "subject": subject(),
        "medicationCodeableConcept": cc((RXNORM, "5224", "heparin"), text="heparin infusion"),
        "effectivePeriod": period,
        "dosage": {"route": cc((SNOMED, "47625008", "Intravenous route"))},
    }


def test_running_heparin_infusion_started_60h_ago_counts(tmp_path: Path) -> None:
    assert call(tmp_path, [dvt(), weight(70), _infusion("in-progress", 60, None)]) == []


def test_heparin_infusion_stopped_50h_ago_does_not_count(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), _infusion("completed", 80, 50)]))
    assert got == {LMWH}


def test_heparin_infusion_stopped_40h_ago_counts(tmp_path: Path) -> None:
    assert call(tmp_path, [dvt(), weight(70), _infusion("completed", 80, 40)]) == []


def test_pregnancy_status_with_loinc_answer_code(tmp_path: Path) -> None:
    status = observation(
        cc((LOINC, "82810-3", "Pregnancy status")),
        effective=ago(days=5),
        value={"valueCodeableConcept": cc((LOINC, "LA15173-0", "Pregnant"))},
    )
    sw = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of whole left leg"),
        onset=ago(days=6),
    )
    (mr,) = resources_of(card(call(tmp_path, [status, sw, duplex("left", days=1)]), PELVIC))
    assert mr["code"]["coding"][0]["code"] == "36789-6"


# ---- duplex report text ---------------------------------------------------------------------


def test_superficial_vein_thrombus_is_not_an_acute_dvt(tmp_path: Path) -> None:
    rep = duplex(
        "left",
        days=1,
        negative_code=False,
        conclusion="Thrombus in the left great saphenous vein. Deep veins are patent and "
        "compressible.",
    )
    assert LMWH not in ids(call(tmp_path, [rep, weight(70), swelling("left", onset_days=3)]))


def test_saphenous_thrombus_extending_into_cfv_is_dvt(tmp_path: Path) -> None:
    rep = duplex(
        "left",
        days=1,
        negative_code=False,
        conclusion="Thrombus in the great saphenous vein extending into the common femoral vein.",
    )
    assert ids(call(tmp_path, [rep, weight(70)])) == {LMWH}


def test_chronic_thrombus_consistent_with_prior_dvt_is_not_acute(tmp_path: Path) -> None:
    rep = duplex(
        "left",
        days=1,
        negative_code=False,
        conclusion="Chronic non-occlusive thrombus in the left femoral vein, consistent with "
        "prior DVT. No acute DVT.",
    )
    assert call(tmp_path, [rep, weight(70)]) == []


def test_calf_veins_not_well_visualized_is_incomplete(tmp_path: Path) -> None:
    rep = duplex(
        "left",
        days=1,
        conclusion="Normal compressibility of CFV, FV and popliteal vein. Calf veins not well "
        "visualized.",
    )
    assert ids(call(tmp_path, [rep, swelling("left", onset_days=4)])) == {DUPLEX}


# ---- more catalog coverage ------------------------------------------------------------------


def test_negative_femoropopliteal_duplex_with_whole_leg_swelling_asks_both(tmp_path: Path) -> None:
    sw = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of whole left leg"),
        onset=ago(days=6),
    )
    rep = duplex("left", days=1, loinc="69399-4")
    cards = call(tmp_path, [sw, rep])
    assert ids(cards) == {DUPLEX, PELVIC}
    assert card(cards, DUPLEX)["indicator"] == "critical"


@pytest.mark.parametrize("code", ["I824Y2", "I82.4Y2"])
def test_oid_icd_without_dot_proximal_gets_filter(tmp_path: Path, code: str) -> None:
    from support_dvt import ICD10_OID

    got = ids(call(tmp_path, [dvt(code, system=ICD10_OID), platelets(30, "10*3/uL")]))
    assert got == {FILTER}


@pytest.mark.parametrize(
    ("coding", "clinical", "contraindicated"),
    [
        ((SNOMED, "131148009", "Bleeding"), "active", True),
        ((ICD10, "R58", "Hemorrhage, not elsewhere classified"), "active", True),
        ((ICD10, "R58", "Hemorrhage, not elsewhere classified"), "resolved", False),
        ((ICD10, "K92.0", "Hematemesis"), "active", True),
        ((ICD10, "N93.9", "Abnormal uterine and vaginal bleeding"), "active", False),
        ((ICD10, "R04.0", "Epistaxis"), "active", False),
    ],
)
def test_bleeding_codes(
    tmp_path: Path, coding: tuple, clinical: str, contraindicated: bool
) -> None:
    bleed = condition(cc(coding), onset=ago(days=2), clinical=clinical)
    got = ids(call(tmp_path, [dvt(), weight(70), bleed]))
    assert got == ({FILTER} if contraindicated else {LMWH})


def test_limb_ischemia_of_unknown_side_counts(tmp_path: Path) -> None:
    ali = condition(cc((SNOMED, "1230182004", "Acute ischemia of lower limb")), onset=ago(hours=5))
    assert LYSIS in ids(call(tmp_path, [dvt("I82.412"), weight(70), ali, systolic(70)]))


def test_gangrene_on_dvt_side_counts(tmp_path: Path) -> None:
    gangrene = condition(
        cc((ICD10, "I96", "Gangrene"), text="Venous gangrene left foot"),
        onset=ago(hours=5),
        body_site=[cc((SNOMED, "32153003", "Left lower limb"))],
    )
    assert LYSIS in ids(call(tmp_path, [dvt("I82.412"), weight(70), gangrene, systolic(70)]))


def test_shock_snomed_within_72h_without_encounter(tmp_path: Path) -> None:
    shock = condition(cc((SNOMED, "27942005", "Shock")), onset=ago(hours=20))
    ali = condition(cc((SNOMED, "1230182004", "Acute ischemia of lower limb")), onset=ago(hours=5))
    assert LYSIS in ids(call(tmp_path, [dvt(), weight(70), ali, shock]))


def test_hypotension_snomed_45007003_is_not_severe(tmp_path: Path) -> None:
    hypo = condition(cc((SNOMED, "45007003", "Low blood pressure")), onset=ago(hours=5))
    ali = condition(cc((SNOMED, "1230182004", "Acute ischemia of lower limb")), onset=ago(hours=5))
    assert LYSIS not in ids(call(tmp_path, [dvt(), weight(70), ali, hypo]))


def test_duplex_suggestion_carries_cpt_and_draft_status(tmp_path: Path) -> None:
    (sr,) = resources_of(card(call(tmp_path, [swelling("left", onset_days=1)]), DUPLEX))
    codes = {(c["system"], c["code"]) for c in sr["code"]["coding"]}
    assert ("http://loinc.org", "39432-0") in codes
    assert any(code == "93971" for _, code in codes)
    assert sr["status"] == "draft" and sr["intent"] in ("order", "proposal", "plan")


def test_filter_card_with_hit_and_low_platelets_warns_about_hit(tmp_path: Path) -> None:
    hit = condition(cc((ICD10, "D75.829", "Heparin-induced thrombocytopenia")), onset=ago(days=3))
    c = card(call(tmp_path, [dvt(), platelets(30, "10*3/uL"), hit]), FILTER)
    assert "non-heparin anticoagulant" in c["detail"]


def test_filter_card_for_bleeding_does_not_mention_hit(tmp_path: Path) -> None:
    bleed = condition(cc((ICD10, "I61.9", "Intracerebral hemorrhage")), onset=ago(days=3))
    c = card(call(tmp_path, [dvt(), bleed]), FILTER)
    assert "HIT" not in c["detail"]


def test_limited_duplex_is_named_as_limited_in_the_evidence(tmp_path: Path) -> None:
    from test_dvt_gate_ruleout import mass

    rs = [mass("left"), swelling("left", onset_days=100), duplex("left", days=1, loinc="80860-0")]
    c = card(call(tmp_path, rs), DUPLEX)
    assert c["indicator"] == "warning"
    assert "Limited/femoropopliteal venous duplex (left): no DVT" in c["detail"]


# ---- pregnancy windows ------------------------------------------------------------------------


def _whole_left(days: int = 6) -> dict:
    return condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of whole left leg"),
        onset=ago(days=days),
    )


def _pelvic_suggestion_count(tmp_path: Path, extra: list[dict]) -> int:
    cards = call(tmp_path, [_whole_left(), duplex("left", days=1), *extra])
    return len(resources_of(card(cards, PELVIC)))


@pytest.mark.parametrize(("onset", "pregnant"), [("2026-01-27", True), ("2026-01-26", False)])
def test_pregnancy_condition_10_month_window(tmp_path: Path, onset: str, pregnant: bool) -> None:
    preg = condition(
        cc((ICD10, "Z33.1", "Pregnant state, incidental")), onset=onset, recorded=onset
    )
    assert _pelvic_suggestion_count(tmp_path, [preg]) == (1 if pregnant else 2)


def test_pregnancy_status_30_days_ago_counts(tmp_path: Path) -> None:
    from support_dvt import day

    status = observation(
        cc((LOINC, "82810-3", "Pregnancy status")),
        effective=day(30),
        value={"valueCodeableConcept": cc((SNOMED, "77386006", "Patient currently pregnant"))},
    )
    assert _pelvic_suggestion_count(tmp_path, [status]) == 1


def test_active_postpartum_code_is_not_pregnancy(tmp_path: Path) -> None:
    pp = condition(
        cc((ICD10, "O87.0", "Superficial thrombophlebitis in the puerperium")), onset=ago(days=10)
    )
    assert _pelvic_suggestion_count(tmp_path, [pp]) == 2


# ---- whole-leg extent from Observation text -------------------------------------------------


def _exam(text: str, note: str | None = None, hours: float = 2) -> dict:
    return observation(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text=text),
        effective=ago(hours=hours),
        value={"valueBoolean": True},
        body_site=cc((SNOMED, "32153003", "Left lower limb")),
        note=note,
    )


FIRST_EXAM_HOURS = 96  # the swelling began before the duplex (yesterday)


def test_hip_in_an_exam_note_does_not_make_whole_leg(tmp_path: Path) -> None:
    first = _exam("Left leg swelling", hours=FIRST_EXAM_HOURS)
    exam = _exam("Left leg swelling", note="History of left hip replacement 2019.")
    assert call(tmp_path, [first, exam, duplex("left", days=1)]) == []


def test_negated_thigh_swelling_does_not_make_whole_leg(tmp_path: Path) -> None:
    first = _exam("Left leg swelling", hours=FIRST_EXAM_HOURS)
    exam = _exam("Left calf swelling, no thigh swelling")
    assert call(tmp_path, [first, exam, duplex("left", days=1)]) == []


def test_thigh_swelling_exam_after_negative_duplex_asks_pelvic_imaging(tmp_path: Path) -> None:
    first = _exam("Left leg swelling", hours=FIRST_EXAM_HOURS)
    exam = _exam("Left thigh swelling")
    assert ids(call(tmp_path, [first, exam, duplex("left", days=1)])) == {PELVIC}


def test_shock_in_current_encounter_with_absolute_reference(tmp_path: Path) -> None:
    from support_dvt import ENCOUNTER

    shock = condition(
        cc((ICD10, "R57.9", "Shock, unspecified")), onset=ago(hours=100), recorded=ago(hours=100)
    )
    shock["encounter"] = {"reference": f"https://fhir.example.org/r4/Encounter/{ENCOUNTER}"}
    ali = condition(cc((SNOMED, "1230182004", "Acute ischemia of lower limb")), onset=ago(hours=5))
    got = ids(call(tmp_path, [dvt(), weight(70), ali, shock], encounter=ENCOUNTER))
    assert LYSIS in got
