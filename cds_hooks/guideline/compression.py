"""Iliac vein compression: masses, extrinsic causes, bilateral edema and the IVUS work-up.

Extrinsic compression (a mass, abscess, bursitis, disc/osteophyte) is treated at its cause and
never leads to a NIVL stent recommendation; anatomic compression without symptoms is common and
never treated. Side rules: a finding with an unknown or bilateral side may be on either side, so
it *matches* any side here — only ever in the direction that silences stent cards or asks for
work-up, never to claim that a stent is indicated on a given side.
"""

from __future__ import annotations

from cds_hooks.guideline.alternatives import all_causes_absent, assess_alternative_causes
from cds_hooks.guideline.dates import iso_day, on_or_after
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    ImagingStudy,
    Impact,
    MassCharacterization,
    Modality,
    Side,
    Swelling,
)
from cds_hooks.guideline.order_codes import CPT, SNOMED
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    Recommendation,
    ServiceOrder,
)
from cds_hooks.guideline.state import CauseState, DvtStatus, PathwayState
from cds_hooks.guideline.trace import first_unmet, silent

LATERAL = (Side.LEFT, Side.RIGHT)

VENOGRAPHY_IVUS = ServiceOrder(
    label="Venography with intravascular ultrasound (IVUS)",
    # The work-up is unilateral by rule, so the unilateral venography code (75820) only: the
    # codings of one CodeableConcept must mean the same thing, and 75822 is bilateral.
    codes=(
        Code(CPT, "37252", "Intravascular ultrasound (noncoronary vessel), initial vessel"),
        Code(CPT, "75820", "Venography, extremity, unilateral, radiological supervision"),
    ),
    note="Measure diameter stenosis, lesion behavior and the external iliac reference diameter.",
    category="procedure",
)
COMMON_ILIAC_VEIN = Code(SNOMED, "46027005", "Common iliac vein")
LATERALITY_CODES = {
    Side.LEFT: Code(SNOMED, "7771000", "Left"),
    Side.RIGHT: Code(SNOMED, "24028007", "Right"),
}


def venography_ivus_for(side: Side) -> ServiceOrder:
    """The venography/IVUS suggestion for the swollen side's iliac veins."""
    if side not in LATERALITY_CODES:
        return VENOGRAPHY_IVUS
    return ServiceOrder(
        label=f"Venography with intravascular ultrasound (IVUS), {side.value} iliac veins",
        codes=VENOGRAPHY_IVUS.codes,
        body_site=(COMMON_ILIAC_VEIN, LATERALITY_CODES[side]),
        note=VENOGRAPHY_IVUS.note,
        category=VENOGRAPHY_IVUS.category,
    )


def sides_match(a: Side, b: Side) -> bool:
    """Could findings on sides `a` and `b` concern the same leg? Unknown/bilateral match any."""
    return a == b or Side.UNKNOWN in (a, b) or Side.BILATERAL in (a, b)


def _documented_on(finding_side: Side, side: Side) -> bool:
    """Is a finding documented on `side`? Unlike `sides_match`, an unknown side is not."""
    return finding_side is side or finding_side is Side.BILATERAL


def evidence_of(text: str, finding: object) -> Evidence:
    """Evidence for a finding dataclass (anything with `source` and `when`)."""
    source = getattr(finding, "source", None)
    refs = source.refs if source is not None else ()
    return Evidence(text, refs=refs, date=iso_day(getattr(finding, "when", None)))


def leg_name(side: Side) -> str:
    return {
        Side.LEFT: "left leg",
        Side.RIGHT: "right leg",
        Side.BILATERAL: "both legs",
        Side.UNKNOWN: "leg (side not recorded)",
    }[side]


def unilateral_side(state: PathwayState) -> Side | None:
    """LEFT or RIGHT when current swelling is on that one side only, else None."""
    if state.bilateral_swelling or Side.BILATERAL in state.swelling_sides:
        return None
    lateral = [s for s in LATERAL if s in state.swelling_sides]
    return lateral[0] if len(lateral) == 1 else None


def is_bilateral(state: PathwayState) -> bool:
    return (
        state.bilateral_swelling
        or Side.BILATERAL in state.swelling_sides
        or all(s in state.swelling_sides for s in LATERAL)
    )


