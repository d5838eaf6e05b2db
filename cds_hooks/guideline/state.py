"""Pathway state: the catalog's "Pathway state the recommendations depend on", derived once per
call from the findings, so that every rule module reads the same facts.

INTERFACE FIRST: the dataclasses below are the contract between the rule modules. `derive_state`
is implemented by the DVT-stage engineer; the NIVL/stent engineer reads the fields. Fields may be
added (with defaults); none may be renamed or removed without updating every rule module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from cds_hooks.guideline.dates import iso_day, newest, on_or_after, within
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    DopplerWaveform,
    DrugClass,
    EdemaImpact,
    IliacStent,
    ImagingStudy,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    Measure,
    Measurement,
    Medication,
    Modality,
    PatientRecord,
    ReferenceDiameter,
    Result,
    Side,
    Source,
    Swelling,
    VeinLevel,
    Waveform,
)
from cds_hooks.guideline.medication_status import is_current, is_therapeutic_anticoagulant
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.settings import GuidelineSettings


class DvtStatus(StrEnum):
    CONFIRMED = "confirmed"  # acute DVT in that leg or the iliac veins
    EXCLUDED = "excluded"  # negative complete duplex (+ CT/MR venography when triggered)
    NOT_EXCLUDED = "not-excluded"


class CauseState(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSED = "not-assessed"


@dataclass(frozen=True)
class LegState:
    """One leg that currently has swelling: LEFT or RIGHT, or UNKNOWN when no current swelling
    record names a side (an unknown side is never merged into a lateralized leg)."""

    side: Side
    swellings: tuple[Swelling, ...]  # current present swelling records for this side
    onset: datetime | None  # earliest swelling date of this side (onset, else recorded)
    new: bool  # onset within settings.new_swelling_days
    whole_leg: bool  # whole-leg swelling per the catalog's rules (extent unknown + iliac cue)
    dvt_status: DvtStatus
    acute_dvt: bool  # acute DVT in this leg (or iliac veins on this side/unknown side)
    complete_duplex_since_onset: ImagingStudy | None  # newest complete duplex on/after onset
    negative_duplex_30d: ImagingStudy | None  # newest negative duplex (any extent) in window
    pelvic_imaging_trigger: bool  # whole-leg swelling persists or CFV non-phasic within window
    venography_since: ImagingStudy | None  # CT/MR venography after the duplex, in window
    evidence: tuple[Evidence, ...] = ()
    # Added: what raised the pelvic-imaging trigger, for the card's evidence
    cfv_non_phasic: DopplerWaveform | ImagingStudy | None = None  # newest CFV finding, in window
    complete_negative_duplex_since_onset: ImagingStudy | None = None  # the excluding duplex


@dataclass(frozen=True)
class PathwayState:
    record: PatientRecord
    as_of: datetime
    settings: GuidelineSettings

    # Relevance gate
    iliac_context: bool = False  # mass, iliac vein compression, iliac stent or acute DVT
    swelling_sides: frozenset[Side] = frozenset()  # LEFT/RIGHT/UNKNOWN with current swelling
    bilateral_swelling: bool = False
    swelling_absent_documented: bool = False  # a negative exam and no current swelling
    in_scope: bool = False  # the patient-view relevance gate passes (and patient not deceased)
    legs: tuple[LegState, ...] = ()  # one per leg with current swelling (see LegState)

    # DVT
    acute_dvts: tuple[Diagnosis | ImagingStudy, ...] = ()  # patient level, any leg
    acute_dvt: bool = False
    acute_proximal_dvt: bool = False
    acute_dvt_sides: frozenset[Side] = frozenset()  # LEFT/RIGHT/UNKNOWN (bilateral -> both)
    prior_vte: bool = False
    # Added: an acute DVT whose level (proximal/distal) is not stated; filter rules stay silent
    acute_dvt_level_unknown: bool = False

    # Anticoagulation
    anticoagulation_contraindicated: bool = False
    contraindications: tuple[Evidence, ...] = ()  # major bleeding, platelets < 50...
    minor_bleeding: tuple[Evidence, ...] = ()  # noted, not a contraindication
    heparin_contraindicated: bool = False  # HIT within 12 months or heparin/LMWH allergy
    therapeutic_anticoagulation: bool = False
    current_anticoagulants: tuple[Medication, ...] = ()
    current_antiplatelets: tuple[Medication, ...] = ()
    current_edema_medications: tuple[Medication, ...] = ()
    weight: Measurement | None = None  # newest plausible weight within labs window (kg)

    # Severity
    severe_hypotension: bool = False
    limb_threatening_ischemia: bool = False
    pregnant: bool = False

    # Iliac anatomy and masses
    masses: tuple[Diagnosis, ...] = ()  # current pelvic/iliac masses (incl. lymphadenopathy)
    compression: tuple[Diagnosis | ImagingStudy, ...] = ()  # iliac vein compression findings
    compression_sides: frozenset[Side] = frozenset()
    mass_natures: tuple[MassCharacterization, ...] = ()
    extrinsic_cause_characterized: bool = False

    # IVUS and lesion (newest first)
    ivus: tuple[IvusStenosis, ...] = ()
    ivus_done: bool = False  # an IVUS result or an ImagingStudy with modality IVUS
    reference_diameters: tuple[ReferenceDiameter, ...] = ()
    lesion_behaviors: tuple[LesionBehavior, ...] = ()
    impacts: tuple[EdemaImpact, ...] = ()
    scrotal_edema: bool = False

    # Stents
    stents: tuple[IliacStent, ...] = ()
    stent_in_place: bool = False

    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)


F = TypeVar("F")
LATERAL = (Side.LEFT, Side.RIGHT)
VENOUS_IMAGING_FOR_DVT = (Modality.DUPLEX, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY)
PELVIC_VENOGRAPHY = (Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY)
# Words in a DVT's site text that place it at or above the popliteal vein (catalog: proximal).
PROXIMAL_SITE_WORDS = ("iliac", "femoral", "popliteal", "pelvic", "vena cava")
DISTAL_SITE_WORDS = ("calf", "tibial", "peroneal", "soleal", "gastrocnemius")
PREGNANT = 1.0
RESULT_TEXT = {
    Result.POSITIVE: "DVT found",
    Result.NEGATIVE: "no DVT",
    Result.UNKNOWN: "result not stated",
}
MODALITY_TEXT = {
    Modality.DUPLEX: "venous duplex",
    Modality.CT_VENOGRAPHY: "CT venography",
    Modality.MR_VENOGRAPHY: "MR venography",
    Modality.CONTRAST_CT_MRI: "contrast CT/MRI",
    Modality.VENOGRAPHY_IVUS: "venography/IVUS",
}  # Measure.PREGNANCY_STATUS value meaning pregnant


def cite(text: str, source: Source, when: datetime | None) -> Evidence:
    """Evidence for a card: the finding's FHIR references and the day it is dated."""
    return Evidence(text=text, refs=source.refs, date=iso_day(when))


