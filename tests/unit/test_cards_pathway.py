"""The glue: `pathway.run_service` maps, evaluates with the configured settings and renders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import fhir_mapping
from cds_hooks import guideline, pathway
from cds_hooks.config import ConfigError
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.guideline.settings import GuidelineSettings
from fixtures.loader import load_scenario
from tests.scenario_support import bundle_resources

ALL_KEYS = frozenset(
    {
        "patient",
        "conditions",
        "observations",
        "reports",
        "medicationRequests",
        "medicationStatements",
        "medicationAdministrations",
        "procedures",
        "devices",
        "allergies",
        "imagingStudies",
    }
)
NOW = datetime.now(UTC)


def scenario(name: str, service_id: str) -> tuple[dict[str, Any], PatientData]:
    bundle, requests = load_scenario(name, NOW.date())
    return requests[service_id]["context"], PatientData(bundle_resources(bundle), ALL_KEYS)


def ids(cards: list[dict[str, Any]]) -> list[str]:
    return [card["source"]["topic"]["code"] for card in cards]


def run(service_id: str, context: Any, data: PatientData, **config: Any) -> list[dict]:
    return pathway.run_service(service_id, context, data, as_of=NOW, config=config)


def test_patient_view_end_to_end() -> None:
    context, data = scenario("pv-new-left-swelling", "iliac-venous-pathway")
    cards = run("iliac-venous-pathway", context, data)
    assert ids(cards) == ["dvt-duplex-ultrasound"]
    resource = cards[0]["suggestions"][0]["actions"][0]["resource"]
    assert resource["subject"] == {"reference": "Patient/pv01-patient"}


def test_guideline_settings_from_config_are_applied() -> None:
    # Swelling of 5 days is no longer "new" with a 3-day window: the gate closes.
    context, data = scenario("pv-new-left-swelling", "iliac-venous-pathway")
    assert run("iliac-venous-pathway", context, data, GUIDELINE_NEW_SWELLING_DAYS=3) == []
    assert run("iliac-venous-pathway", context, data, GUIDELINE_NEW_SWELLING_DAYS="6") != []


def test_invalid_setting_is_a_config_error_naming_the_variable() -> None:
    context, data = scenario("pv-new-left-swelling", "iliac-venous-pathway")
    with pytest.raises(ConfigError, match="CDS_GUIDELINE_DUPLEX_DAYS"):
        run("iliac-venous-pathway", context, data, GUIDELINE_DUPLEX_DAYS="soon")
    with pytest.raises(ConfigError, match="CDS_GUIDELINE_LABS_DAYS"):
        pathway.check_settings({"GUIDELINE_LABS_DAYS": -1})


def test_check_settings_returns_the_settings() -> None:
    assert pathway.check_settings({}) == GuidelineSettings()
    settings = pathway.check_settings({"GUIDELINE_ACUTE_DVT_DAYS": 21, "OTHER": [1]})
    assert settings.acute_dvt_days == 21


def test_unknown_service_is_a_key_error() -> None:
    context, data = scenario("pv-new-left-swelling", "iliac-venous-pathway")
    with pytest.raises(KeyError):
        run("no-such-service", context, data)


def test_missing_patient_id_is_a_clinical_input_error() -> None:
    _, data = scenario("pv-new-left-swelling", "iliac-venous-pathway")
    with pytest.raises(pathway.ClinicalInputError, match="patientId"):
        run("iliac-venous-pathway", {"userId": "Practitioner/1"}, data)


def test_dstu2_draft_orders_are_a_clinical_input_error() -> None:
    context, data = scenario("os-dstu2-draft-orders", "iliac-venous-order-safety")
    with pytest.raises(pathway.ClinicalInputError):
        run("iliac-venous-order-safety", context, data)


@pytest.mark.parametrize("draft_orders", [None, "Bundle", ["x"]])
def test_order_hooks_need_a_draft_orders_bundle(draft_orders: Any) -> None:
    context, data = scenario("os-stent-59mm", "iliac-venous-order-safety")
    context = {**context, "draftOrders": draft_orders}
    with pytest.raises(pathway.ClinicalInputError, match="draftOrders"):
        run("iliac-venous-order-safety", context, data)


def test_medication_lists_count_as_assessed_only_when_retrieved() -> None:
    # Every cause assessed and absent -> IVUS card. Without any medication key retrieved, the
    # edema-causing medication cause is "not assessed": the IVUS card waits, the causes card
    # speaks.
    context, data = scenario("pv-nivl-ivus-before-intervention", "iliac-venous-pathway")
    assert ids(run("iliac-venous-pathway", context, data)) == ["ivus-before-intervention"]
    for key in ("medicationRequests", "medicationStatements", "medicationAdministrations"):
        partial = PatientData(data.resources, frozenset({key, "patient", "conditions"}))
        assert ids(run("iliac-venous-pathway", context, partial)) == ["ivus-before-intervention"]
    unretrieved = PatientData(data.resources, ALL_KEYS - pathway.MEDICATION_KEYS)
    assert ids(run("iliac-venous-pathway", context, unretrieved)) == ["edema-alternative-causes"]


def test_mapper_gets_patient_encounter_and_medication_flag(monkeypatch: Any) -> None:
    seen: dict[str, Any] = {}
    real = fhir_mapping.map_record

    def spy(resources: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(resources, **kwargs)

    monkeypatch.setattr(fhir_mapping, "map_record", spy)
    context, data = scenario("pv-new-left-swelling", "iliac-venous-pathway")
    run("iliac-venous-pathway", {**context, "encounterId": "enc-7"}, data)
    assert seen == {
        "patient_id": "pv01-patient",
        "encounter_id": "enc-7",
        "medications_retrieved": True,
    }


def test_order_select_passes_selections_and_order_sign_none(monkeypatch: Any) -> None:
    calls: list[Any] = []
    real = guideline.evaluate_orders

    def spy(record: Any, orders: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["selections"])
        return real(record, orders, **kwargs)

    monkeypatch.setattr(guideline, "evaluate_orders", spy)
    context, data = scenario("os-select-filter-only", "iliac-venous-order-select")
    assert ids(run("iliac-venous-order-select", context, data)) == ["ivc-filter-not-indicated"]
    sign_context, _ = scenario("os-select-filter-only", "iliac-venous-order-safety")
    assert len(run("iliac-venous-order-safety", sign_context, data)) == 4
    assert calls == [frozenset(context["selections"]), None]


def test_deceased_patient_gets_no_order_cards() -> None:
    context, data = scenario("os-stent-59mm", "iliac-venous-order-safety")
    assert run("iliac-venous-order-safety", context, data) != []
    resources = [
        {**r, "deceasedBoolean": True} if r["resourceType"] == "Patient" else r
        for r in data.resources
    ]
    dead = PatientData(resources, data.retrieved)
    assert run("iliac-venous-order-safety", context, dead) == []


def test_invalid_guideline_setting_stops_the_app_at_start(tmp_path: Any) -> None:
    from cds_hooks import create_app

    settings = {
        "TESTING": True,
        "REQUIRE_JWT": False,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
    }
    with pytest.raises(ConfigError, match="CDS_GUIDELINE_PLATELETS_DAYS"):
        create_app({**settings, "GUIDELINE_PLATELETS_DAYS": "a week"})
    assert create_app({**settings, "GUIDELINE_PLATELETS_DAYS": 5}) is not None
