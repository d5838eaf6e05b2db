"""DiagnosticReport / ImagingStudy -> imaging findings: codes, conclusion codes, report text."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import (
    Behavior,
    ImagingStudy,
    IvusStenosis,
    LesionBehavior,
    MassCharacterization,
    MassNature,
    Modality,
    ReferenceDiameter,
    Result,
    Side,
    Waveform,
)
from fhir_mapping import report_text, reports

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"


def cc(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def report(code: dict[str, Any], conclusion: str | None = None, **fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "code": code,
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-02T10:15:00Z",
    }
    if conclusion is not None:
        resource["conclusion"] = conclusion
    resource.update(fields)
    return resource


def of_type(found: list[Any], kind: type) -> list[Any]:
    return [f for f in found if isinstance(f, kind)]


def one(found: list[Any], kind: type) -> Any:
    matching = of_type(found, kind)
    assert len(matching) == 1, found
    return matching[0]


DUPLEX_LEFT = cc(LOINC, "39432-0", "US Lower extremity veins - left")
WHEN = datetime(2026, 11, 2, 10, 15, tzinfo=UTC)


# ---------------------------------------------------------------- modality from code


@pytest.mark.parametrize(
    ("code", "modality"),
    [
        (cc(LOINC, "39432-0"), Modality.DUPLEX),
        (cc(LOINC, "39443-7"), Modality.DUPLEX),
        (cc(LOINC, "39420-5"), Modality.DUPLEX),
        (cc(LOINC, "30881-7"), Modality.DUPLEX),
        (cc(LOINC, "46363-8"), Modality.DUPLEX),
        (cc(LOINC, "39497-3"), Modality.DUPLEX),
        (cc(CPT, "93970"), Modality.DUPLEX),
        (cc(CPT, "93971"), Modality.DUPLEX),
        (cc(SNOMED, "431676002"), Modality.CT_VENOGRAPHY),
        (cc(SNOMED, "772247005"), Modality.CT_VENOGRAPHY),
        (cc(LOINC, "36789-6"), Modality.MR_VENOGRAPHY),
        (cc(LOINC, "36790-4"), Modality.MR_VENOGRAPHY),
        (cc(LOINC, "87281-2"), Modality.MR_VENOGRAPHY),
        (cc(LOINC, "36824-1"), Modality.MR_VENOGRAPHY),
        (cc(SNOMED, "74710000"), Modality.CONTRAST_CT_MRI),
        (cc(SNOMED, "432370003"), Modality.CONTRAST_CT_MRI),
        (cc(SNOMED, "1148701004"), Modality.CONTRAST_CT_MRI),
        (cc(SNOMED, "433138001"), Modality.CONTRAST_CT_MRI),
        (cc(SNOMED, "699582003"), Modality.CONTRAST_CT_MRI),
        (cc(LOINC, "24866-6"), Modality.CONTRAST_CT_MRI),
        (cc(LOINC, "36237-6"), Modality.CONTRAST_CT_MRI),
        (cc(CPT, "37252"), Modality.VENOGRAPHY_IVUS),
        (cc(CPT, "75820"), Modality.VENOGRAPHY_IVUS),
        (cc(CPT, "75822"), Modality.VENOGRAPHY_IVUS),
        ({"text": "Left iliac venography with IVUS"}, Modality.VENOGRAPHY_IVUS),
        ({"text": "CT venography abdomen and pelvis"}, Modality.CT_VENOGRAPHY),
        ({"text": "MR venogram pelvis"}, Modality.MR_VENOGRAPHY),
        ({"text": "Venous duplex ultrasound, left leg"}, Modality.DUPLEX),
    ],
)
def test_modality(code: dict[str, Any], modality: Modality) -> None:
    found = reports.convert(report(code, "Study performed."))
    study = one(found, ImagingStudy)
    assert study.modality is modality
    assert study.when == WHEN
    assert study.source.refs == ("DiagnosticReport/r1",)


def test_unrelated_report_is_not_relevant() -> None:
    resource = report(cc(SNOMED, "45036003", "Ultrasonography of abdomen"), "Unremarkable")
    assert not reports.relevant(resource)
    assert reports.convert(resource) == []


# ---------------------------------------------------------------- status and dates


@pytest.mark.parametrize("status", ["final", "amended", "corrected"])
def test_final_statuses(status: str) -> None:
    study = one(reports.convert(report(DUPLEX_LEFT, "No DVT", status=status)), ImagingStudy)
    assert not study.preliminary


def test_preliminary_report_is_flagged() -> None:
    found = reports.convert(report(DUPLEX_LEFT, "No DVT", status="preliminary"))
    assert one(found, ImagingStudy).preliminary


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error", "registered"])
def test_void_statuses(status: str) -> None:
    assert reports.convert(report(DUPLEX_LEFT, "No DVT", status=status)) == []


def test_issued_when_no_effective() -> None:
    resource = report(DUPLEX_LEFT, "No DVT", issued="2026-11-03T08:00:00Z")
    del resource["effectiveDateTime"]
    assert one(reports.convert(resource), ImagingStudy).when == datetime(2026, 11, 3, 8, tzinfo=UTC)


def test_effective_period_start() -> None:
    resource = report(DUPLEX_LEFT, "No DVT", effectivePeriod={"start": "2026-11-01"})
    del resource["effectiveDateTime"]
    assert one(reports.convert(resource), ImagingStudy).when == datetime(2026, 11, 1, tzinfo=UTC)


def test_invalid_report_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    resource = report(DUPLEX_LEFT, "No DVT PRIVATE", effectiveDateTime="yesterday")
    assert reports.convert(resource) == []
    # v2.3 logs: the type and element, never the resource id or the value.
    assert "DiagnosticReport" in caplog.text and "effectiveDateTime" in caplog.text
    assert "r1" not in caplog.text and "PRIVATE" not in caplog.text


# ---------------------------------------------------------------- result


@pytest.mark.parametrize(
    ("conclusion_code", "result"),
    [
        (cc(SNOMED, "260385009", "Negative"), Result.NEGATIVE),
        (cc(SNOMED, "10828004", "Positive"), Result.POSITIVE),
        (cc(SNOMED, "128053003", "Deep venous thrombosis"), Result.POSITIVE),
        (cc(ICD10, "I82.412"), Result.POSITIVE),
    ],
)
def test_result_from_conclusion_code(conclusion_code: dict[str, Any], result: Result) -> None:
    # The code wins over text that says otherwise.
    text = "Occlusive thrombus." if result is Result.NEGATIVE else "No thrombus."
    found = reports.convert(report(DUPLEX_LEFT, text, conclusionCode=[conclusion_code]))
    assert one(found, ImagingStudy).result is result


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("No evidence of DVT.", Result.NEGATIVE),
        ("Negative for thrombus.", Result.NEGATIVE),
        ("No deep venous thrombosis in the left lower extremity.", Result.NEGATIVE),
        ("Veins are fully compressible. Normal study.", Result.NEGATIVE),
        ("Indication: rule out DVT. Findings: no thrombus.", Result.NEGATIVE),
        ("Occlusive thrombus in the left CFV.", Result.POSITIVE),
        ("Acute DVT of the left femoral and popliteal veins.", Result.POSITIVE),
        ("Non-occlusive thrombus in the popliteal vein.", Result.POSITIVE),
        ("The left common femoral vein is non-compressible.", Result.POSITIVE),
        ("No reflux. Thrombus in the left CFV.", Result.POSITIVE),
        ("Chronic thrombus in the left popliteal vein.", Result.UNKNOWN),
        ("Residual chronic DVT of the femoral vein, no acute thrombus.", Result.UNKNOWN),
        ("Acute on chronic DVT of the left femoral vein.", Result.POSITIVE),
        ("Chronic post-thrombotic changes. New occlusive thrombus in the CFV.", Result.POSITIVE),
        ("No residual thrombus.", Result.NEGATIVE),
        ("DVT cannot be excluded.", Result.UNKNOWN),
        ("Possible thrombus in the calf veins.", Result.UNKNOWN),
        ("Study performed.", Result.UNKNOWN),
        ("", Result.UNKNOWN),
    ],
)
def test_result_from_text(text: str, result: Result) -> None:
    assert report_text.result_from_text(text) is result
    if text:  # an empty conclusion is not valid FHIR
        assert one(reports.convert(report(DUPLEX_LEFT, text)), ImagingStudy).result is result


def test_presented_form_text_is_read() -> None:
    data = base64.b64encode(b"Occlusive thrombus in the left CFV.").decode()
    resource = report(DUPLEX_LEFT, presentedForm=[{"contentType": "text/plain", "data": data}])
    assert one(reports.convert(resource), ImagingStudy).result is Result.POSITIVE


# ---------------------------------------------------------------- completeness


@pytest.mark.parametrize(
    ("code", "text", "complete"),
    [
        (cc(LOINC, "39432-0"), "No DVT.", True),
        (cc(LOINC, "69399-4"), "No DVT.", False),
        (cc(LOINC, "80860-0"), "No DVT.", False),
        (cc(LOINC, "39432-0"), "No DVT. Calf veins not visualised.", False),
        (cc(LOINC, "39432-0"), "No DVT. The CFV was not assessed.", False),
        (cc(LOINC, "39432-0"), "Limited study due to body habitus. No DVT.", False),
        (cc(LOINC, "39432-0"), "No thrombus is seen.", True),
    ],
)
def test_duplex_completeness(code: dict[str, Any], text: str, complete: bool) -> None:
    assert one(reports.convert(report(code, text)), ImagingStudy).complete is complete


def test_femoropopliteal_with_iliac_duplex_code_is_incomplete() -> None:
    code = {"coding": [{"system": LOINC, "code": "39432-0"}, {"system": LOINC, "code": "69399-4"}]}
    assert not one(reports.convert(report(code, "No DVT")), ImagingStudy).complete


# ---------------------------------------------------------------- laterality


@pytest.mark.parametrize(
    ("code", "text", "side"),
    [
        (cc(LOINC, "39432-0"), "No DVT.", Side.LEFT),
        (cc(LOINC, "39443-7"), "No DVT.", Side.RIGHT),
        (cc(LOINC, "39420-5"), "No DVT.", Side.BILATERAL),
        ({"coding": [{"system": CPT, "code": "93971"}], "text": "Venous duplex, right leg"},
         "No DVT.", Side.RIGHT),
        (cc(CPT, "93971"), "No DVT in the left leg.", Side.LEFT),
        (cc(CPT, "93971"), "No DVT.", Side.UNKNOWN),
    ],
)
def test_side(code: dict[str, Any], text: str, side: Side) -> None:
    assert one(reports.convert(report(code, text)), ImagingStudy).side is side


def test_bilateral_study_is_split_by_side() -> None:
    found = reports.convert(report(
        cc(LOINC, "39420-5"),
        "Right leg: no DVT. Left leg: occlusive thrombus in the CFV. "
        "Left CFV waveform is non-phasic.",
    ))
    studies = {s.side: s for s in of_type(found, ImagingStudy)}
    assert set(studies) == {Side.LEFT, Side.RIGHT}
    assert studies[Side.LEFT].result is Result.POSITIVE
    assert studies[Side.RIGHT].result is Result.NEGATIVE
    assert studies[Side.LEFT].cfv_waveform is Waveform.NON_PHASIC
    assert studies[Side.RIGHT].cfv_waveform is None


def test_bilateral_negative_without_sides_stays_whole() -> None:
    found = reports.convert(report(cc(LOINC, "39420-5"), "No DVT in either leg."))
    study = one(found, ImagingStudy)
    assert (study.side, study.result) == (Side.BILATERAL, Result.NEGATIVE)


def test_bilateral_with_one_side_named_keeps_other_side_negative_only_if_negative() -> None:
    found = reports.convert(report(cc(LOINC, "39420-5"), "Thrombus in the left popliteal vein."))
    studies = {s.side: s.result for s in of_type(found, ImagingStudy)}
    assert studies == {Side.LEFT: Result.POSITIVE, Side.RIGHT: Result.UNKNOWN}


# ---------------------------------------------------------------- CFV waveform


@pytest.mark.parametrize(
    ("text", "waveform"),
    [
        ("CFV Doppler waveform is non-phasic.", Waveform.NON_PHASIC),
        ("Monophasic flow in the left CFV.", Waveform.NON_PHASIC),
        ("Continuous flow in the common femoral vein.", Waveform.NON_PHASIC),
        ("Loss of respiratory phasicity in the CFV.", Waveform.NON_PHASIC),
        ("Flat waveform at the CFV.", Waveform.NON_PHASIC),
        ("Normal phasic flow in the CFV.", Waveform.PHASIC),
        ("CFV Doppler flow varies with respiration.", Waveform.PHASIC),
        ("No loss of phasicity in the CFV.", Waveform.PHASIC),
        ("CFV flow is not phasic.", Waveform.NON_PHASIC),
        ("No DVT.", None),
        ("IVUS: the lesion varies with respiration.", None),
    ],
)
def test_waveform(text: str, waveform: Waveform | None) -> None:
    assert report_text.waveform_from_text(text) is waveform


def test_waveform_on_duplex_study() -> None:
    found = reports.convert(report(DUPLEX_LEFT, "No DVT. Left CFV waveform is monophasic."))
    study = one(found, ImagingStudy)
    assert study.cfv_waveform is Waveform.NON_PHASIC
    assert study.result is Result.NEGATIVE


# ---------------------------------------------------------------- compression


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Compression of the left common iliac vein by the right common iliac artery.",
         Side.LEFT),
        ("Findings consistent with May-Thurner anatomy on the left.", Side.LEFT),
        ("No iliac vein compression.", None),
        ("No DVT.", None),
    ],
)
def test_compression_from_text(text: str, side: Side | None) -> None:
    found = reports.convert(report(cc(SNOMED, "431676002", "CT venography"), text))
    assert one(found, ImagingStudy).compression_side is side


def test_compression_from_conclusion_code() -> None:
    found = reports.convert(report(
        cc(LOINC, "36789-6", "MR venography"), "See conclusion code.",
        conclusionCode=[cc(ICD10, "I87.1", "Compression of vein")],
    ))
    study = one(found, ImagingStudy)
    assert study.modality is Modality.MR_VENOGRAPHY
    assert study.compression_side is Side.UNKNOWN


def test_ct_venography_result_and_compression() -> None:
    found = reports.convert(report(
        cc(SNOMED, "431676002"),
        "No thrombus in the iliac veins or IVC. Compression of the left common iliac vein.",
    ))
    study = one(found, ImagingStudy)
    assert study.result is Result.NEGATIVE
    assert study.compression_side is Side.LEFT


# ---------------------------------------------------------------- IVUS from report text

IVUS_REPORT = cc(CPT, "37252", "IVUS")


def test_ivus_report_text() -> None:
    found = reports.convert(report(
        IVUS_REPORT,
        "IVUS: 72% diameter stenosis of the left CIV. Reference EIV diameter 14 mm. "
        "The lesion is fixed, with no respiratory or positional variation.",
    ))
    stenosis = one(found, IvusStenosis)
    assert (stenosis.percent, stenosis.area, stenosis.side) == (72.0, False, Side.LEFT)
    reference = one(found, ReferenceDiameter)
    assert (reference.mm, reference.from_ivus) == (14.0, True)
    assert one(found, LesionBehavior).behavior is Behavior.FIXED
    assert one(found, ImagingStudy).modality is Modality.VENOGRAPHY_IVUS


def test_ivus_area_and_diameter_stenosis() -> None:
    found = reports.convert(report(
        IVUS_REPORT, "IVUS of the left CIV: diameter stenosis 65%, area stenosis 80%.",
    ))
    by_area = {s.area: s.percent for s in of_type(found, IvusStenosis)}
    assert by_area == {False: 65.0, True: 80.0}


def test_ivus_area_only() -> None:
    found = reports.convert(report(IVUS_REPORT, "IVUS: area stenosis 80% of the left CIV."))
    assert one(found, IvusStenosis).area


def test_ivus_reference_in_cm() -> None:
    found = reports.convert(report(IVUS_REPORT, "IVUS reference diameter of the EIV 1.4 cm."))
    assert one(found, ReferenceDiameter).mm == pytest.approx(14.0)


def test_venography_percent_without_ivus_is_not_ivus_stenosis() -> None:
    found = reports.convert(report(cc(CPT, "75820", "Venography"), "70% stenosis of left CIV."))
    assert of_type(found, IvusStenosis) == []


@pytest.mark.parametrize(
    ("text", "behavior"),
    [
        ("IVUS: the lesion is fixed.", Behavior.FIXED),
        ("IVUS: no respiratory or positional variation of the CIV lesion.", Behavior.FIXED),
        ("IVUS: the lesion varies with respiration.", Behavior.DYNAMIC),
        ("IVUS: positional compression of the left CIV.", Behavior.DYNAMIC),
        ("IVUS: the CIV collapses with Valsalva.", Behavior.DYNAMIC),
        ("IVUS: the lesion does not vary with respiration.", Behavior.FIXED),
        ("IVUS: 72% diameter stenosis.", None),
        ("CFV Doppler flow varies with respiration.", None),
        ("IVUS: fixed lesion. Repeat IVUS: varies with respiration.", None),
    ],
)
def test_lesion_behavior_text(text: str, behavior: Behavior | None) -> None:
    assert report_text.behavior_from_text(text) is behavior


def test_no_behavior_statement_is_unknown_never_fixed() -> None:
    found = reports.convert(report(IVUS_REPORT, "IVUS: 72% diameter stenosis of the left CIV."))
    assert of_type(found, LesionBehavior) == []


# ---------------------------------------------------------------- mass characterization


@pytest.mark.parametrize(
    ("code", "nature"),
    [
        ("363346000", MassNature.MALIGNANT),
        ("128462008", MassNature.MALIGNANT),
        ("118600007", MassNature.MALIGNANT),
        ("128477000", MassNature.ABSCESS),
        ("385494008", MassNature.HEMATOMA),
    ],
)
def test_mass_nature_from_contrast_ct(code: str, nature: MassNature) -> None:
    found = reports.convert(report(
        cc(SNOMED, "74710000", "CT abdomen and pelvis with contrast"),
        "Left pelvic mass.",
        conclusionCode=[cc(SNOMED, code)],
    ))
    mass = one(found, MassCharacterization)
    assert mass.nature is nature
    assert mass.side is Side.LEFT
    assert mass.when == WHEN


def test_mass_nature_ignored_on_duplex() -> None:
    found = reports.convert(report(DUPLEX_LEFT, "No DVT",
                                   conclusionCode=[cc(SNOMED, "363346000")]))
    assert of_type(found, MassCharacterization) == []


# ---------------------------------------------------------------- ImagingStudy resource


def imaging_study(**fields: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ImagingStudy",
        "id": "is1",
        "status": "available",
        "subject": {"reference": "Patient/p1"},
        "started": "2026-11-02T09:00:00Z",
    }
    resource.update(fields)
    return resource


def test_imaging_study_with_ivus_series() -> None:
    resource = imaging_study(series=[{
        "uid": "1.2.3", "modality": {"system": DICOM, "code": "IVUS"},
        "laterality": {"system": SNOMED, "code": "7771000"},
    }])
    study = one(reports.convert(resource), ImagingStudy)
    assert study.modality is Modality.VENOGRAPHY_IVUS
    assert study.side is Side.LEFT
    assert study.result is Result.UNKNOWN
    assert study.when == datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_imaging_study_with_ivus_modality_list() -> None:
    resource = imaging_study(modality=[{"system": DICOM, "code": "IVUS"}])
    assert one(reports.convert(resource), ImagingStudy).modality is Modality.VENOGRAPHY_IVUS


@pytest.mark.parametrize(
    "fields",
    [
        {"modality": [{"system": DICOM, "code": "CT"}]},
        {"modality": [{"system": DICOM, "code": "IVUS"}], "status": "cancelled"},
        {"modality": [{"system": DICOM, "code": "IVUS"}], "status": "entered-in-error"},
    ],
)
def test_imaging_study_not_ivus_or_void(fields: dict[str, Any]) -> None:
    assert reports.convert(imaging_study(**fields)) == []
