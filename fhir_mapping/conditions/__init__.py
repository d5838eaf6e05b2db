"""Condition -> Diagnosis, Swelling, MassCharacterization, IliacStent and EdemaImpact findings.

Status rules of the input profile: refuted / entered-in-error never become findings;
provisional / differential / unconfirmed are suspected; resolved / inactive / remission are
history (`active=False`); a missing clinicalStatus is active unless abatement[x] is set.

This module holds the entry points (cheap relevance, convert); each clinical kind is read in
its own module: `diagnoses` (DVT, PE, VTE history, iliac compression and the other coded
diagnoses), `swelling` (leg swelling, extent, edema impact), `masses` (mass nature),
`stents` (iliac vein stent history), `contraindications` (bleeding and thrombolysis
contraindications); `status` and `facts` are shared by all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cds_hooks.guideline.findings import (
    Diagnosis,
    EdemaImpact,
    IliacStent,
    MassCharacterization,
    Swelling,
)

from ..fhir_types import ICD10CM, SNOMED, codings, concept_text, condition_evidence_refs
from ..reading import skip_unreadable
from ..terminology import ValueSet
from ..terminology import conditions as vs
from ..terminology import contraindications as contraindication_sets
from .contraindications import _contraindications
from .diagnoses import _diagnoses
from .facts import _facts
from .masses import _masses
from .stents import _stents
from .swelling import _swellings

Finding = Diagnosis | Swelling | MassCharacterization | IliacStent | EdemaImpact


_ALL_VALUE_SETS: tuple[ValueSet, ...] = (
    vs.SWELLING,
    vs.SCROTAL_EDEMA,
    vs.SCROTAL_EDEMA_GATED,
    vs.PELVIC_MASS,
    vs.PELVIC_MASS_GATED,
    vs.DVT,
    vs.CHRONIC_DVT,
    vs.PULMONARY_EMBOLISM,
    vs.VTE_HISTORY,
    vs.ILIAC_COMPRESSION,
    *vs.MASS_NATURE.values(),
    *vs.MASS_NATURE_GATED.values(),
    vs.BURSITIS_GATED,
    vs.HIP_ARTHROPLASTY,
    vs.PRIMARY_LYMPHEDEMA,
    vs.PRIMARY_LYMPHEDEMA_GATED,
    vs.LIMB_ISCHEMIA,
    vs.ILIAC_STENT_HISTORY_GATED,
    vs.PREGNANCY,
    *vs.SIMPLE.values(),
    *contraindication_sets.ALL_VALUE_SETS,
)
_ALL_SNOMED = frozenset().union(*(v.snomed for v in _ALL_VALUE_SETS))
_ALL_ICD = frozenset().union(*(v.icd10 for v in _ALL_VALUE_SETS))
_ALL_ICD_PREFIXES = tuple(sorted({p for v in _ALL_VALUE_SETS for p in v.icd10_prefixes}))

# Text-only conditions (common in Synthea and hand-entered problem lists).
_TEXT_KEYWORDS = re.compile(
    r"may.?thurner|cockett|iliac vein compression|nivl|phlegmasia|venous gangrene|"
    r"swelling|swollen|o?edema|lymphoma|dlbcl|metasta|carcinoma|sarcoma|malignan|abscess|cancer"
    r"|ha?ematoma|lymphoc(?:o)?ele|bursitis|osteophyte|disc (?:bulge|herniation)|compress"
    r"|iliac vein|" + contraindication_sets.TEXT_KEYWORDS,
    re.IGNORECASE,
)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: a Condition with a code or text keyword of the profile."""
    if resource.get("resourceType") != "Condition":
        return False
    code = resource.get("code")
    for system, value, _ in codings(code):
        if system == SNOMED and value in _ALL_SNOMED:
            return True
        if system == ICD10CM and (value in _ALL_ICD or value.startswith(_ALL_ICD_PREFIXES)):
            return True
    text = concept_text(code)
    if not text:
        return False
    return _TEXT_KEYWORDS.search(text) is not None


def read(resource: Mapping[str, Any]) -> list[Finding]:
    """Findings of one raw Condition; [] when refuted or irrelevant (raises
    `UnreadableElement` when an element the pathway reads cannot be read)."""
    found = convert_model(resource)  # raw JSON, read element by element (fhir_types)
    refs = condition_evidence_refs(resource)
    if not refs:
        return found
    return [replace(f, evidence_refs=refs) if isinstance(f, Diagnosis) else f for f in found]


def convert_model(model: Any) -> list[Finding]:
    facts = _facts(model)
    if facts.status.excluded:
        return []
    findings: list[Finding] = []
    findings.extend(_diagnoses(facts))
    findings.extend(_contraindications(facts))
    findings.extend(_swellings(facts))
    findings.extend(_masses(facts))
    findings.extend(_stents(facts))
    return findings


def convert(resource: Mapping[str, Any]) -> list[Finding]:
    """`read`, with a resource whose needed element cannot be read skipped ([])."""
    return skip_unreadable(read, resource)
