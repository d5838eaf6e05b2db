"""Patient -> findings.Patient (birth date, administrative sex, deceased)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from cds_hooks.guideline.findings import Patient

from .fhir_types import get, parse_when, ref_of
from .reading import skip_unreadable, unreadable

_SEXES = frozenset({"male", "female", "other", "unknown"})


def relevant(resource: Mapping[str, Any]) -> bool:
    return resource.get("resourceType") == "Patient"


def read(resource: Mapping[str, Any]) -> list[Patient]:
    """The Patient; raises `UnreadableElement` when its birth date cannot be read."""
    return [patient_from_model(resource)]


def convert(resource: Mapping[str, Any]) -> list[Patient]:
    """`read`, with a Patient whose birth date cannot be read skipped ([])."""
    return skip_unreadable(read, resource)


def patient_from_model(model: Any) -> Patient:
    birth = get(model, "birthDate")
    birth_date: date | None
    if isinstance(birth, date):
        birth_date = birth
    else:
        when = parse_when(birth)
        birth_date = when.date() if when is not None else None
        if birth is not None and when is None:
            unreadable("birthDate")
    gender = str(get(model, "gender") or "unknown").lower()
    deceased_flag = get(model, "deceasedBoolean")
    deceased = deceased_flag is True or get(model, "deceasedDateTime") is not None
    return Patient(
        birth_date=birth_date,
        sex=gender if gender in _SEXES else "unknown",
        deceased=deceased,
        ref=ref_of(model),
    )
