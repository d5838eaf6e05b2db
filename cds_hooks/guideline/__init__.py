"""The pure clinical core: findings in, recommendations out.

Standard library only; no Flask, no FHIR, no clock (`as_of` is passed in).

Public entry points (called by the card layer):
- `evaluate_patient_view(record, *, as_of, settings)`
- `evaluate_orders(record, orders, *, as_of, selections, settings)`

Both return at most one recommendation per catalog id, ordered critical -> warning -> info and,
within an indicator, in catalog order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from cds_hooks.guideline.alternatives import edema_alternative_causes
from cds_hooks.guideline.compression import (
    bilateral_edema_systemic_cause,
    compression_without_symptoms,
    ivus_before_intervention,
)
from cds_hooks.guideline.dvt_rule_out import dvt_duplex_ultrasound, pelvic_venous_imaging
from cds_hooks.guideline.dvt_treatment import (
    anticoagulation_contraindicated_ivc_filter,
    dvt_anticoagulation_lmwh,
    thrombolysis_consider,
)
from cds_hooks.guideline.extrinsic import (
    extrinsic_compression_treat_cause,
    mass_characterization,
)
from cds_hooks.guideline.findings import DraftOrder, OrderKind, PatientRecord
from cds_hooks.guideline.gate import order_in_scope
from cds_hooks.guideline.order_safety import ivc_filter_not_indicated, thrombolysis_not_indicated
from cds_hooks.guideline.post_stent import (
    post_stent_antithrombotic_review,
    post_stent_surveillance,
)
from cds_hooks.guideline.recommendation import Recommendation
from cds_hooks.guideline.settings import GuidelineSettings
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.state_derivation import derive_state
from cds_hooks.guideline.stent_orders import stent_order_checks
from cds_hooks.guideline.stent_selection import (
    nivl_stent_candidate,
    nivl_stent_criteria_incomplete,
    nivl_stent_not_indicated,
)

__all__ = [
    "CATALOG_ORDER",
    "ORDER_IDS",
    "evaluate_orders",
    "evaluate_patient_view",
    "finalize",
    "is_selected",
]

# Catalog order (recommendations.md v2.1): the tie-break within an indicator.
CATALOG_ORDER: tuple[str, ...] = (
    "dvt-duplex-ultrasound",
    "pelvic-venous-imaging",
    "dvt-anticoagulation-lmwh",
    "anticoagulation-contraindicated-ivc-filter",
    "thrombolysis-consider",
    "edema-alternative-causes",
    "bilateral-edema-systemic-cause",
    "ivus-before-intervention",
    "compression-without-symptoms",
    "mass-characterization",
    "extrinsic-compression-treat-cause",
    "nivl-stent-candidate",
    "nivl-stent-criteria-incomplete",
    "nivl-stent-not-indicated",
    "stent-length-too-short",
    "stent-diameter-sizing",
    "stent-without-ivus-confirmation",
    "ivc-filter-not-indicated",
    "thrombolysis-not-indicated",
    "post-stent-antithrombotic-review",
    "post-stent-surveillance",
)
# Ids the order hooks may return: an order call never repeats a patient-view card.
ORDER_IDS = frozenset(
    {
        "stent-length-too-short",
        "stent-diameter-sizing",
        "stent-without-ivus-confirmation",
        "ivc-filter-not-indicated",
        "thrombolysis-not-indicated",
        "post-stent-antithrombotic-review",
    }
)
PATIENT_VIEW_IDS = frozenset(CATALOG_ORDER) - ORDER_IDS | {"post-stent-antithrombotic-review"}

# Catalog suppressions, applied again here so that no module can break them: a present key
# silences every id in its value.
SUPPRESSES: dict[str, frozenset[str]] = {
    "extrinsic-compression-treat-cause": frozenset(
        {
            "nivl-stent-candidate",
            "nivl-stent-not-indicated",
            "nivl-stent-criteria-incomplete",
            "ivus-before-intervention",
        }
    ),
    "bilateral-edema-systemic-cause": frozenset(
        {"ivus-before-intervention", "nivl-stent-candidate"}
    ),
    "nivl-stent-not-indicated": frozenset({"nivl-stent-criteria-incomplete"}),
}

# Patient-view rules in catalog order; every one takes the PathwayState.
PATIENT_VIEW_RULES: tuple[Callable[[PathwayState], Recommendation | None], ...] = (
    dvt_duplex_ultrasound,
    pelvic_venous_imaging,
    dvt_anticoagulation_lmwh,
    anticoagulation_contraindicated_ivc_filter,
    thrombolysis_consider,
    edema_alternative_causes,
    bilateral_edema_systemic_cause,
    ivus_before_intervention,
    compression_without_symptoms,
    mass_characterization,
    extrinsic_compression_treat_cause,
    nivl_stent_candidate,
    nivl_stent_criteria_incomplete,
    nivl_stent_not_indicated,
    post_stent_antithrombotic_review,
    post_stent_surveillance,
)


def evaluate_patient_view(
    record: PatientRecord,
    *,
    as_of: datetime,
    settings: GuidelineSettings = GuidelineSettings(),  # noqa: B008 - frozen, shared default
) -> list[Recommendation]:
    """Patient-view recommendations: the relevance gate (deceased -> nothing; no iliac context
    and no new unilateral/unknown-side swelling -> nothing), then every patient-view rule."""
    state = derive_state(record, as_of=as_of, settings=settings)
    if not state.in_scope:
        return []
    found = [rule(state) for rule in PATIENT_VIEW_RULES]
    return finalize((applicable_sources(r, state) for r in found if r is not None),
                    PATIENT_VIEW_IDS)


def evaluate_orders(
    record: PatientRecord,
    orders: Sequence[DraftOrder],
    *,
    as_of: datetime,
    selections: frozenset[str] | None = None,
    settings: GuidelineSettings = GuidelineSettings(),  # noqa: B008 - frozen, shared default
) -> list[Recommendation]:
    """Order-sign (`selections` None: every draft order) or order-select (only the selected
    refs can raise cards; the other drafts are context, e.g. a venography/IVUS order).

    Only draft orders in the catalog's order scope are evaluated; a deceased patient gets
    nothing; patient-view recommendations are never repeated.
    """
    if record.patient.deceased:
        return []
    state = derive_state(record, as_of=as_of, settings=settings)
    candidates = [o for o in orders if selections is None or is_selected(o.ref, selections)]
    in_scope = [o for o in candidates if order_in_scope(o, state)]
    if not in_scope:
        return []
    found = _order_rules(state, list(orders), in_scope)
    return finalize((applicable_sources(r, state) for r in found), ORDER_IDS)


# S1 cites three publications; the ESC 2018 pregnancy chapter applies only to a pregnant patient.
S1_PREGNANCY = "S1-pregnancy"


def applicable_sources(rec: Recommendation, state: PathwayState) -> Recommendation:
    """Catalog cross-cutting rule: "A card's `source` names the guidance that applies to the
    patient: the ESC 2018 pregnancy chapter only for a pregnant patient; otherwise the SRU 2018 /
    ESVS 2021 guidance (S1's others)". Applied here, once, so that every rule citing S1 (today's
    and tomorrow's) follows it."""
    if not state.pregnant or "S1" not in rec.sources:
        return rec
    # The pregnancy that makes the chapter apply is shown among the findings used.
    shown = tuple(e for e in state.evidence.get("pregnancy", ()) if e not in rec.evidence)
    return replace(
        rec,
        sources=tuple(S1_PREGNANCY if k == "S1" else k for k in rec.sources),
        evidence=rec.evidence + shown,
    )


def is_selected(ref: str, selections: frozenset[str]) -> bool:
    """Whether a draft order is one of the `selections`. The spec's form is "Type/id"; EHRs
    also send the bare id, or the entry's absolute fullUrl: each still names the same order
    (an unmatched selection would silently drop its card)."""
    if ref in selections:
        return True
    typed = "/" in ref and not ref.startswith("urn:")
    for selection in selections:
        tail = selection.rstrip("/")
        if "://" in tail:
            tail = "/".join(tail.split("/")[-2:])
        if tail == ref or (typed and "/" not in tail and ref.endswith(f"/{tail}")):
            return True
    return False


def _order_rules(
    state: PathwayState, orders: list[DraftOrder], in_scope: list[DraftOrder]
) -> list[Recommendation]:
    found: list[Recommendation | None] = [
        ivc_filter_not_indicated(state, in_scope),
        thrombolysis_not_indicated(state, in_scope),
    ]
    if any(o.kind is OrderKind.STENT for o in in_scope):
        stents = [o for o in in_scope if o.kind is OrderKind.STENT]
        found.extend(stent_order_checks(state, orders, stents))
    antithrombotics = [o for o in in_scope if o.kind is OrderKind.ANTITHROMBOTIC]
    if antithrombotics:
        found.append(post_stent_antithrombotic_review(state, drafted=antithrombotics))
    return [r for r in found if r is not None]


def finalize(found: Iterable[Recommendation], allowed: frozenset[str]) -> list[Recommendation]:
    """One recommendation per id (the most severe, then the first), only `allowed` ids, the
    catalog's suppressions, sorted critical -> warning -> info then catalog order."""
    best: dict[str, Recommendation] = {}
    for rec in found:
        if rec.id not in allowed:
            continue
        kept = best.get(rec.id)
        if kept is None or rec.indicator.rank < kept.indicator.rank:
            best[rec.id] = rec
    silenced = {sid for key, ids in SUPPRESSES.items() if key in best for sid in ids}
    kept_recs = [rec for rid, rec in best.items() if rid not in silenced]
    position = {rid: i for i, rid in enumerate(CATALOG_ORDER)}
    return sorted(
        kept_recs, key=lambda r: (r.indicator.rank, position.get(r.id, len(CATALOG_ORDER)))
    )
