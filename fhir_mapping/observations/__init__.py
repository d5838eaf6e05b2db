"""Observation -> Measurement, Swelling, EdemaImpact, ImagingStudy, DopplerWaveform,
IvusStenosis, ReferenceDiameter and LesionBehavior findings.

Status rules of the input profile: final / amended / corrected count, preliminary counts with
`preliminary=True`; cancelled / entered-in-error / registered (and anything else) never become
findings; a dataAbsentReason means there is no value. The date is effective[x] (a Period's
start), else `issued`.

This module holds the entry points (cheap relevance, dispatch by code); each clinical kind is
converted in its own module: `labs` (labs and vitals), `local_codes` (IVUS, reference
diameter, lesion behavior, CFV waveform), `imaging` (duplex / venography as Observation),
`swelling` (leg swelling and its impact).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import Concept, Diagnosis

from .. import text as clinical_text
from ..dvt_level import coded_dvt_level, most_proximal, site_dvt_level, with_level
from ..fhir_types import (
    CPT,
    ICD10CM,
    LOCAL_OBSERVATION,
    LOINC,
    SNOMED,
    as_list,
    code_set,
    concept_text,
    get,
    normalize_icd10,
    normalize_system,
)
from ..reading import lenient, skip_unreadable
from ..reports.study_kind import not_a_leg_or_pelvic_study
from ..terminology import conditions as condition_vs
from ..terminology import imaging as imaging_vs
from ..terminology import observations as vs
from .facts import _USABLE_STATUS, _WHEN_KEYS, Finding, _facts
from .imaging import _imaging
from .labs import _measurements
from .local_codes import _local
from .swelling import _swelling

# Cheap raw-JSON relevance: codes of every concept handled here, then keywords of the texts.
_RELEVANT_CODES: dict[str, frozenset[str]] = {
    LOINC: frozenset(vs.LAB_LOINC)
    | vs.BP_PANELS
    | vs.PREGNANCY_STATUS
    | imaging_vs.DUPLEX_LOINC
    | imaging_vs.MR_VENOGRAPHY_LOINC,
    LOCAL_OBSERVATION: vs.LOCAL_CODES,
    SNOMED: condition_vs.SWELLING.snomed | imaging_vs.CT_VENOGRAPHY_SNOMED,
    ICD10CM: condition_vs.SWELLING.icd10,
    CPT: imaging_vs.DUPLEX_CPT,
}
# Applied to lower-cased text: a case-insensitive alternation is several times slower.
_RELEVANT_TEXT = re.compile(
    r"edema|swell|swollen|duplex|doppler|ivus|intravascular|venograph|stenosis|waveform|phasic"
    r"|phlegmasia"
)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: an Observation whose code (or value text) is one we map.

    Runs on every Observation of a record, so it walks the raw codings once, with exact
    `dict` checks, and remembers which texts matched (a record repeats the same displays).
    """
    if resource.get("resourceType") != "Observation":
        return False
    if resource.get("status") not in _USABLE_STATUS:
        return False
    code = resource.get("code")
    texts: list[str] = []
    if type(code) is dict or isinstance(code, Mapping):
        for coding in as_list(code.get("coding")):
            if type(coding) is not dict and not isinstance(coding, Mapping):
                continue
            system = normalize_system(coding.get("system"))
            allowed = _RELEVANT_CODES.get(system)
            value = coding.get("code")
            if allowed is not None and type(value) is str:
                if system == ICD10CM:
                    value = normalize_icd10(value)
                if value in allowed:
                    return True
            display = coding.get("display")
            if type(display) is str:
                texts.append(display)
        text = code.get("text")
        if type(text) is str:
            texts.append(text)
    value_concept = resource.get("valueCodeableConcept")
    if isinstance(value_concept, Mapping):
        with lenient():
            texts.append(concept_text(value_concept))
    value_string = resource.get("valueString")
    if isinstance(value_string, str):
        texts.append(value_string)
    # Phlegmasia is often charted only in an exam's note (catalog: "an Observation's [...] note").
    for note in as_list(resource.get("note")):
        if isinstance(note, Mapping) and isinstance(note.get("text"), str):
            texts.append(note["text"])
    return any(_relevant_text(t) for t in texts)


