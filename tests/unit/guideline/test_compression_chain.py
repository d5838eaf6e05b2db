"""Compression, mass and alternative-cause rules through `evaluate_patient_view`."""

from __future__ import annotations

from cds_hooks.guideline import evaluate_patient_view
from cds_hooks.guideline.findings import Concept, MassNature, Modality, Side
from tests.unit.guideline.builders import (
    AS_OF,
    compression_ct,
    diagnosis,
    mass_nature,
    nivl_record,
    record,
    study,
    swelling,
)


def ids(rec) -> set[str]:
    return {r.id for r in evaluate_patient_view(rec, as_of=AS_OF)}


def before_ivus(**fields):
    fields.setdefault("ivus_stenoses", [])
    fields.setdefault("lesion_behaviors", [])
    fields.setdefault("reference_diameters", [])
    return nivl_record(**fields)


def test_asymptomatic_compression_is_info_only() -> None:
    assert ids(record(imaging=[compression_ct(Side.LEFT)])) == {"compression-without-symptoms"}


def test_unassessed_alternative_causes_block_the_ivus_work_up() -> None:
    found = ids(before_ivus(measurements=[]))
    assert "edema-alternative-causes" in found
    assert "ivus-before-intervention" not in found


def test_uncharacterized_mass_asks_for_imaging_not_ivus() -> None:
    mass = diagnosis(Concept.PELVIC_MASS, Side.LEFT, 10)
    found = ids(before_ivus(diagnoses=[mass]))
    assert "mass-characterization" in found
    assert "ivus-before-intervention" not in found


def test_mass_imaged_with_contrast_and_no_cause_goes_to_ivus() -> None:
    mass = diagnosis(Concept.PELVIC_MASS, Side.LEFT, 10)
    imaging = [
        study(Modality.DUPLEX, Side.LEFT, 5),
        study(Modality.CT_VENOGRAPHY, Side.UNKNOWN, 4),  # whole-leg swelling persists
        study(Modality.CONTRAST_CT_MRI, Side.UNKNOWN, 10),
    ]
    assert ids(before_ivus(diagnoses=[mass], imaging=imaging)) == {"ivus-before-intervention"}


def test_bursitis_compressing_without_swelling_is_treated() -> None:
    rec = record(
        imaging=[compression_ct(Side.RIGHT)],
        masses=[mass_nature(MassNature.BURSITIS, Side.RIGHT)],
        diagnoses=[diagnosis(Concept.HIP_ARTHROPLASTY, Side.RIGHT, 700)],
    )
    assert ids(rec) == {"extrinsic-compression-treat-cause"}


def test_bilateral_edema_with_compression() -> None:
    rec = before_ivus(swellings=[swelling(Side.BILATERAL, 20)])
    found = ids(rec)
    assert "bilateral-edema-systemic-cause" in found
    assert "ivus-before-intervention" not in found


def test_lymphocele_compressing_the_vein_is_drained_not_stented() -> None:
    """Profile v2.3 names lymphocele as a mass nature stated in text; the catalog treats
    'other benign compressive lesions' by excision/drainage."""
    rec = record(
        imaging=[compression_ct(Side.LEFT)],
        masses=[mass_nature(MassNature.LYMPHOCELE, Side.LEFT)],
    )
    found = evaluate_patient_view(rec, as_of=AS_OF)
    assert {r.id for r in found} == {"extrinsic-compression-treat-cause"}
    assert "lymphocele" in found[0].detail
    assert not found[0].suggestions  # no oncology referral for a benign lesion
