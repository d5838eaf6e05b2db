"""The FHIR data a service call works on, once prefetch and fallback fetches are resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PatientData:
    """Raw FHIR R4 JSON resources (Bundles already flattened) and which prefetch keys were had.

    `retrieved` names the prefetch keys whose data was obtained (a `null` prefetch value counts:
    it means "no data"), so that e.g. an empty medication list is known to have been looked at.
    """

    resources: list[dict[str, Any]] = field(default_factory=list)
    retrieved: frozenset[str] = frozenset()
