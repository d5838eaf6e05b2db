"""Every shared sample (7 Synthea bundles, 60 HL7 examples) maps without an exception.

Patients without the pathway's findings must stay quiet: none of these samples has a pelvic
mass, iliac vein compression or an iliac stent, so none may produce one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cds_hooks.guideline.findings import Concept, PatientRecord
from fhir_mapping import map_record
from tests.shared_paths import FHIR_SAMPLES

SAMPLES = FHIR_SAMPLES
FILES = sorted(SAMPLES.glob("*/*.json"))


def test_samples_are_present() -> None:
    assert len([f for f in FILES if f.parent.name == "synthea"]) == 7
    assert len([f for f in FILES if f.parent.name == "hl7-examples"]) == 60


@pytest.mark.parametrize("path", FILES, ids=[f.name[:40] for f in FILES])
def test_sample_maps_without_exception(path: Path) -> None:
    record = map_record([json.loads(path.read_text())])
    assert isinstance(record, PatientRecord)
    pathway = {Concept.PELVIC_MASS, Concept.ILIAC_COMPRESSION}
    assert not {d.concept for d in record.diagnoses} & pathway
    assert record.stents == ()


@pytest.mark.parametrize("path", sorted((SAMPLES / "synthea").glob("*.json")),
                         ids=lambda p: p.name[:12])
def test_synthea_patient_is_mapped(path: Path) -> None:
    bundle = json.loads(path.read_text())
    patient = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    record = map_record(bundle, patient_id=patient["id"])
    assert record.patient.ref == f"Patient/{patient['id']}"
    assert record.patient.birth_date is not None
    assert all(m.source.refs for m in record.medications)


def test_synthea_acute_dvt_is_found() -> None:
    path = SAMPLES / "synthea" / "52ebdcae-3656-1a42-0bfc-c0a718b5158a.json"
    record = map_record(json.loads(path.read_text()))
    (dvt,) = [d for d in record.diagnoses if d.concept is Concept.DVT]
    assert dvt.source.refs == ("Condition/a8b14416-0332-d7d5-ac19-40892f18e6ba",)
    assert dvt.onset is not None and dvt.onset.utcoffset() is not None
    assert dvt.active
