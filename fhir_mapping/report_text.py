"""Free-text readers of imaging report text: DVT result, completeness, CFV waveform, lesion
behavior, compression side and IVUS measurements.

Text is read negation-aware (`fhir_mapping.text`): a hedged statement ("cannot exclude DVT")
is neither positive nor negative, and no statement never defaults to a result. Used by the
DiagnosticReport converter (`fhir_mapping.reports`) and by Observations whose value is text.
"""

from __future__ import annotations

import re
from datetime import datetime

from cds_hooks.guideline.findings import (
    Behavior,
    IvusStenosis,
    LesionBehavior,
    ReferenceDiameter,
    Result,
    Side,
    Source,
    Waveform,
)

from . import text as clinical_text
from .laterality import combine, side_from_text
from .terminology import imaging as vs

# Sentences naming the reason for the study, not its findings ("Indication: rule out DVT").
_HEADER_SENTENCE = re.compile(
    r"^(indication|indications|history|clinical history|clinical information|reason for "
    r"(exam|study|examination|referral)|comparison|technique|clinical question)\b"
)
_POSITIVE_EXTRA = (
    "non-compressible", "noncompressible", "not compressible", "incompressible",
    "partially compressible", "echogenic material", "intraluminal echoes", "filling defect",
)  # fmt: skip
_STRONG_DOPPLER = ("doppler", "waveform", "waveforms", "cfv", "common femoral", "phasic",
                   "phasicity", "spectral")
_LESION_CONTEXT = (
    "ivus", "intravascular", "lesion", "stenosis", "narrowing", "compression", "compressed",
    "venography", "venogram", "civ", "common iliac", "external iliac", "eiv", "iliac vein",
    "collapses", "collapse", "positional", "fixed", "dynamic",
)  # fmt: skip
_STENOSIS_CONTEXT = ("stenosis", "narrowing", "compression", "reduction", "stenotic",
                     "compressed", "luminal loss", "lumen loss")


def findings_text(text: str) -> str:
    """The report text without the sentences that state why it was done."""
    kept = [s for s in clinical_text.sentences(text) if not _HEADER_SENTENCE.match(s)]
    return ". ".join(kept)


def result_from_text(text: str) -> Result:
    """DVT result of report text: a thrombus affirmed anywhere is positive; every mention
    negated (or a normal study) is negative; hedged or silent text is unknown."""
    body = findings_text(text)
    if not body:
        return Result.UNKNOWN
    acute = _without_chronic(body)
    if clinical_text.affirmed(acute, vs.THROMBUS_TEXT) or clinical_text.affirmed(
        acute, _POSITIVE_EXTRA
    ):
        return Result.POSITIVE
    state = clinical_text.assertion(body, vs.THROMBUS_TEXT)
    if state in (clinical_text.Assertion.AFFIRMED, clinical_text.Assertion.UNCERTAIN):
        # Only chronic thrombus, or a hedged statement: neither a new DVT nor its exclusion.
        return Result.UNKNOWN
    if state is clinical_text.Assertion.NEGATED or clinical_text.affirmed(
        body, vs.NORMAL_STUDY_TEXT
    ):
        return Result.NEGATIVE
    return Result.UNKNOWN


_CHRONIC_THROMBUS = re.compile(
    r"\b(?:chronic|old|residual|organi[sz]ed|recanali[sz]ed|post-?thrombotic|prior|previous)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:thrombus|thrombi|thrombosis|dvt|clot|deep vein thrombosis"
    r"|deep venous thrombosis)\b"
)
_ACUTE_WORDS = ("acute", "new", "fresh", "subacute", "propagating", "propagation")


# Superficial vein thrombosis is not DVT: a sentence naming only superficial veins (no deep
# vein, no saphenofemoral/saphenopopliteal junction) does not make a duplex positive.
_SUPERFICIAL_TEXT = ("saphenous", "gsv", "ssv", "superficial", "thrombophlebitis",
                     "varicose", "varicosity", "varicosities", "cephalic", "basilic")
_DEEP_TEXT = ("deep", "dvt", "femoral", "popliteal", "iliac", "tibial", "peroneal", "soleal",
              "gastrocnemius", "cfv", "sfv", "profunda", "junction", "calf vein", "calf veins")


