"""DVT treatment stage: anticoagulation, a vena cava filter only when it is contraindicated,
and thrombolysis reserved for limb-threatening DVT with severe hypotension."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from cds_hooks.guideline.clinical_status import HIT_TEXT, cite
from cds_hooks.guideline.dates import age_years, newest, within
from cds_hooks.guideline.findings import Measure, Measurement
from cds_hooks.guideline.order_codes import RXNORM, SNOMED
from cds_hooks.guideline.recommendation import (
    Code,
    Evidence,
    Indicator,
    MedicationOrder,
    Recommendation,
    ServiceOrder,
    name_findings,
)
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.trace import first_unmet, silent

ENOXAPARIN = Code(RXNORM, "67108", "enoxaparin")
SUBCUTANEOUS = Code(SNOMED, "34206005", "Subcutaneous route")
IVC_FILTER_INSERTION = Code(SNOMED, "397913009", "Insertion of vena cava filter")

ENOXAPARIN_MG_PER_KG = 1.0  # S1 "weight-adjusted LMWH twice daily"; label 1 mg/kg
INTERVAL_HOURS = 12
RENAL_INTERVAL_HOURS = 24  # Label: CrCl < 30 mL/min -> 1 mg/kg once daily
# Cockcroft-Gault: CrCl (mL/min) = (140 - age) x weight (kg) / (72 x creatinine mg/dL), x 0.85
# in women. The formula is validated for adults only.
CG_AGE_CONSTANT = 140
CG_CREATININE_FACTOR = 72.0
CG_FEMALE_FACTOR = 0.85
ADULT_AGE_YEARS = 18
HEPARINS = frozenset({"heparin", "enoxaparin", "dalteparin", "tinzaparin"})
THROMBOLYSIS_QUOTE = "Thrombolysis carries a hemorrhage risk of about 8%."


@dataclass(frozen=True)
class RenalFunction:
    """The kidney function used for enoxaparin dosing, and how it was obtained."""

    ml_min: float
    method: str  # "Cockcroft-Gault creatinine clearance" | "eGFR"
    evidence: tuple[Evidence, ...]


def cockcroft_gault(age: int, weight_kg: float, creatinine_mg_dl: float, female: bool) -> float:
    """Creatinine clearance in mL/min (Cockcroft-Gault), x 0.85 for women."""
    clearance = (CG_AGE_CONSTANT - age) * weight_kg / (CG_CREATININE_FACTOR * creatinine_mg_dl)
    return clearance * CG_FEMALE_FACTOR if female else clearance


def renal_function(state: PathwayState) -> RenalFunction | None:
    """Cockcroft-Gault from the newest creatinine, age, weight and sex; if not computable (no
    creatinine, age, weight or a sex other than male/female), the newest eGFR; else None."""
    days = state.settings.labs_days

    def latest(measure: Measure) -> Measurement | None:
        return newest(
            [
                m
                for m in state.record.measurements
                if m.measure is measure and m.value > 0 and within(m.when, state.as_of, days=days)
            ],
            lambda m: m.when,
        )

    patient = state.record.patient
    age = age_years(patient.birth_date, state.as_of.date())
    creatinine = latest(Measure.CREATININE)
    if (
        creatinine is not None
        and state.weight is not None
        and age is not None
        and ADULT_AGE_YEARS <= age < CG_AGE_CONSTANT
        and patient.sex in ("male", "female")
    ):
        crcl = cockcroft_gault(age, state.weight.value, creatinine.value, patient.sex == "female")
        return RenalFunction(
            ml_min=crcl,
            method="Cockcroft-Gault creatinine clearance",
            evidence=(
                cite(f"Creatinine {creatinine.value:g} mg/dL", creatinine.source, creatinine.when),
            ),
        )
    egfr = latest(Measure.EGFR)
    if egfr is not None:
        return RenalFunction(
            ml_min=egfr.value,
            method="eGFR",
            evidence=(cite(f"eGFR {egfr.value:g} mL/min/1.73m2", egfr.source, egfr.when),),
        )
    return None


def enoxaparin_dose_mg(weight_kg: float) -> int:
    """1 mg/kg rounded to the nearest mg (half up: 70.5 kg -> 71 mg)."""
    return math.floor(weight_kg * ENOXAPARIN_MG_PER_KG + 0.5)


def dvt_anticoagulation_lmwh(state: PathwayState) -> Recommendation | None:
    """S1: "weight-adjusted LMWH twice daily"; Label (enoxaparin): 1 mg/kg every 12 hours, once
    daily when creatinine clearance is < 30 mL/min.

    Catalog (`dvt-anticoagulation-lmwh`, critical): "acute DVT (any leg), no therapeutic
    anticoagulation active, anticoagulation not contraindicated". No weight: no MedicationRequest,
    the card asks for one. Heparin contraindicated: no LMWH; a non-heparin anticoagulant is
    needed. Under 18 years no dose is suggested (adult label dosing and Cockcroft-Gault do not
    apply) and the card says pediatric dosing needs pediatric hematology input.
    """
    if not state.acute_dvt or state.therapeutic_anticoagulation:
        return silent(
            "dvt-anticoagulation-lmwh",
            first_unmet(
                ("no acute DVT", state.acute_dvt),
                (
                    "therapeutic anticoagulation is already active",
                    not state.therapeutic_anticoagulation,
                ),
            ),
        )
    if state.anticoagulation_contraindicated:
        return silent("dvt-anticoagulation-lmwh", "anticoagulation is contraindicated")
    evidence = list(state.evidence.get("acute_dvt", ()))
    evidence += [
        cite(f"Current anticoagulant at a prophylactic dose: {m.ingredient}", m.source, m.authored)
        for m in state.current_anticoagulants
    ]
    evidence += state.minor_bleeding
    sources = ["S1"]
    missing: list[str] = []
    suggestions: tuple[MedicationOrder, ...] = ()
    detail = (
        "An acute DVT with no therapeutic anticoagulation on record needs anticoagulation now; "
        "the guidance recommends weight-adjusted low-molecular-weight heparin twice daily."
    )
    if state.minor_bleeding:
        detail += " Minor bleeding is on record: it does not contraindicate anticoagulation."
    if state.current_anticoagulants:
        # Never two anticoagulants at once: the treatment dose replaces the prophylactic order.
        names = ", ".join(sorted({m.ingredient for m in state.current_anticoagulants}))
        detail += (
            f" A prophylactic-dose anticoagulant is active ({names}): stop it when the "
            "treatment dose starts; the new order replaces it, it is not added to it."
        )

    if state.heparin_contraindicated:
        rec = _non_heparin_needed(state, evidence, sources)
        return _for_child(rec, state) if state.under_18 else rec

    if state.under_18:
        summary = (
            "Acute DVT, not anticoagulated, patient under 18: anticoagulate with pediatric "
            "hematology input"
        )
        return _for_child(_lmwh(summary, detail, evidence, missing, sources, suggestions), state)
    if state.weight is None:
        summary = (
            "Acute DVT, not anticoagulated: start enoxaparin 1 mg/kg every 12 h (record weight)"
        )
        missing.append("Body weight within 90 days (needed for the enoxaparin dose)")
        return _lmwh(summary, detail, evidence, missing, sources, suggestions)
    evidence += state.evidence.get("weight", ())

    dose = enoxaparin_dose_mg(state.weight.value)
    interval = INTERVAL_HOURS
    renal = renal_function(state)
    if renal is None:
        missing.append("Renal function (creatinine or eGFR within 90 days) before dosing")
    else:
        evidence += renal.evidence
        if renal.ml_min < state.settings.crcl_renal_dose_ml_min:
            interval = RENAL_INTERVAL_HOURS
            sources.append("Label")
            detail += (
                # Rounded down: 29.9 shown as "30 mL/min (< 30)" would read as a contradiction.
                f" {renal.method} is {math.floor(renal.ml_min)} mL/min (< "
                f"{state.settings.crcl_renal_dose_ml_min:g}): the enoxaparin label reduces the "
                "dose to 1 mg/kg once every 24 hours."
            )
    every = "every 12 h" if interval == INTERVAL_HOURS else "once daily (renal dose)"
    summary = f"Acute DVT, not anticoagulated: start enoxaparin {dose} mg SC {every}"
    suggestions = (
        MedicationOrder(
            label=f"Enoxaparin {dose} mg subcutaneously every {interval} hours",
            medication=ENOXAPARIN,
            dose_mg=float(dose),
            interval_hours=interval,
            route=SUBCUTANEOUS,
            note=f"1 mg/kg for {round(state.weight.value, 1):g} kg",
        ),
    )
    return _lmwh(summary, detail, evidence, missing, sources, suggestions)


def _lmwh(
    summary: str,
    detail: str,
    evidence: list[Evidence],
    missing: list[str],
    sources: list[str],
    suggestions: tuple[MedicationOrder, ...],
) -> Recommendation:
    return Recommendation(
        id="dvt-anticoagulation-lmwh",
        indicator=Indicator.CRITICAL,
        summary=summary,
        detail=detail,
        evidence=tuple(evidence),
        missing=tuple(missing),
        sources=tuple(sources),
        suggestions=suggestions,
    )


def anticoagulation_contraindicated_ivc_filter(state: PathwayState) -> Recommendation | None:
    """S1: "vena cava filter only when anticoagulation is contraindicated".

    Catalog (`anticoagulation-contraindicated-ivc-filter`, critical): "acute **proximal** DVT and
    anticoagulation contraindicated"; "Does not fire for distal DVT (no filter is suggested for
    calf-vein DVT)". A DVT whose level is not stated is not treated as proximal.
    """
    if not (state.acute_proximal_dvt and state.anticoagulation_contraindicated):
        return silent(
            "anticoagulation-contraindicated-ivc-filter",
            first_unmet(
                ("no acute proximal DVT", state.acute_proximal_dvt),
                ("anticoagulation is not contraindicated", state.anticoagulation_contraindicated),
            ),
        )
    detail = (
        "Anticoagulation cannot be given, and a proximal DVT can embolize. The guidance "
        "reserves a vena cava filter for exactly this situation; plan anticoagulation (and "
        "filter retrieval) once the contraindication resolves. Anticoagulation is "
        f"contraindicated by: {name_findings(state.contraindications)}."
    )
    hit = tuple(
        e for e in state.evidence.get("heparin_contraindicated", ()) if e.text.startswith(HIT_TEXT)
    )
    if hit and any(e.text.startswith("Platelets") for e in state.contraindications):
        # Low platelets with HIT on record: HIT is prothrombotic and is treated with a
        # non-heparin anticoagulant despite thrombocytopenia; a specialist must weigh that
        # before a filter (the catalog's rule still applies, so the card stays).
        detail += (
            " Heparin-induced thrombocytopenia is on record: if the low platelet count is due "
            "to HIT, a non-heparin anticoagulant is usually indicated rather than a filter; "
            "confirm with hematology."
        )
    return Recommendation(
        id="anticoagulation-contraindicated-ivc-filter",
        indicator=Indicator.CRITICAL,
        summary="Acute proximal DVT and anticoagulation contraindicated: consider an IVC filter",
        detail=detail,
        evidence=state.evidence.get("acute_dvt", ()) + state.contraindications + hit,
        sources=("S1",),
        suggestions=(
            ServiceOrder(
                label="Inferior vena cava filter insertion",
                codes=(IVC_FILTER_INSERTION,),
                category="procedure",
            ),
        ),
    )


def thrombolysis_consider(state: PathwayState) -> Recommendation | None:
    """S1: "thrombolysis reserved, hemorrhage risk about 8%". The firing condition is this
    service's rule, taken from the seed ("limb-threatening ischemia with severe hypotension"),
    not the guideline's own wording.

    Catalog v2.2 (`thrombolysis-consider`, critical): "acute DVT **and** limb-threatening
    ischemia **and** severe hypotension **and** thrombolysis not contraindicated (which includes
    anticoagulation contraindicated). States the ~8% hemorrhage risk and urgent
    vascular/interventional input"; cross-cutting: thrombolysis is "never [recommended] with
    thrombolysis contraindicated" (ESC 2019 absolute contraindications, `thrombolysis_status`).
    """
    if not (
        state.acute_dvt
        and state.limb_threatening_ischemia
        and state.severe_hypotension
        and not state.anticoagulation_contraindicated
        and not state.thrombolysis_contraindicated
    ):
        return silent(
            "thrombolysis-consider",
            first_unmet(
                ("no acute DVT", state.acute_dvt),
                ("no limb-threatening ischemia", state.limb_threatening_ischemia),
                ("no severe hypotension or shock", state.severe_hypotension),
                ("anticoagulation is contraindicated", not state.anticoagulation_contraindicated),
                ("thrombolysis is contraindicated", not state.thrombolysis_contraindicated),
            ),
        )
    return Recommendation(
        id="thrombolysis-consider",
        indicator=Indicator.CRITICAL,
        summary="Acute DVT with limb-threatening ischemia and severe hypotension: urgent "
        "vascular/interventional review for thrombolysis",
        detail=(
            "The guidance reserves thrombolysis for selected patients. This service flags "
            "acute DVT with limb-threatening ischemia and severe hypotension for "
            "consideration (a rule of this service, not the guideline's wording). "
            "Thrombolysis carries a hemorrhage risk of about 8%: the decision needs urgent "
            "vascular or interventional input."
        ),
        evidence=state.evidence.get("acute_dvt", ())
        + state.evidence.get("limb_ischemia", ())
        + state.evidence.get("severe_hypotension", ()),
        sources=("S1",),
        quote=THROMBOLYSIS_QUOTE,
    )


def _for_child(rec: Recommendation, state: PathwayState) -> Recommendation:
    """Catalog: "Under 18 -> no MedicationRequest: the card says pediatric dosing needs
    pediatric hematology input" (the seed and the Label dose adults), with or without a weight
    on record, and whatever else the card says (heparin contraindicated too)."""
    note = (
        f" The patient is under 18 ({state.age_years} years): the adult enoxaparin dose "
        "(1 mg/kg every 12 hours) and the Cockcroft-Gault renal adjustment do not apply, so no "
        "dose is suggested. Pediatric anticoagulant dosing needs pediatric hematology input."
    )
    shown = state.evidence.get("age", ()) + state.evidence.get("weight", ())
    return replace(
        rec,
        detail=rec.detail + note,
        evidence=rec.evidence + tuple(e for e in shown if e not in rec.evidence),
        missing=(*rec.missing, "Pediatric hematology input on the anticoagulant and its dose"),
        suggestions=(),
    )


def _non_heparin_needed(
    state: PathwayState, evidence: list[Evidence], sources: list[str]
) -> Recommendation:
    """Catalog: "Heparin contraindicated -> no LMWH suggestion; the card says a non-heparin
    anticoagulant is needed and names the HIT or allergy" (ASH 2018: a non-heparin
    anticoagulant after heparin-induced thrombocytopenia, whenever it occurred)."""
    found = state.evidence.get("heparin_contraindicated", ())
    hit = any(e.text.startswith(HIT_TEXT) for e in found)
    detail = (
        "An acute DVT with no therapeutic anticoagulation on record needs anticoagulation now. "
        f"Heparin is contraindicated: {name_findings(found)}. No heparin or low-molecular-"
        "weight heparin is suggested: a non-heparin anticoagulant is needed (for example "
        "argatroban, bivalirudin, fondaparinux or a direct oral anticoagulant), chosen with "
        "hematology input."
    )
    if hit:
        sources = [*sources, "ASH2018"]
        detail += (
            " After heparin-induced thrombocytopenia, however long ago, VTE is treated with a "
            "non-heparin anticoagulant (ASH 2018)."
        )
    heparins = sorted({m.ingredient for m in state.current_anticoagulants} & HEPARINS)
    if heparins:
        detail += f" The active {', '.join(heparins)} order is a heparin: stop it."
    if state.minor_bleeding:
        detail += " Minor bleeding is on record: it does not contraindicate anticoagulation."
    summary = (
        "Acute DVT, not anticoagulated; heparin contraindicated"
        + (" (HIT)" if hit else " (allergy)")
        + ": a non-heparin anticoagulant is needed"
    )
    return _lmwh(summary, detail, [*evidence, *found], [], sources, ())
