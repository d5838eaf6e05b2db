"""Pathway state: the catalog's "Pathway state the recommendations depend on", derived once per
call from the findings, so that every rule module reads the same facts.

The dataclasses below are the contract between the rule modules; `state_derivation.derive_state`
fills them. Fields may be added (with defaults); none may be renamed or removed without updating
every rule module. This module imports no rule module, so every rule module may import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cds_hooks.guideline.findings import (
    Diagnosis,
    DopplerWaveform,
    EdemaImpact,
    IliacStent,
    ImagingStudy,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    Measurement,
    Medication,
    PatientRecord,
    ReferenceDiameter,
    Side,
    Swelling,
)
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.settings import GuidelineSettings


class DvtStatus(StrEnum):
    CONFIRMED = "confirmed"  # acute DVT in that leg or the iliac veins
    EXCLUDED = "excluded"  # negative complete duplex (+ CT/MR venography when triggered)
    NOT_EXCLUDED = "not-excluded"


class CauseState(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not-assessed"


@dataclass(frozen=True)
class LegState:
    """One leg that currently has swelling: LEFT or RIGHT, or UNKNOWN when no current swelling
    record names a side (an unknown side is never merged into a lateralized leg)."""

    side: Side
    swellings: tuple[Swelling, ...]  # current present swelling records for this side
    onset: datetime | None  # earliest swelling date of this side (onset, else recorded)
    new: bool  # onset within settings.new_swelling_days
    whole_leg: bool  # whole-leg swelling per the catalog's rules (extent unknown + iliac cue)
    dvt_status: DvtStatus
    acute_dvt: bool  # acute DVT in this leg (or iliac veins on this side/unknown side)
    complete_duplex_since_onset: ImagingStudy | None  # newest complete duplex on/after onset
    negative_duplex_30d: ImagingStudy | None  # newest negative duplex (any extent) in window
    pelvic_imaging_trigger: bool  # whole-leg swelling persists or CFV non-phasic within window
    venography_since: ImagingStudy | None  # CT/MR venography after the duplex, in window
    evidence: tuple[Evidence, ...] = ()
    # Added: what raised the pelvic-imaging trigger, for the card's evidence
    cfv_non_phasic: DopplerWaveform | ImagingStudy | None = None  # newest CFV finding, in window
    complete_negative_duplex_since_onset: ImagingStudy | None = None  # the excluding duplex
    whole_leg_persists: bool = False  # whole-leg swelling persists after negative_duplex_30d


@dataclass(frozen=True)
class PathwayState:
    record: PatientRecord
    as_of: datetime
    settings: GuidelineSettings

    # Relevance gate
    iliac_context: bool = False  # mass, iliac vein compression, iliac stent or acute DVT
    swelling_sides: frozenset[Side] = frozenset()  # LEFT/RIGHT/UNKNOWN with current swelling
    bilateral_swelling: bool = False
    swelling_absent_documented: bool = False  # a negative exam and no current swelling
    in_scope: bool = False  # the patient-view relevance gate passes (and patient not deceased)
    legs: tuple[LegState, ...] = ()  # one per leg with current swelling (see LegState)

    # DVT
    acute_dvts: tuple[Diagnosis | ImagingStudy, ...] = ()  # patient level, any leg
    acute_dvt: bool = False
    acute_proximal_dvt: bool = False
    acute_dvt_sides: frozenset[Side] = frozenset()  # LEFT/RIGHT/UNKNOWN (bilateral -> both)
    prior_vte: bool = False
    # Added: an acute DVT whose level (proximal/distal) is not stated; filter rules stay silent
    acute_dvt_level_unknown: bool = False

    # Anticoagulation
    anticoagulation_contraindicated: bool = False
    contraindications: tuple[Evidence, ...] = ()  # major bleeding, platelets < 50...
    minor_bleeding: tuple[Evidence, ...] = ()  # noted, not a contraindication
    heparin_contraindicated: bool = False  # HIT at any time or heparin/LMWH allergy
    therapeutic_anticoagulation: bool = False
    current_anticoagulants: tuple[Medication, ...] = ()
    current_antiplatelets: tuple[Medication, ...] = ()
    current_edema_medications: tuple[Medication, ...] = ()
    weight: Measurement | None = None  # newest plausible weight within labs window (kg)

    # Severity
    severe_hypotension: bool = False
    limb_threatening_ischemia: bool = False
    # Thrombolysis contraindicated (catalog v2.2): anticoagulation contraindicated, prior
    # intracranial hemorrhage, recent stroke/surgery/trauma, CNS neoplasm, bleeding diathesis
    thrombolysis_contraindicated: bool = False
    thrombolysis_contraindications: tuple[Evidence, ...] = ()
    pregnant: bool = False
    # Catalog "Under 18": whole years on the hook's day from Patient.birthDate (None = unknown,
    # counted as adult)
    age_years: int | None = None
    under_18: bool = False

    # Iliac anatomy and masses
    masses: tuple[Diagnosis, ...] = ()  # current pelvic/iliac masses (incl. lymphadenopathy)
    compression: tuple[Diagnosis | ImagingStudy, ...] = ()  # iliac vein compression findings
    compression_sides: frozenset[Side] = frozenset()
    mass_natures: tuple[MassCharacterization, ...] = ()
    extrinsic_cause_characterized: bool = False

    # IVUS and lesion (newest first)
    ivus: tuple[IvusStenosis, ...] = ()
    ivus_done: bool = False  # an IVUS result or an ImagingStudy with modality IVUS
    reference_diameters: tuple[ReferenceDiameter, ...] = ()
    lesion_behaviors: tuple[LesionBehavior, ...] = ()
    impacts: tuple[EdemaImpact, ...] = ()
    scrotal_edema: bool = False

    # Stents
    stents: tuple[IliacStent, ...] = ()
    stent_in_place: bool = False

    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
