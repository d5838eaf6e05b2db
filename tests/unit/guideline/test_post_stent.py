"""After iliac venous stenting: antithrombotic review and surveillance imaging."""

from __future__ import annotations

import pytest

from cds_hooks.guideline.findings import Concept, DrugClass, Modality, OrderKind, Side
from cds_hooks.guideline.post_stent import (
    post_stent_antithrombotic_review,
    post_stent_surveillance,
)
from cds_hooks.guideline.recommendation import Indicator
from tests.unit.guideline.builders import (
    diagnosis,
    direct_state,
    iliac_stent,
    medication,
    order,
    record,
    study,
    swelling,
)

APIXABAN = medication("apixaban", 5)
ASPIRIN = medication("aspirin", 81, drug_class=DrugClass.ANTIPLATELET)


def stented(**fields):
    fields.setdefault("stents", [iliac_stent(Side.LEFT, 90)])
    return direct_state(record(**fields))


# ---------------------------------------------------------------- antithrombotic review


@pytest.mark.parametrize("med", [APIXABAN, ASPIRIN])
def test_current_antithrombotic_without_prior_vte_is_reviewed(med) -> None:
    rec = post_stent_antithrombotic_review(stented(medications=[med]))
    assert rec is not None
    assert rec.id == "post-stent-antithrombotic-review"
    assert rec.indicator is Indicator.INFO
    assert med.ingredient in rec.summary
    assert "never an automatic stop" in rec.detail.lower()
    assert rec.suggestions == ()


def test_silent_without_stent_or_without_antithrombotic() -> None:
    assert post_stent_antithrombotic_review(stented(stents=[], medications=[APIXABAN])) is None
    assert post_stent_antithrombotic_review(stented()) is None


@pytest.mark.parametrize(
    "concept", [Concept.DVT, Concept.VTE_HISTORY, Concept.PULMONARY_EMBOLISM, Concept.CHRONIC_DVT]
)
def test_prior_vte_silences_the_review(concept: Concept) -> None:
    dx = diagnosis(concept, Side.LEFT, 900, active=False)
    assert post_stent_antithrombotic_review(stented(medications=[APIXABAN], diagnoses=[dx])) is None


@pytest.mark.parametrize(
    "concept",
    [
        Concept.ATRIAL_FIBRILLATION,
        Concept.MECHANICAL_VALVE,
        Concept.CORONARY_DISEASE,
        Concept.PERIPHERAL_ARTERIAL,
        Concept.STROKE_TIA,
        Concept.THROMBOPHILIA,
    ],
)
def test_other_indication_silences_the_review(concept: Concept) -> None:
    state = stented(medications=[APIXABAN], diagnoses=[diagnosis(concept, days=400)])
    assert post_stent_antithrombotic_review(state) is None


def test_suspected_indication_does_not_silence() -> None:
    dx = diagnosis(Concept.ATRIAL_FIBRILLATION, suspected=True)
    assert post_stent_antithrombotic_review(stented(medications=[APIXABAN], diagnoses=[dx]))


def test_order_hooks_review_the_drafted_antithrombotic() -> None:
    drafted = [
        order(OrderKind.ANTITHROMBOTIC, "MedicationRequest/rx", medication=APIXABAN),
        order(OrderKind.VENOGRAPHY_IVUS, "ServiceRequest/ivus"),
    ]
    rec = post_stent_antithrombotic_review(stented(), drafted)
    assert rec is not None
    assert rec.order_refs == ("MedicationRequest/rx",)
    assert post_stent_antithrombotic_review(stented(), drafted[1:]) is None
    # Order hooks judge the drafts, not the current list.
    assert post_stent_antithrombotic_review(stented(medications=[APIXABAN]), []) is None


# ---------------------------------------------------------------- surveillance


@pytest.mark.parametrize(("days", "fires"), [(29, False), (30, True), (31, True)])
def test_surveillance_from_30_days_after_placement(days: int, fires: bool) -> None:
    rec = post_stent_surveillance(stented(stents=[iliac_stent(Side.LEFT, days)]))
    assert (rec is not None) is fires


def test_surveillance_suggests_a_duplex_of_the_stented_side() -> None:
    rec = post_stent_surveillance(stented())
    assert rec is not None
    assert rec.indicator is Indicator.INFO
    assert rec.suggestions[0].codes[0].code == "39432-0"
    right = post_stent_surveillance(stented(stents=[iliac_stent(Side.RIGHT, 90)]))
    assert right is not None and right.suggestions[0].codes[0].code == "39443-7"
    unknown = post_stent_surveillance(stented(stents=[iliac_stent(Side.UNKNOWN, 90)]))
    assert unknown is not None and unknown.suggestions[0].codes[0].code == "39420-5"


@pytest.mark.parametrize(
    "modality",
    [Modality.DUPLEX, Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY, Modality.VENOGRAPHY_IVUS],
)
def test_venous_imaging_since_placement_satisfies_surveillance(modality: Modality) -> None:
    state = stented(imaging=[study(modality, Side.LEFT, 20)])
    assert post_stent_surveillance(state) is None


def test_contrast_ct_of_a_mass_is_not_stent_surveillance() -> None:
    state = stented(imaging=[study(Modality.CONTRAST_CT_MRI, Side.UNKNOWN, 20)])
    assert post_stent_surveillance(state) is not None


def test_imaging_before_placement_or_of_the_other_leg_does_not_count() -> None:
    before = stented(imaging=[study(Modality.DUPLEX, Side.LEFT, 91)])
    assert post_stent_surveillance(before) is not None
    same_day = stented(imaging=[study(Modality.DUPLEX, Side.LEFT, 90)])
    assert post_stent_surveillance(same_day) is None
    other_leg = stented(imaging=[study(Modality.DUPLEX, Side.RIGHT, 20)])
    assert post_stent_surveillance(other_leg) is not None


def test_imaging_must_be_within_12_months() -> None:
    old_stent = [iliac_stent(Side.LEFT, 800)]
    # AS_OF is 2026-11-27: 2025-11-27 is exactly 12 months back and counts; the day before not.
    inside = stented(stents=old_stent, imaging=[study(Modality.DUPLEX, Side.LEFT, 365)])
    assert post_stent_surveillance(inside) is None
    outside = stented(stents=old_stent, imaging=[study(Modality.DUPLEX, Side.LEFT, 366)])
    assert post_stent_surveillance(outside) is not None


def test_undated_stent_without_recent_imaging_asks_for_the_date() -> None:
    rec = post_stent_surveillance(stented(stents=[iliac_stent(Side.LEFT, None)]))
    assert rec is not None and rec.missing == ("Date of stent placement",)


def test_no_stent_no_surveillance() -> None:
    assert post_stent_surveillance(stented(stents=[], swellings=[swelling()])) is None
