"""Unit conversion into each finding's unit; unknown units are dropped, never guessed."""

from __future__ import annotations

import pytest

from fhir_mapping import units


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(14, "mm", 14.0), (1.4, "cm", 14.0), (14, None, 14.0), (0.014, "m", 14.0), (14, "in", None)],
)
def test_to_mm(value: float, unit: str | None, expected: float | None) -> None:
    assert units.to_mm(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (70, "kg", 70.0),
        (70000, "g", 70.0),
        (154.324, "[lb_av]", pytest.approx(70.0, abs=0.01)),
        (154.324, "lb", pytest.approx(70.0, abs=0.01)),
        (70, "", 70.0),
        (70, "stone", None),
    ],
)
def test_to_kg(value: float, unit: str, expected: object) -> None:
    assert units.to_kg(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3.4, "g/dL", 3.4),
        (34, "g/L", 3.4),
        (35, "g/l", 3.5),
        (3.4, None, 3.4),
        (3.4, "mmol/L", None),
    ],
)
def test_albumin(value: float, unit: str | None, expected: float | None) -> None:
    assert units.albumin_g_dl(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (35, "10*3/uL", 35.0),
        (35, "10*9/L", 35.0),
        (35, "10^3/uL", 35.0),
        (35, "K/uL", 35.0),
        (35, "x10E3/uL", 35.0),
        (35000, "/uL", 35.0),
        (35000, "{cells}/uL", 35.0),
        (35000, "10*3/uL", 35.0),  # a raw count under the thousands unit
        (1999, "10*3/uL", 1999),  # below the raw-count cut-off: taken as written
        (35e9, "/L", 35.0),
        (250, "", 250),
        (35, "mg", None),
    ],
)
def test_platelets(value: float, unit: str, expected: float | None) -> None:
    assert units.platelets_10e9_l(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (72, "%", 72.0),
        (0.72, "%", 72.0),  # a value <= 1 is a fraction whatever the unit
        (0.62, "1", 62.0),
        (1.0, "1", 100.0),
        (1.5, "%", 1.5),
        (72, None, 72.0),
        (72, "mm", None),
        (-1, "%", None),
    ],
)
def test_percent(value: float, unit: str | None, expected: float | None) -> None:
    assert units.percent(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1.2, "mg/dL", 1.2),
        (88.4, "umol/L", 1.0),
        (176.8, "µmol/L", 2.0),
        (176.8, "μmol/L", 2.0),
        (0.0884, "mmol/L", 1.0),
        (1.2, "g", None),
    ],
)
def test_creatinine(value: float, unit: str, expected: float | None) -> None:
    assert units.creatinine_mg_dl(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (85, "mm[Hg]", 85.0),
        (85, "mmHg", 85.0),
        (85, "mm Hg", 85.0),
        (12, "kPa", pytest.approx(90.0, abs=0.01)),
        (85, "cm[H2O]", None),
    ],
)
def test_mm_hg(value: float, unit: str, expected: object) -> None:
    assert units.mm_hg(value, unit) == expected


def test_other_labs() -> None:
    assert units.bilirubin_mg_dl(17.1, "umol/L") == 1.0
    assert units.enzyme_u_l(40, "U/L") == 40.0
    assert units.ratio(2.5, "{INR}") == 2.5
    assert units.egfr_ml_min(45, "mL/min/{1.73_m2}") == 45.0
    assert units.egfr_ml_min(45, "mL/min/1.73m2") == 45.0
    assert units.nt_probnp_pg_ml(100, "pmol/L") == pytest.approx(845.7)
    assert units.bnp_pg_ml(100, "ng/L") == 100.0
    assert units.bnp_pg_ml(100, "mg/dL") is None


def test_quantity_prefers_ucum_code() -> None:
    assert units.quantity({"value": 72, "unit": "percent", "code": "%"}) == (72.0, "%")
    assert units.quantity({"value": 3, "unit": "g/dL"}) == (3.0, "g/dL")
    assert units.quantity({"unit": "g/dL"}) is None
    assert units.quantity(None) is None