def sides_of(side: Side) -> frozenset[Side]:
    """A bilateral finding concerns both legs; UNKNOWN stays unknown (never left or right)."""
    return frozenset(LATERAL) if side is Side.BILATERAL else frozenset({side})


def covers(finding_side: Side, leg_side: Side) -> bool:
    """A lateralized finding covers its own leg; bilateral covers both; unknown covers none."""
    if finding_side is Side.UNKNOWN:
        return False
    return finding_side is Side.BILATERAL or finding_side is leg_side


def derive_state(
    record: PatientRecord, *, as_of: datetime, settings: GuidelineSettings
) -> PathwayState:
    """Derive the pathway state from the findings at `as_of` (pure)."""
    evidence: dict[str, tuple[Evidence, ...]] = {}

    acute = _acute_dvts(record, as_of, settings)
    acute_sides = frozenset().union(*(sides_of(f.side) for f in acute)) if acute else frozenset()
    levels = [_level(f) for f in acute]
    evidence["acute_dvt"] = tuple(_cite_dvt(f) for f in acute)

    masses = tuple(d for d in record.diagnoses if d.concept is Concept.PELVIC_MASS and _current(d))
    compression: tuple[Diagnosis | ImagingStudy, ...] = tuple(
        d for d in record.diagnoses if d.concept is Concept.ILIAC_COMPRESSION and _current(d)
    ) + tuple(i for i in record.imaging if i.compression_side is not None)
    compression_sides = (
        frozenset().union(*(sides_of(_compression_side(c)) for c in compression))
        if compression
        else frozenset()
    )
    mass_sides = frozenset().union(*(sides_of(m.side) for m in masses)) if masses else frozenset()
    natures = tuple(m for m in record.masses if m.active)
    stents = tuple(record.stents)
    evidence["masses"] = tuple(
        cite(f"Pelvic/iliac mass ({m.side})", m.source, m.when) for m in masses
    )
    evidence["compression"] = tuple(
        cite(f"Iliac vein compression ({_compression_side(c)})", c.source, c.when)
        for c in compression
    )
    evidence["stents"] = tuple(
        cite(f"Iliac venous stent ({s.side})", s.source, s.placed) for s in stents
    )

    iliac_context = bool(masses or compression or stents or acute)

    current = _current_swellings(record)
    lateral = {side for sw in current for side in sides_of(sw.side)} - {Side.UNKNOWN}
    swelling_sides = frozenset(
        lateral | ({Side.UNKNOWN} if any(sw.side is Side.UNKNOWN for sw in current) else set())
    )
    bilateral = lateral == set(LATERAL)
    absent_documented = not current and any(not sw.present for sw in record.swellings)

    weight = _weight(record, as_of, settings)
    weight_kg = weight.value if weight else None

    meds = [m for m in record.medications if is_current(m, as_of, settings)]
    anticoagulants = tuple(m for m in meds if m.drug_class is DrugClass.ANTICOAGULANT)
    therapeutic = tuple(m for m in anticoagulants if is_therapeutic_anticoagulant(m, weight_kg))
    evidence["therapeutic_anticoagulation"] = tuple(
        cite(f"Current anticoagulant: {m.ingredient}", m.source, m.authored) for m in therapeutic
    )

    contraindications = _contraindications(record, as_of, settings)
    heparin = _heparin_contraindications(record, as_of, settings)
    evidence["contraindications"] = contraindications
    evidence["heparin_contraindicated"] = heparin

    hypotension = _severe_hypotension(record, as_of, settings)
    ischemia = _limb_ischemia(record, as_of, settings, acute_sides)
    pregnancy = _pregnancy(record, as_of, settings)
    evidence["severe_hypotension"] = hypotension
    evidence["limb_ischemia"] = ischemia
    evidence["pregnancy"] = pregnancy
    if weight is not None:
        evidence["weight"] = (cite(f"Weight {weight.value:g} kg", weight.source, weight.when),)

    state = PathwayState(
        record=record,
        as_of=as_of,
        settings=settings,
        iliac_context=iliac_context,
        swelling_sides=swelling_sides,
        bilateral_swelling=bilateral,
        swelling_absent_documented=absent_documented,
        acute_dvts=acute,
        acute_dvt=bool(acute),
        acute_proximal_dvt=VeinLevel.PROXIMAL in levels,
        acute_dvt_sides=acute_sides,
        acute_dvt_level_unknown=VeinLevel.UNKNOWN in levels,
        prior_vte=_prior_vte(record),
        anticoagulation_contraindicated=bool(contraindications),
        contraindications=contraindications,
        minor_bleeding=tuple(
            cite("Minor bleeding (not a contraindication)", d.source, d.when)
            for d in record.diagnoses
            if d.concept is Concept.MINOR_BLEEDING and _current(d)
        ),
        heparin_contraindicated=bool(heparin),
        therapeutic_anticoagulation=bool(therapeutic),
        current_anticoagulants=anticoagulants,
        current_antiplatelets=tuple(m for m in meds if m.drug_class is DrugClass.ANTIPLATELET),
        current_edema_medications=tuple(m for m in meds if m.drug_class is DrugClass.EDEMA_CAUSING),
        weight=weight,
        severe_hypotension=bool(hypotension),
        limb_threatening_ischemia=bool(ischemia),
        pregnant=bool(pregnancy),
        masses=masses,
        compression=compression,
        compression_sides=compression_sides,
        mass_natures=natures,
        extrinsic_cause_characterized=bool(natures),
        ivus=_newest_first(record.ivus_stenoses, lambda f: f.when),
        ivus_done=bool(record.ivus_stenoses)
        or any(i.modality is Modality.VENOGRAPHY_IVUS for i in record.imaging),
        reference_diameters=_newest_first(record.reference_diameters, lambda f: f.when),
        lesion_behaviors=_newest_first(record.lesion_behaviors, lambda f: f.when),
        impacts=_newest_first(record.impacts, lambda f: f.when),
        scrotal_edema=any(
            d.concept is Concept.SCROTAL_EDEMA and _current(d) for d in record.diagnoses
        ),
        stents=stents,
        stent_in_place=bool(stents),
        evidence=evidence,
    )
    legs = tuple(
        _leg(side, current, state, mass_sides | compression_sides)
        for side in _leg_sides(swelling_sides)
    )
    state = replace(state, legs=legs)
    # Imported here: the gate reads the state, the state records the gate's verdict.
    from cds_hooks.guideline.gate import patient_view_in_scope

    return replace(state, in_scope=patient_view_in_scope(state))


