"""Free-text readers of imaging report text: DVT result (whole study and per side), DVT level,
completeness, and re-exports of the waveform, behavior, compression and IVUS readers.

Text is read statement by statement (`fhir_mapping.statements`), each with its own negation and
uncertainty (`fhir_mapping.text`), side and tense: a hedged statement ("cannot exclude DVT") is
neither positive nor negative, a past one ("DVT in 2023") is not today's result, and no
statement never defaults to a result. Used by the DiagnosticReport converter
(`fhir_mapping.reports`) and by Observations whose value is text.
"""

from __future__ import annotations

import re

from cds_hooks.guideline.findings import Result, Side, VeinLevel, Waveform

from . import text as clinical_text
from .completeness_text import incomplete_text
from .compression_text import compression_side_from_text
from .ivus_text import ivus_findings
from .statements import Statement, statements
from .terminology import imaging as vs
from .waveform_text import behavior_from_text, side_waveform, waveform_from_text, waveforms

# Sentences naming the reason for the study, not its findings ("Indication: rule out DVT").
_HEADER_SENTENCE = re.compile(
    r"^(indication|indications|history|clinical history|clinical information|reason for "
    r"(exam|study|examination|referral)|comparison|technique|clinical question|clinical "
    r"indication|clinical details)\b"
)
_POSITIVE_EXTRA = (
    "non-compressible", "noncompressible", "not compressible", "incompressible",
    "partially compressible", "echogenic material", "intraluminal echoes", "filling defect",
    "not fully compressible", "incompletely compressible", "lack of compressibility",
    "loss of compressibility", "absent compressibility", "does not compress",
    "did not compress", "fails to compress", "failed to compress", "thrombosed",
    "partially thrombosed", "occlusive clot", "intraluminal thrombus",
)  # fmt: skip
_NORMAL_EXTRA = (
    "negative study", "negative exam", "negative examination", "negative for dvt",
    "unremarkable study", "unremarkable exam", "unremarkable examination",
    "unremarkable venous duplex", "compressible and patent", "patent and compressible",
    "completely compressible", "compress completely", "compress normally",
    "normally compressible", "normal venous study", "normal bilateral", "normal left",
    "normal right", "within normal limits",
)  # fmt: skip


def findings_text(text: str) -> str:
    """The report text without the sentences that state why it was done."""
    kept = [s for s in clinical_text.sentences(text) if not _HEADER_SENTENCE.match(s)]
    return ". ".join(kept)


# A plan ("Recommend repeat ultrasound in 1 week to assess for DVT") states no result.
_PLAN = re.compile(
    r"^(?:recommend\w*|suggest\w*|advis\w*|consider\w*|follow[- ]?up|repeat\w*"
    r"|clinical(?:ly)? correlat\w*|correlate\w*|please|if (?:clinically|symptoms))\b"
)


def _current(found: list[Statement]) -> str:
    return ". ".join(s.current for s in found if s.current and not _PLAN.match(s.current))


def result_from_text(text: str) -> Result:
    """DVT result of report text: a thrombus affirmed anywhere is positive; every mention
    negated (or a normal study) is negative; hedged, past-only or silent text is unknown."""
    return _result(_current(statements(findings_text(text))))


_NORMAL_RE = re.compile(
    r"\bnegative (?:[\w-]+ ){0,4}(?:duplex|study|exam|examination|ultrasound|sonogram|doppler"
    r"|scan)\b|\b(?:veins?|study|exam|examination|duplex|ultrasound) (?:is|are|was|were) "
    r"(?!not\b)(?:\w+ )?(?:normal|unremarkable|negative)\b"
    r"|\b(?:veins?|segments?|cfv|fv|sfv|pv|cfvs)(?: of the [\w ]{1,30}?)? (?:are|is|were|was) "
    r"(?:fully |completely |normally |easily )?compressible\b"
    r"|^(?:[\w ]{0,30}:\s*)?(?:normal|unremarkable|negative|neg|nl|wnl)(?: study| exam)?$"
    r"|^(?:[\w-]+ ){0,3}(?:normal|unremarkable) (?:[\w-]+ ){0,4}(?:duplex|study|exam"
    r"|examination|ultrasound|veins)\b"
)


# "IMPRESSION: POSITIVE." / "Positive left leg venous duplex.": a positive study.
_POSITIVE_STUDY_RE = re.compile(
    r"^(?:[\w ]{0,30}:\s*)?(?:positive|pos)(?: study| exam| examination)?$"
    r"|^(?:[\w ]{0,30}:\s*)?positive (?:[\w-]+ ){0,4}(?:duplex|study|exam|examination|ultrasound)$"
)


def _result(body: str) -> Result:
    if not body:
        return Result.UNKNOWN
    for sentence in clinical_text.sentences(_without_chronic(body)):
        if _POSITIVE_STUDY_RE.search(sentence):
            return Result.POSITIVE
        thrombus = clinical_text.assertion(sentence, vs.THROMBUS_TEXT)
        if thrombus is clinical_text.Assertion.AFFIRMED:
            return Result.POSITIVE
        # "Echogenic material ... may represent thrombus": the hedge covers its description.
        if thrombus is not clinical_text.Assertion.UNCERTAIN and clinical_text.affirmed(
            sentence, _POSITIVE_EXTRA
        ):
            return Result.POSITIVE
    state = clinical_text.assertion(body, vs.THROMBUS_TEXT)
    if state in (clinical_text.Assertion.AFFIRMED, clinical_text.Assertion.UNCERTAIN):
        # Only chronic thrombus, or a hedged statement: neither a new DVT nor its exclusion.
        return Result.UNKNOWN
    if (
        state is clinical_text.Assertion.NEGATED
        or clinical_text.affirmed(body, (*vs.NORMAL_STUDY_TEXT, *_NORMAL_EXTRA))
        or any(_NORMAL_RE.search(s) for s in clinical_text.sentences(body))
    ):
        return Result.NEGATIVE
    return Result.UNKNOWN


