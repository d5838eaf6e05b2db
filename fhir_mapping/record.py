"""One patient's FHIR resources -> PatientRecord.

Cost matters (a 10,000-resource record must cost little more than its JSON parse): each
resource first passes its converter's cheap `relevant()` check on raw JSON, and only relevant
resources are validated with fhir.resources and converted. Lab/vital readings superseded by a
much newer reading of the same code are not validated at all (`SUPERSEDED_MARGIN`), and
validation leaves out the elements no converter reads (`fhir_types.UNREAD_ELEMENTS`). A
DiagnosticReport is read together with the Observations its `result` references. A resource
that fails anywhere is skipped and logged by type and id, never raised to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from cds_hooks.guideline import findings as f

from . import allergies, conditions, medications, observations, patient, procedures, reports
from .fhir_types import first_when

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


_REPORT_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "issued")
_OBSERVATION_WHEN_KEYS = ("effectiveDateTime", "effectivePeriod", "effectiveInstant",
                          "effectiveTiming", "issued")


def _link_report_results(entries: list[_Entry]) -> list[_Entry]:
    """DiagnosticReports with the Observations their `result` references, as EHRs send them.

    Epic and Oracle Health often put a report's impression in a result Observation's
    `valueString` rather than in `conclusion`, and an IVUS report's measurements in result
    Observations that carry no date of their own. The impression text is appended to the
    report's conclusion, and an undated result Observation takes the report's date. Copies
    are made; the caller's resources are never changed.
    """
    observations: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if entry.resource.get("resourceType") != "Observation":
            continue
        key = _key(entry.resource)
        if key:
            observations[key] = index
        if entry.full_url:
            observations[entry.full_url] = index
    if not observations:
        return entries
    linked = list(entries)
    for position, entry in enumerate(entries):
        report = entry.resource
        results = report.get("result")
        if report.get("resourceType") != "DiagnosticReport" or not isinstance(results, list):
            continue
        # Lab panels (most reports) only lend their date; only imaging reports read the text.
        wants_text = reports.relevant(report)
        texts: list[str] = []
        when = {k: report[k] for k in _REPORT_WHEN_KEYS if k in report}
        for ref in results:
            target = str(ref.get("reference") or "") if isinstance(ref, Mapping) else ""
            index = observations.get(target)
            if index is None and target.count("/") > 1:
                index = observations.get("/".join(target.rstrip("/").split("/")[-2:]))
            if index is None:
                continue
            observation = linked[index].resource
            line = _result_line(observation) if wants_text else ""
            if line:
                texts.append(line)
            if when and not any(k in observation for k in _OBSERVATION_WHEN_KEYS):
                linked[index] = _Entry({**observation, **when}, linked[index].full_url)
        if texts:
            conclusion = report.get("conclusion")
            parts = [conclusion] if isinstance(conclusion, str) and conclusion else []
            linked[position] = _Entry({**report, "conclusion": ".\n".join([*parts, *texts])},
                                      entry.full_url)
    return linked


_LOCAL_SYSTEM = "urn:iliac-cds:observation"
_MAX_RESULT_LINE = 2000


def _result_line(observation: Raw) -> str:
    """A result Observation as a report line: "Percent diameter stenosis: 72 %".

    Epic/Cerner IVUS and duplex reports carry their measurements and impressions as result
    Observations with local codes; as text they are read like the report's own. Observations
    with this project's local codes map by themselves and are left out (no double count).
    """
    code = observation.get("code")
    if not isinstance(code, Mapping):
        return ""
    coding = [c for c in code.get("coding") or () if isinstance(c, Mapping)]
    if any(c.get("system") == _LOCAL_SYSTEM for c in coding):
        return ""
    name = code.get("text") or next((c.get("display") for c in coding if c.get("display")), "")
    value: Any = observation.get("valueString")
    quantity = observation.get("valueQuantity")
    concept = observation.get("valueCodeableConcept")
    if not value and isinstance(quantity, Mapping) and quantity.get("value") is not None:
        unit = quantity.get("unit") or quantity.get("code") or ""
        value = f"{quantity.get('comparator') or ''}{quantity['value']} {unit}".strip()
    if not value and isinstance(concept, Mapping):
        value = concept.get("text") or next(
            (c.get("display") for c in concept.get("coding") or ()
             if isinstance(c, Mapping) and c.get("display")), "")
    if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
        return ""
    line = f"{name}: {value}" if isinstance(name, str) and name else str(value)
    return line.strip()[:_MAX_RESULT_LINE]


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
    rtype = str(resource.get("resourceType") or "")
    if rtype in medications.MEDICATION_TYPES:
        if not (medications.may_be_current(resource) and medications.relevant(resource)):
            return []
        return medications.medication_findings(resource, medication_index)
    module = _CONVERTERS.get(rtype)
    if module is None:
        return []
    relevant: Callable[[Raw], bool] = module.relevant
    if module not in _SELF_FILTERING and not relevant(resource):
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
    entries = _link_report_results(list(flatten(resources)))
    aliases = {
        e.full_url: str(e.resource.get("id"))
        for e in entries
        if e.full_url and e.resource.get("resourceType") == "Patient" and e.resource.get("id")
    }
    medication_index = _medication_index(entries)
    fields: dict[str, list[Any]] = {name: [] for name in set(_FIELD_OF.values())}
    the_patient: f.Patient | None = None
    seen: set[str] = set()
    kept: list[Raw] = []
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
        kept.append(resource)
    superseded = _superseded_measurements(kept)
    for position, resource in enumerate(kept):
        if position in superseded:
            continue
        rtype = resource.get("resourceType")
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
