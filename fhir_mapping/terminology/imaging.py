"""Imaging value sets: report codes by modality, conclusion codes and report phrases."""

from __future__ import annotations

from cds_hooks.guideline.findings import MassNature, Modality, Side

from ..fhir_types import CPT, LOINC, SNOMED
from . import codes

# ---------------------------------------------------------------- study codes by modality
DUPLEX_LOINC = codes(
    "39432-0", "39443-7", "39420-5", "30881-7", "46363-8", "39497-3", "69399-4", "80860-0",
)  # fmt: skip
DUPLEX_CPT = codes("93970", "93971")
DUPLEX_SIDE_LOINC: dict[str, Side] = {
    "39432-0": Side.LEFT,
    "39443-7": Side.RIGHT,
    "39420-5": Side.BILATERAL,
}
# Femoropopliteal-only (69399-4) and limited (80860-0) duplexes never exclude a DVT.
INCOMPLETE_DUPLEX_LOINC = codes("69399-4", "80860-0")
CT_VENOGRAPHY_SNOMED = codes("431676002", "772247005")
MR_VENOGRAPHY_LOINC = codes("36789-6", "36790-4", "87281-2", "36824-1")
CONTRAST_CT_MRI_SNOMED = codes("74710000", "432370003", "1148701004", "433138001", "699582003")
CONTRAST_CT_MRI_LOINC = codes("24866-6", "36237-6")
VENOGRAPHY_IVUS_CPT = codes("37252", "37253", "75820", "75822", "75825", "75827")

MODALITY_BY_CODE: dict[tuple[str, str], Modality] = {
    **{(LOINC, c): Modality.DUPLEX for c in DUPLEX_LOINC},
    **{(CPT, c): Modality.DUPLEX for c in DUPLEX_CPT},
    **{(SNOMED, c): Modality.CT_VENOGRAPHY for c in CT_VENOGRAPHY_SNOMED},
    **{(LOINC, c): Modality.MR_VENOGRAPHY for c in MR_VENOGRAPHY_LOINC},
    **{(SNOMED, c): Modality.CONTRAST_CT_MRI for c in CONTRAST_CT_MRI_SNOMED},
    **{(LOINC, c): Modality.CONTRAST_CT_MRI for c in CONTRAST_CT_MRI_LOINC},
    **{(CPT, c): Modality.VENOGRAPHY_IVUS for c in VENOGRAPHY_IVUS_CPT},
}

# Text of a report's code when no listed code is present (checked in this order: the more
# specific modality first, so "CT venography" is not read as plain contrast CT).
MODALITY_TEXT: tuple[tuple[Modality, tuple[str, ...]], ...] = (
    (Modality.VENOGRAPHY_IVUS, (
        "ivus", "intravascular ultrasound", "catheter venography", "catheter venogram",
    )),
    (Modality.CT_VENOGRAPHY, (
        "ct venography", "ct venogram", "ctv", "computed tomography venography",
    )),
    (Modality.MR_VENOGRAPHY, (
        "mr venography", "mr venogram", "mrv", "magnetic resonance venography",
    )),
    (Modality.DUPLEX, (
        "venous duplex", "duplex ultrasound", "venous doppler", "venous ultrasound",
        "duplex scan", "compression ultrasound", "dvt ultrasound", "lower extremity venous",
        # Epic/Cerner procedure names put the modality first: "US DOPPLER VENOUS LEG LEFT"
        "doppler venous", "duplex venous", "us venous", "ultrasound venous", "venous dopplers",
    )),
)  # fmt: skip
# A plain "venography" report (not CT/MR) is catheter venography.
VENOGRAPHY_WORDS = ("venography", "venogram", "phlebography", "phlebogram")

# ---------------------------------------------------------------- results
POSITIVE_CONCLUSIONS = codes("10828004", "128053003", "404223003", "132281000119108")
NEGATIVE_CONCLUSIONS = codes("260385009", "2667000", "281900007")  # negative, absent, no abn.
DVT_ICD10_PREFIXES = ("I824", "I801", "I802")
ILIAC_COMPRESSION_ICD10 = codes("I871")
ILIAC_COMPRESSION_SNOMED = codes("234049002", "722865007")  # May-Thurner syndrome

# Conclusion codes naming the nature of a mass (on a contrast CT/MRI or venography).
MASS_NATURE_CONCLUSIONS: dict[str, MassNature] = {
    "363346000": MassNature.MALIGNANT,
    "128462008": MassNature.MALIGNANT,
    "118600007": MassNature.MALIGNANT,
    "128477000": MassNature.ABSCESS,
    "111367007": MassNature.ABSCESS,
    "385494008": MassNature.HEMATOMA,
    "281352004": MassNature.BURSITIS,
    "20376005": MassNature.BENIGN_NEOPLASM,
    "3898006": MassNature.BENIGN_NEOPLASM,
    "235231000119100": MassNature.DEGENERATIVE,
}