def compression_side(finding: Diagnosis | ImagingStudy) -> Side:
    if isinstance(finding, ImagingStudy):
        return finding.compression_side or finding.side
    return finding.side


def current_natures(state: PathwayState) -> tuple[MassCharacterization, ...]:
    return tuple(n for n in state.mass_natures if n.active)


def natures_on_side(state: PathwayState, side: Side) -> tuple[MassCharacterization, ...]:
    """Characterized extrinsic causes that may compress the iliac vein of `side`."""
    return tuple(n for n in current_natures(state) if sides_match(n.side, side))


def contrast_imaging_since(state: PathwayState, mass: Diagnosis) -> ImagingStudy | None:
    """Newest contrast CT/MRI of abdomen/pelvis dated on/after the mass (any, if undated), or
    the contrast CT/MRI that found it (its conclusion reports a mass on that side), even when the
    mass was charted later."""
    studies = [
        s
        for s in state.record.imaging
        if s.modality is Modality.CONTRAST_CT_MRI
        and (
            mass.when is None
            or on_or_after(s.when, mass.when)
            or (s.mass_reported and sides_match(s.side, mass.side))
        )
    ]
    dated = [s for s in studies if s.when is not None]
    if dated:
        return max(dated, key=lambda s: s.when)  # type: ignore[arg-type,return-value]
    return studies[0] if studies else None


def mass_has_nature(state: PathwayState, mass: Diagnosis) -> bool:
    return bool(natures_on_side(state, mass.side))


def uncharacterized_masses(state: PathwayState) -> tuple[Diagnosis, ...]:
    """Masses with neither a documented nature nor a contrast CT/MRI on/after them."""
    return tuple(
        m
        for m in state.masses
        if not mass_has_nature(state, m) and contrast_imaging_since(state, m) is None
    )


def extrinsic_causes(state: PathwayState) -> tuple[MassCharacterization, ...]:
    """Characterized causes on a swollen side or on the side of an iliac vein compression.

    Any compression finding counts (imaging conclusion or an iliac-site I87.1 diagnosis): a
    characterized mass next to a compressed iliac vein is treated as its cause, which only ever
    silences stent cards.
    """
    swollen = set(state.swelling_sides)
    if is_bilateral(state):
        swollen |= {Side.LEFT, Side.RIGHT}
    compressed = {compression_side(c) for c in state.compression}
    return tuple(
        n
        for n in current_natures(state)
        if any(sides_match(n.side, s) for s in swollen | compressed)
    )


def significant_impact(state: PathwayState) -> bool | None:
    """True/False from the newest quality-of-life statement, None when none is documented."""
    impacts = list(state.impacts or state.record.impacts)
    if not impacts:
        return None
    dated = [i for i in impacts if i.when is not None]
    if not dated:
        return impacts[0].impact is Impact.SIGNIFICANT
    latest = max(i.when for i in dated)  # type: ignore[type-var]
    # Conflicting statements at the same instant: significant only if every one says so.
    return all(i.impact is Impact.SIGNIFICANT for i in dated if i.when == latest)


def scrotal_edema(state: PathwayState) -> bool:
    return state.scrotal_edema or any(
        d.concept is Concept.SCROTAL_EDEMA and d.active and not d.suspected
        for d in state.record.diagnoses
    )


_CAUSE_STATE_TEXT = {
    CauseState.PRESENT: "**present**",
    CauseState.ABSENT: "absent",
    CauseState.NOT_ASSESSED: "not assessed",
}


# ---------------------------------------------------------------- rules


