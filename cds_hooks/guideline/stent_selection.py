"""NIVL stent selection: who is a stent candidate after IVUS, what is missing, and sizing.

One assessment (`assess_nivl`) feeds the three patient-view rules so they can never disagree:
`nivl-stent-not-indicated` takes precedence, then `nivl-stent-criteria-incomplete`, and
`nivl-stent-candidate` only when every prerequisite holds. The sizing helpers are shared with the
order checks (`stent_orders`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from cds_hooks.guideline.alternatives import assess_alternative_causes
from cds_hooks.guideline.compression import (
    evidence_of,
    extrinsic_causes,
    is_bilateral,
    natures_on_side,
    scrotal_edema,
    sides_match,
    significant_impact,
    uncharacterized_masses,
    unilateral_side,
)
from cds_hooks.guideline.findings import (
    Behavior,
    IvusStenosis,
    LesionBehavior,
    ReferenceDiameter,
    Side,
)
from cds_hooks.guideline.recommendation import Evidence, Indicator, Recommendation
from cds_hooks.guideline.state import CauseState, DvtStatus, PathwayState
from cds_hooks.guideline.trace import first_unmet, silent

# Thresholds the guidance states (S2), so constants rather than settings.
DIAMETER_STENOSIS_THRESHOLD_PCT = 61.0  # IVUS diameter stenosis must be strictly greater (VIDIO)
MIN_STENT_LENGTH_MM = 60.0  # shorter stents account for most migrations (Sayed et al. 2022)
OVERSIZE_MIN_MM = 1.0  # stent diameter = reference external iliac vein + 1..4 mm, inclusive
OVERSIZE_MAX_MM = 4.0
_MM_TOLERANCE = 1e-6  # inclusive comparisons on decimal millimetres

_Dated = TypeVar("_Dated", IvusStenosis, LesionBehavior, ReferenceDiameter)

MIGRATION_QUOTE = (
    "Stents < 60 mm account for 82.6% of migrations, with 16.2% mortality; 56% migrate to the "
    "heart and 24% to the pulmonary artery (Sayed et al. 2022)."
)


# ---------------------------------------------------------------- IVUS facts and sizing


def newest_diameter_stenosis(state: PathwayState, side: Side | None) -> IvusStenosis | None:
    """Newest IVUS *diameter* stenosis on `side` (unknown side matches any; None = any side).

    An area stenosis is never compared with the 61% diameter threshold, so it is skipped. A
    result documented on `side` (or bilateral) wins over a newer one without a side.
    """
    candidates = [
        s
        for s in (state.ivus or state.record.ivus_stenoses)
        if not s.area and (side is None or sides_match(s.side, side))
    ]
    if side is not None and side is not Side.UNKNOWN:
        documented = [s for s in candidates if s.side in (side, Side.BILATERAL)]
        if documented:
            return _newest(documented, tie=lambda s: s.percent)
    return _newest(candidates, tie=lambda s: s.percent)


def newest_behavior(state: PathwayState, side: Side) -> LesionBehavior | None:
    behaviors = [
        b
        for b in (state.lesion_behaviors or state.record.lesion_behaviors)
        if sides_match(b.side, side)
    ]
    return _newest(behaviors, tie=lambda b: 0 if b.behavior is Behavior.DYNAMIC else 1)


def ivus_reference(state: PathwayState, side: Side) -> ReferenceDiameter | None:
    """Newest IVUS reference diameter of the external iliac vein on `side` (IVUS only)."""
    refs = [
        r
        for r in (state.reference_diameters or state.record.reference_diameters)
        if r.from_ivus and sides_match(r.side, side)
    ]
    return _newest(refs)


def stenosis_qualifies(stenosis: IvusStenosis | None) -> bool:
    return (
        stenosis is not None
        and not stenosis.area
        and stenosis.percent > DIAMETER_STENOSIS_THRESHOLD_PCT
    )


def sizing_range(reference_mm: float) -> tuple[float, float]:
    """Stent diameter range (mm) for an IVUS reference diameter: reference + 1 to + 4 mm."""
    return reference_mm + OVERSIZE_MIN_MM, reference_mm + OVERSIZE_MAX_MM


def diameter_fits(diameter_mm: float, reference_mm: float) -> bool:
    low, high = sizing_range(reference_mm)
    return low - _MM_TOLERANCE <= diameter_mm <= high + _MM_TOLERANCE


def length_ok(length_mm: float) -> bool:
    return length_mm >= MIN_STENT_LENGTH_MM - _MM_TOLERANCE


def mm(value: float) -> str:
    return f"{value:g} mm"


def sizing_text(reference: ReferenceDiameter | None) -> str:
    if reference is None:
        return (
            "No IVUS reference diameter of the external iliac vein is on record: measure it to "
            "size the stent (reference + 1 to 4 mm)."
        )
    low, high = sizing_range(reference.mm)
    return (
        f"Diameter: reference external iliac vein {mm(reference.mm)} + 1 to 4 mm = "
        f"{low:g}-{high:g} mm."
    )


def _newest(items: Sequence[_Dated], tie: Callable[[_Dated], float] | None = None) -> _Dated | None:
    """The item with the latest date; undated items lose to dated ones. Conflicting results
    at the same instant: the lowest `tie` wins (the conservative one: the lower stenosis, a
    dynamic lesion), so record order never turns a conflict into a stent candidate."""
    if not items:
        return None
    dated = [i for i in items if i.when is not None]
    if not dated:
        return items[0]
    latest = max(i.when for i in dated)  # type: ignore[type-var]
    newest_items = [i for i in dated if i.when == latest]
    return min(newest_items, key=tie) if tie is not None else newest_items[0]


# ---------------------------------------------------------------- the assessment


@dataclass
class NivlAssessment:
    side: Side  # the lesion's leg (LEFT/RIGHT), or UNKNOWN
    lesion: IvusStenosis | None  # newest diameter stenosis considered
    behavior: LesionBehavior | None
    reasons: list[str] = field(default_factory=list)  # stenting not indicated because...
    missing: list[str] = field(default_factory=list)  # unknown prerequisites
    evidence: list[Evidence] = field(default_factory=list)


def assess_nivl(state: PathwayState) -> NivlAssessment | None:
    """None when no NIVL stent rule applies (no IVUS result, stent in place, extrinsic cause)."""
    if not (state.ivus or state.record.ivus_stenoses):
        return None
    if state.stent_in_place or state.stents or extrinsic_causes(state):
        return None

    reasons: list[str] = []
    missing: list[str] = []
    unilateral = unilateral_side(state)
    bilateral = is_bilateral(state)
    lesion = newest_diameter_stenosis(state, unilateral)
    if unilateral is not None and lesion is None:
        other = newest_diameter_stenosis(state, None)
        if other is not None:
            lesion = other
            reasons.append(
                f"no swelling on the side of the lesion ({other.side.value}); the swelling is "
                f"on the {unilateral.value} side"
            )
    side = unilateral or (lesion.side if lesion is not None else Side.UNKNOWN)
    if natures_on_side(state, side):
        return None
    if unilateral is not None and lesion is not None and lesion.side is Side.UNKNOWN:
        # Unknown is never treated as the swollen side: no candidate card on a guess.
        missing.append("Side of the IVUS lesion (not recorded)")

    if bilateral:
        reasons.append("bilateral leg swelling (rarely NIVL; evaluate systemic causes)")
    elif not state.swelling_sides:
        reasons.append("no leg swelling on record")
    elif unilateral is None:
        missing.append("Side of the leg swelling (not recorded)")

    behavior = newest_behavior(state, side) if lesion is not None else None
    evidence: list[Evidence] = []
    if lesion is not None:
        evidence.append(evidence_of(_stenosis_text(lesion), lesion))
        if lesion.percent <= DIAMETER_STENOSIS_THRESHOLD_PCT:
            reasons.append(f"IVUS diameter stenosis {lesion.percent:g}% is not above 61%")
        if behavior is None:
            missing.append("Lesion behavior on IVUS/venography (fixed or dynamic) not stated")
        else:
            evidence.append(evidence_of(f"Lesion behavior: {behavior.behavior.value}", behavior))
            if behavior.behavior is Behavior.DYNAMIC:
                reasons.append("the lesion is dynamic (varies with respiration or position)")

    if state.swelling_sides and not bilateral:
        impact = significant_impact(state)
        scrotal = scrotal_edema(state)
        if scrotal:
            evidence.append(Evidence("Scrotal/penile edema"))
        if impact is False and not scrotal:
            reasons.append("documented minimal or mild symptoms")
        elif impact is None and not scrotal:
            missing.append("Quality-of-life impact of the edema (not documented)")
        for i in state.impacts or state.record.impacts:
            evidence.append(evidence_of(f"Edema impact: {i.impact.value}", i))

    causes = assess_alternative_causes(state)
    for cause in causes:
        if cause.state is CauseState.PRESENT:
            reasons.append(f"alternative cause of edema present: {cause.label.lower()}")
            evidence.extend(cause.evidence)
        elif cause.state is CauseState.NOT_ASSESSED:
            missing.append(f"{cause.label} not assessed ({cause.how_to_assess})")

    if unilateral is not None:
        leg = next((lg for lg in state.legs if lg.side is unilateral), None)
        if leg is None or leg.dvt_status is DvtStatus.NOT_EXCLUDED:
            missing.append(f"DVT not excluded in the {unilateral.value} leg (complete duplex)")
        elif leg.dvt_status is DvtStatus.CONFIRMED:
            missing.append(f"Acute DVT confirmed in the {unilateral.value} leg: treat it first")
        if leg is not None:
            evidence.extend(leg.evidence)

    for mass in uncharacterized_masses(state):
        if sides_match(mass.side, side):
            missing.append("Pelvic/iliac mass not characterized (contrast CT/MRI)")
            evidence.append(evidence_of("Pelvic/iliac mass", mass))
            break

    return NivlAssessment(
        side=side,
        lesion=lesion,
        behavior=behavior,
        reasons=reasons,
        missing=missing,
        evidence=list(dict.fromkeys(evidence)),
    )


# ---------------------------------------------------------------- rules


def nivl_stent_not_indicated(state: PathwayState) -> Recommendation | None:
    """`nivl-stent-not-indicated` (S2).

    Catalog: "an IVUS result exists, no stent in place, no extrinsic cause, and stenting is not
    indicated: stenosis <= 61%, a dynamic lesion, no swelling or documented minimal/mild
    symptoms, bilateral swelling, or an alternative cause present. States the reason(s)".
    """
    a = assess_nivl(state)
    if a is None or not a.reasons:
        return silent(
            "nivl-stent-not-indicated",
            "no IVUS result, or a stent or extrinsic cause is on record"
            if a is None
            else "no reason against stenting",
        )
    reasons = "\n".join(f"- {r[0].upper()}{r[1:]}" for r in a.reasons)
    return Recommendation(
        id="nivl-stent-not-indicated",
        indicator=Indicator.INFO,
        summary="Iliac vein stent not indicated on current findings: " + _short(a.reasons[0]),
        detail=(
            "A NIVL stent is considered only for an IVUS diameter stenosis above 61% on a fixed "
            "lesion, with unilateral swelling on that side that affects quality of life and no "
            "other cause of edema. Not met here:\n\n" + reasons
        ),
        evidence=tuple(a.evidence),
        sources=("S2",),
    )


def nivl_stent_criteria_incomplete(state: PathwayState) -> Recommendation | None:
    """`nivl-stent-criteria-incomplete` (S2).

    Catalog: "IVUS > 61%, no stent in place, no extrinsic cause, no reason for
    `nivl-stent-not-indicated` (which takes precedence), and a prerequisite is unknown: lesion
    behavior not stated, quality-of-life impact not documented, an alternative cause not
    assessed, or DVT not `excluded` (including confirmed). Lists what is missing".
    """
    a = assess_nivl(state)
    if a is None or a.reasons or not a.missing or not stenosis_qualifies(a.lesion):
        return silent(
            "nivl-stent-criteria-incomplete",
            "no IVUS result, or a stent or extrinsic cause is on record"
            if a is None
            else first_unmet(
                ("a reason against stenting is present", not a.reasons),
                ("no prerequisite is unknown", bool(a.missing)),
                ("IVUS diameter stenosis is not above 61%", stenosis_qualifies(a.lesion)),
            ),
        )
    assert a.lesion is not None
    return Recommendation(
        id="nivl-stent-criteria-incomplete",
        indicator=Indicator.INFO,
        summary=(
            f"IVUS {a.lesion.percent:g}% iliac vein stenosis: complete the work-up before "
            "deciding on a stent"
        ),
        detail=(
            "The IVUS diameter stenosis is above 61%, but stenting is decided only when every "
            "prerequisite is known: a fixed lesion, DVT excluded, unilateral swelling with "
            "quality-of-life impact, and every other cause of edema assessed and absent."
        ),
        evidence=tuple(a.evidence),
        missing=tuple(a.missing),
        sources=("S2",),
    )


def nivl_stent_candidate(state: PathwayState) -> Recommendation | None:
    """`nivl-stent-candidate` (S2).

    Catalog: "IVUS diameter stenosis > 61% (strictly) on a fixed lesion, swollen leg's DVT
    `excluded`, unilateral swelling on the lesion's side with quality-of-life impact (or
    scrotal/penile edema) documented, every alternative cause assessed and absent, no extrinsic
    cause, no stent in place. Detail gives sizing: diameter = reference external iliac vein
    (IVUS) + 1 to 4 mm inclusive (13 mm -> 14-17 mm; without a reference diameter the card asks
    for one), length >= 60 mm extending into the straight external iliac vein".
    """
    a = assess_nivl(state)
    if a is None or a.reasons or a.missing or not stenosis_qualifies(a.lesion):
        return silent(
            "nivl-stent-candidate",
            "no IVUS result, or a stent or extrinsic cause is on record"
            if a is None
            else first_unmet(
                ("a reason against stenting is present", not a.reasons),
                ("a prerequisite is unknown", not a.missing),
                ("IVUS diameter stenosis is not above 61%", stenosis_qualifies(a.lesion)),
            ),
        )
    if a.behavior is None or a.behavior.behavior is not Behavior.FIXED:
        return silent("nivl-stent-candidate", "the lesion is not documented as fixed")
    side = unilateral_side(state)
    if side is None or a.lesion is None:
        return silent("nivl-stent-candidate", "no unilateral swelling")
    reference = ivus_reference(state, side)
    evidence = list(a.evidence)
    if reference is not None:
        evidence.append(
            evidence_of(
                f"IVUS reference diameter, external iliac vein {mm(reference.mm)}", reference
            )
        )
    sizing = sizing_text(reference)
    summary = f"{side.value.capitalize()} iliac vein stent criteria met (IVUS {a.lesion.percent:g}%"
    if reference is not None:
        low, high = sizing_range(reference.mm)
        summary += f"): size {low:g}-{high:g} mm, length ≥ 60 mm"
    else:
        summary += ", fixed lesion): measure the reference diameter to size it"
    return Recommendation(
        id="nivl-stent-candidate",
        indicator=Indicator.INFO,
        summary=summary,
        detail=(
            f"Fixed {side.value} iliac vein lesion with an IVUS diameter stenosis above 61%, "
            "DVT excluded, symptomatic unilateral swelling and no other cause of edema: the "
            "patient meets the NIVL stent criteria.\n\n"
            f"- {sizing}\n"
            "- Length: at least 60 mm, extending into the straight segment of the external "
            "iliac vein."
            + (
                "\n\nThe IVUS result is from a preliminary report: confirm it on the final "
                "report before deciding."
                if a.lesion.preliminary
                else ""
            )
        ),
        evidence=tuple(dict.fromkeys(evidence)),
        missing=()
        if reference is not None
        else ("IVUS reference diameter of the external iliac vein",),
        sources=("S2",),
        quote=MIGRATION_QUOTE,
    )


def _stenosis_text(s: IvusStenosis) -> str:
    where = "side not recorded" if s.side is Side.UNKNOWN else s.side.value
    caveat = ", preliminary report" if s.preliminary else ""
    return f"IVUS diameter stenosis {s.percent:g}% ({where}{caveat})"


def _short(reason: str) -> str:
    return reason if len(reason) <= 80 else reason[:77].rstrip() + "..."
