"""Code systems and the standard codes of suggested orders that several rules share.

One place for them, so that e.g. the duplex a DVT rule-out suggests and the duplex post-stent
surveillance suggests can never drift apart. Codes are those the catalog names.
"""

from __future__ import annotations

from cds_hooks.guideline.findings import Side
from cds_hooks.guideline.recommendation import Code

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

# Complete venous duplex of the leg(s): LOINC per side, with the CPT codings welcome.
DUPLEX_CODES: dict[Side, tuple[Code, ...]] = {
    Side.LEFT: (
        Code(LOINC, "39432-0", "US Lower extremity vein - left"),
        Code(CPT, "93971", "Duplex scan of extremity veins; unilateral or limited study"),
    ),
    Side.RIGHT: (
        Code(LOINC, "39443-7", "US Lower extremity vein - right"),
        Code(CPT, "93971", "Duplex scan of extremity veins; unilateral or limited study"),
    ),
    Side.BILATERAL: (
        Code(LOINC, "39420-5", "US Lower extremity vein - bilateral"),
        Code(CPT, "93970", "Duplex scan of extremity veins; complete bilateral study"),
    ),
}
