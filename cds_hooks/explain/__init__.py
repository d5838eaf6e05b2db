"""Explain one hook call: the findings the mapper read (with their FHIR references), the pathway
state as five stages, and for every recommendation of the hook whether it fired and, if not, the
first condition that kept it silent. Computed exactly as the hook computes its cards (same
mapping, same guideline entry points); nothing is stored.

Room: beside `cds_hooks.pathway` (it reads the same flow); the HTTP route is
`cds_hooks.http.explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import fhir_mapping
from cds_hooks import guideline, service_catalog
from cds_hooks.explain.findings import patient_json, plain, record_findings
from cds_hooks.explain.stages import pathway_stages
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.guideline import is_selected, trace
from cds_hooks.guideline.findings import DraftOrder, OrderKind, PatientRecord
from cds_hooks.guideline.gate import order_in_scope
from cds_hooks.guideline.recommendation import Recommendation
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.state_derivation import derive_state
from cds_hooks.pathway import MEDICATION_KEYS, ClinicalInputError, check_settings, draft_orders

# Which draft-order kinds each order recommendation looks at (catalog "Hook" column).
ORDER_RULE_KINDS: dict[str, frozenset[OrderKind]] = {
    "stent-length-too-short": frozenset({OrderKind.STENT}),
    "stent-diameter-sizing": frozenset({OrderKind.STENT}),
    "stent-without-ivus-confirmation": frozenset({OrderKind.STENT}),
    "ivc-filter-not-indicated": frozenset({OrderKind.IVC_FILTER}),
    "thrombolysis-not-indicated": frozenset({OrderKind.THROMBOLYSIS}),
    "post-stent-antithrombotic-review": frozenset({OrderKind.ANTITHROMBOTIC}),
}
NOT_MET = "its conditions are not met"


def _hook_ids(hook: str) -> list[str]:
    allowed = guideline.PATIENT_VIEW_IDS if hook == "patient-view" else guideline.ORDER_IDS
    return [rid for rid in guideline.CATALOG_ORDER if rid in allowed]


def _gate_reason(state: PathwayState) -> str | None:
    if state.record.patient.deceased:
        return "the patient is deceased: no cards"
    if state.in_scope:
        return None
    if state.bilateral_swelling:
        return "bilateral leg swelling without iliac context: no cards"
    return "no iliac context (mass, compression, stent, acute DVT) and no new unilateral swelling"


def _suppressed_by(rec_id: str, fired: set[str]) -> str | None:
    for key, silenced in guideline.SUPPRESSES.items():
        if key in fired and rec_id in silenced:
            return key
    return None


def _order_scope_reason(
    rec_id: str, state: PathwayState, orders: list[DraftOrder], considered: list[DraftOrder]
) -> str | None:
    kinds = ORDER_RULE_KINDS.get(rec_id, frozenset())
    relevant = [o for o in considered if o.kind in kinds]
    which = "selected " if len(considered) != len(orders) else ""
    if not relevant:
        return f"no {'/'.join(sorted(k.value for k in kinds))} order among the {which}draft orders"
    if not any(order_in_scope(o, state) for o in relevant):
        return "the drafted order is outside the catalog's order scope"
    return None


def _considered(orders: list[DraftOrder], selections: frozenset[str] | None) -> list[DraftOrder]:
    if selections is None:
        return orders
    return [o for o in orders if is_selected(o.ref, selections)]


def _recommendations(
    hook: str,
    fired: list[Recommendation],
    reasons: Mapping[str, str],
    state: PathwayState,
    orders: list[DraftOrder],
    selections: frozenset[str] | None,
) -> list[dict[str, Any]]:
    by_id = {rec.id: rec for rec in fired}
    gate = _gate_reason(state) if hook == "patient-view" else None
    if hook != "patient-view" and state.record.patient.deceased:
        gate = "the patient is deceased: no cards"
    considered = _considered(orders, selections)
    out = []
    for rec_id in _hook_ids(hook):
        rec = by_id.get(rec_id)
        if rec is not None:
            out.append({"id": rec_id, "fired": True, "indicator": rec.indicator.value})
            continue
        reason = gate
        if reason is None:
            suppressor = _suppressed_by(rec_id, set(by_id))
            if suppressor:
                reason = f"suppressed by {suppressor}"
        if reason is None and hook != "patient-view":
            reason = _order_scope_reason(rec_id, state, orders, considered)
        out.append({"id": rec_id, "fired": False, "reason": reason or reasons.get(rec_id, NOT_MET)})
    return out


def explain(
    service_id: str,
    context: Mapping[str, Any],
    data: PatientData,
    *,
    as_of: datetime,
    config: Mapping[str, Any],
) -> dict[str, Any]:
    """The explanation of one call, JSON-ready. Raises like `pathway.run_service`."""
    service = service_catalog.get_service(service_id)
    if service is None:
        raise KeyError(service_id)
    settings = check_settings(config)
    patient_id = str(context.get("patientId") or "")
    if not patient_id:
        raise ClinicalInputError("context.patientId is required")
    encounter_id = context.get("encounterId")
    record: PatientRecord = fhir_mapping.map_record(
        data.resources,
        patient_id=patient_id,
        encounter_id=str(encounter_id) if encounter_id else None,
        medications_retrieved=bool(MEDICATION_KEYS & data.retrieved),
    )
    orders: list[DraftOrder] = []
    selections: frozenset[str] | None = None
    with trace.recording() as reasons:
        if service.hook == "patient-view":
            fired = guideline.evaluate_patient_view(record, as_of=as_of, settings=settings)
        else:
            orders = draft_orders(context, data.resources)
            if service.hook == "order-select":
                selections = frozenset(str(ref) for ref in context.get("selections") or ())
            fired = guideline.evaluate_orders(
                record, orders, as_of=as_of, selections=selections, settings=settings
            )
    state = derive_state(record, as_of=as_of, settings=settings)
    fired_ids = {rec.id for rec in fired}
    return {
        "service": service.id,
        "hook": service.hook,
        "asOf": as_of.isoformat(),
        "inScope": state.in_scope,
        "gate": _gate_reason(state) if service.hook == "patient-view" else None,
        "patient": patient_json(record),
        "findings": record_findings(record),
        "draftOrders": [
            {"ref": o.ref, "kind": o.kind.value, "display": o.display, "details": plain(o)}
            for o in orders
        ],
        "pathway": {"stages": pathway_stages(state, fired_ids)},
        "recommendations": _recommendations(
            service.hook, fired, reasons, state, orders, selections
        ),
    }
