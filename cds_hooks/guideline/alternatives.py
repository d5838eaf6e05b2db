"""Alternative causes of leg edema (heart, kidney, liver, albumin, medication, lymphedema).

NIVL is a diagnosis of exclusion: each cause is `present`, `absent` or `not assessed` exactly as
the catalog defines it, and missing data is never negative data (no albumin result means
hypoalbuminemia is not assessed). The stent pathway (`compression`, `stent_selection`) reads
`assess_alternative_causes` so every module judges the causes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from cds_hooks.guideline.dates import iso_day, within
from cds_hooks.guideline.findings import Concept, Diagnosis, Measure, Measurement, Side
from cds_hooks.guideline.order_codes import LOINC
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    Recommendation,
    ServiceOrder,
)
from cds_hooks.guideline.state import CauseState, DvtStatus, PathwayState
from cds_hooks.guideline.trace import first_unmet, silent

NT_PROBNP_LAB = ServiceOrder(
    label="NT-proBNP (heart failure)",
    codes=(Code(LOINC, "33762-6", "Natriuretic peptide.B prohormone N-Terminal [Mass/volume]"),),
    category="laboratory",
)
CREATININE_LAB = ServiceOrder(
    label="Creatinine with eGFR (renal disease)",
    codes=(Code(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),),
    category="laboratory",
)
ALBUMIN_LAB = ServiceOrder(
    label="Albumin (hypoalbuminemia)",
    codes=(Code(LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"),),
    category="laboratory",
)
BILIRUBIN_LAB = ServiceOrder(
    label="Total bilirubin (liver disease)",
    codes=(Code(LOINC, "1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"),),
    category="laboratory",
)
ALT_LAB = ServiceOrder(
    label="ALT (liver disease)",
    codes=(
        Code(
            LOINC,
            "1742-6",
            "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        ),
    ),
    category="laboratory",
)


@dataclass(frozen=True)
class AlternativeCause:
    key: str  # stable: "heart-failure", "renal-disease"...
    label: str  # for card text: "Heart failure"
    state: CauseState
    evidence: tuple[Evidence, ...] = ()
    how_to_assess: str = ""  # what would assess it, shown when not assessed
    labs: tuple[ServiceOrder, ...] = ()  # suggested when not assessed


def assess_alternative_causes(state: PathwayState) -> tuple[AlternativeCause, ...]:
    """Every alternative edema cause of the catalog with its state, in catalog order."""
    return (
        _heart_failure(state),
        _renal_disease(state),
        _liver_disease(state),
        _hypoalbuminemia(state),
        _edema_medication(state),
        _primary_lymphedema(state),
    )


def causes_in(
    causes: tuple[AlternativeCause, ...], cause_state: CauseState
) -> tuple[AlternativeCause, ...]:
    return tuple(c for c in causes if c.state is cause_state)


def all_causes_absent(state: PathwayState) -> bool:
    """The NIVL prerequisite: every alternative cause assessed and absent."""
    return all(c.state is CauseState.ABSENT for c in assess_alternative_causes(state))


def edema_alternative_causes(state: PathwayState) -> Recommendation | None:
    """`edema-alternative-causes` (S2).

    Catalog: "iliac context, swelling present, swollen leg's DVT status `excluded`, and at least
    one alternative cause `present` or `not assessed`. Lists each cause with its state; silent
    when all are assessed and absent" — warning if a cause is present, info if only unassessed;
    "optional lab ServiceRequests for what is not assessed". S2: NIVL requires "exclusion of
    other edema causes".

    Decision: silent while an iliac venous stent is in place. The catalog: "When a stent is in
    place the NIVL work-up recommendations do not fire"; this card is that work-up (it asks for
    the causes "before venography, IVUS or stenting"), and after stenting it would mislead.
    """
    if not state.iliac_context or not state.swelling_sides:
        return silent(
            "edema-alternative-causes",
            first_unmet(
                ("no iliac context", state.iliac_context),
                ("no current leg swelling", bool(state.swelling_sides)),
            ),
        )
    if state.stent_in_place or state.stents:
        return silent("edema-alternative-causes", "an iliac venous stent is in place")
    excluded_legs = [leg for leg in state.legs if leg.dvt_status is DvtStatus.EXCLUDED]
    if not excluded_legs:
        return silent("edema-alternative-causes", "no swollen leg with DVT excluded")
    causes = assess_alternative_causes(state)
    present = causes_in(causes, CauseState.PRESENT)
    unassessed = causes_in(causes, CauseState.NOT_ASSESSED)
    if not present and not unassessed:
        return silent("edema-alternative-causes", "every alternative cause is assessed and absent")

    if present:
        names = ", ".join(c.label.lower() for c in present)
        summary = f"Leg edema may have another cause ({names}): address it before iliac work-up"
        if len(summary) >= 140:
            summary = "Another cause of leg edema is present: address it before iliac work-up"
        indicator = Indicator.WARNING
    else:
        summary = "Assess other causes of leg edema before attributing it to the iliac veins"
        indicator = Indicator.INFO

    lines = "\n".join(f"- {c.label}: {_state_text(c.state)}" for c in causes)
    sides = " and ".join(
        "side-not-recorded" if leg.side is Side.UNKNOWN else leg.side.value for leg in excluded_legs
    )
    legs = "legs" if len(excluded_legs) > 1 else "leg"
    detail = (
        f"DVT is excluded in the {sides} {legs}. A nonthrombotic iliac vein lesion is a "
        "diagnosis of exclusion: other causes of edema must be assessed and absent before "
        "venography, IVUS or stenting is considered.\n\n" + lines
    )
    evidence: list[Evidence] = []
    for leg in excluded_legs:
        evidence.extend(leg.evidence)
    for cause in causes:
        evidence.extend(cause.evidence)
    labs: list[ServiceOrder] = []
    for cause in unassessed:
        labs.extend(cause.labs)
    return Recommendation(
        id="edema-alternative-causes",
        indicator=indicator,
        summary=summary,
        detail=detail,
        evidence=tuple(dict.fromkeys(evidence)),
        missing=tuple(f"{c.label}: {c.how_to_assess}" for c in unassessed),
        sources=("S2",),
        suggestions=tuple(labs),
        selection="any",
    )


# ---------------------------------------------------------------- one function per cause


def _heart_failure(state: PathwayState) -> AlternativeCause:
    """Catalog: "present: a diagnosis, or NT-proBNP > 300 pg/mL / BNP > 100 pg/mL; assessed: a
    diagnosis or either peptide" (labs within the labs window)."""
    settings = state.settings
    dx = _diagnoses(state, Concept.HEART_FAILURE)
    ntprobnp = _latest_lab(state, Measure.NT_PROBNP)
    bnp = _latest_lab(state, Measure.BNP)
    evidence = [_dx_evidence("Heart failure diagnosis", d) for d in dx]
    high = False
    if ntprobnp is not None:
        high |= ntprobnp.value > settings.nt_probnp_pg_ml
        evidence.append(_lab_evidence("NT-proBNP", ntprobnp, "pg/mL"))
    if bnp is not None:
        high |= bnp.value > settings.bnp_pg_ml
        evidence.append(_lab_evidence("BNP", bnp, "pg/mL"))
    return _cause(
        "heart-failure",
        "Heart failure",
        present=bool(dx) or high,
        assessed=bool(dx) or ntprobnp is not None or bnp is not None,
        evidence=evidence,
        how=f"NT-proBNP or BNP within {settings.labs_days} days, or a diagnosis",
        labs=(NT_PROBNP_LAB,),
    )


