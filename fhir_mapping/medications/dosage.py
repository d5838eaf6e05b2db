"""Structured Dosage -> Dose: doseAndRate quantities, product units x product strength, mL x
concentration, timing -> administrations per day, coded route.
"""

from __future__ import annotations

from typing import Any

from cds_hooks.guideline.findings import Dose, MedicationKind

from ..fhir_types import SNOMED, as_list, codings, concept_text, get
from .dose_text import (
    concentration_per_ml,
    dose_from_text,
    normalize_dose_unit,
    per_day_from_text,
    product_strength,
    route_from_text,
)

_ROUTE_CODES = {
    "34206005": "subcutaneous",
    "47625008": "intravenous",
    "26643006": "oral",
}


_PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0,
                "mo": 30.0, "a": 365.0}


# Dose units that count product units (tablets, syringes), not an amount of drug.
_PRODUCT_UNITS = frozenset(
    {"", "1", "{tbl}", "tbl", "tablet", "tablets", "tab", "{syringe}", "syringe", "syringes",
     "each", "ea", "{each}", "capsule", "capsules", "cap", "{capsule}", "vial", "{vial}"}
)


# ---------------------------------------------------------------- dose


def _route(dosage: Any) -> str:
    route = get(dosage, "route")
    for system, code, _ in codings(route):
        if system == SNOMED and code in _ROUTE_CODES:
            return _ROUTE_CODES[code]
    return route_from_text(concept_text(route))


def _per_day(timing: Any) -> float | None:
    if timing is None:
        return None
    repeat = get(timing, "repeat")
    if repeat is not None:
        period = get(repeat, "period")
        unit = str(get(repeat, "periodUnit") or "")
        if period and unit in _PERIOD_DAYS:
            frequency = float(get(repeat, "frequency") or 1)
            return round(frequency / (float(period) * _PERIOD_DAYS[unit]), 6)
    code = get(timing, "code")
    codes = " ".join(c for _, c, _ in codings(code))
    return per_day_from_text(f"{codes} {concept_text(code)}")


def _dose_in(dosage: Any, dose_units: frozenset[str]) -> float | None:
    """The first doseAndRate.doseQuantity value whose unit is one of `dose_units`."""
    for dose_and_rate in as_list(get(dosage, "doseAndRate")):
        quantity = get(dose_and_rate, "doseQuantity")
        if quantity is None or get(quantity, "value") is None:
            continue
        unit = str(get(quantity, "code") or get(quantity, "unit") or "").strip().lower()
        if unit in dose_units:
            return float(get(quantity, "value"))
    return None


def _product_units(dosage: Any) -> float | None:
    """How many product units (tablets, syringes) one dose is, when the dose counts units."""
    return _dose_in(dosage, _PRODUCT_UNITS)


def dose_from_dosage(dosage: Any, product: str = "") -> Dose | None:
    """Dose of one Dosage (doseAndRate, else its text, else product units x product strength),
    None when unreadable."""
    text = " ".join(
        str(t) for t in (get(dosage, "text"), get(dosage, "patientInstruction")) if t
    )
    amount: tuple[float, str] | None = None
    for dose_and_rate in as_list(get(dosage, "doseAndRate")):
        quantity = get(dose_and_rate, "doseQuantity")
        if quantity is None:
            quantity = get(get(dose_and_rate, "doseRange"), "low")
        amount = _quantity_dose(quantity)
        if amount is not None:
            break
    if amount is None:
        amount = _quantity_dose(get(dosage, "dose"))  # MedicationAdministration.dosage
    if amount is None:
        amount = dose_from_text(text)
    if amount is None and product:
        units = _product_units(dosage)
        strength = product_strength(product) if units is not None else None
        if units is not None and strength is not None:
            amount = (round(units * strength[0], 6), strength[1])
    if amount is None and product:
        # Epic/Cerner injectables are often dosed in mL ("0.4 mL" of a 40 mg/0.4 mL syringe):
        # without this a prophylactic LMWH order read as "dose unknown" counted as therapeutic.
        millilitres = _millilitres(dosage)
        concentration = concentration_per_ml(product) if millilitres is not None else None
        if millilitres is not None and concentration is not None:
            amount = (round(millilitres * concentration[0], 6), concentration[1])
    if amount is None:
        return None
    per_day = _per_day(get(dosage, "timing"))
    if per_day is None and text:
        per_day = per_day_from_text(text)
    route = _route(dosage) or route_from_text(text)
    return Dose(value=amount[0], unit=amount[1], per_day=per_day, route=route)


_ML_UNITS = frozenset({"ml", "milliliter", "milliliters", "millilitre", "millilitres", "cc"})


def _millilitres(dosage: Any) -> float | None:
    return _dose_in(dosage, _ML_UNITS)


def _quantity_dose(quantity: Any) -> tuple[float, str] | None:
    if quantity is None:
        return None
    value = get(quantity, "value")
    if value is None:
        return None
    unit = get(quantity, "code") or get(quantity, "unit")
    return normalize_dose_unit(float(value), str(unit) if unit else None)


def _dose(model: Any, kind: MedicationKind, product: str = "") -> Dose | None:
    if kind is MedicationKind.REQUEST:
        dosages = as_list(get(model, "dosageInstruction"))
    else:
        dosages = as_list(get(model, "dosage"))
    for dosage in dosages:
        dose = dose_from_dosage(dosage, product)
        if dose is not None:
            return dose
    if kind is MedicationKind.ADMINISTRATION and not dosages:
        # An administration without dosage records one unit of the product given.
        strength = product_strength(product)
        if strength is not None:
            return Dose(value=strength[0], unit=strength[1])
    return None