_TEXT_HITS: dict[str, bool] = {}
_MAX_TEXT_HITS = 8192  # bounded: hostile input must not grow it


def _relevant_text(text: str) -> bool:
    hit = _TEXT_HITS.get(text)
    if hit is None:
        hit = _RELEVANT_TEXT.search(text.lower()) is not None
        if len(_TEXT_HITS) < _MAX_TEXT_HITS and len(text) < 200:
            _TEXT_HITS[text] = hit
    return hit


_MEASUREMENT_LOINC = frozenset(vs.LAB_LOINC) | vs.BP_PANELS
WHEN_KEYS = _WHEN_KEYS


def measurement_key(resource: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The LOINC lab/vital codes of an Observation that can only become Measurements, or None.

    `map_record` uses it to skip readings superseded by a much newer one of the same code
    before validation. None (never skipped) for anything that may map to another finding:
    local, SNOMED, ICD-10 or imaging codes, a text value, a note (phlegmasia is charted there).
    """
    if resource.get("status") not in _USABLE_STATUS:
        return None
    if any(key in resource for key in ("note", "valueString", "valueCodeableConcept")):
        return None
    code = resource.get("code")
    if not isinstance(code, Mapping):
        return None
    found: list[str] = []
    for coding in as_list(code.get("coding")):
        if not isinstance(coding, Mapping):
            return None
        system = normalize_system(coding.get("system"))
        value = coding.get("code")
        if system == LOINC:
            if value not in _MEASUREMENT_LOINC:
                return None
            found.append(str(value))
        elif system in (LOCAL_OBSERVATION, SNOMED, ICD10CM):
            return None
    return tuple(sorted(found)) if found else None


def read(resource: Mapping[str, Any]) -> list[Finding]:
    """Findings of one raw Observation; an invalid or unusable one yields nothing."""
    if not relevant(resource):
        return []
    model = resource  # raw JSON, read element by element (fhir_types)
    return convert_model(model)


def convert_model(model: Any) -> list[Finding]:
    """Findings of one validated Observation model."""
    if get(model, "status") not in _USABLE_STATUS:
        return []
    obs = _facts(model)
    local = obs.local()
    if local is not None:
        return _local(obs, local)
    loinc = {code for system, code in obs.codes if system == LOINC}
    found: list[Finding] = []
    found.extend(_measurements(obs, loinc))
    # Input profile: "venous duplex result | DiagnosticReport (or Observation) with code LOINC
    # [...], CPT 93970/93971" -- CPT also covers the arms, so a non-leg code text is no leg study.
    cpt_duplex = bool(
        obs.codes & {(CPT, c) for c in imaging_vs.DUPLEX_CPT}
    ) and not not_a_leg_or_pelvic_study(obs.code_text)
    if cpt_duplex or loinc & (imaging_vs.DUPLEX_LOINC | imaging_vs.MR_VENOGRAPHY_LOINC) or (
        obs.codes & {(SNOMED, c) for c in imaging_vs.CT_VENOGRAPHY_SNOMED}
    ):
        # A positive duplex Observation states its level by a coded answer (ICD-10-CM DVT code)
        # or the thrombosed vein of its bodySite ("posterior tibial vein").
        level = most_proximal(
            coded_dvt_level(code_set(get(obs.model, "valueCodeableConcept"))),
            site_dvt_level(obs.site_text),
        )
        found.extend(with_level(_imaging(obs), level))
    elif not found:
        found.extend(_swelling(obs))
    # Catalog: phlegmasia "in [...] an Observation's code text, value or note" is
    # limb-threatening ischemia.
    if clinical_text.affirmed(
        f"{obs.code_text}. {obs.value_text}. {obs.note}", condition_vs.LIMB_ISCHEMIA_TEXT
    ):
        found.append(
            Diagnosis(
                concept=Concept.LIMB_ISCHEMIA, side=obs.side(), recorded=obs.when, source=obs.source
            )
        )
    return found


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """`read`, with a resource whose needed element cannot be read skipped ([])."""
    return skip_unreadable(read, resource)