def _renal_disease(state: PathwayState) -> AlternativeCause:
    """Catalog: "present: a diagnosis or eGFR < 60; assessed: a diagnosis, eGFR or creatinine"."""
    settings = state.settings
    dx = _diagnoses(state, Concept.RENAL_DISEASE)
    egfr = _latest_lab(state, Measure.EGFR)
    creatinine = _latest_lab(state, Measure.CREATININE)
    evidence = [_dx_evidence("Renal disease diagnosis", d) for d in dx]
    if egfr is not None:
        evidence.append(_lab_evidence("eGFR", egfr, "mL/min/1.73m2"))
    if creatinine is not None:
        evidence.append(_lab_evidence("Creatinine", creatinine, "mg/dL"))
    return _cause(
        "renal-disease",
        "Renal disease",
        present=bool(dx) or (egfr is not None and egfr.value < settings.egfr_ml_min),
        assessed=bool(dx) or egfr is not None or creatinine is not None,
        evidence=evidence,
        how=f"creatinine or eGFR within {settings.labs_days} days, or a diagnosis",
        labs=(CREATININE_LAB,),
    )


def _liver_disease(state: PathwayState) -> AlternativeCause:
    """Catalog: "present: a diagnosis; assessed: a diagnosis, total bilirubin (1975-2) or ALT
    (1742-6)"."""
    dx = _diagnoses(state, Concept.LIVER_DISEASE)
    bilirubin = _latest_lab(state, Measure.BILIRUBIN)
    alt = _latest_lab(state, Measure.ALT)
    evidence = [_dx_evidence("Liver disease diagnosis", d) for d in dx]
    if bilirubin is not None:
        evidence.append(_lab_evidence("Total bilirubin", bilirubin, "mg/dL"))
    if alt is not None:
        evidence.append(_lab_evidence("ALT", alt, "U/L"))
    return _cause(
        "liver-disease",
        "Liver disease",
        present=bool(dx),
        assessed=bool(dx) or bilirubin is not None or alt is not None,
        evidence=evidence,
        how=f"total bilirubin or ALT within {state.settings.labs_days} days, or a diagnosis",
        labs=(BILIRUBIN_LAB, ALT_LAB),
    )


