"""Patient -> findings.Patient (birth date, administrative sex, deceased)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from cds_hooks.guideline.findings import Patient

from .fhir_types import get, parse_when, ref_of
from .fhir_validation import validate

_SEXES = frozenset({"male", "female", "other", "unknown"})


def relevant(resource: Mapping[str, Any]) -> bool:
    return resource.get("resourceType") == "Patient"


def convert(resource: Mapping[str, Any]) -> list[Patient]:
    model = validate(resource)
    if model is None:
        return []
    return [patient_from_model(model)]


def patient_from_model(model: Any) -> Patient:
    birth = get(model, "birthDate")
    birth_date: date | None
    if isinstance(birth, date):
        birth_date = birth
    else:
        when = parse_when(birth)
        birth_date = when.date() if when is not None else None
    gender = str(get(model, "gender") or "unknown").lower()
    deceased_flag = get(model, "deceasedBoolean")
    deceased = deceased_flag is True or get(model, "deceasedDateTime") is not None
    return Patient(
        birth_date=birth_date,
        sex=gender if gender in _SEXES else "unknown",
        deceased=deceased,
        ref=ref_of(model),
    )
