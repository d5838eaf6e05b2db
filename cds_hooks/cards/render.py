"""Render guideline recommendations as CDS Hooks 2.0.1 cards (JSON-ready dicts).

The guideline decides what to say; this module decides how it looks on the wire: one card per
recommendation, no null or empty fields, markdown detail that shows why (findings with their
FHIR references and dates, what is missing, the quoted figure, the sources), links to the cited
publications, and suggestions whose resources are valid FHIR R4 drafts for the patient.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cds_hooks.cards.references import source_info
from cds_hooks.cards.unreadable import refs_for, unreadable_section
from cds_hooks.guideline.findings import UnreadableResource
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    MedicationOrder,
    OrderEdit,
    Recommendation,
    ServiceOrder,
    Suggestion,
)

TOPIC_SYSTEM = "urn:iliac-cds:recommendation"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
SUMMARY_MAX = 139  # CDS Hooks: summary SHOULD be < 140 characters
# `requester` (R4: Practitioner | PractitionerRole | Organization | Patient | RelatedPerson |
# Device): only a clinician user is put there; a Patient or RelatedPerson user of patient-view is
# not the orderer of a draft order.
REQUESTER_TYPES = ("Practitioner", "PractitionerRole")
# Resource types R4 allows in `reasonReference` (ServiceRequest / MedicationRequest).
REASON_TYPES: dict[str, tuple[str, ...]] = {
    "ServiceRequest": ("Condition", "Observation", "DiagnosticReport", "DocumentReference"),
    "MedicationRequest": ("Condition", "Observation"),
}
_UNKNOWN_SIDE = re.compile(r"\(unknown\)")

TOPIC_DISPLAY: dict[str, str] = {
    "dvt-duplex-ultrasound": "Complete venous duplex ultrasound",
    "pelvic-venous-imaging": "Pelvic CT/MR venography",
    "dvt-anticoagulation-lmwh": "Anticoagulation for acute DVT",
    "anticoagulation-contraindicated-ivc-filter": "IVC filter: anticoagulation contraindicated",
    "thrombolysis-consider": "Consider thrombolysis",
    "edema-alternative-causes": "Alternative causes of leg edema",
    "bilateral-edema-systemic-cause": "Bilateral edema: systemic causes",
    "ivus-before-intervention": "Venography with IVUS before intervention",
    "compression-without-symptoms": "Iliac vein compression without symptoms",
    "mass-characterization": "Characterize the pelvic/iliac mass",
    "extrinsic-compression-treat-cause": "Extrinsic compression: treat the cause",
    "nivl-stent-candidate": "NIVL stent candidate",
    "nivl-stent-criteria-incomplete": "NIVL stent criteria incomplete",
    "nivl-stent-not-indicated": "NIVL stent not indicated",
    "stent-length-too-short": "Stent length too short",
    "stent-diameter-sizing": "Stent diameter sizing",
    "stent-without-ivus-confirmation": "Stent without IVUS confirmation",
    "ivc-filter-not-indicated": "IVC filter not indicated",
    "thrombolysis-not-indicated": "Thrombolysis not indicated",
    "post-stent-antithrombotic-review": "Antithrombotic review after iliac venous stenting",
    "post-stent-surveillance": "Surveillance imaging after iliac venous stenting",
}

# FHIR ServiceRequest category (example value set, SNOMED CT).
CATEGORIES: dict[str, Code] = {
    "imaging": Code(SNOMED, "363679005", "Imaging"),
    "procedure": Code(SNOMED, "387713003", "Surgical procedure"),
    "laboratory": Code(SNOMED, "108252007", "Laboratory procedure"),
    "referral": Code(SNOMED, "3457005", "Patient referral"),
}


@dataclass(frozen=True)
class OrderContext:
    """Hook context that every suggested order carries (CDS Hooks `context`)."""

    patient_ref: str  # "Patient/123"
    requester_ref: str = ""  # "Practitioner/abc" from context.userId, else ""
    encounter_ref: str = ""  # "Encounter/e1" from context.encounterId, else ""

    @classmethod
    def from_hook(
        cls, patient_ref: str, user_id: object = None, encounter_id: object = None
    ) -> OrderContext:
        user = str(user_id or "").strip()
        requester = user if user.split("/", 1)[0] in REQUESTER_TYPES and "/" in user else ""
        encounter = str(encounter_id or "").strip()
        # encounterId is an Encounter.id (CDS Hooks); accept a relative reference too.
        if encounter and not encounter.startswith("Encounter/"):
            encounter = f"Encounter/{encounter}"
        return cls(patient_ref, requester, encounter)


def render_cards(
    recommendations: Iterable[Recommendation],
    *,
    patient_ref: str,
    user_id: object = None,
    encounter_id: object = None,
    unreadable: Iterable[UnreadableResource] = (),
) -> list[dict]:
    """One card per recommendation, sorted critical -> warning -> info (stable within a rank).

    `unreadable` are the record's skipped resources: each card names those that could change
    it (`unreadable.refs_for`)."""
    ordered = sorted(recommendations, key=lambda rec: Indicator(rec.indicator).rank)
    ctx = OrderContext.from_hook(patient_ref, user_id, encounter_id)
    skipped = tuple(unreadable)
    return [
        render_card(rec, patient_ref=patient_ref, context=ctx,
                    unreadable=refs_for(rec.id, skipped))
        for rec in ordered
    ]


def render_card(
    rec: Recommendation,
    *,
    patient_ref: str,
    context: OrderContext | None = None,
    unreadable: tuple[str, ...] = (),
) -> dict[str, Any]:
    ctx = context or OrderContext(patient_ref)
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(rec.summary),
        "indicator": Indicator(rec.indicator).value,
        "source": _source(rec),
    }
    detail = render_detail(rec, unreadable)
    if detail:
        card["detail"] = detail
    links = _links(rec.sources)
    if links:
        card["links"] = links
    reason = _reason_refs(rec)
    suggestions = [_suggestion(s, ctx, reason) for s in rec.suggestions]
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = rec.selection or "at-most-one"
    if rec.override_reasons:
        card["overrideReasons"] = [
            _coding(c, fallback_display=c.code) for c in rec.override_reasons
        ]
    return card


def topic_display(rec_id: str) -> str:
    return TOPIC_DISPLAY.get(rec_id) or rec_id.replace("-", " ").capitalize()


def render_detail(rec: Recommendation, unreadable: tuple[str, ...] = ()) -> str:
    """Markdown: guidance, findings used (with references and dates), gaps, resources that
    could not be read, figure, sources."""
    parts: list[str] = []
    if rec.detail.strip():
        parts.append(rec.detail.strip())
    if rec.evidence:
        parts.append("**Findings used**\n\n" + "\n".join(_evidence_line(e) for e in rec.evidence))
    # A gap the rule already listed as a bullet of its detail is not repeated.
    shown = {
        line.strip()[2:].strip() for line in rec.detail.splitlines() if line.strip()[:2] == "- "
    }
    missing = [m for m in dict.fromkeys(rec.missing) if m.strip() not in shown]
    if missing:
        parts.append("**Not on record / not assessed**\n\n" + "\n".join(f"- {m}" for m in missing))
    if unreadable:
        parts.append(unreadable_section(unreadable))
    if rec.quote.strip():
        parts.append(f"> {rec.quote.strip()}")
    if rec.sources:
        lines = [
            f"- **{source_info(key).key}**: {source_info(key).description}" for key in rec.sources
        ]
        parts.append("**Sources**\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _evidence_line(evidence: Evidence) -> str:
    # Findings print their side as "(left)", "(right)", "(bilateral)" or, from the Side enum,
    # "(unknown)": a clinician reads that as "unknown finding", so say what is actually unknown.
    text = _UNKNOWN_SIDE.sub("(side not recorded)", evidence.text)
    where = ", ".join([*evidence.refs, *([evidence.date] if evidence.date else [])])
    return f"- {text} — {where}" if where else f"- {text}"


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _source(rec: Recommendation) -> dict[str, Any]:
    labels = [source_info(key).label for key in dict.fromkeys(rec.sources)]
    return {
        "label": "; ".join(labels) if labels else "iliac-cds pathway",
        "topic": {"system": TOPIC_SYSTEM, "code": rec.id, "display": topic_display(rec.id)},
    }


def _links(source_keys: Iterable[str]) -> list[dict[str, str]]:
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    for key in source_keys:
        for pub in source_info(key).publications:
            if pub.url not in seen:
                seen.add(pub.url)
                links.append({"label": pub.label, "url": pub.url, "type": "absolute"})
    return links


# ---------------------------------------------------------------- suggestions and resources


def _reason_refs(rec: Recommendation) -> tuple[str, ...]:
    """The FHIR reference(s) of the first finding the rule cites: the one that motivates it.

    Only the first: a later finding (a weight, a lab) is context, and citing it as the reason
    (e.g. enoxaparin "because of" a body weight) would mislead the EHR and the clinician.
    """
    for evidence in rec.evidence:
        refs = tuple(ref for ref in evidence.refs if "/" in ref and "://" not in ref)
        if refs:
            return refs
    return ()


def _suggestion(
    suggestion: Suggestion, ctx: OrderContext, reason: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "label": _label(suggestion),  # REQUIRED by CDS Hooks
        "actions": [_action(suggestion, ctx, reason)],
    }


def _label(suggestion: Suggestion) -> str:
    if suggestion.label.strip():
        return suggestion.label.strip()
    if isinstance(suggestion, ServiceOrder) and suggestion.codes:
        return suggestion.codes[0].display or suggestion.codes[0].code
    if isinstance(suggestion, MedicationOrder):
        return suggestion.medication.display or suggestion.medication.code
    if isinstance(suggestion, OrderEdit):
        verb = "Remove" if suggestion.action == "delete" else "Update"
        return f"{verb} the draft order {suggestion.target_ref}"
    return "Suggested order"


def _action(
    suggestion: Suggestion, ctx: OrderContext, reason: tuple[str, ...] = ()
) -> dict[str, Any]:
    # `description` on every action: CDS Hooks requires it and the public sandbox logs an error
    # without it.
    description = _label(suggestion)
    if isinstance(suggestion, ServiceOrder):
        resource = service_request(suggestion, ctx.patient_ref)
        _add_order_context(resource, ctx, reason)
        return {"type": "create", "description": description, "resource": resource}
    if isinstance(suggestion, MedicationOrder):
        resource = medication_request(suggestion, ctx.patient_ref)
        _add_order_context(resource, ctx, reason)
        return {"type": "create", "description": description, "resource": resource}
    if isinstance(suggestion, OrderEdit):
        if suggestion.action == "delete":
            return {
                "type": "delete",
                "description": description,
                "resourceId": suggestion.target_ref,
            }
        if suggestion.action == "update" and suggestion.resource:
            # The EHR replaces its draft: the resource keeps the draft's id, and `resourceId`
            # names it as for delete (CDS Hooks 2.0.1 action.resourceId).
            kind, _, draft_id = suggestion.target_ref.rpartition("/")
            resource = dict(suggestion.resource)
            # A urn:uuid draft has no FHIR id to restate (colons are not allowed in an id).
            if kind and draft_id and not resource.get("id"):
                resource["id"] = draft_id
            if kind and resource.get("resourceType") != kind:
                raise ValueError(f"update of {suggestion.target_ref} with another resource type")
            return {
                "type": "update",
                "description": description,
                "resourceId": suggestion.target_ref,
                "resource": resource,
            }
        raise ValueError(f"unsupported order edit {suggestion.action!r} without a resource")
    raise TypeError(f"unknown suggestion type {type(suggestion).__name__}")


def _add_order_context(
    resource: dict[str, Any], ctx: OrderContext, reason: tuple[str, ...]
) -> None:
    """requester (the clinician in context), encounter, and the finding that motivates it.

    `authoredOn` is left out on purpose: the EHR stamps it when the clinician signs the order.
    """
    if ctx.requester_ref:
        resource["requester"] = {"reference": ctx.requester_ref}
    if ctx.encounter_ref:
        resource["encounter"] = {"reference": ctx.encounter_ref}
    allowed = REASON_TYPES.get(resource["resourceType"], ())
    motive = next((ref for ref in reason if ref.split("/", 1)[0] in allowed), "")
    if motive:
        resource["reasonReference"] = [{"reference": motive}]


def service_request(order: ServiceOrder, patient_ref: str) -> dict[str, Any]:
    """A draft R4 ServiceRequest for the patient carrying every coding the guideline gave."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": patient_ref},
        "code": {"coding": [_coding(c) for c in order.codes], "text": order.label},
    }
    category = CATEGORIES.get(order.category)
    if category:
        resource["category"] = [{"coding": [_coding(category)], "text": category.display}]
    if order.body_site:
        resource["bodySite"] = [{"coding": [_coding(c) for c in order.body_site]}]
    if order.note:
        resource["note"] = [{"text": order.note}]
    return resource


