"""A record's resources as entries: Bundles (also nested) opened with their fullUrls, the
`Type/id` a resource is named by, whether a resource names another patient, and the index of
Medication resources by every reference that may name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Raw = Mapping[str, Any]


# Where a resource names its patient.
_SUBJECT_KEYS = ("subject", "patient")


@dataclass(frozen=True)
class _Entry:
    resource: Raw
    full_url: str = ""


def flatten(resources: Iterable[Raw] | Raw) -> Iterator[_Entry]:
    """Every resource, with Bundles (also nested ones) opened; non-objects are dropped."""
    if isinstance(resources, Mapping):
        resources = [resources]
    for resource in resources:
        if not isinstance(resource, Mapping):
            continue
        if resource.get("resourceType") == "Bundle":
            for entry in resource.get("entry") or ():
                if not isinstance(entry, Mapping):
                    continue
                inner = entry.get("resource")
                if not isinstance(inner, Mapping):
                    continue
                if inner.get("resourceType") == "Bundle":
                    yield from flatten([inner])
                else:
                    yield _Entry(inner, str(entry.get("fullUrl") or ""))
        else:
            yield _Entry(resource)


def _key(resource: Raw) -> str | None:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if rid else None


def _patient_id_of(reference: str, aliases: Mapping[str, str]) -> str | None:
    """The Patient id a reference names, or None when it names no identifiable Patient.

    Handles "Patient/1", absolute and versioned URLs, and `urn:uuid:` references (resolved via
    the Bundle's fullUrls, else the uuid itself, as Synthea uses the Patient id as its uuid).
    Conditional references ("Patient?identifier=...") cannot be resolved and name nobody.
    """
    if not reference or "?" in reference:
        return None
    if reference in aliases:
        return aliases[reference]
    if reference.startswith("urn:uuid:"):
        return reference.removeprefix("urn:uuid:")
    parts = reference.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == "Patient":
        return parts[-1]
    return None


def _names_other_patient(resource: Raw, patient_id: str, aliases: Mapping[str, str]) -> bool:
    for key in _SUBJECT_KEYS:
        ref = resource.get(key)
        if not isinstance(ref, Mapping):
            continue
        reference = ref.get("reference")
        if reference == f"Patient/{patient_id}":
            continue  # the common case, without parsing
        named = _patient_id_of(str(reference or ""), aliases)
        if named is not None and named != patient_id:
            return True
    return False


def _medication_index(entries: list[_Entry]) -> dict[str, Raw]:
    """References under which each Medication resource can be named."""
    index: dict[str, Raw] = {}
    for entry in entries:
        resource = entry.resource
        if resource.get("resourceType") != "Medication":
            continue
        key = _key(resource)
        if key:
            index[key] = resource
        if entry.full_url:
            index[entry.full_url] = resource
            tail = "/".join(entry.full_url.rstrip("/").split("/")[-2:])
            index.setdefault(tail, resource)
    return index
