"""DVT rule-out stage: complete duplex of the swollen leg, then pelvic venography when needed."""

from __future__ import annotations

from cds_hooks.guideline.findings import Side
from cds_hooks.guideline.order_codes import DUPLEX_CODES, LOINC, SNOMED
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    Recommendation,
    ServiceOrder,
)
from cds_hooks.guideline.state import DvtStatus, LegState, PathwayState
from cds_hooks.guideline.trace import silent

CT_VENOGRAPHY = Code(SNOMED, "431676002", "CT venography")
MR_VENOGRAPHY = Code(LOINC, "36789-6", "MR venography of pelvic veins")


def dvt_duplex_ultrasound(state: PathwayState) -> Recommendation | None:
    """S1: "complete duplex ultrasound" of the leg for suspected DVT.

    Catalog (`dvt-duplex-ultrasound`): fires when "swelling in scope (gate) and the swollen
    leg's DVT status `not excluded`, no acute DVT in that leg, and no complete duplex of that
    leg dated on/after the swelling's onset"; critical when the swelling is new (30 days), else
    warning. A swelling of unknown side gets a bilateral study (unknown is never left).
    """
    # An acute DVT whose side is not recorded may be in this leg: "no acute DVT in that leg"
    # cannot be asserted, and asking a diagnosed patient for a duplex "to exclude DVT" is a card
    # we cannot justify (the leg stays `not excluded` for every later stage).
    if Side.UNKNOWN in state.acute_dvt_sides:
        return silent("dvt-duplex-ultrasound", "an acute DVT of unrecorded side is on record")
    legs = [leg for leg in state.legs if _needs_duplex(leg)]
    if not legs:
        return silent(
            "dvt-duplex-ultrasound",
            "no swollen leg needs a duplex: DVT settled or a complete duplex since onset",
        )
    sides = {leg.side for leg in legs}
    target = next(iter(sides)) if sides in ({Side.LEFT}, {Side.RIGHT}) else Side.BILATERAL
    new = any(leg.new for leg in legs)
    where = {Side.LEFT: "left leg", Side.RIGHT: "right leg"}.get(target, "both legs")
    if new:
        summary = f"New {_swelling_words(legs)}: order a complete venous duplex ({where})"
    else:
        summary = f"DVT not excluded in the swollen leg: order a complete venous duplex ({where})"
    detail = (
        "Leg swelling without a complete duplex since it began leaves DVT unexcluded. The "
        "guidance asks for a **complete** duplex (proximal and calf veins); a femoropopliteal "
        "or limited study does not exclude DVT."
    )
    if Side.UNKNOWN in sides:
        detail += " The swollen side is not recorded, so both legs are suggested."
    return Recommendation(
        id="dvt-duplex-ultrasound",
        indicator=Indicator.CRITICAL if new else Indicator.WARNING,
        summary=summary,
        detail=detail,
        evidence=_leg_evidence(legs),
        missing=tuple(
            f"Complete venous duplex of the {_leg_name(leg)} since the swelling began"
            for leg in legs
        ),
        sources=("S1",),
        suggestions=(
            ServiceOrder(
                label=f"Complete venous duplex ultrasound, {where}",
                codes=DUPLEX_CODES[target],
                category="imaging",
            ),
        ),
    )


def _needs_duplex(leg: LegState) -> bool:
    return (
        leg.dvt_status is DvtStatus.NOT_EXCLUDED
        and not leg.acute_dvt
        and leg.complete_duplex_since_onset is None
    )


def pelvic_venous_imaging(state: PathwayState) -> Recommendation | None:
    """S1: "pelvic CT/MR venography when leg ultrasound is negative but whole-leg swelling
    persists".

    Catalog (`pelvic-venous-imaging`, warning): "DVT not confirmed in that leg, and (a) a
    negative leg duplex (any extent) within 30 days while whole-leg swelling persists [...], or
    (b) common femoral vein Doppler flat / non-phasic / continuous on any duplex within 30 days;
    and no CT or MR venography since". Pregnant: only MR venography without contrast.
    """
    legs = [
        leg
        for leg in state.legs
        if leg.dvt_status is not DvtStatus.CONFIRMED
        and leg.pelvic_imaging_trigger
        and leg.venography_since is None
    ]
    if not legs:
        return silent(
            "pelvic-venous-imaging",
            "no negative duplex with persisting whole-leg swelling or non-phasic CFV flow "
            "still lacking CT/MR venography",
        )
    reasons = []
    if any(leg.whole_leg_persists for leg in legs):
        reasons.append("whole-leg swelling persists after a negative leg duplex")
    if any(leg.cfv_non_phasic is not None for leg in legs):
        reasons.append("the common femoral vein Doppler waveform is non-phasic")
    detail = (
        "An isolated iliac vein thrombosis can be missed by a leg duplex: "
        + " and ".join(reasons)
        + ", which points above the groin. Image the pelvic veins before DVT is considered "
        "excluded."
    )
    mr = ServiceOrder(
        label="MR venography of the pelvic veins" + (" without contrast" if state.pregnant else ""),
        codes=(MR_VENOGRAPHY,),
        category="imaging",
        note="Pregnant: no gadolinium contrast." if state.pregnant else "",
    )
    if state.pregnant:
        suggestions: tuple[ServiceOrder, ...] = (mr,)
        detail += " In pregnancy only MR venography without contrast is suggested."
    else:
        ct = ServiceOrder(
            label="CT venography of the pelvic veins", codes=(CT_VENOGRAPHY,), category="imaging"
        )
        suggestions = (ct, mr)
    evidence = _leg_evidence(legs) + state.evidence.get("pregnancy", ())
    return Recommendation(
        id="pelvic-venous-imaging",
        indicator=Indicator.WARNING,
        # Pregnant: only MR is suggested, so the summary must not offer CT.
        summary=(
            "Leg duplex may miss iliac DVT: order pelvic MR venography without contrast (pregnant)"
            if state.pregnant
            else "Leg duplex may miss iliac DVT: order pelvic CT or MR venography"
        ),
        detail=detail,
        evidence=evidence,
        missing=("CT or MR venography of the pelvic veins",),
        sources=("S1",),
        suggestions=suggestions,
        selection="at-most-one",
    )


def _swelling_words(legs: list[LegState]) -> str:
    if len(legs) > 1:
        return "leg swelling"
    return {Side.LEFT: "left leg swelling", Side.RIGHT: "right leg swelling"}.get(
        legs[0].side, "leg swelling"
    )


def _leg_name(leg: LegState) -> str:
    return {Side.LEFT: "left leg", Side.RIGHT: "right leg"}.get(leg.side, "swollen leg")


def _leg_evidence(legs: list[LegState]) -> tuple[Evidence, ...]:
    seen: list[Evidence] = []
    for leg in legs:
        seen.extend(e for e in leg.evidence if e not in seen)
    return tuple(seen)
