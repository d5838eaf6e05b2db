"""Masses, extrinsic compression, bilateral edema, asymptomatic compression, IVUS work-up."""

from __future__ import annotations

from cds_hooks.guideline.compression import (
    bilateral_edema_systemic_cause,
    compression_without_symptoms,
    ivus_before_intervention,
)
from cds_hooks.guideline.extrinsic import (
    extrinsic_compression_treat_cause,
    mass_characterization,
)
from cds_hooks.guideline.findings import (
    Concept,
    Extent,
    Impact,
    MassNature,
    Measure,
    Modality,
    Side,
)
from cds_hooks.guideline.recommendation import Indicator
from cds_hooks.guideline.state import DvtStatus
from tests.unit.guideline.builders import (
    compression_ct,
    diagnosis,
    direct_state,
    iliac_stent,
    impact,
    ivus,
    mass_nature,
    nivl_record,
    normal_labs,
    study,
    swelling,
)


def work_up(**fields):
    """The IVUS work-up record: the NIVL record before any IVUS."""
    fields.setdefault("ivus_stenoses", [])
    fields.setdefault("lesion_behaviors", [])
    fields.setdefault("reference_diameters", [])
    return nivl_record(**fields)


def left_mass(days: float = 10):
    return diagnosis(Concept.PELVIC_MASS, Side.LEFT, days, ref="Condition/mass")


# ---------------------------------------------------------------- bilateral edema


def test_bilateral_swelling_with_iliac_context_warns() -> None:
    rec = work_up(swellings=[swelling(Side.BILATERAL, 20)])
    result = bilateral_edema_systemic_cause(direct_state(rec))
    assert result is not None
    assert result.id == "bilateral-edema-systemic-cause"
    assert result.indicator is Indicator.WARNING
    assert result.suggestions == ()


def test_left_and_right_swelling_is_bilateral() -> None:
    rec = work_up(swellings=[swelling(Side.LEFT, 20), swelling(Side.RIGHT, 20)])
    assert bilateral_edema_systemic_cause(direct_state(rec)) is not None


def test_bilateral_card_lists_unassessed_causes_as_missing() -> None:
    rec = work_up(swellings=[swelling(Side.BILATERAL, 20)], measurements=[])
    result = bilateral_edema_systemic_cause(direct_state(rec))
    assert result is not None and len(result.missing) == 4


def test_bilateral_silent_without_iliac_context_or_when_unilateral() -> None:
    rec = work_up(swellings=[swelling(Side.BILATERAL, 20)])
    assert bilateral_edema_systemic_cause(direct_state(rec, iliac_context=False)) is None
    assert bilateral_edema_systemic_cause(direct_state(work_up())) is None


def test_bilateral_suppresses_ivus_work_up() -> None:
    rec = work_up(swellings=[swelling(Side.LEFT, 20), swelling(Side.RIGHT, 20)])
    assert ivus_before_intervention(direct_state(rec)) is None


# ---------------------------------------------------------------- mass characterization


def test_uncharacterized_mass_asks_for_contrast_ct_or_mri() -> None:
    result = mass_characterization(direct_state(work_up(diagnoses=[left_mass()])))
    assert result is not None
    assert result.indicator is Indicator.WARNING
    assert result.selection == "at-most-one"
    assert [s.codes[0].code for s in result.suggestions] == ["74710000", "433138001"]
    assert result.evidence[0].refs == ("Condition/mass",)


def test_pregnancy_gets_mri_only() -> None:
    rec = work_up(diagnoses=[left_mass(), diagnosis(Concept.PREGNANCY, days=60)])
    result = mass_characterization(direct_state(rec))
    assert result is not None
    # Catalog v2.2: one suggestion, MRI pelvis WITHOUT contrast; never 433138001 or CT.
    assert [s.codes[0].code for s in result.suggestions] == ["30673-8"]
    assert all("WO contrast" in c.display for s in result.suggestions for c in s.codes)
    assert "without contrast" in result.summary and "CT" not in result.summary


def test_contrast_imaging_on_the_day_of_the_mass_characterizes_it() -> None:
    for ct_days, fires in ((10, False), (9, False), (11, True)):
        rec = work_up(
            diagnoses=[left_mass(10)],
            imaging=[study(Modality.CONTRAST_CT_MRI, Side.UNKNOWN, ct_days)],
        )
        assert (mass_characterization(direct_state(rec)) is not None) is fires, ct_days


def test_ct_venography_does_not_characterize_a_mass() -> None:
    rec = work_up(diagnoses=[left_mass(10)], imaging=[compression_ct(Side.LEFT, 2)])
    assert mass_characterization(direct_state(rec)) is not None


def test_documented_nature_characterizes_the_mass() -> None:
    rec = work_up(diagnoses=[left_mass()], masses=[mass_nature(MassNature.MALIGNANT)])
    assert mass_characterization(direct_state(rec)) is None


