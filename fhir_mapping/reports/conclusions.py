"""A report's conclusion codes and text -> its result, per-side results, DVT level, side,
CFV waveform of one side, and coded iliac compression.
"""

from __future__ import annotations

from collections.abc import Iterable

from cds_hooks.guideline.findings import Result, Side, VeinLevel, Waveform

from .. import text as clinical_text
from ..fhir_types import ICD10CM, LOINC, SNOMED
from ..laterality import combine, side_from_text
from ..report_text import result_from_text, waveform_from_text
from ..terminology import imaging as vs

_PROXIMAL_VEIN_TEXT = ("iliac", "femoral", "popliteal", "iliofemoral", "femoropopliteal",
                       "cfv", "sfv", "profunda")
_DISTAL_VEIN_TEXT = ("calf", "tibial", "peroneal", "soleal", "gastrocnemius", "ptv")


_THROMBUS_TEXT = ("thrombus", "thrombi", "thrombosis", "dvt", "clot", "occlusive",
                  "non-compressible", "noncompressible")


def _dvt_level_from_text(text: str) -> VeinLevel:
    """Proximal when a clause affirming thrombus names a vein at or above the popliteal; distal
    when such clauses name only calf veins. Clauses without thrombus ("normal compressibility
    of the femoral vein") never decide, so a calf DVT is not made proximal."""
    level = VeinLevel.UNKNOWN
    for sentence in clinical_text.sentences(text):
        for clause in sentence.split(";"):
            if not clinical_text.affirmed(clause, _THROMBUS_TEXT):
                continue
            if clinical_text.affirmed(clause, _PROXIMAL_VEIN_TEXT):
                return VeinLevel.PROXIMAL
            if clinical_text.affirmed(clause, _DISTAL_VEIN_TEXT):
                level = VeinLevel.DISTAL
    return level


def _side_waveform(text: str, side: Side) -> Waveform | None:
    """The waveform of one leg: sentences naming that leg or no leg."""
    keep = (side, Side.UNKNOWN, Side.BILATERAL)
    return waveform_from_text(
        ". ".join(s for s in clinical_text.sentences(text) if side_from_text(s) in keep)
    )


def _code_side(codes: Iterable[tuple[str, str]]) -> Side:
    return combine(
        vs.DUPLEX_SIDE_LOINC[c] for system, c in codes
        if system == LOINC and c in vs.DUPLEX_SIDE_LOINC
    )


def _text_side(text: str) -> Side:
    return combine(side_from_text(s) for s in clinical_text.sentences(text))


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
    """Split a bilateral (or unsided) study whose sentences name the side of each result.

    "Right: no DVT. Left: occlusive thrombus in the CFV." gives left POSITIVE and right
    NEGATIVE; a sentence with a result but no side keeps the study whole.
    """
    if study_side not in (Side.BILATERAL, Side.UNKNOWN):
        return None
    by_side: dict[Side, list[str]] = {Side.LEFT: [], Side.RIGHT: []}
    for sentence in clinical_text.sentences(text):
        if result_from_text(sentence) is Result.UNKNOWN:
            continue
        side = side_from_text(sentence)
        if side not in by_side:
            return None  # a result with no single side: the study cannot be split
        by_side[side].append(sentence)
    results = {
        side: result_from_text(". ".join(sentences))
        for side, sentences in by_side.items()
        if sentences
    }
    if not results:
        return None
    if study_side is Side.BILATERAL:
        for side in (Side.LEFT, Side.RIGHT):
            # A side the text does not mention keeps the study-level negative only.
            results.setdefault(side, overall if overall is Result.NEGATIVE else Result.UNKNOWN)
    return results
