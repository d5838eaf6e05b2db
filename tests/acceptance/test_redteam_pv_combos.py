"""Red-team (patient-view): combinations of findings through the real endpoint — several
findings at once, conflicting or duplicated records, suppression between cards."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.acceptance.support_nivl import (
    ICD10,
    LOCAL,
    LOINC,
    PV,
    SNOMED,
    at,
    card,
    coding,
    concept,
    ids,
    nivl_workup,
    patient,
    post,
    site,
    text_of,
)

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"




def _text(cards: list) -> str:
    return "\n".join(text_of(c) for c in cards).lower()


# ---------------------------------------------------------------- stent in place + DVT


def test_stent_with_acute_dvt_on_anticoagulant_no_antithrombotic_review(
    client: FlaskClient,
) -> None:
    """Catalog: post-stent-antithrombotic-review needs "no prior VTE"; an acute DVT is VTE."""
    b = patient("stdvt")
    b.iliac_stent("left", 200)
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 3)
    b.medication_request("1364430", "apixaban", days_ago=2, dose_mg=10, per_day=2)
    cards = post(client, b, PV)
    assert "post-stent-antithrombotic-review" not in ids(cards)
    assert "dvt-anticoagulation-lmwh" not in ids(cards)


def test_stent_with_aspirin_and_resolved_old_dvt_is_silent_on_review(client: FlaskClient) -> None:
    b = patient("stold")
    b.iliac_stent("left", 200)
    b.dvt("I82.412", "Acute DVT left femoral vein", 700, status="resolved")
    b.medication_request("1191", "aspirin", days_ago=20, dose_mg=81, per_day=1)
    assert "post-stent-antithrombotic-review" not in ids(post(client, b, PV))


def test_stent_with_aspirin_no_vte_review_fires(client: FlaskClient) -> None:
    b = patient("stasp")
    b.iliac_stent("left", 200)
    b.duplex("left", 100)
    b.medication_request("1191", "aspirin", days_ago=20, dose_mg=81, per_day=1)
    cards = post(client, b, PV)
    assert "post-stent-antithrombotic-review" in ids(cards)
    text = text_of(card(cards, "post-stent-antithrombotic-review")).lower()
    assert "never an automatic stop" in text or "not an automatic stop" in text


@pytest.mark.parametrize(("days", "fires"), [(29, False), (30, True), (31, True)])
def test_post_stent_surveillance_30_day_edge(client: FlaskClient, days: int, fires: bool) -> None:
    b = patient(f"surv{days}")
    b.iliac_stent("left", days)
    assert ("post-stent-surveillance" in ids(post(client, b, PV))) is fires


def test_post_stent_surveillance_imaging_before_placement_does_not_count(
    client: FlaskClient,
) -> None:
    b = patient("survb")
    b.duplex("left", 120)
    b.iliac_stent("left", 100)
    assert "post-stent-surveillance" in ids(post(client, b, PV))


def test_post_stent_surveillance_iliac_duplex_after_placement_counts(client: FlaskClient) -> None:
    b = patient("survi")
    b.iliac_stent("left", 300)
    b.report(
        concept(coding(LOINC, "39497-3", "Iliac vein duplex")),
        days_ago=200,
        conclusion="Patent left iliac vein stent.",
    )
    assert "post-stent-surveillance" not in ids(post(client, b, PV))


def test_post_stent_surveillance_imaging_older_than_12_months(client: FlaskClient) -> None:
    b = patient("survo")
    b.iliac_stent("left", 800)
    b.duplex("left", 400)
    assert "post-stent-surveillance" in ids(post(client, b, PV))


def test_stent_in_place_no_nivl_workup_cards(client: FlaskClient) -> None:
    b = patient("stwork")
    nivl_workup(b)
    b.iliac_stent("left", 60)
    got = ids(post(client, b, PV))
    for rec in (
        "ivus-before-intervention",
        "nivl-stent-candidate",
        "nivl-stent-criteria-incomplete",
        "nivl-stent-not-indicated",
        "compression-without-symptoms",
    ):
        assert rec not in got


def test_stent_in_place_with_ivus_result_no_stent_cards(client: FlaskClient) -> None:
    b = patient("stivus")
    nivl_workup(b)
    b.ivus(75, "left", 70)
    b.lesion("fixed", "left", 70)
    b.iliac_stent("left", 60)
    got = ids(post(client, b, PV))
    assert not {r for r in got if r.startswith("nivl-stent")}


# ---------------------------------------------------------------- DVT + NIVL together


def test_acute_dvt_with_compression_and_ivus_gets_incomplete_not_candidate(
    client: FlaskClient,
) -> None:
    b = patient("dvtivus")
    nivl_workup(b)
    b.ivus(80, "left", 5)
    b.lesion("fixed", "left", 5)
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    b.weight(70)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "nivl-stent-criteria-incomplete" in got
    assert "dvt-anticoagulation-lmwh" in got
    assert "ivus-before-intervention" not in got


def test_candidate_exactly_61_is_not_indicated(client: FlaskClient) -> None:
    b = patient("s61")
    nivl_workup(b)
    b.ivus(61, "left", 5)
    b.lesion("fixed", "left", 5)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "nivl-stent-not-indicated" in got


def test_candidate_sizing_13mm(client: FlaskClient) -> None:
    b = patient("s62")
    nivl_workup(b)
    b.ivus(62, "left", 5)
    b.lesion("fixed", "left", 5)
    b.reference_diameter(1.3, "cm", "left", 5)
    cards = post(client, b, PV)
    assert "nivl-stent-candidate" in ids(cards)
    text = text_of(card(cards, "nivl-stent-candidate"))
    assert "14" in text and "17" in text and "60" in text


def test_newest_ivus_wins_over_older_high_value(client: FlaskClient) -> None:
    b = patient("ivnew")
    nivl_workup(b)
    b.ivus(80, "left", 8)
    b.ivus(50, "left", 3)
    b.lesion("fixed", "left", 3)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "nivl-stent-not-indicated" in got


def test_dynamic_newer_than_fixed_is_not_indicated(client: FlaskClient) -> None:
    b = patient("dyn")
    nivl_workup(b)
    b.ivus(80, "left", 5)
    b.lesion("fixed", "left", 8)
    b.lesion("dynamic", "left", 3)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "nivl-stent-not-indicated" in got


def test_candidate_with_unknown_behavior_is_incomplete(client: FlaskClient) -> None:
    b = patient("unk")
    nivl_workup(b)
    b.ivus(80, "left", 5)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "nivl-stent-criteria-incomplete" in got


def test_bilateral_with_ivus_high_is_not_indicated_not_candidate(client: FlaskClient) -> None:
    b = patient("bil")
    b.swelling("left", 20, extent="whole")
    b.swelling("right", 20, extent="whole")
    b.duplex("bilateral", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.qol_impact(10)
    b.ivus(80, "left", 5)
    b.lesion("fixed", "left", 5)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "ivus-before-intervention" not in got
    assert "bilateral-edema-systemic-cause" in got
    assert "nivl-stent-not-indicated" in got


def test_alternative_cause_present_ivus_high_not_indicated(client: FlaskClient) -> None:
    b = patient("alt")
    nivl_workup(b)
    b.lab("1751-7", "Albumin", 2.9, "g/dL", 2)
    b.ivus(80, "left", 5)
    b.lesion("fixed", "left", 5)
    got = ids(post(client, b, PV))
    assert "nivl-stent-candidate" not in got
    assert "nivl-stent-not-indicated" in got
    assert "nivl-stent-criteria-incomplete" not in got


def test_swelling_other_side_than_lesion_no_candidate(client: FlaskClient) -> None:
    b = patient("side")
    nivl_workup(b, side="right")
    b.ivus(80, "left", 5)
    b.lesion("fixed", "left", 5)
    assert "nivl-stent-candidate" not in ids(post(client, b, PV))


# ---------------------------------------------------------------- treatment combos


def test_distal_dvt_with_major_bleed_no_filter_no_lmwh(client: FlaskClient) -> None:
    b = patient("dist")
    b.swelling("left", 3)
    b.dvt("I82.442", "Acute DVT of left tibial vein", 2)
    b.condition(concept(coding(ICD10, "K92.2", "GI hemorrhage")), onset=at(3))
    got = ids(post(client, b, PV))
    assert "anticoagulation-contraindicated-ivc-filter" not in got
    assert "dvt-anticoagulation-lmwh" not in got
    assert "thrombolysis-consider" not in got


def test_proximal_dvt_bleed_and_lysis_criteria_filter_not_lysis(client: FlaskClient) -> None:
    b = patient("prox")
    b.dvt("I82.412", "Acute DVT of left femoral vein", 1)
    b.condition(concept(coding(ICD10, "I61.9", "Intracerebral hemorrhage")), onset=at(2))
    b.condition(
        concept(
            coding(SNOMED, "1230182004", "Acute ischemia of lower limb"),
            text="Phlegmasia cerulea dolens left leg",
        ),
        onset=at(0, "00:00:00Z"),
        body_site=site("32153003", "Left lower limb"),
    )
    b.systolic(80)
    cards = post(client, b, PV)
    got = ids(cards)
    assert "anticoagulation-contraindicated-ivc-filter" in got
    assert "thrombolysis-consider" not in got
    assert "dvt-anticoagulation-lmwh" not in got
    assert "thromboly" not in _text(cards) or "8%" in _text(cards)


def test_lysis_fires_and_states_8_percent(client: FlaskClient) -> None:
    b = patient("lys")
    b.dvt("I82.412", "Acute DVT of left femoral vein", 1)
    b.condition(
        concept(
            coding(SNOMED, "1230182004", "Acute ischemia of lower limb"),
            text="Phlegmasia cerulea dolens left leg",
        ),
        onset=at(0, "00:00:00Z"),
        body_site=site("32153003", "Left lower limb"),
    )
    b.systolic(85)
    b.weight(80)
    cards = post(client, b, PV)
    assert "thrombolysis-consider" in ids(cards)
    assert "8%" in text_of(card(cards, "thrombolysis-consider"))
    for c in cards:
        if "thromboly" in text_of(c).lower():
            assert "8%" in text_of(c), c["source"]["topic"]["code"]


def test_lysis_phlegmasia_other_side_is_silent(client: FlaskClient) -> None:
    b = patient("lysr")
    b.dvt("I82.412", "Acute DVT of left femoral vein", 1)
    b.condition(
        concept(
            coding(SNOMED, "1230182004", "Acute ischemia of lower limb"),
            text="Acute ischemia right leg",
        ),
        onset=at(0, "00:00:00Z"),
        body_site=site("62175007", "Right lower limb"),
    )
    b.systolic(85)
    cards = post(client, b, PV)
    assert "thrombolysis-consider" not in ids(cards)
    assert "thromboly" not in _text(cards)


def test_prophylactic_enoxaparin_and_apixaban_stopped_lmwh_fires(client: FlaskClient) -> None:
    b = patient("proph")
    b.dvt("I82.412", "Acute DVT of left femoral vein", 1)
    b.weight(70)
    b.medication_request(
        "67108", "enoxaparin", days_ago=1, dose_mg=40, per_day=1, route="subcutaneous"
    )
    b.medication_request("1364430", "apixaban", days_ago=30, dose_mg=5, per_day=2, status="stopped")
    cards = post(client, b, PV)
    assert "dvt-anticoagulation-lmwh" in ids(cards)


def test_pregnant_pelvic_imaging_mr_only(client: FlaskClient) -> None:
    b = patient("preg")
    b.swelling("left", 10, extent="whole")
    b.duplex("left", 5)
    b.condition(concept(coding(ICD10, "Z33.1", "Pregnant state, incidental")), onset=at(100))
    cards = post(client, b, PV)
    c = card(cards, "pelvic-venous-imaging")
    res = [a["resource"] for s in c["suggestions"] for a in s["actions"]]
    assert len(res) == 1
    assert "CT venography" not in text_of(c)


def test_postpartum_is_not_pregnant(client: FlaskClient) -> None:
    b = patient("pp")
    b.swelling("left", 10, extent="whole")
    b.duplex("left", 5)
    b.condition(
        concept(coding(ICD10, "O87.9", "Venous complication in the puerperium")), onset=at(20)
    )
    cards = post(client, b, PV)
    c = card(cards, "pelvic-venous-imaging")
    res = [a["resource"] for s in c["suggestions"] for a in s["actions"]]
    assert len(res) == 2


def test_no_card_suggests_stent_or_filter_without_conditions(client: FlaskClient) -> None:
    b = patient("words")
    nivl_workup(b)
    b.dvt("I82.442", "Acute DVT of left tibial vein", 2)
    b.weight(70)
    cards = post(client, b, PV)
    for c in cards:
        t = text_of(c).lower()
        assert "filter" not in t, c["source"]["topic"]["code"]
        assert "thromboly" not in t, c["source"]["topic"]["code"]


_ = (LOCAL, RXNORM)


def test_arm_dvt_is_prior_vte_for_post_stent_review(client: FlaskClient) -> None:
    """An upper-limb DVT is not the pathway's acute DVT, but it is a prior VTE (catalog: "any
    DVT or PE"), an indication for the antithrombotic: no review card."""
    b = patient("armvte")
    b.iliac_stent("left", 200)
    b.duplex("left", 100)
    b.condition(
        concept(coding(SNOMED, "128053003", "Deep venous thrombosis"), text="DVT right arm"),
        onset=at(400),
        body_site=site("368209003", "Right upper arm structure"),
        status="resolved",
    )
    b.medication_request("1364430", "apixaban", days_ago=20, dose_mg=2.5, per_day=2)
    assert "post-stent-antithrombotic-review" not in ids(post(client, b, PV))


