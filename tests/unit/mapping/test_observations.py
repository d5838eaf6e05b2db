"""Observation -> findings: every form of the input profile, status rules, units, laterality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from cds_hooks.guideline.findings import (
    Behavior,
    DopplerWaveform,
    EdemaImpact,
    Extent,
    ImagingStudy,
    Impact,
    IvusStenosis,
    LesionBehavior,
    Measure,
    Measurement,
    Modality,
    ReferenceDiameter,
    Result,
    Side,
    Swelling,
    Waveform,
)
from fhir_mapping import observations
from fhir_mapping.observations.swelling import edema_impact

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOCAL = "urn:iliac-cds:observation"
UCUM = "http://unitsofmeasure.org"


def cc(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def obs(code: dict[str, Any], **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": code,
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-02T10:15:00Z",
    }
    resource.update(fields)
    return resource


def qty(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def only(found: list[Any], kind: type) -> Any:
    matching = [f for f in found if isinstance(f, kind)]
    assert len(matching) == 1, found
    return matching[0]


WHEN = datetime(2026, 11, 2, 10, 15, tzinfo=UTC)


# ---------------------------------------------------------------- labs and vitals


@pytest.mark.parametrize(
    ("code", "quantity", "measure", "expected"),
    [
        ("2160-0", qty(1.2, "mg/dL"), Measure.CREATININE, 1.2),
        ("2160-0", qty(176.8, "umol/L"), Measure.CREATININE, 2.0),
        ("33914-3", qty(45, "mL/min/{1.73_m2}"), Measure.EGFR, 45.0),
        ("62238-1", qty(59, "mL/min/{1.73_m2}"), Measure.EGFR, 59.0),
        ("98979-8", qty(61, "mL/min/{1.73_m2}"), Measure.EGFR, 61.0),
        ("1751-7", qty(3.4, "g/dL"), Measure.ALBUMIN, 3.4),
        ("1751-7", qty(34, "g/L"), Measure.ALBUMIN, 3.4),
        ("1975-2", qty(1.1, "mg/dL"), Measure.BILIRUBIN, 1.1),
        ("1742-6", qty(40, "U/L"), Measure.ALT, 40.0),
        ("6301-6", qty(2.5, "{INR}"), Measure.INR, 2.5),
        ("777-3", qty(49, "10*3/uL"), Measure.PLATELETS, 49.0),
        ("26515-7", qty(35000, "/uL"), Measure.PLATELETS, 35.0),
        ("777-3", qty(50, "10*9/L"), Measure.PLATELETS, 50.0),
        ("33762-6", qty(900, "pg/mL"), Measure.NT_PROBNP, 900.0),
        ("30934-4", qty(100, "pg/mL"), Measure.BNP, 100.0),
        ("29463-7", qty(70, "kg"), Measure.WEIGHT, 70.0),
        ("29463-7", qty(70000, "g"), Measure.WEIGHT, 70.0),
        ("29463-7", qty(10, "kg"), Measure.WEIGHT, 10.0),  # plausibility is the guideline's
        ("8480-6", qty(89, "mm[Hg]"), Measure.SYSTOLIC_BP, 89.0),
    ],
)
def test_labs_and_vitals(
    code: str, quantity: dict[str, Any], measure: Measure, expected: float
) -> None:
    found = observations.convert(obs(cc(LOINC, code), valueQuantity=quantity))
    m = only(found, Measurement)
    assert m.measure is measure
    assert m.value == pytest.approx(expected)
    assert m.when == WHEN
    assert m.source.refs == ("Observation/o1",)
    assert not m.preliminary


def test_weight_in_pounds() -> None:
    found = observations.convert(obs(cc(LOINC, "29463-7"), valueQuantity=qty(154.324, "[lb_av]")))
    assert only(found, Measurement).value == pytest.approx(70.0, abs=0.01)


def test_weight_zero_is_dropped() -> None:
    assert observations.convert(obs(cc(LOINC, "29463-7"), valueQuantity=qty(0, "kg"))) == []


def test_unknown_unit_is_dropped_not_guessed() -> None:
    assert observations.convert(obs(cc(LOINC, "2160-0"), valueQuantity=qty(1.2, "furlong"))) == []


def test_systolic_as_component_of_panel() -> None:
    panel = obs(
        cc(LOINC, "85354-9"),
        component=[
            {"code": cc(LOINC, "8480-6"), "valueQuantity": qty(85, "mm[Hg]")},
            {"code": cc(LOINC, "8462-4"), "valueQuantity": qty(50, "mm[Hg]")},
        ],
    )
    m = only(observations.convert(panel), Measurement)
    assert (m.measure, m.value) == (Measure.SYSTOLIC_BP, 85.0)


def test_systolic_component_of_55284_4() -> None:
    panel = obs(
        cc(LOINC, "55284-4"),
        component=[{"code": cc(LOINC, "8480-6"), "valueQuantity": qty(120, "mmHg")}],
    )
    assert only(observations.convert(panel), Measurement).value == 120.0


def test_panel_with_absent_systolic_yields_nothing() -> None:
    panel = obs(
        cc(LOINC, "85354-9"),
        component=[
            {
                "code": cc(LOINC, "8480-6"),
                "dataAbsentReason": cc(
                    "http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed"
                ),
            }
        ],
    )
    assert observations.convert(panel) == []


def test_egfr_from_components_only() -> None:
    egfr = obs(
        cc(LOINC, "33914-3"),
        component=[
            {"code": cc(LOINC, "48643-1"), "valueQuantity": qty(62, "mL/min/{1.73_m2}")},
            {"code": cc(LOINC, "48642-3"), "valueQuantity": qty(52, "mL/min/{1.73_m2}")},
        ],
    )
    assert only(observations.convert(egfr), Measurement).value == 52.0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(cc(SNOMED, "77386006", "Pregnant"), 1.0), (cc(SNOMED, "60001007", "Not pregnant"), 0.0)],
)
def test_pregnancy_status(answer: dict[str, Any], expected: float) -> None:
    found = observations.convert(obs(cc(LOINC, "82810-3"), valueCodeableConcept=answer))
    m = only(found, Measurement)
    assert (m.measure, m.value) == (Measure.PREGNANCY_STATUS, expected)


def test_pregnancy_status_unknown_answer_yields_nothing() -> None:
    found = observations.convert(
        obs(cc(LOINC, "82810-3"), valueCodeableConcept=cc(SNOMED, "261665006", "Unknown"))
    )
    assert found == []


# ---------------------------------------------------------------- status and dates


@pytest.mark.parametrize("status", ["final", "amended", "corrected"])
def test_final_statuses_count(status: str) -> None:
    found = observations.convert(obs(cc(LOINC, "1751-7"), status=status,
                                     valueQuantity=qty(3, "g/dL")))
    assert not only(found, Measurement).preliminary


def test_preliminary_is_flagged() -> None:
    found = observations.convert(obs(cc(LOINC, "1751-7"), status="preliminary",
                                     valueQuantity=qty(3, "g/dL")))
    assert only(found, Measurement).preliminary


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error", "registered", "unknown"])
def test_void_statuses_yield_nothing(status: str) -> None:
    resource = obs(cc(LOINC, "1751-7"), status=status, valueQuantity=qty(3, "g/dL"))
    assert not observations.relevant(resource)
    assert observations.convert(resource) == []


def test_data_absent_reason_means_no_value() -> None:
    resource = obs(
        cc(LOINC, "1751-7"),
        dataAbsentReason=cc("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error"),
    )
    assert observations.convert(resource) == []


def test_effective_period_start_then_issued() -> None:
    resource = obs(cc(LOINC, "1751-7"), valueQuantity=qty(3, "g/dL"))
    del resource["effectiveDateTime"]
    resource["effectivePeriod"] = {"start": "2026-11-01T08:00:00+01:00"}
    when = only(observations.convert(resource), Measurement).when
    assert when == datetime(2026, 11, 1, 8, tzinfo=timezone(timedelta(hours=1)))
    del resource["effectivePeriod"]
    resource["issued"] = "2026-11-03T09:00:00Z"
    assert only(observations.convert(resource), Measurement).when == datetime(
        2026, 11, 3, 9, tzinfo=UTC
    )


def test_date_only_is_midnight_utc() -> None:
    resource = obs(cc(LOINC, "1751-7"), valueQuantity=qty(3, "g/dL"),
                   effectiveDateTime="2026-11-02")
    assert only(observations.convert(resource), Measurement).when == datetime(
        2026, 11, 2, tzinfo=UTC
    )


def test_invalid_resource_is_skipped_and_logged_without_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    resource = obs(cc(LOINC, "1751-7"), valueQuantity={"value": "not-a-number-SECRET"})
    assert observations.convert(resource) == []
    # v2.3 logs: the type and element, never the resource id or the value.
    assert "Observation" in caplog.text and "Quantity.value" in caplog.text
    assert "o1" not in caplog.text and "SECRET" not in caplog.text


def test_unrelated_observation_is_not_relevant() -> None:
    resource = obs(cc(LOINC, "8310-5", "Body temperature"), valueQuantity=qty(37, "Cel"))
    assert not observations.relevant(resource)
    assert observations.convert(resource) == []
    assert not observations.relevant({"resourceType": "Condition", "status": "final"})


# ---------------------------------------------------------------- swelling


@pytest.mark.parametrize(
    "code",
    [
        cc(SNOMED, "449614009", "Swelling of lower limb"),
        cc(SNOMED, "102572006", "Edema of lower extremity"),
        cc(SNOMED, "449615005"),
        cc(SNOMED, "267039000"),
        cc(ICD10, "R22.42"),
        cc(ICD10, "R2242"),
        cc("urn:oid:2.16.840.1.113883.6.90", "R22.42"),
        {"text": "Left leg edema"},
    ],
)
def test_swelling_observation_present(code: dict[str, Any]) -> None:
    found = observations.convert(obs(code, valueBoolean=True))
    swelling = only(found, Swelling)
    assert swelling.present
    assert swelling.recorded == WHEN


@pytest.mark.parametrize(
    "fields",
    [
        {"valueBoolean": False},
        {"valueCodeableConcept": cc(SNOMED, "2667000", "Absent")},
        {"valueCodeableConcept": cc(SNOMED, "260385009", "Negative")},
        {"valueString": "No edema"},
        {"valueString": "no leg swelling"},
    ],
)
def test_absent_swelling(fields: dict[str, Any]) -> None:
    found = observations.convert(obs(cc(SNOMED, "102572006"), **fields))
    swelling = only(found, Swelling)
    assert not swelling.present


def test_coded_swelling_without_value_is_present() -> None:
    found = observations.convert(obs({"coding": [{"system": SNOMED, "code": "449614009"}]}))
    assert only(found, Swelling).present


def test_swelling_with_unreadable_value_yields_nothing() -> None:
    found = observations.convert(obs(cc(SNOMED, "449614009"), valueString="see notes"))
    assert found == []


@pytest.mark.parametrize("code", ["A", "H"])
def test_abnormal_duplex_interpretation_is_not_positive(code: str) -> None:
    found = observations.convert(obs(cc(LOINC, "39432-0"), interpretation=[cc(
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", code)]))
    assert only(found, ImagingStudy).result is Result.UNKNOWN


def test_absent_swelling_text_only() -> None:
    found = observations.convert(obs({"text": "Lower extremity exam"}, valueString="No edema"))
    assert not only(found, Swelling).present


def test_generic_edema_finding_is_not_leg_swelling() -> None:
    synthea = obs(cc(SNOMED, "267038008", "Edema (finding)"), valueBoolean=True)
    assert [f for f in observations.convert(synthea) if isinstance(f, Swelling)] == []


def test_generic_edema_negative_exam_is_absent_swelling() -> None:
    resource = obs(cc(SNOMED, "267038008", "Edema (finding)"), valueBoolean=False)
    assert not only(observations.convert(resource), Swelling).present


def test_value_naming_leg_edema() -> None:
    resource = obs({"text": "Physical exam finding"},
                   valueCodeableConcept=cc(SNOMED, "102572006", "Edema of lower extremity"))
    assert only(observations.convert(resource), Swelling).present


@pytest.mark.parametrize(
    ("fields", "side"),
    [
        ({"code": cc(ICD10, "R22.42")}, Side.LEFT),
        ({"code": cc(ICD10, "R22.41")}, Side.RIGHT),
        ({"code": cc(ICD10, "R22.43")}, Side.BILATERAL),
        ({"bodySite": cc(SNOMED, "32153003")}, Side.LEFT),
        ({"bodySite": cc(SNOMED, "62175007")}, Side.RIGHT),
        ({"bodySite": {"coding": [{"system": SNOMED, "code": "61685007"},
                                  {"system": SNOMED, "code": "7771000"}]}}, Side.LEFT),
        ({"bodySite": {"coding": [{"system": SNOMED, "code": "61685007"}],
                       "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/bodySite",
                                      "valueCodeableConcept": cc(SNOMED, "24028007")}]}},
         Side.RIGHT),
        ({"bodySite": {"coding": [{"system": SNOMED, "code": "61685007"},
                                  {"system": SNOMED, "code": "51440002"}]}}, Side.BILATERAL),
        ({"code": {"coding": [{"system": SNOMED, "code": "102572006"}], "text": "LLE edema"}},
         Side.LEFT),
        ({}, Side.UNKNOWN),
    ],
)
def test_swelling_laterality(fields: dict[str, Any], side: Side) -> None:
    base = obs(cc(SNOMED, "102572006"), valueBoolean=True)
    base.update(fields)
    assert only(observations.convert(base), Swelling).side is side


@pytest.mark.parametrize(
    ("fields", "extent"),
    [
        ({"bodySite": cc(SNOMED, "68367000", "Thigh")}, Extent.WHOLE_LEG),
        ({"note": [{"text": "Swelling from groin to ankle"}]}, Extent.WHOLE_LEG),
        ({"bodySite": cc(SNOMED, "344001", "Ankle")}, Extent.LIMITED),
        ({"note": [{"text": "calf swelling"}]}, Extent.LIMITED),
        ({}, Extent.UNKNOWN),
    ],
)
def test_swelling_extent(fields: dict[str, Any], extent: Extent) -> None:
    base = obs(cc(SNOMED, "449614009"), valueBoolean=True, **fields)
    assert only(observations.convert(base), Swelling).extent is extent


# ---------------------------------------------------------------- quality of life


@pytest.mark.parametrize(
    ("fields", "impact"),
    [
        ({"valueBoolean": True}, Impact.SIGNIFICANT),
        ({"valueBoolean": False}, Impact.NONE),
        ({"valueCodeableConcept": cc(SNOMED, "373066001", "Yes")}, Impact.SIGNIFICANT),
        ({"valueCodeableConcept": cc(SNOMED, "373067005", "No")}, Impact.NONE),
        ({"valueString": "Swelling significantly affects her quality of life"},
         Impact.SIGNIFICANT),
        ({"note": [{"text": "Edema interferes with sleep and work"}]}, Impact.SIGNIFICANT),
        ({"valueString": "mild, asymptomatic"}, Impact.MINIMAL),
        ({"valueString": "does not affect daily activities"}, Impact.NONE),
    ],
)
def test_edema_qol_local_code(fields: dict[str, Any], impact: Impact) -> None:
    found = observations.convert(obs(cc(LOCAL, "edema-qol-impact"), **fields))
    assert only(found, EdemaImpact).impact is impact


def test_qol_unreadable_yields_nothing() -> None:
    assert observations.convert(obs(cc(LOCAL, "edema-qol-impact"), valueString="see chart")) == []


def test_swelling_note_carries_impact() -> None:
    found = observations.convert(obs(
        cc(SNOMED, "449614009"), valueBoolean=True,
        note=[{"text": "Left leg swelling significantly affects daily activities"}],
    ))
    assert only(found, Swelling).present
    assert only(found, EdemaImpact).impact is Impact.SIGNIFICANT


@pytest.mark.parametrize(
    ("text", "impact"),
    [
        ("significantly affects quality of life", Impact.SIGNIFICANT),
        ("unable to work because of the swelling", Impact.SIGNIFICANT),
        ("minimal swelling", Impact.MINIMAL),
        ("asymptomatic", Impact.MINIMAL),
        ("no impact on daily activities", Impact.NONE),
        ("", None),
        ("left leg", None),
    ],
)
def test_edema_impact_text(text: str, impact: Impact | None) -> None:
    assert edema_impact(text) is impact


# ---------------------------------------------------------------- IVUS and Doppler (local codes)


def ivus(value: float, unit: str, **fields: Any) -> dict[str, Any]:
    return obs(cc(LOCAL, "ivus-diameter-stenosis", "IVUS diameter stenosis"),
               valueQuantity=qty(value, unit), **fields)


LEFT_CIV = {"coding": [{"system": SNOMED, "code": "46027005", "display": "Common iliac vein"},
                       {"system": SNOMED, "code": "7771000", "display": "Left"}]}


@pytest.mark.parametrize(
    ("value", "unit", "percent"),
    [(72, "%", 72.0), (0.72, "1", 72.0), (0.62, "%", 62.0), (61, "%", 61.0), (1.0, "1", 100.0)],
)
def test_ivus_stenosis(value: float, unit: str, percent: float) -> None:
    found = observations.convert(ivus(value, unit, bodySite=LEFT_CIV))
    stenosis = only(found, IvusStenosis)
    assert stenosis.percent == pytest.approx(percent)
    assert stenosis.side is Side.LEFT
    assert not stenosis.area
    assert stenosis.when == WHEN


def test_ivus_area_stenosis_by_text() -> None:
    resource = obs({"coding": [{"system": LOCAL, "code": "ivus-diameter-stenosis"}],
                    "text": "IVUS area stenosis"}, valueQuantity=qty(80, "%"))
    assert only(observations.convert(resource), IvusStenosis).area


def test_ivus_without_value_yields_nothing() -> None:
    resource = obs(cc(LOCAL, "ivus-diameter-stenosis"))
    assert observations.convert(resource) == []


@pytest.mark.parametrize(("value", "unit", "mm"), [(14, "mm", 14.0), (1.4, "cm", 14.0)])
def test_reference_diameter(value: float, unit: str, mm: float) -> None:
    resource = obs(cc(LOCAL, "reference-vessel-diameter"), valueQuantity=qty(value, unit),
                   bodySite={"coding": [{"system": SNOMED, "code": "63507001"},
                                        {"system": SNOMED, "code": "7771000"}]})
    ref = only(observations.convert(resource), ReferenceDiameter)
    assert ref.mm == pytest.approx(mm)
    assert ref.side is Side.LEFT
    assert ref.from_ivus


def test_reference_diameter_by_ct_is_not_ivus() -> None:
    resource = obs(cc(LOCAL, "reference-vessel-diameter"), valueQuantity=qty(14, "mm"),
                   method={"text": "CT venography"})
    assert not only(observations.convert(resource), ReferenceDiameter).from_ivus


@pytest.mark.parametrize(
    ("value", "behavior"),
    [
        (cc(LOCAL, "fixed"), Behavior.FIXED),
        (cc(LOCAL, "dynamic"), Behavior.DYNAMIC),
        ({"text": "varies with respiration"}, Behavior.DYNAMIC),
        ({"text": "no respiratory or positional variation"}, Behavior.FIXED),
    ],
)
def test_lesion_behavior(value: dict[str, Any], behavior: Behavior) -> None:
    found = observations.convert(obs(cc(LOCAL, "lesion-behavior"), valueCodeableConcept=value))
    assert only(found, LesionBehavior).behavior is behavior


def test_lesion_behavior_unstated_is_unknown_not_fixed() -> None:
    found = observations.convert(obs(cc(LOCAL, "lesion-behavior"),
                                     valueCodeableConcept={"text": "see report"}))
    assert found == []


@pytest.mark.parametrize(
    ("value", "waveform"),
    [
        (cc(LOCAL, "phasic"), Waveform.PHASIC),
        (cc(LOCAL, "non-phasic"), Waveform.NON_PHASIC),
        ({"text": "monophasic continuous flow"}, Waveform.NON_PHASIC),
        ({"text": "normal phasic flow"}, Waveform.PHASIC),
        ({"text": "Monophasic"}, Waveform.NON_PHASIC),
        ({"text": "Respirophasic"}, Waveform.PHASIC),
    ],
)
def test_cfv_waveform(value: dict[str, Any], waveform: Waveform) -> None:
    found = observations.convert(obs(cc(LOCAL, "cfv-doppler-waveform"),
                                     valueCodeableConcept=value, bodySite=LEFT_CIV))
    doppler = only(found, DopplerWaveform)
    assert doppler.waveform is waveform
    assert doppler.side is Side.LEFT


# ---------------------------------------------------------------- duplex as Observation


@pytest.mark.parametrize(
    ("fields", "result"),
    [
        ({"valueCodeableConcept": cc(SNOMED, "260385009", "Negative")}, Result.NEGATIVE),
        ({"valueCodeableConcept": cc(SNOMED, "10828004", "Positive")}, Result.POSITIVE),
        ({"valueCodeableConcept": cc(SNOMED, "128053003", "DVT")}, Result.POSITIVE),
        ({"interpretation": [cc("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                                "POS")]}, Result.POSITIVE),
        ({"interpretation": [cc("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                                "NEG")]}, Result.NEGATIVE),
        ({"valueString": "No evidence of DVT"}, Result.NEGATIVE),
        ({"valueString": "Occlusive thrombus in the left CFV"}, Result.POSITIVE),
        ({"valueString": "DVT cannot be excluded"}, Result.UNKNOWN),
        ({}, Result.UNKNOWN),
    ],
)
def test_duplex_observation_result(fields: dict[str, Any], result: Result) -> None:
    found = observations.convert(obs(cc(LOINC, "39432-0"), **fields))
    study = only(found, ImagingStudy)
    assert study.modality is Modality.DUPLEX
    assert study.result is result
    assert study.side is Side.LEFT
    assert study.complete


@pytest.mark.parametrize(
    ("code", "side", "complete"),
    [
        ("39432-0", Side.LEFT, True),
        ("39443-7", Side.RIGHT, True),
        ("39420-5", Side.BILATERAL, True),
        ("69399-4", Side.UNKNOWN, False),
        ("80860-0", Side.UNKNOWN, False),
    ],
)
def test_duplex_observation_codes(code: str, side: Side, complete: bool) -> None:
    found = observations.convert(
        obs(cc(LOINC, code), valueCodeableConcept=cc(SNOMED, "260385009"))
    )
    study = only(found, ImagingStudy)
    assert (study.side, study.complete) == (side, complete)


def test_duplex_observation_text_not_visualised_is_incomplete() -> None:
    found = observations.convert(obs(cc(LOINC, "39432-0"),
                                     valueString="No DVT. Calf veins not visualised."))
    study = only(found, ImagingStudy)
    assert study.result is Result.NEGATIVE
    assert not study.complete


def test_preliminary_duplex_observation() -> None:
    found = observations.convert(obs(cc(LOINC, "39432-0"), status="preliminary",
                                     valueCodeableConcept=cc(SNOMED, "260385009")))
    assert only(found, ImagingStudy).preliminary
