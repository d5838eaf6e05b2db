"""ImagingStudy resource with DICOM modality IVUS -> ImagingStudy (IVUS was done; not what it
found).
"""

from __future__ import annotations

from typing import Any

from cds_hooks.guideline.findings import ImagingStudy, Modality, Side, Source

from ..fhir_types import as_list, concept_text, first_when, get, ref_of
from ..laterality import combine, side_from, side_from_text
from .statuses import _IMAGING_STUDY_EXCLUDED, Finding

# ---------------------------------------------------------------- ImagingStudy resource


def _imaging_study(model: Any) -> list[Finding]:
    if get(model, "status") in _IMAGING_STUDY_EXCLUDED:
        return []
    series = as_list(get(model, "series"))
    sides = [
        side_from((), [get(s, "bodySite"), get(s, "laterality")], concept_text(get(s, "bodySite")))
        for s in series
    ]
    side = combine(sides)
    if side is Side.UNKNOWN:
        side = side_from_text(str(get(model, "description") or ""))
    when = first_when(model, "started") or first_when(
        series[0] if series else None, "started"
    )
    return [
        ImagingStudy(
            modality=Modality.VENOGRAPHY_IVUS,
            side=side,
            when=when,
            source=Source(refs=(ref_of(model),), display=str(get(model, "description") or
                                                               "IVUS")),
        )
    ]
