"""AllergyIntolerance to heparin or any LMWH -> Diagnosis HEPARIN_ALLERGY."""

from __future__ import annotations

from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept
from fhir_mapping import allergies

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def allergy(code: dict[str, Any], *, clinical: str | None = "active",
            verification: str | None = "confirmed", **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "AllergyIntolerance", "id": "a1", "code": code,
                                "patient": {"reference": "Patient/p1"}}
    if clinical:
        resource["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        resource["verificationStatus"] = {"coding": [{"code": verification}]}
    resource.update(extra)
    return resource


@pytest.mark.parametrize(
    "code",
    [
        {"coding": [{"system": RXNORM, "code": "5224"}]},
        {"coding": [{"system": RXNORM, "code": "67108"}]},
        {"coding": [{"system": RXNORM, "code": "67109"}]},
        {"coding": [{"system": RXNORM, "code": "69646"}]},
        {"text": "Heparin"},
        {"text": "Lovenox"},
        {"text": "Fragmin"},
        {"text": "Low molecular weight heparin"},
        {"text": "LMWH"},
    ],
)
def test_heparin_and_lmwh_allergies(code: dict[str, Any]) -> None:
    resource = allergy(code)
    assert allergies.relevant(resource)
    (found,) = allergies.convert(resource)
    assert found.concept is Concept.HEPARIN_ALLERGY
    assert found.active and not found.suspected
    assert found.source.refs == ("AllergyIntolerance/a1",)


def test_reaction_substance_counts() -> None:
    resource = allergy({"text": "Anticoagulant"},
                       reaction=[{"substance": {"text": "enoxaparin"},
                                  "manifestation": [{"text": "thrombocytopenia"}]}])
    assert [d.concept for d in allergies.convert(resource)] == [Concept.HEPARIN_ALLERGY]


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_allergy_is_nothing(verification: str) -> None:
    assert allergies.convert(allergy({"text": "Heparin"}, verification=verification)) == []


def test_inactive_and_unconfirmed_allergy() -> None:
    (inactive,) = allergies.convert(allergy({"text": "Heparin"}, clinical="inactive"))
    assert not inactive.active
    (unconfirmed,) = allergies.convert(allergy({"text": "Heparin"}, verification="unconfirmed"))
    assert unconfirmed.suspected


def test_other_allergies_are_not_relevant() -> None:
    assert not allergies.relevant(allergy({"coding": [{"system": RXNORM, "code": "7980",
                                                       "display": "Penicillin G"}]}))


# ---------------------------------------------------------------- catalog v2.2: HIT as an allergy

SNOMED = "http://snomed.info/sct"


@pytest.mark.parametrize(
    "resource",
    [
        allergy({"coding": [{"system": SNOMED, "code": "73397007"}]}, clinical="inactive"),
        allergy({"text": "Heparin-induced thrombocytopenia"}, clinical="resolved"),
        allergy({"text": "Heparin"}, clinical="inactive",
                reaction=[{"manifestation": [{"text": "Heparin-induced thrombocytopenia"}]}]),
        allergy({"text": "Heparin"}, verification="unconfirmed",
                reaction=[{"manifestation": [{"coding": [{"system": SNOMED,
                                                          "code": "73397007"}]}]}]),
    ],
    ids=["snomed-inactive", "text-resolved", "heparin-thrombocytopenia", "manifestation-code"],
)
def test_hit_recorded_as_an_allergy_is_hit_in_any_status(resource: dict[str, Any]) -> None:
    assert allergies.relevant(resource)
    (found,) = allergies.convert(resource)
    assert found.concept is Concept.HIT


def test_refuted_hit_allergy_is_dropped() -> None:
    resource = allergy({"text": "Heparin-induced thrombocytopenia"}, verification="refuted")
    assert allergies.convert(resource) == []


def test_heparin_allergy_with_a_rash_stays_an_allergy() -> None:
    resource = allergy({"text": "Heparin"}, reaction=[{"manifestation": [{"text": "Rash"}]}])
    (found,) = allergies.convert(resource)
    assert found.concept is Concept.HEPARIN_ALLERGY