# ---------------------------------------------------------------- helpers


def _current(d: Diagnosis) -> bool:
    """Active and not merely suspected (refuted records never reach the guideline)."""
    return d.active and not d.suspected


def _newest_first(items: tuple[F, ...], key: Callable[[F], datetime | None]) -> tuple[F, ...]:
    """Newest first; undated findings last (stable among equals)."""

    def sort_key(f: F) -> float:
        when = key(f)
        return when.timestamp() if when is not None else float("-inf")

    return tuple(sorted(items, key=sort_key, reverse=True))


def _compression_side(c: Diagnosis | ImagingStudy) -> Side:
    if isinstance(c, ImagingStudy):
        return c.compression_side or Side.UNKNOWN
    return c.side


def _acute_dvts(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Diagnosis | ImagingStudy, ...]:
    """Catalog: an acute DVT "not suspected, with onset, recorded date or the positive imaging
    within 30 days; or a positive duplex / CT / MR venography within 30 days. Older or resolved
    DVT = prior VTE only." The onset wins over the recorded date when both exist (a DVT that
    began two months ago and was charted today is not acute)."""
    days = settings.acute_dvt_days
    diagnoses = tuple(
        d
        for d in record.diagnoses
        if d.concept is Concept.DVT and _current(d) and within(d.when, as_of, days=days)
    )
    imaging = tuple(
        i
        for i in record.imaging
        if i.modality in VENOUS_IMAGING_FOR_DVT
        and i.result is Result.POSITIVE
        and within(i.when, as_of, days=days)
    )
    return diagnoses + imaging


