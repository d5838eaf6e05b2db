"""Safety checks on draft iliac venous stent orders (order-sign and order-select).

One recommendation per catalog id even when several stent orders are drafted: each card lists
every order it concerns in `order_refs`. For order-select only the selected orders are checked;
the rest of the draft set is context (a venography/IVUS order drafted with the stent still
downgrades `stent-without-ivus-confirmation` to info).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cds_hooks.guideline.compression import natures_on_side, unilateral_side
from cds_hooks.guideline.findings import (
    Behavior,
    DraftOrder,
    IvusStenosis,
    MassNature,
    OrderKind,
    Side,
    StentSite,
)
from cds_hooks.guideline.recommendation import (
    Evidence,
    Indicator,
    OrderEdit,
    Recommendation,
)
from cds_hooks.guideline.state import DvtStatus, PathwayState
from cds_hooks.guideline.stent_order_edits import (
    OVERRIDE_DIAMETER,
    OVERRIDE_IVUS,
    OVERRIDE_LENGTH,
    with_length,
)
from cds_hooks.guideline.stent_selection import (
    DIAMETER_STENOSIS_THRESHOLD_PCT,
    MIGRATION_QUOTE,
    MIN_STENT_LENGTH_MM,
    diameter_fits,
    ivus_reference,
    length_ok,
    mm,
    newest_behavior,
    newest_diameter_stenosis,
    sizing_range,
    stenosis_qualifies,
)
from cds_hooks.guideline.trace import silent

_SIZE_PAIR = re.compile(r"\d\s*(?:mm|cm)?\s*[x×*]\s*\d")


@dataclass(frozen=True)
class _StentOrder:
    order: DraftOrder
    side: Side  # the order's side, else the only swollen side, else UNKNOWN


def in_scope_stent_orders(state: PathwayState, orders: Sequence[DraftOrder]) -> list[DraftOrder]:
    """Catalog: "a venous stent of the iliac/femoral veins (site or text iliac/femoral/
    May-Thurner, ICD-10-PCS 067C3DZ/067D3DZ/067F3DZ/067G3DZ, or a stent order while the patient
    has iliac context and no other site named)"."""
    return [
        o
        for o in orders
        if o.kind is OrderKind.STENT
        and (
            o.stent_site is StentSite.ILIAC_FEMORAL
            or (o.stent_site is StentSite.UNSPECIFIED and state.iliac_context)
        )
    ]


def stent_order_checks(
    state: PathwayState,
    orders: Sequence[DraftOrder],
    selected: frozenset[str] | Sequence[DraftOrder] | None,
) -> list[Recommendation]:
    """`stent-length-too-short`, `stent-without-ivus-confirmation`, `stent-diameter-sizing`.

    `orders` is the whole draft set (context); `selected` the orders to check, as refs (the
    order-select `selections`) or as the DraftOrders themselves; None checks every order
    (order-sign).
    """
    refs = None if selected is None else {s if isinstance(s, str) else s.ref for s in selected}
    all_stents = in_scope_stent_orders(state, orders)
    stents = [
        _StentOrder(_with_sibling_size(state, o, all_stents), _order_side(state, o))
        for o in all_stents
        if refs is None or o.ref in refs
    ]
    if not stents:
        return []
    venography_drafted = any(o.kind is OrderKind.VENOGRAPHY_IVUS for o in orders)
    unconfirmed = {s.order.ref: _ivus_gaps(state, s) for s in stents}
    results = [
        _length_too_short(stents, unconfirmed),
        _without_ivus_confirmation(stents, unconfirmed, venography_drafted),
        _diameter_sizing(state, stents),
    ]
    return [r for r in results if r is not None]


# ---------------------------------------------------------------- the three checks


