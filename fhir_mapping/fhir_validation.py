"""Validation of raw FHIR R4 JSON with fhir.resources: the elements no converter reads are
left out, loose dateTimes are completed, and an invalid resource is logged by type and id only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

logger = logging.getLogger(__name__)

# Top-level elements no converter reads, per resource type. They are left out of validation:
# validating `meta`, `category`, `encounter`, `referenceRange` and narrative `text` cost about
# two thirds of a Synthea Observation's validation, and a malformed element nobody reads must
# not cost us the clinical content. Only what the converters read is validated. Keep these
# lists in step with the converters (a test compares the findings with and without them).
_COMMON_UNREAD = frozenset({"meta", "text", "identifier", "language"})
UNREAD_ELEMENTS: dict[str, frozenset[str]] = {
    "Observation": _COMMON_UNREAD | {
        "category", "encounter", "performer", "basedOn", "partOf", "focus", "hasMember",
        "derivedFrom", "referenceRange", "specimen", "device",
    },
    "Condition": _COMMON_UNREAD | {"category", "evidence", "stage", "asserter", "recorder"},
    "DiagnosticReport": _COMMON_UNREAD | {
        "category", "encounter", "performer", "resultsInterpreter", "basedOn", "specimen",
        "result", "imagingStudy", "media",
    },
    "MedicationRequest": _COMMON_UNREAD | {
        "category", "encounter", "requester", "recorder", "performer", "performerType",
        "insurance", "supportingInformation", "basedOn", "groupIdentifier", "detectedIssue",
        "eventHistory",
    },
    "MedicationStatement": _COMMON_UNREAD | {"category", "context", "informationSource",
                                             "derivedFrom", "basedOn", "partOf"},
    "MedicationAdministration": _COMMON_UNREAD | {"category", "context", "performer",
                                                  "supportingInformation", "eventHistory",
                                                  "partOf", "device"},
}  # fmt: skip


# A dateTime with a time but no offset ("2026-11-20T08:00:00") or no seconds
# ("2026-11-20T08:00Z") is invalid FHIR, yet some feeds send it. Rejecting the whole resource
# would silently drop a DVT or a duplex, so such values are completed before validation: a
# missing offset is UTC (as `parse_when` reads it), missing seconds are :00.
_LOOSE_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def _repaired_datetime(value: str) -> str:
    if "T" not in value or len(value) > 40:
        return value
    match = _LOOSE_DATETIME.match(value)
    if match is None or (match.group(2) and match.group(3)):
        return value
    return f"{match.group(1)}{match.group(2) or ':00'}{match.group(3) or 'Z'}"


def _repaired_date(value: Any) -> Any:
    """A top-level element with loose dateTimes completed (Period start/end too)."""
    if isinstance(value, str):
        return _repaired_datetime(value)
    if isinstance(value, dict) and ("start" in value or "end" in value):
        return {k: _repaired_datetime(v) if isinstance(v, str) and k in ("start", "end") else v
                for k, v in value.items()}
    return value


def validate(resource: Mapping[str, Any], *, complete: bool = False) -> Any | None:
    """Validate raw JSON with its fhir.resources.R4B model; None (logged by type/id) if invalid.

    Elements of `UNREAD_ELEMENTS` are left out (the model lacks them) unless `complete`, which
    a caller checking that a whole resource is R4 (draft orders) asks for. Only the resource
    type and id are logged: content may be patient data.
    """
    from fhir.resources.R4B import get_fhir_model_class

    rtype = resource.get("resourceType")
    unread = frozenset() if complete else UNREAD_ELEMENTS.get(str(rtype), frozenset())
    try:
        model_class = get_fhir_model_class(str(rtype))
        if complete:  # a conformance check sees the resource as sent
            data = dict(resource)
        else:
            data = {k: _repaired_date(v) for k, v in resource.items() if k not in unread}
        return model_class.model_validate(data)
    except (ValidationError, KeyError, ValueError, TypeError) as exc:
        logger.warning(
            "skipping invalid FHIR resource %s/%s (%s)",
            rtype,
            resource.get("id"),
            type(exc).__name__,
        )
        return None
