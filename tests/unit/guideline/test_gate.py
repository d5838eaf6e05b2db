"""Relevance gates: patient-view scope and draft-order scope."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from builders import (
    AS_OF,
    PATIENT,
    diagnosis,
    dvt,
    medication,
    order,
    record,
    state_of,
    study,
    swelling,
)

from cds_hooks.guideline import evaluate_orders, evaluate_patient_view
from cds_hooks.guideline.findings import (
    Concept,
    DraftOrder,
    DrugClass,
    IliacStent,
    Modality,
    OrderKind,
    PatientRecord,
    Result,
    Side,
    StentSite,
)
from cds_hooks.guideline.gate import order_in_scope, thrombolytic_in_scope

MASS = diagnosis(Concept.PELVIC_MASS, Side.LEFT, 40)


@pytest.mark.parametrize(
    ("rec", "in_scope"),
    [
        (record(swellings=[swelling(Side.LEFT, 30)]), True),
        (record(swellings=[swelling(Side.LEFT, 31)]), False),
        (record(swellings=[swelling(Side.UNKNOWN, 3)]), True),
        (record(swellings=[swelling(Side.LEFT, 3), swelling(Side.RIGHT, 3)]), False),
        (record(swellings=[swelling(Side.BILATERAL, 3)]), False),
        (record(swellings=[swelling(Side.LEFT, 3), swelling(Side.RIGHT, 200)]), False),
        (record(swellings=[swelling(Side.LEFT, None)]), False),
        (record(swellings=[swelling(Side.LEFT, 3, active=False)]), False),
        (record(swellings=[swelling(Side.LEFT, 3, present=False)]), False),
        (record(), False),
    ],
    ids=[
        "new-left-30d",
        "chronic-left-31d",
        "new-unknown-side",
        "new-bilateral-records",
        "new-bilateral-code",
        "new-left-on-chronic-right",
        "undated",
        "resolved",
        "absent",
        "empty",
    ],
)
def test_without_iliac_context_only_new_unilateral_swelling_is_in_scope(
    rec: PatientRecord, in_scope: bool
) -> None:
    assert state_of(rec).in_scope is in_scope


@pytest.mark.parametrize(
    "context",
    [
        {"diagnoses": [MASS]},
        {"diagnoses": [diagnosis(Concept.ILIAC_COMPRESSION, Side.LEFT, 400)]},
        {"imaging": [study(Modality.CT_VENOGRAPHY, days=400, compression_side=Side.LEFT)]},
        {"stents": [IliacStent(Side.LEFT)]},
        {"diagnoses": [dvt(Side.RIGHT, 10)]},
    ],
    ids=["mass", "compression-dx", "compression-imaging", "stent", "acute-dvt"],
)
def test_iliac_context_brings_chronic_bilateral_swelling_in_scope(context: dict) -> None:
    rec = record(swellings=[swelling(Side.LEFT, 400), swelling(Side.RIGHT, 400)], **context)
    state = state_of(rec)
    assert state.iliac_context is True
    assert state.in_scope is True


@pytest.mark.parametrize(
    "not_context",
    [
        {"diagnoses": [dvt(Side.LEFT, 31)]},
        {"diagnoses": [diagnosis(Concept.PELVIC_MASS, Side.LEFT, suspected=True)]},
        {"diagnoses": [diagnosis(Concept.PELVIC_MASS, Side.LEFT, active=False)]},
        {"imaging": [study(Modality.DUPLEX, result=Result.NEGATIVE)]},
    ],
    ids=["old-dvt", "suspected-mass", "resolved-mass", "negative-duplex"],
)
def test_near_miss_iliac_context(not_context: dict) -> None:
    state = state_of(record(swellings=[swelling(Side.LEFT, 400)], **not_context))
    assert state.iliac_context is False
    assert state.in_scope is False


def test_deceased_patient_gets_nothing_from_either_hook() -> None:
    dead = replace(PATIENT, deceased=True)
    rec = record(patient=dead, swellings=[swelling(Side.LEFT, 3)], diagnoses=[dvt()])
    assert state_of(rec).in_scope is False
    assert evaluate_patient_view(rec, as_of=AS_OF) == []
    assert evaluate_orders(rec, [order(OrderKind.IVC_FILTER)], as_of=AS_OF) == []


def test_chronic_bilateral_swelling_without_context_gets_no_cards() -> None:
    rec = record(swellings=[swelling(Side.LEFT, 400), swelling(Side.RIGHT, 400)])
    assert evaluate_patient_view(rec, as_of=AS_OF) == []


# ---------------------------------------------------------------- order scope


def lytic(**kwargs: Any) -> DraftOrder:
    return order(
        OrderKind.THROMBOLYSIS,
        "MedicationRequest/lytic",
        medication=medication("alteplase", drug_class=DrugClass.THROMBOLYTIC),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("draft", "acute_dvt", "in_scope"),
    [
        (lytic(reason_concepts=("dvt",)), False, True),
        (lytic(reason_concepts=("phlegmasia",)), False, True),
        (lytic(), True, True),
        (lytic(), False, False),
        (lytic(reason_concepts=("dvt", "pe")), True, False),
        (lytic(reason_concepts=("stroke",)), True, False),
        (lytic(reason_concepts=("mi",)), True, False),
        (lytic(reason_concepts=("catheter-occlusion",)), True, False),
        (lytic(total_dose_mg=2.0), True, False),
        (lytic(total_dose_mg=2.1), True, True),
        (lytic(reason_text="something else"), True, False),
    ],
    ids=[
        "dvt",
        "phlegmasia",
        "no-reason-acute-dvt",
        "no-reason-no-dvt",
        "pe",
        "stroke",
        "mi",
        "catheter",
        "alteplase-2mg",
        "alteplase-2.1mg",
        "unclassified-reason",
    ],
)
def test_thrombolytic_scope(draft: DraftOrder, acute_dvt: bool, in_scope: bool) -> None:
    state = state_of(record(diagnoses=[dvt()] if acute_dvt else []))
    assert thrombolytic_in_scope(draft, state) is in_scope
    assert order_in_scope(draft, state) is in_scope


def test_small_dose_of_another_thrombolytic_is_not_catheter_clearance() -> None:
    draft = order(
        OrderKind.THROMBOLYSIS,
        medication=medication("tenecteplase", drug_class=DrugClass.THROMBOLYTIC),
        total_dose_mg=2.0,
    )
    assert thrombolytic_in_scope(draft, state_of(record(diagnoses=[dvt()]))) is True


@pytest.mark.parametrize(
    ("draft", "context", "in_scope"),
    [
        (order(OrderKind.IVC_FILTER), {}, True),
        (order(OrderKind.STENT, stent_site=StentSite.ILIAC_FEMORAL), {}, True),
        (order(OrderKind.STENT, stent_site=StentSite.UNSPECIFIED), {"diagnoses": [MASS]}, True),
        (order(OrderKind.STENT, stent_site=StentSite.UNSPECIFIED), {}, False),
        (order(OrderKind.STENT, stent_site=StentSite.OTHER), {"diagnoses": [MASS]}, False),
        (order(OrderKind.ANTITHROMBOTIC), {"stents": [IliacStent(Side.LEFT)]}, True),
        (order(OrderKind.ANTITHROMBOTIC), {"diagnoses": [MASS]}, False),
        (order(OrderKind.VENOGRAPHY_IVUS), {"diagnoses": [MASS]}, False),
    ],
    ids=[
        "filter",
        "iliac-stent",
        "unspecified-stent-context",
        "unspecified-stent-no-context",
        "other-site-stent",
        "antithrombotic-with-stent",
        "antithrombotic-no-stent",
        "venography",
    ],
)
def test_order_scope(draft: DraftOrder, context: dict, in_scope: bool) -> None:
    assert order_in_scope(draft, state_of(record(**context))) is in_scope
