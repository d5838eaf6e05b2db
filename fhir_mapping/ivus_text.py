"""IVUS measurements stated in a venography/IVUS report's text: percent stenosis (diameter or
area), reference vessel diameter and lesion behavior.

A number belongs to the words next to it: "MLD 5 mm at the crossing; distal EIV 13 mm
(reference)" has a reference diameter of 13 mm, never 5. A value stated as past ("previously 40%
in 2023", "compared with 40% on the prior study", "from 40% to 72%") is not today's value.
"""

from __future__ import annotations

import re
from datetime import datetime

from cds_hooks.guideline.findings import (
    IvusStenosis,
    LesionBehavior,
    ReferenceDiameter,
    Side,
    Source,
)

from .statements import Statement, has_history_marker, is_history, side_of, statements
from .waveform_text import behavior_from_text

_STENOSIS_CONTEXT = re.compile(
    r"\b(?:stenos[ie]s|stenotic|narrow\w*|compress\w*|reduction|luminal loss|lumen loss"
    r"|obstruct\w*|occlu\w*|lesion|civ|eiv|iiv|iliac vein|may[- ]thurner|nivl|ivus"
    r"|intravascular)\b"
)
_AREA = re.compile(r"\b(?:area|csa|mla|cross-sectional)\b")
_DIAMETER = re.compile(r"\bdiameter\b")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b|pct\b)")
_LENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?)\b")
# "from 40% to 72%": the first value is the past one.
_FROM_TO = re.compile(r"\bfrom\s+(\d+(?:\.\d+)?\s*%)\s*(?:to|->)\s")
_NOW = re.compile(r"\b(?:now|currently|today|at present|this study)\b")
_CHUNK_BREAK = re.compile(
    r"[;,]|\s(?=compared (?:with|to)\b|which was\b|previously\b|(?:vs|versus)\b"
    r"|and (?:is|was) now\b)"
)
_PAREN = re.compile(r"\(([^()]*)\)")

# A length tied to one of these words is a reference diameter...
_REFERENCE = re.compile(
    r"\b(?:reference|ref|normal|non-?diseased|healthy|unaffected|uncompressed|native"
    r"|distal (?:eiv|external iliac)|eiv|external iliac)\b"
)
# ...unless a word closer to it says it is the lesion, a lumen minimum, an area or a device.
_NOT_REFERENCE = re.compile(
    r"\b(?:mld|mla|minimal|minimum|min|narrowest|lesion|stenos\w*|stenotic|compress\w*|area"
    r"|csa|crossing|length|long|stent|balloon|sheath|catheter|residual)\b"
)


_DATE_ONLY = re.compile(r"^\s*(?:\d{1,2}/){0,2}(?:19|20)\d\d\s*$")


def _paren(m: re.Match[str]) -> str:
    """A parenthesized past value is dropped; a parenthesized date dates its whole chunk."""
    inner = m.group(1)
    if _DATE_ONLY.match(inner):
        return m.group(0)
    return ", " if is_history(inner) else f" {inner} "


_CONTINUATION = re.compile(r"^(?:and |but )?(?:it|this|which|that) (?:is |measures )?now\b")
_PAST_TENSE = re.compile(r"\b(?:was|were|had been|used to be)\b")
_NOW_LEAD = re.compile(
    r"^(?:and |but )?(?:(?:it|this|which|that|the \w+) (?:is |measures )?)?"
    r"(?:now|today|currently)\b"
)


def _followed_by_now(found: list[Statement], index: int) -> bool:
    """"The reference was 12 mm; it is now 14 mm": the statement before a "now" one is past."""
    return index + 1 < len(found) and _NOW_LEAD.match(found[index + 1].text) is not None


def _current_chunks(sentence: str, contrasted: bool = False) -> list[str]:
    """The chunks of a sentence that state today's values (past ones dropped). In a text that
    contrasts with "now" ("was 12 mm; now 14 mm"), a chunk in the past tense is the past."""
    sentence = _PAREN.sub(_paren, sentence)
    sentence = _FROM_TO.sub("from past to ", sentence)
    chunks: list[str] = []
    for chunk in _CHUNK_BREAK.split(sentence):
        chunk = chunk.strip()
        if not chunk:
            continue
        now = _NOW.search(chunk)
        if has_history_marker(chunk) and now is not None:
            chunk = chunk[now.end():]  # "was 40% on the prior study, now 72%": after "now"
        elif is_history(chunk) or (contrasted and now is None and _PAST_TENSE.search(chunk)):
            continue
        chunks.append(chunk)
    return chunks


