"""Small builders for guideline unit tests: findings dated relative to a pinned `AS_OF`.

Shared by the guideline tests; add new builders at the end of the file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cds_hooks.guideline.findings import (
    Behavior,
    Concept,
    Diagnosis,
    Dose,
    DraftOrder,
    DrugClass,
    EdemaImpact,
    Extent,
    IliacStent,
    ImagingStudy,
    Impact,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    MassNature,
    Measure,
    Measurement,
    Medication,
    MedicationKind,
    Modality,
    OrderKind,
    Patient,
    PatientRecord,
    ReferenceDiameter,
    Result,
    Side,
    Source,
    Swelling,
    VeinLevel,
)
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.settings import GuidelineSettings
from cds_hooks.guideline.state import DvtStatus, LegState, PathwayState
from cds_hooks.guideline.state_derivation import derive_state

# Mid-day so that "N days ago" dates (00:00 UTC, as a FHIR date) and instants both make sense.
AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PATIENT = Patient(birth_date=date(1970, 5, 1), sex="female", ref="Patient/p1")


def days_ago(n: float) -> datetime:
    """A FHIR date n calendar days before AS_OF (00:00 UTC of that day)."""
    day = (AS_OF - timedelta(days=n)).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def hours_ago(n: float) -> datetime:
    return AS_OF - timedelta(hours=n)


def src(ref: str) -> Source:
    return Source(refs=(ref,), display=ref)


def record(**fields: Any) -> PatientRecord:
    """PatientRecord with PATIENT unless given; list arguments become tuples."""
    fields.setdefault("patient", PATIENT)
    return PatientRecord(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


def state_of(rec: PatientRecord, **settings: Any) -> PathwayState:
    return derive_state(rec, as_of=AS_OF, settings=GuidelineSettings(**settings))


def swelling(
    side: Side = Side.LEFT,
    days: float | None = 5,
    extent: Extent = Extent.UNKNOWN,
    *,
    present: bool = True,
    active: bool = True,
    ref: str = "Condition/swelling",
) -> Swelling:
    when = days_ago(days) if days is not None else None
    return Swelling(
        side=side, present=present, extent=extent, active=active, onset=when, source=src(ref)
    )


def diagnosis(
    concept: Concept,
    side: Side = Side.UNKNOWN,
    days: float | None = 5,
    *,
    hours: float | None = None,
    level: VeinLevel = VeinLevel.UNKNOWN,
    active: bool = True,
    suspected: bool = False,
    site_text: str = "",
    encounter: str | None = None,
    ref: str | None = None,
) -> Diagnosis:
    if hours is not None:
        when: datetime | None = hours_ago(hours)
    else:
        when = days_ago(days) if days is not None else None
    return Diagnosis(
        concept=concept,
        side=side,
        active=active,
        suspected=suspected,
        recorded=when,
        level=level,
        site_text=site_text,
        encounter=encounter,
        source=src(ref or f"Condition/{concept}"),
    )


def dvt(
    side: Side = Side.LEFT,
    days: float | None = 3,
    level: VeinLevel = VeinLevel.PROXIMAL,
    **kwargs: Any,
) -> Diagnosis:
    return diagnosis(Concept.DVT, side, days, level=level, ref="Condition/dvt", **kwargs)


def study(
    modality: Modality = Modality.DUPLEX,
    side: Side = Side.LEFT,
    days: float | None = 2,
    result: Result = Result.NEGATIVE,
    *,
    complete: bool = True,
    ref: str | None = None,
    **kwargs: Any,
) -> ImagingStudy:
    return ImagingStudy(
        modality=modality,
        side=side,
        result=result,
        complete=complete,
        when=days_ago(days) if days is not None else None,
        source=src(ref or f"DiagnosticReport/{modality}"),
        **kwargs,
    )


def measurement(
    measure: Measure, value: float, days: float | None = 1, *, hours: float | None = None
) -> Measurement:
    if hours is not None:
        when: datetime | None = hours_ago(hours)
    else:
        when = days_ago(days) if days is not None else None
    return Measurement(
        measure=measure, value=value, when=when, source=src(f"Observation/{measure}")
    )


def medication(
    ingredient: str,
    dose: float | None = None,
    unit: str = "mg",
    *,
    drug_class: DrugClass = DrugClass.ANTICOAGULANT,
    kind: MedicationKind = MedicationKind.REQUEST,
    route: str = "",
    days: float | None = 1,
    hours: float | None = None,
    status_active: bool = True,
) -> Medication:
    if hours is not None:
        when: datetime | None = hours_ago(hours)
    else:
        when = days_ago(days) if days is not None else None
    return Medication(
        ingredient=ingredient,
        drug_class=drug_class,
        kind=kind,
        status_active=status_active,
        authored=when,
        dose=Dose(dose, unit, route=route) if dose is not None else None,
        source=src(f"MedicationRequest/{ingredient}"),
    )


def order(kind: OrderKind, ref: str = "ServiceRequest/draft", **kwargs: Any) -> DraftOrder:
    return DraftOrder(kind=kind, ref=ref, **kwargs)


# ---------------------------------------------------------------- NIVL / stent builders
# Used by test_alternatives*, test_compression*, test_stent_*, test_post_stent*.


def ivus(
    percent: float, side: Side = Side.LEFT, days: float | None = 3, *, area: bool = False
) -> IvusStenosis:
    when = days_ago(days) if days is not None else None
    return IvusStenosis(percent, area=area, side=side, when=when, source=src("Observation/ivus"))


def reference_diameter(
    mm: float, side: Side = Side.LEFT, days: float | None = 3, *, from_ivus: bool = True
) -> ReferenceDiameter:
    when = days_ago(days) if days is not None else None
    return ReferenceDiameter(
        mm, side=side, from_ivus=from_ivus, when=when, source=src("Observation/ref-diameter")
    )


def lesion(
    behavior: Behavior = Behavior.FIXED, side: Side = Side.LEFT, days: float | None = 3
) -> LesionBehavior:
    when = days_ago(days) if days is not None else None
    return LesionBehavior(behavior, side=side, when=when, source=src("Observation/lesion"))


def impact(level: Impact = Impact.SIGNIFICANT, days: float | None = 3) -> EdemaImpact:
    when = days_ago(days) if days is not None else None
    return EdemaImpact(level, when=when, source=src("Observation/qol"))


def mass_nature(
    nature: MassNature, side: Side = Side.LEFT, days: float | None = 10
) -> MassCharacterization:
    when = days_ago(days) if days is not None else None
    return MassCharacterization(nature, side=side, when=when, source=src(f"Condition/{nature}"))


def iliac_stent(side: Side = Side.LEFT, days: float | None = 60) -> IliacStent:
    placed = days_ago(days) if days is not None else None
    return IliacStent(side=side, placed=placed, source=src("Procedure/stent"))


def compression_ct(side: Side = Side.LEFT, days: float = 4) -> ImagingStudy:
    """CT venography, negative for DVT, reporting iliac vein compression on `side`."""
    return study(
        Modality.CT_VENOGRAPHY,
        Side.UNKNOWN,
        days,
        compression_side=side,
        ref="DiagnosticReport/ctv",
    )


def normal_labs(days: float = 10) -> list[Measurement]:
    """Labs that assess heart, kidney, liver and albumin as absent."""
    return [
        measurement(Measure.NT_PROBNP, 100, days),
        measurement(Measure.EGFR, 90, days),
        measurement(Measure.ALBUMIN, 4.0, days),
        measurement(Measure.BILIRUBIN, 0.8, days),
    ]


def nivl_record(**overrides: Any) -> PatientRecord:
    """A complete NIVL stent candidate: left whole-leg swelling, DVT excluded (complete negative
    duplex + CT venography), left iliac compression, every alternative cause assessed absent,
    significant QoL impact, IVUS 70% fixed with a 13 mm reference. Override any field."""
    fields: dict[str, Any] = {
        "swellings": [swelling(Side.LEFT, 20, Extent.WHOLE_LEG)],
        "imaging": [study(Modality.DUPLEX, Side.LEFT, 5), compression_ct(Side.LEFT, 4)],
        "measurements": normal_labs(),
        "medications_retrieved": True,
        "impacts": [impact()],
        "ivus_stenoses": [ivus(70)],
        "lesion_behaviors": [lesion()],
        "reference_diameters": [reference_diameter(13)],
    }
    fields.update(overrides)
    return record(**fields)


def direct_state(
    rec: PatientRecord,
    *,
    dvt_status: DvtStatus | dict[Side, DvtStatus] = DvtStatus.EXCLUDED,
    **overrides: Any,
) -> PathwayState:
    """A PathwayState filled straight from the record (no windows, no gate), so that rules are
    tested against exactly the state fields they read. `derive_state` is tested on its own."""
    current = [s for s in rec.swellings if s.present and s.active]
    sides = frozenset(s.side for s in current)
    bilateral = Side.BILATERAL in sides or {Side.LEFT, Side.RIGHT} <= sides
    legs = []
    for side in (Side.LEFT, Side.RIGHT):
        mine = tuple(s for s in current if s.side in (side, Side.BILATERAL))
        if not mine:
            continue
        status = (
            dvt_status.get(side, DvtStatus.NOT_EXCLUDED)
            if isinstance(dvt_status, dict)
            else dvt_status
        )
        duplex = next(
            (
                i
                for i in rec.imaging
                if i.modality is Modality.DUPLEX and i.side in (side, Side.BILATERAL)
            ),
            None,
        )
        legs.append(
            LegState(
                side=side,
                swellings=mine,
                onset=min((s.when for s in mine if s.when), default=None),
                new=True,
                whole_leg=True,
                dvt_status=status,
                acute_dvt=status is DvtStatus.CONFIRMED,
                complete_duplex_since_onset=duplex,
                negative_duplex_30d=duplex,
                pelvic_imaging_trigger=False,
                venography_since=None,
                evidence=(
                    Evidence(
                        f"Negative complete duplex of the {side} leg",
                        duplex.source.refs,
                        "2026-11-22",
                    ),
                )
                if duplex
                else (),
            )
        )
    compression: list[Diagnosis | ImagingStudy] = [
        i for i in rec.imaging if i.compression_side is not None
    ]
    compression += [d for d in rec.diagnoses if d.concept is Concept.ILIAC_COMPRESSION]
    masses = tuple(d for d in rec.diagnoses if d.concept is Concept.PELVIC_MASS and d.active)
    meds = rec.medications
    fields: dict[str, Any] = {
        "record": rec,
        "as_of": AS_OF,
        "settings": GuidelineSettings(),
        "iliac_context": bool(masses or compression or rec.stents or rec.masses),
        "swelling_sides": sides,
        "bilateral_swelling": bilateral,
        "in_scope": True,
        "legs": tuple(legs),
        "prior_vte": any(
            d.concept
            in (Concept.DVT, Concept.VTE_HISTORY, Concept.CHRONIC_DVT, Concept.PULMONARY_EMBOLISM)
            for d in rec.diagnoses
        ),
        "current_anticoagulants": tuple(m for m in meds if m.drug_class is DrugClass.ANTICOAGULANT),
        "current_antiplatelets": tuple(m for m in meds if m.drug_class is DrugClass.ANTIPLATELET),
        "current_edema_medications": tuple(
            m for m in meds if m.drug_class is DrugClass.EDEMA_CAUSING
        ),
        "pregnant": any(d.concept is Concept.PREGNANCY for d in rec.diagnoses),
        "masses": masses,
        "compression": tuple(compression),
        "compression_sides": frozenset(
            (c.compression_side or c.side) if isinstance(c, ImagingStudy) else c.side
            for c in compression
        ),
        "mass_natures": rec.masses,
        "extrinsic_cause_characterized": bool(rec.masses),
        "ivus": rec.ivus_stenoses,
        "ivus_done": bool(rec.ivus_stenoses),
        "reference_diameters": rec.reference_diameters,
        "lesion_behaviors": rec.lesion_behaviors,
        "impacts": rec.impacts,
        "scrotal_edema": any(d.concept is Concept.SCROTAL_EDEMA for d in rec.diagnoses),
        "stents": rec.stents,
        "stent_in_place": bool(rec.stents),
    }
    fields.update(overrides)
    return PathwayState(**fields)


FILTER_ORDER = DraftOrder(
    kind=OrderKind.IVC_FILTER, ref="ServiceRequest/filter", display="IVC filter insertion"
)