def _without_chronic(text: str) -> str:
    """The text with chronic-thrombus mentions blanked, unless a sentence also says acute,
    and with sentences about superficial veins only left out."""
    kept = []
    for sentence in clinical_text.sentences(text):
        if clinical_text.has_any(sentence, _SUPERFICIAL_TEXT) and not clinical_text.has_any(
            sentence, _DEEP_TEXT
        ):
            continue
        if not clinical_text.affirmed(sentence, _ACUTE_WORDS):
            sentence = _CHRONIC_THROMBUS.sub("chronic finding", sentence)
        kept.append(sentence)
    return ". ".join(kept)


_LIMITED_STUDY_TEXT = ("limited study", "limited examination", "limited evaluation")


def incomplete_text(text: str) -> bool:
    """True when the text says a vein segment was not visualized / assessed."""
    for sentence in clinical_text.sentences(text):
        if clinical_text.has_any(sentence, vs.NOT_VISUALIZED_TEXT) and (
            clinical_text.has_any(sentence, vs.VEIN_SEGMENT_TEXT)
            or clinical_text.has_any(sentence, _LIMITED_STUDY_TEXT)
        ):
            return True
        if clinical_text.has_any(sentence, _LIMITED_STUDY_TEXT):
            return True
    return False


def _strip(sentence: str, phrases: tuple[str, ...]) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        sentence = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", sentence)
    return sentence


def waveform_from_text(text: str, *, doppler: bool = False) -> Waveform | None:
    """CFV Doppler waveform stated in text; None when no Doppler sentence states it.

    `doppler` says the whole text is about the CFV Doppler (the value of a waveform
    Observation), so a sentence needs no Doppler word of its own.
    """
    states: set[Waveform] = set()
    for sentence in clinical_text.sentences(text):
        strong = doppler or clinical_text.has_any(sentence, _STRONG_DOPPLER)
        if not strong and not clinical_text.has_any(sentence, vs.DOPPLER_CONTEXT_TEXT):
            continue
        if clinical_text.has_any(sentence, _LESION_CONTEXT) and not strong:
            continue  # "varies with respiration" of a lesion is its behavior, not a waveform
        non_phasic = clinical_text.assertion(sentence, vs.NON_PHASIC_TEXT)
        if non_phasic is clinical_text.Assertion.AFFIRMED:
            states.add(Waveform.NON_PHASIC)
            continue
        rest = _strip(sentence, vs.NON_PHASIC_TEXT)
        phasic = clinical_text.assertion(rest, (*vs.PHASIC_TEXT, "phasicity"))
        if phasic is clinical_text.Assertion.AFFIRMED:
            states.add(Waveform.PHASIC)
        elif phasic is clinical_text.Assertion.NEGATED:
            states.add(Waveform.NON_PHASIC)
        elif non_phasic is clinical_text.Assertion.NEGATED:
            states.add(Waveform.PHASIC)
    if len(states) == 1:
        return states.pop()
    # A non-phasic segment is the finding that matters when sentences differ.
    return Waveform.NON_PHASIC if Waveform.NON_PHASIC in states else None


def behavior_from_text(text: str) -> Behavior | None:
    """Lesion behavior (IVUS/venography) stated in text; no statement -> None, never fixed."""
    states: set[Behavior] = set()
    for sentence in clinical_text.sentences(text):
        if clinical_text.has_any(sentence, _STRONG_DOPPLER) and not clinical_text.has_any(
            sentence, ("lesion", "stenosis", "ivus", "compression")
        ):
            continue  # a Doppler sentence: respiratory variation there is a waveform
        fixed = clinical_text.assertion(sentence, vs.FIXED_TEXT)
        rest = _strip(sentence, vs.FIXED_TEXT)
        dynamic = clinical_text.assertion(rest, vs.DYNAMIC_TEXT)
        if dynamic is clinical_text.Assertion.AFFIRMED:
            states.add(Behavior.DYNAMIC)
        if fixed is clinical_text.Assertion.AFFIRMED:
            states.add(Behavior.FIXED)
        elif fixed is clinical_text.Assertion.NEGATED and dynamic is not (
            clinical_text.Assertion.AFFIRMED
        ):
            states.add(Behavior.DYNAMIC)
        if dynamic is clinical_text.Assertion.NEGATED and fixed is clinical_text.Assertion.ABSENT:
            states.add(Behavior.FIXED)
    # Contradictory statements leave the behavior unknown rather than guessed.
    return states.pop() if len(states) == 1 else None