def stenoses(
    text: str, side: Side, when: datetime | None, source: Source
) -> list[IvusStenosis]:
    found: list[IvusStenosis] = []
    found_statements = statements(text)
    for index, statement in enumerate(found_statements):
        contrasted = _followed_by_now(found_statements, index)
        if not _STENOSIS_CONTEXT.search(statement.text):
            continue
        sentence_side = statement.side if statement.side is not Side.UNKNOWN else side
        area_sentence = bool(_AREA.search(statement.text)) and not _DIAMETER.search(
            statement.text
        )
        for chunk in _current_chunks(statement.text, contrasted):
            chunk_side = side_of(chunk)
            for m in _PERCENT.finditer(chunk):
                value = float(m.group(1))
                if value > 100:
                    continue
                area = bool(_AREA.search(chunk)) or (
                    area_sentence and not _DIAMETER.search(chunk)
                )
                if _DIAMETER.search(chunk) and _AREA.search(chunk):
                    area = _nearest_is_area(chunk, m.start())
                found.append(IvusStenosis(
                    percent=value, area=area,
                    side=chunk_side if chunk_side is not Side.UNKNOWN else sentence_side,
                    when=when, source=source,
                ))
    return found


def _nearest_is_area(chunk: str, at: int) -> bool:
    """In "72% diameter and 85% area stenosis", each value takes the nearest of the two words."""
    def distance(pattern: re.Pattern[str]) -> int:
        return min(abs(m.start() - at) for m in pattern.finditer(chunk))

    return distance(_AREA) < distance(_DIAMETER)


def reference_diameters(
    text: str, side: Side, when: datetime | None, source: Source
) -> list[ReferenceDiameter]:
    found: list[ReferenceDiameter] = []
    anchored = False
    found_statements = statements(text)
    for index, statement in enumerate(found_statements):
        contrasted = _followed_by_now(found_statements, index)
        sentence = statement.text
        if anchored and _CONTINUATION.match(sentence):
            sentence = f"reference {sentence}"  # "reference was 12 mm; it is now 14 mm"
        anchored = bool(_REFERENCE.search(sentence))
        if not anchored:
            continue
        sentence_side = statement.side if statement.side is not Side.UNKNOWN else side
        for chunk in _current_chunks(sentence, contrasted):
            for mm in _references_in(chunk):
                found.append(ReferenceDiameter(mm=mm, side=sentence_side, from_ivus=True,
                                               when=when, source=source))
    return found


def _references_in(chunk: str) -> list[float]:
    """Lengths of one chunk tied to reference words; labels precede their numbers ("distal
    EIV 13 mm") unless the chunk starts with a number ("13 mm reference")."""
    lengths = list(_LENGTH.finditer(chunk))
    if not lengths:
        return []
    labels_first = bool(chunk[: lengths[0].start()].strip(" :-="))
    out: list[float] = []
    for i, m in enumerate(lengths):
        if labels_first:
            label = chunk[lengths[i - 1].end() if i else 0 : m.start()]
            label_end = len(label)
        else:
            label = chunk[m.end() : lengths[i + 1].start() if i + 1 < len(lengths) else None]
            label_end = 0
        ref = [abs(label_end - r.end() if labels_first else r.start())
               for r in _REFERENCE.finditer(label)]
        if not ref:
            continue
        bad = [abs(label_end - b.end() if labels_first else b.start())
               for b in _NOT_REFERENCE.finditer(label)]
        if bad and min(bad) < min(ref):
            continue
        value = float(m.group(1)) * (10 if m.group(2).startswith("c") else 1)
        if 0 < value < 40:  # no iliac vein is 4 cm wide
            out.append(round(value, 6))
    return out


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
    if ivus:
        found.extend(stenoses(text, side, when, source))
        found.extend(reference_diameters(text, side, when, source))
    behavior = behavior_from_text(text)
    if behavior is not None:
        found.append(LesionBehavior(behavior=behavior, side=side, when=when, source=source))
    return found


__all__ = ["ivus_findings", "reference_diameters", "stenoses"]
