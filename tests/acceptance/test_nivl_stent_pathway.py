"""Acceptance: NIVL stent candidacy, criteria, and not-indicated through the patient-view
endpoint, with records shaped the way EHRs send them (recommendations.md v2.1)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.acceptance.support_nivl import (
    ICD10,
    LOCAL,
    PV,
    SNOMED,
    at,
    card,
    coding,
    concept,
    ids,
    ivus_obs,
    ivus_report,
    nivl_workup,
    patient,
    post,
    qty,
    text_of,
)

NIVL_IDS = {"nivl-stent-candidate", "nivl-stent-criteria-incomplete", "nivl-stent-not-indicated"}


def nivl_ids(cards: list) -> list[str]:
    return [i for i in ids(cards) if i in NIVL_IDS]


def candidate_record(key: str, percent: float = 72, *, fixed: bool = True, ref_mm: float = 13):
    b = patient(key)
    nivl_workup(b)
    ivus_obs(b, percent)
    if fixed:
        b.lesion("fixed", "left")
    if ref_mm:
        b.reference_diameter(ref_mm, "mm", "left")
    return b


# ---------------------------------------------------------------- threshold 61% strictly


@pytest.mark.parametrize(
    ("percent", "unit", "expected"),
    [
        (61, "%", "nivl-stent-not-indicated"),
        (61.5, "%", "nivl-stent-candidate"),
        (62, "%", "nivl-stent-candidate"),
        (60.9, "%", "nivl-stent-not-indicated"),
        (0.61, "1", "nivl-stent-not-indicated"),
        (0.62, "1", "nivl-stent-candidate"),
        (0.62, "%", "nivl-stent-candidate"),  # a value <= 1 is a fraction whatever the unit
    ],
)
def test_ivus_threshold_is_strictly_above_61(
    client: FlaskClient, percent: float, unit: str, expected: str
) -> None:
    b = patient("thr")
    nivl_workup(b)
    ivus_obs(b, percent, unit=unit, code=unit)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    cards = post(client, b, PV)
    assert nivl_ids(cards) == [expected]
    assert "ivus-before-intervention" not in ids(cards)


def test_candidate_card_gives_sizing_as_catalog_states(client: FlaskClient) -> None:
    cards = post(client, candidate_record("cand"), PV)
    assert ids(cards) == ["nivl-stent-candidate"]
    c = card(cards, "nivl-stent-candidate")
    assert c["indicator"] == "info"
    text = text_of(c)
    assert "14-17 mm" in text
    assert "60 mm" in text
    assert "external iliac" in text


def test_candidate_reference_in_cm(client: FlaskClient) -> None:
    b = patient("cm")
    nivl_workup(b)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(1.3, "cm", "left")
    c = card(post(client, b, PV), "nivl-stent-candidate")
    assert "14-17 mm" in text_of(c)


def test_candidate_without_reference_asks_for_it(client: FlaskClient) -> None:
    c = card(post(client, candidate_record("noref", ref_mm=0), PV), "nivl-stent-candidate")
    assert "reference" in text_of(c).lower()
    assert "14-17" not in text_of(c)


def test_ivus_as_report_text_only(client: FlaskClient) -> None:
    b = patient("txt")
    nivl_workup(b)
    ivus_report(
        b,
        "IVUS: 72% diameter stenosis of the left CIV. Fixed lesion, no respiratory or "
        "positional variation.",
    )
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


def test_ivus_area_stenosis_text_is_not_compared(client: FlaskClient) -> None:
    b = patient("area")
    nivl_workup(b)
    ivus_report(b, "IVUS: 75% area stenosis of the left common iliac vein. Fixed lesion.")
    assert "nivl-stent-candidate" not in ids(post(client, b, PV))


# ---------------------------------------------------------------- behavior and QoL


def test_dynamic_lesion_not_indicated(client: FlaskClient) -> None:
    b = candidate_record("dyn", fixed=False)
    b.lesion("dynamic", "left")
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-not-indicated"]
    assert "dynamic" in text_of(card(cards, "nivl-stent-not-indicated")).lower()


def test_unstated_behavior_is_criteria_incomplete(client: FlaskClient) -> None:
    cards = post(client, candidate_record("nobeh", fixed=False), PV)
    assert nivl_ids(cards) == ["nivl-stent-criteria-incomplete"]
    assert "behavior" in text_of(card(cards, "nivl-stent-criteria-incomplete")).lower()


def test_no_qol_documented_is_criteria_incomplete(client: FlaskClient) -> None:
    b = patient("noqol")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-criteria-incomplete"]
    assert "quality" in text_of(card(cards, "nivl-stent-criteria-incomplete")).lower()


def test_mild_symptoms_text_not_indicated(client: FlaskClient) -> None:
    b = patient("mild")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.observation(
        concept(coding(LOCAL, "edema-qol-impact", "Edema QoL impact")),
        when=at(10),
        category="survey",
        valueCodeableConcept=concept(coding(SNOMED, "373067005", "No")),
        note=[{"text": "Mild swelling only, does not limit activities."}],
    )
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-not-indicated"]


def test_scrotal_edema_replaces_qol(client: FlaskClient) -> None:
    b = patient("scrot", gender="male")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.condition(concept(coding(SNOMED, "88995000", "Edema of scrotum")), onset=at(20))
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


# ---------------------------------------------------------------- DVT, side, causes


def test_dvt_confirmed_is_criteria_incomplete(client: FlaskClient) -> None:
    b = candidate_record("dvtc")
    b.dvt("I82.412", "Acute embolism and thrombosis of left femoral vein", 3)
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-criteria-incomplete"]
    assert "nivl-stent-candidate" not in ids(cards)
    assert "dvt" in text_of(card(cards, "nivl-stent-criteria-incomplete")).lower()


def test_dvt_not_excluded_is_criteria_incomplete(client: FlaskClient) -> None:
    b = patient("dvtn")
    b.swelling("left", 20, extent="whole")
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.qol_impact(10)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-criteria-incomplete"]


def test_lesion_on_the_other_side_not_indicated(client: FlaskClient) -> None:
    b = patient("oth")
    nivl_workup(b, "left")
    ivus_obs(b, 72, "right")
    b.lesion("fixed", "right")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-not-indicated"]


def test_bilateral_swelling_not_indicated_and_systemic(client: FlaskClient) -> None:
    b = candidate_record("bil")
    b.swelling("right", 20, extent="whole")
    b.duplex("right", 15)
    cards = post(client, b, PV)
    assert "bilateral-edema-systemic-cause" in ids(cards)
    assert "nivl-stent-candidate" not in ids(cards)
    assert "ivus-before-intervention" not in ids(cards)
    assert nivl_ids(cards) == ["nivl-stent-not-indicated"]


@pytest.mark.parametrize(("albumin", "expected"), [(3.4, "nivl-stent-not-indicated"),
                                                   (3.5, "nivl-stent-candidate"),
                                                   (3.6, "nivl-stent-candidate")])
def test_albumin_threshold(client: FlaskClient, albumin: float, expected: str) -> None:
    b = candidate_record("alb")
    b.lab("1751-7", "Albumin", albumin, "g/dL", 2)  # newer than the normal work-up
    cards = post(client, b, PV)
    assert nivl_ids(cards) == [expected]
    if albumin < 3.5:
        c = card(cards, "edema-alternative-causes")
        assert c["indicator"] == "warning"
    else:
        assert "edema-alternative-causes" not in ids(cards)


def test_albumin_in_g_per_l(client: FlaskClient) -> None:
    b = candidate_record("albgl")
    b.lab("1751-7", "Albumin", 30, "g/L", 2)
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-not-indicated"]


def test_edema_medication_present_not_indicated(client: FlaskClient) -> None:
    b = candidate_record("amlo")
    b.medication_request("308135", "amlodipine 10 MG Oral Tablet", days_ago=60, dose_mg=10,
                         per_day=1)
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-not-indicated"]
    assert card(cards, "edema-alternative-causes")["indicator"] == "warning"


def test_stopped_edema_medication_is_absent(client: FlaskClient) -> None:
    b = candidate_record("amlos")
    b.medication_request("17767", "amlodipine", days_ago=60, dose_mg=10, per_day=1,
                         status="stopped")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


def test_primary_lymphedema_present(client: FlaskClient) -> None:
    b = candidate_record("lym")
    b.condition(concept(coding(ICD10, "Q82.0", "Hereditary lymphedema")), onset=at(4000))
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-not-indicated"]


def test_secondary_lymphedema_i89_is_not_primary(client: FlaskClient) -> None:
    b = candidate_record("lym2")
    b.condition(concept(coding(ICD10, "I89.0", "Lymphedema, not elsewhere classified")),
                onset=at(400))
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


def test_stent_in_place_silences_nivl_cards(client: FlaskClient) -> None:
    b = candidate_record("stent")
    b.iliac_stent("left", 3)
    cards = post(client, b, PV)
    assert nivl_ids(cards) == []
    assert "ivus-before-intervention" not in ids(cards)


def test_ivus_value_as_fraction_with_unit_one(client: FlaskClient) -> None:
    b = patient("frac1")
    nivl_workup(b)
    b.local(
        "ivus-diameter-stenosis",
        "IVUS diameter stenosis",
        days_ago=5,
        side="left",
        valueQuantity={"value": 0.72, "system": "http://unitsofmeasure.org", "code": "1"},
    )
    b.lesion("fixed", "left")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


def test_reference_quantity_helper_units() -> None:
    assert qty(13, "mm")["code"] == "mm"


# ---------------------------------------------------------------- EHR shapes of the IVUS facts


def test_ivus_observation_unit_without_code_or_system(client: FlaskClient) -> None:
    b = patient("nounit")
    nivl_workup(b)
    b.local("ivus-diameter-stenosis", "IVUS", days_ago=5, side="left",
            valueQuantity={"value": 72, "unit": "%"})
    b.lesion("fixed", "left")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


def test_ivus_laterality_only_in_body_site_text(client: FlaskClient) -> None:
    b = patient("sitetxt")
    nivl_workup(b)
    b.observation(concept(coding(LOCAL, "ivus-diameter-stenosis", "IVUS")), when=at(5),
                  category="imaging", bodySite=concept(text="Left common iliac vein"),
                  valueQuantity=qty(72, "%"))
    b.lesion("fixed", "left")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


def test_dynamic_behavior_from_report_text(client: FlaskClient) -> None:
    b = patient("dyntxt")
    nivl_workup(b)
    ivus_report(b, "Venography and IVUS: left common iliac vein 70% diameter stenosis. The "
                   "lesion collapses with Valsalva and varies with respiration.")
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-not-indicated"]


def test_full_ivus_report_text_with_reference(client: FlaskClient) -> None:
    b = patient("fulltxt")
    nivl_workup(b)
    ivus_report(b, "IVUS of the left CIV: 70% diameter stenosis, no respiratory or positional "
                   "variation. Reference external iliac vein 13 mm.")
    c = card(post(client, b, PV), "nivl-stent-candidate")
    assert "14-17 mm" in text_of(c)


@pytest.mark.parametrize(("old", "new", "expected"), [
    (72, 55, "nivl-stent-not-indicated"),
    (55, 72, "nivl-stent-candidate"),
])
def test_newest_ivus_wins(client: FlaskClient, old: float, new: float, expected: str) -> None:
    b = patient("newest")
    nivl_workup(b)
    ivus_obs(b, old, days_ago=60)
    ivus_obs(b, new, days_ago=5)
    b.lesion("fixed", "left")
    assert nivl_ids(post(client, b, PV)) == [expected]


def test_preliminary_ivus_counts_with_a_caveat(client: FlaskClient) -> None:
    b = candidate_record("prelim")
    next(r for r in b.resources
         if r["resourceType"] == "Observation"
         and r["code"]["coding"][0]["code"] == "ivus-diameter-stenosis")["status"] = "preliminary"
    c = card(post(client, b, PV), "nivl-stent-candidate")
    assert "preliminary" in c["detail"].lower()


def test_final_ivus_has_no_preliminary_caveat(client: FlaskClient) -> None:
    c = card(post(client, candidate_record("final"), PV), "nivl-stent-candidate")
    assert "preliminary" not in c["detail"].lower()


def test_entered_in_error_ivus_is_ignored(client: FlaskClient) -> None:
    b = candidate_record("eie")
    next(r for r in b.resources
         if r["resourceType"] == "Observation"
         and r["code"]["coding"][0]["code"] == "ivus-diameter-stenosis")["status"] = (
        "entered-in-error"
    )
    cards = post(client, b, PV)
    assert nivl_ids(cards) == []
    assert "ivus-before-intervention" in ids(cards)


def test_unassessed_cause_is_criteria_incomplete(client: FlaskClient) -> None:
    b = patient("unass")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.qol_impact(10)
    b.lab("33762-6", "NT-proBNP", 80, "pg/mL", 10)
    b.lab("2160-0", "Creatinine", 0.8, "mg/dL", 10)
    b.lab("1742-6", "ALT", 22, "U/L", 10)  # no albumin
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-criteria-incomplete"]
    assert "Hypoalbuminemia" in card(cards, "nivl-stent-criteria-incomplete")["detail"]
    assert card(cards, "edema-alternative-causes")["indicator"] == "info"


def test_not_indicated_takes_precedence_over_incomplete(client: FlaskClient) -> None:
    b = patient("prec")
    b.swelling("left", 20, extent="whole")
    b.ct_venography(12, compression_side="left")  # DVT not excluded, no labs, no QoL
    ivus_obs(b, 72)
    b.lesion("dynamic", "left")
    cards = post(client, b, PV)
    assert nivl_ids(cards) == ["nivl-stent-not-indicated"]


def test_no_swelling_with_ivus_result_not_indicated(client: FlaskClient) -> None:
    b = patient("nosw")
    b.ct_venography(12, compression_side="left")
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    cards = post(client, b, PV)
    assert ids(cards) == ["nivl-stent-not-indicated"]
    assert "swelling" in card(cards, "nivl-stent-not-indicated")["summary"].lower()


def test_sided_ivus_wins_over_a_newer_unsided_one(client: FlaskClient) -> None:
    b = candidate_record("sided")
    ivus_report(b, "IVUS: 72% diameter stenosis. Fixed lesion.", days_ago=2)
    assert nivl_ids(post(client, b, PV)) == ["nivl-stent-candidate"]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Leg swelling interferes with her work and sleep.", "nivl-stent-candidate"),
        ("Swelling limits daily activities.", "nivl-stent-candidate"),
        ("Patient is asymptomatic from the swelling.", "nivl-stent-not-indicated"),
        ("Mild ankle swelling, no functional limitation.", "nivl-stent-not-indicated"),
        ("Swelling does not affect quality of life.", "nivl-stent-not-indicated"),
    ],
)
def test_qol_from_swelling_note_text(client: FlaskClient, note: str, expected: str) -> None:
    b = patient("qoltxt")
    b.swelling("left", 20, extent="whole", note=note)
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    ivus_obs(b, 72)
    b.lesion("fixed", "left")
    b.reference_diameter(13, "mm", "left")
    assert nivl_ids(post(client, b, PV)) == [expected]
