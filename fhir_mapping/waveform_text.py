"""CFV Doppler waveform and IVUS/venography lesion behavior stated in report text.

Non-phasic: "non-phasic", "monophasic", "continuous flow/signal", "non-respirophasic",
"blunted", "flat", "dampened", "loss/absence/lack of (normal) respiratory phasicity/variation";
phasic: "phasic (with respiration)", "respirophasic", "normal respiratory phasicity/variation".
Each statement is read on its own, with its own negation ("no loss of phasicity" is phasic) and
side, so a bilateral report gives each leg its own waveform. Past statements never count.
"""

from __future__ import annotations

import re

from cds_hooks.guideline.findings import Behavior, Side, Waveform

from . import text as clinical_text
from .statements import Statement, statements
from .terminology import imaging as vs

_NON_PHASIC_RE = re.compile(
    r"(?<![\w-])(?:non[- ]?(?:phasic|respirophasic|respiratory[- ]?phasic)|monophasic"
    r"|continuous(?: (?:and|,) ?(?:non[- ]?phasic|monophasic))?(?: (?:venous|doppler|spectral"
    r"|low[- ]velocity|forward))?(?: (?:flow|signal|signals|waveform|waveforms|pattern|doppler))?"
    r"|(?:loss|absence|lack|absent|reduction|diminution|dampening|blunting|attenuation"
    r"|decreased|diminished|reduced|dampened|blunted|attenuated|abolished|poor|no)"
    r"(?: of)?(?: the)?(?: normal)?(?: respiratory| respiro-?)?(?: phasicity| phasic flow"
    r"| phasic variation| variation| variability| phasic pattern)"
    r"|flat|flattened|blunted|dampened|damped"
    r"|(?:phasic flow|phasicity|respiratory variation|respiratory phasicity)"
    r" (?:is |was |has been )?(?:lost|absent|abolished|diminished|reduced|decreased)"
    r"|(?:has |have )?lost (?:its |the |their )?(?:normal )?(?:respiratory )?"
    r"(?:phasicity|variation))"
    r"(?![\w-])"
)
_PHASIC_RE = re.compile(
    r"(?<![\w-])(?:(?:normal |preserved )?(?:respiro)?phasic(?:ity)?(?: flow| waveforms?)?"
    r"(?: with respiration)?|respiratory (?:phasicity|variation|variability)"
    r"|var(?:ies|ied|y|ying)(?: normally| appropriately)? with respiration"
    r"|normal (?:doppler )?(?:waveforms?|spectral waveforms?)"
    r"|(?:waveforms?|doppler|spectral doppler)\s*(?::|is|are)\s*normal)(?![\w-])"
)
# A statement about the CFV Doppler: words that make it one whatever else it says...
_STRONG_DOPPLER = re.compile(
    r"\b(?:doppler|waveforms?|spectral|cfv|common femoral|phasic\w*|respirophasic|monophasic"
    r"|non-?phasic|signals?)\b"
)
# ...and weaker ones, that do not when the statement is about an IVUS lesion.
_WEAK_DOPPLER = re.compile(r"\b(?:flow|continuous|augmentation|respiratory variation)\b")
_LESION_CONTEXT = re.compile(
    r"\b(?:ivus|intravascular|lesion|stenos\w*|narrow\w*|compress\w*|venograph\w*|venogram"
    r"|civ|common iliac|external iliac|eiv|iliac vein|collaps\w*|positional|fixed|dynamic)\b"
)


# The fixed-lesion phrases, removed before reading dynamic ones ("no respiratory variation"
# must not read as "respiratory variation").
_FIXED_PHRASES = re.compile(
    "|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in sorted(vs.FIXED_TEXT, key=len, reverse=True))
)


def _statement_waveform(sentence: str, doppler: bool) -> Waveform | None:
    strong = doppler or bool(_STRONG_DOPPLER.search(sentence))
    if not strong and (not _WEAK_DOPPLER.search(sentence) or _LESION_CONTEXT.search(sentence)):
        return None  # "varies with respiration" of a lesion is its behavior, not a waveform
    non_phasic = clinical_text.pattern_assertion(sentence, _NON_PHASIC_RE)
    if non_phasic is clinical_text.Assertion.AFFIRMED:
        return Waveform.NON_PHASIC
    rest = _NON_PHASIC_RE.sub(" ", sentence)
    phasic = clinical_text.pattern_assertion(rest, _PHASIC_RE)
    if phasic is clinical_text.Assertion.AFFIRMED:
        return Waveform.PHASIC
    if phasic is clinical_text.Assertion.NEGATED:
        return Waveform.NON_PHASIC
    if non_phasic is clinical_text.Assertion.NEGATED:
        return Waveform.PHASIC
    return None


def _combine(states: set[Waveform]) -> Waveform | None:
    if len(states) == 1:
        return states.pop()
    # A non-phasic segment is the finding that matters when statements differ.
    return Waveform.NON_PHASIC if Waveform.NON_PHASIC in states else None


def waveforms(found: list[Statement], *, doppler: bool = False) -> dict[Side, Waveform]:
    """The waveform each side's statements state (UNKNOWN = statements naming no side)."""
    by_side: dict[Side, set[Waveform]] = {}
    for statement in found:
        if not statement.current:
            continue
        state = _statement_waveform(statement.current, doppler)
        if state is not None:
            by_side.setdefault(statement.side, set()).add(state)
    return {side: w for side, states in by_side.items() if (w := _combine(states)) is not None}


def side_waveform(by_side: dict[Side, Waveform], side: Side) -> Waveform | None:
    """Waveform of one leg: its own statements, else statements naming no single side."""
    states = {w for s, w in by_side.items() if s is side or s is Side.BILATERAL}
    if side in (Side.UNKNOWN, Side.BILATERAL):
        states = set(by_side.values())
    elif not states and Side.UNKNOWN in by_side:
        states = {by_side[Side.UNKNOWN]}
    return _combine(states)


def waveform_from_text(text: str, *, doppler: bool = False) -> Waveform | None:
    """CFV Doppler waveform stated in text; None when no Doppler statement states it.

    `doppler` says the whole text is about the CFV Doppler (the value of a waveform
    Observation), so a statement needs no Doppler word of its own.
    """
    return _combine(set(waveforms(statements(text), doppler=doppler).values()))


def behavior_from_text(text: str) -> Behavior | None:
    """Lesion behavior (IVUS/venography) stated in text; no statement -> None, never fixed."""
    states: set[Behavior] = set()
    for statement in statements(text):
        sentence = statement.current
        if not sentence:
            continue
        if _STRONG_DOPPLER.search(sentence) and not clinical_text.has_any(
            sentence, ("lesion", "stenosis", "ivus", "compression")
        ):
            continue  # a Doppler sentence: respiratory variation there is a waveform
        fixed = clinical_text.assertion(sentence, vs.FIXED_TEXT)
        rest = _FIXED_PHRASES.sub(" ", sentence)
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


__all__ = ["behavior_from_text", "side_waveform", "waveform_from_text", "waveforms"]
