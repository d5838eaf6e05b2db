"""Patient-level facts of the catalog's "Pathway state": acute DVT and its level, prior VTE,
anticoagulation and heparin contraindications, severe hypotension, limb-threatening ischemia,
pregnancy and weight. Each function reads findings and returns the evidence that made the fact
true (empty = false), so that cards can cite it.
"""

from __future__ import annotations

from datetime import date, datetime

from cds_hooks.guideline.dates import age_years, iso_day, newest, within
from cds_hooks.guideline.dvt_records import PELVIC_VENOGRAPHY, VENOUS_IMAGING_FOR_DVT, dvt_level
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    ImagingStudy,
    Measure,
    Measurement,
    Modality,
    PatientRecord,
    Result,
    Side,
    Source,
    VeinLevel,
)
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.settings import GuidelineSettings

LATERAL = (Side.LEFT, Side.RIGHT)
BLEEDING_TEXT = {
    Concept.MAJOR_BLEEDING: "Major bleeding (active)",
    Concept.INTRACRANIAL_HEMORRHAGE: "Intracranial hemorrhage (active)",
}
HIT_TEXT = "Heparin-induced thrombocytopenia"
PREGNANT = 1.0  # Measure.PREGNANCY_STATUS value meaning pregnant
ADULT_AGE_YEARS = 18  # catalog "Under 18": the seed and the Label dose adults
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
}


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


def is_current_diagnosis(d: Diagnosis) -> bool:
    """Active and not merely suspected (refuted records never reach the guideline)."""
    return d.active and not d.suspected


def compression_side(c: Diagnosis | ImagingStudy) -> Side:
    if isinstance(c, ImagingStudy):
        return c.compression_side or Side.UNKNOWN
    return c.side


def is_iliac_dvt(f: Diagnosis | ImagingStudy) -> bool:
    if isinstance(f, ImagingStudy):
        return f.modality in PELVIC_VENOGRAPHY
    return "iliac" in f.site_text.lower()


def cite_dvt(f: Diagnosis | ImagingStudy) -> Evidence:
    if isinstance(f, ImagingStudy):
        caveat = " (preliminary)" if f.preliminary else ""
        level = dvt_level(f)
        where = f", {level}" if level is not VeinLevel.UNKNOWN else ""
        text = f"Positive {MODALITY_TEXT[f.modality]} for DVT{where} ({f.side}){caveat}"
        return cite(text, f.source, f.when)
    level = dvt_level(f)
    stated = "level not stated" if level is VeinLevel.UNKNOWN else level.value
    return cite(f"Acute DVT, {stated} ({f.side})", f.source, f.when)


def prior_vte(record: PatientRecord) -> bool:
    """Catalog: "any DVT or PE, active, old or resolved, or a history code"."""
    vte = (Concept.DVT, Concept.PULMONARY_EMBOLISM, Concept.VTE_HISTORY, Concept.CHRONIC_DVT)
    return any(d.concept in vte and not d.suspected for d in record.diagnoses) or any(
        i.modality in VENOUS_IMAGING_FOR_DVT and i.result is Result.POSITIVE for i in record.imaging
    )


