"""Which medication records are current, and which anticoagulants are at a therapeutic dose.

Catalog, "Therapeutic anticoagulation active": "a current order/statement/administration (last
48 h) of a DOAC, warfarin, argatroban, bivalirudin, fondaparinux >= 5 mg, IV heparin, or LMWH at
treatment dose (enoxaparin >= 1 mg/kg or >= 60 mg per dose, dalteparin >= 100 IU/kg).
Prophylactic doses (enoxaparin 40 mg daily, heparin 5,000 U subcutaneous) do not count. [...] an
LMWH/heparin order whose dose cannot be read counts as therapeutic (never risk double
anticoagulation)."
"""

from __future__ import annotations

from datetime import datetime

from cds_hooks.guideline.dates import within
from cds_hooks.guideline.findings import Dose, Medication, MedicationKind
from cds_hooks.guideline.settings import GuidelineSettings

# Always therapeutic: these have no prophylactic regimen in this pathway.
ALWAYS_THERAPEUTIC = frozenset(
    {"apixaban", "rivaroxaban", "edoxaban", "dabigatran", "warfarin", "argatroban", "bivalirudin"}
)
LMWH = frozenset({"enoxaparin", "dalteparin", "tinzaparin"})

ENOXAPARIN_TREATMENT_MG = 60.0  # mg per dose (catalog)
ENOXAPARIN_TREATMENT_MG_PER_KG = 1.0  # mg/kg per dose (catalog)
ENOXAPARIN_IU_PER_MG = 100.0  # enoxaparin 1 mg = 100 anti-Xa IU (label)
DALTEPARIN_TREATMENT_IU_PER_KG = 100.0  # IU/kg per dose (catalog)
FONDAPARINUX_TREATMENT_MG = 5.0  # mg per dose (catalog)
# Thresholds the catalog does not state (heparin SC, dalteparin/tinzaparin without a weight,
# tinzaparin per kg) are GuidelineSettings fields: a prophylactic regimen is at most heparin
# 7,500 U, dalteparin 5,000 IU or tinzaparin 4,500 IU per dose.
# A weight-based dose rounded to the nearest mg may fall just under 1 mg/kg (70.4 kg -> 70 mg).
ROUNDING_MG = 0.5

_IU_UNITS = frozenset({"[iu]", "iu", "u", "unit", "units", "[u]"})
_IU_PER_KG_UNITS = frozenset({"[iu]/kg", "iu/kg", "u/kg", "unit/kg", "units/kg", "[u]/kg"})


def is_current(med: Medication, as_of: datetime, settings: GuidelineSettings) -> bool:
    """Input profile status rule for every medication concept.

    A request is current when active and authored within 12 months, or when its validity period
    covers `as_of`. An active request without any date is kept as current: for anticoagulants a
    false "not current" risks double anticoagulation, which is worse than a missed card.
    """
    if not med.status_active:
        return False
    if med.kind is MedicationKind.ADMINISTRATION:
        # Undated = an in-progress administration with an open period (a running heparin
        # infusion started days ago): it is being given now (FHIR requires effective[x], so
        # a completed one always has a date).
        if med.authored is None:
            return True
        return within(med.authored, as_of, hours=settings.administration_hours)
    if med.kind is MedicationKind.STATEMENT:
        return True
    # A validity period ending today (often a plain date) still covers today.
    if med.valid_until is not None and med.valid_until.date() >= as_of.date():
        return True
    if med.authored is None:
        return med.valid_until is None
    return within(med.authored, as_of, months=settings.medication_request_months)


def is_therapeutic_anticoagulant(
    med: Medication, weight_kg: float | None, settings: GuidelineSettings
) -> bool:
    """Whether an anticoagulant record is at treatment dose (see the module docstring)."""
    name = med.ingredient.lower()
    if name in ALWAYS_THERAPEUTIC:
        return True
    dose = med.dose
    if name == "fondaparinux":
        mg = _mg(dose)
        return mg is None or mg >= FONDAPARINUX_TREATMENT_MG
    if name == "heparin":
        return _heparin_therapeutic(dose, settings.heparin_sc_prophylactic_max_u)
    if name == "enoxaparin":
        return _enoxaparin_therapeutic(dose, weight_kg)
    if name == "dalteparin":
        return _iu_lmwh_therapeutic(
            dose, weight_kg, DALTEPARIN_TREATMENT_IU_PER_KG, settings.dalteparin_prophylactic_max_iu
        )
    if name == "tinzaparin":
        return _iu_lmwh_therapeutic(
            dose,
            weight_kg,
            settings.tinzaparin_treatment_iu_kg,
            settings.tinzaparin_prophylactic_max_iu,
        )
    # An anticoagulant this module does not know: treat as therapeutic rather than suggest a
    # second anticoagulant on top of it.
    return True


def _unit(dose: Dose) -> str:
    return dose.unit.strip().lower()


def _mg(dose: Dose | None) -> float | None:
    if dose is None or _unit(dose) != "mg":
        return None
    return dose.value


def _heparin_therapeutic(dose: Dose | None, sc_prophylactic_max_u: float) -> bool:
    if dose is None:
        return True
    if dose.route == "intravenous":
        return True
    unit = _unit(dose)
    if unit in _IU_PER_KG_UNITS:
        return True  # weight-based heparin is an infusion/treatment nomogram
    if unit in _IU_UNITS:
        return dose.value > sc_prophylactic_max_u
    return True  # unreadable unit: never risk double anticoagulation


def _enoxaparin_therapeutic(dose: Dose | None, weight_kg: float | None) -> bool:
    if dose is None:
        return True
    unit = _unit(dose)
    if unit == "mg/kg":
        return dose.value >= ENOXAPARIN_TREATMENT_MG_PER_KG
    if unit == "mg":
        mg = dose.value
    elif unit in _IU_UNITS:
        mg = dose.value / ENOXAPARIN_IU_PER_MG
    else:
        return True
    if mg >= ENOXAPARIN_TREATMENT_MG:
        return True
    return weight_kg is not None and mg >= weight_kg * ENOXAPARIN_TREATMENT_MG_PER_KG - ROUNDING_MG


def _iu_lmwh_therapeutic(
    dose: Dose | None, weight_kg: float | None, iu_per_kg: float, prophylactic_max_iu: float
) -> bool:
    if dose is None:
        return True
    unit = _unit(dose)
    if unit in _IU_PER_KG_UNITS:
        return dose.value >= iu_per_kg
    if unit not in _IU_UNITS:
        return True
    if weight_kg is not None:
        return dose.value >= weight_kg * iu_per_kg
    return dose.value > prophylactic_max_iu