def _level(f: Diagnosis | ImagingStudy) -> VeinLevel:
    """Proximal = popliteal or above. A positive pelvic CT/MR venography images the iliac veins."""
    if isinstance(f, ImagingStudy):
        return VeinLevel.PROXIMAL if f.modality in PELVIC_VENOGRAPHY else VeinLevel.UNKNOWN
    if f.level is not VeinLevel.UNKNOWN:
        return f.level
    site = f.site_text.lower()
    if any(word in site for word in PROXIMAL_SITE_WORDS):
        return VeinLevel.PROXIMAL
    if any(word in site for word in DISTAL_SITE_WORDS):
        return VeinLevel.DISTAL
    return VeinLevel.UNKNOWN


def _is_iliac(f: Diagnosis | ImagingStudy) -> bool:
    if isinstance(f, ImagingStudy):
        return f.modality in PELVIC_VENOGRAPHY
    return "iliac" in f.site_text.lower()


def _cite_dvt(f: Diagnosis | ImagingStudy) -> Evidence:
    if isinstance(f, ImagingStudy):
        caveat = " (preliminary)" if f.preliminary else ""
        text = f"Positive {MODALITY_TEXT[f.modality]} for DVT ({f.side}){caveat}"
        return cite(text, f.source, f.when)
    return cite(f"Acute DVT, {_level(f)} ({f.side})", f.source, f.when)


