"""Glue between the protocol layer and the clinical core: FHIR JSON -> findings ->
recommendations -> cards. The protocol layer calls `run_service` and nothing else.

Placeholder until the clinical issue lands: every service answers with no cards.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cds_hooks.patient_data import PatientData


class ClinicalInputError(ValueError):
    """Input the clinical layer cannot use (e.g. DSTU2/STU3 draft orders); the API answers 400."""


def run_service(
    service_id: str,
    context: Mapping[str, Any],
    data: PatientData,
    *,
    as_of: datetime,
    config: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Return the CDS Hooks cards (JSON-ready dicts) for one service call."""
    return []
