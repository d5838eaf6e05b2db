"""Order safety checks for IVC filter and thrombolytic draft orders (order-sign/order-select)."""

from __future__ import annotations

from collections.abc import Sequence

from cds_hooks.guideline.dates import within
from cds_hooks.guideline.findings import Concept, DraftOrder, OrderKind
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    OrderEdit,
    Recommendation,
    name_findings,
)
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.thrombolysis_status import SOURCE_KEY
from cds_hooks.guideline.trace import silent

OVERRIDE_SYSTEM = "urn:iliac-cds:override-reason"
THROMBOLYSIS_QUOTE = "Thrombolysis carries a hemorrhage risk of about 8%."

IVC_FILTER_OVERRIDES = (
    Code(
        OVERRIDE_SYSTEM,
        "contraindication-not-in-record",
        "Anticoagulation is contraindicated for a reason not captured in the record",
    ),
    Code(
        OVERRIDE_SYSTEM,
        "dvt-not-in-record",
        "Acute proximal DVT or PE confirmed but not yet in the record",
    ),
    Code(
        OVERRIDE_SYSTEM,
        "recurrent-vte-on-anticoagulation",
        "Recurrent VTE despite adequate anticoagulation (specialist decision)",
    ),
)
THROMBOLYSIS_OVERRIDES = (
    Code(
        OVERRIDE_SYSTEM,
        "limb-threat-not-in-record",
        "Limb-threatening ischemia or severe hypotension present but not yet in the record",
    ),
    Code(
        OVERRIDE_SYSTEM,
        "specialist-decision",
        "Vascular/interventional specialist decision, bleeding risk accepted",
    ),
    Code(
        OVERRIDE_SYSTEM,
        "other-indication",
        "Ordered for another indication (not DVT)",
    ),
)


def _order_text(order: DraftOrder) -> str:
    return order.display or (order.medication.ingredient if order.medication else "") or order.ref


def _delete(order: DraftOrder, what: str) -> OrderEdit:
    return OrderEdit(label=f"Remove the {what} order", action="delete", target_ref=order.ref)


def _acute_pe(state: PathwayState) -> bool:
    """An acute pulmonary embolism (same window as acute DVT). The catalog speaks of DVT only,
    but a filter for acute PE with anticoagulation contraindicated is a standard indication:
    warning against it would be a card we cannot justify."""
    return any(
        d.concept is Concept.PULMONARY_EMBOLISM
        and d.active
        and not d.suspected
        and within(d.when, state.as_of, days=state.settings.acute_dvt_days)
        for d in state.record.diagnoses
    )


def ivc_filter_not_indicated(
    state: PathwayState, orders: Sequence[DraftOrder]
) -> Recommendation | None:
    """S1: "vena cava filter only when anticoagulation is contraindicated"; catalog cross-cutting
    rule: "No IVC filter suggestion while anticoagulation is possible, and none for distal DVT".

    Catalog (`ivc-filter-not-indicated`, warning): "an IVC filter order while anticoagulation is
    not contraindicated, or there is no acute proximal DVT". `orders` are the in-scope draft
    orders that may raise cards. When anticoagulation is contraindicated and an acute DVT has no
    stated level (proximal or calf), or an acute PE is on record, the card stays silent: it
    cannot be justified.
    """
    filters = [o for o in orders if o.kind is OrderKind.IVC_FILTER]
    if not filters:
        return silent("ivc-filter-not-indicated", "no IVC filter among the in-scope draft orders")
    contraindicated = state.anticoagulation_contraindicated
    if contraindicated and state.acute_proximal_dvt:
        return silent(
            "ivc-filter-not-indicated",
            "anticoagulation is contraindicated with an acute proximal DVT: a filter is indicated",
        )
    if contraindicated and (state.acute_dvt_level_unknown or _acute_pe(state)):
        return silent(
            "ivc-filter-not-indicated",
            "anticoagulation is contraindicated and the DVT level is unstated or a PE is on record",
        )
    reasons = []
    if not contraindicated:
        reasons.append("anticoagulation is not contraindicated on record")
    if not state.acute_proximal_dvt:
        if not state.acute_dvt:
            reasons.append("there is no acute proximal DVT on record")
        elif state.acute_dvt_level_unknown:
            # Never call a DVT distal that no record places in the calf veins.
            reasons.append("the acute DVT has no stated proximal level")
        else:
            reasons.append("the acute DVT on record is distal (calf veins)")
    evidence: tuple[Evidence, ...] = tuple(
        Evidence(f"Draft order: {_order_text(o)}", (o.ref,)) for o in filters
    )
    evidence += state.evidence.get("acute_dvt", ()) + state.contraindications
    return Recommendation(
        id="ivc-filter-not-indicated",
        indicator=Indicator.WARNING,
        summary="IVC filter not indicated: " + " and ".join(reasons),
        detail=(
            "The guidance reserves a vena cava filter for acute proximal DVT when anticoagulation "
            "is contraindicated. A filter does not treat the thrombus, adds device risks "
            "(thrombosis, migration, caval perforation) and is not used for calf-vein DVT."
        ),
        evidence=evidence,
        missing=() if contraindicated else ("A contraindication to anticoagulation",),
        sources=("S1",),
        suggestions=tuple(_delete(o, "IVC filter") for o in filters),
        selection="at-most-one" if len(filters) == 1 else "any",
        override_reasons=IVC_FILTER_OVERRIDES,
        order_refs=tuple(o.ref for o in filters),
    )