def _length_too_short(
    stents: list[_StentOrder], unconfirmed: dict[str, list[str]]
) -> Recommendation | None:
    """`stent-length-too-short` (S2): critical, "an in-scope stent order with length < 60 mm"
    (60 mm exactly is fine). Figure: "stents < 60 mm account for 82.6% of migrations, with 16.2%
    mortality, 56% migrating to the heart and 24% to the pulmonary artery" (Sayed et al. 2022).

    The optional update suggestion (length 60 mm) is offered only for a DeviceRequest whose
    length parameter can be edited, and only when the stent prerequisites hold for that order:
    never endorse a stent the record does not support.
    """
    short = [
        s for s in stents if s.order.length_mm is not None and not length_ok(s.order.length_mm)
    ]
    if not short:
        return silent(
            "stent-length-too-short",
            "every drafted stent states a length of at least 60 mm, or none",
        )
    edits: list[OrderEdit] = []
    for s in short:
        updated = with_length(s.order.resource, MIN_STENT_LENGTH_MM)
        if updated is not None and not unconfirmed[s.order.ref]:
            edits.append(
                OrderEdit(
                    label="Change the stent length to 60 mm (minimum; extend into the straight "
                    "external iliac vein)",
                    action="update",
                    target_ref=s.order.ref,
                    resource=updated,
                )
            )
    lengths = ", ".join(dict.fromkeys(mm(s.order.length_mm or 0) for s in short))
    return Recommendation(
        id="stent-length-too-short",
        indicator=Indicator.CRITICAL,
        summary=f"Iliac venous stent length {lengths} is below 60 mm: short stents migrate",
        detail=(
            "Iliac venous stents should be at least 60 mm long and extend into the straight "
            "segment of the external iliac vein. Short stents account for most stent "
            "migrations, which can reach the heart."
        ),
        evidence=tuple(_order_evidence(s.order) for s in short),
        sources=("S2",),
        quote=MIGRATION_QUOTE,
        suggestions=tuple(edits),
        selection="at-most-one" if len(edits) <= 1 else "any",
        override_reasons=OVERRIDE_LENGTH,
        order_refs=tuple(s.order.ref for s in short),
    )


def _without_ivus_confirmation(
    stents: list[_StentOrder], unconfirmed: dict[str, list[str]], venography_drafted: bool
) -> Recommendation | None:
    """`stent-without-ivus-confirmation` (S2): critical; info when the same draft set orders
    venography/IVUS with the stent ("stent only if IVUS > 61% on a fixed lesion").

    Catalog: "an in-scope stent order while the record has no IVUS diameter stenosis > 61% on a
    fixed lesion (absent, <= 61%, dynamic or unstated), or the leg has no swelling, or the leg's
    DVT status is `not excluded`. For a characterized malignant mass only the IVUS test is
    waived. [...] Lists what is missing".

    Decision: a leg with *confirmed* acute DVT is not flagged here (the catalog names only
    `not excluded`); the DVT cards speak for it.
    """
    flagged = [s for s in stents if unconfirmed[s.order.ref]]
    if not flagged:
        return silent(
            "stent-without-ivus-confirmation",
            "IVUS > 61% on a fixed lesion, swelling and DVT exclusion on record for every stent",
        )
    missing: list[str] = []
    for s in flagged:
        missing.extend(unconfirmed[s.order.ref])
    missing = list(dict.fromkeys(missing))
    detail = (
        "An iliac venous stent is indicated only for an IVUS diameter stenosis above 61% on a "
        "fixed lesion, in a swollen leg where DVT has been excluded. The record does not show "
        "every one of these."
    )
    if venography_drafted:
        return Recommendation(
            id="stent-without-ivus-confirmation",
            indicator=Indicator.INFO,
            summary="Stent only if IVUS shows > 61% diameter stenosis on a fixed lesion",
            detail=detail
            + " Venography/IVUS is ordered with the stent: place it only if IVUS confirms.",
            evidence=tuple(_order_evidence(s.order) for s in flagged),
            missing=tuple(missing),
            sources=("S2",),
            order_refs=tuple(s.order.ref for s in flagged),
        )
    ivus_gap = any(m.startswith(("IVUS", "Lesion behavior", "Fixed lesion")) for m in missing)
    summary = (
        "Iliac venous stent ordered without IVUS-confirmed indication on record"
        if ivus_gap
        # IVUS criteria met (or waived for a malignant mass): name what is missing instead.
        else "Iliac venous stent ordered: swelling or DVT exclusion of that leg not on record"
    )
    return Recommendation(
        id="stent-without-ivus-confirmation",
        indicator=Indicator.CRITICAL,
        summary=summary,
        detail=detail,
        evidence=tuple(_order_evidence(s.order) for s in flagged),
        missing=tuple(missing),
        sources=("S2",),
        override_reasons=OVERRIDE_IVUS,
        order_refs=tuple(s.order.ref for s in flagged),
    )


