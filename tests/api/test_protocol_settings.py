"""Protocol settings: validated at start, every setting documented in README.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from cds_hooks.config import DEFAULTS, ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def settings_table() -> set[str]:
    text = README.read_text()
    section = text.split("<!-- section: settings -->", 1)[1].split("<!-- section:", 1)[0]
    return set(re.findall(r"^\| `(CDS_[A-Z0-9_]+)` \|", section, flags=re.MULTILINE))


def test_every_setting_has_a_row_in_the_readme_settings_table() -> None:
    documented = settings_table()
    missing = {f"CDS_{key}" for key in DEFAULTS} - documented
    assert not missing, f"add rows to README.md <!-- section: settings -->: {sorted(missing)}"
    unknown = documented - {f"CDS_{key}" for key in DEFAULTS}
    assert not unknown, f"README documents settings that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize(
    ("key", "value", "variable"),
    [
        ("FHIR_MAX_PAGES", 0, "CDS_FHIR_MAX_PAGES"),
        ("FHIR_PARALLEL_FETCHES", 0, "CDS_FHIR_PARALLEL_FETCHES"),
        ("FHIR_READ_TIMEOUT", "soon", "CDS_FHIR_READ_TIMEOUT"),
        ("FHIR_CONNECT_TIMEOUT", 0, "CDS_FHIR_CONNECT_TIMEOUT"),
        ("MAX_CONTENT_LENGTH", "big", "CDS_MAX_CONTENT_LENGTH"),
        ("CORS_ORIGINS", "sandbox.cds-hooks.org", "CDS_CORS_ORIGINS"),
        ("CORS_ALLOW_PRIVATE_NETWORK", "maybe", "CDS_CORS_ALLOW_PRIVATE_NETWORK"),
        ("FHIR_REQUIRE_HTTPS", "sometimes", "CDS_FHIR_REQUIRE_HTTPS"),
    ],
)
def test_invalid_setting_stops_the_app_naming_the_variable(
    make_app: Callable[..., Flask], key: str, value: object, variable: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        make_app(**{key: value})


def test_settings_from_the_environment(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDS_FHIR_MAX_PAGES", "3")
    monkeypatch.setenv("CDS_FHIR_READ_TIMEOUT", "2.5")
    monkeypatch.setenv("CDS_MAX_CONTENT_LENGTH", "1000")
    app = make_app()
    assert app.config["FHIR_MAX_PAGES"] == 3
    assert app.config["FHIR_READ_TIMEOUT"] == 2.5
    assert app.config["MAX_CONTENT_LENGTH"] == 1000
