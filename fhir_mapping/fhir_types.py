"""Small typed accessors over raw FHIR R4 JSON shared by every converter.

They read the raw dicts element by element. A single object where R4 has a list is read as a
one-item list (`as_list`); an element a converter reads that is present but has the wrong
shape (a string where a CodeableConcept is expected, a number as a code, an impossible date)
is reported through `reading.unreadable`, which skips the resource (see `reading`). Elements
nobody reads are never looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .fhir_dates import first_when as first_when  # re-exported: converters import it here
from .fhir_dates import parse_when as parse_when
from .reading import unreadable

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
UCUM = "http://unitsofmeasure.org"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
LOCAL_OBSERVATION = "urn:iliac-cds:observation"

# Aliases seen in real feeds; each maps to the canonical URL above.
_SYSTEM_ALIASES: dict[str, str] = {
    "urn:oid:2.16.840.1.113883.6.90": ICD10CM,
    "http://hl7.org/fhir/sid/icd-10-cm/": ICD10CM,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,
    "http://snomed.info/sct/": SNOMED,
    "urn:oid:2.16.840.1.113883.6.1": LOINC,
    "urn:oid:2.16.840.1.113883.6.88": RXNORM,
    "urn:oid:2.16.840.1.113883.6.12": CPT,
    "http://www.ama-assn.org/go/cpt/": CPT,
    "urn:oid:2.16.840.1.113883.6.4": ICD10PCS,
    "http://hl7.org/fhir/sid/icd-10-pcs": ICD10PCS,
    "http://www.icd10data.com/icd10pcs": ICD10PCS,
    "urn:oid:2.16.840.1.113883.6.8": UCUM,
    # WHO ICD-10 (international Epic/Cerner builds). Decision: accepted as ICD-10-CM. CM is a
    # clinical modification of the same classification: every category the input profile
    # names (I82, I87.1, I50, N18, C81-C85...) means the same in both, and the CM-only longer
    # codes (I82.422, Z86.718) simply never occur in WHO data. WHO codes carry no laterality
    # character, so the side comes from bodySite or text.
    "http://hl7.org/fhir/sid/icd-10": ICD10CM,
    "urn:oid:2.16.840.1.113883.6.3": ICD10CM,
}
# SNOMED CT edition / version URIs seen in `system` instead of `version`
# ("http://snomed.info/sct/731000124108/version/20240301"), also with https.
_SNOMED_PREFIXES = ("http://snomed.info/sct/", "https://snomed.info/sct")


_NORMALIZED_SYSTEMS: dict[str, str] = {}
_MAX_CACHED_SYSTEMS = 4096  # a record names few systems; hostile input must not grow this


def normalize_system(system: str | None) -> str:
    """Canonical code system URL (OID aliases and trailing slashes folded)."""
    if not system or not isinstance(system, str):
        return ""  # absent, or not a uri at all (malformed raw JSON)
    cached = _NORMALIZED_SYSTEMS.get(system)  # runs for every coding of every resource
    if cached is not None:
        return cached
    raw = system
    system = system.strip()
    canonical = _SYSTEM_ALIASES.get(system)
    if canonical is None:
        canonical = SNOMED if system.startswith(_SNOMED_PREFIXES) else system
    if len(_NORMALIZED_SYSTEMS) < _MAX_CACHED_SYSTEMS:
        _NORMALIZED_SYSTEMS[raw] = canonical
    return canonical


def normalize_icd10(code: str | None) -> str:
    """ICD-10 code without the dot, upper-case: 'i82.422' -> 'I82422'."""
    if not code:
        return ""
    return code.replace(".", "").replace(" ", "").strip().upper()


def normalize_code(system: str, code: str | None) -> str:
    """A code normalized for its (already canonical) system."""
    if not code:
        return ""
    if system in (ICD10CM, ICD10PCS):
        return normalize_icd10(code)
    return code.strip()


# (model class, JSON name) -> attribute name, or None when the model has no such field.
_ATTRIBUTE: dict[tuple[type, str], str | None] = {}
# Plain JSON values have no elements: `get("abc", "count")` must not return `str.count`.
_SCALARS = (str, bytes, int, float, bool, list, tuple)


def _attribute(cls: type, key: str) -> str | None:
    # Cached: a getattr of a name a pydantic model lacks goes through a slow failure path.
    try:
        return _ATTRIBUTE[(cls, key)]
    except KeyError:
        pass
    fields = getattr(cls, "model_fields", None)
    if fields is None:
        return key
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    name = key if key in fields else snake if snake in fields else None
    _ATTRIBUTE[(cls, key)] = name
    return name


def get(obj: Any, key: str, default: Any = None) -> Any:
    """Element of a raw JSON object by its JSON name; `default` when absent or when `obj` is
    not an object at all (a string, number or list has no elements). Other objects (models,
    dataclasses) are read by attribute, JSON or snake_case name."""
    if obj is None:
        return default
    cls = type(obj)
    if cls is dict:  # raw JSON: skip the (slow) abstract Mapping check
        value = obj.get(key, default)
        return default if value is None else value
    if isinstance(obj, Mapping):
        value = obj.get(key, default)
        return default if value is None else value
    if isinstance(obj, _SCALARS):
        return default
    name = _attribute(cls, key)
    if name is None:
        return default
    value = getattr(obj, name, None)
    if value is None and name == key and not hasattr(cls, "model_fields"):
        value = getattr(obj, re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(), None)
    return default if value is None else value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def codings(cc: Any) -> Iterator[tuple[str, str, str]]:
    """(system, code, display) of every coding of a CodeableConcept, a Coding, or a list of them.

    Systems are canonical (`normalize_system`) and ICD-10 codes normalized (`normalize_icd10`),
    so callers compare against frozensets of normalized codes. A single Coding object where R4
    has a `coding` list is read as a one-item list. A concept or coding that is not a JSON
    object, or a system / code / display that is not a string, is unreadable (never guessed).
    """
    # Runs for every coding of every resource: exact `dict` checks first (an abstract
    # Mapping check costs several times more).
    for item in cc if type(cc) is list else as_list(cc):
        if item is None:
            continue
        if type(item) is not dict and not isinstance(item, Mapping):
            unreadable("CodeableConcept")
            continue
        coding_list = item.get("coding")
        # A bare Coding has `code` and no `coding` list.
        if coding_list is None:
            entries: Any = (item,)
        else:
            entries = coding_list if type(coding_list) is list else as_list(coding_list)
        # A coding that cannot be read is left out when another coding of the same concept
        # can be: they name the same concept. Only a concept with none readable is unreadable.
        bad = read = 0
        for coding in entries:
            if coding is None:
                continue
            if type(coding) is not dict and not isinstance(coding, Mapping):
                bad += 1
                continue
            code = coding.get("code")
            raw_system = coding.get("system")
            display = coding.get("display")
            if (
                (code is not None and not isinstance(code, str))
                or (raw_system is not None and not isinstance(raw_system, str))
                or (display is not None and not isinstance(display, str))
            ):
                bad += 1
                continue
            if code is None and not display:
                continue
            read += 1
            system = normalize_system(raw_system)
            yield system, normalize_code(system, code or ""), display or ""
        if bad and not read:
            unreadable("coding")


def code_set(cc: Any) -> set[tuple[str, str]]:
    """{(system, normalized code)} of a CodeableConcept (or list of them)."""
    return {(system, code) for system, code, _ in codings(cc) if code}


# A code label or note is read in its first characters only: the pathway's words sit at the
# start, and hostile megabyte texts must not cost seconds of text reading (reports' own long
# texts are read elsewhere, `report_text`).
MAX_ELEMENT_TEXT = 4000


def concept_text(cc: Any) -> str:
    """Lower-cased `text` plus every coding display of a CodeableConcept (or list of them)."""
    parts: list[str] = []
    for item in as_list(cc):
        text = get(item, "text")
        if text:
            if isinstance(text, str):
                parts.append(text[:MAX_ELEMENT_TEXT])
            else:
                unreadable("CodeableConcept.text")
        for _, _, display in codings(item):
            if display:
                parts.append(display[:MAX_ELEMENT_TEXT])
    return " ".join(parts).lower()


def notes_text(resource: Any) -> str:
    """Lower-cased text of `note[]` (Annotation.text; a single Annotation is read as a list)."""
    parts: list[str] = []
    for note in as_list(get(resource, "note")):
        if not isinstance(note, Mapping):
            unreadable("note")
            continue
        text = note.get("text")
        if isinstance(text, str):
            parts.append(text[:MAX_ELEMENT_TEXT])
        elif text is not None:
            unreadable("note.text")
    return " ".join(parts).lower()


def ref_of(resource: Any) -> str:
    """'Type/id' of a resource, or 'Type' when it has no id."""
    rtype = get(resource, "resourceType") or get(resource, "resource_type") or ""
    if not isinstance(rtype, str):
        rtype = ""
    if not rtype and not isinstance(resource, Mapping):
        rtype = type(resource).__name__
    rid = get(resource, "id")
    return f"{rtype}/{rid}" if rid else rtype


def reference_of(ref: Any) -> str:
    """The `reference` string of a Reference (raw or model), or ''."""
    value = get(ref, "reference")
    return str(value) if value else ""


def typed_reference(ref: Any, resource_type: str) -> str | None:
    """A Reference as "Type/id": relative kept, absolute URLs cut to their last two segments,
    `urn:uuid:x` read as "Type/x" (Synthea uses the resource id as its uuid); None if absent."""
    value = reference_of(ref)
    if not value:
        return None
    if value.startswith("urn:uuid:"):
        return f"{resource_type}/{value.removeprefix('urn:uuid:')}"
    parts = value.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:]) if len(parts) >= 2 else value


def condition_evidence_refs(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """"Type/id" of the records a raw Condition rests on (`evidence[].detail[]`). Read from the
    raw JSON: the element is left out of validation, so a malformed one costs only the link."""
    refs: list[str] = []
    for evidence in as_list(raw.get("evidence")):
        if not isinstance(evidence, Mapping):
            continue
        for detail in as_list(evidence.get("detail")):
            if not isinstance(detail, Mapping):
                continue
            ref = typed_reference(detail, "DiagnosticReport")
            if ref and "/" in ref:  # "Type/id"; anything else names no record
                refs.append(ref)
    return tuple(dict.fromkeys(refs))


def raw_has_code(raw: Any, systems_codes: Mapping[str, frozenset[str]]) -> bool:
    """True if any coding in the raw CodeableConcept(s) is in the {system: codes} map."""
    for system, code, _ in codings(raw):
        codes = systems_codes.get(system)
        if codes is not None and code in codes:
            return True
    return False


def any_text(values: Iterable[str]) -> str:
    """Join non-empty lower-cased strings with spaces."""
    return " ".join(v.lower() for v in values if v)
