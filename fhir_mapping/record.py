"""One patient's FHIR resources -> PatientRecord.

Cost matters (a 10,000-resource record must cost little more than its JSON parse): each
resource first passes its converter's cheap `relevant()` check on raw JSON, and only relevant
resources are validated with fhir.resources and converted. A resource that fails anywhere is
skipped and logged by type and id, never raised to the caller.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from cds_hooks.guideline import findings as f

from . import allergies, conditions, medications, patient, procedures

logger = logging.getLogger(__name__)

Raw = Mapping[str, Any]

# Finding type -> PatientRecord field.
_FIELD_OF: dict[type, str] = {
    f.Diagnosis: "diagnoses",
    f.MassCharacterization: "masses",
    f.Swelling: "swellings",
    f.EdemaImpact: "impacts",
    f.ImagingStudy: "imaging",
    f.DopplerWaveform: "waveforms",
    f.IvusStenosis: "ivus_stenoses",
    f.ReferenceDiameter: "reference_diameters",
    f.LesionBehavior: "lesion_behaviors",
    f.Measurement: "measurements",
    f.Medication: "medications",
    f.IliacStent: "stents",
}

_STATIC_CONVERTERS: dict[str, ModuleType] = {
    "Condition": conditions,
    "Procedure": procedures,
    "Device": procedures,
    "AllergyIntolerance": allergies,
}
# Converters of the other mapping modules, imported lazily so that this module works (and
# skips those types) whatever their state.
_OPTIONAL_CONVERTERS: dict[str, str] = {
    "Observation": "fhir_mapping.observations",
    "DiagnosticReport": "fhir_mapping.reports",
    "ImagingStudy": "fhir_mapping.reports",
}
_loaded: dict[str, ModuleType] = {}

# Where a resource names its patient.
_SUBJECT_KEYS = ("subject", "patient")


def _optional(module_name: str) -> ModuleType | None:
    module = _loaded.get(module_name)
    if module is None:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            return None
        _loaded[module_name] = module
    return module


def _converter(resource_type: str) -> ModuleType | None:
    module = _STATIC_CONVERTERS.get(resource_type)
    if module is not None:
        return module
    name = _OPTIONAL_CONVERTERS.get(resource_type)
    return _optional(name) if name else None


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
        named = _patient_id_of(str(ref.get("reference") or ""), aliases)
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


def _convert(
    resource: Raw, medication_index: Mapping[str, Raw]
) -> list[Any]:
    rtype = str(resource.get("resourceType") or "")
    if rtype in medications.MEDICATION_TYPES:
        if not (medications.may_be_current(resource) and medications.relevant(resource)):
            return []
        return medications.medication_findings(resource, medication_index)
    module = _converter(rtype)
    if module is None:
        return []
    relevant: Callable[[Raw], bool] = module.relevant
    if not relevant(resource):
        return []
    return list(module.convert(resource))


def map_record(
    resources: Iterable[Mapping[str, Any]] | Mapping[str, Any],
    *,
    patient_id: str | None = None,
    encounter_id: str | None = None,
    medications_retrieved: bool = False,
) -> f.PatientRecord:
    """Map raw FHIR R4 JSON resources (or Bundles of them) to one PatientRecord.

    With `patient_id`, resources whose subject/patient names another patient are ignored
    (those naming no patient are kept), as is any other Patient resource.
    """
    entries = list(flatten(resources))
    aliases = {
        e.full_url: str(e.resource.get("id"))
        for e in entries
        if e.full_url and e.resource.get("resourceType") == "Patient" and e.resource.get("id")
    }
    medication_index = _medication_index(entries)
    fields: dict[str, list[Any]] = {name: [] for name in set(_FIELD_OF.values())}
    the_patient: f.Patient | None = None
    seen: set[str] = set()
    for entry in entries:
        resource = entry.resource
        key = _key(resource)
        if key is not None:
            if key in seen:
                continue  # the same resource from prefetch and from a FHIR query
            seen.add(key)
        rtype = resource.get("resourceType")
        if rtype == "Patient":
            if the_patient is None and (patient_id is None or resource.get("id") == patient_id):
                the_patient = _patient(resource)
            continue
        if patient_id is not None and _names_other_patient(resource, patient_id, aliases):
            continue
        try:
            found = _convert(resource, medication_index)
        except Exception as exc:  # noqa: BLE001 - one bad resource must not fail the record
            logger.warning(
                "skipping FHIR resource %s/%s that failed to map (%s)",
                rtype,
                resource.get("id"),
                type(exc).__name__,
            )
            continue
        for finding in found:
            name = _FIELD_OF.get(type(finding))
            if name is not None:
                fields[name].append(finding)
    return f.PatientRecord(
        patient=the_patient or f.Patient(ref=f"Patient/{patient_id}" if patient_id else ""),
        medications_retrieved=medications_retrieved,
        encounter=f"Encounter/{encounter_id}" if encounter_id else None,
        **{name: tuple(values) for name, values in fields.items()},
    )


def _patient(resource: Raw) -> f.Patient | None:
    try:
        converted = patient.convert(resource)
    except Exception as exc:  # noqa: BLE001 - a bad Patient must not fail the record
        logger.warning("skipping Patient/%s that failed to map (%s)", resource.get("id"),
                       type(exc).__name__)
        return None
    return converted[0] if converted else None
