"""/healthz, /readyz and the Prometheus metrics at /metrics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from cds_hooks import create_app, observability
from cds_hooks.storage import store

SERVICE = "iliac-venous-pathway"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'obs.sqlite'}",
        }
    )
    yield app
    store.close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def samples(client: FlaskClient, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """Sample values of one metric from /metrics, keyed by their label set."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    found: dict[frozenset[tuple[str, str]], float] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            if sample.name == name:
                found[frozenset(sample.labels.items())] = sample.value
    return found


def test_healthz_is_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ok_with_a_database(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_is_503_json_when_database_unreachable(app: Flask, client: FlaskClient) -> None:
    # Port 1 on loopback refuses at once: an unreachable database without waiting.
    unreachable = create_engine(
        "postgresql+psycopg://cds@127.0.0.1:1/cds", connect_args={"connect_timeout": 2}
    )
    app.extensions[store.EXTENSION_KEY] = store.Store(engine=unreachable)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.is_json
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    # Liveness does not depend on the database.
    assert client.get("/healthz").status_code == 200


def test_latency_histogram_is_labelled_by_url_rule(client: FlaskClient) -> None:
    client.get(f"/cds-services/{SERVICE}/feedback/summary")
    client.get(f"/cds-services/{SERVICE}/feedback/summary")
    client.post(f"/cds-services/{SERVICE}/feedback", json={"feedback": []})
    client.get("/no/such/path/12345")

    counts = samples(client, "cds_http_request_duration_seconds_count")

    rule = "/cds-services/<service_id>/feedback/summary"
    assert counts[frozenset({("endpoint", rule), ("method", "GET"), ("status", "200")})] == 2
    feedback_rule = "/cds-services/<service_id>/feedback"
    key = frozenset({("endpoint", feedback_rule), ("method", "POST"), ("status", "400")})
    assert counts[key] == 1
    unmatched = frozenset({("endpoint", "<unmatched>"), ("method", "GET"), ("status", "404")})
    assert counts[unmatched] == 1
    assert not any("12345" in value for labels in counts for _, value in labels)


def test_unusual_methods_do_not_create_new_label_values(client: FlaskClient) -> None:
    client.open("/healthz", method="BREW")

    counts = samples(client, "cds_http_request_duration_seconds_count")

    assert {dict(labels)["method"] for labels in counts} <= {"GET", "OTHER"}
    assert any(dict(labels)["method"] == "OTHER" for labels in counts)


def test_cards_are_counted_by_recommendation_and_indicator(app: Flask, client: FlaskClient) -> None:
    topic = {"system": "urn:iliac-cds:recommendation", "code": "REC-1"}
    cards = [
        {"uuid": str(uuid.uuid4()), "indicator": "warning", "source": {"topic": topic}},
        {"uuid": str(uuid.uuid4()), "indicator": "warning", "source": {"topic": topic}},
        {"uuid": str(uuid.uuid4()), "indicator": "info", "source": {"label": "x"}},
    ]
    with app.test_request_context():
        for listener in app.extensions["cds_card_listeners"]:
            listener(SERVICE, str(uuid.uuid4()), cards)

    counts = samples(client, "cds_cards_served_total")

    assert counts == {
        frozenset({("recommendation", "REC-1"), ("indicator", "warning")}): 2,
        frozenset({("recommendation", "unknown"), ("indicator", "info")}): 1,
    }


def test_fhir_fetches_and_jwt_rejections_are_counted(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        observability.record_fhir_fetch("ok")
        observability.record_fhir_fetch("ok")
        observability.record_fhir_fetch("timeout")
        observability.record_jwt_rejection("expired")

    assert samples(client, "cds_fhir_fallback_fetches_total") == {
        frozenset({("outcome", "ok")}): 2,
        frozenset({("outcome", "timeout")}): 1,
    }
    assert samples(client, "cds_jwt_rejections_total") == {frozenset({("reason", "expired")}): 1}


def test_recorders_are_a_no_op_outside_an_app_context() -> None:
    observability.record_fhir_fetch("ok")
    observability.record_jwt_rejection("expired")


def test_each_app_has_its_own_registry(app: Flask, tmp_path: Path) -> None:
    other = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite'}",
        }
    )
    with other.app_context():
        observability.record_jwt_rejection("bad-aud")

    assert samples(other.test_client(), "cds_jwt_rejections_total") == {
        frozenset({("reason", "bad-aud")}): 1
    }
    assert samples(app.test_client(), "cds_jwt_rejections_total") == {}


def test_database_down_at_start_is_reported_until_it_comes_back(tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    app = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{missing / 'late.sqlite'}",
        }
    )
    client = app.test_client()
    summary = f"/cds-services/{SERVICE}/feedback/summary"

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    down = client.get(summary)
    assert down.status_code == 503
    assert down.get_json()["issue"][0]["code"] == "transient"

    missing.mkdir()

    assert client.get("/readyz").status_code == 200
    assert client.get(summary).status_code == 200
    store.close(app)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_operations_endpoints_need_no_token(tmp_path: Path, path: str) -> None:
    secured = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'ops.sqlite'}"})

    assert secured.test_client().get(path).status_code == 200
    store.close(secured)
