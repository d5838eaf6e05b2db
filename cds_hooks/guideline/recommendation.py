"""What the guideline core returns: recommendations, not cards.

`cds_hooks.cards` renders these into CDS Hooks cards (markdown, FHIR resources, uuids). The
guideline decides *what* to say and *why*; the card layer decides how it looks on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Indicator(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"critical": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str = ""


@dataclass(frozen=True)
class Evidence:
    """A finding the rule used, with its FHIR reference(s) and date, for the card detail."""

    text: str  # "Negative complete duplex of the left leg"
    refs: tuple[str, ...] = ()
    date: str = ""  # ISO date (YYYY-MM-DD) or ""


def name_findings(evidence: tuple[Evidence, ...]) -> str:
    """Findings named in a sentence of card detail, each with its resource and date:
    "Intracranial hemorrhage (resolved) (Condition/1, 2024-03-02); ..."."""
    parts = []
    for e in evidence:
        where = ", ".join([*e.refs, e.date or "undated"])
        parts.append(f"{e.text} ({where})")
    return "; ".join(parts)


@dataclass(frozen=True)
class ServiceOrder:
    """Suggest a ServiceRequest (imaging, procedure, referral, lab)."""

    label: str
    codes: tuple[Code, ...]  # first is the primary code; more codings may follow (CPT...)
    body_site: tuple[Code, ...] = ()
    note: str = ""
    category: str = ""  # "imaging" | "procedure" | "referral" | "laboratory"


@dataclass(frozen=True)
class MedicationOrder:
    """Suggest a MedicationRequest."""

    label: str
    medication: Code
    dose_mg: float
    interval_hours: int
    route: Code
    note: str = ""


@dataclass(frozen=True)
class OrderEdit:
    """Suggest an update or delete of a draft order (order hooks)."""

    label: str
    action: str  # "update" | "delete"
    target_ref: str  # "DeviceRequest/abc"
    resource: dict | None = None  # the full updated R4 resource for an update


Suggestion = ServiceOrder | MedicationOrder | OrderEdit


@dataclass(frozen=True)
class Recommendation:
    id: str  # catalog id, e.g. "dvt-duplex-ultrasound"
    indicator: Indicator
    summary: str  # < 140 characters
    detail: str = ""  # markdown paragraph(s): the guidance and its reasoning
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()  # what is not assessed / not on record
    sources: tuple[str, ...] = ()  # "S1".."S5", "Label"
    quote: str = ""  # the figure that matters, quoted as the guidance states it
    suggestions: tuple[Suggestion, ...] = ()
    selection: str = "at-most-one"  # "at-most-one" | "any" (when suggestions exist)
    override_reasons: tuple[Code, ...] = ()  # order hooks: critical/warning cards
    order_refs: tuple[str, ...] = ()  # draft orders this card is about
    extra: dict = field(default_factory=dict, compare=False, hash=False)
