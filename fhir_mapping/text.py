"""Negation-aware matching and number extraction for free clinical text.

A small NegEx-style detector (Chapman et al. 2001): trigger phrases open a negation scope that
runs forward (pre-negation: "no evidence of DVT") or backward (post-negation: "DVT was ruled
out") until a clause terminator. Clinical NLP packages that do this (negspacy, medspacy) need
spaCy models from a model hub that this service cannot reach, and cost far more per report than
these few regular expressions.

Uncertainty ("cannot be ruled out", "possible", "?") is a third state: a phrase in an uncertain
scope is neither affirmed nor negated, so a hedged report never turns into a positive or a
negative result.

The trigger phrase lists are in `negation_triggers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

from .negation_triggers import (
    _POST_NEGATION,
    _POST_UNCERTAIN,
    _PRE_NEGATION,
    _PRE_UNCERTAIN,
    _PSEUDO_NEGATION,
    _TERMINATORS,
)
from .spelling import americanize

__all__ = [
    "Assertion",
    "affirmed",
    "assertion",
    "has_any",
    "lengths_mm",
    "negated",
    "normalize",
    "occurrences",
    "pattern_assertion",
    "percentages",
    "sentences",
]


class Assertion(StrEnum):
    AFFIRMED = "affirmed"
    NEGATED = "negated"
    UNCERTAIN = "uncertain"
    ABSENT = "absent"  # the phrase does not occur


# Sentence ends: ".", "!", ";" and line breaks; a dot between two digits ("13.5 mm") is not
# one, nor the dot of "vs." / "e.g." / "approx.". A colon is not one either: "DVT: negative" is
# one statement; but a section or side header ("IMPRESSION:", "Left:", "RLE:") starts a new one.
_SENTENCE_END = re.compile(r"\.(?!\d)|(?<!\d)\.|[!;\n\r]")
_CLAUSE_COMMA = re.compile(r",")
_ABBREVIATION = re.compile(
    r"\b(e\.g|i\.e|vs|approx|cf|incl|pt|hx|dx|ddx|fig|resp|prox|dist|ext|int|ref|diam|dr)\."
)
# A header starts a line or follows a sentence or clause end ("RLE: no DVT, LLE: thrombus"),
# never the middle of a phrase ("right CFV and left CFV: phasic" is one statement).
_HEADER = re.compile(
    r"(?:^|(?<=[.;!?,:])|(?<=[.;!?,:] )|(?<=\d\. )|(?<=\d\) ))"
    r"(?=(?:(?:left|right|lt|rt|bilateral|l|r|lle|rle|ble)"
    r"(?:\s+(?:leg|side|lower (?:extremity|limb)|le|calf|cfv|common femoral(?: vein)?"
    r"|iliac veins?))?"
    r"|impression|findings|conclusions?|comparison|indications?|history|technique|opinion"
    r"|summary|diagnosis|final diagnosis|interpretation)\s*:)"
)
_LIST_MARKER = re.compile(r"^(?:\(?\d{1,2}[).]?|[-*\u2022])\s*$|^[-*\u2022]\s+")
_HEADER_NUMBER = re.compile(r":\s*\(?\d{1,2}\)?$")  # "IMPRESSION: 1." before the list
_WS = re.compile(r"\s+")
# A list continues a negation across commas: "no edema, erythema or tenderness".
_LIST_CLOSER = re.compile(r"^\s*(?:and|or|nor)\b")
_LIST_WORD = re.compile(r"\b(?:or|nor)\b")
_MAX_LIST_ITEM_WORDS = 4


def normalize(text: str) -> str:
    """Lower-case, unify spelling variants (British, common typos) and collapse whitespace."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return _WS.sub(" ", americanize(lowered)).strip()


def sentences(text: str) -> list[str]:
    """Split clinical text into normalized statements (never splitting "1.4" or "e.g.")."""
    return list(_sentences(text))


