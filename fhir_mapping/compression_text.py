"""Iliac vein compression stated in report text, in any word order and on any side.

A statement states compression when it names a compression word (compressed, compressing,
compression, narrowing, effacement, stenosis, impingement, flattening, encasement...) and an iliac
vein segment (common, external or internal iliac vein; CIV, EIV, IIV; left, right, both or
unstated), or names the syndrome (May-Thurner, Cockett, NIVL). Negated ("no compression of the
iliac veins") or hedged ("possible May-Thurner") statements state nothing. The side is the side of
the compressed vein nearest the compression word, never of the compressing artery ("the left CIV
compressed by the right CIA" is left).
"""

from __future__ import annotations

import re

from cds_hooks.guideline.findings import Side

from .laterality import combine
from .statements import Statement, side_of, statements
from .text import Assertion, occurrences

_SIDE_WORDS = r"left|right|lt|rt|l|r|bilateral|both"
_VEIN_RE = re.compile(
    rf"\b(?:(?P<side>{_SIDE_WORDS})(?:-sided)?\s+(?:(?P<other>and (?:left|right)|/ ?(?:l|r))\s+)?)?"
    r"(?:(?:proximal|distal|mid|common|external|internal|ext|int)\s+){0,2}"
    r"(?:iliac\s+(?:veins?|venous|vein confluence|v|vessels?)\b|civs?\b|eivs?\b|iivs?\b"
    r"|ilio-?caval\b|iliocaval\b|iliofemoral veins?\b)"
)
_SYNDROME = (
    r"may[- ]thurner|cockett(?:'s)?|nivl|non-?thrombotic iliac vein (?:lesion|obstruction)"
    r"|iliac (?:vein |venous )?compression syndrome"
)
_COMPRESSION_WORD = (
    r"compress(?:ed|es|ing|ion|ive)?|narrow(?:ed|ing|s)?|effac(?:ed|ement|ing|es)"
    r"|stenos(?:is|es|ed)|stenotic|imping(?:ed|ement|ing|es)|flatten(?:ed|ing|s)?"
    r"|encas(?:ed|ement|ing)|slit-?like|indent(?:ed|ation|ing|s)?|mass effect"
)
_COMPRESSION_RE = re.compile(rf"(?<![\w-])(?:{_COMPRESSION_WORD}|{_SYNDROME})(?![\w-])")
_SYNDROME_RE = re.compile(rf"(?<![\w-])(?:{_SYNDROME})(?![\w-])")
# Compression as duplex technique, and narrowing from within the vein, is not compression of it.
_NOT_EXTRINSIC = re.compile(
    r"\b(?:normal|graded|probe|with|full|complete|and|transducer) compression\b"
    r"|\bcompression (?:and augmentation|maneuvers?|technique|ultrasound|stockings?|garments?"
    r"|therapy|views?|images?)\b"
    r"|\b(?:narrow\w*|stenos\w*) (?:by|from|due to|secondary to|related to) (?:\w+ ){0,2}"
    r"(?:thromb\w*|post-?thrombotic|scar\w*|synechia\w*|trabecul\w*|webs?|intimal)\b"
    r"|\bin-?stent\b|\bcrossing (?:the|of) (?:\w+ ){0,3}(?:ligament|catheter|wire)\b"
)
# "No thrombus in the compressed left CIV": the negation is of the thrombus, not the compression.
_NEGATED_THROMBUS_IN = re.compile(
    r"\b(?:no|without)\s+(?:evidence of\s+|residual\s+)?(?:thromb\w*|clot|dvt|filling defect)"
    r"\s+(?:is\s+seen\s+|is\s+identified\s+)?(?:within|in|of|at)\s+"
)
_ARTERY_RE = re.compile(
    rf"\b(?:(?:{_SIDE_WORDS})\s+)?(?:(?:common|external|internal)\s+)?(?:iliac\s+arter(?:y|ies)"
    r"|cia|eia|iia)\b"
)
_VEIN_SIDE = {"left": Side.LEFT, "lt": Side.LEFT, "l": Side.LEFT, "right": Side.RIGHT,
              "rt": Side.RIGHT, "r": Side.RIGHT, "bilateral": Side.BILATERAL,
              "both": Side.BILATERAL}


def compression_sides(text: str) -> list[Side]:
    """The side of each affirmed iliac vein compression statement (UNKNOWN when unstated)."""
    found: list[Side] = []
    for statement in statements(text):
        side = _statement_compression(statement)
        if side is not None:
            found.append(side)
    return found


def compression_side_from_text(text: str, default: Side = Side.UNKNOWN) -> Side | None:
    """Side of an iliac vein compression the text affirms; None when it affirms none."""
    sides = compression_sides(text)
    if not sides:
        return None
    side = combine(sides)
    return side if side is not Side.UNKNOWN else default


def _statement_compression(statement: Statement) -> Side | None:
    sentence = statement.text
    if not _COMPRESSION_RE.search(sentence):
        return None
    veins = list(_VEIN_RE.finditer(sentence))
    syndrome = _SYNDROME_RE.search(sentence) is not None
    if not veins and not syndrome:
        return None
    masked = _NOT_EXTRINSIC.sub(lambda m: " " * len(m.group(0)), sentence)
    masked = _NEGATED_THROMBUS_IN.sub(lambda m: " " * len(m.group(0)), masked)
    affirmed = [
        (start, end) for start, end, state in occurrences(masked, _COMPRESSION_RE)
        if state is Assertion.AFFIRMED
    ]
    if not affirmed:
        return None
    start, end = affirmed[0]
    sided = [v for v in veins if v.group("side")]
    if sided:
        nearest = min(sided, key=lambda v: min(abs(v.start() - end), abs(start - v.end())))
        if nearest.group("other"):
            return Side.BILATERAL
        return _VEIN_SIDE[nearest.group("side")]
    side = side_of(_ARTERY_RE.sub(" ", sentence))
    return side if side is not Side.UNKNOWN else statement.side


__all__ = ["compression_side_from_text", "compression_sides"]
