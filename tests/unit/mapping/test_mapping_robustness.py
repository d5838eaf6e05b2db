"""map_record never raises: malformed raw JSON is skipped (logged by type/id only), other
patients' resources are ignored, and skipping unread elements before validation changes no
finding."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.guideline.findings import Concept, PatientRecord, Side
from fhir_mapping import conditions, fhir_types, map_record, observations, reports
from tests.shared_paths import FHIR_SAMPLES

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
SUBJECT = {"reference": "Patient/p1"}
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-01"}
GOOD_DVT = {"resourceType": "Condition", "id": "good", "subject": SUBJECT,
            "code": {"coding": [{"system": ICD, "code": "I82.412"}]}}


def mapped(*resources: Any) -> PatientRecord:
    return map_record([PATIENT, GOOD_DVT, *resources], patient_id="p1")


def assert_good_dvt_only(record: PatientRecord) -> None:
    # I82.412: left femoral vein
    assert [(d.concept, d.side) for d in record.diagnoses] == [(Concept.DVT, Side.LEFT)]


BAD_RESOURCES: list[Any] = [
    None,
    "Condition",
    42,
    [],
    {},
    {"id": "no-type", "code": {"coding": [{"system": ICD, "code": "I82.422"}]}},
    {"resourceType": None, "id": "x"},
    {"resourceType": 7, "id": "x"},
    {"resourceType": "NotAResource", "id": "x"},
    {"resourceType": "Condition", "id": "c-str-coding", "subject": SUBJECT,
     "code": {"coding": "I82.422"}},
    {"resourceType": "Condition", "id": "c-str-code", "subject": SUBJECT, "code": "I82.422"},
    {"resourceType": "Condition", "id": "c-null", "subject": SUBJECT, "code": None,
     "bodySite": None, "clinicalStatus": None},
    {"resourceType": "Condition", "id": "c-coding-null", "subject": SUBJECT,
     "code": {"coding": [None, {"system": None, "code": None}]}},
    {"resourceType": "Condition", "id": "c-bodysite-str", "subject": SUBJECT,
     "code": {"coding": [{"system": ICD, "code": "R22.42"}]}, "bodySite": "left leg"},
    {"resourceType": "Condition", "id": "c-dict-system", "subject": SUBJECT,
     "code": {"coding": [{"system": {"uri": ICD}, "code": "I82.422"},
                         {"system": [ICD], "code": "I82.422"}]}},
    {"resourceType": "Observation", "id": "o-dict-system", "status": "final",
     "code": {"coding": [{"system": {"uri": LOINC}, "code": "777-3"}]},
     "valueQuantity": {"value": 20, "unit": "10*9/L"}},
    {"resourceType": "Condition", "id": "c-int-code", "subject": SUBJECT,
     "code": {"coding": [{"system": ICD, "code": 8242}]}},
    {"resourceType": "Condition", "id": "c-bad-date", "subject": SUBJECT,
     "code": {"coding": [{"system": ICD, "code": "I82.422"}]}, "onsetDateTime": "yesterday"},
    {"resourceType": "Condition", "id": "c-subject-str", "subject": "Patient/p1",
     "code": {"coding": [{"system": ICD, "code": "I82.422"}]}},
    {"resourceType": "Observation", "id": "o-no-status",
     "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
     "valueQuantity": {"value": 80, "unit": "kg"}},
    {"resourceType": "Observation", "id": "o-str-value", "status": "final",
     "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
     "valueQuantity": {"value": "heavy", "unit": "kg"}},
    {"resourceType": "Observation", "id": "o-list-code", "status": "final",
     "code": [{"coding": [{"system": LOINC, "code": "29463-7"}]}], "valueQuantity": 80},
    {"resourceType": "Observation", "id": "o-components-str", "status": "final",
     "code": {"coding": [{"system": LOINC, "code": "85354-9"}]}, "component": "120/80"},
    {"resourceType": "DiagnosticReport", "id": "r-bad-b64", "status": "final",
     "code": {"coding": [{"system": LOINC, "code": "39432-0"}]},
     "presentedForm": [{"contentType": "text/plain", "data": "!!!not base64!!!"}]},
    {"resourceType": "DiagnosticReport", "id": "r-result-str", "status": "final",
     "code": {"coding": [{"system": LOINC, "code": "39432-0"}]}, "result": "Observation/x"},
    {"resourceType": "DiagnosticReport", "id": "r-result-items", "status": "final",
     "code": {"coding": [{"system": LOINC, "code": "39432-0"}]},
     "result": [None, "Observation/x", {"reference": 5}]},
    {"resourceType": "MedicationRequest", "id": "m-ref-str", "status": "active",
     "intent": "order", "medicationReference": "Medication/1"},
    {"resourceType": "MedicationRequest", "id": "m-dosage-str", "status": "active",
     "intent": "order", "medicationCodeableConcept": {"text": "enoxaparin"},
     "dosageInstruction": "40 mg daily"},
    {"resourceType": "MedicationAdministration", "id": "ma-no-subject", "status": "completed",
     "medicationCodeableConcept": {"text": "heparin"}, "dosage": {"dose": "5000"}},
    {"resourceType": "AllergyIntolerance", "id": "al-bad", "patient": SUBJECT,
     "code": {"text": ["heparin"]}},
    {"resourceType": "Procedure", "id": "pr-bad", "status": "completed", "subject": SUBJECT,
     "code": {"coding": [{"system": "http://www.cms.gov/Medicare/Coding/ICD10",
                          "code": "067C3DZ"}]}, "performedPeriod": "2020"},
    {"resourceType": "Device", "id": "dev-bad", "patient": SUBJECT, "deviceName": "stent"},
    {"resourceType": "Bundle", "entry": "not a list"},
    {"resourceType": "Bundle", "entry": [None, {"resource": "x"}, {"resource": None}]},
    {"resourceType": "Patient", "id": "p1", "birthDate": 1970},
]


@pytest.mark.parametrize("bad", BAD_RESOURCES, ids=range(len(BAD_RESOURCES)))
def test_malformed_resource_never_raises_and_good_ones_still_map(bad: Any) -> None:
    record = mapped(bad)
    assert_good_dvt_only(record)


def test_all_malformed_resources_together() -> None:
    assert_good_dvt_only(mapped(*copy.deepcopy(BAD_RESOURCES)))


def test_invalid_resource_is_logged_by_type_and_element_without_id_or_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # v2.3 logs: no resource id (it may be an MRN) and no content; the card names the resource.
    secret = "Jane Doe SSN 123-45-6789"
    bad = {"resourceType": "Condition", "id": "c-bad", "subject": SUBJECT,
           "code": {"coding": [{"system": ICD, "code": "I82.422"}], "text": secret},
           "onsetDateTime": "not a date", "note": [{"text": secret}]}
    with caplog.at_level(logging.WARNING):
        record = mapped(bad)
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "Condition" in messages and "onsetDateTime" in messages
    assert "c-bad" not in messages
    assert secret not in messages and "123-45" not in messages
    assert [u.ref for u in record.unreadable] == ["Condition/c-bad"]


def test_huge_text_and_deep_extensions_do_not_crash() -> None:
    deep: dict[str, Any] = {"url": "http://x/leaf", "valueString": "x"}
    for i in range(200):
        deep = {"url": f"http://x/{i}", "extension": [deep]}
    huge = "swelling of the left leg " * 40_000  # ~1 MB of text
    resources = [
        {"resourceType": "Condition", "id": "huge", "subject": SUBJECT,
         "code": {"text": huge}, "bodySite": [{"text": "left leg", "extension": [deep]}]},
        {"resourceType": "Observation", "id": "deep", "status": "final", "subject": SUBJECT,
         "code": {"coding": [{"system": SCT, "code": "449614009"}]}, "valueBoolean": True,
         "bodySite": {"coding": [{"system": SCT, "code": "61685007", "extension": [deep]}]}},
    ]
    record = mapped(*resources)
    assert Concept.DVT in {d.concept for d in record.diagnoses}


def test_resource_of_another_patient_is_ignored() -> None:
    others = [
        {"resourceType": "Condition", "id": "o1", "subject": {"reference": "Patient/p2"},
         "code": {"coding": [{"system": ICD, "code": "I87.1"}]}},
        {"resourceType": "Condition", "id": "o2",
         "subject": {"reference": "https://ehr.example/fhir/Patient/p2/_history/3"},
         "code": {"coding": [{"system": ICD, "code": "C83.30"}]}},
        {"resourceType": "AllergyIntolerance", "id": "o3", "patient": {"reference": "Patient/p2"},
         "code": {"text": "heparin"}},
        {"resourceType": "Observation", "id": "o4", "status": "final",
         "subject": {"reference": "Patient/p2"},
         "code": {"coding": [{"system": LOINC, "code": "777-3"}]},
         "valueQuantity": {"value": 20, "unit": "10*9/L"}},
        {"resourceType": "Patient", "id": "p2", "deceasedBoolean": True},
    ]
    record = mapped(*others)
    assert_good_dvt_only(record)
    assert record.masses == () and record.measurements == ()
    assert record.patient.deceased is False


# ---------------------------------------------------------------- validation shortcut


SAMPLES = FHIR_SAMPLES
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


def _sample_records() -> list[tuple[str, list[dict[str, Any]], str | None]]:
    records: list[tuple[str, list[dict[str, Any]], str | None]] = []
    for path in sorted(SAMPLES.rglob("*.json")) + sorted(FIXTURES.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "resourceType" not in data:
            continue
        records.append((path.name, [data], None))
    return records


def _normalized(resource: Any) -> Any:
    """The resource as fhir.resources R4B reads it (validated, dumped back to JSON), or None
    when it is not valid R4."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except (ValidationError, KeyError, ValueError, TypeError):
        return None
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