@pytest.mark.parametrize(("newest", "present"), [(200, False), (500, True)])
def test_newest_nt_probnp_wins(client: FlaskClient, newest: float, present: bool) -> None:
    b = patient(f"bnp{newest}")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.qol_impact(10)
    b.lab("33762-6", "NT-proBNP", 900 if not present else 100, "pg/mL", 40)
    b.lab("33762-6", "NT-proBNP", newest, "pg/mL", 3)
    got = ids(post(client, b, PV))
    assert ("edema-alternative-causes" in got) is present
    assert ("ivus-before-intervention" in got) is not present


def test_albumin_in_g_per_l(client: FlaskClient) -> None:
    b = patient("albgl")
    nivl_workup(b)
    b.lab("1751-7", "Albumin", 30, "g/L", 2)
    cards = post(client, b, PV)
    c = card(cards, "edema-alternative-causes")
    assert c["indicator"] == "warning"


# ---------------------------------------------------------------- gate and pelvic imaging


def test_old_resolved_dvt_with_chronic_swelling_is_out_of_scope(client: FlaskClient) -> None:
    b = patient("oldvte")
    b.swelling("left", 90)
    b.dvt("I82.412", "Acute DVT of left femoral vein", 400, status="resolved")
    assert post(client, b, PV) == []