def compression_side_from_text(text: str, default: Side = Side.UNKNOWN) -> Side | None:
    """Side of an iliac vein compression the text affirms; None when it affirms none."""
    sides: list[Side] = []
    for sentence in clinical_text.sentences(text):
        if clinical_text.affirmed(sentence, vs.COMPRESSION_TEXT):
            sides.append(_compressed_vein_side(sentence))
    if not sides:
        return None
    side = combine(sides)
    return side if side is not Side.UNKNOWN else default


_VEIN_SIDE = re.compile(
    r"\b(left|right|lt|rt|l|r)\s+(?:(?:common|external)\s+)?(?:iliac\s+vein|civ|eiv)\b"
)
_VEIN_SIDE_WORD = {"left": Side.LEFT, "lt": Side.LEFT, "l": Side.LEFT,
                   "right": Side.RIGHT, "rt": Side.RIGHT, "r": Side.RIGHT}
# The compressing artery ("by the right common iliac artery") names the other side.
_COMPRESSOR = re.compile(r"\b(by|between|from)\b.*\bartery\b.*$")


def _compressed_vein_side(sentence: str) -> Side:
    """Side of the compressed vein, not of the artery that compresses it."""
    veins = {_VEIN_SIDE_WORD[m.group(1)] for m in _VEIN_SIDE.finditer(sentence)}
    if len(veins) == 1:
        return veins.pop()
    return side_from_text(_COMPRESSOR.sub("", sentence))


def ivus_findings(
    text: str,
    side: Side,
    when: datetime | None,
    source: Source,
    *,
    ivus: bool = True,
) -> list[IvusStenosis | ReferenceDiameter | LesionBehavior]:
    """IVUS measurements and lesion behavior stated in a venography/IVUS report's text.

    Percent stenoses and reference diameters are taken only when the report is an IVUS report
    (`ivus`): a venographic percentage is not an IVUS measurement.
    """
    found: list[IvusStenosis | ReferenceDiameter | LesionBehavior] = []
    for sentence in clinical_text.sentences(text) if ivus else ():
        sentence_side = side_from_text(sentence)
        if sentence_side is Side.UNKNOWN:
            sentence_side = side
        if clinical_text.has_any(sentence, _STENOSIS_CONTEXT):
            for chunk in re.split(r",|;|\band\b|\bwith\b", sentence):
                for value in clinical_text.percentages(chunk):
                    if value > 100:
                        continue
                    found.append(IvusStenosis(
                        percent=value,
                        area=_is_area(chunk, sentence),
                        side=side_from_text(chunk) if side_from_text(chunk) is not Side.UNKNOWN
                        else sentence_side,
                        when=when,
                        source=source,
                    ))
        if clinical_text.has_any(sentence, vs.REFERENCE_TEXT):
            diameter = _reference_mm(sentence)
            if diameter is not None:
                found.append(ReferenceDiameter(mm=diameter, side=sentence_side, from_ivus=True,
                                               when=when, source=source))
    behavior = behavior_from_text(text)
    if behavior is not None:
        found.append(LesionBehavior(behavior=behavior, side=side, when=when, source=source))
    return found


def _is_area(chunk: str, sentence: str) -> bool:
    if clinical_text.has_any(chunk, ("area",)):
        return True
    if clinical_text.has_any(chunk, ("diameter",)):
        return False
    return clinical_text.has_any(sentence, ("area",)) and not clinical_text.has_any(
        sentence, ("diameter",)
    )


def _reference_mm(sentence: str) -> float | None:
    """The first length after the word 'reference' ('reference EIV diameter 14 mm')."""
    start = sentence.find("reference")
    if start < 0:
        start = 0
    values = clinical_text.lengths_mm(sentence[start:])
    plausible = [v for v in values if 0 < v < 40]  # no iliac vein is 4 cm wide
    return plausible[0] if plausible else None


__all__ = [
    "behavior_from_text",
    "compression_side_from_text",
    "findings_text",
    "incomplete_text",
    "ivus_findings",
    "result_from_text",
    "waveform_from_text",
]
