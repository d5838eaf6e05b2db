"""Acceptance: relevance gate, DVT status per leg, duplex and pelvic-imaging rules, end to end."""

from __future__ import annotations

from pathlib import Path

from support_dvt import (
    ICD10,
    LOCAL,
    LOINC,
    SNOMED,
    ago,
    call,
    card,
    cc,
    codes_of,
    condition,
    day,
    duplex,
    ids,
    observation,
    patient,
    report,
    resources_of,
    swelling,
)

DUPLEX = "dvt-duplex-ultrasound"
PELVIC = "pelvic-venous-imaging"


def mass(side: str = "left") -> dict:
    icd = {"left": "R19.04", "right": "R19.03"}[side]
    return condition(
        cc(
            (ICD10, icd, f"{side} lower quadrant abdominal swelling, mass and lump"),
            text=f"{side} pelvic mass",
        ),
        onset=ago(days=40),
        recorded=ago(days=40),
    )


# ---- relevance gate -------------------------------------------------------------------------


def test_new_left_swelling_alone_gets_critical_left_duplex(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("left", onset_days=5)])
    assert ids(cards) == {DUPLEX}
    c = card(cards, DUPLEX)
    assert c["indicator"] == "critical"
    (sr,) = resources_of(c)
    assert sr["resourceType"] == "ServiceRequest" and sr["status"] == "draft"
    assert "39432-0" in codes_of(sr)
    assert sr["subject"]["reference"] == "Patient/pat-dvt-1"


def test_new_right_swelling_suggests_right_loinc(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("right", onset_days=2)])
    (sr,) = resources_of(card(cards, DUPLEX))
    assert "39443-7" in codes_of(sr)


def test_swelling_30_days_old_is_new(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("left", onset=day(30), recorded=day(30))])
    assert ids(cards) == {DUPLEX}
    assert card(cards, DUPLEX)["indicator"] == "critical"


def test_swelling_31_days_old_without_context_is_silent(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("left", onset=day(31), recorded=day(31))]) == []


def test_chronic_swelling_new_record_but_old_onset_is_silent(tmp_path: Path) -> None:
    # Charted today, but onset 6 months ago: not new.
    assert call(tmp_path, [swelling("left", onset=day(180), recorded=ago(days=0))]) == []


def test_new_bilateral_swelling_without_context_is_silent(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("bilateral", onset_days=3)]) == []


def test_left_and_right_records_mean_bilateral_silent(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("left", onset_days=3), swelling("right", onset_days=3)]) == []


def test_unknown_side_new_swelling_gets_bilateral_duplex_never_left(tmp_path: Path) -> None:
    sw = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Leg swelling"),
        onset=ago(days=4),
    )
    cards = call(tmp_path, [sw])
    (sr,) = resources_of(card(cards, DUPLEX))
    assert "39420-5" in codes_of(sr)
    assert "39432-0" not in codes_of(sr)


def test_deceased_patient_gets_nothing(tmp_path: Path) -> None:
    pat = patient(deceased=ago(days=0, hours=1))
    assert call(tmp_path, [swelling("left", onset_days=2)], pat=pat) == []


def test_deceased_boolean_gets_nothing_even_with_acute_dvt(tmp_path: Path) -> None:
    from support_dvt import dvt

    assert call(tmp_path, [dvt()], pat=patient(deceased=True)) == []


def test_chronic_swelling_with_iliac_mass_is_in_scope_warning(tmp_path: Path) -> None:
    cards = call(tmp_path, [mass("left"), swelling("left", onset_days=200)])
    assert DUPLEX in ids(cards)
    assert card(cards, DUPLEX)["indicator"] == "warning"


def test_bilateral_chronic_swelling_with_compression_is_in_scope(tmp_path: Path) -> None:
    compression = condition(
        cc((ICD10, "I87.1", "Compression of vein"), text="May-Thurner syndrome"),
        onset=ago(days=100),
    )
    cards = call(
        tmp_path,
        [compression, swelling("bilateral", onset_days=300)],
    )
    assert DUPLEX in ids(cards)
    (sr,) = resources_of(card(cards, DUPLEX))
    assert "39420-5" in codes_of(sr)


def test_refuted_swelling_is_silent(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("left", verification="refuted")]) == []


def test_entered_in_error_swelling_is_silent(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("left", verification="entered-in-error")]) == []


def test_resolved_swelling_is_silent(tmp_path: Path) -> None:
    assert call(tmp_path, [swelling("left", clinical="resolved")]) == []


def test_swelling_observation_with_oid_icd_without_dot(tmp_path: Path) -> None:
    obs = observation(
        cc(("urn:oid:2.16.840.1.113883.6.90", "R2242", "Localized swelling, left lower limb")),
        effective=day(3),
        value={"valueBoolean": True},
    )
    cards = call(tmp_path, [obs])
    assert ids(cards) == {DUPLEX}
    assert "39432-0" in codes_of(resources_of(card(cards, DUPLEX))[0])


