"""Which drugs a medication record names (ingredient and class: anticoagulant, antiplatelet,
thrombolytic...): RxNorm codes, then generic/brand names, of the record or the Medication it
references (contained or in the record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..fhir_types import RXNORM, as_list, codings, concept_text, get, reference_of
from ..terminology.medications import BY_RXNORM, PRODUCT_NAMES, Drug, drugs_in_text

Resolver = Mapping[str, Mapping[str, Any]]


def _resolve(model: Any, raw: Mapping[str, Any], medications: Resolver) -> Any | None:
    """The Medication a medicationReference names: contained first, then the record."""
    ref = reference_of(get(model, "medicationReference"))
    if not ref:
        return None
    if ref.startswith("#"):
        for contained in as_list(raw.get("contained")):
            if isinstance(contained, Mapping) and f"#{contained.get('id')}" == ref:
                return contained
    found = medications.get(ref)
    if found is None and "/" in ref and not ref.startswith("urn:"):
        # Absolute URLs ("https://ehr/fhir/Medication/1") name the same resource.
        found = medications.get("/".join(ref.rstrip("/").split("/")[-2:]))
    return found


def _drugs(model: Any, raw: Mapping[str, Any], medications: Resolver) -> list[Drug]:
    concepts: list[Any] = []
    texts: list[str] = []
    concept = get(model, "medicationCodeableConcept")
    if concept is not None:
        concepts.append(concept)
    medication = _resolve(model, raw, medications)
    if medication is not None:
        concepts.append(get(medication, "code"))
        for ingredient in as_list(get(medication, "ingredient")):
            concepts.append(get(ingredient, "itemCodeableConcept"))
            texts.append(str(get(get(ingredient, "itemReference"), "display") or ""))
    texts.append(str(get(get(model, "medicationReference"), "display") or ""))
    found: list[Drug] = []
    for cc in concepts:
        for system, code, _ in codings(cc):
            drug = BY_RXNORM.get(code) if system == RXNORM else None
            if drug is not None and drug not in found:
                found.append(drug)
    names = " ".join([concept_text(concepts), *texts])
    for drug in drugs_in_text(names):
        if drug not in found:
            found.append(drug)
    return found


def _product_text(model: Any, raw: Mapping[str, Any], medications: Resolver) -> str:
    concept = get(model, "medicationCodeableConcept")
    medication = _resolve(model, raw, medications) if concept is None else None
    if medication is not None:
        concept = get(medication, "code")
    named = get(concept, "text") or next((d for _, _, d in codings(concept) if d), "")
    if not named:
        # A bare product code: its RxNorm name gives the strength (dose in syringes/tablets).
        named = next((PRODUCT_NAMES[c] for system, c, _ in codings(concept)
                      if system == RXNORM and c in PRODUCT_NAMES), "")
    return str(named)


def _display(model: Any, drugs: list[Drug]) -> str:
    concept = get(model, "medicationCodeableConcept")
    text = get(concept, "text") or next((d for _, _, d in codings(concept) if d), "")
    if not text:
        text = get(get(model, "medicationReference"), "display") or ""
    return str(text) or ", ".join(d.ingredient for d in drugs)
