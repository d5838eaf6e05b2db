"""Shared FHIR helpers (fhir_types) and laterality rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cds_hooks.guideline.findings import Side
from fhir_mapping import fhir_types, laterality

SNOMED = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020", datetime(2020, 1, 1, tzinfo=UTC)),
        ("2020-03", datetime(2020, 3, 1, tzinfo=UTC)),
        ("2020-03-04", datetime(2020, 3, 4, tzinfo=UTC)),
        ("2020-03-04T10:00:00Z", datetime(2020, 3, 4, 10, tzinfo=UTC)),
        ("2020-03-04T10:00:00+01:00",
         datetime(2020, 3, 4, 10, tzinfo=timezone(timedelta(hours=1)))),
        (date(2020, 3, 4), datetime(2020, 3, 4, tzinfo=UTC)),
        ("garbage", None),
        (None, None),
    ],
)
def test_parse_when(value: object, expected: datetime | None) -> None:
    parsed = fhir_types.parse_when(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


def test_parse_when_keeps_the_offset_so_the_calendar_day_is_the_ehrs() -> None:
    parsed = fhir_types.parse_when("2020-03-04T00:30:00+01:00")
    assert parsed is not None and parsed.date() == date(2020, 3, 4)


def test_normalizers() -> None:
    assert fhir_types.normalize_icd10("i82.422") == "I82422"
    assert fhir_types.normalize_system("urn:oid:2.16.840.1.113883.6.90") == ICD
    assert fhir_types.normalize_system(SNOMED) == SNOMED


def test_codings_text_and_refs() -> None:
    cc = {"coding": [{"system": "urn:oid:2.16.840.1.113883.6.90", "code": "I82.422",
                      "display": "DVT Left Iliac"}], "text": "Left iliac DVT"}
    assert list(fhir_types.codings(cc)) == [(ICD, "I82422", "DVT Left Iliac")]
    assert fhir_types.concept_text(cc) == "left iliac dvt dvt left iliac"
    assert fhir_types.ref_of({"resourceType": "Condition", "id": "x"}) == "Condition/x"
    assert fhir_types.typed_reference({"reference": "urn:uuid:e1"}, "Encounter") == "Encounter/e1"
    assert fhir_types.typed_reference({"reference": "https://h/fhir/Encounter/e2"},
                                      "Encounter") == "Encounter/e2"
    assert fhir_types.typed_reference(None, "Encounter") is None


@pytest.mark.parametrize(
    ("code", "side"),
    [("I82412", Side.LEFT), ("I82411", Side.RIGHT), ("I82413", Side.BILATERAL),
     ("I82419", Side.UNKNOWN), ("R2241", Side.RIGHT), ("Z96642", Side.LEFT),
     ("R1903", Side.RIGHT), ("R1904", Side.LEFT), ("O2233", Side.UNKNOWN),
     ("I269", Side.UNKNOWN), ("I8241", Side.UNKNOWN), ("I7021", Side.UNKNOWN),
     ("I70212", Side.LEFT), ("I8012", Side.LEFT), ("M7072", Side.LEFT)],
)
def test_icd10_laterality_character(code: str, side: Side) -> None:
    assert laterality.icd10_side(code) is side


@pytest.mark.parametrize(
    ("text", "side"),
    [("left", Side.LEFT), ("LLE", Side.LEFT), ("L leg", Side.LEFT), ("right", Side.RIGHT),
     ("RLE", Side.RIGHT), ("bilateral", Side.BILATERAL), ("both legs", Side.BILATERAL),
     ("leg", Side.UNKNOWN), ("right leg swollen, left normal", Side.UNKNOWN),
     ("cleft", Side.UNKNOWN)],
)
def test_side_from_text(text: str, side: Side) -> None:
    assert laterality.side_from_text(text) is side


def test_order_of_trust() -> None:
    left_limb = [{"coding": [{"system": SNOMED, "code": "32153003"}]}]
    right_qualifier = [{"coding": [{"system": SNOMED, "code": "24028007"}]}]
    assert laterality.side_from([(ICD, "I82411")], left_limb, "left") is Side.RIGHT
    assert laterality.side_from([], left_limb + right_qualifier, "right") is Side.LEFT
    assert laterality.side_from([], right_qualifier, "left") is Side.RIGHT
    assert laterality.side_from([], [{"text": "left thigh"}], "right") is Side.LEFT
    assert laterality.side_from([], None, "right") is Side.RIGHT


def test_combine() -> None:
    assert laterality.combine([Side.LEFT, Side.RIGHT]) is Side.BILATERAL
    assert laterality.combine([Side.LEFT, Side.UNKNOWN]) is Side.LEFT
    assert laterality.combine([]) is Side.UNKNOWN
