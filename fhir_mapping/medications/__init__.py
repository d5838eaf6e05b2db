"""MedicationRequest / MedicationStatement / MedicationAdministration -> Medication findings.

The ingredient comes from RxNorm ingredient codes, else from the names (generic and brand) in the
code's display/text, because product (SCD/SBD) codes are too many to list. A combination product
yields one finding per ingredient. The dose is read from structured dosage, else from dosage
text; when neither is readable it stays None (the guideline then assumes the riskier reading).

This module holds the entry points; `drugs` names the drugs (and so their class: anticoagulant,
antiplatelet, thrombolytic), `status` the kind, status and date rules, `dosage` the structured
dose and `dose_text` doses, strengths, routes and frequencies written as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import Medication, Source

from ..fhir_types import RXNORM, codings, concept_text, get, parse_when, ref_of
from ..reading import UnreadableElement
from ..terminology.medications import BY_RXNORM, NAME_PATTERN
from .dosage import _dose
from .drugs import Resolver, _display, _drugs, _product_text
from .status import _ACTIVE_STATUS, _KIND, _VOID_STATUS, _authored

MEDICATION_TYPES = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationAdministration"}
)


def relevant(resource: Mapping[str, Any]) -> bool:
    """Cheap raw check: a medication record naming a listed drug (or a Medication reference)."""
    if resource.get("resourceType") not in MEDICATION_TYPES:
        return False
    if resource.get("medicationReference") is not None:
        return True  # the named Medication is resolved only in convert
    concept = resource.get("medicationCodeableConcept")
    for system, code, _ in codings(concept):
        if system == RXNORM and code in BY_RXNORM:
            return True
    return NAME_PATTERN.search(concept_text(concept)) is not None


def may_be_current(resource: Mapping[str, Any]) -> bool:
    """Whether a raw record's status can ever make it current (active request/statement,
    completed or in-progress administration).

    The record mapper skips the others before validation: the guideline ignores them, and
    validating years of stopped refills would be most of a long record's cost.
    """
    kind = _KIND.get(str(resource.get("resourceType")))
    if kind is None:
        return False
    return str(resource.get("status") or "").lower() in _ACTIVE_STATUS[kind]


def convert(resource: Mapping[str, Any]) -> list[Medication]:
    return medication_findings(resource)


def medication_findings(
    resource: Mapping[str, Any], medications: Resolver | None = None
) -> list[Medication]:
    """`read_medication`, with a record whose needed element cannot be read skipped ([])."""
    try:
        return read_medication(resource, medications)
    except UnreadableElement:
        return []


def read_medication(
    resource: Mapping[str, Any], medications: Resolver | None = None
) -> list[Medication]:
    """Medication findings of one raw medication record.

    `medications` maps "Medication/id", "urn:uuid:..." and "#contained" references to raw
    Medication resources; the record's own contained resources are always searched too.
    Raises `UnreadableElement` when an element the pathway reads cannot be read.
    """
    if resource.get("resourceType") not in MEDICATION_TYPES:
        return []
    model = resource  # raw JSON, read element by element (fhir_types)
    kind = _KIND[str(resource.get("resourceType"))]
    status = str(get(model, "status") or "").lower()
    if status in _VOID_STATUS:
        return []
    drugs = _drugs(model, resource, medications or {})
    if not drugs:
        return []
    dose = None
    if len(drugs) == 1:  # a combination product's dose cannot be split between ingredients
        dose = _dose(model, kind, _product_text(model, resource, medications or {}))
    authored = _authored(model, kind)
    validity = get(get(model, "dispenseRequest"), "validityPeriod")
    valid_until = parse_when(get(validity, "end")) if validity is not None else None
    source = Source(refs=(ref_of(model),), display=_display(model, drugs))
    return [
        Medication(
            ingredient=drug.ingredient,
            drug_class=drug.drug_class,
            kind=kind,
            status_active=status in _ACTIVE_STATUS[kind],
            authored=authored,
            valid_until=valid_until,
            dose=dose,
            source=source,
        )
        for drug in drugs
    ]
