"""What a non-empty pathway answer looks like on the wire (pathway.run_service monkeypatched)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks import pathway
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.http.models import SUMMARY_MAX_CHARS, truncate_summary
from cds_hooks.service_catalog import PREFETCH_KEYS

SERVICE = "/cds-services/iliac-venous-pathway"
TOPIC = {"system": "urn:iliac-cds:recommendation", "code": "dvt-rule-out", "display": "Rule out"}


def pv_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "0b6f4a8e-7d1b-4c53-9d07-5f3c2a1e8b90",
        "context": {"userId": "Practitioner/example", "patientId": "p-1", "encounterId": None},
        "prefetch": dict.fromkeys(PREFETCH_KEYS),
    }
    body.update(changes)
    return body


def card(**changes: Any) -> dict[str, Any]:
    produced: dict[str, Any] = {
        "summary": "Order a complete duplex ultrasound of the left leg",
        "indicator": "warning",
        "detail": "Whole-leg swelling: rule out DVT first.",
        "source": {"label": "iliac-cds", "url": None, "topic": TOPIC},
        "suggestions": [
            {
                "label": "Order duplex ultrasound",
                "actions": [
                    {
                        "type": "create",
                        "description": "Create a draft ServiceRequest",
                        "resource": {
                            "resourceType": "ServiceRequest",
                            "status": "draft",
                            "intent": "proposal",
                            "subject": {"reference": "Patient/p-1"},
                            "note": [],
                        },
                    }
                ],
            }
        ],
        "selectionBehavior": "at-most-one",
        "links": [],
        "overrideReasons": None,
    }
    produced.update(changes)
    return produced


class FakePathway:
    def __init__(self) -> None:
        self.cards: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self,
        service_id: str,
        context: dict[str, Any],
        data: PatientData,
        *,
        as_of: datetime,
        config: Any,
    ) -> list[dict[str, Any]]:
        self.calls.append({"service_id": service_id, "context": context, "data": data})
        self.calls[-1]["as_of"] = as_of
        return self.cards


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakePathway:
    fake = FakePathway()
    monkeypatch.setattr(pathway, "run_service", fake)
    return fake


def assert_no_empty_values(value: Any, path: str = "$") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert item not in (None, "", [], {}), f"{path}.{key} is empty"
            assert_no_empty_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_no_empty_values(item, f"{path}[{index}]")


def test_card_is_serialized_without_null_or_empty_fields(
    client: FlaskClient, fake: FakePathway
) -> None:
    fake.cards = [card()]
    response = client.post(SERVICE, json=pv_request())
    assert response.status_code == 200
    body = response.get_json()
    assert_no_empty_values(body)
    [sent] = body["cards"]
    assert sent["source"] == {"label": "iliac-cds", "topic": TOPIC}
    assert "links" not in sent and "overrideReasons" not in sent
    assert "note" not in sent["suggestions"][0]["actions"][0]["resource"]
    assert set(body) == {"cards"}


def test_every_card_and_suggestion_gets_a_uuid(client: FlaskClient, fake: FakePathway) -> None:
    fake.cards = [card(), card(uuid="kept-uuid")]
    body = client.post(SERVICE, json=pv_request()).get_json()
    first, second = body["cards"]
    assert len(first["uuid"]) == 36
    assert second["uuid"] == "kept-uuid"
    assert first["uuid"] != second["uuid"]
    assert len(first["suggestions"][0]["uuid"]) == 36


def test_over_long_summary_is_truncated_with_an_ellipsis(
    client: FlaskClient, fake: FakePathway
) -> None:
    fake.cards = [card(summary="Iliac vein compression " * 10)]
    summary = client.post(SERVICE, json=pv_request()).get_json()["cards"][0]["summary"]
    assert len(summary) < 140
    assert summary.endswith("…")
    assert summary.startswith("Iliac vein compression Iliac")


def test_summary_truncation_boundaries() -> None:
    exact = "x" * SUMMARY_MAX_CHARS
    assert truncate_summary(exact) == exact
    cut = truncate_summary("x" * (SUMMARY_MAX_CHARS + 1))
    assert len(cut) == SUMMARY_MAX_CHARS and cut.endswith("…")
    # A combining accent is never separated from its letter: the pair is dropped whole.
    text = "a" * 137 + "e\u0301" + "bbbb"
    assert truncate_summary(text) == "a" * 137 + "…"


def test_card_missing_indicator_is_refused_as_500(
    client: FlaskClient, fake: FakePathway, caplog: pytest.LogCaptureFixture
) -> None:
    fake.cards = [card(indicator=None)]
    with caplog.at_level(logging.ERROR):
        response = client.post(SERVICE, json=pv_request())
    assert response.status_code == 500
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "indicator" in caplog.text


@pytest.mark.parametrize(
    "bad",
    [
        {"selectionBehavior": None},
        {"sugestions": []},
        {"overrideReasons": [{"system": "urn:x", "code": "a"}]},
        {"indicator": "hard-stop"},
        {"links": [{"label": "L", "url": "https://x", "type": "absolute", "appContext": "{}"}]},
    ],
    ids=["no-selection-behavior", "unknown-field", "reason-no-display", "bad-indicator", "ctx"],
)
def test_invalid_cards_never_reach_the_client(
    client: FlaskClient, fake: FakePathway, bad: dict[str, Any]
) -> None:
    fake.cards = [card(**bad)]
    assert client.post(SERVICE, json=pv_request()).status_code == 500


def test_run_service_gets_context_data_and_clock(
    make_app: Callable[..., Flask], fake: FakePathway
) -> None:
    fixed = datetime(2026, 3, 1, 12, tzinfo=UTC)
    client = make_app(NOW=lambda: fixed).test_client()
    body = pv_request()
    body["context"]["org.example.extra"] = "kept"
    body["prefetch"]["patient"] = {"resourceType": "Patient", "id": "p-1"}
    assert client.post(SERVICE, json=body).status_code == 200
    [call] = fake.calls
    assert call["service_id"] == "iliac-venous-pathway"
    assert call["context"] == {
        "userId": "Practitioner/example",
        "patientId": "p-1",
        "org.example.extra": "kept",
    }
    assert call["as_of"] == fixed
    assert call["data"].resources == [{"resourceType": "Patient", "id": "p-1"}]
    assert call["data"].retrieved == frozenset(PREFETCH_KEYS)


def test_default_clock_is_timezone_aware_now(client: FlaskClient, fake: FakePathway) -> None:
    before = datetime.now(UTC)
    client.post(SERVICE, json=pv_request())
    assert fake.calls[0]["as_of"].tzinfo is not None
    assert fake.calls[0]["as_of"] >= before


def test_listeners_get_the_sent_cards_and_a_failing_one_is_harmless(
    app: Flask, fake: FakePathway, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[tuple[str, str, list[dict[str, Any]]]] = []

    def broken(*args: Any) -> None:
        raise RuntimeError("store down")

    app.extensions["cds_card_listeners"][:] = [
        broken,
        lambda *args: received.append(args),
    ]
    fake.cards = [card()]
    with caplog.at_level(logging.ERROR):
        response = app.test_client().post(SERVICE, json=pv_request())
    assert response.status_code == 200
    [(service_id, hook_instance, cards)] = received
    assert service_id == "iliac-venous-pathway"
    assert hook_instance == "0b6f4a8e-7d1b-4c53-9d07-5f3c2a1e8b90"
    assert cards == response.get_json()["cards"]
    assert "RuntimeError" in caplog.text


def test_listeners_are_not_called_on_errors(app: Flask, fake: FakePathway) -> None:
    received: list[Any] = []
    app.extensions["cds_card_listeners"][:] = [lambda *args: received.append(args)]
    body = pv_request()
    del body["context"]["patientId"]
    assert app.test_client().post(SERVICE, json=body).status_code == 400
    assert received == []