def newest_weight(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> Measurement | None:
    """Newest plausible weight (kg) within the labs window; implausible values are ignored.

    Input profile: implausible "for an adult < 20 kg or > 350 kg, for a patient under 18
    < 0.5 kg or > 350 kg" (catalog: a child's weight below 20 kg is plausible). The bounds
    themselves are plausible; no birth date = adult."""
    minimum = (
        settings.weight_min_kg_under_18
        if under_18(record.patient.birth_date, as_of)
        else settings.weight_min_kg
    )
    return newest(
        [
            m
            for m in record.measurements
            if m.measure is Measure.WEIGHT
            and minimum <= m.value <= settings.weight_max_kg
            and within(m.when, as_of, days=settings.labs_days)
        ],
        lambda m: m.when,
    )


def under_18(birth: date | None, as_of: datetime) -> bool:
    """Catalog "Under 18": age in whole years on the day of the hook, from Patient.birthDate,
    below 18 (no birthDate = adult)."""
    age = age_years(birth, as_of.date())
    return age is not None and age < ADULT_AGE_YEARS


def anticoagulation_contraindications(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog: "major bleeding active within 30 days (GI K92.0-K92.2, K62.5; intracranial
    I60-I62, S06.34-S06.6x, SNOMED 1386000, 274100004, 21454007, 35486000, or a Condition whose
    code text/display says intracranial, intracerebral, cerebral, subarachnoid or subdural
    hemorrhage/haemorrhage/hematoma/bleed; R58 or SNOMED 131148009 / 74474003 marked active), or
    platelets < 50 x10^9/L on the latest count within 7 days". An active major bleed with no
    date at all is kept: suggesting anticoagulation to a patient who may be bleeding is the
    worse error."""
    bleeds = [
        d
        for d in record.diagnoses
        if d.concept in BLEEDING_TEXT
        and is_current_diagnosis(d)
        and (d.when is None or within(d.when, as_of, days=settings.major_bleeding_days))
    ]
    # An intracranial bleed is also mapped as major bleeding: cite its record once, by name.
    intracranial = {
        d.source.refs for d in bleeds if d.concept is Concept.INTRACRANIAL_HEMORRHAGE
    }
    found = [
        cite(BLEEDING_TEXT[d.concept], d.source, d.when)
        for d in bleeds
        if d.concept is Concept.INTRACRANIAL_HEMORRHAGE
        or not (d.source.refs and d.source.refs in intracranial)
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


def status_note(d: Diagnosis) -> str:
    """How a finding that counts in any status is qualified on the card."""
    if d.suspected:
        return " (suspected)"
    return "" if d.active else " (resolved)"


def heparin_contraindications(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog v2.2: "heparin-induced thrombocytopenia (D75.82x, SNOMED 73397007) recorded **at
    any time** (ASH 2018: a non-heparin anticoagulant after HIT), or an active, non-refuted
    AllergyIntolerance to heparin or any LMWH". Input profile: HIT counts "at any time and in
    any clinical status but refuted / entered-in-error" (those never reach the guideline), so a
    resolved or merely suspected HIT counts too: heparin is stopped on suspicion of HIT."""
    found = []
    for d in record.diagnoses:
        if d.concept is Concept.HIT:
            found.append(cite(HIT_TEXT + status_note(d), d.source, d.when))
        elif d.concept is Concept.HEPARIN_ALLERGY and d.active:
            found.append(cite("Allergy to heparin/LMWH", d.source, d.when))
    return tuple(found)


def severe_hypotension(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[Evidence, ...]:
    """Catalog: "systolic < 90 mm[Hg] on a reading within 24 h, or shock recorded within 72 h
    or whose encounter is the hook's context.encounterId" (the newest reading within 24 h)."""
    # Input profile: "The newest result by effective date wins" — a systolic of 85 followed by
    # a newer 120 is no longer severe hypotension (thrombolysis must not be suggested on it).
    latest = newest(
        [
            m
            for m in record.measurements
            if m.measure is Measure.SYSTOLIC_BP
            and within(m.when, as_of, hours=settings.systolic_hours)
        ],
        lambda m: m.when,
    )
    found = [
        cite(f"Systolic BP {m.value:g} mm[Hg]", m.source, m.when)
        for m in ([latest] if latest is not None else [])
        if m.value < settings.systolic_severe_mmhg
    ]
    found += [
        cite("Shock", d.source, d.when)
        for d in record.diagnoses
        if d.concept is Concept.SHOCK
        and is_current_diagnosis(d)
        and (
            within(d.when, as_of, hours=settings.shock_hours)
            or (record.encounter is not None and d.encounter == record.encounter)
        )
    ]
    return tuple(found)


def limb_ischemia(
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
            and is_current_diagnosis(d)
            and within(d.when, as_of, hours=settings.limb_ischemia_hours)
        ):
            continue
        sides = sides_of(d.side)
        if Side.UNKNOWN in sides or not dvt_sides or Side.UNKNOWN in dvt_sides or sides & dvt_sides:
            found.append(cite(f"Limb-threatening ischemia ({d.side})", d.source, d.when))
    return tuple(found)


def pregnancy_evidence(
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
            and is_current_diagnosis(d)
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
