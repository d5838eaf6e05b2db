"""The report statuses the input profile reads (final, preliminary, excluded), the date keys,
and the union of findings a report yields.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import (
    Diagnosis,
    ImagingStudy,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    ReferenceDiameter,
)

Finding = (
    ImagingStudy
    | IvusStenosis
    | ReferenceDiameter
    | LesionBehavior
    | MassCharacterization
    | Diagnosis
)

_FINAL_STATUS = frozenset({"final", "amended", "corrected", "appended"})
_PRELIMINARY_STATUS = frozenset({"preliminary", "partial"})
_USABLE_STATUS = _FINAL_STATUS | _PRELIMINARY_STATUS
_IMAGING_STUDY_EXCLUDED = frozenset({"cancelled", "entered-in-error"})
_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "issued")
