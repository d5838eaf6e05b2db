"""A pathology / biopsy / cytology DiagnosticReport -> the nature of a pelvic/iliac mass
(input profile v2.3: "the affirmed, unhedged text of ... a pathology/biopsy report").

The report counts only when its text names a pelvic, iliac, inguinal, retroperitoneal or nodal
site (a liver biopsy showing carcinoma does not characterize a pelvic mass).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cds_hooks.guideline.findings import MassCharacterization, Side, Source

from ..fhir_types import LOINC, codings, concept_text, first_when, get, ref_of
from ..mass_text import natures_from_text
from ..statements import side_of
from ..text import normalize
from .statuses import _USABLE_STATUS, _WHEN_KEYS

_PATHOLOGY_LOINC = frozenset({
    "60567-5", "11526-1", "22637-3", "11529-5", "22634-0", "22635-7", "22636-5", "33717-0",
    "26438-2", "65753-7", "66121-5", "47527-7", "47528-5", "10524-7", "60568-3", "60570-9",
})  # fmt: skip
_PATHOLOGY_TEXT = re.compile(
    r"patholog|biops|cytolog|histolog|fine needle|\bfna\b|core needle|specimen|frozen section"
)
_SITE = re.compile(
    r"\b(?:pelvi[cs]|iliac|inguinal|groin|retroperitone\w*|nodal|lymph nodes?|adenopathy"
    r"|lymphadenopathy|psoas|obturator|presacral|sidewall)\b"
)


def is_pathology(resource: Mapping[str, Any]) -> bool:
    """Cheap check on raw JSON: a usable pathology/biopsy/cytology report, by its LOINC code or
    the text of its code (its category is not read, so a malformed one never matters)."""
    if resource.get("resourceType") != "DiagnosticReport":
        return False
    if resource.get("status") not in _USABLE_STATUS:
        return False
    code = resource.get("code")
    return pathology_code(list(codings(code)), concept_text(code))


def pathology_code(code_codings: list[tuple[str, str, str]], code_text: str) -> bool:
    """A pathology report's code: a pathology LOINC code, or code text naming pathology."""
    if any(system == LOINC and value in _PATHOLOGY_LOINC for system, value, _ in code_codings):
        return True
    return bool(_PATHOLOGY_TEXT.search(code_text))


def pathology_natures(model: Any, text: str) -> list[MassCharacterization]:
    """Mass natures of a pathology report whose text names a pelvic/iliac/nodal site."""
    code_text = concept_text(get(model, "code"))
    whole = normalize(f"{code_text}. {text}")
    if not _SITE.search(whole):
        return []
    side = side_of(whole)
    when = first_when(model, *_WHEN_KEYS)
    display = str(get(get(model, "code"), "text") or "Pathology report")
    source = Source(refs=(ref_of(model),), display=display)
    return [
        MassCharacterization(
            nature=nature, side=stated if stated is not Side.UNKNOWN else side, when=when,
            source=source,
        )
        for nature, stated in natures_from_text(text, site_known=True)
    ]


__all__ = ["is_pathology", "pathology_code", "pathology_natures"]