def test_raw_reading_maps_valid_r4_as_fhir_resources_reads_it() -> None:
    """Reading the raw JSON (the request path) finds what reading the same resources through
    fhir.resources validation finds, for every valid resource of every sample and fixture."""
    records = _sample_records()
    assert len(records) > 20
    compared = 0
    for name, resources, pid in records:
        flat = [e["resource"] for r in resources for e in r.get("entry", [])] or resources
        valid = [r for r in flat if isinstance(r, dict) and _normalized(r) is not None]
        if not valid:
            continue
        normalized = [_normalized(r) for r in valid]
        assert map_record(valid, patient_id=pid) == map_record(normalized, patient_id=pid), name
        compared += 1
    assert compared > 20


def test_category_is_read_from_procedures_only() -> None:
    """Procedure.category (surgical procedure, catalog v2.2) is read; the category of every
    other type is never read, so a malformed one (the sandbox's object) never matters."""
    package = Path(fhir_types.__file__).parent
    readers = sorted(
        p.name for p in package.rglob("*.py")
        if p.name != "fhir_types.py"
        and "draft_orders" not in p.parts and '"category"' in p.read_text()
    )
    assert readers == ["surgery.py"]


def test_resource_invalid_only_in_an_unread_element_still_maps() -> None:
    bad_meta = {"resourceType": "Observation", "id": "w", "status": "final", "subject": SUBJECT,
                "meta": {"lastUpdated": "not-a-date"}, "category": "vital-signs",
                "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
                "effectiveDateTime": "2026-11-20", "valueQuantity": {"value": 80, "unit": "kg"}}
    record = mapped(bad_meta)
    assert [m.value for m in record.measurements] == [80.0]


