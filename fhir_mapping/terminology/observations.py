"""Observation value sets: labs and vitals (LOINC), local measurement codes, answer codes."""

from __future__ import annotations

from cds_hooks.guideline.findings import Measure

from . import codes

# LOINC code -> measure. Each measure's unit conversion lives in `fhir_mapping.observations`.
LAB_LOINC: dict[str, Measure] = {
    "2160-0": Measure.CREATININE,
    "38483-4": Measure.CREATININE,  # creatinine [Mass/volume] in blood
    "14682-9": Measure.CREATININE,  # creatinine [Moles/volume] in serum or plasma
    "33914-3": Measure.EGFR,
    "62238-1": Measure.EGFR,
    "98979-8": Measure.EGFR,
    "1751-7": Measure.ALBUMIN,
    "1975-2": Measure.BILIRUBIN,
    "1742-6": Measure.ALT,
    "6301-6": Measure.INR,
    "34714-6": Measure.INR,  # INR in blood by coagulation assay
    "777-3": Measure.PLATELETS,
    "26515-7": Measure.PLATELETS,
    "33762-6": Measure.NT_PROBNP,
    "30934-4": Measure.BNP,
    "29463-7": Measure.WEIGHT,
    "3141-9": Measure.WEIGHT,  # body weight measured
    "8480-6": Measure.SYSTOLIC_BP,
}
# Blood pressure panels whose component 8480-6 is the systolic pressure.
BP_PANELS = codes("85354-9", "55284-4", "35094-2")
SYSTOLIC_BP = "8480-6"
PREGNANCY_STATUS = codes("82810-3")
PREGNANT_ANSWERS = codes("77386006")  # SNOMED patient currently pregnant
NOT_PREGNANT_ANSWERS = codes("60001007")  # SNOMED not pregnant

# Local codes (`urn:iliac-cds:observation`).
IVUS_STENOSIS = "ivus-diameter-stenosis"
IVUS_AREA_STENOSIS = "ivus-area-stenosis"
REFERENCE_DIAMETER = "reference-vessel-diameter"
LESION_BEHAVIOR = "lesion-behavior"
CFV_WAVEFORM = "cfv-doppler-waveform"
EDEMA_QOL = "edema-qol-impact"
LOCAL_CODES = codes(
    IVUS_STENOSIS, IVUS_AREA_STENOSIS, REFERENCE_DIAMETER, LESION_BEHAVIOR, CFV_WAVEFORM,
    EDEMA_QOL,
)

# Answers (SNOMED) of a swelling/edema Observation that mean the leg is not swollen.
ABSENT_ANSWERS = codes("2667000", "260385009", "373067005")
PRESENT_ANSWERS = codes("52101004", "10828004", "373066001")  # present, positive, yes
QOL_YES = codes("373066001")
QOL_NO = codes("373067005")
# HL7 v3 ObservationInterpretation. "Abnormal" is deliberately absent: an abnormal duplex may
# show reflux without any thrombus.
POSITIVE_INTERPRETATION = codes("POS", "DET")
NEGATIVE_INTERPRETATION = codes("NEG", "ND", "N")

# SNOMED body sites of the iliac veins and their mention in text.
EXTERNAL_ILIAC_VEIN = "63507001"
COMMON_ILIAC_VEIN = "46027005"

# Text of an Observation's code or value that names edema of the leg(s). Synthea's generic
# "Edema (finding)" 267038008 names no limb and is not lower-limb swelling.
EDEMA_WORDS = ("edema", "oedema", "swelling", "swollen")
LEG_WORDS = (
    "leg", "legs", "lower limb", "lower limbs", "lower extremity", "lower extremities", "lle",
    "rle", "ble", "thigh", "calf", "ankle", "ankles", "foot", "feet", "pedal", "pitting",
    "groin", "whole leg",
)  # fmt: skip
ABSENT_EDEMA_TEXT = (
    "no edema", "no oedema", "no leg swelling", "no swelling", "without edema",
    "without swelling", "no pedal edema", "no peripheral edema", "no lower extremity edema",
    "no leg edema", "edema absent", "edema: none", "edema: absent", "edema none",
)  # fmt: skip

# Quality-of-life impact of edema stated in text: `fhir_mapping.impact_text`.

# Lesion behavior and CFV waveform codes/text of local value sets.
FIXED_CODES = codes("fixed")
DYNAMIC_CODES = codes("dynamic")
PHASIC_CODES = codes("phasic")
NON_PHASIC_CODES = codes("non-phasic", "nonphasic", "monophasic", "continuous")
