"""A record's resources as entries: Bundles (also nested) opened with their fullUrls, the
`Type/id` a resource is named by, whose record a resource belongs to, and the index of
Medication resources by every reference that may name them.

Whose record (input profile v2.3): a resource counts only for the hook's patient. A
`subject`/`patient` naming another Patient, a Group or any other kind of resource never
counts. A resource naming no one counts only when it came from a search the service made (or
a prefetch key) for this patient: the top-level results. A Bundle nested inside a result
(a document or collection from elsewhere) is not such a search, so there only resources that
name the patient count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

Raw = Mapping[str, Any]


# Where a resource names its patient.
_SUBJECT_KEYS = ("subject", "patient")


@dataclass(frozen=True)
class _Entry:
    resource: Raw
    full_url: str = ""
    nested: bool = False  # inside a Bundle nested in a result: no search made for the patient


class Owner(Enum):
    PATIENT = "patient"  # counts for the hook's patient
    OTHER = "other"  # names someone or something else, or names no one in a nested Bundle
    UNREADABLE = "unreadable"  # its subject/patient element cannot be read


def flatten(resources: Iterable[Raw] | Raw, *, nested: bool = False) -> Iterator[_Entry]:
    """Every resource, with Bundles (also nested ones) opened; non-objects are dropped."""
    if isinstance(resources, Mapping):
        resources = [resources]
    for resource in resources:
        if not isinstance(resource, Mapping):
            continue
        if resource.get("resourceType") == "Bundle":
            entries = resource.get("entry")
            for entry in entries if isinstance(entries, list) else ():
                if not isinstance(entry, Mapping):
                    continue
                inner = entry.get("resource")
                if not isinstance(inner, Mapping):
                    continue
                if inner.get("resourceType") == "Bundle":
                    yield from flatten([inner], nested=True)
                else:
                    full_url = entry.get("fullUrl")
                    yield _Entry(inner, full_url if isinstance(full_url, str) else "", nested)
        else:
            yield _Entry(resource, nested=nested)


def _key(resource: Raw) -> str | None:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if rid else None


def _named(reference: str, aliases: Mapping[str, str]) -> tuple[str, str] | None:
    """(resource type, id) a reference names, or None when it cannot be told.

    Handles "Patient/1", absolute and versioned URLs, and `urn:uuid:` references (resolved via
    the Bundle's fullUrls, else read as a Patient uuid, as Synthea uses the Patient id as its
    uuid). Conditional references ("Patient?identifier=...") cannot be resolved.
    """
    if not reference or "?" in reference:
        return None
    if reference in aliases:
        rtype, _, rid = aliases[reference].partition("/")
        return rtype, rid
    if reference.startswith("urn:uuid:"):
        return "Patient", reference.removeprefix("urn:uuid:")
    parts = reference.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return parts[-2], parts[-1]
    return None


def owner(resource: Raw, patient_id: str, aliases: Mapping[str, str], nested: bool) -> Owner:
    """Whose record a resource belongs to (see the module docstring)."""
    named = False
    for key in _SUBJECT_KEYS:
        ref = resource.get(key)
        if ref is None:
            continue
        if not isinstance(ref, Mapping):
            return Owner.UNREADABLE  # "Patient/1" as a bare string: not guessed
        named = True
        reference = ref.get("reference")
        if reference == f"Patient/{patient_id}":
            continue  # the common case, without parsing
        if reference is not None and not isinstance(reference, str):
            return Owner.UNREADABLE
        declared = ref.get("type")
        if isinstance(declared, str) and declared not in ("Patient", ""):
            return Owner.OTHER  # a Group (or Device, Location...) is not the patient
        target = _named(reference or "", aliases)
        if target is not None and (target[0] != "Patient" or target[1] != patient_id):
            return Owner.OTHER
    if not named and nested:
        return Owner.OTHER
    return Owner.PATIENT


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
