"""AllergyIntolerance to heparin or any LMWH -> Diagnosis HEPARIN_ALLERGY; one that names
heparin-induced thrombocytopenia (SNOMED 73397007 or text, in its code or a reaction) -> HIT,
which counts at any time and in any status but refuted / entered-in-error (input profile v2.3).

Status rules as for Condition: refuted / entered-in-error never count, unconfirmed is
suspected, inactive / resolved is history (`active=False`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import Concept, Diagnosis, Source

from . import text as clinical_text
from .conditions.status import condition_status
from .fhir_types import RXNORM, SNOMED, as_list, codings, concept_text, first_when, get, ref_of
from .reading import skip_unreadable
from .terminology.contraindications import HIT_TEXT
from .terminology.medications import BY_RXNORM, HEPARINS, drugs_in_text, names_lmwh_class

_HEPARIN_RXNORM = frozenset(code for code, drug in BY_RXNORM.items() if drug.ingredient in HEPARINS)


_HIT_SNOMED = "73397007"


def _concepts(resource: Any) -> list[Any]:
    concepts = [get(resource, "code")]
    concepts.extend(get(r, "substance") for r in as_list(get(resource, "reaction")))
    return [c for c in concepts if c is not None]


def _names_hit(resource: Any) -> bool:
    """The allergy's code, substance or reaction manifestation names HIT (a heparin allergy
    whose reaction is only "thrombocytopenia" stays an allergy: it counts while active)."""
    concepts = _concepts(resource) + [
        m for reaction in as_list(get(resource, "reaction"))
        for m in as_list(get(reaction, "manifestation"))
    ]
    if any(system == SNOMED and code == _HIT_SNOMED for system, code, _ in codings(concepts)):
        return True
    return clinical_text.affirmed(concept_text(concepts), HIT_TEXT)


def _names_heparin(concepts: list[Any]) -> bool:
    for system, code, _ in codings(concepts):
        if system == RXNORM and code in _HEPARIN_RXNORM:
            return True
    text = concept_text(concepts)
    if names_lmwh_class(text):
        return True
    return any(drug.ingredient in HEPARINS for drug in drugs_in_text(text))


def relevant(resource: Mapping[str, Any]) -> bool:
    if resource.get("resourceType") != "AllergyIntolerance":
        return False
    return _names_heparin(_concepts(resource)) or _names_hit(resource)


def read(resource: Mapping[str, Any]) -> list[Diagnosis]:
    model = resource  # raw JSON, read element by element (fhir_types)
    concepts = _concepts(model)
    hit = _names_hit(model)
    if not (hit or _names_heparin(concepts)):
        return []
    status = condition_status(model)
    if status.excluded:
        return []
    code = get(model, "code")
    display = str(get(code, "text") or next((d for _, _, d in codings(code) if d), ""))
    onset = first_when(model, "onsetDateTime", "onsetPeriod")
    return [
        Diagnosis(
            concept=Concept.HIT if hit else Concept.HEPARIN_ALLERGY,
            active=status.active,
            suspected=status.suspected,
            onset=onset,
            # recordedDate is the date the pathway counts from only without an onset.
            recorded=first_when(model, "recordedDate", required=onset is None),
            encounter=None,
            source=Source(refs=(ref_of(model),), display=display),
        )
    ]


def convert(resource: Mapping[str, Any]) -> list[Diagnosis]:
    """`read`, with a resource whose needed element cannot be read skipped ([])."""
    return skip_unreadable(read, resource)
