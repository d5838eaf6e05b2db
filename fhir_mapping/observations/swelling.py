"""Leg swelling Observations -> Swelling (side, extent) and EdemaImpact (quality of life).
"""

from __future__ import annotations

from cds_hooks.guideline.findings import EdemaImpact, Extent, Impact, Side, Swelling

from .. import impact_text
from .. import text as clinical_text
from ..fhir_types import SNOMED, code_set, get
from ..laterality import side_from, swollen_side_from_text
from ..terminology import conditions as condition_vs
from ..terminology import observations as vs
from .facts import Finding, _Obs

_WHOLE_LEG_SITES = frozenset({"68367000", "26893007", "29836001", "182281004"})
_LIMITED_SITES = frozenset({"56459004", "344001", "53840002", "30021000", "70258002"})
_WHOLE_LEG_TEXT = (
    "thigh", "groin", "hip", "whole leg", "entire leg", "groin to ankle", "whole limb",
    "entire limb", "whole lower limb", "whole left leg", "whole right leg", "entire left leg",
    "entire right leg",
    "entire lower extremity", "whole lower extremity", "entire left lower extremity",
    "entire right lower extremity", "entire lower limb", "whole left lower limb",
    "whole right lower limb", "thigh to ankle", "hip to ankle", "up to the groin",
    "up to the thigh", "to the groin", "extending to the thigh", "including the thigh",
)  # fmt: skip
_WHOLE_LEG_NOTE = (
    "whole leg", "entire leg", "groin to ankle", "thigh swelling", "swelling of the thigh",
    "swelling to the thigh", "whole limb", "entire limb", "whole left leg", "whole right leg",
    "entire left leg", "entire right leg",
    "entire lower extremity", "whole lower extremity", "entire left lower extremity",
    "entire right lower extremity", "entire lower limb", "whole left lower limb",
    "whole right lower limb", "thigh to ankle", "hip to ankle", "up to the groin",
    "up to the thigh", "to the groin", "extending to the thigh", "including the thigh",
)  # fmt: skip
_LIMITED_TEXT = (
    "foot", "feet", "ankle", "ankles", "calf", "calves", "lower leg", "lower legs", "shin",
    "pretibial", "pedal",
)  # fmt: skip


def _qol(obs: _Obs) -> list[Finding]:
    impact: Impact | None = None
    value_boolean = get(obs.model, "valueBoolean")
    answer = code_set(get(obs.model, "valueCodeableConcept"))
    if isinstance(value_boolean, bool):
        impact = Impact.SIGNIFICANT if value_boolean else Impact.NONE
    elif any(system == SNOMED and code in vs.QOL_YES for system, code in answer):
        impact = Impact.SIGNIFICANT
    elif any(system == SNOMED and code in vs.QOL_NO for system, code in answer):
        impact = Impact.NONE
    else:
        impact = edema_impact(f"{obs.value_text} {obs.note}")
    if impact is None:
        return []
    return [EdemaImpact(impact=impact, when=obs.when, source=obs.source)]


def edema_impact(text: str) -> Impact | None:
    """Impact of edema stated in free text (`fhir_mapping.impact_text`)."""
    return impact_text.edema_impact(text)


# ---------------------------------------------------------------- swelling


def _is_leg_edema_text(text: str) -> bool:
    return clinical_text.has_any(text, vs.EDEMA_WORDS) and clinical_text.has_any(
        text, vs.LEG_WORDS
    )