@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[str, ...]:
    out: list[str] = []
    # Line breaks end sentences in report text ("FINDINGS:\nNo DVT"); split before they are
    # folded into spaces.
    for line in text.splitlines():
        norm = normalize(line)
        if not norm:
            continue
        norm = _ABBREVIATION.sub(lambda m: m.group(1).replace(".", ""), norm)
        norm = _HEADER.sub("\n", norm)
        for piece in _SENTENCE_END.split(norm):
            piece = _HEADER_NUMBER.sub(":", _LIST_MARKER.sub("", piece.strip())).strip()
            if piece:
                out.append(piece)
    return tuple(out)


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({normalize(p) for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alternatives)
    # Word edges only where the phrase itself starts/ends with a word character ("?" has none).
    return re.compile(rf"(?<![\w/])(?:{body})(?![\w])" if body else r"(?!)")


@lru_cache(maxsize=512)
def _compiled(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return _phrase_pattern(phrases)


_PRE_NEG_RE = _phrase_pattern(_PRE_NEGATION)
_POST_NEG_RE = _phrase_pattern(_POST_NEGATION)
_PSEUDO_RE = _phrase_pattern(_PSEUDO_NEGATION)
_PRE_UNC_RE = re.compile(
    r"(?<![\w/])(?:"
    + "|".join(re.escape(t) for t in sorted(_PRE_UNCERTAIN, key=len, reverse=True) if t != "?")
    + r")(?!\w)|(?:^|(?<=\s))\?"
)
_POST_UNC_RE = re.compile(
    r"(?<![\w/])(?:"
    + "|".join(re.escape(t) for t in sorted(_POST_UNCERTAIN, key=len, reverse=True) if t != "?")
    + r")(?!\w)|(?<=\w)\s?\?"
)
_TERM_RE = _phrase_pattern(_TERMINATORS)
# "non-phasic" must not count as "phasic", nor "non-occlusive" as "occlusive".
_PREFIX_NEGATED = re.compile(r"\bnon[- ]$")
# A post-negation trigger reaches back only this many words ("DVT ... was ruled out").
_POST_SCOPE_WORDS = 6


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """Split a sentence at commas, keeping comma-separated lists together; (start, end) spans.

    "no edema, erythema or tenderness" stays one clause (a list ends with and/or/nor and its
    items are short); "no DVT, swelling of the left leg" is two.
    """
    pieces = _CLAUSE_COMMA.split(sentence)
    if len(pieces) == 1:
        return [(0, len(sentence))]
    spans: list[tuple[int, int]] = [(0, len(pieces[0]))]
    pos = len(pieces[0]) + 1
    for i, piece in enumerate(pieces[1:], start=1):
        later = pieces[i:]
        short = len(piece.split()) <= _MAX_LIST_ITEM_WORDS
        continues_list = short and any(
            _LIST_CLOSER.match(p) or _LIST_WORD.search(p) for p in later
        )
        # "left DVT in 2024, now resolved" / "calf DVT, cannot be excluded": a short clause that
        # is only a post-trigger speaks of the clause before it.
        post_trigger = short and bool(_POST_NEG_RE.search(piece) or _POST_UNC_RE.search(piece))
        if continues_list or post_trigger:
            spans[-1] = (spans[-1][0], pos + len(piece))
        else:
            spans.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    return spans


def _segments(clause: str) -> list[tuple[int, int]]:
    """Split a clause at termination words; returns (start, end) spans."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _TERM_RE.finditer(clause):
        spans.append((start, m.start()))
        start = m.start()
    spans.append((start, len(clause)))
    return spans


def _masked(
    segment: str, pattern: re.Pattern[str], pseudo: list[tuple[int, int]]
) -> list[re.Match[str]]:
    return [
        m
        for m in pattern.finditer(segment)
        if not any(ps <= m.start() < pe for ps, pe in pseudo)
    ]


def _classify_segment(
    segment: str, phrase_re: re.Pattern[str]
) -> list[tuple[re.Match[str], Assertion]]:
    found: list[tuple[re.Match[str], Assertion]] = []
    matches = [
        m for m in phrase_re.finditer(segment) if not _PREFIX_NEGATED.search(segment[: m.start()])
    ]
    if not matches:
        return found
    pseudo = [(m.start(), m.end()) for m in _PSEUDO_RE.finditer(segment)]
    pre_neg = _masked(segment, _PRE_NEG_RE, pseudo)
    post_neg = _masked(segment, _POST_NEG_RE, [])
    pre_unc = list(_PRE_UNC_RE.finditer(segment))
    post_unc = list(_POST_UNC_RE.finditer(segment))
    for m in matches:
        if any(t.end() <= m.start() for t in pre_unc) or any(
            _reaches_back(segment, t, m) for t in post_unc
        ):
            found.append((m, Assertion.UNCERTAIN))
        elif any(t.end() <= m.start() for t in pre_neg) or any(
            _reaches_back(segment, t, m) for t in post_neg
        ):
            found.append((m, Assertion.NEGATED))
        else:
            found.append((m, Assertion.AFFIRMED))
    return found


def _reaches_back(segment: str, trigger: re.Match[str], phrase: re.Match[str]) -> bool:
    """A post-trigger negates a phrase ending a few words before it."""
    if trigger.start() < phrase.end():
        return False
    return len(segment[phrase.end() : trigger.start()].split()) <= _POST_SCOPE_WORDS


def occurrences(sentence: str, pattern: re.Pattern[str]) -> list[tuple[int, int, Assertion]]:
    """Each match of `pattern` in one normalized sentence: (start, end, how it is stated)."""
    out: list[tuple[int, int, Assertion]] = []
    if not pattern.search(sentence):
        return out
    for c_start, c_end in _clauses(sentence):
        clause = sentence[c_start:c_end]
        for start, end in _segments(clause):
            base = c_start + start
            for m, state in _classify_segment(clause[start:end], pattern):
                out.append((base + m.start(), base + m.end(), state))
    return out


def _assertions(text: str, phrases: Iterable[str]) -> list[Assertion]:
    key = tuple(phrases) if not isinstance(phrases, str) else (phrases,)
    phrase_re = _compiled(key)
    return [state for sentence in sentences(text) for *_, state in occurrences(sentence, phrase_re)]


def pattern_assertion(text: str, pattern: re.Pattern[str]) -> Assertion:
    """As `assertion`, for a compiled pattern matched on normalized text."""
    return _strongest([state for s in sentences(text) for *_, state in occurrences(s, pattern)])


def _strongest(found: list[Assertion]) -> Assertion:
    if not found:
        return Assertion.ABSENT
    if Assertion.AFFIRMED in found:
        return Assertion.AFFIRMED
    if Assertion.UNCERTAIN in found:
        return Assertion.UNCERTAIN
    return Assertion.NEGATED


def assertion(text: str, phrases: Iterable[str]) -> Assertion:
    """How the text states any of `phrases`: affirmed anywhere wins, then uncertain, negated."""
    return _strongest(_assertions(text, phrases))


def affirmed(text: str, phrases: Iterable[str]) -> bool:
    """True when one of `phrases` occurs outside any negation or uncertainty scope."""
    return assertion(text, phrases) is Assertion.AFFIRMED


def negated(text: str, phrases: Iterable[str]) -> bool:
    """True when the phrases occur, and every occurrence is negated (none affirmed/uncertain)."""
    found = _assertions(text, phrases)
    return bool(found) and all(a is Assertion.NEGATED for a in found)


def has_any(text: str, phrases: Iterable[str]) -> bool:
    """Plain whole-word occurrence of any phrase, ignoring negation."""
    key = tuple(phrases) if not isinstance(phrases, str) else (phrases,)
    return bool(_compiled(key).search(normalize(text)))


# ---------------------------------------------------------------- numbers

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b|pct\b)")
_LENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?)\b")


def percentages(text: str) -> list[float]:
    """Every percentage in the text, in order ("72%", "72 %", "72 percent")."""
    return [float(m.group(1)) for m in _PERCENT.finditer(normalize(text))]


def lengths_mm(text: str) -> list[float]:
    """Every length in the text converted to millimetres ("14 mm", "1.4 cm" -> 14.0)."""
    out: list[float] = []
    for m in _LENGTH.finditer(normalize(text)):
        value = float(m.group(1))
        out.append(round(value * 10, 6) if m.group(2).startswith("c") else value)
    return out
