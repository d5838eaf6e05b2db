"""Condition -> findings: every concept of the input profile in each of its code forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.guideline.findings import (
    Concept,
    Diagnosis,
    Extent,
    IliacStent,
    MassCharacterization,
    MassNature,
    Side,
    Swelling,
    VeinLevel,
)
from fhir_mapping import conditions

SNOMED = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_OID = "urn:oid:2.16.840.1.113883.6.90"


def condition(
    system: str | None = None,
    code: str | None = None,
    *,
    text: str | None = None,
    display: str | None = None,
    body_site: dict[str, Any] | None = None,
    note: str | None = None,
    clinical: str | None = None,
    verification: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {},
    }
    if code is not None:
        coding: dict[str, Any] = {"system": system, "code": code}
        if display:
            coding["display"] = display
        resource["code"]["coding"] = [coding]
    if text:
        resource["code"]["text"] = text
    if body_site:
        resource["bodySite"] = [body_site]
    if note:
        resource["note"] = [{"text": note}]
    if clinical:
        resource["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        resource["verificationStatus"] = {"coding": [{"code": verification}]}
    resource.update(extra)
    return resource


def icd_forms(code: str) -> list[tuple[str, str]]:
    """An ICD-10-CM code with the dot, without it, and under the OID system alias."""
    return [(ICD, code), (ICD, code.replace(".", "")), (ICD_OID, code)]


def mapped(resource: dict[str, Any]) -> list[Any]:
    assert conditions.relevant(resource)
    return conditions.convert(resource)


def diagnoses(resource: dict[str, Any]) -> list[Diagnosis]:
    return [f for f in mapped(resource) if isinstance(f, Diagnosis)]


def concepts(resource: dict[str, Any]) -> set[Concept]:
    return {d.concept for d in diagnoses(resource)}


SITE_PELVIC = {"text": "left pelvic sidewall"}
SITE_ILIAC_VEIN = {
    "coding": [{"system": SNOMED, "code": "46027005", "display": "Common iliac vein"}]
}

# (concept, ICD-10-CM codes that map alone)
ICD_CONCEPTS: list[tuple[Concept, str]] = [
    (Concept.DVT, "I82.401"),
    (Concept.DVT, "I82.412"),
    (Concept.DVT, "I82.4Z3"),
    (Concept.DVT, "I80.11"),
    (Concept.DVT, "I80.212"),
    (Concept.DVT, "O22.33"),
    (Concept.DVT, "O87.1"),
    (Concept.CHRONIC_DVT, "I82.512"),
    (Concept.PULMONARY_EMBOLISM, "I26.99"),
    (Concept.VTE_HISTORY, "Z86.718"),
    (Concept.VTE_HISTORY, "Z86.711"),
    (Concept.ILIAC_COMPRESSION, "I87.1"),
    (Concept.PELVIC_MASS, "R19.03"),
    (Concept.PELVIC_MASS, "R19.04"),
    (Concept.PELVIC_MASS, "R19.09"),
    (Concept.HIP_ARTHROPLASTY, "Z96.642"),
    (Concept.HEART_FAILURE, "I50.9"),
    (Concept.HEART_FAILURE, "I11.0"),
    (Concept.HEART_FAILURE, "I13.2"),
    (Concept.RENAL_DISEASE, "N18.3"),
    (Concept.RENAL_DISEASE, "N04.9"),
    (Concept.RENAL_DISEASE, "N17.9"),
    (Concept.RENAL_DISEASE, "Z99.2"),
    (Concept.LIVER_DISEASE, "K70.30"),
    (Concept.LIVER_DISEASE, "K74.60"),
    (Concept.LIVER_DISEASE, "K72.90"),
    (Concept.LIVER_DISEASE, "K76.6"),
    (Concept.LIVER_DISEASE, "K76.7"),
    (Concept.HYPOALBUMINEMIA, "E88.09"),
    (Concept.HYPOALBUMINEMIA, "R77.0"),
    (Concept.PRIMARY_LYMPHEDEMA, "Q82.0"),
    (Concept.SCROTAL_EDEMA, "N50.89"),  # with edema text, added below
    (Concept.ATRIAL_FIBRILLATION, "I48.91"),
    (Concept.MECHANICAL_VALVE, "Z95.2"),
    (Concept.CORONARY_DISEASE, "I25.10"),
    (Concept.CORONARY_DISEASE, "I21.4"),
    (Concept.CORONARY_DISEASE, "Z95.5"),
    (Concept.PERIPHERAL_ARTERIAL, "I70.212"),
    (Concept.STROKE_TIA, "I63.9"),
    (Concept.STROKE_TIA, "Z86.73"),
    (Concept.THROMBOPHILIA, "D68.51"),
    (Concept.THROMBOPHILIA, "D68.61"),
    (Concept.MAJOR_BLEEDING, "K92.2"),
    (Concept.MAJOR_BLEEDING, "K62.5"),
    (Concept.MAJOR_BLEEDING, "I61.9"),
    (Concept.MAJOR_BLEEDING, "R58"),
    (Concept.MINOR_BLEEDING, "R31.9"),
    (Concept.MINOR_BLEEDING, "N93.9"),
    (Concept.MINOR_BLEEDING, "R04.0"),
    (Concept.HIT, "D75.821"),
    (Concept.SHOCK, "R57.0"),
    (Concept.SHOCK, "R57.9"),
    (Concept.LIMB_ISCHEMIA, "I96"),
    (Concept.PREGNANCY, "Z33.1"),
    (Concept.PREGNANCY, "O09.523"),
    (Concept.PREGNANCY, "Z3A.28"),
]


@pytest.mark.parametrize(("concept", "code"), ICD_CONCEPTS)
@pytest.mark.parametrize("form", [0, 1, 2], ids=["dotted", "undotted", "oid"])
def test_icd10_concepts_in_every_form(concept: Concept, code: str, form: int) -> None:
    system, value = icd_forms(code)[form]
    text = "scrotal edema" if concept is Concept.SCROTAL_EDEMA else None
    assert concept in concepts(condition(system, value, text=text))


SNOMED_CONCEPTS: list[tuple[Concept, str]] = [
    (Concept.DVT, "128053003"),
    (Concept.DVT, "404223003"),
    (Concept.DVT, "132281000119108"),
    (Concept.PULMONARY_EMBOLISM, "59282003"),
    (Concept.VTE_HISTORY, "161508001"),
    (Concept.VTE_HISTORY, "161512007"),
    (Concept.PELVIC_MASS, "74285003"),
    (Concept.PELVIC_MASS, "274754009"),
    (Concept.PELVIC_MASS, "281398003"),
    (Concept.PELVIC_MASS, "127199000"),
    (Concept.SCROTAL_EDEMA, "88995000"),
    (Concept.SCROTAL_EDEMA, "271687003"),
    (Concept.HEART_FAILURE, "84114007"),
    (Concept.HEART_FAILURE, "42343007"),
    (Concept.RENAL_DISEASE, "709044004"),
    (Concept.RENAL_DISEASE, "46177005"),
    (Concept.LIVER_DISEASE, "19943007"),
    (Concept.LIVER_DISEASE, "328383001"),
    (Concept.LIVER_DISEASE, "708248004"),
    (Concept.ATRIAL_FIBRILLATION, "49436004"),
    (Concept.MAJOR_BLEEDING, "131148009"),
    (Concept.MAJOR_BLEEDING, "74474003"),
    (Concept.SHOCK, "27942005"),
    (Concept.LIMB_ISCHEMIA, "1230182004"),
    (Concept.HIP_ARTHROPLASTY, "52734007"),
    (Concept.PREGNANCY, "77386006"),
]


@pytest.mark.parametrize(("concept", "code"), SNOMED_CONCEPTS)
def test_snomed_concepts(concept: Concept, code: str) -> None:
    assert concept in concepts(condition(SNOMED, code))


@pytest.mark.parametrize(
    ("system", "code"),
    [(ICD, "I95.9"), (SNOMED, "45007003"), (ICD, "O87.0"), (ICD, "I82.90"), (ICD, "J45.909")],
    ids=["hypotension-icd", "hypotension-snomed", "postpartum", "unspecified-vein", "asthma"],
)
def test_codes_outside_the_profile_map_to_nothing(system: str, code: str) -> None:
    resource = condition(system, code)
    assert not conditions.relevant(resource) or not [
        f for f in conditions.convert(resource) if isinstance(f, Diagnosis)
    ]


def test_plain_hypotension_is_not_shock() -> None:
    assert not conditions.relevant(condition(ICD, "I95.9", text="Hypotension"))


def test_postpartum_dvt_is_dvt_but_not_pregnancy() -> None:
    found = concepts(condition(ICD, "O87.1"))
    assert Concept.DVT in found
    assert Concept.PREGNANCY not in found


def test_dvt_in_pregnancy_is_dvt_and_pregnancy_and_trimester_is_not_laterality() -> None:
    found = diagnoses(condition(ICD, "O22.32"))
    assert {d.concept for d in found} == {Concept.DVT, Concept.PREGNANCY}
    assert all(d.side is Side.UNKNOWN for d in found)


# ---------------------------------------------------------------- DVT laterality and level


@pytest.mark.parametrize(
    ("code", "side", "level"),
    [
        ("I82.401", Side.RIGHT, VeinLevel.UNKNOWN),
        ("I82.412", Side.LEFT, VeinLevel.PROXIMAL),
        ("I82.423", Side.BILATERAL, VeinLevel.PROXIMAL),
        ("I82.432", Side.LEFT, VeinLevel.PROXIMAL),
        ("I82.4Y1", Side.RIGHT, VeinLevel.PROXIMAL),
        ("I82.442", Side.LEFT, VeinLevel.DISTAL),
        ("I82.451", Side.RIGHT, VeinLevel.DISTAL),
        ("I82.462", Side.LEFT, VeinLevel.DISTAL),
        ("I82.4Z2", Side.LEFT, VeinLevel.DISTAL),
        ("I82.409", Side.UNKNOWN, VeinLevel.UNKNOWN),
        ("I80.12", Side.LEFT, VeinLevel.PROXIMAL),
        ("I80.211", Side.RIGHT, VeinLevel.PROXIMAL),
        ("I80.232", Side.LEFT, VeinLevel.DISTAL),
    ],
)
def test_dvt_laterality_and_level_from_icd(code: str, side: Side, level: VeinLevel) -> None:
    for system, value in icd_forms(code):
        (dvt,) = [d for d in diagnoses(condition(system, value)) if d.concept is Concept.DVT]
        assert (dvt.side, dvt.level) == (side, level)


def test_chronic_dvt_is_not_acute_dvt() -> None:
    found = diagnoses(condition(ICD, "I82.512"))
    assert [(d.concept, d.side) for d in found] == [(Concept.CHRONIC_DVT, Side.LEFT)]


@pytest.mark.parametrize(
    ("body_site", "side", "level"),
    [
        ({"coding": [{"system": SNOMED, "code": "32153003"}]}, Side.LEFT, VeinLevel.UNKNOWN),
        ({"coding": [{"system": SNOMED, "code": "62175007"}]}, Side.RIGHT, VeinLevel.UNKNOWN),
        (
            {"coding": [{"system": SNOMED, "code": "83419000", "display": "Femoral vein"},
                        {"system": SNOMED, "code": "7771000", "display": "Left"}]},
            Side.LEFT,
            VeinLevel.PROXIMAL,
        ),
        (
            {"coding": [{"system": SNOMED, "code": "83419000", "display": "Femoral vein",
                         "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/"
                                               "bodySite-laterality",
                                        "valueCodeableConcept": {"coding": [
                                            {"system": SNOMED, "code": "24028007"}]}}]}]},
            Side.RIGHT,
            VeinLevel.PROXIMAL,
        ),
        (
            {"text": "calf veins", "extension": [{"url": "laterality", "valueCoding": {
                "system": SNOMED, "code": "51440002"}}]},
            Side.BILATERAL,
            VeinLevel.DISTAL,
        ),
        ({"text": "LLE popliteal vein"}, Side.LEFT, VeinLevel.PROXIMAL),
        ({"text": "right posterior tibial vein"}, Side.RIGHT, VeinLevel.DISTAL),
    ],
    ids=["limb-left", "limb-right", "qualifier-coding", "qualifier-ext-coding",
         "qualifier-ext-site", "text-lle", "text-right"],
)
def test_snomed_dvt_side_and_level_from_body_site(
    body_site: dict[str, Any], side: Side, level: VeinLevel
) -> None:
    (dvt,) = diagnoses(condition(SNOMED, "128053003", body_site=body_site))
    assert (dvt.concept, dvt.side, dvt.level) == (Concept.DVT, side, level)


def test_icd_laterality_wins_over_body_site_and_text() -> None:
    resource = condition(
        ICD, "I82.412", text="right leg DVT", body_site={"coding": [{"system": SNOMED,
                                                                    "code": "62175007"}]}
    )
    (dvt,) = diagnoses(resource)
    assert dvt.side is Side.LEFT


# ---------------------------------------------------------------- status rules


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_and_entered_in_error_never_become_findings(verification: str) -> None:
    assert mapped(condition(ICD, "I82.412", verification=verification)) == []


@pytest.mark.parametrize("verification", ["provisional", "differential", "unconfirmed"])
def test_unconfirmed_conditions_are_suspected(verification: str) -> None:
    (dvt,) = diagnoses(condition(ICD, "I82.412", verification=verification))
    assert dvt.suspected and dvt.active


@pytest.mark.parametrize("clinical", ["resolved", "inactive", "remission"])
def test_resolved_conditions_are_history(clinical: str) -> None:
    (dvt,) = diagnoses(condition(ICD, "I82.412", clinical=clinical, verification="confirmed"))
    assert not dvt.active and not dvt.suspected


def test_missing_clinical_status_is_active_unless_abated() -> None:
    (active,) = diagnoses(condition(ICD, "I82.412"))
    (abated,) = diagnoses(condition(ICD, "I82.412", abatementDateTime="2026-01-02"))
    assert active.active
    assert not abated.active


def test_dates_encounter_and_source() -> None:
    resource = condition(
        ICD, "I82.412", display="Acute DVT of left femoral vein",
        onsetDateTime="2026-11-01", recordedDate="2026-11-02T10:00:00+01:00",
        encounter={"reference": "urn:uuid:enc-1"},
    )
    (dvt,) = diagnoses(resource)
    assert dvt.onset == datetime(2026, 11, 1, tzinfo=UTC)
    assert dvt.recorded is not None and dvt.recorded.utcoffset() is not None
    assert dvt.recorded.hour == 10
    assert dvt.encounter == "Encounter/enc-1"
    assert dvt.source.refs == ("Condition/c1",)
    assert dvt.source.display == "Acute DVT of left femoral vein"


def test_invalid_condition_is_skipped_not_raised() -> None:
    resource = condition(ICD, "I82.412", onsetDateTime="not a date")
    assert conditions.convert(resource) == []


# ---------------------------------------------------------------- swelling


def swellings(resource: dict[str, Any]) -> list[Swelling]:
    return [f for f in mapped(resource) if isinstance(f, Swelling)]


@pytest.mark.parametrize(
    ("system", "code", "side"),
    [
        (SNOMED, "449614009", Side.UNKNOWN),
        (SNOMED, "102572006", Side.UNKNOWN),
        (SNOMED, "449615005", Side.UNKNOWN),
        (SNOMED, "267039000", Side.UNKNOWN),
        (ICD, "R22.40", Side.UNKNOWN),
        (ICD, "R22.41", Side.RIGHT),
        (ICD, "R2242", Side.LEFT),
        (ICD_OID, "R22.43", Side.BILATERAL),
        (ICD, "R60.0", Side.UNKNOWN),
    ],
)
def test_swelling_codes(system: str, code: str, side: Side) -> None:
    (swelling,) = swellings(condition(system, code, onsetDateTime="2026-10-30"))
    assert swelling.side is side
    assert swelling.present and swelling.active
    assert swelling.extent is Extent.UNKNOWN
    assert swelling.when == datetime(2026, 10, 30, tzinfo=UTC)


def test_localized_edema_side_from_body_site() -> None:
    site = {"coding": [{"system": SNOMED, "code": "32153003", "display": "Left lower limb"}]}
    (swelling,) = swellings(condition(ICD, "R60.0", body_site=site))
    assert swelling.side is Side.LEFT


@pytest.mark.parametrize(
    ("text", "side"),
    [("Swelling of left leg", Side.LEFT), ("RLE edema", Side.RIGHT),
     ("L leg swelling", Side.LEFT), ("Bilateral leg edema", Side.BILATERAL),
     ("Swelling of both legs", Side.BILATERAL), ("Leg swelling", Side.UNKNOWN)],
)
def test_swelling_side_from_text(text: str, side: Side) -> None:
    (swelling,) = swellings(condition(SNOMED, "449614009", text=text))
    assert swelling.side is side


@pytest.mark.parametrize(
    ("body_site", "text", "extent"),
    [
        ({"coding": [{"system": SNOMED, "code": "68367000", "display": "Thigh"}]}, None,
         Extent.WHOLE_LEG),
        ({"text": "left groin"}, None, Extent.WHOLE_LEG),
        ({"text": "hip"}, None, Extent.WHOLE_LEG),
        (None, "Swelling of whole leg", Extent.WHOLE_LEG),
        (None, "Edema of entire leg", Extent.WHOLE_LEG),
        (None, "Swelling from groin to ankle", Extent.WHOLE_LEG),
        ({"text": "left ankle"}, None, Extent.LIMITED),
        ({"text": "foot"}, None, Extent.LIMITED),
        (None, "calf swelling", Extent.LIMITED),
        (None, "Edema of lower leg", Extent.LIMITED),
        ({"coding": [{"system": SNOMED, "code": "61685007", "display": "Lower limb"}]}, None,
         Extent.UNKNOWN),
    ],
)
def test_swelling_extent(body_site: dict[str, Any] | None, text: str | None,
                         extent: Extent) -> None:
    (swelling,) = swellings(condition(SNOMED, "102572006", body_site=body_site, text=text))
    assert swelling.extent is extent


def test_resolved_swelling_is_inactive() -> None:
    (swelling,) = swellings(condition(ICD, "R22.42", clinical="resolved"))
    assert not swelling.active


def test_text_only_swelling_condition() -> None:
    (swelling,) = swellings(condition(text="Left leg swelling since Tuesday"))
    assert swelling.side is Side.LEFT


def test_text_only_negated_swelling_is_nothing() -> None:
    resource = condition(text="No leg swelling")
    assert not conditions.relevant(resource) or conditions.convert(resource) == []


# ---------------------------------------------------------------- edema impact from notes


@pytest.mark.parametrize(
    ("note", "impact"),
    [
        ("Swelling significantly affects her quality of life and sleep", "significant"),
        ("Cannot do daily activities because of the swelling", "significant"),
        ("Mild swelling, otherwise asymptomatic", "minimal"),
        ("No impact on quality of life", "none"),
    ],
)
def test_edema_impact_from_note(note: str, impact: str) -> None:
    found = mapped(condition(ICD, "R22.42", note=note))
    impacts = [f.impact.value for f in found if type(f).__name__ == "EdemaImpact"]
    assert impacts == [impact]


def test_no_impact_statement_means_no_impact_finding() -> None:
    found = mapped(condition(ICD, "R22.42", note="Seen in clinic"))
    assert [type(f).__name__ for f in found] == ["Swelling"]


# ---------------------------------------------------------------- scrotal / penile edema


@pytest.mark.parametrize("code", ["N50.89", "N48.89"])
def test_scrotal_penile_codes_need_edema_text(code: str) -> None:
    assert Concept.SCROTAL_EDEMA in concepts(condition(ICD, code, note="penile and scrotal edema"))
    resource = condition(ICD, code, text="Hydrocele")
    assert not conditions.relevant(resource) or Concept.SCROTAL_EDEMA not in {
        d.concept for d in conditions.convert(resource) if isinstance(d, Diagnosis)
    }


# ---------------------------------------------------------------- pelvic mass


@pytest.mark.parametrize(
    ("system", "code", "side"),
    [(ICD, "R19.03", Side.RIGHT), (ICD, "R1904", Side.LEFT), (ICD_OID, "R19.09", Side.UNKNOWN)],
)
def test_pelvic_mass_side_from_quadrant(system: str, code: str, side: Side) -> None:
    (mass,) = diagnoses(condition(system, code))
    assert (mass.concept, mass.side) == (Concept.PELVIC_MASS, side)


@pytest.mark.parametrize(
    ("system", "code"),
    [(ICD, "R19.00"), (ICD, "R59.0"), (ICD, "R59.9"), (SNOMED, "30746006")],
)
def test_gated_mass_codes_need_a_pelvic_site(system: str, code: str) -> None:
    assert Concept.PELVIC_MASS in concepts(condition(system, code, body_site=SITE_PELVIC))
    assert Concept.PELVIC_MASS in concepts(condition(system, code, text="left iliac nodes"))
    assert Concept.PELVIC_MASS in concepts(condition(system, code, text="inguinal adenopathy"))
    assert Concept.PELVIC_MASS not in concepts(condition(system, code, text="cervical nodes"))


def test_pelvic_mass_side_from_body_site_text() -> None:
    (mass,) = diagnoses(condition(ICD, "R19.00", body_site=SITE_PELVIC))
    assert mass.side is Side.LEFT
    assert "pelvic" in mass.site_text


# ---------------------------------------------------------------- iliac vein compression


@pytest.mark.parametrize(
    "text",
    ["May-Thurner syndrome", "May Thurner", "Cockett syndrome", "Left iliac vein compression",
     "NIVL of left CIV"],
)
def test_iliac_compression_text_forms(text: str) -> None:
    assert Concept.ILIAC_COMPRESSION in concepts(condition(text=text))


def test_iliac_compression_i87_1_unless_another_vein() -> None:
    (compression,) = diagnoses(condition(ICD, "I87.1", body_site={"text": "left common iliac"}))
    assert (compression.concept, compression.side) == (Concept.ILIAC_COMPRESSION, Side.LEFT)
    for site in ("superior vena cava", "left subclavian vein", "jugular vein"):
        resource = condition(ICD, "I87.1", body_site={"text": site})
        assert Concept.ILIAC_COMPRESSION not in concepts(resource)


def test_negated_compression_text_is_nothing() -> None:
    resource = condition(text="No evidence of May-Thurner")
    assert not conditions.relevant(resource) or conditions.convert(resource) == []


# ---------------------------------------------------------------- nature of the mass


def natures(resource: dict[str, Any]) -> set[MassNature]:
    return {f.nature for f in mapped(resource) if isinstance(f, MassCharacterization)}


@pytest.mark.parametrize(
    ("system", "code", "nature"),
    [
        (SNOMED, "118600007", MassNature.MALIGNANT),
        (ICD, "C83.30", MassNature.MALIGNANT),
        (ICD, "C81.90", MassNature.MALIGNANT),
        (ICD, "C85.93", MassNature.MALIGNANT),
        (ICD, "C77.5", MassNature.MALIGNANT),
        (ICD, "C77.2", MassNature.MALIGNANT),
        (ICD, "C78.6", MassNature.MALIGNANT),
        (ICD, "C49.5", MassNature.MALIGNANT),
        (ICD, "C41.4", MassNature.MALIGNANT),
        (ICD, "C20", MassNature.MALIGNANT),
        (ICD, "C53.9", MassNature.MALIGNANT),
        (ICD, "C56.1", MassNature.MALIGNANT),
        (ICD, "C61", MassNature.MALIGNANT),
        (ICD, "C67.9", MassNature.MALIGNANT),
        (SNOMED, "111367007", MassNature.ABSCESS),
        (ICD, "K68.12", MassNature.ABSCESS),
        (ICD, "K68.19", MassNature.ABSCESS),
        (ICD, "K68.3", MassNature.HEMATOMA),
        (SNOMED, "281352004", MassNature.BURSITIS),
    ],
)
def test_site_specific_mass_nature_counts_alone(system: str, code: str,
                                                nature: MassNature) -> None:
    forms = icd_forms(code) if system == ICD else [(system, code)]
    for form_system, form_code in forms:
        assert natures(condition(form_system, form_code)) == {nature}


@pytest.mark.parametrize(
    ("system", "code", "nature"),
    [
        (SNOMED, "363346000", MassNature.MALIGNANT),
        (SNOMED, "128462008", MassNature.MALIGNANT),
        (SNOMED, "128477000", MassNature.ABSCESS),
        (SNOMED, "385494008", MassNature.HEMATOMA),
        (SNOMED, "20376005", MassNature.BENIGN_NEOPLASM),
        (ICD, "M51.36", MassNature.DEGENERATIVE),
        (ICD, "M51.379", MassNature.DEGENERATIVE),
        (ICD, "M25.78", MassNature.DEGENERATIVE),
        (SNOMED, "235231000119100", MassNature.DEGENERATIVE),
    ],
)
def test_generic_mass_nature_needs_a_pelvic_site(system: str, code: str,
                                                 nature: MassNature) -> None:
    assert natures(condition(system, code, body_site={"text": "retroperitoneal"})) == {nature}
    assert natures(condition(system, code, body_site={"text": "right iliac nodal"})) == {nature}
    resource = condition(system, code, body_site={"text": "left breast"})
    assert not conditions.relevant(resource) or natures(resource) == set()


@pytest.mark.parametrize("code", ["M70.70", "M70.71", "M70.72"])
def test_hip_bursitis_is_iliopsoas_only_with_psoas_text(code: str) -> None:
    assert natures(condition(ICD, code, text="Iliopsoas bursitis")) == {MassNature.BURSITIS}
    assert natures(condition(ICD, code, text="Trochanteric bursitis")) == set()


def test_mass_nature_side_and_status() -> None:
    (found,) = [f for f in mapped(condition(ICD, "K68.3", body_site={"text": "left psoas"},
                                            clinical="resolved"))
                if isinstance(f, MassCharacterization)]
    assert (found.side, found.active) == (Side.LEFT, False)


# ---------------------------------------------------------------- others gated by text


@pytest.mark.parametrize("system,code", [(ICD, "I89.0"), (SNOMED, "234097001")])
def test_lymphedema_is_primary_only_with_text(system: str, code: str) -> None:
    praecox = condition(system, code, text="Lymphedema praecox")
    assert Concept.PRIMARY_LYMPHEDEMA in concepts(praecox)
    assert Concept.PRIMARY_LYMPHEDEMA in concepts(
        condition(system, code, note="congenital lymphedema"))
    resource = condition(system, code, text="Lymphedema after node dissection")
    assert not conditions.relevant(resource) or Concept.PRIMARY_LYMPHEDEMA not in concepts(
        resource)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (condition(text="Phlegmasia cerulea dolens, left leg"), True),
        (condition(SNOMED, "128053003", note="early phlegmasia alba dolens"), True),
        (condition(SNOMED, "128053003", note="no phlegmasia"), False),
        (condition(text="No phlegmasia"), False),
    ],
)
def test_phlegmasia_text_is_negation_aware(resource: dict[str, Any], expected: bool) -> None:
    found = Concept.LIMB_ISCHEMIA in concepts(resource) if conditions.relevant(resource) else False
    assert found is expected


def test_phlegmasia_side_from_text() -> None:
    (ischemia,) = diagnoses(condition(text="Phlegmasia cerulea dolens, left leg"))
    assert ischemia.side is Side.LEFT


# ---------------------------------------------------------------- iliac stent history


@pytest.mark.parametrize("code", ["Z95.828", "Z95.820"])
def test_stent_history_code_needs_iliac_vein_site(code: str) -> None:
    found = [f for f in mapped(condition(ICD, code, body_site=SITE_ILIAC_VEIN,
                                         onsetDateTime="2025-03-01"))
             if isinstance(f, IliacStent)]
    assert len(found) == 1
    assert found[0].placed == datetime(2025, 3, 1, tzinfo=UTC)
    text_form = condition(ICD, code, note="Venovo stent, left common iliac vein")
    assert [f.side for f in mapped(text_form) if isinstance(f, IliacStent)] == [Side.LEFT]
    for other in ("coronary artery stent", "left iliac artery stent", ""):
        resource = condition(ICD, code, note=other or None)
        assert not conditions.relevant(resource) or not [
            f for f in conditions.convert(resource) if isinstance(f, IliacStent)
        ]


def test_relevant_is_false_for_unrelated_conditions() -> None:
    assert not conditions.relevant(condition(SNOMED, "444814009", text="Viral sinusitis"))
    assert not conditions.relevant({"resourceType": "Observation"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2020", datetime(2020, 1, 1, tzinfo=UTC)), ("2020-03", datetime(2020, 3, 1, tzinfo=UTC))],
)
def test_partial_onset_dates_are_the_first_day(value: str, expected: datetime) -> None:
    (dvt,) = diagnoses(condition(ICD, "I82.412", onsetDateTime=value))
    assert dvt.onset == expected


def test_onset_period_start() -> None:
    (dvt,) = diagnoses(condition(ICD, "I82.412", onsetPeriod={"start": "2026-11-01"}))
    assert dvt.onset == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("note", "extent"),
    [
        ("Swelling of the whole leg since Monday", Extent.WHOLE_LEG),
        ("Pitting edema from groin to ankle", Extent.WHOLE_LEG),
        ("Status post hip replacement 2019", Extent.UNKNOWN),
        ("Calf tender on palpation", Extent.UNKNOWN),
        ("No thigh swelling", Extent.UNKNOWN),
    ],
)
def test_swelling_extent_from_notes_needs_an_explicit_statement(note: str,
                                                                extent: Extent) -> None:
    (swelling,) = swellings(condition(ICD, "R22.42", note=note))
    assert swelling.extent is extent


def test_negated_pelvic_site_does_not_gate_in_a_generic_code() -> None:
    resource = condition(ICD, "R59.9", note="No pelvic or inguinal nodes; cervical nodes only")
    assert Concept.PELVIC_MASS not in concepts(resource)
