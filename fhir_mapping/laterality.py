"""Which leg a finding concerns, in the input profile's order of trust.

1. the ICD-10-CM code's laterality character, 2. a lateralized SNOMED bodySite (left/right lower
limb), 3. a bodySite laterality qualifier (second coding or extension), 4. free text.
Anything else stays `Side.UNKNOWN`, which the guideline never treats as left or right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from cds_hooks.guideline.findings import Side

from .fhir_types import ICD10CM, SNOMED, as_list, codings, concept_text, get

# ICD-10-CM families whose last character is laterality (1 right, 2 left, 3 bilateral).
# O22.3x is deliberately absent: its last character is the trimester.
# Prefix -> the code length whose last character is laterality ("I8241", a category, is not).
_LATERAL_LAST_CHAR: dict[str, int] = {
    "I824": 6, "I825": 6, "I801": 5, "I802": 6, "R224": 5, "Z9664": 6, "M707": 5, "I702": 6,
}
_LAST_CHAR_SIDE = {"1": Side.RIGHT, "2": Side.LEFT, "3": Side.BILATERAL}
# Codes whose laterality is not a trailing 1/2/3.
_ICD_EXACT_SIDE = {"R1903": Side.RIGHT, "R1904": Side.LEFT}

_LIMB_SITE_SIDE = {"32153003": Side.LEFT, "62175007": Side.RIGHT}
_QUALIFIER_SIDE = {"7771000": Side.LEFT, "24028007": Side.RIGHT, "51440002": Side.BILATERAL}

_BILATERAL_TEXT = re.compile(
    r"\b(bilateral(ly)?|bilat|both (legs|lower (limbs|extremities))|ble)\b"
)
_LEFT_TEXT = re.compile(r"\b(left|lt|lle|l (leg|lower (limb|extremity)|civ|cia|eiv|cfv))\b")
_RIGHT_TEXT = re.compile(r"\b(right|rt|rle|r (leg|lower (limb|extremity)|civ|cia|eiv|cfv))\b")


def icd10_side(code: str) -> Side:
    """Laterality from a normalized ICD-10-CM code, UNKNOWN when the code carries none."""
    if code in _ICD_EXACT_SIDE:
        return _ICD_EXACT_SIDE[code]
    for prefix, length in _LATERAL_LAST_CHAR.items():
        if code.startswith(prefix) and len(code) == length:
            return _LAST_CHAR_SIDE.get(code[-1], Side.UNKNOWN)
    return Side.UNKNOWN


def side_from_codes(codes: Iterable[tuple[str, str]]) -> Side:
    for system, code in codes:
        if system == ICD10CM:
            side = icd10_side(code)
            if side is not Side.UNKNOWN:
                return side
    return Side.UNKNOWN


def _qualifier_codes(body_site: Any) -> Iterable[tuple[str, str]]:
    """Laterality codings carried as an extension of a bodySite or of one of its codings."""
    holders = [body_site, *as_list(get(body_site, "coding"))]
    for holder in holders:
        yield from _extension_codes(as_list(get(holder, "extension")), _MAX_EXTENSION_DEPTH)


# Complex extensions nest (a qualifier extension holding a `laterality` sub-extension); deeper
# nesting than this is not laterality and is not walked (bounded cost on hostile input).
_MAX_EXTENSION_DEPTH = 3


def _extension_codes(extensions: list[Any], depth: int) -> Iterable[tuple[str, str]]:
    for ext in extensions:
        value = get(ext, "valueCodeableConcept") or get(ext, "valueCoding")
        for system, code, _ in codings(value):
            yield system, code
        if depth > 1:
            yield from _extension_codes(as_list(get(ext, "extension")), depth - 1)


def side_from_body_sites(body_sites: Any) -> Side:
    """Lateralized limb codes first, then laterality qualifiers (coding or extension)."""
    sites = as_list(body_sites)
    for site in sites:
        for system, code, _ in codings(site):
            if system == SNOMED and code in _LIMB_SITE_SIDE:
                return _LIMB_SITE_SIDE[code]
    for site in sites:
        qualifiers = [(s, c) for s, c, _ in codings(site)]
        qualifiers.extend(_qualifier_codes(site))
        for system, code in qualifiers:
            if system == SNOMED and code in _QUALIFIER_SIDE:
                return _QUALIFIER_SIDE[code]
    return Side.UNKNOWN


def side_from_text(text: str) -> Side:
    """Left/right/bilateral stated in free text; a text naming both sides stays UNKNOWN
    unless it says bilateral, because "right leg swollen, left normal" is not bilateral."""
    text = text.lower()
    if _BILATERAL_TEXT.search(text):
        return Side.BILATERAL
    left = _LEFT_TEXT.search(text) is not None
    right = _RIGHT_TEXT.search(text) is not None
    if left and not right:
        return Side.LEFT
    if right and not left:
        return Side.RIGHT
    return Side.UNKNOWN


# A side stated as normal/unaffected ("right leg normal", "no edema of the right leg") is not
# the swollen side.
_SIDE = r"(?:left|right|lt|rt|l|r)"
_LIMB = r"(?:\s+(?:leg|lower (?:limb|extremity)|calf|thigh|side|one))?"
_NORMAL_SIDE_TEXT = re.compile(
    rf"\b{_SIDE}{_LIMB}(?:\s+(?:is|was))?\s+(?:normal|unremarkable|unaffected|not swollen|"
    rf"without (?:swelling|edema|oedema))\b"
    rf"|\b(?:no|without) (?:swelling|edema|oedema)(?: (?:of|in|on))?(?: the)? {_SIDE}\b"
    rf"|\b(?:normal|unremarkable|unaffected) {_SIDE}\b"
)


def swollen_side_from_text(text: str) -> Side:
    """Side of a *present* swelling stated in free text, ignoring a side stated as normal or
    not swollen ("left leg swelling, right leg normal" -> left; "leg swelling; right leg
    normal" -> unknown, never the normal right leg)."""
    return side_from_text(_NORMAL_SIDE_TEXT.sub(" ", text.lower()))


def side_from(codes: Iterable[tuple[str, str]], body_sites: Any = None, text: str = "") -> Side:
    """Side of a finding: code laterality, then bodySite, then bodySite text, then `text`."""
    side = side_from_codes(codes)
    if side is Side.UNKNOWN:
        side = side_from_body_sites(body_sites)
    if side is Side.UNKNOWN:
        side = side_from_text(concept_text(body_sites))
    if side is Side.UNKNOWN and text:
        side = side_from_text(text)
    return side


def combine(sides: Iterable[Side]) -> Side:
    """Left and right together mean bilateral; UNKNOWN adds nothing."""
    known = {s for s in sides if s is not Side.UNKNOWN}
    if not known:
        return Side.UNKNOWN
    if Side.BILATERAL in known or {Side.LEFT, Side.RIGHT} <= known:
        return Side.BILATERAL
    return known.pop()
