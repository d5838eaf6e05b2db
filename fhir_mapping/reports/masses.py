"""Mass findings of an imaging report: a pelvic mass affirmed in its text, and the mass nature
of its conclusion codes (MassCharacterization).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cds_hooks.guideline.findings import MassCharacterization, Side, Source

from .. import text as clinical_text
from ..fhir_types import SNOMED
from ..mass_text import natures_from_text
from ..terminology import conditions as condition_vs
from ..terminology import imaging as vs

_MASS_TEXT = ("mass", "masses", "lymphadenopathy", "adenopathy", "enlarged lymph node",
              "enlarged lymph nodes")


def _reports_pelvic_mass(text: str) -> bool:
    """Conclusion text affirming a mass/adenopathy at a pelvic/iliac/inguinal site."""
    return clinical_text.affirmed(text, _MASS_TEXT) and clinical_text.affirmed(
        text, condition_vs.PELVIC_SITE_TEXT
    )


def _masses(
    codes: Iterable[tuple[str, str]],
    side: Side,
    when: datetime | None,
    source: Source,
    text: str = "",
    *,
    site_known: bool = False,
) -> list[MassCharacterization]:
    """Natures of the conclusion codes, then natures the conclusion text affirms (v2.3)."""
    natures = dict.fromkeys(
        (vs.MASS_NATURE_CONCLUSIONS[code], side) for system, code in codes
        if system == SNOMED and code in vs.MASS_NATURE_CONCLUSIONS
    )
    for nature, stated in natures_from_text(text, site_known=site_known):
        natures.setdefault((nature, stated if stated is not Side.UNKNOWN else side))
    return [MassCharacterization(nature=n, side=s, when=when, source=source) for n, s in natures]
