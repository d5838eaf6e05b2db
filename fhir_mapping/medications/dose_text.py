"""Doses written as text: dose units normalized to the guideline's (mg, mg/kg, [iU]), routes
and frequencies in dosage text, doses in free text, and product strengths / concentrations in
RxNorm-style product names.
"""

from __future__ import annotations

import re

_ROUTE_TEXT = (
    (re.compile(r"\b(subcutaneous(ly)?|subcut|sub-?q|sc|sq|s\.c\.)\b"), "subcutaneous"),
    (re.compile(r"\b(intravenous(ly)?|iv|i\.v\.|infusion|bolus)\b"), "intravenous"),
    (re.compile(r"\b(oral(ly)?|po|p\.o\.|by mouth)\b"), "oral"),
)


_UNIT_ALIASES: dict[str, str] = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mg/kg": "mg/kg",
    "[iu]": "[iU]",
    "iu": "[iU]",
    "u": "[iU]",
    "[u]": "[iU]",
    "unit": "[iU]",
    "units": "[iU]",
    "unt": "[iU]",
    "[iu]/kg": "[iU]/kg",
    "iu/kg": "[iU]/kg",
    "u/kg": "[iU]/kg",
    "unit/kg": "[iU]/kg",
    "units/kg": "[iU]/kg",
}
_SCALED_UNITS: dict[str, tuple[float, str]] = {
    "g": (1000.0, "mg"),
    "gram": (1000.0, "mg"),
    "grams": (1000.0, "mg"),
    "ug": (0.001, "mg"),
    "mcg": (0.001, "mg"),
    "microgram": (0.001, "mg"),
    "micrograms": (0.001, "mg"),
}

# Timing.code and text abbreviations -> administrations per day.
def _every(hours: int) -> str:
    return rf"q{hours}h|q\s?{hours}\s?h(ours?|rs?)?|every {hours} hours"


_FREQUENCY_WORDS: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(rf"\b({words})\b"), per_day)
    for words, per_day in (
        (rf"qid|{_every(6)}|four times (a |per )?day", 4.0),
        (rf"tid|{_every(8)}|three times (a |per )?day", 3.0),
        (rf"bid|b\.i\.d\.|{_every(12)}|twice (a |per )?day|twice daily", 2.0),
        (r"qod|every other day", 0.5),
        (rf"qd|{_every(24)}|daily|once (a |per )?day|once daily|nightly|qhs|qam|qpm", 1.0),
    )
)


_DOSE_TEXT = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(mg/kg|units?/kg|iu/kg|u/kg|mg|mcg|ug|g|units?|iu|u)\b",
    re.IGNORECASE,
)

# Product strengths in RxNorm names: "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe"
# (volume x concentration), "enoxaparin 40 MG in 0.4 ML" / "40 MG/0.4 ML" (per unit), or
# "Warfarin Sodium 5 MG Oral Tablet" (per unit).
_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_STRENGTH_UNIT = r"(mg|unt|units?|iu)"
_VOLUME_TIMES_CONCENTRATION = re.compile(
    rf"{_AMOUNT}\s*ml\b.*?{_AMOUNT}\s*{_STRENGTH_UNIT}\s*/\s*ml\b", re.IGNORECASE
)
_PER_VOLUME = re.compile(
    rf"{_AMOUNT}\s*{_STRENGTH_UNIT}\s*(?:/|in)\s*{_AMOUNT}\s*ml\b", re.IGNORECASE
)
_PER_UNIT = re.compile(rf"{_AMOUNT}\s*{_STRENGTH_UNIT}\b(?!\s*/\s*(?:\d|ml))", re.IGNORECASE)


def normalize_dose_unit(value: float, unit: str | None) -> tuple[float, str] | None:
    """(value, unit) in the units the guideline compares: mg, mg/kg, [iU], [iU]/kg."""
    key = (unit or "").strip().lower().replace(" ", "")
    if key in _UNIT_ALIASES:
        return value, _UNIT_ALIASES[key]
    if key in _SCALED_UNITS:
        factor, target = _SCALED_UNITS[key]
        return round(value * factor, 6), target
    return None


def route_from_text(text: str) -> str:
    text = text.lower()
    for pattern, route in _ROUTE_TEXT:
        if pattern.search(text):
            return route
    return ""


def per_day_from_text(text: str) -> float | None:
    text = text.lower()
    for pattern, per_day in _FREQUENCY_WORDS:
        if pattern.search(text):
            return per_day
    return None


def dose_from_text(text: str) -> tuple[float, str] | None:
    """The first dose stated in free text ("40 mg daily", "5,000 units SC q8h")."""
    match = _DOSE_TEXT.search(text)
    if match is None:
        return None
    value = float(match.group(1).replace(",", ""))
    return normalize_dose_unit(value, match.group(2))


def product_strength(text: str) -> tuple[float, str] | None:
    """Amount of drug in one unit of a product named like RxNorm does, or None.

    Only a single unambiguous strength counts; combination or multi-strength names give None.
    """
    match = _VOLUME_TIMES_CONCENTRATION.search(text)
    if match is not None:
        volume, concentration = _number(match.group(1)), _number(match.group(2))
        return normalize_dose_unit(round(volume * concentration, 6), match.group(3))
    match = _PER_VOLUME.search(text)
    if match is not None:
        return normalize_dose_unit(_number(match.group(1)), match.group(2))
    strengths = {(_number(m.group(1)), m.group(2).lower()) for m in _PER_UNIT.finditer(text)}
    if len(strengths) != 1:
        return None
    value, unit = strengths.pop()
    return normalize_dose_unit(value, unit)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


_CONCENTRATION = re.compile(rf"{_AMOUNT}\s*{_STRENGTH_UNIT}\s*/\s*ml\b", re.IGNORECASE)


def concentration_per_ml(text: str) -> tuple[float, str] | None:
    """Amount of drug per mL of a product named like RxNorm does, or None.

    "enoxaparin sodium 40 MG in 0.4 ML" -> 100 mg/mL; "heparin 5,000 UNT/ML" -> 5000 [iU]/mL.
    Only a single unambiguous concentration counts.
    """
    match = _VOLUME_TIMES_CONCENTRATION.search(text)
    if match is not None:
        return normalize_dose_unit(_number(match.group(2)), match.group(3))
    match = _PER_VOLUME.search(text)
    if match is not None:
        volume = _number(match.group(3))
        if volume <= 0:
            return None
        return normalize_dose_unit(round(_number(match.group(1)) / volume, 6), match.group(2))
    found = {(_number(m.group(1)), m.group(2).lower()) for m in _CONCENTRATION.finditer(text)}
    if len(found) != 1:
        return None
    value, unit = found.pop()
    return normalize_dose_unit(value, unit)