def bilateral_edema_systemic_cause(state: PathwayState) -> Recommendation | None:
    """`bilateral-edema-systemic-cause` (S2).

    Catalog: "iliac context and bilateral swelling: bilateral edema is rarely NIVL, evaluate
    systemic causes. Suppresses `ivus-before-intervention` and `nivl-stent-candidate`".
    """
    if not state.iliac_context or not is_bilateral(state):
        return silent(
            "bilateral-edema-systemic-cause",
            first_unmet(
                ("no iliac context", state.iliac_context),
                ("the swelling is not bilateral", is_bilateral(state)),
            ),
        )
    causes = assess_alternative_causes(state)
    present = [c for c in causes if c.state is CauseState.PRESENT]
    unassessed = [c for c in causes if c.state is CauseState.NOT_ASSESSED]
    lines = "\n".join(f"- {c.label}: {_CAUSE_STATE_TEXT[c.state]}" for c in causes)
    detail = (
        "Both legs are swollen. A nonthrombotic iliac vein lesion causes unilateral symptoms; "
        "bilateral edema is rarely NIVL and points to a systemic cause (heart, kidney, liver, "
        "albumin, medication). "
        + (
            "Evaluate those before attributing the swelling to the iliac veins or the stent "
            "already in place.\n\n"
            if state.stent_in_place or state.stents
            else "Evaluate those before any iliac venous work-up or stent.\n\n"
        )
        + lines
    )
    evidence: list[Evidence] = []
    for leg in state.legs:
        evidence.extend(
            evidence_of(f"Swelling of the {leg_name(leg.side)}", s) for s in leg.swellings
        )
    for cause in present:
        evidence.extend(cause.evidence)
    return Recommendation(
        id="bilateral-edema-systemic-cause",
        indicator=Indicator.WARNING,
        summary="Bilateral leg edema is rarely an iliac vein lesion: evaluate systemic causes",
        detail=detail,
        evidence=tuple(dict.fromkeys(evidence)),
        missing=tuple(f"{c.label}: {c.how_to_assess}" for c in unassessed),
        sources=("S2",),
    )


def compression_without_symptoms(state: PathwayState) -> Recommendation | None:
    """`compression-without-symptoms` (S2).

    Catalog: "iliac vein compression on imaging, no swelling/edema of either leg (or documented
    absent), no stent, no IVUS result (then `nivl-stent-not-indicated` speaks), no characterized
    extrinsic cause: anatomic compression is common in asymptomatic people; no intervention, no
    stent". Figure: "up to 24% of asymptomatic people have > 50% left iliac vein compression on
    CT".

    Decision: a compression diagnosis (iliac-site I87.1) counts like an imaging conclusion, and
    any pelvic/iliac mass on record keeps this card silent, even one already imaged with contrast
    whose nature is not documented: calling compression next to a mass "common anatomy" would be
    wrong, and the mass may be the cause. Likewise with an acute DVT or prior VTE on record: an
    iliac compression with thrombosis is a thrombotic lesion, not an incidental finding in an
    asymptomatic person, and "no intervention" could mislead.
    """
    if not state.compression or state.swelling_sides:
        return silent(
            "compression-without-symptoms",
            first_unmet(
                ("no iliac vein compression on record", bool(state.compression)),
                ("leg swelling is present", not state.swelling_sides),
            ),
        )
    if state.stent_in_place or state.stents or state.ivus:
        return silent("compression-without-symptoms", "a stent or an IVUS result is on record")
    if current_natures(state) or state.extrinsic_cause_characterized:
        return silent("compression-without-symptoms", "an extrinsic cause is characterized")
    if state.masses or scrotal_edema(state):
        return silent("compression-without-symptoms", "a mass or scrotal edema on record")
    if state.acute_dvt or state.prior_vte:
        return silent("compression-without-symptoms", "an acute DVT or prior VTE is on record")
    evidence = [evidence_of("Iliac vein compression", c) for c in state.compression]
    absent = [
        evidence_of(f"No swelling of the {leg_name(s.side)} on examination", s)
        for s in state.record.swellings
        if not s.present
    ]
    return Recommendation(
        id="compression-without-symptoms",
        indicator=Indicator.INFO,
        summary="Iliac vein compression without leg swelling: common anatomy, no intervention",
        detail=(
            "Anatomic iliac vein compression is common in people without symptoms. Without leg "
            "swelling or other venous symptoms it needs no venography, IVUS or stent; reassess "
            "only if symptoms develop."
        ),
        evidence=tuple(dict.fromkeys([*evidence, *absent])),
        sources=("S2",),
        quote=(
            "Up to 24% of asymptomatic people have > 50% left iliac vein compression on CT; up to "
            "70% have some degree of compression."
        ),
    )