def side_results(text: str) -> dict[Side, Result]:
    """The result of each leg a report's statements name ("RLE: no DVT. LLE: thrombus").

    A side's own statements decide it. A statement naming no side counts for a leg only when
    no leg has a positive statement of its own (then a positive summary line such as
    "IMPRESSION: acute DVT" is that leg's, not both legs'); an unsided negative counts for each
    leg that has no positive statement. Empty when no statement names a side with a result.
    """
    found = [s for s in statements(findings_text(text)) if s.current]
    own = {
        side: _result(_current([s for s in found if s.side in (side, Side.BILATERAL)]))
        for side in (Side.LEFT, Side.RIGHT)
    }
    if all(r is Result.UNKNOWN for r in own.values()):
        return {}
    unsided = _result(_current([s for s in found if s.side is Side.UNKNOWN]))
    any_positive = any(r is Result.POSITIVE for r in own.values())
    results: dict[Side, Result] = {}
    for side, result in own.items():
        if result is Result.POSITIVE:
            results[side] = result
        elif unsided is Result.POSITIVE and not any_positive:
            results[side] = Result.POSITIVE
        elif unsided is Result.UNKNOWN or (unsided is Result.POSITIVE and any_positive):
            results[side] = result
        elif result is Result.UNKNOWN and unsided is Result.NEGATIVE:
            results[side] = Result.NEGATIVE
        else:
            results[side] = result
    return results


def per_side_results(text: str, study_side: Side, overall: Result) -> dict[Side, Result] | None:
    """Split a bilateral (or unsided) study whose statements name the side of each result.

    "Right: no DVT. Left: occlusive thrombus in the CFV." gives left POSITIVE and right
    NEGATIVE; a positive statement naming no side ("IMPRESSION: acute DVT") is the summary of
    the side whose own statements are positive, and positive for both only when none is.
    """
    if study_side not in (Side.BILATERAL, Side.UNKNOWN):
        return None
    results = side_results(text)
    if not results:
        return None
    named = {s.side for s in statements(text) if s.current} & {Side.LEFT, Side.RIGHT}
    if Side.BILATERAL in {s.side for s in statements(text)}:
        named = {Side.LEFT, Side.RIGHT}
    if study_side is Side.UNKNOWN:
        # A study of unknown side keeps only the legs its text names.
        results = {side: r for side, r in results.items() if side in named}
        return results or None
    for side in (Side.LEFT, Side.RIGHT):
        # A leg of a bilateral study its text never names keeps the study's negative only.
        if side not in named and results[side] is Result.UNKNOWN and overall is Result.NEGATIVE:
            results[side] = Result.NEGATIVE
    return results


_CHRONIC_THROMBUS = re.compile(
    r"\b(?:chronic|old|residual|organized|recanalized|post-?thrombotic|prior|previous)\s+"
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


def side_waveform_of(text: str, side: Side) -> Waveform | None:
    """The CFV waveform of one leg: its own statements, else statements naming no side."""
    return side_waveform(waveforms(statements(text)), side)


# ---------------------------------------------------------------- DVT level

_THROMBUS_LEVEL_TEXT = (*vs.THROMBUS_TEXT, *_POSITIVE_EXTRA, "occlusive", "occluded")
_PROXIMAL_VEIN_TEXT = (
    "iliac", "femoral", "popliteal", "iliofemoral", "femoropopliteal", "cfv", "sfv", "fv",
    "pfv", "dfv", "profunda", "deep femoral", "common femoral", "civ", "eiv", "iiv", "ivc",
    "vena cava", "saphenofemoral junction", "sfj", "popliteal vein", "pop", "tibioperoneal trunk",
    "tp trunk",
)  # fmt: skip
_DISTAL_VEIN_TEXT = (
    "calf", "tibial", "peroneal", "soleal", "soleus", "gastrocnemius", "gastroc", "ptv", "atv",
    "peroneals", "sural", "muscular calf", "intramuscular",
)  # fmt: skip


def dvt_level_from_text(text: str, side: Side | None = None) -> VeinLevel:
    """Most proximal level named by a current statement affirming thrombus (of `side` and
    unsided ones when given): proximal = popliteal or above, distal = calf veins only.
    Clauses without thrombus ("normal compressibility of the femoral vein") never decide."""
    keep = None if side is None else {side, Side.UNKNOWN, Side.BILATERAL}
    level = VeinLevel.UNKNOWN
    for statement in statements(findings_text(text)):
        if not statement.current or (keep is not None and statement.side not in keep):
            continue
        body = _without_chronic(statement.current)
        for clause in body.split(";"):
            if not (clinical_text.affirmed(clause, _THROMBUS_LEVEL_TEXT)):
                continue
            if clinical_text.affirmed(clause, _PROXIMAL_VEIN_TEXT):
                return VeinLevel.PROXIMAL
            if clinical_text.affirmed(clause, _DISTAL_VEIN_TEXT):
                level = VeinLevel.DISTAL
    return level


__all__ = [
    "behavior_from_text",
    "compression_side_from_text",
    "dvt_level_from_text",
    "findings_text",
    "incomplete_text",
    "ivus_findings",
    "per_side_results",
    "result_from_text",
    "side_results",
    "side_waveform_of",
    "waveform_from_text",
]