def test_draft_orders_reject_only_elements_r4_does_not_define() -> None:
    from fhir_mapping.draft_orders.r4_shape import _foreign_shape

    stu3_requester = {"resourceType": "MedicationRequest", "id": "m", "status": "draft",
                      "intent": "order", "subject": SUBJECT,
                      "medicationCodeableConcept": {"text": "heparin"},
                      "requester": {"agent": {"reference": "Practitioner/1"}}}
    assert _foreign_shape(stu3_requester)
    # The CDS Hooks Sandbox's Rx View: reasonCode and category as single objects is still R4.
    sandbox = {"resourceType": "MedicationRequest", "id": "request-123", "status": "draft",
               "intent": "order", "subject": SUBJECT,
               "medicationCodeableConcept": {"text": "heparin"},
               "category": {"coding": [{"code": "community"}]},
               "reasonCode": {"coding": [{"system": ICD, "code": "I82.412"}]}}
    assert not _foreign_shape(sandbox)


def test_validation_still_rejects_a_bad_read_element() -> None:
    bad_value = {"resourceType": "Observation", "id": "w", "status": "final", "subject": SUBJECT,
                 "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
                 "effectiveDateTime": "2026-11-20",
                 "valueQuantity": {"value": "eighty", "unit": "kg"}}
    assert mapped(bad_value).measurements == ()


