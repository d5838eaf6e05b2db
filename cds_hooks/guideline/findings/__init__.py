"""Clinical findings: the only input the guideline core understands.

`fhir_mapping` turns FHIR R4 resources into these plain, frozen dataclasses; the guideline
rules read them. Nothing here knows about FHIR types, HTTP or the clock.

Conventions every producer and consumer relies on:
- Every datetime is timezone-aware. A FHIR date without a time becomes 00:00 UTC of that day;
  a datetime keeps the offset it came with, so `.date()` is the calendar day the EHR meant.
- Status rules of the input profile that need no clock are applied by the mapper (refuted and
  entered-in-error resources never become findings; resolved conditions arrive with
  `active=False`). Time windows (30 days, 24 h, 12 months...) are applied by the guideline
  against its `as_of`, so the mapper only reports dates.
- `Side.UNKNOWN` is never treated as left or right.
- `refs` holds the FHIR references the finding came from ("Condition/abc"), for card detail.
"""

from cds_hooks.guideline.findings.basics import Side, Source
from cds_hooks.guideline.findings.clinical import (
    Behavior,
    Concept,
    Diagnosis,
    DopplerWaveform,
    Dose,
    DrugClass,
    EdemaImpact,
    Extent,
    IliacStent,
    ImagingStudy,
    Impact,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    MassNature,
    Measure,
    Measurement,
    Medication,
    MedicationKind,
    Modality,
    Patient,
    PatientRecord,
    ReferenceDiameter,
    Result,
    Swelling,
    UnreadableResource,
    VeinLevel,
    Waveform,
)
from cds_hooks.guideline.findings.orders import DraftOrder, OrderKind, StentSite

__all__ = [
    "Behavior",
    "Concept",
    "Diagnosis",
    "DopplerWaveform",
    "Dose",
    "DraftOrder",
    "DrugClass",
    "EdemaImpact",
    "Extent",
    "IliacStent",
    "ImagingStudy",
    "Impact",
    "IvusStenosis",
    "LesionBehavior",
    "MassCharacterization",
    "MassNature",
    "Measure",
    "Measurement",
    "Medication",
    "MedicationKind",
    "Modality",
    "OrderKind",
    "Patient",
    "PatientRecord",
    "ReferenceDiameter",
    "Result",
    "Side",
    "Source",
    "StentSite",
    "Swelling",
    "UnreadableResource",
    "VeinLevel",
    "Waveform",
]
