"""Condition codes and text -> the bleeding and thrombolysis contraindications (catalog v2.2):
intracranial hemorrhage, ischemic stroke, stroke of unknown type, CNS neoplasm, head injury,
trauma, bleeding diathesis, and heparin-induced thrombocytopenia named only in text.

Codes decide alone. Text (the record's code text and the codings' displays, never the note)
counts when affirmed (negation-aware), unless it says the condition is not the patient's own
("family history of stroke") or not a diagnosis ("stroke risk assessment"). Text that places an
event in the past ("history of", "sequelae of", "following") makes it history: a past
intracranial bleed is no active bleed, but it still contraindicates thrombolysis "at any time";
a remembered stroke or injury carries no date of its own, so it is not read as a recent one.
"""

from __future__ import annotations

import re
from dataclasses import replace

from cds_hooks.guideline.findings import Concept, Diagnosis, Side

from .. import text as clinical_text
from ..terminology import conditions as condition_sets
from ..terminology import contraindications as vs
from .facts import _diagnosis, _Facts

_SITE = vs.ICH_SITE_WORDS
_BLEED = vs.ICH_BLEED_WORDS
# Up to two words between site and bleed ("subdural chronic hematoma", "cerebral
# hemorrhagic stroke"), never a negation ("cerebral edema without hemorrhage").
_BETWEEN = r"(?:\s+(?!(?:no|not|without|negative|free|absent|nor|or)\b)[\w-]+){0,2}?"
_ICH_PATTERNS = (
    re.compile(rf"\b(?:{_SITE}){_BETWEEN}\s+(?:{_BLEED})\b"),
    # "Haemorrhage, intracerebral", "bleeding into the brain", "hematoma subdural"
    re.compile(
        rf"\b(?:{_BLEED})(?:\s*,\s*|\s+(?:of|in|into|within)\s+(?:the\s+)?|\s+)"
        rf"(?:{_SITE}|cerebrum|cerebellum)\b"
    ),
    re.compile(
        r"\bha?emorrhagic\s+(?:stroke|cva|cerebrovascular accident|transformation|conversion)\b"
    ),
)
_ICH_CANONICAL = " intracranial hemorrhage "
_NOT_STROKE = re.compile(
    "|".join(rf"\b{re.escape(p)}\b" for p in vs.NOT_STROKE_TEXT), re.IGNORECASE
)
_NOT_A_DIAGNOSIS = re.compile(vs.NOT_A_DIAGNOSIS, re.IGNORECASE)
_PAST_EVENT = re.compile(vs.PAST_EVENT, re.IGNORECASE)


def intracranial_hemorrhage_text(text: str) -> clinical_text.Assertion:
    """How the text states an intracranial bleed (in either word order): affirmed, uncertain
    ("possible subdural hematoma"), negated or absent."""
    norm = clinical_text.normalize(text)
    canonical = norm
    for pattern in _ICH_PATTERNS:
        canonical = pattern.sub(_ICH_CANONICAL, canonical)
    if canonical == norm:
        return clinical_text.Assertion.ABSENT
    return clinical_text.assertion(canonical, (_ICH_CANONICAL.strip(),))


def _contraindications(facts: _Facts) -> list[Diagnosis]:
    codes = facts.codes
    text = facts.code_text
    if _NOT_A_DIAGNOSIS.search(text):
        text = ""
    past = bool(_PAST_EVENT.search(text))
    recent_text = "" if past else text  # a remembered event carries no date of its own
    found: list[Diagnosis] = []

    def add(concept: Concept, *, history: bool = False) -> None:
        d = _diagnosis(facts, concept, side=Side.UNKNOWN)
        found.append(replace(d, active=False) if history else d)

    coded_ich = vs.INTRACRANIAL_HEMORRHAGE.matches(codes)
    sequelae = vs.INTRACRANIAL_HEMORRHAGE_SEQUELAE.matches(codes)
    stated = intracranial_hemorrhage_text(text)
    ich = coded_ich or sequelae or stated is clinical_text.Assertion.AFFIRMED
    if ich:
        # A bleed code keeps the record's own status; a sequela code, or text alone that
        # speaks of the past, is history.
        history = sequelae or (past and not coded_ich)
        # An intracranial bleed is a major bleed (catalog) and its own concept (thrombolysis).
        if not condition_sets.SIMPLE[Concept.MAJOR_BLEEDING].matches(codes):
            add(Concept.MAJOR_BLEEDING, history=history)
        add(Concept.INTRACRANIAL_HEMORRHAGE, history=history)
    elif stated is clinical_text.Assertion.UNCERTAIN:
        # "Possible subdural hematoma": suspected, so no anticoagulation contraindication, but
        # thrombolysis waits until the bleed is excluded.
        found.append(replace(_diagnosis(facts, Concept.INTRACRANIAL_HEMORRHAGE,
                                        side=Side.UNKNOWN), suspected=True))
    ischemic = vs.ISCHEMIC_STROKE.matches(codes) or clinical_text.affirmed(
        recent_text, vs.ISCHEMIC_STROKE_TEXT
    )
    if ischemic:
        add(Concept.ISCHEMIC_STROKE)
    elif not ich and (
        vs.STROKE_UNKNOWN_TYPE.matches(codes)
        or clinical_text.affirmed(_NOT_STROKE.sub(" ", text), vs.STROKE_TEXT)
    ):
        # A stroke whose text names neither a bleed nor an infarct is of unknown type.
        add(Concept.STROKE_UNKNOWN_TYPE)
    if vs.CNS_NEOPLASM.matches(codes) or clinical_text.affirmed(text, vs.CNS_NEOPLASM_TEXT):
        add(Concept.CNS_NEOPLASM, history=past)
    if vs.HEAD_INJURY.matches(codes) or clinical_text.affirmed(
        recent_text, vs.HEAD_INJURY_TEXT
    ):
        add(Concept.HEAD_INJURY)
    elif vs.TRAUMA.matches(codes) or clinical_text.affirmed(recent_text, vs.TRAUMA_TEXT):
        add(Concept.TRAUMA)
    if vs.BLEEDING_DIATHESIS.matches(codes) or clinical_text.affirmed(
        text, vs.BLEEDING_DIATHESIS_TEXT
    ):
        add(Concept.BLEEDING_DIATHESIS, history=past)
    hit_coded = condition_sets.SIMPLE[Concept.HIT].matches(codes)
    if not hit_coded and clinical_text.affirmed(text, vs.HIT_TEXT):
        add(Concept.HIT)
    return found
