"""What every Condition rule reads, computed once per Condition, and the readings several
clinical kinds share (the Diagnosis built from it, a pelvic site, leg words).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cds_hooks.guideline.findings import Concept, Diagnosis, Side, Source

from .. import text as clinical_text
from ..fhir_types import (
    as_list,
    code_set,
    codings,
    concept_text,
    first_when,
    get,
    notes_text,
    ref_of,
    typed_reference,
)
from ..laterality import side_from
from ..terminology import ValueSet
from ..terminology import conditions as vs
from .status import ConditionStatus, condition_status

_LEG_WORDS = re.compile(
    r"\b(legs?|lower (limbs?|extremit(y|ies))|thighs?|calf|calves|ankles?|feet|foot|lle|rle|ble)\b"
)


@dataclass(frozen=True)
class _Facts:
    """What every rule of one Condition reads, computed once."""

    codes: frozenset[tuple[str, str]]
    code_text: str  # code text + displays
    site_text: str  # bodySite text + displays
    site_codes: frozenset[tuple[str, str]]
    note: str
    body_sites: Any
    status: ConditionStatus
    onset: datetime | None
    recorded: datetime | None
    encounter: str | None
    source: Source
    own_text: str = ""  # the record's own code.text (not the code system displays)
    onset_age: tuple[float, str] | None = None  # onsetAge (value, "a" | "mo" | "wk" | "d")
    onset_last_day: datetime | None = None  # last day of a partial onset date ("2026-10")

    @property
    def all_text(self) -> str:
        return f"{self.code_text} {self.site_text} {self.note}"

    def side(self) -> Side:
        return side_from(self.codes, self.body_sites, self.code_text)

    def matching_codes(self, value_set: ValueSet) -> list[tuple[str, str]]:
        return value_set.matching(self.codes)


def _facts(model: Any) -> _Facts:
    code = get(model, "code")
    body_sites = as_list(get(model, "bodySite"))
    code_text = concept_text(code)
    display = (get(code, "text") or next((d for _, _, d in codings(code) if d), "")) or ""
    # A stated onset decides a DVT's acuity: onsetString counts when it is a date (free text
    # such as "childhood" is no date, not an unreadable one).
    onset = first_when(model, "onsetDateTime", "onsetPeriod") or first_when(
        model, "onsetString", required=False
    )
    return _Facts(
        codes=frozenset(code_set(code)),
        code_text=code_text,
        site_text=concept_text(body_sites),
        site_codes=frozenset(code_set(body_sites)),
        note=notes_text(model),
        body_sites=body_sites,
        status=condition_status(model),
        onset=onset,
        # recordedDate is the date the pathway counts from only without an onset.
        recorded=first_when(model, "recordedDate", required=onset is None),
        encounter=typed_reference(get(model, "encounter"), "Encounter"),
        source=Source(refs=(ref_of(model),), display=str(display)),
        own_text=str(get(code, "text") or ""),
        onset_age=_age(get(model, "onsetAge")),
        onset_last_day=_last_day(get(model, "onsetDateTime") or get(model, "onsetString")),
    )


_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def _last_day(value: Any) -> datetime | None:
    """The last day of a year or year-month onset ("2026-10" -> 2026-10-31); None otherwise."""
    match = _YEAR_MONTH.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2) or 12)
    if not 1 <= month <= 12:
        return None
    return datetime(year, month, monthrange(year, month)[1], tzinfo=UTC)


# UCUM codes (and unit words EHRs send instead) of an onsetAge, to the guideline's units.
_AGE_UNITS = {"a": "a", "year": "a", "years": "a", "yr": "a", "yrs": "a", "y": "a",
              "mo": "mo", "month": "mo", "months": "mo",
              "wk": "wk", "week": "wk", "weeks": "wk",
              "d": "d", "day": "d", "days": "d"}  # fmt: skip


def _age(age: Any) -> tuple[float, str] | None:
    """An onsetAge as (value, unit); None when its value or unit cannot be read."""
    value = get(age, "value")
    unit = str(get(age, "code") or get(age, "unit") or "").strip().lower()
    if value is None or unit not in _AGE_UNITS:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return (number, _AGE_UNITS[unit]) if number >= 0 else None


def _diagnosis(facts: _Facts, concept: Concept, **extra: Any) -> Diagnosis:
    extra.setdefault("side", facts.side())
    return Diagnosis(
        concept=concept,
        active=facts.status.active,
        suspected=facts.status.suspected,
        onset=facts.onset,
        recorded=facts.recorded,
        encounter=facts.encounter,
        site_text=facts.site_text or facts.code_text,
        source=facts.source,
        onset_age=facts.onset_age,
        onset_last_day=facts.onset_last_day,
        **extra,
    )


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return clinical_text.has_any(text, phrases)


def _pelvic_site(facts: _Facts) -> bool:
    """A pelvic/iliac/inguinal/retroperitoneal/nodal site in bodySite, code text or note
    ("no pelvic involvement" does not count)."""
    text = f"{facts.site_text}. {facts.code_text}. {facts.note}".lower()
    # R19.00's own display ("Intra-abdominal and pelvic swelling, mass and lump, unspecified
    # site") names the pelvis for every R19.00: only the record's own text or site may.
    text = text.replace("intra-abdominal and pelvic swelling", "")
    return clinical_text.affirmed(text, vs.PELVIC_SITE_TEXT)
