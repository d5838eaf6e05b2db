"""Unit conversion of FHIR Quantities into the unit each finding is defined in.

Every converter returns `None` for a unit it does not know: a value in an unknown unit is
dropped rather than guessed, because a misread creatinine or platelet count changes a card.
A missing unit means the finding's own unit (EHRs often omit it for the customary unit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from .reading import unreadable

# Molar mass based factors: creatinine 88.4 umol/L per mg/dL, bilirubin 17.1 umol/L per mg/dL.
_CREATININE_UMOL_PER_MG_DL = 88.4
_BILIRUBIN_UMOL_PER_MG_DL = 17.1
# Natriuretic peptides: pg/mL per pmol/L (molecular weights 8457 Da and 3464 Da).
_NT_PROBNP_PG_PER_PMOL = 8.457
_BNP_PG_PER_PMOL = 3.464
_LB_KG = 0.45359237
_OZ_KG = 0.028349523125
_KPA_MMHG = 7.50062
# A platelet value this large in "10*3/uL" units is a raw count per microlitre (35000 -> 35).
_RAW_PLATELET_COUNT_MIN = 2000.0
# Rounding hides float noise (1.4 cm -> 14.000000000000002 mm) without losing precision.
_DIGITS = 6


def unit_key(unit: str | None) -> str:
    """Comparable form of a UCUM code or unit text: lower-case, no spaces, u for micro."""
    if not unit:
        return ""
    key = unit.strip().lower().replace(" ", "").replace("\u00b5", "u").replace("\u03bc", "u")
    return key.replace("^", "*").replace("x10", "10").replace("e3", "*3").replace("e9", "*9")


def quantity(resource_value: Any) -> tuple[float, str] | None:
    """(value, unit) of a Quantity; the UCUM `code` wins over `unit` text. A Quantity that is
    not an object, or whose value is not a number, is unreadable (a numeric string, which
    fhir.resources also accepted, is read)."""
    if resource_value is None:
        return None
    if not isinstance(resource_value, Mapping):
        unreadable("Quantity")
        return None
    value = resource_value.get("value")
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        number = float(value)
        if not math.isfinite(number):
            raise ValueError
    except (TypeError, ValueError):
        unreadable("Quantity.value")
        return None
    unit = resource_value.get("code") or resource_value.get("unit") or ""
    if not isinstance(unit, str):
        unreadable("Quantity.unit")
        return None
    return number, unit


# One number with an optional comparator and unit: "62%", "3.1 g/dL", ">60", "35,000 /uL".
# Ranges ("3.1-3.4"), several numbers or words ("hemolyzed", "see note") do not match.
_STRING_QUANTITY = re.compile(
    r"^\s*(<=|>=|<|>)?\s*(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)\s*([^\d\s][^\d]*)?$"
)


def string_quantity(text: Any) -> tuple[float, str, str] | None:
    """(value, unit, comparator) of a numeric `valueString` (Cerner/athena send "62%"), or None.

    The comparator ("<", ">", "<=", ">=" or "") is returned so that callers decide whether a
    bound is usable; a valueQuantity with a comparator is read as its bound elsewhere.
    """
    if not isinstance(text, str) or len(text) > 40:
        return None
    match = _STRING_QUANTITY.match(text)
    if match is None:
        return None
    comparator, number, unit = match.groups()
    return float(number.replace(",", "")), (unit or "").strip(), comparator or ""


def _table(factors: dict[str, float]) -> Callable[[float, str | None], float | None]:
    def convert(value: float, unit: str | None) -> float | None:
        factor = factors.get(unit_key(unit))
        return None if factor is None else round(value * factor, _DIGITS)

    return convert


_LENGTH = {
    "": 1.0, "mm": 1.0, "millimeter": 1.0, "millimeters": 1.0, "millimetre": 1.0,
    "millimetres": 1.0, "cm": 10.0, "centimeter": 10.0, "centimeters": 10.0, "centimetre": 10.0,
    "centimetres": 10.0, "m": 1000.0,
}  # fmt: skip
_WEIGHT = {
    "": 1.0, "kg": 1.0, "kilogram": 1.0, "kilograms": 1.0, "g": 0.001, "gram": 0.001,
    "grams": 0.001, "[lb_av]": _LB_KG, "lb": _LB_KG, "lbs": _LB_KG, "pound": _LB_KG,
    "pounds": _LB_KG, "[oz_av]": _OZ_KG, "oz": _OZ_KG,
}  # fmt: skip
_ALBUMIN = {"": 1.0, "g/dl": 1.0, "g/100ml": 1.0, "g/l": 0.1, "mg/dl": 0.001}
_CREATININE = {
    "": 1.0, "mg/dl": 1.0, "mg/100ml": 1.0, "umol/l": 1 / _CREATININE_UMOL_PER_MG_DL,
    "mmol/l": 1000 / _CREATININE_UMOL_PER_MG_DL, "mg/l": 0.1,
}  # fmt: skip
_BILIRUBIN = {
    "": 1.0, "mg/dl": 1.0, "umol/l": 1 / _BILIRUBIN_UMOL_PER_MG_DL,
}  # fmt: skip
_ENZYME = {"": 1.0, "u/l": 1.0, "[iu]/l": 1.0, "iu/l": 1.0, "[u]/l": 1.0}
_RATIO = {"": 1.0, "1": 1.0, "{inr}": 1.0, "inr": 1.0, "{ratio}": 1.0, "ratio": 1.0}
_EGFR = {
    "": 1.0, "ml/min/{1.73_m2}": 1.0, "ml/min/1.73m2": 1.0, "ml/min/1.73_m2": 1.0,
    "ml/min/{1.73m2}": 1.0, "ml/min/1.73m*2": 1.0, "ml/min": 1.0, "ml/min/bsa": 1.0,
}  # fmt: skip
_NT_PROBNP = {"": 1.0, "pg/ml": 1.0, "ng/l": 1.0, "pmol/l": _NT_PROBNP_PG_PER_PMOL}
_BNP = {"": 1.0, "pg/ml": 1.0, "ng/l": 1.0, "pmol/l": _BNP_PG_PER_PMOL}
_PRESSURE = {"": 1.0, "mm[hg]": 1.0, "mmhg": 1.0, "mm{hg}": 1.0, "kpa": _KPA_MMHG}
# Platelets in 10*9/L (= 10*3/uL); per-microlitre counts are divided by 1000.
_PLATELET_THOUSANDS = {
    "", "10*3/ul", "10*9/l", "k/ul", "10*3/mm3", "thou/ul", "/nl", "10*3/mcl", "k/mcl",
    "10*3/ul{platelets}", "giga/l", "g/l",
}  # fmt: skip
_PLATELET_RAW = {"/ul", "/mm3", "{cells}/ul", "cells/ul", "/mcl", "1/ul"}

to_mm = _table(_LENGTH)
to_kg = _table(_WEIGHT)
albumin_g_dl = _table(_ALBUMIN)
creatinine_mg_dl = _table(_CREATININE)
bilirubin_mg_dl = _table(_BILIRUBIN)
enzyme_u_l = _table(_ENZYME)
ratio = _table(_RATIO)
egfr_ml_min = _table(_EGFR)
nt_probnp_pg_ml = _table(_NT_PROBNP)
bnp_pg_ml = _table(_BNP)
mm_hg = _table(_PRESSURE)


def platelets_10e9_l(value: float, unit: str | None) -> float | None:
    """Platelets in 10*9/L; a raw count per microlitre (35000 /uL) becomes 35."""
    key = unit_key(unit)
    if key == "/l":
        return round(value / 1e9, _DIGITS)
    if key in _PLATELET_RAW:
        return round(value / 1000.0, _DIGITS)
    if key in _PLATELET_THOUSANDS:
        # No platelet count reaches 2000 x10^9/L: such a value is a count per microlitre.
        return round(value / 1000.0, _DIGITS) if value >= _RAW_PLATELET_COUNT_MIN else value
    return None


_PERCENT_UNITS = {"", "%", "1", "percent", "{ratio}", "ratio", "[%]", "pct"}


def percent(value: float, unit: str | None) -> float | None:
    """A percentage; a value <= 1 is a fraction whatever the unit says (0.62 -> 62)."""
    if unit_key(unit) not in _PERCENT_UNITS or value < 0:
        return None
    return round(value * 100.0, _DIGITS) if value <= 1.0 else value