def medication_request(order: MedicationOrder, patient_ref: str) -> dict[str, Any]:
    """A draft R4 MedicationRequest: one dose every `interval_hours` hours."""
    dose = _number(order.dose_mg)
    route = order.route.display or order.route.code
    drug = order.medication.display or order.medication.code
    # "Subcutaneous route" (SNOMED display) reads as "subcutaneous" in the instruction.
    route_word = route.lower().removesuffix(" route")
    text = f"{drug} {dose} mg {route_word} every {order.interval_hours} hours"
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": patient_ref},
        "medicationCodeableConcept": {"coding": [_coding(order.medication)], "text": drug},
        "dosageInstruction": [
            {
                "text": text,
                "timing": {
                    "repeat": {"frequency": 1, "period": order.interval_hours, "periodUnit": "h"}
                },
                "route": {"coding": [_coding(order.route)], "text": route},
                "doseAndRate": [
                    {"doseQuantity": {"value": dose, "unit": "mg", "system": UCUM, "code": "mg"}}
                ],
            }
        ],
    }
    if order.note:
        resource["note"] = [{"text": order.note}]
    return resource


def _coding(code: Code, *, fallback_display: str = "") -> dict[str, str]:
    coding = {"system": code.system, "code": code.code}
    display = code.display or fallback_display
    if display:
        coding["display"] = display
    return coding


def _number(value: float) -> int | float:
    """Whole doses as integers: "80 mg", not "80.0 mg"."""
    return int(value) if float(value).is_integer() else value