def test_plain_code_swelling_with_compression_other_side_is_not_whole_leg(
    client: FlaskClient,
) -> None:
    b = patient("plainr")
    b.swelling("left", 10)  # plain lower-limb code: extent unknown
    b.duplex("left", 5)
    b.ct_venography(60, compression_side="right")
    assert "pelvic-venous-imaging" not in ids(post(client, b, PV))


def test_plain_code_swelling_with_compression_same_side_is_whole_leg(client: FlaskClient) -> None:
    b = patient("plainl")
    b.swelling("left", 10)
    b.duplex("left", 5)
    b.ct_venography(60, compression_side="left")
    assert "pelvic-venous-imaging" in ids(post(client, b, PV))


def test_venography_before_the_negative_duplex_does_not_count(client: FlaskClient) -> None:
    b = patient("venob")
    b.swelling("left", 20, extent="whole")
    b.ct_venography(10)
    b.duplex("left", 5)
    assert "pelvic-venous-imaging" in ids(post(client, b, PV))


def test_calf_record_does_not_cancel_whole_leg_record(client: FlaskClient) -> None:
    b = patient("calfw")
    b.swelling("left", 20, extent="whole")
    b.swelling("left", 3, extent="calf")
    b.duplex("left", 2)
    assert "pelvic-venous-imaging" in ids(post(client, b, PV))


