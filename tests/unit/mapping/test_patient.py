"""Patient -> findings.Patient."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mapping import patient


def convert(**fields: Any) -> Any:
    (found,) = patient.convert({"resourceType": "Patient", "id": "p1", **fields})
    return found


def test_birth_date_sex_and_ref() -> None:
    found = convert(birthDate="1970-05-02", gender="female")
    assert (found.birth_date, found.sex, found.ref) == (date(1970, 5, 2), "female", "Patient/p1")
    assert not found.deceased


def test_missing_fields() -> None:
    found = convert()
    assert (found.birth_date, found.sex, found.deceased) == (None, "unknown", False)


@pytest.mark.parametrize(
    ("fields", "deceased"),
    [({"deceasedBoolean": True}, True), ({"deceasedBoolean": False}, False),
     ({"deceasedDateTime": "2020-01-01T10:00:00Z"}, True)],
)
def test_deceased(fields: dict[str, Any], deceased: bool) -> None:
    assert convert(**fields).deceased is deceased


def test_invalid_patient_yields_nothing() -> None:
    assert patient.convert({"resourceType": "Patient", "id": "p1", "birthDate": "soon"}) == []
