"""Acute DVT and its level (catalog "Pathway state": Acute DVT).

Which records are acute (a stated onset decides; else the recorded date or the positive imaging
it rests on), which records belong to the same DVT, and the level of each DVT: the most proximal
level any of its records states.

Records of the same DVT (a decision of this service; the catalog is silent): the acute DVT
records of one leg (a bilateral record belongs to both legs); a record of unknown side joins the
leg of a record it is linked to (a Condition naming the study as its evidence, or a DVT read from
the same report), else the only leg with a DVT. With DVTs in both legs an unlinked unknown-side
record stays its own DVT, so its unstated level stays unknown (the filter rules then keep
silent rather than borrow another leg's level). Old records (stated onset beyond the window, or
recorded before it) are prior VTE and state no level of the acute DVT.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from cds_hooks.guideline.dates import months_before, within
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    ImagingStudy,
    Modality,
    PatientRecord,
    Result,
    Side,
    VeinLevel,
)
from cds_hooks.guideline.settings import GuidelineSettings

LATERAL = (Side.LEFT, Side.RIGHT)
VENOUS_IMAGING_FOR_DVT = (Modality.DUPLEX, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY)
PELVIC_VENOGRAPHY = (Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY)
# Words in a DVT's site text that place it at or above the popliteal vein (catalog: proximal).
PROXIMAL_SITE_WORDS = ("iliac", "femoral", "popliteal", "pelvic", "vena cava")
DISTAL_SITE_WORDS = ("calf", "tibial", "peroneal", "soleal", "gastrocnemius")


def _legs(side: Side) -> set[Side]:
    """The legs a record concerns: bilateral = both; unknown = none."""
    if side is Side.BILATERAL:
        return set(LATERAL)
    return {side} & set(LATERAL)


def months_after(day: date, months: int) -> date:
    """The same calendar day `months` later (clamped to the month's length)."""
    return months_before(day, -months)


def _current(d: Diagnosis) -> bool:
    return d.active and not d.suspected


DvtRecord = Diagnosis | ImagingStudy


def _dvt_conditions(record: PatientRecord) -> tuple[Diagnosis, ...]:
    return tuple(
        d for d in record.diagnoses if d.concept is Concept.DVT and _current(d)
    )


def _positive_imaging(record: PatientRecord) -> tuple[ImagingStudy, ...]:
    return tuple(
        i
        for i in record.imaging
        if i.modality in VENOUS_IMAGING_FOR_DVT and i.result is Result.POSITIVE
    )


def _rests_on(d: Diagnosis, study: ImagingStudy) -> bool:
    """The Condition names the study as its evidence (Condition.evidence.detail), or both
    come from the same resource (a DVT the mapper read from the report itself)."""
    refs = set(study.source.refs)
    return bool(refs & set(d.evidence_refs) or refs & set(d.source.refs))


def _onset_days(d: Diagnosis, birth: date | None) -> tuple[date, date] | None:
    """The earliest and latest day the stated onset may be: onset[x] as a date, or onsetAge
    from the birth date (age 45 years = from the 45th birthday to the day before the 46th)."""
    if d.onset is not None:
        return d.onset.date(), (d.onset_last_day or d.onset).date()
    if d.onset_age is None or birth is None:
        return None
    value, unit = d.onset_age
    whole = int(value)
    if unit in ("a", "mo"):
        months = whole * 12 if unit == "a" else whole
        step = 12 if unit == "a" else 1
        earliest = months_after(birth, months)
        return earliest, months_after(birth, months + step) - timedelta(days=1)
    per = 7 if unit == "wk" else 1
    earliest = birth + timedelta(days=round(value * per))
    return earliest, earliest + timedelta(days=per - 1)


def _condition_acute(d: Diagnosis, as_of: datetime, days: int, birth: date | None) -> bool:
    """Catalog: "whose onset is within 30 days (when no onset is stated: its recorded date [...]
    within 30 days). A stated onset older than 30 days makes the DVT old even when it was
    recorded (or re-recorded) recently." An onsetAge that leaves both possible (its year of age
    straddles the window) is not a usable statement: the recorded date decides."""
    onset = _onset_days(d, birth)
    if onset is not None:
        earliest, latest = onset
        if _day_within(earliest, as_of, days):
            return True
        if not _day_within(latest, as_of, days) and latest <= as_of.date():
            return False
    return within(d.recorded, as_of, days=days)


def _stated_old(d: Diagnosis, as_of: datetime, days: int, birth: date | None) -> bool:
    onset = _onset_days(d, birth)
    return onset is not None and onset[1] <= as_of.date() and not _day_within(onset[1], as_of, days)


def _day_within(day: date, as_of: datetime, days: int) -> bool:
    return within(datetime.combine(day, time(), tzinfo=UTC), as_of, days=days)


def acute_dvts(
    record: PatientRecord, as_of: datetime, settings: GuidelineSettings
) -> tuple[DvtRecord, ...]:
    """Catalog: an acute DVT "not refuted/entered-in-error, not suspected, whose onset is within
    30 days (when no onset is stated: its recorded date, or the positive imaging it rests on,
    within 30 days); or a positive duplex / CT / MR venography within 30 days".

    The stated onset (onsetDateTime, onsetPeriod.start, a parseable onsetString) decides: a DVT
    that began two months ago and was charted (or re-charted) today is prior VTE. A positive
    study that an old-onset DVT Condition names as its own evidence is that old DVT, not a new
    one; any other positive study within the window is an acute DVT on its own.
    """
    days = settings.acute_dvt_days
    conditions = _dvt_conditions(record)
    birth = record.patient.birth_date
    old = [d for d in conditions if _stated_old(d, as_of, days, birth)]
    diagnoses = tuple(d for d in conditions if _condition_acute(d, as_of, days, birth))
    imaging = tuple(
        i
        for i in _positive_imaging(record)
        if within(i.when, as_of, days=days)
        and not any(i.source.refs and set(i.source.refs) & set(d.evidence_refs) for d in old)
    )
    return diagnoses + imaging


def dvt_records(
    record: PatientRecord, acute: tuple[DvtRecord, ...], as_of: datetime, days: int
) -> tuple[DvtRecord, ...]:
    """The acute DVT records plus the DVT Conditions that rest on an acute positive study but
    carry no date of their own in the window (undated, or an explicit evidence link): they are
    records of that DVT and state its level (catalog: "when no onset is stated: [...] the
    positive imaging it rests on, within 30 days")."""
    studies = [f for f in acute if isinstance(f, ImagingStudy)]
    linked = tuple(
        d
        for d in _dvt_conditions(record)
        if d not in acute
        and not _stated_old(d, as_of, days, record.patient.birth_date)
        and any(
            _rests_on(d, s) or (d.when is None and (d.side is Side.UNKNOWN or _overlap(d, s)))
            for s in studies
        )
    )
    return acute + linked


def _overlap(a: DvtRecord, b: DvtRecord) -> bool:
    return bool(_legs(a.side) & _legs(b.side))


def dvt_groups(records: tuple[DvtRecord, ...]) -> tuple[tuple[DvtRecord, ...], ...]:
    """Records of the same DVT, one group per leg: every record of that leg (a bilateral record
    belongs to both legs). A record of unknown side joins the leg of a record it is linked to
    (its evidence, or the same resource), else the leg when only one leg has a DVT; with DVTs
    in both legs (or none lateralized) the unknown-side records form their own group, so an
    unstated level stays unknown rather than borrow another leg's."""
    legs: dict[Side, list[DvtRecord]] = {}
    for f in records:
        for side in _legs(f.side):
            legs.setdefault(side, []).append(f)
    leftover: list[DvtRecord] = []
    for f in records:
        if f.side is not Side.UNKNOWN:
            continue
        linked = {
            side
            for side, members in legs.items()
            if any(_linked(f, m) for m in members)
        }
        if not linked and len(legs) == 1:
            linked = set(legs)
        for side in linked:
            legs[side].append(f)
        if not linked:
            leftover.append(f)
    groups = [tuple(legs[side]) for side in LATERAL if side in legs]
    if leftover:
        groups.append(tuple(leftover))
    return tuple(groups)


def _linked(a: DvtRecord, b: DvtRecord) -> bool:
    if isinstance(a, Diagnosis) and isinstance(b, ImagingStudy):
        return _rests_on(a, b)
    if isinstance(b, Diagnosis) and isinstance(a, ImagingStudy):
        return _rests_on(b, a)
    return bool(set(a.source.refs) & set(b.source.refs))


def group_level(group: tuple[DvtRecord, ...]) -> VeinLevel:
    """Catalog: "A DVT's level is the most proximal level stated by any record of it (its
    Conditions and the positive imaging with its text); *unknown* only when no record states a
    level." """
    levels = {dvt_level(f) for f in group}
    if VeinLevel.PROXIMAL in levels:
        return VeinLevel.PROXIMAL
    if VeinLevel.DISTAL in levels:
        return VeinLevel.DISTAL
    return VeinLevel.UNKNOWN


def dvt_level(f: DvtRecord) -> VeinLevel:
    """The level one record states. Proximal = popliteal or above; a positive pelvic CT/MR
    venography images the iliac veins; a duplex states the level its conclusion code, site or
    text gives (calf veins only = distal)."""
    if isinstance(f, ImagingStudy):
        return VeinLevel.PROXIMAL if f.modality in PELVIC_VENOGRAPHY else f.level
    if f.level is not VeinLevel.UNKNOWN:
        return f.level
    site = f.site_text.lower()
    if any(word in site for word in PROXIMAL_SITE_WORDS):
        return VeinLevel.PROXIMAL
    if any(word in site for word in DISTAL_SITE_WORDS):
        return VeinLevel.DISTAL
    return VeinLevel.UNKNOWN