def test_bilateral_new_swelling_with_mass_gets_bilateral_duplex(client: FlaskClient) -> None:
    b = patient("bilmass")
    b.swelling("bilateral", 5)
    b.condition(concept(coding(SNOMED, "274754009", "Pelvic mass")), onset=at(40))
    cards = post(client, b, PV)
    c = card(cards, "dvt-duplex-ultrasound")
    codes = {
        cd["code"]
        for s in c["suggestions"]
        for a in s["actions"]
        for cd in a["resource"]["code"]["coding"]
    }
    assert "39420-5" in codes
    assert c["indicator"] == "critical"
    assert "bilateral-edema-systemic-cause" in ids(cards)
    assert "mass-characterization" in ids(cards)


def test_chronic_swelling_with_mass_duplex_is_warning(client: FlaskClient) -> None:
    b = patient("chrmass")
    b.swelling("left", 90)
    b.condition(concept(coding(SNOMED, "274754009", "Pelvic mass")), onset=at(40))
    cards = post(client, b, PV)
    assert card(cards, "dvt-duplex-ultrasound")["indicator"] == "warning"


def test_mass_with_acute_dvt_both_cards(client: FlaskClient) -> None:
    b = patient("massdvt")
    b.condition(concept(coding(ICD10, "R19.04", "LLQ mass")), onset=at(10))
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    b.weight(70)
    got = ids(post(client, b, PV))
    assert "mass-characterization" in got and "dvt-anticoagulation-lmwh" in got