def test_swelling_followed_by_negative_exam_is_silent(tmp_path: Path) -> None:
    exam = observation(
        cc((SNOMED, "267039000", "Swelling of lower limb"), text="No leg swelling"),
        effective=ago(days=1),
        value={"valueCodeableConcept": cc((SNOMED, "260385009", "Negative"))},
        body_site=cc((SNOMED, "32153003", "Left lower limb")),
    )
    assert call(tmp_path, [swelling("left", onset_days=5), exam]) == []


# ---- DVT status per leg / duplex ------------------------------------------------------------


def test_negative_complete_duplex_after_onset_excludes(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("left", onset_days=5), duplex("left", days=1)])
    assert ids(cards) == set()


def test_same_day_duplex_counts_on_or_after_onset(tmp_path: Path) -> None:
    sw = swelling("left", onset=day(3), recorded=day(3))
    dup = duplex("left", days=3)
    dup["effectiveDateTime"] = day(3) + "T23:30:00+01:00"
    assert DUPLEX not in ids(call(tmp_path, [sw, dup]))


def test_duplex_before_onset_does_not_count(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("left", onset_days=5), duplex("left", days=8)])
    assert DUPLEX in ids(cards)


def test_duplex_of_other_leg_does_not_count(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("left", onset_days=5), duplex("right", days=1)])
    assert DUPLEX in ids(cards)
    assert "39432-0" in codes_of(resources_of(card(cards, DUPLEX))[0])


def test_bilateral_duplex_covers_left_leg(tmp_path: Path) -> None:
    cards = call(tmp_path, [swelling("left", onset_days=5), duplex("bilateral", days=1)])
    assert DUPLEX not in ids(cards)


def test_femoropopliteal_duplex_does_not_exclude(tmp_path: Path) -> None:
    dup = duplex("left", days=1, loinc="69399-4")
    cards = call(tmp_path, [swelling("left", onset_days=5), dup])
    assert DUPLEX in ids(cards)


def test_limited_duplex_does_not_exclude(tmp_path: Path) -> None:
    dup = duplex("left", days=1, loinc="80860-0")
    assert DUPLEX in ids(call(tmp_path, [swelling("left", onset_days=5), dup]))


def test_calf_veins_not_visualised_is_incomplete(tmp_path: Path) -> None:
    dup = duplex(
        "left",
        days=1,
        conclusion="No DVT in the femoral or popliteal veins. Calf veins not visualised.",
    )
    assert DUPLEX in ids(call(tmp_path, [swelling("left", onset_days=5), dup]))


def test_text_only_negative_duplex_excludes(tmp_path: Path) -> None:
    dup = duplex("left", days=1, negative_code=False, conclusion="Negative for thrombus.")
    assert call(tmp_path, [swelling("left", onset_days=5), dup]) == []


def test_cancelled_duplex_does_not_count(tmp_path: Path) -> None:
    dup = duplex("left", days=1, status="cancelled")
    assert DUPLEX in ids(call(tmp_path, [swelling("left", onset_days=5), dup]))


def test_positive_duplex_text_confirms_dvt_no_duplex_card(tmp_path: Path) -> None:
    dup = duplex(
        "left",
        days=1,
        negative_code=False,
        conclusion="Occlusive thrombus in the left common femoral vein.",
    )
    got = ids(call(tmp_path, [swelling("left", onset_days=5), dup]))
    assert DUPLEX not in got
    assert "dvt-anticoagulation-lmwh" in got


# ---- pelvic imaging -------------------------------------------------------------------------


def whole_leg_swelling(days: int = 6) -> dict:
    return condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Swelling of entire left leg"),
        onset=ago(days=days),
        body_site=[cc((SNOMED, "32153003", "Left lower limb"))],
    )


def test_negative_duplex_with_persisting_whole_leg_swelling_asks_pelvic_imaging(
    tmp_path: Path,
) -> None:
    cards = call(tmp_path, [whole_leg_swelling(), duplex("left", days=1)])
    assert ids(cards) == {PELVIC}
    c = card(cards, PELVIC)
    assert c["indicator"] == "warning"
    assert c["selectionBehavior"] == "at-most-one"
    all_codes = set().union(*(codes_of(r) for r in resources_of(c)))
    assert {"431676002", "36789-6"} <= all_codes


