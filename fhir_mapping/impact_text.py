"""Quality-of-life impact of edema stated in free text (a Condition's note, an Observation's
value or note): significant, minimal or none; None when the text says nothing about it.

Significant: an impact word ("affects", "limits", "interferes with", "impact on", "unable to",
"cannot") stated of a life domain ("quality of life", daily activities, work, sleep, walking,
mobility, shoes), or a disabling adjective ("debilitating", "lifestyle-limiting"). Negated
("does not affect her daily activities", "no impact on quality of life") is none; "mild",
"minimal", "asymptomatic" is minimal. Hedged statements say nothing.
"""

from __future__ import annotations

import re

from cds_hooks.guideline.findings import Impact

from .statements import statements
from .text import Assertion, occurrences

_DOMAIN = re.compile(
    r"\b(?:quality of life|qol|daily (?:activities|life|living|routine)|activities|adls?"
    r"|work|job|employment|sleep\w*|walk\w*|ambulat\w*|mobility|exercis\w*|standing|stand"
    r"|shoes?|footwear|lifestyle|function\w*|independence|self-care|dress\w*|stairs|driving)\b"
)
_IMPACT = re.compile(
    r"(?<![\w-])(?:affect\w*|impact\w*|limit\w*|interfer\w*|disrupt\w*|prevent\w*|impair\w*"
    r"|restrict\w*|reduc\w*|compromis\w*|hinder\w*|unable to|cannot|can't|can not"
    r"|difficult\w*|struggl\w*|poor(?:ly)?|keeps? (?:her|him|them) (?:up|awake|from)"
    r"|wakes?|bothers?)(?![\w-])"
)
_DISABLING = re.compile(
    r"(?<![\w-])(?:debilitating|disabling|incapacitating|lifestyle[- ]limiting"
    r"|life[- ]limiting|function[- ]limiting|significant(?:ly)? (?:impact\w*|affect\w*|symptoms)"
    r"|major impact|severe(?:ly)? (?:symptomatic|affect\w*|limit\w*|impact\w*))(?![\w-])"
)
_NONE = re.compile(
    r"\b(?:no (?:impact|effect|limitation|interference|functional (?:impact|limitation))"
    r"|not (?:affecting|limiting|bothersome|bothering)|does not (?:affect|limit|bother)"
    r"|doesn't (?:affect|limit|bother))\b"
)
_MINIMAL = re.compile(
    r"(?<![\w-])(?:mild|minimal|asymptomatic|minor|slight|trace|not bothersome)(?![\w-])"
)
_ANSWER = re.compile(
    r"\b(?:qol|quality of life)(?: impact| affected)?\s*[:=-]\s*(yes|no|significant|none"
    r"|minimal|mild|severe)\b"
)
_ANSWERS = {"yes": Impact.SIGNIFICANT, "significant": Impact.SIGNIFICANT,
            "severe": Impact.SIGNIFICANT, "no": Impact.NONE, "none": Impact.NONE,
            "minimal": Impact.MINIMAL, "mild": Impact.MINIMAL}


def _states(sentence: str, pattern: re.Pattern[str]) -> set[Assertion]:
    return {state for *_, state in occurrences(sentence, pattern)}


def edema_impact(text: str) -> Impact | None:
    """Impact of edema stated in free text, or None when the text says nothing about it."""
    found: set[Impact] = set()
    for statement in statements(text):
        sentence = statement.current
        if not sentence:
            continue
        answer = _ANSWER.search(sentence)
        if answer:
            found.add(_ANSWERS[answer.group(1)])
            continue
        disabling = _states(sentence, _DISABLING)
        impact = _states(sentence, _IMPACT) if _DOMAIN.search(sentence) else set()
        if Assertion.AFFIRMED in disabling or (
            Assertion.AFFIRMED in impact and not _NONE.search(sentence)
        ):
            found.add(Impact.SIGNIFICANT)
        elif _NONE.search(sentence) or Assertion.NEGATED in impact | disabling:
            found.add(Impact.NONE)
        elif Assertion.AFFIRMED in _states(sentence, _MINIMAL):
            found.add(Impact.MINIMAL)
    for impact in (Impact.SIGNIFICANT, Impact.NONE, Impact.MINIMAL):
        if impact in found:
            return impact
    return None


__all__ = ["edema_impact"]