def _prior_vte(record: PatientRecord) -> bool:
    """Catalog: "any DVT or PE, active, old or resolved, or a history code"."""
    vte = (Concept.DVT, Concept.PULMONARY_EMBOLISM, Concept.VTE_HISTORY, Concept.CHRONIC_DVT)
    return any(d.concept in vte and not d.suspected for d in record.diagnoses) or any(
        i.modality in VENOUS_IMAGING_FOR_DVT and i.result is Result.POSITIVE for i in record.imaging
    )


def _current_swellings(record: PatientRecord) -> tuple[Swelling, ...]:
    """Present, active swelling records not followed by a documented negative exam of that leg.

    A negative exam ("no leg swelling") of unknown side answers for both legs; one of a side
    answers for that side (bilateral for both). Same-day records: the swelling stays current.
    """
    negatives = [sw for sw in record.swellings if not sw.present and sw.when is not None]

    def cancelled(sw: Swelling) -> bool:
        for neg in negatives:
            if sw.when is not None and neg.when.date() <= sw.when.date():  # type: ignore[union-attr]
                continue
            if neg.side is Side.UNKNOWN or neg.side is Side.BILATERAL:
                return True
            if sides_of(sw.side) <= {neg.side}:
                return True
        return False

    return tuple(sw for sw in record.swellings if sw.present and sw.active and not cancelled(sw))


def _leg_sides(swelling_sides: frozenset[Side]) -> tuple[Side, ...]:
    lateral = tuple(side for side in LATERAL if side in swelling_sides)
    if lateral:
        return lateral
    return (Side.UNKNOWN,) if Side.UNKNOWN in swelling_sides else ()


def _leg(
    side: Side, current: tuple[Swelling, ...], state: PathwayState, cue_sides: frozenset[Side]
) -> LegState:
    settings, as_of, record = state.settings, state.as_of, state.record
    days = settings.duplex_days
    if side is Side.UNKNOWN:
        swellings = tuple(sw for sw in current if sw.side is Side.UNKNOWN)
    else:
        swellings = tuple(sw for sw in current if covers(sw.side, side))
    onset = min((sw.when for sw in swellings if sw.when is not None), default=None)
    new = within(onset, as_of, days=settings.new_swelling_days)
    whole_leg = (
        any(
            sw.extent == "whole-leg" or (sw.extent == "unknown" and side in cue_sides)
            for sw in swellings
        )
        if side is not Side.UNKNOWN
        else any(sw.extent == "whole-leg" for sw in swellings)
    )

    # A swelling of unknown side is not put on either leg, but with an acute DVT on record it is
    # not "DVT not excluded" either: asking for a duplex of a patient already diagnosed would be
    # a card we cannot justify.
    acute_here = tuple(
        f
        for f in state.acute_dvts
        if side is Side.UNKNOWN or covers(f.side, side) or (f.side is Side.UNKNOWN and _is_iliac(f))
    )

    def of_leg(study: ImagingStudy) -> bool:
        # For a swelling of unknown side only a bilateral study is known to cover it.
        return study.side is Side.BILATERAL if side is Side.UNKNOWN else covers(study.side, side)

    def since_onset(study: ImagingStudy) -> bool:
        # Input profile: "a duplex counts for the current swelling if dated on or after the
        # swelling's onset (without an onset date: within 30 days)".
        if onset is None:
            return within(study.when, as_of, days=days)
        return on_or_after(study.when, onset)

    duplexes = [i for i in record.imaging if i.modality is Modality.DUPLEX and of_leg(i)]
    complete_since = newest(
        [d for d in duplexes if d.complete and since_onset(d)], lambda d: d.when
    )
    complete_negative = newest(
        [
            d
            for d in duplexes
            if d.complete
            and d.result is Result.NEGATIVE
            and since_onset(d)
            and within(d.when, as_of, days=days)
        ],
        lambda d: d.when,
    )
    negative_any = newest(
        [d for d in duplexes if d.result is Result.NEGATIVE and within(d.when, as_of, days=days)],
        lambda d: d.when,
    )
    cfv = _cfv_finding(side, record, as_of, days)
    cfv_non_phasic = cfv if cfv is not None and _waveform(cfv) is Waveform.NON_PHASIC else None
    trigger_dates = [d.when for d in (negative_any,) if d is not None and whole_leg]
    if cfv_non_phasic is not None:
        trigger_dates.append(cfv_non_phasic.when)
    trigger = bool(trigger_dates)
    venography = None
    if trigger:
        since = max(t for t in trigger_dates if t is not None)
        venography = newest(
            [
                i
                for i in record.imaging
                if i.modality in PELVIC_VENOGRAPHY
                and not _opposite(i.side, side)
                and on_or_after(i.when, since)
                and within(i.when, as_of, days=days)
            ],
            lambda i: i.when,
        )

    if acute_here:
        status = DvtStatus.CONFIRMED
    elif complete_negative is not None and (
        not trigger or (venography is not None and venography.result is Result.NEGATIVE)
    ):
        status = DvtStatus.EXCLUDED
    else:
        status = DvtStatus.NOT_EXCLUDED

    evidence = tuple(
        cite(
            f"{'Whole-leg' if sw.extent == 'whole-leg' else 'Leg'} swelling ({sw.side})",
            sw.source,
            sw.when,
        )
        for sw in swellings
    )
    for study, label in (
        (complete_since if complete_since is not complete_negative else None, "Complete duplex"),
        (complete_negative, "Complete venous duplex"),
        (negative_any if negative_any is not complete_negative else None, "Venous duplex"),
        (venography, "Pelvic venography"),
    ):
        if study is not None:
            text = f"{label} ({study.side}): {RESULT_TEXT[study.result]}"
            evidence += (cite(text, study.source, study.when),)
    if cfv_non_phasic is not None:
        evidence += (
            cite(
                "Common femoral vein Doppler non-phasic", cfv_non_phasic.source, cfv_non_phasic.when
            ),
        )
    evidence += tuple(_cite_dvt(f) for f in acute_here)

    return LegState(
        side=side,
        swellings=swellings,
        onset=onset,
        new=new,
        whole_leg=whole_leg,
        dvt_status=status,
        acute_dvt=bool(acute_here),
        complete_duplex_since_onset=complete_since,
        negative_duplex_30d=negative_any,
        pelvic_imaging_trigger=trigger,
        venography_since=venography,
        evidence=evidence,
        cfv_non_phasic=cfv_non_phasic,
        complete_negative_duplex_since_onset=complete_negative,
    )