def test_malignant_mass_other_side_no_compression_is_not_extrinsic(client: FlaskClient) -> None:
    b = patient("malr")
    nivl_workup(b, side="left")
    b.condition(
        concept(
            coding(SNOMED, "363346000", "Malignant neoplastic disease"),
            text="Right pelvic sidewall malignancy",
        ),
        onset=at(30),
        body_site=site("12921003", "Pelvic structure", "right"),
    )
    got = ids(post(client, b, PV))
    assert "extrinsic-compression-treat-cause" not in got


# ---------------------------------------------------------------- stent-in-place forms

CPT = "http://www.ama-assn.org/go/cpt"


def _stent_proc(b, *, status: str = "completed", text: str, site_=None, code=None) -> None:
    res = {
        "resourceType": "Procedure",
        "status": status,
        "code": concept(
            code
            or coding(
                CPT,
                "37238",
                "Transcatheter placement of intravascular "
                "stent(s), open or percutaneous, initial vein",
            ),
            text=text,
        ),
        "performedDateTime": at(200),
    }
    if site_:
        res["bodySite"] = [site_]
    b.add(res)


@pytest.mark.parametrize(
    ("status", "text", "in_place"),
    [
        ("completed", "Venovo 14 x 100 mm, left common iliac vein", True),
        ("not-done", "Venovo 14 x 100 mm, left common iliac vein", False),
        ("entered-in-error", "Venovo 14 x 100 mm, left common iliac vein", False),
        ("completed", "Stent, left common iliac artery", False),
        ("completed", "Stent, right subclavian vein", False),
        ("completed", "Venous stent placement", False),
    ],
)
def test_stent_procedure_forms(client: FlaskClient, status: str, text: str, in_place: bool) -> None:
    b = patient(f"stf{status}{len(text)}")
    _stent_proc(b, status=status, text=text)
    b.medication_request("1191", "aspirin", days_ago=20, dose_mg=81, per_day=1)
    got = ids(post(client, b, PV))
    assert ("post-stent-surveillance" in got) is in_place
    assert ("post-stent-antithrombotic-review" in got) is in_place


def test_stent_device_form(client: FlaskClient) -> None:
    b = patient("stdev")
    b.add(
        {
            "resourceType": "Device",
            "status": "active",
            "type": concept(
                coding(SNOMED, "705643001", "Venous stent"),
                text="Venovo venous stent 14 x 100 mm, left common iliac vein",
            ),
            "patient": {"reference": b.ref},
        }
    )
    b.medication_request("1191", "aspirin", days_ago=20, dose_mg=81, per_day=1)
    got = ids(post(client, b, PV))
    assert "post-stent-antithrombotic-review" in got


