"""Red-team (patient-view): record shapes and conflicting records at the relevance gate and
the DVT stage, through the real endpoint (support_dvt builders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support_dvt import (
    ENOXAPARIN,
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
    patient,
    swelling,
    weight,
)

DUPLEX = "dvt-duplex-ultrasound"
LMWH = "dvt-anticoagulation-lmwh"
LEFT_ARM = cc((SNOMED, "368208006", "Left upper arm structure"), text="left arm")


def test_generic_dvt_code_of_the_arm_is_not_a_leg_dvt(tmp_path: Path) -> None:
    """Catalog: acute DVT is "an acute lower-limb or iliac DVT"; 128053003 counts + bodySite."""
    arm = condition(
        cc((SNOMED, "128053003", "Deep venous thrombosis"), text="DVT left arm"),
        onset=ago(days=2),
        recorded=ago(days=2),
        body_site=[LEFT_ARM],
    )
    assert call(tmp_path, [arm, weight(70)]) == []


def test_acute_dvt_generic_code_of_the_arm_subclavian_text(tmp_path: Path) -> None:
    arm = condition(
        cc(
            (SNOMED, "132281000119108", "Acute deep venous thrombosis"),
            text="Acute DVT of the left subclavian vein",
        ),
        onset=ago(days=2),
        recorded=ago(days=2),
    )
    assert call(tmp_path, [arm, weight(70)]) == []


def test_generic_dvt_code_of_the_leg_counts(tmp_path: Path) -> None:
    leg = condition(
        cc((SNOMED, "128053003", "Deep venous thrombosis"), text="DVT left leg"),
        onset=ago(days=2),
        recorded=ago(days=2),
        body_site=[cc((SNOMED, "32153003", "Structure of left lower limb"))],
    )
    assert LMWH in ids(call(tmp_path, [leg, weight(70)]))


def test_swelling_observation_value_true_opens_gate(tmp_path: Path) -> None:
    obs = observation(
        cc((SNOMED, "267039000", "Swelling of lower leg"), text="Leg swelling"),
        effective=ago(days=3),
        value={"valueBoolean": True},
        body_site=cc((SNOMED, "32153003", "Structure of left lower limb")),
        category="exam",
    )
    cards = call(tmp_path, [obs])
    assert ids(cards) == {DUPLEX}
    assert card(cards, DUPLEX)["indicator"] == "critical"


def test_old_observation_makes_swelling_chronic(tmp_path: Path) -> None:
    """New = the earliest swelling record of that side within 30 days."""
    old = observation(
        cc((SNOMED, "449614009", "Swelling of lower limb")),
        effective=ago(days=60),
        value={"valueBoolean": True},
        body_site=cc((SNOMED, "32153003", "Structure of left lower limb")),
        category="exam",
    )
    assert call(tmp_path, [old, swelling("left", onset_days=5)]) == []


def test_onset_old_recorded_new_is_chronic(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("left", onset_days=45, recorded=ago(days=2))]) == []


def test_recorded_only_new_swelling(tmp_path: Path) -> None:
    sw = swelling("left", onset_days=5)
    del sw["onsetDateTime"]
    assert ids(call(tmp_path, [sw])) == {DUPLEX}


def test_provisional_dvt_is_not_acute_duplex_still_asked(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [swelling("left"), dvt(verification="provisional"), weight(70)]))
    assert LMWH not in got
    assert DUPLEX in got


def test_refuted_dvt_never_counts(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [swelling("left"), dvt(verification="refuted"), weight(70)]))
    assert got == {DUPLEX}


def test_resolved_and_active_duplicate_dvt(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(clinical="resolved"), dvt(), weight(70)]))
    assert LMWH in got


def test_positive_duplex_alone_is_acute_dvt(tmp_path: Path) -> None:
    got = ids(
        call(
            tmp_path,
            [
                swelling("left"),
                duplex(
                    "left",
                    days=1,
                    conclusion="Occlusive thrombus in the left CFV.",
                    positive_code=True,
                ),
                weight(70),
            ],
        )
    )
    assert LMWH in got and DUPLEX not in got


def test_deceased_datetime_with_dvt_no_cards(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(70)], pat=patient(deceased=ago(days=0, hours=1)))
    assert cards == []


def test_enoxaparin_1mg_per_kg_below_60mg_is_therapeutic(tmp_path: Path) -> None:
    """Treatment dose = enoxaparin >= 1 mg/kg or >= 60 mg per dose (50 kg, 50 mg q12h)."""
    got = ids(call(tmp_path, [dvt(), weight(50), *med_request(ENOXAPARIN, dose=(50, "mg"))]))
    assert LMWH not in got


def test_enoxaparin_unreadable_dose_counts_therapeutic(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), *med_request(ENOXAPARIN)]))
    assert LMWH not in got


def test_enoxaparin_text_40mg_daily_is_prophylactic(tmp_path: Path) -> None:
    got = ids(call(tmp_path, [dvt(), weight(70), *med_request(ENOXAPARIN, text="40 mg daily")]))
    assert LMWH in got


def test_dalteparin_prophylactic_5000_iu(tmp_path: Path) -> None:
    dalt = cc((RXNORM, "67109", "dalteparin"), text="Fragmin 5000 IU")
    got = ids(call(tmp_path, [dvt(), weight(80), *med_request(dalt, dose=(5000, "[iU]"))]))
    assert LMWH in got


def test_dalteparin_treatment_200_iu_per_kg(tmp_path: Path) -> None:
    dalt = cc((RXNORM, "67109", "dalteparin"), text="Fragmin")
    got = ids(call(tmp_path, [dvt(), weight(80), *med_request(dalt, dose=(16000, "[iU]"))]))
    assert LMWH not in got


def test_heparin_5000_sc_is_prophylactic(tmp_path: Path) -> None:
    hep = cc((RXNORM, "5224", "heparin"), text="Heparin 5,000 units")
    got = ids(
        call(
            tmp_path,
            [
                dvt(),
                weight(80),
                *med_request(hep, dose=(5000, "[iU]"), route=("34206005", "Subcutaneous route")),
            ],
        )
    )
    assert LMWH in got


def test_heparin_iv_infusion_is_therapeutic(tmp_path: Path) -> None:
    hep = cc((RXNORM, "5224", "heparin"), text="Heparin infusion")
    got = ids(
        call(
            tmp_path,
            [
                dvt(),
                weight(80),
                *med_request(hep, text="18 units/kg/h IV", route=("47625008", "Intravenous route")),
            ],
        )
    )
    assert LMWH not in got


def test_fondaparinux_prophylactic_and_treatment(tmp_path: Path) -> None:
    fonda = cc((RXNORM, "321208", "fondaparinux"), text="Arixtra")
    low = ids(call(tmp_path, [dvt(), weight(80), *med_request(fonda, dose=(2.5, "mg"))]))
    assert LMWH in low
    high = ids(call(tmp_path, [dvt(), weight(80), *med_request(fonda, dose=(7.5, "mg"))]))
    assert LMWH not in high


def test_weight_in_lb_dose(tmp_path: Path) -> None:
    cards = call(tmp_path, [dvt(), weight(176, "[lb_av]")])
    c = card(cards, LMWH)
    assert "80 mg" in c["summary"]


_ = (ICD10, LOINC)


# ---------------------------------------------------------------- batch 3: labs and units


def test_creatinine_umol_per_l_is_converted_for_cockcroft_gault(tmp_path: Path) -> None:
    """80 umol/L = 0.9 mg/dL: CrCl ~ 77 mL/min, no renal dose reduction."""
    from support_dvt import lab

    cards = call(
        tmp_path,
        [dvt(), weight(70), lab("2160-0", "Creatinine", 80, "umol/L")],
    )
    c = card(cards, LMWH)
    assert "every 12 h" in c["summary"], c["summary"]


def test_resolved_hit_recorded_within_12_months_blocks_lmwh(tmp_path: Path) -> None:
    """Catalog: heparin contraindicated by HIT (D75.82x) "active or recorded within 12 months"
    — a resolved HIT charted 6 months ago (onset 14 months ago) still counts."""
    hit = condition(
        cc((ICD10, "D75.829", "Heparin-induced thrombocytopenia, unspecified")),
        onset=ago(days=425),
        recorded=ago(days=180),
        clinical="resolved",
    )
    cards = call(tmp_path, [dvt(), weight(70), hit])
    c = card(cards, LMWH)
    assert not [s for s in c.get("suggestions", []) if s.get("actions")]
    assert "non-heparin" in c["detail"]


def test_resolved_hit_older_than_12_months_still_blocks(tmp_path: Path) -> None:
    # Catalog v2.2: HIT "recorded at any time" (the v2.1 12-month window is gone).
    hit = condition(
        cc((ICD10, "D75.829", "Heparin-induced thrombocytopenia, unspecified")),
        onset=ago(days=425),
        recorded=ago(days=400),
        clinical="resolved",
    )
    cards = call(tmp_path, [dvt(), weight(70), hit])
    c = card(cards, LMWH)
    assert not [s for s in c.get("suggestions", []) if s.get("actions")]
    assert "non-heparin" in c["detail"]


# ---------------------------------------------------------------- swelling observation forms

LEFT_SITE = cc((SNOMED, "32153003", "Structure of left lower limb"))


def _edema_obs(value: dict, *, days: float = 3, text: str = "Edema of lower extremity") -> dict:
    return observation(
        cc((SNOMED, "102572006", "Edema of lower extremity"), text=text),
        effective=ago(days=days),
        value=value,
        body_site=LEFT_SITE,
        category="exam",
    )


def test_edema_obs_present_code_opens_gate(tmp_path: Path) -> None:
    obs = _edema_obs({"valueCodeableConcept": cc((SNOMED, "52101004", "Present"))})
    assert ids(call(tmp_path, [obs])) == {DUPLEX}


def test_edema_obs_string_value_opens_gate(tmp_path: Path) -> None:
    obs = _edema_obs({"valueString": "2+ pitting edema of the left leg"})
    assert ids(call(tmp_path, [obs])) == {DUPLEX}


def test_edema_obs_absent_code_after_swelling_closes_gate(tmp_path: Path) -> None:
    absent = _edema_obs({"valueCodeableConcept": cc((SNOMED, "2667000", "Absent"))}, days=1)
    assert call(tmp_path, [swelling("left", onset_days=5), absent]) == []


def test_edema_obs_negative_code_after_swelling_closes_gate(tmp_path: Path) -> None:
    neg = _edema_obs({"valueCodeableConcept": cc((SNOMED, "260385009", "Negative"))}, days=1)
    assert call(tmp_path, [swelling("left", onset_days=5), neg]) == []


def test_edema_obs_false_boolean_after_swelling_closes_gate(tmp_path: Path) -> None:
    neg = _edema_obs({"valueBoolean": False}, days=1)
    assert call(tmp_path, [swelling("left", onset_days=5), neg]) == []


def test_no_edema_text_exam_after_swelling_closes_gate(tmp_path: Path) -> None:
    exam = observation(
        cc(text="Lower extremity exam"),
        effective=ago(days=1),
        value={"valueString": "No edema. Calves soft, non-tender."},
        category="exam",
    )
    assert call(tmp_path, [swelling("left", onset_days=5), exam]) == []


def test_right_absent_exam_does_not_cancel_left_swelling(tmp_path: Path) -> None:
    neg = observation(
        cc((SNOMED, "102572006", "Edema of lower extremity")),
        effective=ago(days=1),
        value={"valueBoolean": False},
        body_site=cc((SNOMED, "62175007", "Structure of right lower limb")),
        category="exam",
    )
    assert ids(call(tmp_path, [swelling("left", onset_days=5), neg])) == {DUPLEX}


# ---------------------------------------------------------------- side stated as normal

DUPLEX_LOINC = {"left": "39432-0", "right": "39443-7", "unknown": "39420-5"}


def _duplex_code(cards: list) -> str:
    c = card(cards, DUPLEX)
    (sr,) = [a["resource"] for s in c["suggestions"] for a in s["actions"]]
    return next(cd["code"] for cd in sr["code"]["coding"] if cd["code"] in DUPLEX_LOINC.values())


def _text_swelling(text: str) -> dict:
    return condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text=text),
        onset=ago(days=3),
        recorded=ago(days=3),
    )


def test_leg_swelling_with_right_leg_normal_never_images_the_normal_leg(tmp_path: Path) -> None:
    """Unknown side is never treated as a side; "right leg normal" must not make the right leg
    the swollen one (it would order a duplex of the normal leg only)."""
    cards = call(tmp_path, [_text_swelling("Leg swelling; right leg normal")])
    assert _duplex_code(cards) == DUPLEX_LOINC["unknown"]


def test_left_swelling_right_leg_normal_is_left_not_unknown(tmp_path: Path) -> None:
    cards = call(tmp_path, [_text_swelling("Left leg swelling, right leg normal")])
    assert _duplex_code(cards) == DUPLEX_LOINC["left"]


def test_exam_observation_right_swollen_left_unremarkable(tmp_path: Path) -> None:
    obs = observation(
        cc(text="Lower extremity exam"),
        effective=ago(days=2),
        value={"valueString": "Right leg swollen and tender. Left leg unremarkable."},
        category="exam",
    )
    cards = call(tmp_path, [obs])
    assert _duplex_code(cards) == DUPLEX_LOINC["right"]


def test_swelling_both_sides_named_without_normal_stays_unknown(tmp_path: Path) -> None:
    cards = call(tmp_path, [_text_swelling("Left leg swelling compared with the right")])
    assert _duplex_code(cards) == DUPLEX_LOINC["unknown"]


# ---------------------------------------------------------------- newest systolic wins


def _phlegmasia() -> dict:
    return condition(
        cc(
            (SNOMED, "1230182004", "Acute ischemia of lower limb"),
            text="Phlegmasia cerulea dolens, left leg",
        ),
        onset=ago(hours=5),
        recorded=ago(hours=5),
    )


def test_recovered_blood_pressure_is_not_severe_hypotension(tmp_path: Path) -> None:
    """Input profile: "The newest result by effective date wins" — SBP 82 six hours ago, 118
    one hour ago: no thrombolysis card."""
    from support_dvt import systolic

    cards = call(
        tmp_path, [dvt(), weight(70), _phlegmasia(), systolic(82, hours=6), systolic(118, hours=1)]
    )
    assert "thrombolysis-consider" not in ids(cards)
    assert "thromboly" not in " ".join(c["summary"] + c.get("detail", "") for c in cards).lower()


def test_newest_systolic_below_90_is_severe_hypotension(tmp_path: Path) -> None:
    from support_dvt import systolic

    cards = call(
        tmp_path, [dvt(), weight(70), _phlegmasia(), systolic(118, hours=6), systolic(82, hours=1)]
    )
    assert "thrombolysis-consider" in ids(cards)


# ---------------------------------------------------------------- R22.4x lump is not edema


def _r22(text: str | None) -> dict:
    return condition(
        cc((ICD10, "R22.42", "Localized swelling, mass and lump, left lower limb"), text=text),
        onset=ago(days=3),
        recorded=ago(days=3),
    )


def test_r22_thigh_lump_is_not_leg_swelling(tmp_path: Path) -> None:
    """R22.4x also codes a focal lump; a thigh lipoma must not get a critical duplex card, nor
    pelvic venography after a negative duplex (the thigh would make it 'whole-leg')."""
    assert call(tmp_path, [_r22("Lump on left thigh, likely lipoma")]) == []
    assert call(tmp_path, [_r22("Left thigh mass"), duplex("left", days=1)]) == []


def test_r22_without_own_text_or_with_swelling_text_is_swelling(tmp_path: Path) -> None:
    assert ids(call(tmp_path, [_r22(None)])) == {DUPLEX}
    assert ids(call(tmp_path, [_r22("Swelling of left leg with a tender lump")])) == {DUPLEX}


@pytest.mark.parametrize(
    "text",
    ["No edema of the right leg. Left leg swollen.", "Left leg swollen. No edema on the right."],
)
def test_exam_negative_for_one_leg_positive_for_the_other(tmp_path: Path, text: str) -> None:
    """A mixed exam is a swollen left leg, not a negative exam of both legs (which would also
    cancel the left-leg swelling Condition charted before it)."""
    exam = observation(
        cc(text="Lower extremity exam"),
        effective=ago(days=1),
        value={"valueString": text},
        category="exam",
    )
    assert _duplex_code(call(tmp_path, [exam])) == DUPLEX_LOINC["left"]
    assert (
        _duplex_code(call(tmp_path, [swelling("left", onset_days=5), exam]))
        == (DUPLEX_LOINC["left"])
    )


def test_plain_negative_exam_still_cancels(tmp_path: Path) -> None:
    exam = observation(
        cc(text="Lower extremity exam"),
        effective=ago(days=1),
        value={"valueString": "No edema. Both legs soft."},
        category="exam",
    )
    assert call(tmp_path, [swelling("left", onset_days=5), exam]) == []
