"""After iliac venous stenting: antithrombotic review and surveillance imaging."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from cds_hooks.guideline.compression import evidence_of, sides_match
from cds_hooks.guideline.dates import iso_day, on_or_after, within
from cds_hooks.guideline.findings import (
    Concept,
    DraftOrder,
    IliacStent,
    Medication,
    Modality,
    OrderKind,
    Result,
    Side,
)
from cds_hooks.guideline.order_codes import DUPLEX_CODES
from cds_hooks.guideline.recommendation import (
    Evidence,
    Indicator,
    Recommendation,
    ServiceOrder,
)
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.trace import first_unmet, silent

# Indications for antithrombotic therapy other than the stent itself (catalog list).
OTHER_INDICATIONS: dict[Concept, str] = {
    Concept.ATRIAL_FIBRILLATION: "atrial fibrillation",
    Concept.MECHANICAL_VALVE: "mechanical heart valve",
    Concept.CORONARY_DISEASE: "coronary disease or coronary stent",
    Concept.PERIPHERAL_ARTERIAL: "peripheral arterial disease or arterial stent",
    Concept.STROKE_TIA: "stroke/TIA",
    Concept.THROMBOPHILIA: "thrombophilia",
}
PRIOR_VTE_CONCEPTS = frozenset(
    {Concept.DVT, Concept.PULMONARY_EMBOLISM, Concept.VTE_HISTORY, Concept.CHRONIC_DVT}
)

# Imaging that can show migration, stenosis or thrombosis of an iliac venous stent. Catheter
# venography/IVUS is not in the catalog's list but images the stent directly, so it also counts
# (it can only silence the reminder).
SURVEILLANCE_MODALITIES = frozenset(
    {Modality.DUPLEX, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY, Modality.VENOGRAPHY_IVUS}
)
DUPLEX_BY_SIDE = {side: DUPLEX_CODES[side] for side in (Side.LEFT, Side.RIGHT)}
DUPLEX_BILATERAL = DUPLEX_CODES[Side.BILATERAL]


def post_stent_antithrombotic_review(
    state: PathwayState, drafted: Sequence[DraftOrder] | None = None
) -> Recommendation | None:
    """`post-stent-antithrombotic-review` (S2).

    Catalog: "iliac venous stent in place, no prior VTE, no other indication (atrial fibrillation,
    mechanical valve, coronary disease or coronary stent, arterial stent/PAD, stroke/TIA,
    thrombophilia), and an anticoagulant or antiplatelet current (patient-view) or drafted (order
    hooks): no consensus supports routine antithrombotic therapy after NIVL stenting without
    prior VTE; review the indication. Never an automatic stop".

    `drafted` None = patient-view (current medications); otherwise the draft orders to review
    (only antithrombotic ones count). Resolved diagnoses still count as an indication or prior
    VTE here: that can only keep the card silent.
    """
    if not (state.stent_in_place or state.stents):
        return silent("post-stent-antithrombotic-review", "no iliac venous stent on record")
    if _prior_vte(state) or _other_indications(state):
        return silent(
            "post-stent-antithrombotic-review",
            first_unmet(
                ("prior VTE is on record", not _prior_vte(state)),
                ("another antithrombotic indication is on record", not _other_indications(state)),
            ),
        )
    order_refs: tuple[str, ...] = ()
    if drafted is None:
        meds: list[Medication] = [*state.current_anticoagulants, *state.current_antiplatelets]
        if not meds:
            return silent(
                "post-stent-antithrombotic-review", "no current anticoagulant or antiplatelet"
            )
        evidence = [
            Evidence(
                f"Current {m.ingredient} ({m.drug_class.value})", m.source.refs, iso_day(m.authored)
            )
            for m in meds
        ]
        what = ", ".join(dict.fromkeys(m.ingredient for m in meds))
    else:
        # Decision: an order whose own reason names another indication (or VTE) is justified
        # by that reason even when the problem list lacks it: no card for it.
        orders = [
            o
            for o in drafted
            if o.kind is OrderKind.ANTITHROMBOTIC and not _order_states_indication(o)
        ]
        if not orders:
            return silent(
                "post-stent-antithrombotic-review",
                "no drafted antithrombotic without a stated indication",
            )
        order_refs = tuple(o.ref for o in orders)
        evidence = [Evidence(f"Draft order: {_order_name(o)}", (o.ref,)) for o in orders]
        what = ", ".join(dict.fromkeys(_order_name(o) for o in orders))
    evidence += [evidence_of(_stent_text(s), _StentWhen(s)) for s in state.stents]
    summary = f"Iliac venous stent without prior VTE: review the indication for {what}"
    if len(summary) >= 140:
        summary = "Iliac venous stent without prior VTE: review the antithrombotic indication"
    return Recommendation(
        id="post-stent-antithrombotic-review",
        indicator=Indicator.INFO,
        summary=summary,
        detail=(
            "No consensus supports routine anticoagulant or antiplatelet therapy after stenting "
            "a nonthrombotic iliac vein lesion in a patient without prior VTE, and no other "
            "indication (atrial fibrillation, mechanical valve, coronary or arterial disease, "
            "stroke/TIA, thrombophilia) is on record. Review the indication and intended "
            "duration with the prescriber. This is never an automatic stop: the record may be "
            "incomplete."
        ),
        evidence=tuple(dict.fromkeys(evidence)),
        sources=("S2",),
        order_refs=order_refs,
    )


def post_stent_surveillance(state: PathwayState) -> Recommendation | None:
    """`post-stent-surveillance` (S2).

    Catalog: "iliac venous stent placed >= 30 days ago and no venous imaging (leg or iliac duplex
    incl. LOINC 39497-3, CT or MR venography) dated after placement within the last 12 months:
    schedule imaging for migration, stenosis, thrombosis" — "ServiceRequest venous duplex (or
    CT)".

    Decisions: "after placement" compares calendar days (same day counts, as everywhere in the
    catalog); with several stents the newest placement is the reference; a stent without a
    placement date is assumed placed long ago (a recorded stent is not a fresh one) and the
    card says the date is missing.
    """
    stents = list(state.stents)
    if not stents:
        return silent("post-stent-surveillance", "no iliac venous stent on record")
    settings = state.settings
    placed_dates = [s.placed for s in stents if s.placed is not None]
    placed = max(placed_dates) if placed_dates else None
    if placed is not None and _days_between(placed, state.as_of) < (
        settings.stent_surveillance_min_days
    ):
        return silent(
            "post-stent-surveillance",
            f"the stent was placed less than {settings.stent_surveillance_min_days:g} days ago",
        )
    sides = {s.side for s in stents}
    imaging = [
        i
        for i in state.record.imaging
        if i.modality in SURVEILLANCE_MODALITIES
        and any(sides_match(i.side, side) for side in sides)
        and within(i.when, state.as_of, months=settings.stent_surveillance_months)
        and (placed is None or on_or_after(i.when, placed))
    ]
    if imaging:
        return silent(
            "post-stent-surveillance",
            "venous imaging after placement is within the surveillance window",
        )
    side = _single_side(sides)
    codes = DUPLEX_BY_SIDE.get(side, DUPLEX_BILATERAL)
    legs = f"{side.value} leg" if side in DUPLEX_BY_SIDE else "legs"
    suggestion = ServiceOrder(
        label=f"Venous duplex ultrasound, {legs} and iliac veins (stent surveillance)",
        codes=codes,
        note="Surveillance of the iliac venous stent: migration, in-stent stenosis, thrombosis.",
        category="imaging",
    )
    months = settings.stent_surveillance_months
    return Recommendation(
        id="post-stent-surveillance",
        indicator=Indicator.INFO,
        summary=f"Iliac venous stent: no surveillance imaging in {months} months; order a duplex",
        detail=(
            "Iliac venous stents need periodic imaging to detect migration, in-stent stenosis "
            "or thrombosis. No venous duplex, CT or MR venography of the stented side is on "
            f"record since placement within the last {months} months."
        ),
        evidence=tuple(evidence_of(_stent_text(s), _StentWhen(s)) for s in stents),
        missing=() if placed is not None else ("Date of stent placement",),
        sources=("S2",),
        suggestions=(suggestion,),
        selection="at-most-one",
    )


# ---------------------------------------------------------------- helpers


def _prior_vte(state: PathwayState) -> bool:
    return (
        state.prior_vte
        or state.acute_dvt
        or any(d.concept in PRIOR_VTE_CONCEPTS and not d.suspected for d in state.record.diagnoses)
        or any(
            i.result is Result.POSITIVE and i.modality is not Modality.CONTRAST_CT_MRI
            for i in state.record.imaging
        )
    )


def _other_indications(state: PathwayState) -> list[str]:
    return [
        OTHER_INDICATIONS[d.concept]
        for d in state.record.diagnoses
        if d.concept in OTHER_INDICATIONS and not d.suspected
    ]


# Order reasons (reasonCode/reasonReference, lower-cased) that are an indication of their own.
_INDICATION_REASON_CONCEPTS = frozenset({"dvt", "pe", "stroke", "mi", "phlegmasia"})
_INDICATION_REASON_TEXT = re.compile(
    r"\b(atrial fibrillation|atrial flutter|afib|a-fib|af|(mechanical|prosthetic)( \w+){0,2} "
    r"valve|valve replacement|coronary|cad|acs|angina|myocardial|"
    r"peripheral arter\w*|pad|claudication|arterial stent|stroke|tia|transient ischemic|"
    r"cerebral infarction|thrombophilia|factor v leiden|antiphospholipid|prothrombin gene|"
    r"protein [cs] deficiency|antithrombin|dvt|vte|pe|deep vein thrombosis|venous thrombo\w*|"
    r"pulmonary embol\w*|thromboembolism)\b"
)


def _order_states_indication(order: DraftOrder) -> bool:
    if set(order.reason_concepts) & _INDICATION_REASON_CONCEPTS:
        return True
    return bool(_INDICATION_REASON_TEXT.search(order.reason_text.lower()))


def _order_name(order: DraftOrder) -> str:
    if order.medication is not None:
        return order.medication.ingredient
    return order.display or "antithrombotic"


def _stent_text(stent: IliacStent) -> str:
    where = "" if stent.side is Side.UNKNOWN else f" ({stent.side.value})"
    return f"Iliac venous stent{where}"


class _StentWhen:
    """Adapter so a stent's placement date shows as the evidence date."""

    def __init__(self, stent: IliacStent) -> None:
        self.source = stent.source
        self.when = stent.placed


def _days_between(earlier: datetime, later: datetime) -> int:
    return (later.date() - earlier.date()).days


def _single_side(sides: set[Side]) -> Side:
    lateral = sides - {Side.UNKNOWN}
    return next(iter(lateral)) if len(lateral) == 1 else Side.BILATERAL
