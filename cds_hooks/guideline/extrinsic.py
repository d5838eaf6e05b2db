"""Extrinsic iliac vein compression: characterize a pelvic/iliac mass, then treat its cause.

Extrinsic compression (a mass, abscess, bursitis, disc/osteophyte) is treated at its cause and
never leads to a NIVL stent recommendation.
"""

from __future__ import annotations

from cds_hooks.guideline.compression import (
    _mass_text,
    compression_side,
    evidence_of,
    extrinsic_causes,
    sides_match,
    uncharacterized_masses,
)
from cds_hooks.guideline.findings import Concept, MassNature
from cds_hooks.guideline.order_codes import LOINC, SNOMED
from cds_hooks.guideline.recommendation import (
    Code,
    Indicator,
    Recommendation,
    ServiceOrder,
)
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.trace import silent

__all__ = ["extrinsic_compression_treat_cause", "mass_characterization"]


CT_PELVIS_CONTRAST = ServiceOrder(
    label="CT pelvis with contrast",
    codes=(Code(SNOMED, "74710000", "Computed tomography of pelvis with contrast"),),
    note="To characterize the pelvic/iliac mass; contrast use is the radiologist's decision.",
    category="imaging",
)
MRI_PELVIS_CONTRAST = ServiceOrder(
    label="MRI pelvis with contrast",
    codes=(Code(SNOMED, "433138001", "Magnetic resonance imaging of pelvis with contrast"),),
    note="To characterize the pelvic/iliac mass; contrast use is the radiologist's decision.",
    category="imaging",
)
# Pregnancy: one suggestion, MRI pelvis WITHOUT contrast (catalog: "a standard LOINC or SNOMED
# code whose display says without contrast; never 433138001 or any code that says with
# contrast"). LOINC 30673-8 "MR Pelvis WO contrast" (LOINC Imaging Document Codes, value set
# 1.3.6.1.4.1.12009.10.2.5); not 30656-3, which is a contrast-enhanced brain MRI guidance code.
MRI_PELVIS_WITHOUT_CONTRAST_LOINC = Code(LOINC, "30673-8", "MR Pelvis WO contrast")
MRI_PELVIS_PREGNANCY = ServiceOrder(
    label="MRI pelvis without contrast (pregnancy)",
    codes=(MRI_PELVIS_WITHOUT_CONTRAST_LOINC,),
    note=(
        "Patient is pregnant: MRI without contrast (no gadolinium), never CT. To characterize "
        "the pelvic/iliac mass."
    ),
    category="imaging",
)
ONCOLOGY_REFERRAL = ServiceOrder(
    label="Referral to oncology",
    codes=(Code(SNOMED, "306237005", "Referral to oncology service"),),
    note="Extrinsic iliac vein compression by a malignant mass.",
    category="referral",
)

# Per nature: how the catalog says to treat it, and the source that says so.
TREATMENT: dict[MassNature, tuple[str, str]] = {
    MassNature.MALIGNANT: (
        "oncology for systemic/local treatment of the malignancy; a palliative stent if life "
        "expectancy permits",
        "S3",
    ),
    MassNature.ABSCESS: ("drainage of the abscess", "S2"),
    MassNature.HEMATOMA: ("evacuation/drainage of the compressing hematoma", "S2"),
    MassNature.BURSITIS: ("excision/drainage of the iliopsoas bursitis", "S5"),
    MassNature.BENIGN_NEOPLASM: ("excision of the benign compressive lesion", "S2"),
    MassNature.DEGENERATIVE: ("spine review of the disc/osteophyte", "S4"),
    # A benign compressive lesion: "excision/drainage for ... other benign compressive lesions".
    MassNature.LYMPHOCELE: ("drainage (or sclerotherapy) of the compressing lymphocele", "S2"),
}
# Infective masses are never stented; every other nature may get a temporizing stent if not
# resectable with severe symptoms (the catalog's only stent mention for extrinsic causes).
INFECTIVE = frozenset({MassNature.ABSCESS})