def _diameter_sizing(state: PathwayState, stents: list[_StentOrder]) -> Recommendation | None:
    """`stent-diameter-sizing` (S2): warning, "an in-scope stent order whose diameter is outside
    reference EIV + 1..4 mm inclusive (reference from the latest IVUS), or no IVUS reference
    diameter on record, or no diameter on the order"."""
    problems: list[tuple[_StentOrder, str]] = []
    evidence: list[Evidence] = []
    for s in stents:
        reference = ivus_reference(state, s.side)
        diameter = s.order.diameter_mm
        if reference is not None:
            evidence.append(
                Evidence(
                    f"IVUS reference diameter, external iliac vein {mm(reference.mm)}",
                    reference.source.refs,
                    reference.when.date().isoformat() if reference.when else "",
                )
            )
        if diameter is None:
            problems.append((s, "No stent diameter on the order"))
        elif reference is None:
            problems.append((s, "No IVUS reference diameter of the external iliac vein"))
        elif not diameter_fits(diameter, reference.mm):
            low, high = sizing_range(reference.mm)
            problems.append(
                (
                    s,
                    f"Diameter {mm(diameter)} is outside {low:g}-{high:g} mm (reference "
                    f"{mm(reference.mm)} + 1 to 4 mm)",
                )
            )
    if not problems:
        return silent(
            "stent-diameter-sizing", "every stent diameter is within the IVUS reference + 1 to 4 mm"
        )
    first = problems[0][1]
    summary = f"Check stent diameter: {first[0].lower()}{first[1:]}"
    if len(summary) >= 140:
        summary = "Check the stent diameter against the IVUS reference diameter (+1 to 4 mm)"
    return Recommendation(
        id="stent-diameter-sizing",
        indicator=Indicator.WARNING,
        summary=summary,
        detail=(
            "The stent diameter should be the IVUS reference diameter of the external iliac "
            "vein plus 1 to 4 mm: an undersized stent can migrate.\n\n"
            + "\n".join(f"- {text}" for _, text in problems)
        ),
        evidence=tuple(
            dict.fromkeys([*(_order_evidence(s.order) for s, _ in problems), *evidence])
        ),
        missing=tuple(t for _, t in problems if t.startswith("No ")),
        sources=("S2",),
        override_reasons=OVERRIDE_DIAMETER,
        order_refs=tuple(dict.fromkeys(s.order.ref for s, _ in problems)),
    )


# ---------------------------------------------------------------- helpers


def _order_side(state: PathwayState, order: DraftOrder) -> Side:
    if order.side in (Side.LEFT, Side.RIGHT):
        return order.side
    return unilateral_side(state) or Side.UNKNOWN


def _with_sibling_size(
    state: PathwayState, order: DraftOrder, stents: Sequence[DraftOrder]
) -> DraftOrder:
    """EHRs often send one stent twice: the placement (ServiceRequest/Procedure, no size) and
    the device (DeviceRequest "14 x 60 mm"). A size missing on one is taken from the other stent
    order of the same side when that is unambiguous, so the placement is not flagged "no
    diameter on the order" (or checked without its length) while the device states it."""
    if order.diameter_mm is not None and order.length_mm is not None:
        return order
    side = _order_side(state, order)
    others = [
        o
        for o in stents
        if o.ref != order.ref
        and (side is Side.UNKNOWN or _order_side(state, o) in (side, Side.UNKNOWN))
    ]
    changes: dict[str, float] = {}
    for name in ("diameter_mm", "length_mm"):
        values = {getattr(o, name) for o in others} - {None}
        if getattr(order, name) is None and len(values) == 1:
            changes[name] = values.pop()
    return replace(order, **changes) if changes else order


