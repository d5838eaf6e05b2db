"""Every shared FHIR sample (Synthea bundles, HL7 R4 examples) maps without an exception."""

from __future__ import annotations

import contextlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.guideline.findings import Measure, Measurement, Swelling
from fhir_mapping import observations, reports
from fhir_mapping.draft_orders import UnsupportedDraftOrders, map_draft_orders
from tests.shared_paths import FHIR_SAMPLES

SAMPLES = FHIR_SAMPLES
FILES = sorted(SAMPLES.rglob("*.json"))


@cache
def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    if document.get("resourceType") == "Bundle":
        return [e["resource"] for e in document.get("entry", []) if "resource" in e]
    return [document]


def test_samples_are_present() -> None:
    assert len([f for f in FILES if "synthea" in f.parts]) == 7
    assert len([f for f in FILES if "hl7-examples" in f.parts]) == 60


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_maps_without_exception(path: Path) -> None:
    document = load(path)
    for resource in resources(document):
        for converter in (observations, reports):
            found = converter.convert(resource)
            assert isinstance(found, list)
    if document.get("resourceType") == "Bundle":
        # A patient bundle is no draft-order set, but reading it must not crash either.
        with contextlib.suppress(UnsupportedDraftOrders):
            map_draft_orders(document)


def _hl7(name: str) -> dict[str, Any]:
    return load(SAMPLES / "hl7-examples" / name)


def test_hl7_egfr_with_components_only() -> None:
    found = observations.convert(_hl7("Observation-f205.json"))
    assert [(m.measure, m.value) for m in found] == [(Measure.EGFR, 60.0)]


def test_hl7_blood_pressure_with_absent_diastolic() -> None:
    found = observations.convert(_hl7("Observation-blood-pressure-dar.json"))
    assert [(m.measure, m.value) for m in found] == [(Measure.SYSTOLIC_BP, 107.0)]


def test_hl7_cancelled_blood_pressure_yields_nothing() -> None:
    assert observations.convert(_hl7("Observation-blood-pressure-cancel.json")) == []


def test_hl7_abdominal_ultrasound_is_not_venous_imaging() -> None:
    assert reports.convert(_hl7("DiagnosticReport-ultrasound.json")) == []


def test_synthea_labs_map_and_generic_edema_is_no_leg_swelling() -> None:
    measures: set[Measure] = set()
    for path in (SAMPLES / "synthea").glob("*.json"):
        for resource in resources(load(path)):
            for finding in observations.convert(resource):
                if isinstance(finding, Measurement):
                    measures.add(finding.measure)
                    assert finding.when is not None and finding.when.tzinfo is not None
                assert not (isinstance(finding, Swelling) and finding.present)
    assert {Measure.WEIGHT, Measure.SYSTOLIC_BP, Measure.CREATININE, Measure.EGFR} <= measures