def ivus_before_intervention(state: PathwayState) -> Recommendation | None:
    """`ivus-before-intervention` (S2).

    Catalog: "swollen leg's DVT `excluded`; unilateral swelling on the side of suspected
    compression (iliac vein compression on imaging, iliac-site I87.1, or an iliac mass on that
    side); quality-of-life impact or scrotal/penile edema documented; every alternative cause
    assessed and absent; any mass characterized and not an extrinsic cause; no stent in place; no
    IVUS result on record. CT/MR findings never decide treatment alone" — S2: venography + IVUS
    before intervention; "IVUS finds 30% more >= 50% lesions than venography".

    Decision: the compression or mass must be documented on the swollen side (or both sides).
    A finding without a side is never taken for the swollen side (input profile: unknown is
    never treated as left or right); the card stays silent rather than guess.
    """
    side = unilateral_side(state)
    if side is None or is_bilateral(state):
        return silent("ivus-before-intervention", "the swelling is not unilateral")
    # Catalog: "no IVUS result on record". A venography/IVUS study without a result (an
    # ImagingStudy with modality IVUS proves IVUS was done, not its result) does not silence
    # the card: the measurements that decide stenting are still missing.
    if state.stent_in_place or state.stents or state.ivus:
        return silent("ivus-before-intervention", "a stent or an IVUS result is on record")
    leg = next((lg for lg in state.legs if lg.side is side), None)
    if leg is None or leg.dvt_status is not DvtStatus.EXCLUDED:
        return silent("ivus-before-intervention", "DVT is not excluded in the swollen leg")
    compression = [c for c in state.compression if _documented_on(compression_side(c), side)]
    masses = [m for m in state.masses if _documented_on(m.side, side)]
    if not compression and not masses:
        return silent("ivus-before-intervention", "no compression or mass on that side")
    if not (significant_impact(state) or scrotal_edema(state)):
        return silent(
            "ivus-before-intervention",
            "no quality-of-life impact or scrotal edema",
        )
    if not all_causes_absent(state):
        return silent("ivus-before-intervention", "another edema cause not ruled out")
    if uncharacterized_masses(state) or natures_on_side(state, side) or extrinsic_causes(state):
        return silent("ivus-before-intervention", "a mass uncharacterized or extrinsic")

    evidence = [*leg.evidence]
    evidence += [evidence_of(f"Iliac vein compression ({c_side_text(c)})", c) for c in compression]
    evidence += [evidence_of(_mass_text(m), m) for m in masses]
    evidence += [evidence_of("Quality-of-life impact of edema", i) for i in state.impacts]
    done_without_result = [
        i for i in state.record.imaging if i.modality is Modality.VENOGRAPHY_IVUS
    ]
    evidence += [
        evidence_of("Venography/IVUS study without a diameter stenosis result", i)
        for i in done_without_result
    ]
    no_result_note = (
        " A venography/IVUS study is on record without an IVUS diameter stenosis result: "
        "record its measurements (diameter stenosis, lesion behavior, reference diameter) "
        "rather than repeat it when they exist."
        if done_without_result
        else ""
    )
    return Recommendation(
        id="ivus-before-intervention",
        indicator=Indicator.WARNING,
        summary=f"Venography with IVUS before any {side.value} iliac venous intervention",
        detail=(
            f"Swelling of the {side.value} leg with DVT excluded, other edema causes absent and "
            "a suspected iliac vein compression on that side. CT/MR findings never decide "
            "treatment alone: venography with IVUS measures the diameter stenosis (stenting is "
            "considered only above 61% on a fixed lesion) and the reference diameter for sizing."
            + no_result_note
        ),
        evidence=tuple(dict.fromkeys(evidence)),
        sources=("S2",),
        quote="IVUS finds 30% more ≥ 50% lesions than venography.",
        suggestions=(venography_ivus_for(side),),
        selection="at-most-one",
    )


# ---------------------------------------------------------------- text helpers


def c_side_text(finding: Diagnosis | ImagingStudy) -> str:
    side = compression_side(finding)
    return "side not recorded" if side is Side.UNKNOWN else side.value


def _mass_text(mass: Diagnosis) -> str:
    where = "" if mass.side is Side.UNKNOWN else f" ({mass.side.value})"
    return f"Pelvic/iliac mass{where}"


def swelling_evidence(swellings: tuple[Swelling, ...]) -> list[Evidence]:
    return [evidence_of(f"Swelling of the {leg_name(s.side)}", s) for s in swellings]
