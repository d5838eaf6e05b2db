"""Stent size from an order's text: "14 x 60 mm", "1.4 x 6 cm", "60 mm long, 14 mm",
"length 90 mm, diameter 16 mm" -> (diameter_mm, length_mm)."""

from __future__ import annotations

import re

from . import text as clinical_text

__all__ = ["parse_stent_size"]


_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)?"
_BY = r"\s*(?:x|×|\*|by)\s*"
# A size may end a sentence ("stent 14 x 40."): only a decimal continuation blocks the match.
_PAIR = re.compile(rf"(?<![\w.]){_NUM}{_UNIT}{_BY}{_NUM}{_UNIT}(?!\w|\.\d)")
_DIAMETER_BEFORE = re.compile(rf"\b(?:diameter|diam|dia)\.?\s*(?:of\s+)?[:=]?\s*{_NUM}{_UNIT}")
_DIAMETER_AFTER = re.compile(rf"{_NUM}{_UNIT}\s*(?:in\s+)?(?:diameter|diam|dia|wide)\b")
# "long" only ever follows its number ("60 mm long 14 mm wide": 14 mm is no length).
_LENGTH_BEFORE = re.compile(rf"\b(?:length|len)\.?\s*(?:of\s+)?[:=]?\s*{_NUM}{_UNIT}")
_LENGTH_AFTER = re.compile(rf"{_NUM}{_UNIT}\s*(?:in\s+)?(?:long|length|len)\b")
_SINGLE = re.compile(rf"(?<![\w.]){_NUM}\s*(mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)\b")
# A venous stent is 8-28 mm wide and 40-160 mm long: a value this large is a length.
_LENGTH_MIN_MM = 40.0
# A unit-less "1.4 x 6" is in centimetres: no stent is 1.4 mm wide.
_CM_DIAMETER_MAX = 4.0
_CM_LENGTH_MAX = 25.0


def _mm(value: str, unit: str | None) -> float:
    number = float(value)
    return round(number * 10, 6) if unit and unit.startswith("c") else number


def parse_stent_size(text: str) -> tuple[float | None, float | None]:
    """(diameter_mm, length_mm) of a stent order's text: "14 x 60 mm", "1.4 x 6 cm",
    "60 mm long, 14 mm", "length 90 mm, diameter 16 mm"; diameter first unless the first
    value can only be a length. Missing values are None."""
    norm = clinical_text.normalize(text)
    used: list[tuple[int, int]] = []
    diameter = length = None

    def take(pattern: re.Pattern[str]) -> float | None:
        for m in pattern.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e in used):
                continue
            used.append((m.start(), m.end()))
            return _mm(m.group(1), m.group(2))
        return None

    diameter = take(_DIAMETER_BEFORE) or take(_DIAMETER_AFTER)
    length = take(_LENGTH_BEFORE) or take(_LENGTH_AFTER)
    if diameter is None or length is None:
        for m in _PAIR.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e in used):
                continue
            first_unit = m.group(2) or m.group(4)
            second_unit = m.group(4) or m.group(2)
            first, second = _mm(m.group(1), first_unit), _mm(m.group(3), second_unit)
            if first_unit is None and second_unit is None and (
                first <= _CM_DIAMETER_MAX and second <= _CM_LENGTH_MAX
            ):
                first, second = first * 10, second * 10
            if first >= _LENGTH_MIN_MM > second:
                first, second = second, first
            used.append((m.start(), m.end()))
            diameter = diameter if diameter is not None else first
            length = length if length is not None else second
            break
    if diameter is None or length is None:
        for m in _SINGLE.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e in used):
                continue
            value = _mm(m.group(1), m.group(2))
            if value >= _LENGTH_MIN_MM and length is None:
                length = value
            elif value < _LENGTH_MIN_MM and diameter is None:
                diameter = value
    return diameter, length
