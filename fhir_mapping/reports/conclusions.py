"""A report's conclusion codes and text -> its result, per-side results, DVT level, side,
CFV waveform of one side, and coded iliac compression.
"""

from __future__ import annotations

from collections.abc import Iterable

from cds_hooks.guideline.findings import Result, Side, VeinLevel, Waveform

from ..fhir_types import ICD10CM, LOINC, SNOMED
from ..laterality import combine
from ..report_text import dvt_level_from_text, per_side_results
from ..statements import statements
from ..terminology import imaging as vs
from ..waveform_text import side_waveform, waveforms


def _dvt_level_from_text(text: str, side: Side | None = None) -> VeinLevel:
    """Most proximal level a positive statement names (of `side` and unsided statements)."""
    return dvt_level_from_text(text, side)


def _side_waveform(text: str, side: Side) -> Waveform | None:
    """The waveform of one leg: its own statements, else statements naming no single side."""
    return side_waveform(waveforms(statements(text)), side)


def _sided_waveforms(text: str) -> dict[Side, Waveform | None] | None:
    """Each leg's waveform when the text gives the legs different ones, else None."""
    by_side = waveforms(statements(text))
    left, right = side_waveform(by_side, Side.LEFT), side_waveform(by_side, Side.RIGHT)
    return None if left is right else {Side.LEFT: left, Side.RIGHT: right}


def _code_side(codes: Iterable[tuple[str, str]]) -> Side:
    return combine(
        vs.DUPLEX_SIDE_LOINC[c] for system, c in codes
        if system == LOINC and c in vs.DUPLEX_SIDE_LOINC
    )


def _text_side(text: str) -> Side:
    return combine(s.side for s in statements(text))


def _conclusion_result(codes: Iterable[tuple[str, str]]) -> Result | None:
    positive = negative = False
    for system, code in codes:
        if system == SNOMED and code in vs.POSITIVE_CONCLUSIONS:
            positive = True
        elif system == SNOMED and code in vs.NEGATIVE_CONCLUSIONS:
            negative = True
        elif system == ICD10CM and code.startswith(vs.DVT_ICD10_PREFIXES):
            positive = True
    if positive:
        return Result.POSITIVE
    if negative:
        return Result.NEGATIVE
    return None


def _coded_compression(codes: Iterable[tuple[str, str]]) -> bool:
    return any(
        (system == ICD10CM and code in vs.ILIAC_COMPRESSION_ICD10)
        or (system == SNOMED and code in vs.ILIAC_COMPRESSION_SNOMED)
        for system, code in codes
    )


def _per_side_results(text: str, study_side: Side, overall: Result) -> dict[Side, Result] | None:
    return per_side_results(text, study_side, overall)