def test_nature_on_the_other_side_does_not_characterize() -> None:
    rec = work_up(diagnoses=[left_mass()], masses=[mass_nature(MassNature.ABSCESS, Side.RIGHT)])
    assert mass_characterization(direct_state(rec)) is not None


def test_mass_characterization_independent_of_dvt_status() -> None:
    rec = work_up(diagnoses=[left_mass()])
    assert mass_characterization(direct_state(rec, dvt_status=DvtStatus.CONFIRMED)) is not None


# ---------------------------------------------------------------- extrinsic compression


def test_malignant_mass_on_swollen_side_refers_to_oncology() -> None:
    rec = work_up(diagnoses=[left_mass()], masses=[mass_nature(MassNature.MALIGNANT)])
    result = extrinsic_compression_treat_cause(direct_state(rec))
    assert result is not None
    assert result.id == "extrinsic-compression-treat-cause"
    assert result.indicator is Indicator.WARNING
    assert [s.codes[0].code for s in result.suggestions] == ["306237005"]
    assert "S3" in result.sources
    assert "temporizing" in result.detail


def test_abscess_is_drained_and_never_stented() -> None:
    rec = work_up(masses=[mass_nature(MassNature.ABSCESS)])
    result = extrinsic_compression_treat_cause(direct_state(rec))
    assert result is not None
    assert "drainage" in result.detail
    assert "stent be discussed" not in result.detail
    assert result.suggestions == ()


def test_bursitis_after_hip_arthroplasty_gets_orthopedic_input() -> None:
    rec = work_up(
        masses=[mass_nature(MassNature.BURSITIS)],
        diagnoses=[diagnosis(Concept.HIP_ARTHROPLASTY, Side.LEFT, 700)],
    )
    result = extrinsic_compression_treat_cause(direct_state(rec))
    assert result is not None
    assert "orthopedic" in result.detail
    assert result.sources == ("S5",)
    no_hip = extrinsic_compression_treat_cause(
        direct_state(work_up(masses=[mass_nature(MassNature.BURSITIS)]))
    )
    assert no_hip is not None and "orthopedic" not in no_hip.detail


def test_disc_osteophyte_gets_spine_review() -> None:
    rec = work_up(masses=[mass_nature(MassNature.DEGENERATIVE)])
    result = extrinsic_compression_treat_cause(direct_state(rec))
    assert result is not None and "spine" in result.detail and result.sources == ("S4",)


def test_compression_on_imaging_without_swelling_still_treats_the_cause() -> None:
    rec = work_up(
        swellings=[],
        masses=[mass_nature(MassNature.MALIGNANT, Side.RIGHT)],
        imaging=[compression_ct(Side.RIGHT)],
    )
    assert extrinsic_compression_treat_cause(direct_state(rec)) is not None


def test_nature_away_from_swelling_and_compression_is_silent() -> None:
    rec = work_up(masses=[mass_nature(MassNature.MALIGNANT, Side.RIGHT)])
    assert extrinsic_compression_treat_cause(direct_state(rec)) is None


def test_extrinsic_cause_ignores_dvt_status_and_suppresses_ivus() -> None:
    rec = work_up(masses=[mass_nature(MassNature.BENIGN_NEOPLASM)])
    assert (
        extrinsic_compression_treat_cause(direct_state(rec, dvt_status=DvtStatus.NOT_EXCLUDED))
        is not None
    )
    assert ivus_before_intervention(direct_state(rec)) is None


# ---------------------------------------------------------------- compression without symptoms


def asymptomatic(**fields):
    fields.setdefault("swellings", [])
    return work_up(**fields)


def test_compression_without_swelling_is_info_no_intervention() -> None:
    result = compression_without_symptoms(direct_state(asymptomatic()))
    assert result is not None
    assert result.indicator is Indicator.INFO
    assert "24%" in result.quote
    assert result.suggestions == ()


def test_documented_absent_swelling_counts_as_no_swelling() -> None:
    rec = asymptomatic(swellings=[swelling(Side.LEFT, 3, present=False)])
    assert compression_without_symptoms(direct_state(rec)) is not None


def test_compression_without_symptoms_near_misses() -> None:
    assert compression_without_symptoms(direct_state(work_up())) is None  # swelling
    assert compression_without_symptoms(direct_state(asymptomatic(imaging=[]))) is None
    assert compression_without_symptoms(direct_state(asymptomatic(stents=[iliac_stent()]))) is None
    assert (
        compression_without_symptoms(direct_state(asymptomatic(ivus_stenoses=[ivus(40)]))) is None
    )
    assert (
        compression_without_symptoms(
            direct_state(asymptomatic(masses=[mass_nature(MassNature.MALIGNANT)]))
        )
        is None
    )
    assert compression_without_symptoms(direct_state(asymptomatic(diagnoses=[left_mass()]))) is None