# ---------------------------------------------------------------- relevance prefilter keeps
# every code of the input profile (a resource dropped there is never validated or mapped)


def _words(text: str) -> list[str]:
    return text.split()


PROFILE_ICD10 = _words(
    "R22.40 R22.41 R22.42 R22.43 R60.0 N50.89 N48.89 R19.03 R19.04 R19.09 R19.00 R59.0 R59.9 "
    "I82.401 I82.4Z2 I82.412 I82.422 I82.432 I82.442 I82.452 I82.462 I80.12 I80.202 O22.33 "
    "O87.1 I82.512 Z86.718 Z86.711 I26.99 I87.1 C81.90 C83.30 C85.90 C77.5 C77.2 C78.6 C49.5 "
    "C41.4 C20 C53.9 C54.1 C56.1 C61 C67.9 K68.12 K68.19 K68.3 M70.70 M70.71 M70.72 M51.36 "
    "M51.37 M25.78 Z96.641 Z96.649 I50.9 I11.0 I13.0 I13.2 N18.4 N04.9 N17.9 Z99.2 K70.30 "
    "K74.60 K72.90 K76.6 K76.7 E88.09 R77.0 Q82.0 I89.0 I48.91 Z95.2 I20.9 I25.10 Z95.5 "
    "I70.212 I63.9 Z86.73 D68.51 D68.61 K92.0 K92.1 K92.2 K62.5 I60.9 I61.9 I62.9 R58 D75.82 "
    "D75.829 I96 R57.0 R57.9 Z33.1 O09.90 Z3A.20 Z95.828 Z95.820 R31.9 N93.9 R04.0 "
    # v2.2: intracranial hemorrhage, thrombolysis contraindications, HIT
    "I60.00 I61.0 I62.00 S06.340A S06.35 S06.36 S06.37 S06.38 S06.4X0A S06.5X0A S06.6X9A "
    "S06.0X0A S72.001A T07 T14.90 I63.50 I64 C70.0 C71.9 C72.0 C79.31 C79.32 D33.2 D43.0 "
    "D65 D66 D67 D68.0 D68.1 D68.2 D68.311 D68.32 D68.4 D69.3 D69.41 D69.59 D69.6 D75.821"
)
PROFILE_SNOMED_CONDITIONS = _words(
    "449614009 102572006 449615005 267039000 88995000 271687003 74285003 274754009 281398003 "
    "30746006 127199000 128053003 404223003 132281000119108 161508001 161512007 59282003 "
    "118600007 111367007 281352004 363346000 128462008 128477000 385494008 235231000119100 "
    "84114007 42343007 709044004 46177005 19943007 328383001 708248004 234097001 49436004 "
    "131148009 74474003 1230182004 27942005 77386006 "
    "1386000 274100004 21454007 35486000 73397007 422504002 230690007"
)
PROFILE_LOINC_OBSERVATIONS = _words(
    "2160-0 33914-3 62238-1 98979-8 1751-7 1975-2 1742-6 6301-6 777-3 26515-7 33762-6 "
    "30934-4 29463-7 8480-6 85354-9 55284-4 82810-3 39432-0 39443-7 39420-5 30881-7 46363-8"
)
PROFILE_LOCAL_CODES = _words("ivus-diameter-stenosis reference-vessel-diameter lesion-behavior "
                             "cfv-doppler-waveform edema-qol-impact")
