"""Mapping for catalog v2.2 DVT rules: a DVT's stated onset (onsetDateTime, onsetPeriod.start,
a dated onsetString, onsetAge), the studies a Condition rests on (evidence.detail), and the
thrombus level of a positive duplex from its conclusion code (ICD-10-CM with or without the
dot), bodySite or text; weights are never judged plausible or not by the mapper."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import (
    Diagnosis,
    ImagingStudy,
    Measure,
    Measurement,
    Result,
    Side,
    VeinLevel,
)
from fhir_mapping import conditions, observations, reports

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SUBJECT = {"reference": "Patient/p1"}


def dvt_condition(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": SUBJECT,
        "code": {"coding": [{"system": ICD10, "code": "I82.412"}]},
        "recordedDate": "2026-11-20",
    }
    resource.update(fields)
    return resource


def the_dvt(resource: dict[str, Any]) -> Diagnosis:
    (dvt,) = [f for f in conditions.convert(resource) if isinstance(f, Diagnosis)]
    return dvt


@pytest.mark.parametrize(
    ("fields", "onset"),
    [
        ({"onsetDateTime": "2026-09-01"}, datetime(2026, 9, 1, tzinfo=UTC)),
        ({"onsetPeriod": {"start": "2026-09-02", "end": "2026-09-10"}},
         datetime(2026, 9, 2, tzinfo=UTC)),
        ({"onsetString": "2026-09-03"}, datetime(2026, 9, 3, tzinfo=UTC)),
        ({"onsetString": "a few weeks ago"}, None),
        ({}, None),
    ],
    ids=["dateTime", "period-start", "string-date", "string-free-text", "none"],
)
def test_stated_onset_forms(fields: dict[str, Any], onset: datetime | None) -> None:
    dvt = the_dvt(dvt_condition(**fields))
    assert dvt.onset == onset
    assert dvt.recorded == datetime(2026, 11, 20, tzinfo=UTC)


def test_condition_evidence_links_name_the_studies_it_rests_on() -> None:
    resource = dvt_condition(
        evidence=[
            {"detail": [{"reference": "DiagnosticReport/d1"}]},
            {"detail": {"reference": "https://fhir.example.org/r4/DiagnosticReport/d2"}},
            {"code": [{"text": "swelling"}]},
            "not an object",
        ]
    )
    assert the_dvt(resource).evidence_refs == ("DiagnosticReport/d1", "DiagnosticReport/d2")


def test_malformed_evidence_costs_only_the_link() -> None:
    resource = dvt_condition(evidence=[{"detail": [{"reference": 42}]}])
    assert the_dvt(resource).evidence_refs == ()


# ---------------------------------------------------------------- duplex level


def duplex(conclusion: str | None = None, codes: list[tuple[str, str]] | None = None) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": "d1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "39432-0"}]},
        "subject": SUBJECT,
        "effectiveDateTime": "2026-11-20T10:00:00Z",
    }
    if conclusion:
        resource["conclusion"] = conclusion
    if codes:
        resource["conclusionCode"] = [{"coding": [{"system": s, "code": c}]} for s, c in codes]
    return resource


def the_study(resource: dict[str, Any]) -> ImagingStudy:
    (study,) = [f for f in reports.convert(resource) if isinstance(f, ImagingStudy)]
    return study


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("I82.442", VeinLevel.DISTAL),  # tibial
        ("I82452", VeinLevel.DISTAL),  # peroneal, no dot
        ("I82.462", VeinLevel.DISTAL),  # calf muscular vein
        ("I82.4Z2", VeinLevel.DISTAL),
        ("I82.412", VeinLevel.PROXIMAL),
        ("I82432", VeinLevel.PROXIMAL),  # popliteal, no dot
        ("I82.402", VeinLevel.UNKNOWN),  # unspecified deep vein
    ],
)
def test_coded_duplex_conclusion_states_the_level(code: str, level: VeinLevel) -> None:
    study = the_study(duplex(codes=[(ICD10, code)]))
    assert (study.result, study.side, study.level) == (Result.POSITIVE, Side.LEFT, level)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Occlusive thrombus in the left peroneal and posterior tibial veins.", VeinLevel.DISTAL),
        ("Acute thrombus of the gastrocnemius and soleal veins. The femoral and popliteal "
         "veins are fully compressible.", VeinLevel.DISTAL),
        ("Occlusive thrombus in the left common femoral vein.", VeinLevel.PROXIMAL),
        ("Positive for DVT.", VeinLevel.UNKNOWN),
    ],
    ids=["tibial-peroneal", "muscular-calf-veins", "femoral", "unstated"],
)
def test_duplex_text_states_the_level(text: str, level: VeinLevel) -> None:
    # The text's level arrives as a DVT of the same report (report_text reads it statement by
    # statement); the guideline pools it with the study (same resource = the same DVT).
    found = reports.convert(duplex(text))
    (study,) = [f for f in found if isinstance(f, ImagingStudy)]
    assert study.result is Result.POSITIVE
    stated = [f.level for f in found if isinstance(f, Diagnosis)]
    assert stated == ([] if level is VeinLevel.UNKNOWN else [level])
    assert all(f.source.refs == study.source.refs for f in found)


def test_coded_proximal_wins_over_calf_text() -> None:
    study = the_study(duplex("Thrombus in the peroneal veins.", [(ICD10, "I82.412")]))
    assert study.level is VeinLevel.PROXIMAL


def test_negative_duplex_states_no_level() -> None:
    study = the_study(duplex("No thrombus in the peroneal veins.", [(SNOMED, "260385009")]))
    assert (study.result, study.level) == (Result.NEGATIVE, VeinLevel.UNKNOWN)


def duplex_observation(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "39432-0"}]},
        "subject": SUBJECT,
        "effectiveDateTime": "2026-11-20T10:00:00Z",
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "10828004"}]},
    }
    resource.update(fields)
    return resource


@pytest.mark.parametrize(
    ("fields", "level"),
    [
        ({"bodySite": {"text": "Left posterior tibial vein"}}, VeinLevel.DISTAL),
        ({"bodySite": {"coding": [{"system": SNOMED, "code": "56849005",
                                   "display": "Popliteal vein structure"}]}},
         VeinLevel.PROXIMAL),
        ({"valueCodeableConcept": {"coding": [{"system": ICD10, "code": "I82452"}]}},
         VeinLevel.DISTAL),
        ({}, VeinLevel.UNKNOWN),
    ],
    ids=["site-text", "site-coded", "coded-value", "none"],
)
def test_duplex_observation_level(fields: dict[str, Any], level: VeinLevel) -> None:
    found = observations.convert(duplex_observation(**fields))
    (study,) = [f for f in found if isinstance(f, ImagingStudy)]
    assert (study.result, study.level) == (Result.POSITIVE, level)


@pytest.mark.parametrize("kg", [0.4, 19.9, 350.1])
def test_the_mapper_keeps_every_positive_weight_for_the_guideline_to_judge(kg: float) -> None:
    weight = {
        "resourceType": "Observation",
        "id": "w1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
        "subject": SUBJECT,
        "effectiveDateTime": "2026-11-20",
        "valueQuantity": {"value": kg, "unit": "kg", "system": "http://unitsofmeasure.org",
                          "code": "kg"},
    }
    (m,) = [f for f in observations.convert(weight) if isinstance(f, Measurement)]
    assert (m.measure, m.value) == (Measure.WEIGHT, kg)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ({"value": 45, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"},
         (45.0, "a")),
        ({"value": 3, "unit": "mo"}, (3.0, "mo")),
        ({"value": 12, "unit": "weeks"}, (12.0, "wk")),
        ({"value": 5, "unit": "fortnights"}, None),
    ],
)
def test_onset_age_is_kept_for_the_guideline(
    age: dict[str, Any], expected: tuple[float, str] | None
) -> None:
    dvt = the_dvt(dvt_condition(onsetAge=age))
    assert (dvt.onset, dvt.onset_age) == (None, expected)


@pytest.mark.parametrize(
    ("fields", "first", "last"),
    [
        ({"onsetDateTime": "2026-10"}, datetime(2026, 10, 1, tzinfo=UTC),
         datetime(2026, 10, 31, tzinfo=UTC)),
        ({"onsetDateTime": "2026"}, datetime(2026, 1, 1, tzinfo=UTC),
         datetime(2026, 12, 31, tzinfo=UTC)),
        ({"onsetString": "2026-02"}, datetime(2026, 2, 1, tzinfo=UTC),
         datetime(2026, 2, 28, tzinfo=UTC)),
        ({"onsetDateTime": "2026-10-05"}, datetime(2026, 10, 5, tzinfo=UTC), None),
    ],
)
def test_partial_onset_keeps_its_last_day(
    fields: dict[str, Any], first: datetime, last: datetime | None
) -> None:
    dvt = the_dvt(dvt_condition(**fields))
    assert (dvt.onset, dvt.onset_last_day) == (first, last)
