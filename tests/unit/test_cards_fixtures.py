"""The scenario fixtures: generated files up to date, valid R4, consistent prefetch, and the
date shift that keeps every scenario valid on any day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from cds_hooks import pathway
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.service_catalog import PREFETCH_TEMPLATES, get_service
from fixtures import build, loader
from tests.scenario_support import bundle_resources

NAMES = loader.scenario_names()


def test_generated_files_match_the_builder(tmp_path: Path) -> None:
    build.main(tmp_path / "scenarios", tmp_path / "expected.json")
    assert json.loads((tmp_path / "expected.json").read_text()) == loader.expected()
    out = tmp_path / "scenarios"
    generated = sorted(p.relative_to(out) for p in out.rglob("*.json"))
    committed = sorted(
        p.relative_to(loader.SCENARIOS_DIR) for p in loader.SCENARIOS_DIR.rglob("*.json")
    )
    assert generated == committed
    for rel in generated:
        assert (tmp_path / "scenarios" / rel).read_text() == (
            loader.SCENARIOS_DIR / rel
        ).read_text(), rel


def test_scenario_counts() -> None:
    expected = loader.expected()
    assert set(expected) == set(NAMES)
    assert sum("iliac-venous-pathway" in e for e in expected.values()) >= 22
    assert sum("iliac-venous-order-safety" in e for e in expected.values()) >= 12
    assert any("iliac-venous-order-select" in e for e in expected.values())


@pytest.mark.parametrize("name", NAMES)
def test_bundle_and_requests_are_valid_r4(name: str) -> None:
    bundle, requests = loader.load_scenario(name)
    assert bundle["type"] == "transaction"
    get_fhir_model_class("Bundle").model_validate(bundle)
    resources = bundle_resources(bundle)
    patient = resources[0]
    assert patient["resourceType"] == "Patient"
    for entry in bundle["entry"]:
        r = entry["resource"]
        assert entry["request"] == {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
        if r is not patient:
            owner = r.get("subject") or r.get("patient")
            assert owner == {"reference": f"Patient/{patient['id']}"}, r["id"]
    for service_id, request in requests.items():
        service = get_service(service_id)
        assert service is not None
        assert request["hook"] == service.hook
        assert request["context"]["patientId"] == patient["id"]
        assert set(request["prefetch"]) == set(PREFETCH_TEMPLATES)
        assert request["prefetch"]["patient"] == patient
        prefetched = [
            r
            for key, value in request["prefetch"].items()
            if key != "patient"
            for r in bundle_resources(value)
        ]
        # Types no template asks for (the Encounter a shock record points to) are not prefetched.
        kinds = {t.split("?")[0] for t in PREFETCH_TEMPLATES.values() if "?" in t}
        wanted = [r["id"] for r in resources[1:] if r["resourceType"] in kinds]
        assert sorted(r["id"] for r in prefetched) == sorted(wanted)
        drafts = request["context"].get("draftOrders")
        if drafts and name != "os-dstu2-draft-orders":
            get_fhir_model_class("Bundle").model_validate(drafts)
            for selected in request["context"].get("selections", []):
                kind, _, rid = selected.partition("/")
                assert any(
                    e["resource"]["resourceType"] == kind and e["resource"]["id"] == rid
                    for e in drafts["entry"]
                )


def test_shift_moves_full_dates_and_keeps_everything_else() -> None:
    value: dict[str, Any] = {
        "a": "2026-11-27",
        "b": "2026-11-27T10:00:00Z",
        "c": ["2026-02-28T23:30:00.5+02:00"],
        "d": "2026",
        "e": "2026-11",
        "f": "pv01-2026-11-27",
        "g": 20261127,
        "h": "2026-11-27 is a date in text",
    }
    shifted = loader.shift_dates(value, 3)
    assert shifted == {
        "a": "2026-11-30",
        "b": "2026-11-30T10:00:00Z",
        "c": ["2026-03-03T23:30:00.5+02:00"],
        "d": "2026",
        "e": "2026-11",
        "f": "pv01-2026-11-27",
        "g": 20261127,
        "h": "2026-11-27 is a date in text",
    }
    assert value["a"] == "2026-11-27"  # the input is not modified
    assert loader.shift_dates(value, 0) == value


def test_load_scenario_shifts_bundle_and_requests_alike() -> None:
    today = loader.REFERENCE_DATE + timedelta(days=400)
    bundle, requests = loader.load_scenario("pv-acute-dvt-lmwh", today)
    original = json.loads((loader.SCENARIOS_DIR / "pv-acute-dvt-lmwh" / "bundle.json").read_text())
    dvt = bundle_resources(bundle)[1]
    assert (
        dvt["onsetDateTime"][:10]
        == (
            date.fromisoformat(bundle_resources(original)[1]["onsetDateTime"][:10])
            + timedelta(days=400)
        ).isoformat()
    )
    prefetched = requests["iliac-venous-pathway"]["prefetch"]["conditions"]["entry"][0]
    assert prefetched["resource"] == dvt


def test_unknown_scenario() -> None:
    with pytest.raises(KeyError):
        loader.load_scenario("no-such-scenario")


@pytest.mark.parametrize(
    "name",
    ["pv-new-left-swelling", "pv-thrombolysis-sbp-89", "pv-stent-surveillance-due"],
)
@pytest.mark.parametrize("offset_days", [-200, 365])
def test_scenarios_hold_on_another_day(name: str, offset_days: int) -> None:
    # The windows (30 days, 24 h, 12 months) are counted from as_of: shifting the data to
    # another day and evaluating on that day must give the same answer. 23:59 is the latest
    # moment of the day, the hardest case for the 24-hour reading dated at 00:00.
    today = loader.REFERENCE_DATE + timedelta(days=offset_days)
    bundle, requests = loader.load_scenario(name, today)
    request = requests["iliac-venous-pathway"]
    keys = frozenset(PREFETCH_TEMPLATES)
    as_of = datetime.combine(today, time(23, 59), tzinfo=UTC)
    cards = pathway.run_service(
        "iliac-venous-pathway",
        request["context"],
        PatientData(bundle_resources(bundle), keys),
        as_of=as_of,
        config={},
    )
    got = sorted(card["source"]["topic"]["code"] for card in cards)
    assert got == loader.expected()[name]["iliac-venous-pathway"]["ids"]


def test_cli_prints_the_shifted_bundle_and_a_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert loader.main(["pv-new-left-swelling", "--today", "2030-01-01"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["resourceType"] == "Bundle"
    args = ["pv-new-left-swelling", "--request", "iliac-venous-pathway"]
    assert loader.main([*args, "--fhir-server", "http://127.0.0.1:1/fhir", "--no-prefetch"]) == 0
    request = json.loads(capsys.readouterr().out)
    assert request["fhirServer"] == "http://127.0.0.1:1/fhir"
    assert "prefetch" not in request
    assert loader.main(["no-such-scenario"]) == 2
    assert loader.main(["--list"]) == 0
    assert "pv-new-left-swelling" in capsys.readouterr().out.split()
