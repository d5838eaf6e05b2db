"""Whether a duplex report's text says the study was not complete: a segment could not be
imaged, visualized, assessed or compressed; the study was limited, technically difficult,
incomplete, a two-point or point-of-care exam (input profile v2.3: "Limited studies are not
complete"). Such a duplex never excludes DVT alone, whatever its code.
"""

from __future__ import annotations

import re

from . import text as clinical_text
from .statements import statements
from .terminology import imaging as vs

_LIMITED_RE = re.compile(
    r"\b(?:(?:technically )?limited (?:study|exam|examination|evaluation|visualization|views?"
    r"|assessment|due|by|secondary|because)|technically (?:limited|difficult|challenging"
    r"|suboptimal)|suboptimal (?:study|exam|examination|evaluation|visualization|imaging)"
    r"|incomplete (?:study|exam|examination|evaluation|assessment|visualization)"
    r"|(?:non-?diagnostic|nondiagnostic) (?:study|exam|examination|evaluation)"
    r"|study (?:is|was) limited|exam(?:ination)? (?:is|was) limited"
    r"|limited (?:[\w-]+ ){0,5}(?:duplex|ultrasound|doppler|sonogram|scan)"
    r"|(?:two|2|three|3)[- ]point|point[- ]of[- ]care|pocus"
    r"|not all (?:[\w-]+ ){0,4}(?:were|was|are|could be|can be) (?:\w+ )?(?:visualized|seen|imaged"
    r"|assessed|evaluated|compressed|examined)"
    r"|(?:veins?|cfv|popliteal|femoral|proximal|segments?) only\b|only the (?:[\w-]+ ){1,6}"
    r"(?:was|were) (?:examined|imaged|assessed|evaluated|scanned))"
)
_NOT_DONE_RE = re.compile(
    r"\b(?:(?:could|can|cannot|can't|were|was|are|is)\s+(?:not\s+)?(?:be\s+)?"
    r"(?:(?:adequately|well|fully|completely)\s+)?"
    r"(?:imaged|visualized|assessed|evaluated|interrogated|compressed|examined|seen|identified"
    r"|included|studied|insonated)"
    r"|not (?:(?:adequately|well|fully|completely) )?(?:imaged|visualized|assessed|evaluated"
    r"|interrogated|examined|seen|identified|included|studied|insonated)"
    r"|unable to (?:be )?(?:image|visualize|assess|evaluate|interrogate|compress|examine|see"
    r"|identify)|(?:poorly|partially|inadequately|incompletely|suboptimally) (?:visualized|seen"
    r"|imaged|assessed|evaluated)|obscured|not included|excluded from|not performed|omitted)"
)


def incomplete_text(text: str) -> bool:
    """True when the text says a vein segment was not imaged / visualized / assessed /
    compressed, or that the study was limited, technically difficult or incomplete."""
    for statement in statements(text):
        sentence = statement.text
        if _LIMITED_RE.search(sentence) and not clinical_text.negated(sentence, ("limited",)):
            return True
        if not _NOT_DONE_RE.search(sentence):
            continue
        if clinical_text.has_any(sentence, vs.VEIN_SEGMENT_TEXT) and _says_not_done(sentence):
            return True
    return False


# "Thrombus is not seen in the femoral vein" is a negative finding, not a segment left unseen.
_THROMBUS_SUBJECT = re.compile(
    r"\b(?:thromb\w*|dvt|clot|echoes|material|filling defect)\b(?:\s+\w+){0,2}\s*$"
)


_NEGATIVE_WORD = re.compile(r"\b(?:not|cannot|can't|unable)\b")
_PARTIAL_WORD = re.compile(
    r"(?:poorly|partially|inadequately|incompletely|suboptimally|obscured|excluded|omitted)"
)


def _says_not_done(sentence: str) -> bool:
    for m in _NOT_DONE_RE.finditer(sentence):
        if _THROMBUS_SUBJECT.search(sentence[: m.start()]):
            continue
        phrase = m.group(0)
        if _NEGATIVE_WORD.search(phrase) or _PARTIAL_WORD.match(phrase):
            return True
    return False


__all__ = ["incomplete_text"]