PROFILE_REPORT_CODES = [
    ("http://loinc.org", c) for c in
    _words("39432-0 39443-7 39420-5 30881-7 46363-8 69399-4 80860-0 36789-6 36790-4 87281-2 "
           "36824-1 24866-6 36237-6")
] + [("http://snomed.info/sct", c) for c in
     _words("431676002 772247005 74710000 432370003 1148701004 433138001 699582003")
] + [("http://www.ama-assn.org/go/cpt", c) for c in ("93970", "93971")]


@pytest.mark.parametrize("code", PROFILE_ICD10)
@pytest.mark.parametrize("system", [ICD, "urn:oid:2.16.840.1.113883.6.90"])
def test_condition_prefilter_keeps_every_profile_icd10_code(system: str, code: str) -> None:
    for spelling in (code, code.replace(".", ""), code.lower()):
        resource = {"resourceType": "Condition",
                    "code": {"coding": [{"system": system, "code": spelling}]}}
        assert conditions.relevant(resource), spelling


@pytest.mark.parametrize("code", PROFILE_SNOMED_CONDITIONS)
def test_condition_prefilter_keeps_every_profile_snomed_code(code: str) -> None:
    resource = {"resourceType": "Condition",
                "code": {"coding": [{"system": "urn:oid:9.9", "code": "x"},
                                    {"system": SCT, "code": code}]}}
    assert conditions.relevant(resource)


@pytest.mark.parametrize("code", PROFILE_LOINC_OBSERVATIONS)
@pytest.mark.parametrize("status", ["final", "amended", "corrected", "preliminary"])
def test_observation_prefilter_keeps_every_profile_loinc(code: str, status: str) -> None:
    resource = {"resourceType": "Observation", "status": status,
                "code": {"coding": [{"system": "urn:oid:1.2.3", "code": "local"},
                                    {"system": LOINC, "code": code}]}}
    assert observations.relevant(resource)


@pytest.mark.parametrize("code", PROFILE_LOCAL_CODES)
def test_observation_prefilter_keeps_local_codes(code: str) -> None:
    resource = {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "urn:iliac-cds:observation", "code": code}]}}
    assert observations.relevant(resource)


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error", "registered"])
def test_observation_prefilter_drops_unusable_status(status: str) -> None:
    resource = {"resourceType": "Observation", "status": status,
                "code": {"coding": [{"system": LOINC, "code": "777-3"}]}}
    assert not observations.relevant(resource)


@pytest.mark.parametrize(("system", "code"), PROFILE_REPORT_CODES)
def test_report_prefilter_keeps_every_profile_imaging_code(system: str, code: str) -> None:
    resource = {"resourceType": "DiagnosticReport", "status": "final",
                "code": {"coding": [{"system": system, "code": code}]}}
    assert reports.relevant(resource)


# ---------------------------------------------------------------- superseded readings


def weight(oid: str, when: str, kg: float, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final", "subject": SUBJECT,
            "code": {"coding": [{"system": LOINC, "code": "29463-7"}]},
            "effectiveDateTime": when, "valueQuantity": {"value": kg, "unit": "kg"}, **extra}


def weights(record: PatientRecord) -> list[float]:
    return sorted(m.value for m in record.measurements)