def test_pregnant_gets_mr_only(tmp_path: Path) -> None:
    preg = observation(
        cc((LOINC, "82810-3", "Pregnancy status")),
        effective=ago(days=10),
        value={"valueCodeableConcept": cc((SNOMED, "77386006", "Pregnant"))},
    )
    cards = call(tmp_path, [whole_leg_swelling(), duplex("left", days=1), preg])
    (mr,) = resources_of(card(cards, PELVIC))
    assert codes_of(mr) == {"36789-6"}
    assert "contrast" in card(cards, PELVIC)["detail"].lower()


def test_postpartum_is_not_pregnant_for_imaging(tmp_path: Path) -> None:
    pp = condition(
        cc((ICD10, "O87.1", "Deep phlebothrombosis in the puerperium")),
        onset=ago(days=200),
        clinical="resolved",
    )
    pp2 = condition(
        cc((ICD10, "O90.89", "Other complications of the puerperium")), onset=ago(days=20)
    )
    cards = call(tmp_path, [whole_leg_swelling(), duplex("left", days=1), pp, pp2])
    assert len(resources_of(card(cards, PELVIC))) == 2


def test_pelvic_imaging_silenced_by_negative_ct_venography_after(tmp_path: Path) -> None:
    ctv = report(
        cc((SNOMED, "431676002", "CT venography")),
        effective=ago(days=0, hours=5),
        conclusion="No iliac vein thrombosis.",
        conclusion_codes=[(SNOMED, "260385009", "Negative")],
    )
    assert call(tmp_path, [whole_leg_swelling(), duplex("left", days=1), ctv]) == []


def test_ct_venography_before_the_duplex_does_not_silence(tmp_path: Path) -> None:
    ctv = report(
        cc((SNOMED, "431676002", "CT venography")),
        effective=ago(days=3),
        conclusion="No iliac vein thrombosis.",
    )
    cards = call(tmp_path, [whole_leg_swelling(), duplex("left", days=1), ctv])
    assert PELVIC in ids(cards)


def test_calf_only_swelling_does_not_trigger_pelvic_imaging(tmp_path: Path) -> None:
    calf = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Left calf swelling"),
        onset=ago(days=6),
    )
    assert call(tmp_path, [calf, duplex("left", days=1)]) == []


def test_plain_code_with_mass_same_side_is_whole_leg(tmp_path: Path) -> None:
    cards = call(tmp_path, [mass("left"), swelling("left", onset_days=6), duplex("left", days=1)])
    assert PELVIC in ids(cards)


def test_plain_code_with_mass_other_side_is_not_whole_leg(tmp_path: Path) -> None:
    cards = call(tmp_path, [mass("right"), swelling("left", onset_days=6), duplex("left", days=1)])
    assert PELVIC not in ids(cards)


def test_limited_record_never_cancels_whole_leg(tmp_path: Path) -> None:
    ankle = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Left ankle swelling"),
        onset=ago(days=2),
    )
    cards = call(tmp_path, [whole_leg_swelling(), ankle, duplex("left", days=1)])
    assert PELVIC in ids(cards)


def test_cfv_non_phasic_triggers_pelvic_imaging_even_with_calf_swelling(tmp_path: Path) -> None:
    calf = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Left calf swelling"),
        onset=ago(days=6),
    )
    dup = duplex(
        "left",
        days=1,
        conclusion="No DVT. Left common femoral vein waveform is continuous, with loss of "
        "respiratory phasicity.",
    )
    assert ids(call(tmp_path, [calf, dup])) == {PELVIC}


def test_cfv_local_observation_non_phasic(tmp_path: Path) -> None:
    calf = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Left calf swelling"),
        onset=ago(days=6),
    )
    wave = observation(
        cc((LOCAL, "cfv-doppler-waveform", "CFV Doppler waveform")),
        effective=ago(days=1),
        value={"valueCodeableConcept": cc((LOCAL, "non-phasic", "Non-phasic"))},
        body_site=cc((SNOMED, "32153003", "Left lower limb")),
    )
    assert ids(call(tmp_path, [calf, duplex("left", days=1), wave])) == {PELVIC}


def test_cfv_phasic_negated_text_does_not_trigger(tmp_path: Path) -> None:
    calf = condition(
        cc((SNOMED, "449614009", "Swelling of lower limb"), text="Left calf swelling"),
        onset=ago(days=6),
    )
    dup = duplex(
        "left",
        days=1,
        conclusion="No DVT. Normal phasic flow in the CFV; no continuous flow.",
    )
    assert call(tmp_path, [calf, dup]) == []


def test_negative_duplex_31_days_ago_does_not_trigger_pelvic(tmp_path: Path) -> None:
    sw = whole_leg_swelling(days=40)
    ctx = mass("left")
    cards = call(tmp_path, [ctx, sw, duplex("left", days=31)])
    assert PELVIC not in ids(cards)
    assert DUPLEX not in ids(cards)  # complete duplex on/after onset exists (no time limit)
