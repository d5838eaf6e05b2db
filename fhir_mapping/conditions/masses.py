"""Condition codes -> MassCharacterization: the nature of a mass (coded, or gated on a pelvic
site).
"""

from __future__ import annotations

from cds_hooks.guideline.findings import MassCharacterization, MassNature

from ..terminology import conditions as vs
from .facts import _Facts, _has, _pelvic_site


def _masses(facts: _Facts) -> list[MassCharacterization]:
    natures: list[MassNature] = []
    for nature, value_set in vs.MASS_NATURE.items():
        if value_set.matches(facts.codes):
            natures.append(nature)
    if vs.BURSITIS_GATED.matches(facts.codes) and _has(facts.all_text, vs.BURSITIS_TEXT):
        natures.append(MassNature.BURSITIS)
    if _pelvic_site(facts):
        for nature, value_set in vs.MASS_NATURE_GATED.items():
            if value_set.matches(facts.codes):
                natures.append(nature)
    side = facts.side()
    return [
        MassCharacterization(
            nature=nature,
            side=side,
            active=facts.status.active,
            when=facts.onset or facts.recorded,
            source=facts.source,
        )
        for nature in dict.fromkeys(natures)
    ]