def thrombolysis_not_indicated(
    state: PathwayState, orders: Sequence[DraftOrder]
) -> Recommendation | None:
    """S1: "thrombolysis reserved, hemorrhage risk about 8%". The indication below is this
    service's rule from the seed, not the guideline's wording.

    Catalog v2.2 (`thrombolysis-not-indicated`, "warning; **critical** when thrombolysis is
    contraindicated"): "an in-scope thrombolytic order without acute DVT plus limb-threatening
    ischemia plus severe hypotension, or with thrombolysis contraindicated (naming the finding);
    states the ~8% hemorrhage risk". Thrombolysis contraindicated follows the ESC 2019 absolute
    contraindications to fibrinolysis (`thrombolysis_status`). `orders` are the in-scope
    thrombolytic orders (see `gate.thrombolytic_in_scope`).
    """
    lytics = [o for o in orders if o.kind is OrderKind.THROMBOLYSIS]
    if not lytics:
        return silent("thrombolysis-not-indicated", "no in-scope thrombolytic order")
    missing_criteria = [
        name
        for name, present in (
            ("acute DVT", state.acute_dvt),
            ("limb-threatening ischemia", state.limb_threatening_ischemia),
            ("severe hypotension", state.severe_hypotension),
        )
        if not present
    ]
    contraindications = state.thrombolysis_contraindications
    contraindicated = state.thrombolysis_contraindicated
    if not missing_criteria and not contraindicated:
        return silent(
            "thrombolysis-not-indicated",
            "acute DVT, limb-threatening ischemia and severe hypotension, no contraindication: "
            "indicated",
        )
    detail = (
        "This service reserves thrombolysis for acute DVT with limb-threatening ischemia and "
        "severe hypotension, without a contraindication (its rule, not the guideline's "
        "wording). Thrombolysis carries a hemorrhage risk of about 8%; anticoagulation alone "
        "treats most DVT."
    )
    sources = ["S1"]
    if contraindicated:
        first = contraindications[0].text.split(":")[0]
        more = f" and {len(contraindications) - 1} more" if len(contraindications) > 1 else ""
        summary = f"Thrombolysis contraindicated: {first[0].lower()}{first[1:]}{more} on record"
        detail += (
            f" Thrombolysis is contraindicated: {name_findings(contraindications)}. The ESC "
            "2019 guideline lists prior intracranial hemorrhage or stroke of unknown type, "
            "ischemic stroke within 6 months, a CNS neoplasm, major trauma, surgery or head "
            "injury within 3 weeks, a bleeding diathesis and active bleeding as absolute "
            "contraindications to fibrinolysis."
        )
        sources.append(SOURCE_KEY)
    else:
        summary = "Thrombolysis not indicated: no " + ", no ".join(missing_criteria) + " on record"
    evidence: tuple[Evidence, ...] = tuple(
        Evidence(f"Draft order: {_order_text(o)}", (o.ref,)) for o in lytics
    )
    evidence += (
        state.evidence.get("acute_dvt", ())
        + state.evidence.get("limb_ischemia", ())
        + state.evidence.get("severe_hypotension", ())
        + contraindications
    )
    return Recommendation(
        id="thrombolysis-not-indicated",
        indicator=Indicator.CRITICAL if contraindicated else Indicator.WARNING,
        summary=summary,
        detail=detail,
        evidence=evidence,
        missing=tuple(c[0].upper() + c[1:] for c in missing_criteria),
        sources=tuple(sources),
        quote=THROMBOLYSIS_QUOTE,
        suggestions=tuple(_delete(o, "thrombolytic") for o in lytics),
        selection="at-most-one" if len(lytics) == 1 else "any",
        override_reasons=THROMBOLYSIS_OVERRIDES,
        order_refs=tuple(o.ref for o in lytics),
    )
