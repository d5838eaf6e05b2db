"""What every Observation rule reads: the usable statuses, the finding union and the facts of
one validated Observation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cds_hooks.guideline.findings import (
    Diagnosis,
    DopplerWaveform,
    EdemaImpact,
    ImagingStudy,
    IvusStenosis,
    LesionBehavior,
    Measurement,
    ReferenceDiameter,
    Side,
    Source,
    Swelling,
)

from ..fhir_types import (
    LOCAL_OBSERVATION,
    code_set,
    codings,
    concept_text,
    first_when,
    get,
    notes_text,
    ref_of,
)
from ..laterality import side_from

Finding = (
    Measurement
    | Swelling
    | EdemaImpact
    | ImagingStudy
    | DopplerWaveform
    | IvusStenosis
    | ReferenceDiameter
    | LesionBehavior
    | Diagnosis
)

_USABLE_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued")


@dataclass(frozen=True)
class _Obs:
    """What every rule reads from one validated Observation."""

    model: Any
    codes: frozenset[tuple[str, str]]
    code_text: str
    site_text: str
    value_text: str
    note: str
    when: datetime | None
    preliminary: bool
    source: Source

    def local(self) -> str | None:
        for system, code in self.codes:
            if system == LOCAL_OBSERVATION:
                return code
        return None

    def side(self) -> Side:
        return side_from(
            self.codes, get(self.model, "bodySite"), f"{self.code_text} {self.value_text}"
        )


def _facts(model: Any) -> _Obs:
    code = get(model, "code")
    display = str(
        get(code, "text")
        or next((d for _, _, d in codings(code) if d), "")
        or next((c for _, c, _ in codings(code) if c), "")
    )
    value_string = get(model, "valueString")
    value_text = " ".join(
        t
        for t in (
            concept_text(get(model, "valueCodeableConcept")),
            str(value_string).lower() if value_string else "",
        )
        if t
    )
    return _Obs(
        model=model,
        codes=frozenset(code_set(code)),
        code_text=concept_text(code),
        site_text=concept_text(get(model, "bodySite")),
        value_text=value_text,
        note=notes_text(model),
        when=first_when(model, *_WHEN_KEYS),
        preliminary=get(model, "status") == "preliminary",
        source=Source(refs=(ref_of(model),), display=display),
    )
