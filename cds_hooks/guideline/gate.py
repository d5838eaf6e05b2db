"""Relevance gates: whether a patient-view call, or a draft order, may raise any card at all.

Catalog, "Relevance gate": "A patient-view call returns {"cards": []} unless the record holds
iliac context [...] or new unilateral leg swelling [...]. Chronic or bilateral leg swelling
without iliac context gets no cards: alert fatigue is a patient-safety defect." and "A deceased
patient gets no cards."
"""

from __future__ import annotations

from cds_hooks.guideline.findings import DraftOrder, OrderKind, StentSite
from cds_hooks.guideline.state import PathwayState

# Reasons on a thrombolytic order that put it out of this pathway's scope (catalog: "never when
# the order names stroke, myocardial infarction, pulmonary embolism or catheter occlusion").
NON_VENOUS_REASONS = frozenset({"stroke", "mi", "pe", "catheter-occlusion"})
VENOUS_REASONS = frozenset({"dvt", "phlegmasia"})
# Alteplase up to 2 mg is catheter clearance (Cathflo), never thrombolysis of a DVT.
CATHETER_CLEARANCE_MAX_MG = 2.0


def patient_view_in_scope(state: PathwayState) -> bool:
    """Catalog: iliac context, or new unilateral leg swelling (one side or side unknown, new =
    earliest swelling record of that side within 30 days); never for a deceased patient.

    Swelling on both sides is bilateral even when one side is new: without iliac context it stays
    silent (the catalog's "bilateral leg swelling without iliac context gets no cards").
    """
    if state.record.patient.deceased:
        return False
    if state.iliac_context:
        return True
    if state.bilateral_swelling:
        return False
    return any(leg.new for leg in state.legs)


def thrombolytic_in_scope(order: DraftOrder, state: PathwayState) -> bool:
    """Catalog: "a thrombolytic or catheter-directed thrombolysis for a venous/DVT indication
    (reason DVT/phlegmasia, or no reason while the patient has an acute lower-limb DVT; never
    when the order names stroke, myocardial infarction, pulmonary embolism or catheter
    occlusion, or is an alteplase total dose <= 2 mg)"."""
    if order.kind is not OrderKind.THROMBOLYSIS:
        return False
    reasons = frozenset(order.reason_concepts)
    if reasons & NON_VENOUS_REASONS:
        return False
    ingredient = order.medication.ingredient.lower() if order.medication else ""
    if (
        ingredient == "alteplase"
        and order.total_dose_mg is not None
        and order.total_dose_mg <= CATHETER_CLEARANCE_MAX_MG
    ):
        return False
    if reasons & VENOUS_REASONS:
        return True
    # A reason we cannot classify (free text only, or another concept) is not "no reason":
    # stay silent rather than judge an order whose indication we do not understand.
    if reasons or order.reason_text.strip():
        return False
    return state.acute_dvt


def order_in_scope(order: DraftOrder, state: PathwayState) -> bool:
    """Catalog order relevance gate: iliac/femoral venous stent, IVC filter, venous thrombolytic,
    or an antithrombotic while an iliac venous stent is in place."""
    if order.kind is OrderKind.IVC_FILTER:
        return True
    if order.kind is OrderKind.THROMBOLYSIS:
        return thrombolytic_in_scope(order, state)
    if order.kind is OrderKind.ANTITHROMBOTIC:
        return state.stent_in_place
    if order.kind is OrderKind.STENT:
        if order.stent_site is StentSite.ILIAC_FEMORAL:
            return True
        return order.stent_site is StentSite.UNSPECIFIED and state.iliac_context
    return False
