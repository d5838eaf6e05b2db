"""The input profile's status rules for a Condition (or AllergyIntolerance): excluded,
active (history) and suspected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..fhir_types import codings, get

_EXCLUDED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
_SUSPECTED_VERIFICATION = frozenset({"provisional", "differential", "unconfirmed"})
_HISTORY_CLINICAL = frozenset({"resolved", "inactive", "remission"})
_ABATEMENT_KEYS = (
    "abatementDateTime",
    "abatementAge",
    "abatementPeriod",
    "abatementRange",
    "abatementString",
    "abatementBoolean",
)


@dataclass(frozen=True)
class ConditionStatus:
    """The status rules applied to one Condition (or AllergyIntolerance)."""

    excluded: bool
    active: bool
    suspected: bool


def _status_codes(cc: Any) -> set[str]:
    return {code.lower() for _, code, _ in codings(cc) if code}


def condition_status(resource: Any) -> ConditionStatus:
    verification = _status_codes(get(resource, "verificationStatus"))
    clinical = _status_codes(get(resource, "clinicalStatus"))
    excluded = bool(verification & _EXCLUDED_VERIFICATION)
    suspected = bool(verification & _SUSPECTED_VERIFICATION)
    if clinical:
        active = not (clinical & _HISTORY_CLINICAL)
    else:
        active = not any(get(resource, key) is not None for key in _ABATEMENT_KEYS)
    return ConditionStatus(excluded=excluded, active=active, suspected=suspected)
