"""Report text as statements: each sentence with the side it speaks of and whether it speaks of
the past.

A statement's side is the side it names ("left", "RLE", "L CIV", "left-sided"), else the side of
the header it sits under ("LEFT:", "RLE:", "Right lower extremity:"), else unknown. A sentence
naming a normal right and an abnormal left leg ("no DVT on the right, thrombus in the left
popliteal vein") is split at its clause boundaries so each side keeps its own finding.

A statement is history when it states a past value ("previously", "prior", "in 2023", "on the
prior study", "history of") and nothing marks it as current ("now", "new", "again",
"unchanged", "persistent"): the input profile never lets a past value be today's result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cds_hooks.guideline.findings import Side

from .text import sentences

_SIDE_WORD = {"left": Side.LEFT, "lt": Side.LEFT, "l": Side.LEFT, "lle": Side.LEFT,
              "right": Side.RIGHT, "rt": Side.RIGHT, "r": Side.RIGHT, "rle": Side.RIGHT}
# "L"/"R" alone are sides only before a leg or vein word ("L CIV", "R leg").
_VEIN_ABBREVIATION = (
    r"civ|cia|eiv|iiv|cfv|fv|sfv|pfv|dfv|pop|pv|ptv|atv|gsv|ssv|leg|calf|thigh|groin|le|lower"
    r"|common|external|internal|iliac|femoral|popliteal|peroneal|tibial|gastrocnemius|soleal"
    r"|phasic|continuous|monophasic|non-?phasic|flat|blunted|dvt"
)
_SIDE_RE = re.compile(
    rf"\b(?:(left|right|lt|rt|lle|rle)(?:-sided)?\b|(l|r)(?:-sided\b|\s+(?={_VEIN_ABBREVIATION})\b))"
)
_BILATERAL_RE = re.compile(
    r"\b(?:bilateral(?:ly)?|bilat|b/l|both (?:legs|lower (?:limbs|extremities)|sides|common"
    r"|external|iliac|cfvs?|common femoral)|ble|left and right|right and left|l and r|r and l"
    r"|r/l|l/r)\b"
)
_HEADER_SIDE = re.compile(
    r"^(?:(left|right|lt|rt|lle|rle|l|r)|(bilateral|ble))(?:\s+(?:leg|side|lower (?:extremity|limb)"
    r"|le|calf|thigh|venous|veins?))*\s*:\s*"
)
_SECTION_HEADER = re.compile(
    r"^(?:impression|findings|conclusions?|comparison|indications?|history|technique|opinion"
    r"|summary|diagnosis|final diagnosis|interpretation)\s*:\s*"
)
_MIN_CLAUSE_WORDS = 3
# A sentence naming both sides is split where one clause ends and the next begins.
_CLAUSE_BREAK = re.compile(
    r",|\s(?=(?:while|whereas|but|however|and on the|with the)\s)"
    r"|\s(?=and (?:[\w-]+ ){0,4}?(?:left|right|lt|rt|lle|rle)\b)"
)

_HISTORY = re.compile(
    r"(?:\((?:\d{1,2}/){0,2}(?:19|20)\d\d\)"
    r"|\b(?:previous(?:ly)?|prior|formerly|history of|hx of|h/o|in (?:19|20)\d\d"
    r"|(?:19|20)\d\d (?:study|exam|ivus|duplex|scan|venogram)"
    r"|(?:study|exam|ivus|duplex|scan|venogram) (?:of |from |dated )?(?:\d{1,2}/){0,2}(?:19|20)\d\d"
    r"|(?:months?|years?|weeks?) ago|last (?:year|study|exam)|at that time|was then"
    r"|(?:old|earlier|outside) (?:study|exam|examination|ivus|scan|duplex|report|venogram)"
    r"|on the (?:earlier|last|old) (?:study|exam|scan)"
    r"|(?:from|of|dated) (?:\d{1,2}/){0,2}(?:19|20)\d\d))(?!\w)"
)
_CURRENT = re.compile(
    r"\b(?:now|today|currently|current|new|newly|again|persistent|persists|persisting"
    r"|unchanged|stable|remains?|still|interval|presently|redemonstrat\w*|re-demonstrat\w*"
    r"|this (?:study|exam|examination))\b"
)
# "Compared with the prior study of 2025, ..." names what the finding is compared with.
_COMPARISON_LEAD = re.compile(
    r"^(?:when |as |in comparison (?:with|to) |compared (?:with|to) |since |relative to )"
    r"[^,]{0,80},\s*"
)


# History is decided per chunk: "72% stenosis of the L CIV (previously 40% in 2023)" keeps its
# current 72% and drops the past 40%.
_CHUNK = re.compile(r"[,()\[\]]|\s(?=compared (?:with|to)\b|which was\b)")


@dataclass(frozen=True)
class Statement:
    """One normalized sentence (or clause) of report text; `current` is its text without the
    chunks that state the past ("" when the whole statement is history)."""

    text: str
    side: Side = Side.UNKNOWN
    current: str = ""

    @property
    def history(self) -> bool:
        return not self.current


def side_of(text: str) -> Side:
    """Side a normalized statement names: bilateral, left, right or unknown (both named)."""
    if _BILATERAL_RE.search(text):
        return Side.BILATERAL
    sides = {_SIDE_WORD[m.group(1) or m.group(2)] for m in _SIDE_RE.finditer(text)}
    return sides.pop() if len(sides) == 1 else Side.UNKNOWN


def names_both_sides(text: str) -> bool:
    sides = {_SIDE_WORD[m.group(1) or m.group(2)] for m in _SIDE_RE.finditer(text)}
    return len(sides) == 2 and not _BILATERAL_RE.search(text)


def has_history_marker(text: str) -> bool:
    return _HISTORY.search(text) is not None


def is_history(text: str) -> bool:
    """A statement about the past: a history marker and no marker of the present."""
    text = _COMPARISON_LEAD.sub("", text)
    return bool(_HISTORY.search(text)) and not _CURRENT.search(text)


def current_text(text: str) -> str:
    """The statement without its chunks about the past."""
    if not _HISTORY.search(text) or not is_history(text) and not _CHUNK.search(text):
        return text
    if _COMPARISON_LEAD.match(text) and not is_history(text):
        return text
    chunks = [c.strip() for c in _CHUNK.split(text)]
    return " ".join(c for c in chunks if c and not is_history(c))


def statements(text: str) -> list[Statement]:
    """The statements of report text, in order, each with its side and history flag."""
    return list(_statements(text))


# One report's text is read by several readers (result, sides, level, waveform, compression,
# IVUS, masses): it is cut into statements once.
@lru_cache(maxsize=64)
def _statements(text: str) -> tuple[Statement, ...]:
    out: list[Statement] = []
    header = Side.UNKNOWN
    for sentence in sentences(text):
        if _SECTION_HEADER.match(sentence):
            header = Side.UNKNOWN
            sentence = _SECTION_HEADER.sub("", sentence)
        m = _HEADER_SIDE.match(sentence)
        if m:
            header = Side.BILATERAL if m.group(2) else _SIDE_WORD[m.group(1)]
            if not sentence[m.end():]:
                continue
        for part in _split_sides(sentence):
            side = side_of(part)
            if side is Side.UNKNOWN and not names_both_sides(part):
                side = header
            out.append(Statement(part, side, current_text(part)))
    return tuple(out)


def _split_sides(sentence: str) -> list[str]:
    if not names_both_sides(sentence):
        return [sentence]
    parts: list[str] = []
    start = 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        parts.append(sentence[start:m.start()])
        start = m.end()
    parts.append(sentence[start:])
    parts = [p.strip() for p in parts if p.strip()]
    # Each part keeps the side named last before it ("left CFV: thrombus, extending ...").
    merged: list[str] = []
    for part in parts:
        if merged and len(merged[-1].split()) <= _MIN_CLAUSE_WORDS:
            merged[-1] = f"{merged[-1]} {part}"  # "right CFV and left CFV: phasic" is one
        elif merged and side_of(part) is Side.UNKNOWN:
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged


def text_of(found: list[Statement], side: Side | None = None) -> str:
    """Current statements (of one side and unsided ones, when `side` is given) as text."""
    keep = None if side is None else {side, Side.UNKNOWN, Side.BILATERAL}
    return ". ".join(
        s.current for s in found if s.current and (keep is None or s.side in keep)
    )


__all__ = [
    "Statement", "current_text", "has_history_marker", "is_history", "names_both_sides",
    "side_of", "statements", "text_of",
]
