"""One patient's FHIR resources -> PatientRecord.

Cost matters (a 10,000-resource record must cost little more than its JSON parse): each
resource first passes its converter's cheap `relevant()` check on raw JSON, and only relevant
resources are converted, reading the raw JSON element by element (no fhir.resources
validation: it cost ~0.2 ms per resource and dropped a whole resource for one bad element of
no use here; see `reading`). Lab/vital readings superseded by a much newer reading of the same
code are not converted at all (`SUPERSEDED_MARGIN`). A DiagnosticReport is read together with
the Observations its `result` references.

A resource whose needed element cannot be read is skipped, logged by type and element only,
and listed in `PatientRecord.unreadable` with what it would have been about (so the card it
could change names it). Any other failure skips the resource too; nothing is raised to the
caller. Only the hook's patient's resources count (`record_entries.owner`).

A record's entries (Bundles opened, which patient a resource names) are in `record_entries`;
the linking of a DiagnosticReport to its result Observations is in `report_results`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from cds_hooks.guideline import findings as f

from . import allergies, conditions, medications, observations, patient, procedures, reports
from .fhir_types import first_when
from .reading import UnreadableElement, lenient
from .record_entries import Owner, Raw, _key, _medication_index, flatten, owner
from .report_results import _link_report_results

logger = logging.getLogger(__name__)


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

_CONVERTERS: dict[str, ModuleType] = {
    "Condition": conditions,
    "Procedure": procedures,
    "Device": procedures,
    "AllergyIntolerance": allergies,
    "Observation": observations,
    "DiagnosticReport": reports,
    "ImagingStudy": reports,
}
# These converters run `relevant()` inside `convert()`: a second call is wasted on every resource.
_SELF_FILTERING: frozenset[ModuleType] = frozenset({observations, reports})


# A lab or vital sign this much older than the newest reading of the same LOINC code is
# outside every recency window of the guideline (labs/weight 90 days, platelets 7 days,
# systolic 24 hours; the newest result wins), so it is not validated. The margin is far wider
# than any of those configurable windows; raise it if a window is ever set beyond it.
SUPERSEDED_MARGIN = timedelta(days=730)


def _superseded_measurements(resources: list[Raw]) -> set[int]:
    """Positions of measurement-only Observations superseded by a much newer reading.

    Years of Synthea/EHR vitals and labs were most of a long record's mapping cost. Undated
    readings and anything that can map to another finding (`observations.measurement_key`)
    are always kept.
    """
    try:
        with lenient():  # an unreadable date only keeps the reading (it is then converted)
            return _superseded(resources, observations)
    except Exception as exc:  # noqa: BLE001 - an optimisation must never lose the record
        logger.warning("superseded-reading check skipped (%s)", type(exc).__name__)
        return set()


def _superseded(resources: list[Raw], module: ModuleType) -> set[int]:
    dated: list[tuple[int, tuple[str, ...], datetime]] = []
    newest: dict[tuple[str, ...], datetime] = {}
    for position, resource in enumerate(resources):
        if resource.get("resourceType") != "Observation":
            continue
        key = module.measurement_key(resource)
        if key is None:
            continue
        when = first_when(resource, *module.WHEN_KEYS)
        if when is None:
            continue
        dated.append((position, key, when))
        if key not in newest or when > newest[key]:
            newest[key] = when
    return {
        position for position, key, when in dated if when < newest[key] - SUPERSEDED_MARGIN
    }


def _convert(
    resource: Raw, medication_index: Mapping[str, Raw]
) -> list[Any]:
    """Findings of one resource; raises `UnreadableElement` when a needed element is unreadable."""
    rtype = str(resource.get("resourceType") or "")
    if rtype in medications.MEDICATION_TYPES:
        if not (medications.may_be_current(resource) and medications.relevant(resource)):
            return []
        return medications.read_medication(resource, medication_index)
    module = _CONVERTERS.get(rtype)
    if module is None:
        return []
    relevant: Callable[[Raw], bool] = module.relevant
    if module not in _SELF_FILTERING and not relevant(resource):
        return []
    return list(module.read(resource))


def _kinds(found: Iterable[Any]) -> frozenset[str]:
    kinds: set[str] = set()
    for finding in found:
        field = _FIELD_OF.get(type(finding))
        if field is not None:
            kinds.add(field)
        concept = getattr(finding, "concept", None)
        if isinstance(concept, f.Concept):
            kinds.add(concept.value)
    return frozenset(kinds)


def _about(resource: Raw) -> frozenset[str]:
    """What a resource whose unreadable element was its value is about: a lab or vital
    reading is a measurement; another resource its converter finds relevant could be about
    anything (`unknown`: every card names it); else nothing."""
    if resource.get("resourceType") == "Observation" and observations.measurement_key(resource):
        return frozenset({"measurements"})
    rtype = str(resource.get("resourceType") or "")
    module = medications if rtype in medications.MEDICATION_TYPES else _CONVERTERS.get(rtype)
    if module is not None and module.relevant(resource):
        return frozenset({"unknown"})
    return frozenset()


def _unreadable(
    resource: Raw, element: str, medication_index: Mapping[str, Raw]
) -> f.UnreadableResource | None:
    """The skipped resource as the record reports it, or None when even read leniently it
    says nothing the pathway uses (then no card could change because of it)."""
    # Type and element only: ids and values may identify the patient.
    logger.warning("skipping FHIR %s: element %s could not be read",
                   resource.get("resourceType"), element)
    try:
        with lenient():
            kinds = _kinds(_convert(resource, medication_index)) or _about(resource)
    except Exception:  # noqa: BLE001 - the report is best effort; the resource is skipped anyway
        return None
    ref = _key(resource)
    if not kinds or ref is None:
        return None
    return f.UnreadableResource(ref=ref, kinds=kinds)


def map_record(
    resources: Iterable[Mapping[str, Any]] | Mapping[str, Any],
    *,
    patient_id: str | None = None,
    encounter_id: str | None = None,
    medications_retrieved: bool = False,
) -> f.PatientRecord:
    """Map raw FHIR R4 JSON resources (or Bundles of them) to one PatientRecord.

    With `patient_id`, only that patient's resources count (`record_entries.owner`), and no
    other Patient resource.
    """
    entries = _link_report_results(list(flatten(resources)))
    aliases = {
        e.full_url: f"{e.resource.get('resourceType')}/{e.resource.get('id')}"
        for e in entries
        if e.full_url and isinstance(e.resource.get("resourceType"), str)
    }
    medication_index = _medication_index(entries)
    fields: dict[str, list[Any]] = {name: [] for name in set(_FIELD_OF.values())}
    the_patient: f.Patient | None = None
    seen: set[str] = set()
    kept: list[Raw] = []
    unreadable: list[f.UnreadableResource] = []
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
                the_patient = _patient(resource, unreadable)
            continue
        if patient_id is not None:
            whose = owner(resource, patient_id, aliases, entry.nested)
            if whose is Owner.OTHER:
                continue
            if whose is Owner.UNREADABLE:
                # Whose it is is unknown: it counts for no one (and is named on no card).
                logger.warning("skipping FHIR %s: element subject could not be read", rtype)
                continue
        kept.append(resource)
    superseded = _superseded_measurements(kept)
    for position, resource in enumerate(kept):
        if position in superseded:
            continue
        try:
            found = _convert(resource, medication_index)
        except UnreadableElement as exc:
            skipped = _unreadable(resource, exc.element, medication_index)
            if skipped is not None:
                unreadable.append(skipped)
            continue
        except Exception as exc:  # noqa: BLE001 - one bad resource must not fail the record
            logger.warning("skipping FHIR %s that failed to map (%s)",
                           resource.get("resourceType"), type(exc).__name__)
            continue
        for finding in found:
            name = _FIELD_OF.get(type(finding))
            if name is not None:
                fields[name].append(finding)
    return f.PatientRecord(
        patient=the_patient or f.Patient(ref=f"Patient/{patient_id}" if patient_id else ""),
        medications_retrieved=medications_retrieved,
        encounter=f"Encounter/{encounter_id}" if encounter_id else None,
        unreadable=tuple(unreadable),
        **{name: tuple(values) for name, values in fields.items()},
    )


def _patient(resource: Raw, unreadable: list[f.UnreadableResource]) -> f.Patient | None:
    """The hook's Patient. One whose birth date cannot be read is still read (sex, deceased)
    with the age unknown, and named as unreadable: skipping it would lose `deceased` too."""
    try:
        try:
            converted = patient.read(resource)
        except UnreadableElement as exc:
            logger.warning("reading FHIR Patient without element %s: it could not be read",
                           exc.element)
            with lenient():
                converted = patient.read(resource)
            unreadable.append(f.UnreadableResource(ref=_key(resource) or "Patient",
                                                   kinds=frozenset({"patient"})))
    except Exception as exc:  # noqa: BLE001 - a bad Patient must not fail the record
        logger.warning("skipping a Patient that failed to map (%s)", type(exc).__name__)
        return None
    return converted[0] if converted else None
