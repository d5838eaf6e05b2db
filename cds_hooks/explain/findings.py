"""The findings the mapper read, as JSON: one entry per finding with its FHIR references.

Generic over the finding dataclasses (`cds_hooks.guideline.findings`), so a finding type added
to the record shows up here without a change.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

from cds_hooks.guideline.findings import PatientRecord, Source

# Record fields in the order a reader follows the pathway.
RECORD_FIELDS = (
    "swellings",
    "impacts",
    "diagnoses",
    "imaging",
    "waveforms",
    "ivus_stenoses",
    "reference_diameters",
    "lesion_behaviors",
    "masses",
    "measurements",
    "medications",
    "stents",
)
_DATE_FIELDS = ("when", "onset", "recorded", "placed", "authored")


def plain(value: Any) -> Any:
    """A JSON-ready copy of a finding value (enums by value, dates as ISO strings)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            # `source` is reported as refs; `resource` is a draft order's raw FHIR JSON.
            if f.name not in ("source", "resource") and getattr(value, f.name) not in (None, "", ())
        }
    if isinstance(value, tuple | list | frozenset | set):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    return value


def _date(finding: Any) -> str | None:
    for name in _DATE_FIELDS:
        value = getattr(finding, name, None)
        if isinstance(value, datetime | date):
            return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    return None


def _text(kind: str, finding: Any, source: Source | None) -> str:
    if source is not None and source.display:
        return source.display
    details = plain(finding)
    key_facts = [
        f"{k}={v}"
        for k, v in details.items()
        if k not in _DATE_FIELDS and not isinstance(v, dict | list)
    ]
    return f"{kind}: {', '.join(key_facts)}" if key_facts else kind


def finding_json(finding: Any) -> dict[str, Any]:
    kind = type(finding).__name__
    source = getattr(finding, "source", None)
    source = source if isinstance(source, Source) else None
    refs = list(source.refs) if source is not None else []
    side = getattr(finding, "side", None)
    entry: dict[str, Any] = {
        "kind": kind,
        "text": _text(kind, finding, source),
        "side": plain(side) if side is not None else None,
        "date": _date(finding),
        "ref": refs[0] if refs else None,
        "refs": refs,
        "details": plain(finding),
    }
    return entry


def record_findings(record: PatientRecord) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in RECORD_FIELDS:
        found.extend(finding_json(f) for f in getattr(record, name, ()))
    return found


def patient_json(record: PatientRecord) -> dict[str, Any]:
    patient = record.patient
    return {
        "ref": patient.ref or None,
        "sex": patient.sex,
        "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
        "deceased": patient.deceased,
        "medicationsRetrieved": record.medications_retrieved,
    }
