"""Medication record kind (request, statement, administration), the statuses that void a
record or make it current, and the date the record counts from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cds_hooks.guideline.findings import MedicationKind

from ..fhir_types import first_when, get, parse_when

_KIND = {
    "MedicationRequest": MedicationKind.REQUEST,
    "MedicationStatement": MedicationKind.STATEMENT,
    "MedicationAdministration": MedicationKind.ADMINISTRATION,
}
# Statuses that say the record never happened or is void: no finding at all.
_VOID_STATUS = frozenset({"entered-in-error", "not-taken", "not-done", "cancelled"})
_ACTIVE_STATUS = {
    MedicationKind.REQUEST: frozenset({"active"}),
    MedicationKind.STATEMENT: frozenset({"active"}),
    MedicationKind.ADMINISTRATION: frozenset({"completed", "in-progress"}),
}


def _authored(model: Any, kind: MedicationKind) -> datetime | None:
    if kind is MedicationKind.REQUEST:
        return first_when(model, "authoredOn")
    if kind is MedicationKind.ADMINISTRATION:
        # The 48 h window counts from when the drug was last given: a period's end.
        period = get(model, "effectivePeriod")
        if period is not None:
            end = parse_when(get(period, "end"))
            if end is None and str(get(model, "status") or "").lower() == "in-progress":
                return None  # a running infusion is being given now: undated = ongoing
            return end or parse_when(get(period, "start"))
        return first_when(model, "effectiveDateTime")
    return first_when(model, "effectiveDateTime", "effectivePeriod", "dateAsserted")
