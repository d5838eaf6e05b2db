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


def all_settings() -> set[str]:
    """Protocol settings (config.DEFAULTS) and clinical ones (`CDS_GUIDELINE_<FIELD>`)."""
    from dataclasses import fields

    from cds_hooks.guideline.settings import PREFIX, GuidelineSettings

    clinical = {f"CDS_{PREFIX}{field.name.upper()}" for field in fields(GuidelineSettings)}
    return {f"CDS_{key}" for key in DEFAULTS} | clinical


def test_every_setting_has_a_row_in_the_readme_settings_table() -> None:
    documented = settings_table()
    missing = all_settings() - documented
    assert not missing, f"add rows to README.md <!-- section: settings -->: {sorted(missing)}"
    unknown = documented - all_settings()
    assert not unknown, f"README documents settings that do not exist: {sorted(unknown)}"


def test_readme_defaults_match_the_code() -> None:
    from dataclasses import fields

    from cds_hooks.guideline.settings import PREFIX, GuidelineSettings

    text = README.read_text().split("<!-- section: settings -->", 1)[1]
    rows = dict(re.findall(r"^\| `(CDS_[A-Z0-9_]+)` \| `([^`]*)` \|", text, flags=re.MULTILINE))
    for field in fields(GuidelineSettings):
        assert float(rows[f"CDS_{PREFIX}{field.name.upper()}"]) == field.default, field.name
    protocol = ["MAX_CONTENT_LENGTH", "FHIR_MAX_PAGES", "FHIR_PAGE_SIZE"]
    protocol.append("JWT_MAX_LIFETIME_SECONDS")
    for key in protocol:
        assert float(rows[f"CDS_{key}"]) == DEFAULTS[key], key


def test_guideline_setting_from_the_environment_reaches_the_app(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDS_GUIDELINE_ACUTE_DVT_DAYS", "21")
    assert make_app().config["GUIDELINE_ACUTE_DVT_DAYS"] == 21
    monkeypatch.setenv("CDS_GUIDELINE_ACUTE_DVT_DAYS", "-1")
    with pytest.raises(ConfigError, match="ACUTE_DVT_DAYS"):
        make_app()


def test_removed_hit_months_setting_does_not_stop_start(
    make_app: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Catalog v2.2 dropped the HIT window: a deployment still setting it starts, with a warning.
    monkeypatch.setenv("CDS_GUIDELINE_HIT_MONTHS", "7")
    with caplog.at_level("WARNING", logger="cds_hooks.pathway"):
        app = make_app()
    assert app is not None
    assert "CDS_GUIDELINE_HIT_MONTHS" in caplog.text


@pytest.mark.parametrize(
    "variable",
    [
        "CDS_GUIDELINE_ISCHEMIC_STROKE_DAYS",
        "CDS_GUIDELINE_MAJOR_SURGERY_DAYS",
        "CDS_GUIDELINE_TRAUMA_DAYS",
    ],
)
def test_thrombolysis_windows_are_validated_at_start(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "soon")
    with pytest.raises(ConfigError, match=variable):
        make_app()


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
        ("FHIR_PAGE_SIZE", 0, "CDS_FHIR_PAGE_SIZE"),
        ("JWT_MAX_LIFETIME_SECONDS", 0, "CDS_JWT_MAX_LIFETIME_SECONDS"),
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