def _ivus_gaps(state: PathwayState, stent: _StentOrder) -> list[str]:
    """What the record lacks before this stent is justified (empty = prerequisites hold)."""
    side = stent.side
    lateral = side in (Side.LEFT, Side.RIGHT)
    gaps: list[str] = []
    malignant = any(n.nature is MassNature.MALIGNANT for n in natures_on_side(state, side))
    if not malignant:
        lesion = (
            _documented_lesion(state, side) if lateral else newest_diameter_stenosis(state, None)
        )
        unsided = lateral and lesion is None and _documented_lesion(state, Side.UNKNOWN)
        if unsided:
            # As in `nivl-stent-criteria-incomplete`: an IVUS result without a side is never
            # taken for this leg's (input profile: unknown is never treated as left or right).
            gaps.append(
                f"IVUS diameter stenosis of the {side.value} iliac vein (the IVUS result on "
                "record names no side)"
            )
        elif lesion is None:
            elsewhere = lateral and newest_diameter_stenosis(state, None) is not None
            done = state.ivus_done or bool(state.ivus or state.record.ivus_stenoses)
            if elsewhere:
                # An IVUS result of the other iliac vein says nothing about this one.
                gaps.append(
                    f"IVUS diameter stenosis of the {side.value} iliac vein (the IVUS result on "
                    "record is for the other side)"
                )
            elif done:
                gaps.append(
                    "IVUS diameter stenosis (IVUS on record but no diameter stenosis reported)"
                )
            else:
                gaps.append("IVUS diameter stenosis (none on record)")
        elif not stenosis_qualifies(lesion):
            gaps.append(
                f"IVUS diameter stenosis above {DIAMETER_STENOSIS_THRESHOLD_PCT:g}% "
                f"(latest: {lesion.percent:g}%)"
            )
        if lesion is not None:
            behavior = newest_behavior(state, side if lateral else lesion.side)
            if behavior is None:
                gaps.append("Lesion behavior on IVUS: fixed (not stated)")
            elif behavior.behavior is not Behavior.FIXED:
                gaps.append("Fixed lesion (IVUS/venography shows a dynamic lesion)")

    swollen = bool(state.swelling_sides) and (
        not lateral
        or side in state.swelling_sides
        or Side.BILATERAL in state.swelling_sides
        or state.bilateral_swelling
    )
    where = f"{side.value} leg" if lateral else "leg"
    if not swollen and lateral and Side.UNKNOWN in state.swelling_sides:
        # Unknown is never taken for the stent's side; say so rather than "none".
        gaps.append(f"Swelling of the {where} (the swelling on record names no side)")
    elif not swollen:
        gaps.append(f"Swelling of the {where} (none on record)")
    else:
        legs = [lg for lg in state.legs if not lateral or lg.side is side]
        if not legs or any(lg.dvt_status is DvtStatus.NOT_EXCLUDED for lg in legs):
            gaps.append(f"DVT excluded in the {where} (complete duplex)")
    return gaps


def _documented_lesion(state: PathwayState, side: Side) -> IvusStenosis | None:
    """Newest IVUS diameter stenosis documented on `side` (a bilateral finding counts for
    either side; UNKNOWN asks for the unsided ones)."""
    sides = {side} if side is Side.UNKNOWN else {side, Side.BILATERAL}
    lesions = [
        s for s in (state.ivus or state.record.ivus_stenoses) if not s.area and s.side in sides
    ]
    dated = [s for s in lesions if s.when is not None]
    if dated:
        return max(dated, key=lambda s: s.when)  # type: ignore[arg-type,return-value]
    return lesions[0] if lesions else None


def _order_evidence(order: DraftOrder) -> Evidence:
    size = ""
    if order.diameter_mm is not None or order.length_mm is not None:
        d = mm(order.diameter_mm) if order.diameter_mm is not None else "? mm"
        length = mm(order.length_mm) if order.length_mm is not None else "? mm"
        size = f" {d} x {length}"
    side = "" if order.side is Side.UNKNOWN else f", {order.side.value}"
    name = order.display or "Iliac venous stent"
    if _SIZE_PAIR.search(name):
        size = ""  # the order's own text already states its size
    return Evidence(f"Draft order: {name}{size}{side}", refs=(order.ref,))
