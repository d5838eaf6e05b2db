"""Value sets of the input profile, one module per domain, keyed by concept.

A value set holds frozensets of normalized codes per system (ICD-10 without the dot, upper-case)
and explicit prefix tuples for code families (I82.4x, N18.x), so membership is a set lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..fhir_types import CPT, ICD10CM, ICD10PCS, LOINC, RXNORM, SNOMED


@dataclass(frozen=True)
class ValueSet:
    snomed: frozenset[str] = frozenset()
    icd10: frozenset[str] = frozenset()
    icd10_prefixes: tuple[str, ...] = ()
    pcs: frozenset[str] = frozenset()
    cpt: frozenset[str] = frozenset()
    loinc: frozenset[str] = frozenset()
    rxnorm: frozenset[str] = frozenset()

    def contains(self, system: str, code: str) -> bool:
        if system == SNOMED:
            return code in self.snomed
        if system == ICD10CM:
            return code in self.icd10 or (bool(self.icd10_prefixes) and
                                          code.startswith(self.icd10_prefixes))
        if system == ICD10PCS:
            return code in self.pcs
        if system == CPT:
            return code in self.cpt
        if system == LOINC:
            return code in self.loinc
        if system == RXNORM:
            return code in self.rxnorm
        return False

    def matches(self, codes: Iterable[tuple[str, str]]) -> bool:
        return any(self.contains(system, code) for system, code in codes)

    def matching(self, codes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(system, code) for system, code in codes if self.contains(system, code)]


def icd(*codes: str) -> frozenset[str]:
    """Normalized ICD-10 codes written the readable way ("I82.422")."""
    return frozenset(c.replace(".", "").upper() for c in codes)


def icd_prefixes(*codes: str) -> tuple[str, ...]:
    return tuple(c.replace(".", "").upper() for c in codes)


def codes(*values: str) -> frozenset[str]:
    return frozenset(values)


def icd_range(letter: str, start: int, end: int) -> tuple[str, ...]:
    """Prefixes for a block of 3-character categories, e.g. ('C', 81, 85) -> C81..C85."""
    return tuple(f"{letter}{n:02d}" for n in range(start, end + 1))