def test_stent_history_code_with_iliac_note(client: FlaskClient) -> None:
    b = patient("stz95")
    b.condition(
        concept(coding(ICD10, "Z95.828", "Presence of other vascular implants and grafts")),
        onset=at(300),
        note="Left common iliac vein stent (May-Thurner), 2025.",
    )
    b.medication_request("1191", "aspirin", days_ago=20, dose_mg=81, per_day=1)
    assert "post-stent-antithrombotic-review" in ids(post(client, b, PV))


def test_stent_history_code_without_site_is_not_a_stent(client: FlaskClient) -> None:
    b = patient("stz95n")
    b.condition(
        concept(coding(ICD10, "Z95.828", "Presence of other vascular implants and grafts")),
        onset=at(300),
    )
    b.medication_request("1191", "aspirin", days_ago=20, dose_mg=81, per_day=1)
    assert post(client, b, PV) == []


def test_contrast_ct_that_found_the_mass_charted_next_day(client: FlaskClient) -> None:
    """Catalog: "the contrast CT that found the mass does" characterize it — here the mass is
    charted (R19.04, recordedDate only) the day after the contrast CT whose conclusion reports
    it."""
    b = patient("foundnext")
    b.report(
        concept(coding(LOINC, "24866-6", "CT Pelvis W contrast IV")),
        days_ago=10,
        conclusion="4 cm left pelvic sidewall mass abutting the left common iliac vein.",
    )
    b.condition(
        concept(
            coding(ICD10, "R19.04", "Left lower quadrant abdominal swelling, mass and lump"),
            text="Left pelvic mass",
        ),
        recorded=at(9),
    )
    assert "mass-characterization" not in ids(post(client, b, PV))


@pytest.mark.parametrize(
    "conclusion",
    [
        "No pelvic mass. Normal pelvic organs.",
        "4 cm right pelvic sidewall mass.",  # the other side: not the CT that found this mass
        "Hepatic mass in segment 7.",  # not a pelvic/iliac mass
    ],
)
def test_earlier_contrast_ct_not_reporting_this_mass_does_not_count(
    client: FlaskClient, conclusion: str
) -> None:
    b = patient(f"nf{len(conclusion)}")
    b.report(
        concept(coding(LOINC, "24866-6", "CT Pelvis W contrast IV")),
        days_ago=10,
        conclusion=conclusion,
    )
    b.condition(
        concept(
            coding(ICD10, "R19.04", "Left lower quadrant abdominal swelling, mass and lump"),
            text="Left pelvic mass",
        ),
        recorded=at(9),
    )
    assert "mass-characterization" in ids(post(client, b, PV))


@pytest.mark.parametrize("order", [("fixed", "dynamic"), ("dynamic", "fixed")])
def test_conflicting_behavior_same_day_is_never_a_candidate(
    client: FlaskClient, order: tuple[str, str]
) -> None:
    """Fixed and dynamic charted the same day: the lesion is not known to be fixed ("No
    statement = unknown, never fixed"); whichever record comes first, no candidate card."""
    b = patient(f"conf{order[0]}")
    nivl_workup(b)
    b.ivus(80, "left", 5)
    for behavior in order:
        b.lesion(behavior, "left", 5)
    assert "nivl-stent-candidate" not in ids(post(client, b, PV))


@pytest.mark.parametrize("order", [(80, 50), (50, 80)])
def test_conflicting_ivus_same_day_is_never_a_candidate(
    client: FlaskClient, order: tuple[int, int]
) -> None:
    b = patient(f"ivc{order[0]}")
    nivl_workup(b)
    for value in order:
        b.ivus(value, "left", 5)
    b.lesion("fixed", "left", 5)
    assert "nivl-stent-candidate" not in ids(post(client, b, PV))


def test_conflicting_qol_same_day_is_never_a_candidate(client: FlaskClient) -> None:
    """QoL impact "yes" and "no" charted at the same instant: not documented as significant."""
    b = patient("qolc")
    nivl_workup(b)  # includes a significant QoL impact 10 days ago
    b.local(
        "edema-qol-impact",
        "Edema QoL impact",
        days_ago=10,
        valueCodeableConcept=concept(coding(SNOMED, "373067005", "No")),
    )
    b.ivus(80, "left", 5)
    b.lesion("fixed", "left", 5)
    assert "nivl-stent-candidate" not in ids(post(client, b, PV))