# ---------------------------------------------------------------- report phrases
THROMBUS_TEXT = (
    "dvt", "thrombus", "thrombi", "thrombosis", "deep vein thrombosis",
    "deep venous thrombosis", "clot", "thrombosed", "occlusive thrombus",
    "non-occlusive thrombus", "nonocclusive thrombus",
)  # fmt: skip
# "no evidence of DVT", "normal study" without a thrombus word: a negative study.
NORMAL_STUDY_TEXT = (
    "normal study", "normal venous duplex", "normal examination",
    "veins are patent and compressible", "fully compressible", "normal compressibility",
)  # fmt: skip
NOT_VISUALIZED_TEXT = (
    "not visualized", "not visualised", "not seen", "not assessed", "not evaluated",
    "not imaged", "not examined", "not interrogated", "could not be visualized",
    "could not be visualised", "could not be assessed", "poorly visualized",
    "poorly visualised", "suboptimal visualization", "suboptimal visualisation",
    "limited study", "limited examination", "limited evaluation", "not well visualized",
    "not well visualised", "not well seen", "not adequately visualized",
    "not adequately visualised", "inadequately visualized", "inadequately visualised",
)  # fmt: skip
VEIN_SEGMENT_TEXT = (
    "calf vein", "calf veins", "peroneal", "posterior tibial", "anterior tibial",
    "gastrocnemius", "soleal", "cfv", "common femoral", "femoral", "popliteal", "iliac",
    "saphenofemoral", "profunda", "segment", "segments", "vein", "veins",
)  # fmt: skip

# CFV Doppler waveform statements.
NON_PHASIC_TEXT = (
    "non-phasic", "nonphasic", "non phasic", "monophasic", "continuous flow",
    "continuous waveform", "continuous doppler", "loss of respiratory phasicity",
    "loss of phasicity", "absent phasicity", "absence of phasicity", "lack of phasicity",
    "flat waveform", "flattened waveform", "dampened waveform", "blunted waveform",
    "no respiratory variation", "no respiratory phasicity",
)  # fmt: skip
PHASIC_TEXT = (
    "phasic", "normal phasic flow", "normal phasicity", "respiratory phasicity",
    "respirophasic", "phasic flow", "varies with respiration", "varied with respiration",
    "respiratory variation", "normal doppler waveform", "normal waveform",
)  # fmt: skip
DOPPLER_CONTEXT_TEXT = ("doppler", "waveform", "flow", "cfv", "common femoral", "phasic")

# Iliac vein compression.
COMPRESSION_TEXT = (
    "compression of the left common iliac vein", "compression of the right common iliac vein",
    "compression of the left iliac vein", "compression of the right iliac vein",
    "compression of the common iliac vein", "compression of the iliac vein",
    "iliac vein compression", "iliac venous compression", "compressed iliac vein",
    "compressed common iliac vein", "compressed left common iliac vein",
    "compressed right common iliac vein", "may-thurner", "may thurner", "cockett",
    "nivl", "non-thrombotic iliac vein lesion", "nonthrombotic iliac vein lesion",
    "extrinsic compression", "civ compression",
)  # fmt: skip

# IVUS / venography lesion statements.
IVUS_CONTEXT_TEXT = ("ivus", "intravascular ultrasound", "stenosis", "lesion", "narrowing")
AREA_TEXT = ("area stenosis", "area reduction", "area narrowing", "cross-sectional area", "area")
DIAMETER_TEXT = ("diameter stenosis", "diameter reduction", "diameter")
REFERENCE_TEXT = ("reference", "reference diameter", "reference vessel", "normal segment")
EIV_TEXT = ("external iliac", "eiv")
FIXED_TEXT = (
    "fixed", "fixed lesion", "fixed stenosis", "no respiratory or positional variation",
    "no respiratory variation", "no positional variation", "does not vary",
    "did not vary", "without respiratory variation", "without positional variation",
    "no variation with respiration", "no change with respiration", "no change with position",
    "did not change with respiration", "does not change with respiration",
    "did not change with position", "does not change with position",
    "unchanged with respiration", "unchanged with valsalva", "unchanged with position",
    "did not collapse", "does not collapse", "no collapse", "non-collapsible", "noncollapsible",
    "persistent in all positions", "static",
)  # fmt: skip
DYNAMIC_TEXT = (
    "varies with respiration", "varied with respiration", "vary with respiration",
    "respiratory variation", "positional", "collapses with valsalva",
    "collapsed with valsalva", "collapse with valsalva", "dynamic", "dynamic lesion",
    "dynamic compression", "varies with position", "varied with position",
    "collapses with respiration", "collapsed with respiration", "collapses with inspiration",
    "collapsed with inspiration", "collapses", "collapsed completely", "changes with position",
    "changed with position", "changes with respiration", "changed with respiration",
)  # fmt: skip

# DICOM modality code of intravascular ultrasound on an ImagingStudy.
DICOM_IVUS = codes("IVUS")
