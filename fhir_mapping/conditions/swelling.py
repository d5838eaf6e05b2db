"""Leg swelling Conditions -> Swelling (side, extent; a focal lump is no swelling) and the
EdemaImpact stated in the note.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import EdemaImpact, Extent, Impact, Side, Swelling

from .. import impact_text
from .. import text as clinical_text
from ..fhir_types import ICD10CM, SNOMED
from ..laterality import side_from, swollen_side_from_text
from ..terminology import ValueSet
from ..terminology import codes as snomed_codes
from ..terminology import conditions as vs
from ..terminology import icd as icd_codes
from .facts import _LEG_WORDS, _Facts, _has

_SWELLING_WORDS = ("swelling", "swollen", "edema", "oedema")
_LUMP_WORDS = ("lump", "lumps", "mass", "masses", "cyst", "lipoma", "nodule", "nodules",
               "lesion", "ganglion", "abscess", "hematoma", "haematoma")
_LUMP_CAPABLE_SWELLING = ValueSet(icd10=icd_codes("R22.40", "R22.41", "R22.42", "R22.43"))
# Codes that can only mean swelling/edema of the limb (not a lump): never a focal lump.
_EDEMA_ONLY_SWELLING = ValueSet(
    snomed=snomed_codes("449614009", "102572006", "449615005", "267039000"),
    icd10=icd_codes("R60.0"),
)


_WHOLE_LEG_SITES = frozenset({"68367000", "26893007", "29836001", "182281004"})
_LIMITED_SITES = frozenset({"56459004", "344001", "53840002", "30021000", "70258002"})
_WHOLE_LEG_TEXT = ("thigh", "groin", "hip", "whole leg", "entire leg", "groin to ankle",
                   "whole limb", "entire limb", "whole lower limb",
                   # EHR wording puts the side in the middle: "swelling of entire left leg"
                   "whole left leg", "whole right leg", "entire left leg", "entire right leg",
                   "entire lower extremity", "whole lower extremity", "entire left lower extremity",
                   "entire right lower extremity", "entire lower limb", "whole left lower limb",
                   "whole right lower limb", "thigh to ankle", "hip to ankle", "up to the groin",
                   "up to the thigh", "to the groin", "extending to the thigh",
                   "including the thigh")
# A free-text note mentions the hip or groin for many reasons ("s/p hip replacement"); only
# these explicit, non-negated statements of extent count there.
_WHOLE_LEG_NOTE = ("whole leg", "entire leg", "groin to ankle", "thigh swelling",
                   "whole left leg", "whole right leg", "entire left leg", "entire right leg",
                   "swelling of the thigh", "swelling to the thigh", "whole limb", "entire limb",
                   "entire lower extremity", "whole lower extremity", "entire left lower extremity",
                   "entire right lower extremity", "entire lower limb", "whole left lower limb",
                   "whole right lower limb", "thigh to ankle", "hip to ankle", "up to the groin",
                   "up to the thigh", "to the groin", "extending to the thigh",
                   "including the thigh")
_LIMITED_TEXT = ("foot", "feet", "ankle", "ankles", "calf", "calves", "lower leg", "lower legs",
                 "shin", "pretibial")




def _extent(facts: _Facts) -> Extent:
    if facts.site_codes & {(SNOMED, c) for c in _WHOLE_LEG_SITES}:
        return Extent.WHOLE_LEG
    text = f"{facts.site_text} {facts.code_text}"
    if _has(text, _WHOLE_LEG_TEXT) or clinical_text.affirmed(facts.note, _WHOLE_LEG_NOTE):
        return Extent.WHOLE_LEG
    if facts.site_codes & {(SNOMED, c) for c in _LIMITED_SITES} or _has(text, _LIMITED_TEXT):
        return Extent.LIMITED
    return Extent.UNKNOWN


def _is_swelling(facts: _Facts) -> bool:
    if vs.SWELLING.matches(facts.codes):
        return not _focal_lump(facts)
    if any(system in (SNOMED, ICD10CM) for system, _ in facts.codes):
        # A coded condition outside the value set is not turned into a swelling by its text.
        return False
    text = facts.code_text
    return _LEG_WORDS.search(text) is not None and clinical_text.affirmed(text, _SWELLING_WORDS)


def _focal_lump(facts: _Facts) -> bool:
    """R22.4x is "localized swelling, mass and lump": a record whose own text names only a
    focal lump (mass, cyst, lipoma, nodule) is not leg swelling/edema — a duplex or pelvic
    venography for a thigh lipoma would be noise. The code's display never decides this."""
    if not facts.matching_codes(_LUMP_CAPABLE_SWELLING):
        return False
    if facts.matching_codes(_EDEMA_ONLY_SWELLING):
        return False
    text = facts.own_text
    return clinical_text.affirmed(text, _LUMP_WORDS) and not clinical_text.affirmed(
        text, _SWELLING_WORDS
    )


def _swellings(facts: _Facts) -> list[Swelling | EdemaImpact]:
    if not _is_swelling(facts):
        return []
    found: list[Swelling | EdemaImpact] = [
        Swelling(
            side=_swollen_side(facts),
            extent=_extent(facts),
            active=facts.status.active,
            onset=facts.onset,
            recorded=facts.recorded,
            source=facts.source,
        )
    ]
    impact = edema_impact(facts.note)
    if impact is not None:
        found.append(EdemaImpact(impact=impact, when=facts.recorded or facts.onset,
                                 source=facts.source))
    return found


def _swollen_side(facts: _Facts) -> Side:
    side = side_from(facts.codes, facts.body_sites)
    return side if side is not Side.UNKNOWN else swollen_side_from_text(facts.code_text)


def edema_impact(note: str) -> Impact | None:
    """Impact of edema stated in the note (`fhir_mapping.impact_text`)."""
    return impact_text.edema_impact(note)