def _hypoalbuminemia(state: PathwayState) -> AlternativeCause:
    """Catalog: "present: albumin < 3.5 g/dL; assessed: an albumin" (input profile: also the
    diagnosis codes E88.09, R77.0)."""
    settings = state.settings
    dx = _diagnoses(state, Concept.HYPOALBUMINEMIA)
    albumin = _latest_lab(state, Measure.ALBUMIN)
    evidence = [_dx_evidence("Hypoalbuminemia diagnosis", d) for d in dx]
    if albumin is not None:
        evidence.append(_lab_evidence("Albumin", albumin, "g/dL"))
    return _cause(
        "hypoalbuminemia",
        "Hypoalbuminemia",
        present=bool(dx) or (albumin is not None and albumin.value < settings.albumin_g_dl),
        assessed=bool(dx) or albumin is not None,
        evidence=evidence,
        how=f"serum albumin within {settings.labs_days} days",
        labs=(ALBUMIN_LAB,),
    )


def _edema_medication(state: PathwayState) -> AlternativeCause:
    """Catalog: "present: one is current; assessed once medications were retrieved (an empty list
    is assessed)"."""
    meds = state.current_edema_medications
    evidence = [
        Evidence(
            f"Current {m.ingredient} (can cause edema)",
            refs=m.source.refs,
            date=iso_day(m.authored),
        )
        for m in meds
    ]
    retrieved = state.record.medications_retrieved or bool(state.record.medications)
    return _cause(
        "edema-medication",
        "Edema-causing medication",
        present=bool(meds),
        assessed=bool(meds) or retrieved,
        evidence=evidence,
        how="the current medication list (calcium-channel blockers, glitazones, gabapentinoids, "
        "NSAIDs, corticosteroids, minoxidil)",
    )


def _primary_lymphedema(state: PathwayState) -> AlternativeCause:
    """Catalog: "Primary lymphedema — present: a diagnosis; otherwise absent"."""
    dx = _diagnoses(state, Concept.PRIMARY_LYMPHEDEMA)
    return _cause(
        "primary-lymphedema",
        "Primary lymphedema",
        present=bool(dx),
        assessed=True,
        evidence=[_dx_evidence("Primary lymphedema diagnosis", d) for d in dx],
    )


# ---------------------------------------------------------------- helpers


def _cause(
    key: str,
    label: str,
    *,
    present: bool,
    assessed: bool,
    evidence: list[Evidence],
    how: str = "",
    labs: tuple[ServiceOrder, ...] = (),
) -> AlternativeCause:
    if present:
        cause_state = CauseState.PRESENT
    elif assessed:
        cause_state = CauseState.ABSENT
    else:
        cause_state = CauseState.NOT_ASSESSED
    return AlternativeCause(key, label, cause_state, tuple(evidence), how, labs)


def _diagnoses(state: PathwayState, concept: Concept) -> list[Diagnosis]:
    # Resolved conditions are history and suspected ones unconfirmed: neither makes a cause present.
    return [
        d for d in state.record.diagnoses if d.concept is concept and d.active and not d.suspected
    ]


def _latest_lab(state: PathwayState, measure: Measure) -> Measurement | None:
    """The newest result of `measure` within the labs window (the newest result wins)."""
    recent = [
        m
        for m in state.record.measurements
        if m.measure is measure and within(m.when, state.as_of, days=state.settings.labs_days)
    ]
    return max(recent, key=lambda m: m.when) if recent else None  # type: ignore[arg-type,return-value]


def _lab_evidence(name: str, m: Measurement, unit: str) -> Evidence:
    caveat = " (preliminary)" if m.preliminary else ""
    return Evidence(f"{name} {m.value:g} {unit}{caveat}", refs=m.source.refs, date=iso_day(m.when))


def _dx_evidence(text: str, d: Diagnosis) -> Evidence:
    return Evidence(text, refs=d.source.refs, date=iso_day(d.when))


def _state_text(cause_state: CauseState) -> str:
    return {
        CauseState.PRESENT: "**present**",
        CauseState.ABSENT: "absent",
        CauseState.NOT_ASSESSED: "not assessed",
    }[cause_state]
