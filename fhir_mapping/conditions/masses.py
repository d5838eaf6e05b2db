"""Condition codes -> MassCharacterization: the nature of a mass (coded, or gated on a pelvic
site).
"""

from __future__ import annotations

from cds_hooks.guideline.findings import MassCharacterization, MassNature

from ..mass_text import natures_from_text
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
    if not facts.status.suspected:
        # Profile v2.3: a Condition whose text names the nature (affirmed, unhedged).
        text = f"{facts.own_text or facts.code_text}. {facts.note}"
        natures.extend(n for n, _ in natures_from_text(text, site_known=_pelvic_site(facts)))
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
