"""Iliac vein stent history Conditions -> IliacStent, and whether a site names an iliac vein
(shared with Procedures).
"""

from __future__ import annotations

from cds_hooks.guideline.findings import IliacStent

from ..fhir_types import SNOMED
from ..laterality import side_from
from ..terminology import conditions as vs
from ..terminology.procedures import ILIAC_VEIN_SITES, ILIAC_VEIN_TEXT
from .facts import _Facts, _has


def names_iliac_vein(site_codes: frozenset[tuple[str, str]], text: str) -> bool:
    """A bodySite code or text that names an iliac vein (not an iliac artery)."""
    if any(system == SNOMED and code in ILIAC_VEIN_SITES for system, code in site_codes):
        return True
    return _has(text, ILIAC_VEIN_TEXT)


def _stents(facts: _Facts) -> list[IliacStent]:
    if not vs.ILIAC_STENT_HISTORY_GATED.matches(facts.codes) or not facts.status.active:
        return []
    if not names_iliac_vein(facts.site_codes, facts.all_text):
        return []
    side = side_from(facts.codes, facts.body_sites, f"{facts.code_text} {facts.note}")
    return [IliacStent(side=side, placed=facts.onset or facts.recorded,
                       source=facts.source)]