def mass_characterization(state: PathwayState) -> Recommendation | None:
    """`mass-characterization` (S3, S4, S5).

    Catalog: "a pelvic/iliac mass (incl. pelvic/iliac/inguinal lymphadenopathy) with neither a
    documented nature nor a contrast CT or MRI of the abdomen/pelvis dated on/after it (CT/MR
    venography does not count; the contrast CT that found the mass does). Independent of DVT
    status" — "CT pelvis with contrast (SNOMED 74710000), MRI pelvis with contrast (SNOMED
    433138001); when pregnant, one suggestion only: MRI pelvis **without** contrast".
    """
    masses = uncharacterized_masses(state)
    if not masses:
        return silent(
            "mass-characterization",
            "no pelvic/iliac mass lacking both a documented nature and a contrast CT/MRI after it",
        )
    suggestions = (
        (MRI_PELVIS_PREGNANCY,) if state.pregnant else (CT_PELVIS_CONTRAST, MRI_PELVIS_CONTRAST)
    )
    detail = (
        "A pelvic/iliac mass can compress the iliac vein. Its nature (malignancy, abscess, "
        "hematoma, bursitis, disc/osteophyte...) decides treatment, and an extrinsic cause is "
        "treated at its source, not with a venous stent. Cross-sectional imaging with contrast "
        "characterizes it; CT/MR venography alone does not."
    )
    summary = "Characterize the pelvic/iliac mass with contrast CT or MRI of the pelvis"
    if state.pregnant:
        # Cross-cutting rule: a pregnant patient is never offered contrast MRI or CT.
        detail = (
            "A pelvic/iliac mass can compress the iliac vein. Its nature (malignancy, abscess, "
            "hematoma, bursitis, disc/osteophyte...) decides treatment, and an extrinsic cause "
            "is treated at its source, not with a venous stent. The patient is pregnant: "
            "characterize it with MRI of the pelvis without contrast (no gadolinium, no CT); "
            "CT/MR venography alone does not characterize it."
        )
        summary = "Characterize the pelvic/iliac mass with MRI of the pelvis without contrast"
    return Recommendation(
        id="mass-characterization",
        indicator=Indicator.WARNING,
        summary=summary,
        detail=detail,
        evidence=tuple(evidence_of(_mass_text(m), m) for m in masses)
        + (state.evidence.get("pregnancy", ()) if state.pregnant else ()),
        missing=("Nature of the mass (no characterization or contrast CT/MRI on record)",),
        sources=("S3",),
        suggestions=suggestions,
        selection="at-most-one",
    )


def extrinsic_compression_treat_cause(state: PathwayState) -> Recommendation | None:
    """`extrinsic-compression-treat-cause` (S3 malignancy, S4 disc/osteophyte, S5 bursitis).

    Catalog: "extrinsic cause characterized on the swollen side (or compressing the iliac vein on
    imaging, with or without swelling), independent of DVT status: treat the cause — oncology for
    malignancy (systemic therapy; palliative stent if life expectancy permits), drainage for
    abscess, excision/drainage for bursitis or other benign compressive lesions (orthopedic input
    after hip arthroplasty), spine review for disc/osteophyte. A temporizing stent is mentioned
    only for malignant or non-infective masses that are not resectable with severe symptoms."
    """
    natures = extrinsic_causes(state)
    if not natures:
        return silent(
            "extrinsic-compression-treat-cause",
            "no characterized extrinsic cause on the swollen side or compressing the iliac vein",
        )
    kinds = list(dict.fromkeys(n.nature for n in natures))
    hip = any(d.concept is Concept.HIP_ARTHROPLASTY for d in state.record.diagnoses)
    lines = []
    for kind in kinds:
        action, _ = TREATMENT[kind]
        if kind is MassNature.BURSITIS and hip:
            action += ", with orthopedic input (after hip arthroplasty)"
        lines.append(f"- {_nature_text(kind).capitalize()}: {action}")
    compressed = any(
        sides_match(compression_side(c), n.side) for c in state.compression for n in natures
    )
    opening = (
        "The iliac vein is compressed from outside."
        if compressed
        else "A characterized mass on the side of the swelling can compress the iliac vein."
    )
    detail = (
        f"{opening} Extrinsic compression is treated at its cause; the NIVL stent work-up "
        "does not apply.\n\n" + "\n".join(lines)
    )
    if any(k not in INFECTIVE for k in kinds):
        detail += (
            "\n\nOnly if the mass is not resectable and symptoms are severe may a temporizing "
            "venous stent be discussed"
            + (" (never for the abscess)." if any(k in INFECTIVE for k in kinds) else ".")
        )
    sources = list(dict.fromkeys(TREATMENT[k][1] for k in kinds))
    summary = (
        f"Iliac vein compression by {_nature_text(kinds[0])}: treat the cause"
        if compressed
        else f"{_nature_text(kinds[0]).capitalize()} may compress the iliac vein: treat the cause"
    )
    if len(kinds) > 1:
        summary = (
            "Extrinsic iliac vein compression: treat each cause ("
            + ", ".join(_nature_text(k) for k in kinds)
            + ")"
        )
        if len(summary) >= 140:
            summary = "Extrinsic iliac vein compression: treat the causes, not with a NIVL stent"
    evidence = [evidence_of(f"{_nature_text(n.nature).capitalize()}", n) for n in natures]
    evidence += [evidence_of("Iliac vein compression", c) for c in state.compression]
    return Recommendation(
        id="extrinsic-compression-treat-cause",
        indicator=Indicator.WARNING,
        summary=summary,
        detail=detail,
        evidence=tuple(dict.fromkeys(evidence)),
        sources=tuple(sources),
        suggestions=(ONCOLOGY_REFERRAL,) if MassNature.MALIGNANT in kinds else (),
        selection="at-most-one",
    )


# ---------------------------------------------------------------- text helpers


def _nature_text(nature: MassNature) -> str:
    return {
        MassNature.MALIGNANT: "a malignant mass",
        MassNature.ABSCESS: "an abscess",
        MassNature.HEMATOMA: "a hematoma",
        MassNature.BURSITIS: "iliopsoas bursitis",
        MassNature.DEGENERATIVE: "a degenerative disc/osteophyte",
        MassNature.BENIGN_NEOPLASM: "a benign neoplasm",
        MassNature.LYMPHOCELE: "a lymphocele",
    }[nature]