@pytest.mark.parametrize(
    ("old_date", "kept"),
    [("2024-11-21", True),   # 729 days before the newest
     ("2024-11-20", True),   # exactly 730 days: kept (strictly older is skipped)
     ("2024-11-19", False)],  # 731 days
)
def test_reading_superseded_by_a_much_newer_one_is_skipped(old_date: str, kept: bool) -> None:
    record = mapped(weight("new", "2026-11-20", 80), weight("old", old_date, 70))
    assert weights(record) == ([70.0, 80.0] if kept else [80.0])


def test_another_patients_newer_reading_never_supersedes() -> None:
    other = weight("other", "2026-11-20", 90) | {"subject": {"reference": "Patient/p2"}}
    record = mapped(other, weight("mine", "2020-01-01", 70))
    assert weights(record) == [70.0]


@pytest.mark.parametrize(
    "extra",
    [{"note": [{"text": "phlegmasia cerulea dolens noted"}]},
     {"effectiveDateTime": None},
     {"code": {"coding": [{"system": LOINC, "code": "29463-7"},
                          {"system": SCT, "code": "449614009"}]}}],
    ids=["note", "undated", "also-snomed"],
)
def test_old_reading_that_may_map_to_more_is_kept(extra: dict[str, Any]) -> None:
    old = weight("old", "2015-01-01", 70) | extra
    if old["effectiveDateTime"] is None:
        del old["effectiveDateTime"]
    record = mapped(weight("new", "2026-11-20", 80), old)
    assert 70.0 in weights(record)


def test_old_imaging_and_local_observations_are_never_skipped() -> None:
    ivus = {"resourceType": "Observation", "id": "ivus", "status": "final", "subject": SUBJECT,
            "code": {"coding": [{"system": "urn:iliac-cds:observation",
                                 "code": "ivus-diameter-stenosis"}]},
            "effectiveDateTime": "2015-01-01", "valueQuantity": {"value": 72, "unit": "%"}}
    record = mapped(weight("new", "2026-11-20", 80), weight("old", "2015-01-01", 70), ivus)
    assert [s.percent for s in record.ivus_stenoses] == [72.0]


def test_margin_exceeds_every_default_measurement_window() -> None:
    from datetime import timedelta

    from cds_hooks.guideline.settings import GuidelineSettings
    from fhir_mapping import record as record_module

    settings = GuidelineSettings()
    longest = max(settings.labs_days, settings.platelets_days, settings.pregnancy_status_days,
                  settings.systolic_hours / 24)
    assert timedelta(days=4 * longest) <= record_module.SUPERSEDED_MARGIN


def test_skipping_superseded_readings_changes_no_recommendation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every scenario and Synthea record gives the same recommendations with the skip off."""
    from datetime import UTC, datetime, timedelta

    from cds_hooks.guideline import evaluate_patient_view
    from cds_hooks.guideline.settings import GuidelineSettings
    from fhir_mapping import record as record_module
    from fixtures.loader import load_scenario, scenario_names

    as_of = datetime.now(UTC)
    cases: list[tuple[str, list[Any], str | None]] = []
    for name in scenario_names():
        bundle, _ = load_scenario(name)
        patient = next((e["resource"]["id"] for e in bundle.get("entry", [])
                        if e.get("resource", {}).get("resourceType") == "Patient"), None)
        cases.append((name, [bundle], patient))
    for path in sorted((SAMPLES / "synthea").glob("*.json")):
        cases.append((path.name, [json.loads(path.read_text())], None))
    assert len(cases) > 10

    def ids(resources: list[Any], patient: str | None) -> list[Any]:
        # whole recommendations (ids, indicators, evidence, suggestions), not only the ids
        record = map_record(resources, patient_id=patient, medications_retrieved=True)
        return list(evaluate_patient_view(record, as_of=as_of, settings=GuidelineSettings()))

    with_skip = [ids(resources, patient) for _, resources, patient in cases]
    monkeypatch.setattr(record_module, "SUPERSEDED_MARGIN", timedelta(days=10**6))
    without_skip = [ids(resources, patient) for _, resources, patient in cases]
    for (name, _, _), fast, full in zip(cases, with_skip, without_skip, strict=True):
        assert fast == full, name