def _swelling(obs: _Obs) -> list[Finding]:
    coded = condition_vs.SWELLING.matches(obs.codes)
    value_codes = code_set(get(obs.model, "valueCodeableConcept"))
    value_coded = condition_vs.SWELLING.matches(value_codes)
    edema_concept = coded or value_coded or _is_leg_edema_text(
        f"{obs.code_text} {obs.site_text} {obs.value_text}"
    )
    generic_edema = clinical_text.has_any(f"{obs.code_text} {obs.value_text}", vs.EDEMA_WORDS)
    if not edema_concept and not generic_edema:
        return []
    if get(obs.model, "dataAbsentReason") is not None:
        return []
    present = _swelling_present(obs, value_codes, value_coded, coded)
    if present is None:
        return []
    if present and not edema_concept:
        # Synthea's generic "Edema (finding)" names no limb: not a lower-limb swelling.
        return []
    found: list[Finding] = [
        Swelling(
            side=_swollen_side(obs) if present else obs.side(),
            present=present,
            extent=_extent(obs) if present else Extent.UNKNOWN,
            recorded=obs.when,
            source=obs.source,
        )
    ]
    impact = edema_impact(obs.note) if present else None
    if impact is not None:
        found.append(EdemaImpact(impact=impact, when=obs.when, source=obs.source))
    return found


def _swollen_side(obs: _Obs) -> Side:
    """A positive exam's side; clauses calling a side normal do not name the swollen side."""
    side = side_from(obs.codes, get(obs.model, "bodySite"))
    if side is not Side.UNKNOWN:
        return side
    return swollen_side_from_text(f"{obs.code_text} {obs.value_text}")


def _swelling_present(
    obs: _Obs, value_codes: set[tuple[str, str]], value_coded: bool, coded: bool
) -> bool | None:
    """True / False for a positive / negative exam; None when the value is unreadable."""
    value_boolean = get(obs.model, "valueBoolean")
    if isinstance(value_boolean, bool):
        return value_boolean
    snomed = {code for system, code in value_codes if system == SNOMED}
    if snomed & vs.ABSENT_ANSWERS:
        return False
    if value_coded or snomed & vs.PRESENT_ANSWERS:
        return True
    interpretation = {code.upper() for _, code in code_set(get(obs.model, "interpretation"))}
    if interpretation & vs.NEGATIVE_INTERPRETATION:
        return False
    # The exam's own words first: "Edema of lower extremity: no pitting oedema" is negative
    # although its code names edema.
    if clinical_text.assertion(obs.value_text, vs.EDEMA_WORDS) is clinical_text.Assertion.NEGATED:
        return False
    text = f"{obs.code_text} {obs.value_text}"
    state = clinical_text.assertion(text, vs.EDEMA_WORDS)
    if state is clinical_text.Assertion.AFFIRMED and swollen_side_from_text(text) in (
        Side.LEFT,
        Side.RIGHT,
    ):
        # "No edema of the right leg. Left leg swollen.": one leg is swollen; the negative
        # statement is about the other leg, not the whole exam.
        return True
    if state is clinical_text.Assertion.NEGATED or clinical_text.has_any(
        text, vs.ABSENT_EDEMA_TEXT
    ):
        return False
    if state is clinical_text.Assertion.AFFIRMED:
        return True
    # A coded swelling finding with no value and no text is the finding itself.
    has_value = any(get(obs.model, k) is not None for k in ("valueString", "valueCodeableConcept"))
    if coded and not has_value and state is clinical_text.Assertion.ABSENT:
        return True
    return None


def _extent(obs: _Obs) -> Extent:
    site_codes = {c for system, c in code_set(get(obs.model, "bodySite")) if system == SNOMED}
    text = f"{obs.site_text} {obs.code_text} {obs.value_text} {obs.note}"
    # As for Conditions: a note mentions the hip or groin for many reasons ("s/p hip
    # replacement"), so only explicit statements of extent count there, and a negated one
    # ("calf swelling, no thigh swelling") never does.
    described = f"{obs.site_text}. {obs.code_text}. {obs.value_text}"
    if (
        site_codes & _WHOLE_LEG_SITES
        or clinical_text.affirmed(described, _WHOLE_LEG_TEXT)
        or clinical_text.affirmed(obs.note, _WHOLE_LEG_NOTE)
    ):
        return Extent.WHOLE_LEG
    if site_codes & _LIMITED_SITES or clinical_text.has_any(text, _LIMITED_TEXT):
        return Extent.LIMITED
    return Extent.UNKNOWN
