"""DiagnosticReport and ImagingStudy -> imaging findings, read from codes, then report text.

A DiagnosticReport of a venous duplex, CT/MR venography, contrast CT/MRI of the pelvis or a
venography/IVUS procedure becomes an `ImagingStudy` (result, completeness, CFV waveform,
compression); its text may also carry IVUS measurements (`IvusStenosis`, `ReferenceDiameter`,
`LesionBehavior`) and, for cross-sectional imaging, the nature of a mass
(`MassCharacterization`). An ImagingStudy resource with DICOM modality IVUS proves that IVUS
was done, not what it found.

Text is read negation-aware (`fhir_mapping.text`): a hedged statement ("cannot exclude DVT")
is neither positive nor negative, and no statement never defaults to a result.

This module holds the entry points (cheap relevance, convert); `study_kind` names the study,
`diagnostic_report` reads a report, `conclusions` its result / side / level / waveform,
`masses` a mass's nature, `imaging_study` an IVUS ImagingStudy resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..fhir_types import DICOM, as_list, codings, concept_text
from ..reading import skip_unreadable
from ..terminology import imaging as vs
from .diagnostic_report import _report_text, convert_report
from .imaging_study import _imaging_study
from .pathology import is_pathology, pathology_code, pathology_natures
from .statuses import _IMAGING_STUDY_EXCLUDED, _USABLE_STATUS, Finding
from .study_kind import modality_from_text, venography_named

# Applied to lower-cased text (`concept_text`): no case-insensitive matching needed.
_RELEVANT_TEXT = re.compile(
    r"duplex|doppler|venous|venograph|venogram|phlebograph|ivus|intravascular|ctv|mrv"
    r"|compression ultrasound|dvt|contrast|enhanced|gadolinium|with and without|\bw\s*/?\s*wo?\b"
)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: a usable imaging report or an IVUS ImagingStudy."""
    rtype = resource.get("resourceType")
    if rtype == "ImagingStudy":
        return resource.get("status") not in _IMAGING_STUDY_EXCLUDED and _raw_has_ivus(resource)
    if rtype != "DiagnosticReport" or resource.get("status") not in _USABLE_STATUS:
        return False
    code = resource.get("code")
    code_codings = list(codings(code))
    if any((system, value) in vs.MODALITY_BY_CODE for system, value, _ in code_codings):
        return True
    text = concept_text(code)
    if _RELEVANT_TEXT.search(text) and modality_from_text(text) is not None:
        return True
    if pathology_code(code_codings, text):
        return True
    # A venography/IVUS report may be named only by its conclusion (profile v2.3).
    conclusion = resource.get("conclusion")
    return isinstance(conclusion, str) and venography_named(conclusion)


def _raw_has_ivus(resource: Mapping[str, Any]) -> bool:
    modalities = list(as_list(resource.get("modality")))
    for series in as_list(resource.get("series")):
        if isinstance(series, Mapping):
            modalities.append(series.get("modality"))
    return any(
        system in (DICOM, "") and value.upper() in vs.DICOM_IVUS
        for system, value, _ in codings(modalities)
    )


def read(resource: Mapping[str, Any]) -> list[Finding]:
    """Findings of one raw DiagnosticReport / ImagingStudy; invalid or unusable -> nothing."""
    if not relevant(resource):
        return []
    model = resource  # raw JSON, read element by element (fhir_types)
    if resource.get("resourceType") == "ImagingStudy":
        return _imaging_study(model)
    found = convert_report(model)
    if not found and is_pathology(resource):
        return list(pathology_natures(model, _report_text(model)))
    return found


__all__ = [
    "convert",
    "convert_report",
    "modality_from_text",
    "relevant",
]


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """`read`, with a resource whose needed element cannot be read skipped ([])."""
    return skip_unreadable(read, resource)
