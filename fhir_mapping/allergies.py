"""AllergyIntolerance to heparin or any LMWH -> Diagnosis HEPARIN_ALLERGY.

Status rules as for Condition: refuted / entered-in-error never count, unconfirmed is
suspected, inactive / resolved is history (`active=False`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import Concept, Diagnosis, Source

from .conditions.status import condition_status
from .fhir_types import RXNORM, as_list, codings, concept_text, first_when, get, ref_of
from .reading import skip_unreadable
from .terminology.medications import BY_RXNORM, HEPARINS, drugs_in_text, names_lmwh_class

_HEPARIN_RXNORM = frozenset(code for code, drug in BY_RXNORM.items() if drug.ingredient in HEPARINS)


def _concepts(resource: Any) -> list[Any]:
    concepts = [get(resource, "code")]
    concepts.extend(get(r, "substance") for r in as_list(get(resource, "reaction")))
    return [c for c in concepts if c is not None]


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
    return _names_heparin(_concepts(resource))


def read(resource: Mapping[str, Any]) -> list[Diagnosis]:
    model = resource  # raw JSON, read element by element (fhir_types)
    concepts = _concepts(model)
    if not _names_heparin(concepts):
        return []
    status = condition_status(model)
    if status.excluded:
        return []
    code = get(model, "code")
    display = str(get(code, "text") or next((d for _, _, d in codings(code) if d), ""))
    onset = first_when(model, "onsetDateTime", "onsetPeriod")
    return [
        Diagnosis(
            concept=Concept.HEPARIN_ALLERGY,
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
