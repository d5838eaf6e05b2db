"""A compact, human-readable summary of a scenario's record for the demo page.

Display only: the clinical reading of the record is the mapper's job (the explain endpoint shows
what it found). This lists what a chart would show at a glance: one line per resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Prefetch keys in the order a chart shows them, with the heading of their section.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("conditions", "Problems"),
    ("observations", "Observations"),
    ("reports", "Reports"),
    ("imagingStudies", "Imaging studies"),
    ("procedures", "Procedures"),
    ("devices", "Devices"),
    ("medicationRequests", "Medication orders"),
    ("medicationStatements", "Medications taken"),
    ("medicationAdministrations", "Medications given"),
    ("allergies", "Allergies"),
)
_DATE_FIELDS = (
    "effectiveDateTime",
    "issued",
    "onsetDateTime",
    "recordedDate",
    "performedDateTime",
    "authoredOn",
    "started",
    "dateAsserted",
    "effectiveInstant",
)
_MAX_ITEMS = 40


def resources_of(value: Any) -> list[dict[str, Any]]:
    """The resources of one prefetch value: a resource, a Bundle of them, or null."""
    if not isinstance(value, Mapping):
        return []
    if value.get("resourceType") == "Bundle":
        return [
            entry["resource"]
            for entry in value.get("entry") or ()
            if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping)
        ]
    return [dict(value)]


def concept_text(concept: Any) -> str:
    if not isinstance(concept, Mapping):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or ():
        if isinstance(coding, Mapping) and (coding.get("display") or coding.get("code")):
            return str(coding.get("display") or coding.get("code"))
    return ""


def _first_concept(values: Iterable[Any]) -> str:
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = concept_text(item)
            if text:
                return text
    return ""


def _label(resource: Mapping[str, Any]) -> str:
    label = _first_concept(
        resource.get(key)
        for key in (
            "code",
            "medicationCodeableConcept",
            "type",
            "deviceName",
            "procedureCode",
            "modality",
        )
    )
    if not label and resource.get("resourceType") == "Device":
        names = resource.get("deviceName") or []
        label = next((str(n.get("name")) for n in names if isinstance(n, Mapping)), "")
    if not label and resource.get("resourceType") == "ImagingStudy":
        label = str(resource.get("description") or "")
        if not label:
            label = _first_concept(resource.get("modality") or [])
    return label or str(resource.get("resourceType", "resource"))


def _value(resource: Mapping[str, Any]) -> str:
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, Mapping) and "value" in quantity:
        unit = quantity.get("unit") or quantity.get("code") or ""
        return (
            f"{quantity['value']:g} {unit}".strip()
            if isinstance(quantity["value"], int | float)
            else str(quantity["value"])
        )
    for key in ("valueCodeableConcept",):
        text = concept_text(resource.get(key))
        if text:
            return text
    if isinstance(resource.get("valueBoolean"), bool):
        return "yes" if resource["valueBoolean"] else "no"
    for key in ("valueString", "conclusion"):
        if key in resource:
            return str(resource[key])
    return ""


def _status(resource: Mapping[str, Any]) -> str:
    for key in ("clinicalStatus", "verificationStatus"):
        text = concept_text(resource.get(key))
        if text:
            return text
    status = resource.get("status")
    return str(status) if isinstance(status, str) else ""


def _date(resource: Mapping[str, Any]) -> str:
    for key in _DATE_FIELDS:
        value = resource.get(key)
        if isinstance(value, str):
            return value[:10]
    for key in ("effectivePeriod", "performedPeriod", "onsetPeriod"):
        value = resource.get(key)
        if isinstance(value, Mapping) and isinstance(value.get("start"), str):
            return value["start"][:10]
    return ""


def _patient(value: Any) -> dict[str, Any]:
    [patient, *_] = resources_of(value) or [{}]
    names = patient.get("name") or []
    name = ""
    if names and isinstance(names[0], Mapping):
        first = names[0]
        name = first.get("text") or " ".join([*(first.get("given") or []), first.get("family", "")])
    return {
        "id": patient.get("id", ""),
        "name": str(name).strip() or "(no name)",
        "gender": patient.get("gender", ""),
        "birthDate": patient.get("birthDate", ""),
        "deceased": bool(patient.get("deceasedBoolean") or patient.get("deceasedDateTime")),
    }


def summarize(prefetch: Mapping[str, Any]) -> dict[str, Any]:
    """{"patient": {...}, "sections": [{"title", "items": [{label, value, status, date, ref}]}]}"""
    sections = []
    for key, title in SECTIONS:
        items = [
            {
                "label": _label(resource),
                "value": _value(resource),
                "status": _status(resource),
                "date": _date(resource),
                "ref": f"{resource.get('resourceType')}/{resource.get('id', '')}",
            }
            for resource in resources_of(prefetch.get(key))
            if resource.get("resourceType") != "OperationOutcome"
        ]
        items.sort(key=lambda item: item["date"], reverse=True)
        if items:
            sections.append({"title": title, "key": key, "items": items[:_MAX_ITEMS]})
    return {"patient": _patient(prefetch.get("patient")), "sections": sections}
