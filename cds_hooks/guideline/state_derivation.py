"""Derive the pathway state (`state.PathwayState`) from the findings, once per call (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from cds_hooks.guideline.clinical_status import (
    LATERAL,
    anticoagulation_contraindications,
    cite,
    cite_dvt,
    compression_side,
    heparin_contraindications,
    is_current_diagnosis,
    limb_ischemia,
    newest_weight,
    pregnancy_evidence,
    prior_vte,
    severe_hypotension,
    sides_of,
    under_18,
)
from cds_hooks.guideline.dates import age_years
from cds_hooks.guideline.dvt_records import acute_dvts, dvt_groups, dvt_records, group_level
from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    DrugClass,
    ImagingStudy,
    Modality,
    PatientRecord,
    Side,
    VeinLevel,
)
from cds_hooks.guideline.gate import patient_view_in_scope
from cds_hooks.guideline.leg_status import current_swellings, derive_leg, leg_sides
from cds_hooks.guideline.medication_status import is_current, is_therapeutic_anticoagulant
from cds_hooks.guideline.recommendation import Evidence
from cds_hooks.guideline.settings import GuidelineSettings
from cds_hooks.guideline.state import PathwayState
from cds_hooks.guideline.thrombolysis_status import thrombolysis_contraindications


def derive_state(
    record: PatientRecord, *, as_of: datetime, settings: GuidelineSettings
) -> PathwayState:
    """Derive the pathway state from the findings at `as_of` (pure)."""
    evidence: dict[str, tuple[Evidence, ...]] = {}

    acute = acute_dvts(record, as_of, settings)
    acute_sides = frozenset().union(*(sides_of(f.side) for f in acute)) if acute else frozenset()
    # One level per DVT (records of the same DVT pooled): the most proximal any record states.
    levels = [
        group_level(g)
        for g in dvt_groups(dvt_records(record, acute, as_of, settings.acute_dvt_days))
    ]
    evidence["acute_dvt"] = tuple(cite_dvt(f) for f in acute)

    masses = tuple(
        d for d in record.diagnoses if d.concept is Concept.PELVIC_MASS and is_current_diagnosis(d)
    )
    compression: tuple[Diagnosis | ImagingStudy, ...] = tuple(
        d
        for d in record.diagnoses
        if d.concept is Concept.ILIAC_COMPRESSION and is_current_diagnosis(d)
    ) + tuple(i for i in record.imaging if i.compression_side is not None)
    compression_sides = (
        frozenset().union(*(sides_of(compression_side(c)) for c in compression))
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
        cite(f"Iliac vein compression ({compression_side(c)})", c.source, c.when)
        for c in compression
    )
    evidence["stents"] = tuple(
        cite(f"Iliac venous stent ({s.side})", s.source, s.placed) for s in stents
    )

    iliac_context = bool(masses or compression or stents or acute)

    current = current_swellings(record)
    lateral = {side for sw in current for side in sides_of(sw.side)} - {Side.UNKNOWN}
    swelling_sides = frozenset(
        lateral | ({Side.UNKNOWN} if any(sw.side is Side.UNKNOWN for sw in current) else set())
    )
    bilateral = lateral == set(LATERAL)
    absent_documented = not current and any(not sw.present for sw in record.swellings)

    weight = newest_weight(record, as_of, settings)
    age = age_years(record.patient.birth_date, as_of.date())
    child = under_18(record.patient.birth_date, as_of)
    if age is not None:
        evidence["age"] = (
            Evidence(
                text=f"Age {age} years (birth date {record.patient.birth_date.isoformat()})",
                refs=(record.patient.ref,) if record.patient.ref else (),
            ),
        )
    weight_kg = weight.value if weight else None

    meds = [m for m in record.medications if is_current(m, as_of, settings)]
    anticoagulants = tuple(m for m in meds if m.drug_class is DrugClass.ANTICOAGULANT)
    therapeutic = tuple(
        m for m in anticoagulants if is_therapeutic_anticoagulant(m, weight_kg, settings)
    )
    evidence["therapeutic_anticoagulation"] = tuple(
        cite(f"Current anticoagulant: {m.ingredient}", m.source, m.authored) for m in therapeutic
    )

    contraindications = anticoagulation_contraindications(record, as_of, settings)
    heparin = heparin_contraindications(record, as_of, settings)
    evidence["contraindications"] = contraindications
    evidence["heparin_contraindicated"] = heparin
    no_lysis = thrombolysis_contraindications(record, as_of, settings, contraindications)
    evidence["thrombolysis_contraindicated"] = no_lysis

    hypotension = severe_hypotension(record, as_of, settings)
    ischemia = limb_ischemia(record, as_of, settings, acute_sides)
    pregnant = pregnancy_evidence(record, as_of, settings)
    evidence["severe_hypotension"] = hypotension
    evidence["limb_ischemia"] = ischemia
    evidence["pregnancy"] = pregnant
    if weight is not None:
        # Converted weights (lb -> kg) carry many decimals; a clinician reads one.
        evidence["weight"] = (
            cite(f"Weight {round(weight.value, 1):g} kg", weight.source, weight.when),
        )

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
        prior_vte=prior_vte(record),
        anticoagulation_contraindicated=bool(contraindications),
        contraindications=contraindications,
        minor_bleeding=tuple(
            cite("Minor bleeding (not a contraindication)", d.source, d.when)
            for d in record.diagnoses
            if d.concept is Concept.MINOR_BLEEDING and is_current_diagnosis(d)
        ),
        heparin_contraindicated=bool(heparin),
        therapeutic_anticoagulation=bool(therapeutic),
        current_anticoagulants=anticoagulants,
        current_antiplatelets=tuple(m for m in meds if m.drug_class is DrugClass.ANTIPLATELET),
        current_edema_medications=tuple(m for m in meds if m.drug_class is DrugClass.EDEMA_CAUSING),
        weight=weight,
        severe_hypotension=bool(hypotension),
        limb_threatening_ischemia=bool(ischemia),
        thrombolysis_contraindicated=bool(no_lysis),
        thrombolysis_contraindications=no_lysis,
        pregnant=bool(pregnant),
        age_years=age,
        under_18=child,
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
            d.concept is Concept.SCROTAL_EDEMA and is_current_diagnosis(d) for d in record.diagnoses
        ),
        stents=stents,
        stent_in_place=bool(stents),
        evidence=evidence,
    )
    legs = tuple(
        derive_leg(side, current, state, mass_sides | compression_sides)
        for side in leg_sides(swelling_sides)
    )
    state = replace(state, legs=legs)
    return replace(state, in_scope=patient_view_in_scope(state))


F = TypeVar("F")


def _newest_first(items: tuple[F, ...], key: Callable[[F], datetime | None]) -> tuple[F, ...]:
    """Newest first; undated findings last (stable among equals)."""

    def sort_key(f: F) -> float:
        when = key(f)
        return when.timestamp() if when is not None else float("-inf")

    return tuple(sorted(items, key=sort_key, reverse=True))