# ---------------------------------------------------------------- IVUS before intervention


def test_ivus_work_up_fires_with_every_prerequisite() -> None:
    result = ivus_before_intervention(direct_state(work_up()))
    assert result is not None
    assert result.id == "ivus-before-intervention"
    assert result.indicator is Indicator.WARNING
    codes = [c.code for c in result.suggestions[0].codes]
    # Catalog: "CPT 37252 + 75820/75822 codings welcome"; the work-up is unilateral -> 75820.
    assert codes == ["37252", "75820"]
    assert result.suggestions[0].codes[0].system == "http://www.ama-assn.org/go/cpt"


def test_ivus_work_up_needs_dvt_excluded() -> None:
    for status in (DvtStatus.NOT_EXCLUDED, DvtStatus.CONFIRMED):
        assert ivus_before_intervention(direct_state(work_up(), dvt_status=status)) is None


def test_ivus_work_up_needs_compression_on_the_swollen_side() -> None:
    assert (
        ivus_before_intervention(
            direct_state(
                work_up(imaging=[study(Modality.DUPLEX, Side.LEFT, 5), compression_ct(Side.RIGHT)])
            )
        )
        is None
    )
    mass_only = work_up(
        imaging=[
            study(Modality.DUPLEX, Side.LEFT, 5),
            study(Modality.CONTRAST_CT_MRI, Side.UNKNOWN, 5),
        ],
        diagnoses=[left_mass(10)],
    )
    assert ivus_before_intervention(direct_state(mass_only)) is not None
    i87 = work_up(
        imaging=[study(Modality.DUPLEX, Side.LEFT, 5)],
        diagnoses=[diagnosis(Concept.ILIAC_COMPRESSION, Side.UNKNOWN, 30)],
    )
    # Unknown is never taken for the swollen side: silent rather than guess.
    assert ivus_before_intervention(direct_state(i87)) is None
    i87_left = work_up(
        imaging=[study(Modality.DUPLEX, Side.LEFT, 5)],
        diagnoses=[diagnosis(Concept.ILIAC_COMPRESSION, Side.LEFT, 30)],
    )
    assert ivus_before_intervention(direct_state(i87_left)) is not None


def test_ivus_work_up_needs_quality_of_life_impact_or_scrotal_edema() -> None:
    assert ivus_before_intervention(direct_state(work_up(impacts=[]))) is None
    assert ivus_before_intervention(direct_state(work_up(impacts=[impact(Impact.MINIMAL)]))) is None
    scrotal = work_up(impacts=[], diagnoses=[diagnosis(Concept.SCROTAL_EDEMA, Side.UNKNOWN)])
    assert ivus_before_intervention(direct_state(scrotal)) is not None


def test_ivus_work_up_needs_every_alternative_cause_absent() -> None:
    labs = [m for m in normal_labs() if m.measure is not Measure.ALBUMIN]
    assert ivus_before_intervention(direct_state(work_up(measurements=labs))) is None
    hf = work_up(diagnoses=[diagnosis(Concept.HEART_FAILURE)])
    assert ivus_before_intervention(direct_state(hf)) is None


def test_ivus_work_up_silent_with_ivus_stent_or_uncharacterized_mass() -> None:
    assert ivus_before_intervention(direct_state(work_up(ivus_stenoses=[ivus(40)]))) is None
    assert ivus_before_intervention(direct_state(work_up(stents=[iliac_stent()]))) is None
    assert ivus_before_intervention(direct_state(work_up(diagnoses=[left_mass()]))) is None
    # Catalog: "no IVUS result on record" -- IVUS done without a result still asks for it.
    done = direct_state(work_up(), ivus_done=True)
    assert ivus_before_intervention(done) is not None


def test_ivus_work_up_needs_unilateral_known_side() -> None:
    rec = work_up(swellings=[swelling(Side.UNKNOWN, 20, Extent.WHOLE_LEG)])
    assert ivus_before_intervention(direct_state(rec)) is None


def test_treat_cause_summary_claims_compression_only_when_imaged() -> None:
    no_imaging = work_up(imaging=[], masses=[mass_nature(MassNature.MALIGNANT, Side.UNKNOWN)])
    result = extrinsic_compression_treat_cause(direct_state(no_imaging))
    assert result is not None and result.summary.startswith("A malignant mass may compress")
    imaged = work_up(masses=[mass_nature(MassNature.MALIGNANT)])
    result = extrinsic_compression_treat_cause(direct_state(imaged))
    assert result is not None and result.summary.startswith("Iliac vein compression by")


def test_documented_negative_exam_is_cited() -> None:
    rec = asymptomatic(swellings=[swelling(Side.LEFT, 3, present=False, ref="Observation/exam")])
    result = compression_without_symptoms(direct_state(rec))
    assert result is not None
    assert any(e.refs == ("Observation/exam",) for e in result.evidence)
