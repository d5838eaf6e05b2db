"""Acceptance: alternative edema causes, IVUS before intervention, compression without
symptoms, masses and extrinsic compression through the patient-view endpoint."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.acceptance.support_nivl import (
    ICD10,
    ICD10_OID,
    LOCAL,
    LOINC,
    PV,
    SNOMED,
    at,
    card,
    coding,
    concept,
    ids,
    ivus_obs,
    nivl_workup,
    patient,
    post,
    site,
    text_of,
)


def pre_ivus(key: str, *, labs: bool = True, qol: bool = True, gender: str = "female"):
    b = patient(key, gender=gender)
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    if labs:
        b.normal_workup(10)
    if qol:
        b.qol_impact(10)
    return b


# ---------------------------------------------------------------- alternative causes


def test_full_workup_gives_ivus_before_intervention_only(client: FlaskClient) -> None:
    cards = post(client, pre_ivus("ivus"), PV)
    assert ids(cards) == ["ivus-before-intervention"]
    c = card(cards, "ivus-before-intervention")
    assert c["indicator"] == "warning"
    codes = {
        cd["code"]
        for s in c["suggestions"]
        for a in s["actions"]
        for cd in a["resource"]["code"]["coding"]
    }
    assert "37252" in codes


def test_no_labs_gives_info_alternative_causes_and_no_ivus(client: FlaskClient) -> None:
    cards = post(client, pre_ivus("nolab", labs=False), PV)
    assert ids(cards) == ["edema-alternative-causes"]
    c = card(cards, "edema-alternative-causes")
    assert c["indicator"] == "info"
    text = text_of(c).lower()
    for cause in ("heart failure", "renal", "liver", "albumin"):
        assert cause in text


@pytest.mark.parametrize(("days", "assessed"), [(89, True), (90, True), (91, False)])
def test_labs_window_90_days(client: FlaskClient, days: int, assessed: bool) -> None:
    b = pre_ivus("win", labs=False)
    b.normal_workup(days)
    cards = post(client, b, PV)
    if assessed:
        assert ids(cards) == ["ivus-before-intervention"]
    else:
        assert "edema-alternative-causes" in ids(cards)
        assert "ivus-before-intervention" not in ids(cards)


@pytest.mark.parametrize(
    ("loinc", "value", "unit", "present"),
    [
        ("33762-6", 300, "pg/mL", False),
        ("33762-6", 301, "pg/mL", True),
        ("30934-4", 100, "pg/mL", False),
        ("30934-4", 101, "pg/mL", True),
        ("33914-3", 60, "mL/min/1.73m2", False),
        ("33914-3", 59, "mL/min/1.73m2", True),
        ("62238-1", 59.5, "mL/min/1.73m2", True),
    ],
)
def test_lab_thresholds_for_causes(
    client: FlaskClient, loinc: str, value: float, unit: str, present: bool
) -> None:
    b = pre_ivus("lab")
    b.lab(loinc, "lab", value, unit, 3)
    cards = post(client, b, PV)
    if present:
        assert card(cards, "edema-alternative-causes")["indicator"] == "warning"
        assert "ivus-before-intervention" not in ids(cards)
    else:
        assert ids(cards) == ["ivus-before-intervention"]


def test_heart_failure_diagnosis_with_oid_system_and_no_dot(client: FlaskClient) -> None:
    b = pre_ivus("hf")
    b.condition(concept(coding(ICD10_OID, "I5022", "Chronic systolic heart failure")),
                onset=at(300))
    cards = post(client, b, PV)
    c = card(cards, "edema-alternative-causes")
    assert c["indicator"] == "warning"
    assert "heart failure" in c["summary"].lower()


def test_liver_assessed_by_alt_only(client: FlaskClient) -> None:
    b = pre_ivus("liv", labs=False)
    b.lab("33762-6", "NT-proBNP", 80, "pg/mL", 10)
    b.lab("2160-0", "Creatinine", 0.8, "mg/dL", 10)  # creatinine alone assesses renal
    b.lab("1742-6", "ALT", 22, "U/L", 10)  # ALT alone assesses liver
    b.lab("1751-7", "Albumin", 4.2, "g/dL", 10)
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


def test_edema_medication_by_product_code_display(client: FlaskClient) -> None:
    b = pre_ivus("gaba")
    b.medication_request("310431", "gabapentin 300 MG Oral Capsule", days_ago=30, dose_mg=300,
                         per_day=3)
    c = card(post(client, b, PV), "edema-alternative-causes")
    assert c["indicator"] == "warning"
    assert "gabapentin" in text_of(c).lower()


def test_resolved_heart_failure_is_not_present(client: FlaskClient) -> None:
    b = pre_ivus("hfres")
    b.condition(concept(coding(ICD10, "I50.9", "Heart failure, unspecified")), onset=at(900),
                status="resolved")
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


# ---------------------------------------------------------------- ivus-before-intervention


def test_ivus_not_suggested_without_qol(client: FlaskClient) -> None:
    cards = post(client, pre_ivus("noqol", qol=False), PV)
    assert "ivus-before-intervention" not in ids(cards)


def test_ivus_not_suggested_when_compression_on_other_side(client: FlaskClient) -> None:
    b = patient("oside")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="right")
    b.normal_workup(10)
    b.qol_impact(10)
    assert "ivus-before-intervention" not in ids(post(client, b, PV))


def test_ivus_not_suggested_when_dvt_not_excluded(client: FlaskClient) -> None:
    b = patient("nodup")
    b.swelling("left", 20, extent="whole")
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.qol_impact(10)
    cards = post(client, b, PV)
    assert "ivus-before-intervention" not in ids(cards)
    assert "dvt-duplex-ultrasound" in ids(cards)


def test_ivus_done_without_result_still_asks_for_the_measurements(client: FlaskClient) -> None:
    # Catalog: fires while "no IVUS result on record"; an ImagingStudy with modality IVUS
    # "proves IVUS was done, not its result" (input profile). The card names the study.
    b = pre_ivus("isdone")
    b.add(
        {
            "resourceType": "ImagingStudy",
            "status": "available",
            "started": at(4),
            "modality": [
                coding("http://dicom.nema.org/resources/ontology/DCM", "IVUS",
                       "Intravascular Ultrasound")
            ],
            "description": "IVUS iliac veins",
        }
    )
    cards = post(client, b, PV)
    assert "ivus-before-intervention" in ids(cards)
    card = next(c for c in cards if c["source"]["topic"]["code"] == "ivus-before-intervention")
    assert "without an IVUS diameter stenosis result" in card["detail"]


def test_ivus_suggested_with_i87_1_on_iliac_site(client: FlaskClient) -> None:
    b = patient("i871")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.condition(
        concept(coding(ICD10, "I87.1", "Compression of vein"),
                text="May-Thurner syndrome, left common iliac vein"),
        onset=at(14),
        body_site=site("46027005", "Common iliac vein", "left"),
    )
    b.ct_venography(12)  # negative CT venography: the pelvic-imaging trigger is answered
    b.normal_workup(10)
    b.qol_impact(10)
    cards = post(client, b, PV)
    assert "ivus-before-intervention" in ids(cards)


def test_i87_1_of_the_vena_cava_is_not_iliac_compression(client: FlaskClient) -> None:
    b = patient("svc")
    b.condition(
        concept(coding(ICD10, "I87.1", "Compression of vein"),
                text="Superior vena cava compression by mediastinal mass"),
        onset=at(14),
    )
    assert post(client, b, PV) == []


# ---------------------------------------------------------------- compression without symptoms


def test_compression_without_swelling_info(client: FlaskClient) -> None:
    b = patient("cws")
    b.ct_venography(12, compression_side="left")
    cards = post(client, b, PV)
    assert ids(cards) == ["compression-without-symptoms"]
    c = card(cards, "compression-without-symptoms")
    assert c["indicator"] == "info"
    assert "24%" in text_of(c) or "24%" in str(c)


def test_compression_with_documented_absent_swelling(client: FlaskClient) -> None:
    b = patient("cwsneg")
    b.ct_venography(12, compression_side="left")
    b.observation(
        concept(coding(SNOMED, "102572006", "Edema of lower extremity"), text="Leg edema"),
        when=at(5),
        category="exam",
        valueBoolean=False,
    )
    assert ids(post(client, b, PV)) == ["compression-without-symptoms"]


def test_compression_without_swelling_but_ivus_result(client: FlaskClient) -> None:
    b = patient("cwsivus")
    b.ct_venography(12, compression_side="left")
    ivus_obs(b, 55)
    cards = post(client, b, PV)
    assert "compression-without-symptoms" not in ids(cards)
    assert ids(cards) == ["nivl-stent-not-indicated"]


def test_compression_with_stent_no_compression_card(client: FlaskClient) -> None:
    b = patient("cwsst")
    b.ct_venography(400, compression_side="left")
    b.iliac_stent("left", 300)
    b.duplex("left", 100)
    cards = post(client, b, PV)
    assert "compression-without-symptoms" not in ids(cards)
    assert ids(cards) == []


# ---------------------------------------------------------------- masses


def test_uncharacterized_mass_two_suggestions(client: FlaskClient) -> None:
    b = patient("mass")
    b.condition(concept(coding(ICD10, "R19.04", "Left lower quadrant abdominal swelling, mass "
                                               "and lump")), onset=at(10))
    cards = post(client, b, PV)
    assert "mass-characterization" in ids(cards)
    c = card(cards, "mass-characterization")
    assert c["indicator"] == "warning"
    assert c["selectionBehavior"] == "at-most-one"
    codes = sorted(
        a["resource"]["code"]["coding"][0]["code"] for s in c["suggestions"] for a in s["actions"]
    )
    assert codes == ["433138001", "74710000"]


def test_pregnant_mass_mri_only(client: FlaskClient) -> None:
    b = patient("massp")
    b.condition(concept(coding(SNOMED, "74285003", "Mass of pelvic structure")), onset=at(10))
    b.observation(concept(coding(LOINC, "82810-3", "Pregnancy status")), when=at(3),
                  category="survey",
                  valueCodeableConcept=concept(coding(SNOMED, "77386006", "Pregnant")))
    c = card(post(client, b, PV), "mass-characterization")
    codes = [a["resource"]["code"]["coding"][0]["code"]
             for s in c["suggestions"] for a in s["actions"]]
    # Catalog v2.2: MRI pelvis without contrast (LOINC 30673-8), never contrast MRI 433138001.
    assert codes == ["30673-8"]


def test_inguinal_lymphadenopathy_is_a_mass(client: FlaskClient) -> None:
    b = patient("lad")
    b.condition(concept(coding(ICD10, "R59.0", "Localized enlarged lymph nodes"),
                        text="Left inguinal lymphadenopathy"), onset=at(10))
    assert "mass-characterization" in ids(post(client, b, PV))


def test_cervical_lymphadenopathy_is_not_a_mass(client: FlaskClient) -> None:
    b = patient("ladc")
    b.condition(concept(coding(ICD10, "R59.0", "Localized enlarged lymph nodes"),
                        text="Cervical lymphadenopathy"), onset=at(10))
    assert post(client, b, PV) == []


def test_contrast_ct_same_day_characterizes(client: FlaskClient) -> None:
    b = patient("massct")
    b.condition(concept(coding(SNOMED, "74285003", "Mass of pelvic structure")), onset=at(10))
    b.contrast_ct_pelvis(10, "4 cm left pelvic sidewall mass, indeterminate.")
    assert "mass-characterization" not in ids(post(client, b, PV))


def test_contrast_ct_before_the_mass_does_not_characterize(client: FlaskClient) -> None:
    b = patient("massold")
    b.contrast_ct_pelvis(200, "Normal pelvis.")
    b.condition(concept(coding(SNOMED, "74285003", "Mass of pelvic structure")), onset=at(10))
    assert "mass-characterization" in ids(post(client, b, PV))


def test_ct_venography_does_not_characterize_mass(client: FlaskClient) -> None:
    b = patient("masscv")
    b.condition(concept(coding(SNOMED, "74285003", "Mass of pelvic structure")), onset=at(10))
    b.ct_venography(5)
    assert "mass-characterization" in ids(post(client, b, PV))


# ---------------------------------------------------------------- extrinsic compression


def test_malignant_mass_oncology_referral_and_no_stent_cards(client: FlaskClient) -> None:
    b = patient("onc")
    nivl_workup(b)
    b.condition(concept(coding(ICD10, "C56.2", "Malignant neoplasm of left ovary")),
                onset=at(30))
    ivus_obs(b, 80)
    b.lesion("fixed", "left")
    cards = post(client, b, PV)
    got = ids(cards)
    assert "extrinsic-compression-treat-cause" in got
    for rid in ("nivl-stent-candidate", "nivl-stent-not-indicated",
                "nivl-stent-criteria-incomplete", "ivus-before-intervention"):
        assert rid not in got
    c = card(cards, "extrinsic-compression-treat-cause")
    codes = [a["resource"]["code"]["coding"][0]["code"]
             for s in c["suggestions"] for a in s["actions"]]
    assert codes == ["306237005"]
    assert "oncolog" in text_of(c).lower()


def test_abscess_drainage_no_temporizing_stent(client: FlaskClient) -> None:
    b = patient("abs")
    b.ct_venography(5, compression_side="left")
    b.condition(concept(coding(ICD10, "K68.19", "Other retroperitoneal abscess"),
                        text="Left psoas abscess"), onset=at(6))
    cards = post(client, b, PV)
    c = card(cards, "extrinsic-compression-treat-cause")
    text = text_of(c).lower()
    assert "drain" in text
    assert "temporizing" not in text
    assert "suggestions" not in c
    assert "compression-without-symptoms" not in ids(cards)


def test_bursitis_after_hip_arthroplasty_orthopedic_input(client: FlaskClient) -> None:
    b = patient("burs")
    b.swelling("left", 20, extent="whole")
    b.condition(concept(coding(ICD10, "M70.72", "Other bursitis of hip, left hip"),
                        text="Left iliopsoas bursitis"), onset=at(15))
    b.condition(concept(coding(ICD10, "Z96.642", "Presence of left artificial hip joint")),
                onset=at(800))
    b.ct_venography(12, compression_side="left")
    c = card(post(client, b, PV), "extrinsic-compression-treat-cause")
    text = text_of(c).lower()
    assert "orthop" in text
    assert "excision" in text or "drain" in text


def test_disc_osteophyte_spine_review(client: FlaskClient) -> None:
    b = patient("disc", gender="male", birth="1941-01-01")
    b.swelling("left", 20, extent="whole")
    b.condition(concept(coding(ICD10, "M25.78", "Osteophyte, vertebrae"),
                        text="L5 anterior osteophyte compressing the left common iliac vein"),
                onset=at(15))
    b.ct_venography(12, compression_side="left")
    c = card(post(client, b, PV), "extrinsic-compression-treat-cause")
    assert "spine" in text_of(c).lower()
    assert "suggestions" not in c


def test_generic_abscess_without_pelvic_site_is_not_extrinsic(client: FlaskClient) -> None:
    b = patient("absarm")
    b.ct_venography(5, compression_side="left")
    b.condition(concept(coding(SNOMED, "128477000", "Abscess"), text="Abscess of right forearm"),
                onset=at(6))
    cards = post(client, b, PV)
    assert "extrinsic-compression-treat-cause" not in ids(cards)
    assert ids(cards) == ["compression-without-symptoms"]


def test_ivus_qol_local_code_no_answer_is_minimal(client: FlaskClient) -> None:
    b = pre_ivus("qolno", qol=False)
    b.observation(concept(coding(LOCAL, "edema-qol-impact", "Edema QoL impact")), when=at(5),
                  category="survey", valueBoolean=False)
    assert "ivus-before-intervention" not in ids(post(client, b, PV))


def test_compression_next_to_an_imaged_mass_is_not_called_common_anatomy(
    client: FlaskClient,
) -> None:
    # A 4 cm mass imaged with contrast (nature not yet documented) next to a compressed iliac
    # vein: "anatomic compression is common, no intervention" would mislead.
    b = patient("cwsmass")
    b.condition(concept(coding(SNOMED, "74285003", "Mass of pelvic structure"),
                        text="Left pelvic mass"), onset=at(20))
    b.contrast_ct_pelvis(10, "Indeterminate 4 cm left pelvic sidewall mass.")
    b.ct_venography(12, compression_side="left")
    assert "compression-without-symptoms" not in ids(post(client, b, PV))


def test_ivus_suggestion_is_lateralized_and_unilateral(client: FlaskClient) -> None:
    c = card(post(client, pre_ivus("lat"), PV), "ivus-before-intervention")
    (resource,) = [a["resource"] for s in c["suggestions"] for a in s["actions"]]
    assert [cd["code"] for cd in resource["code"]["coding"]] == ["37252", "75820"]
    site_codes = {cd["code"] for cd in resource["bodySite"][0]["coding"]}
    assert site_codes == {"46027005", "7771000"}


def test_qol_from_condition_note_text(client: FlaskClient) -> None:
    b = patient("qolnote")
    b.swelling("left", 20, extent="whole",
               note="Swelling significantly affects her ability to work and sleep.")
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


def test_qol_snomed_yes_answer(client: FlaskClient) -> None:
    b = pre_ivus("qolyes", qol=False)
    b.observation(concept(coding(LOCAL, "edema-qol-impact", "QoL")), when=at(5),
                  category="survey", valueCodeableConcept=concept(coding(SNOMED, "373066001",
                                                                         "Yes")))
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


def test_swelling_icd_oid_without_dot(client: FlaskClient) -> None:
    b = patient("r2242")
    b.condition(concept(coding(ICD10_OID, "R2242",
                               "Localized swelling, mass and lump, left lower limb")),
                onset=at(20))
    b.duplex("left", 15)
    b.ct_venography(12, compression_side="left")
    b.normal_workup(10)
    b.qol_impact(10)
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


def test_penile_edema_text_replaces_qol(client: FlaskClient) -> None:
    b = pre_ivus("pen", qol=False, gender="male")
    b.condition(concept(coding(ICD10, "N48.89", "Other specified disorders of penis"),
                        text="Penile edema"), onset=at(10))
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


def test_hydrocele_code_is_not_scrotal_edema(client: FlaskClient) -> None:
    b = pre_ivus("hydro", qol=False, gender="male")
    b.condition(concept(coding(ICD10, "N50.89", "Other specified disorders of the male "
                                                "genital organs"), text="Hydrocele"),
                onset=at(10))
    assert ids(post(client, b, PV)) == []


def test_bilateral_card_lists_cause_states_in_words(client: FlaskClient) -> None:
    b = patient("bilw")
    b.swelling("left", 20, extent="whole")
    b.swelling("right", 20, extent="whole")
    b.duplex("bilateral", 15)
    b.ct_venography(12, compression_side="left")
    cards = post(client, b, PV)
    c = card(cards, "bilateral-edema-systemic-cause")
    assert c["indicator"] == "warning"
    assert "Heart failure: not assessed" in c["detail"]
    assert "not-assessed" not in c["detail"]
    assert "left and right legs" in card(cards, "edema-alternative-causes")["detail"]


# ---------------------------------------------------------------- mass codes and natures


@pytest.mark.parametrize(
    ("system", "code", "display", "text", "is_mass"),
    [
        (ICD10, "R19.00", "Intra-abdominal and pelvic swelling, mass and lump, unspecified site",
         "Pelvic mass", True),
        # R19.00's display always says "pelvic": only the record's own text may place it there.
        (ICD10, "R19.00", "Intra-abdominal and pelvic swelling, mass and lump, unspecified site",
         "Epigastric mass", False),
        (SNOMED, "281398003", "Groin mass", "", True),
        (SNOMED, "274754009", "Pelvic mass", "", True),
        (ICD10_OID, "R1903", "Right lower quadrant abdominal swelling, mass and lump", "", True),
    ],
)
def test_mass_codes(client: FlaskClient, system: str, code: str, display: str, text: str,
                    is_mass: bool) -> None:
    b = patient("mcode")
    b.condition(concept(coding(system, code, display), text=text), onset=at(20))
    assert ids(post(client, b, PV)) == (["mass-characterization"] if is_mass else [])


def test_retroperitoneal_hematoma_evacuation(client: FlaskClient) -> None:
    b = patient("hema")
    b.ct_venography(12, compression_side="left")
    b.condition(concept(coding(ICD10, "K68.3", "Retroperitoneal hematoma")), onset=at(20))
    cards = post(client, b, PV)
    assert ids(cards) == ["extrinsic-compression-treat-cause"]
    detail = card(cards, "extrinsic-compression-treat-cause")["detail"]
    assert "hematoma" in detail
    assert "abscess" not in detail


def test_lymphoma_code_alone_is_a_characterized_cause(client: FlaskClient) -> None:
    b = patient("lymph")
    b.ct_venography(12, compression_side="left")
    b.condition(concept(coding(ICD10, "C83.38", "Diffuse large B-cell lymphoma, lymph nodes of "
                                                "multiple sites")), onset=at(20))
    c = card(post(client, b, PV), "extrinsic-compression-treat-cause")
    assert "malignant" in c["summary"]
    assert "suggestions" in c


def test_generic_benign_neoplasm_without_site_is_not_a_cause(client: FlaskClient) -> None:
    b = patient("benign")
    b.ct_venography(12, compression_side="left")
    b.condition(concept(coding(SNOMED, "20376005", "Benign neoplasm")), onset=at(20))
    assert ids(post(client, b, PV)) == ["compression-without-symptoms"]


def test_bursitis_without_arthroplasty_no_orthopedic_mention(client: FlaskClient) -> None:
    b = patient("burs2")
    b.swelling("left", 20, extent="whole")
    b.condition(concept(coding(ICD10, "M70.72", "Other bursitis of hip, left hip"),
                        text="Left iliopsoas bursitis"), onset=at(15))
    b.ct_venography(12, compression_side="left")
    c = card(post(client, b, PV), "extrinsic-compression-treat-cause")
    assert "orthop" not in c["detail"].lower()
    assert "bursitis" in c["summary"]


def test_bursitis_with_arthroplasty_procedure(client: FlaskClient) -> None:
    b = patient("burs3")
    b.swelling("left", 20, extent="whole")
    b.condition(concept(coding(ICD10, "M70.72", "Other bursitis of hip, left hip"),
                        text="Left iliopsoas bursitis"), onset=at(15))
    b.add({"resourceType": "Procedure", "status": "completed",
           "code": concept(coding(SNOMED, "52734007", "Total replacement of hip")),
           "performedDateTime": at(900)})
    b.ct_venography(12, compression_side="left")
    c = card(post(client, b, PV), "extrinsic-compression-treat-cause")
    assert "orthopedic input" in c["detail"]


def test_trochanteric_bursitis_is_not_iliopsoas(client: FlaskClient) -> None:
    b = patient("troch")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.condition(concept(coding(ICD10, "M70.72", "Other bursitis of hip, left hip"),
                        text="Trochanteric bursitis"), onset=at(15))
    b.ct_venography(12, compression_side="left")
    assert "extrinsic-compression-treat-cause" not in ids(post(client, b, PV))


def test_malignancy_on_the_swollen_side_without_compression(client: FlaskClient) -> None:
    b = patient("malsw")
    b.swelling("right", 5, extent="whole")
    b.duplex("right", 3)
    b.condition(concept(coding(ICD10, "C56.1", "Malignant neoplasm of right ovary")),
                onset=at(20))
    c = card(post(client, b, PV), "extrinsic-compression-treat-cause")
    assert c["indicator"] == "warning"


def test_characterized_mass_without_swelling_or_compression_is_silent(client: FlaskClient) -> None:
    b = patient("quiet", gender="male")
    b.condition(concept(coding(SNOMED, "74285003", "Mass of pelvic structure")), onset=at(20))
    b.condition(concept(coding(ICD10, "C61", "Malignant neoplasm of prostate")), onset=at(20))
    assert post(client, b, PV) == []


# ---------------------------------------------------------------- after stenting, bilateral


def test_no_alternative_cause_work_up_with_a_stent_in_place(client: FlaskClient) -> None:
    # Catalog: "When a stent is in place the NIVL work-up recommendations do not fire".
    b = patient("stalt")
    b.iliac_stent("left", 200)
    b.swelling("left", 10, extent="whole")
    b.duplex("left", 5)
    b.ct_venography(4)
    assert post(client, b, PV) == []


def test_bilateral_with_stent_wording(client: FlaskClient) -> None:
    b = patient("stbil")
    b.iliac_stent("left", 200)
    b.swelling("left", 10, extent="whole")
    b.swelling("right", 10, extent="whole")
    b.duplex("bilateral", 5)
    b.ct_venography(4)
    cards = post(client, b, PV)
    assert ids(cards) == ["bilateral-edema-systemic-cause"]
    assert "stent already in place" in card(cards, "bilateral-edema-systemic-cause")["detail"]


def test_bilateral_code_r22_43_with_compression(client: FlaskClient) -> None:
    b = patient("r2243")
    b.swelling("bilateral", 20)
    b.ct_venography(12, compression_side="left")
    got = ids(post(client, b, PV))
    assert "bilateral-edema-systemic-cause" in got
    assert "ivus-before-intervention" not in got
    assert "compression-without-symptoms" not in got


def test_mass_imaged_without_nature_is_a_suspected_compression(client: FlaskClient) -> None:
    b = patient("massivus")
    b.condition(concept(coding(ICD10, "R19.04", "Left lower quadrant abdominal swelling, mass "
                                                "and lump")), onset=at(25))
    b.contrast_ct_pelvis(22, "3 cm left pelvic cyst.")
    b.swelling("left", 20, extent="whole")
    b.duplex("left", 15)
    b.ct_venography(12)
    b.normal_workup(10)
    b.qol_impact(10)
    assert ids(post(client, b, PV)) == ["ivus-before-intervention"]


def test_stale_active_antiplatelet_is_not_current(client: FlaskClient) -> None:
    b = patient("stale")
    b.iliac_stent("left", 500)
    b.duplex("left", 30)
    b.medication_request("1191", "aspirin", days_ago=400, dose_mg=81, per_day=1)
    assert post(client, b, PV) == []


def _mass_report(b, code: tuple[str, str, str], days_ago: int) -> str:
    return b.report(
        concept(coding(*code)),
        days_ago=days_ago,
        conclusion="4 cm left pelvic sidewall mass. No venous thrombus.",
        conclusion_codes=(coding(SNOMED, "74285003", "Mass of pelvic structure"),),
    )


def test_contrast_ct_that_found_the_mass_characterizes_it(client: FlaskClient) -> None:
    b = patient("foundct")
    _mass_report(b, (LOINC, "24866-6", "CT Pelvis W contrast IV"), 10)
    assert post(client, b, PV) == []


def test_mass_found_on_ct_venography_needs_characterization(client: FlaskClient) -> None:
    b = patient("foundcv")
    _mass_report(b, (SNOMED, "431676002", "CT venography"), 10)
    assert ids(post(client, b, PV)) == ["mass-characterization"]


def test_mass_found_on_ct_venography_then_contrast_mri(client: FlaskClient) -> None:
    b = patient("foundmri")
    _mass_report(b, (SNOMED, "431676002", "CT venography"), 10)
    b.report(concept(coding(LOINC, "36237-6", "MR Pelvis W contrast IV")), days_ago=4,
             conclusion="Left pelvic sidewall mass, indeterminate.")
    assert post(client, b, PV) == []


def test_compression_with_acute_iliac_dvt_is_not_incidental(client: FlaskClient) -> None:
    b = patient("cwsdvt")
    b.ct_venography(3, compression_side="left")
    b.dvt("I82.422", "Acute embolism and thrombosis of left iliac vein", 2)
    b.weight(70)
    got = ids(post(client, b, PV))
    assert "compression-without-symptoms" not in got
    assert "dvt-anticoagulation-lmwh" in got


def test_compression_with_prior_vte_is_not_incidental(client: FlaskClient) -> None:
    b = patient("cwsvte")
    b.ct_venography(3, compression_side="left")
    b.condition(concept(coding(ICD10, "Z86.718", "Personal history of other venous thrombosis "
                                                 "and embolism")), onset=at(700))
    assert post(client, b, PV) == []


@pytest.mark.parametrize("empty", ["null", "empty-bundle"])
def test_medication_list_retrieved_but_empty_is_assessed(client: FlaskClient, empty: str) -> None:
    import json
    import uuid

    from cds_hooks.service_catalog import get_service
    from fixtures.build import prefetch_for

    b = pre_ivus("medempty")
    service = get_service(PV)
    assert service is not None
    prefetch = prefetch_for(dict(service.prefetch), b.resources, b.patient_id)
    for key in ("medicationRequests", "medicationStatements", "medicationAdministrations"):
        prefetch[key] = None if empty == "null" else {"resourceType": "Bundle",
                                                      "type": "searchset", "total": 0}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/example", "patientId": b.patient_id},
            "prefetch": prefetch}
    response = client.post(f"/cds-services/{PV}", data=json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert ids(response.get_json()["cards"]) == ["ivus-before-intervention"]