def _opposite(study_side: Side, leg_side: Side) -> bool:
    """Pelvic venography images both iliac systems; only a study limited to the other leg
    does not count."""
    return leg_side in LATERAL and study_side in LATERAL and study_side is not leg_side


def _waveform(f: DopplerWaveform | ImagingStudy) -> Waveform | None:
    return f.cfv_waveform if isinstance(f, ImagingStudy) else f.waveform


def _cfv_finding(
    side: Side, record: PatientRecord, as_of: datetime, days: int
) -> DopplerWaveform | ImagingStudy | None:
    """The newest CFV waveform statement for this leg within the window (a later phasic reading
    supersedes an earlier non-phasic one)."""

    def of_leg(s: Side) -> bool:
        return s is Side.BILATERAL if side is Side.UNKNOWN else covers(s, side)

    findings: list[DopplerWaveform | ImagingStudy] = [
        w for w in record.waveforms if of_leg(w.side) and within(w.when, as_of, days=days)
    ]
    findings += [
        i
        for i in record.imaging
        if i.modality is Modality.DUPLEX
        and i.cfv_waveform is not None
        and of_leg(i.side)
        and within(i.when, as_of, days=days)
    ]
    return newest(findings, lambda f: f.when)


def _weight(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> Measurement | None:
    """Newest plausible weight (kg) within the labs window; implausible values are ignored."""
    return newest(
        [
            m
            for m in record.measurements
            if m.measure is Measure.WEIGHT
            and settings.weight_min_kg <= m.value <= settings.weight_max_kg
            and within(m.when, as_of, days=settings.labs_days)
        ],
        lambda m: m.when,
    )


def _contraindications(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog: "major bleeding active within 30 days [...], or platelets < 50 x10^9/L on the
    latest count within 7 days". An active major bleed with no date at all is kept: suggesting
    anticoagulation to a patient who may be bleeding is the worse error."""
    found = [
        cite("Major bleeding (active)", d.source, d.when)
        for d in record.diagnoses
        if d.concept is Concept.MAJOR_BLEEDING
        and _current(d)
        and (d.when is None or within(d.when, as_of, days=settings.major_bleeding_days))
    ]
    latest = newest(
        [
            m
            for m in record.measurements
            if m.measure is Measure.PLATELETS
            and within(m.when, as_of, days=settings.platelets_days)
        ],
        lambda m: m.when,
    )
    if latest is not None and latest.value < settings.platelets_min_e9_per_l:
        found.append(cite(f"Platelets {latest.value:g} x10^9/L", latest.source, latest.when))
    return tuple(found)


def _heparin_contraindications(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog: "heparin-induced thrombocytopenia (D75.82x) active or recorded within 12 months,
    or an active, non-refuted AllergyIntolerance to heparin or any LMWH"."""
    found = []
    for d in record.diagnoses:
        if d.concept is Concept.HIT and (
            d.active or within(d.when, as_of, months=settings.hit_months)
        ):
            found.append(cite("Heparin-induced thrombocytopenia", d.source, d.when))
        elif d.concept is Concept.HEPARIN_ALLERGY and d.active:
            found.append(cite("Allergy to heparin/LMWH", d.source, d.when))
    return tuple(found)


def _severe_hypotension(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog: "systolic < 90 mm[Hg] on a reading within 24 h, or shock recorded within 72 h
    or whose encounter is the hook's context.encounterId"."""
    found = [
        cite(f"Systolic BP {m.value:g} mm[Hg]", m.source, m.when)
        for m in record.measurements
        if m.measure is Measure.SYSTOLIC_BP
        and m.value < settings.systolic_severe_mmhg
        and within(m.when, as_of, hours=settings.systolic_hours)
    ]
    found += [
        cite("Shock", d.source, d.when)
        for d in record.diagnoses
        if d.concept is Concept.SHOCK
        and _current(d)
        and (
            within(d.when, as_of, hours=settings.shock_hours)
            or (record.encounter is not None and d.encounter == record.encounter)
        )
    ]
    return tuple(found)


def _limb_ischemia(
    record: PatientRecord,
    as_of: datetime,
    settings: GuidelineSettings,
    dvt_sides: frozenset[Side],
) -> tuple[Evidence, ...]:
    """Catalog: phlegmasia, acute lower-limb ischemia or venous gangrene "recorded within 72 h,
    on the DVT's side or side unknown". A DVT of unknown side cannot rule a side out."""
    found = []
    for d in record.diagnoses:
        if not (
            d.concept is Concept.LIMB_ISCHEMIA
            and _current(d)
            and within(d.when, as_of, hours=settings.limb_ischemia_hours)
        ):
            continue
        sides = sides_of(d.side)
        if Side.UNKNOWN in sides or not dvt_sides or Side.UNKNOWN in dvt_sides or sides & dvt_sides:
            found.append(cite(f"Limb-threatening ischemia ({d.side})", d.source, d.when))
    return tuple(found)


def _pregnancy(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog: "a pregnancy status Observation = pregnant within 30 days, or an active
    pregnancy Condition recorded within 10 months". A newer "not pregnant" status overrides an
    older Condition."""
    status = newest(
        [
            m
            for m in record.measurements
            if m.measure is Measure.PREGNANCY_STATUS
            and within(m.when, as_of, days=settings.pregnancy_status_days)
        ],
        lambda m: m.when,
    )
    found = []
    if status is not None and status.value == PREGNANT:
        found.append(cite("Pregnancy status: pregnant", status.source, status.when))
    for d in record.diagnoses:
        if (
            d.concept is Concept.PREGNANCY
            and _current(d)
            and within(d.when, as_of, months=settings.pregnancy_condition_months)
            and not _superseded(d.when, status)
        ):
            found.append(cite("Pregnancy", d.source, d.when))
    return tuple(found)


def _superseded(when: datetime | None, status: Measurement | None) -> bool:
    """A "not pregnant" status dated a later day than the pregnancy Condition."""
    if status is None or status.value == PREGNANT or status.when is None or when is None:
        return False
    return status.when.date() > when.date()
