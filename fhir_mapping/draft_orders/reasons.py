"""What a draft order is for: its reason text and reason concepts (reasonCode /
reasonReference, and for thrombolytics the indications named elsewhere in the order), and the
common `DraftOrder` every order kind is built on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import DraftOrder, OrderKind

from .. import text as clinical_text
from ..fhir_types import as_list, code_set, codings, concept_text, get, notes_text, reference_of
from ..terminology import orders as vs
from .bundle import Index, _lookup


def _texts(resource: Mapping[str, Any], *keys: str) -> str:
    parts: list[str] = []
    for key in keys:
        value = resource.get(key)
        for item in as_list(value):
            if isinstance(item, str):
                parts.append(item.lower())
            elif isinstance(item, Mapping) and "coding" not in item and "text" not in item:
                parts.append(str(item.get("text") or item.get("display") or "").lower())
            else:
                parts.append(concept_text(item))
    return " ".join(p for p in parts if p)


def _reasons(resource: Mapping[str, Any], index: Index) -> tuple[str, tuple[str, ...]]:
    """(lower-cased reason text, reason concepts) of reasonCode / reasonReference."""
    concepts_raw: list[Any] = list(as_list(resource.get("reasonCode")))
    texts = [concept_text(resource.get("reasonCode"))]
    for reference in as_list(resource.get("reasonReference")):
        texts.append(str(get(reference, "display") or "").lower())
        target = _lookup(reference_of(reference), index, resource)
        if target is not None:
            concepts_raw.append(target.get("code"))
            texts.append(concept_text(target.get("code")))
    text = " ".join(t for t in texts if t).strip()
    codes = code_set(concepts_raw)
    found = [
        name
        for name, value_set in vs.REASONS.items()
        if value_set.matches(codes) or (text and clinical_text.affirmed(text, vs.REASON_TEXT[name]))
    ]
    return text, tuple(found)


def _base(
    resource: Mapping[str, Any], ref: str, index: Index, kind: OrderKind, display: str, **extra: Any
) -> DraftOrder:
    reason_text, reason_concepts = _reasons(resource, index)
    if kind is OrderKind.THROMBOLYSIS:
        reason_concepts = _named_reasons(resource, reason_concepts)
    return DraftOrder(
        kind=kind,
        ref=ref,
        resource=dict(resource),
        reason_text=reason_text,
        reason_concepts=reason_concepts,
        display=display,
        **extra,
    )


def _named_reasons(resource: Mapping[str, Any], found: tuple[str, ...]) -> tuple[str, ...]:
    """`found` plus the indications a thrombolytic order names outside reasonCode (catalog:
    "never when the order names stroke, ..."): its code/medication text, orderDetail, dosage
    text, patientInstruction and notes ("tPA per acute ischemic stroke protocol")."""
    text = " ".join(
        t
        for t in (
            concept_text(resource.get("code")),
            concept_text(resource.get("medicationCodeableConcept")),
            str(get(resource.get("medicationReference"), "display") or "").lower(),
            _texts(resource, "orderDetail"),
            _texts(resource, "dosageInstruction"),
            str(resource.get("patientInstruction") or "").lower(),
            notes_text(resource),
        )
        if t
    )
    if not text:
        return found
    named = [n for n, phrases in vs.REASON_TEXT.items() if clinical_text.affirmed(text, phrases)]
    return tuple(dict.fromkeys([*found, *named]))


def _display(concept: Any) -> str:
    return str(get(concept, "text") or next((d for _, _, d in codings(concept) if d), ""))
