"""GET /cds-services/<id>/feedback/summary, the served-card record and the JWT replay guard."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cds_hooks import create_app, pathway, service_catalog
from cds_hooks.config import ConfigError
from cds_hooks.storage import store

SERVICE = "iliac-venous-pathway"
SUMMARY = f"/cds-services/{SERVICE}/feedback/summary"
FEEDBACK = f"/cds-services/{SERVICE}/feedback"
TOPIC = "urn:iliac-cds:recommendation"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": database_url})
    yield app
    store.close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def card(recommendation: str | None, indicator: str = "warning") -> dict[str, Any]:
    served: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": "Consider compression ultrasound of the left iliac vein",
        "indicator": indicator,
        "source": {"label": "iliac-cds"},
    }
    if recommendation:
        served["source"]["topic"] = {"system": TOPIC, "code": recommendation}
    return served


def serve(app: Flask, service_id: str, cards: list[dict[str, Any]]) -> None:
    """Call the listeners the way the service route does after a successful call."""
    with app.test_request_context():
        for listener in app.extensions["cds_card_listeners"]:
            listener(service_id, str(uuid.uuid4()), cards)


def accepted(card_uuid: str, at: str = "2026-11-27T10:00:00Z") -> dict[str, Any]:
    return {
        "card": card_uuid,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "s1"}],
        "outcomeTimestamp": at,
    }


def overridden(
    card_uuid: str, code: str | None, at: str = "2026-11-27T10:00:00Z"
) -> dict[str, Any]:
    reason: dict[str, Any] = (
        {"reason": {"system": "urn:iliac-cds:override", "code": code}}
        if code
        else {"userComment": "free text"}
    )
    return {
        "card": card_uuid,
        "outcome": "overridden",
        "overrideReason": reason,
        "outcomeTimestamp": at,
    }


def test_summary_arithmetic(app: Flask, client: FlaskClient) -> None:
    stent = [card("REC-STENT"), card("REC-STENT"), card("REC-STENT")]
    dvt = [card("REC-DVT", "critical"), card("REC-DVT", "critical")]
    serve(app, SERVICE, stent + dvt)
    feedback = [
        accepted(stent[0]["uuid"]),
        overridden(stent[1]["uuid"], "not-applicable"),
        overridden(stent[2]["uuid"], "already-done"),
        overridden(dvt[0]["uuid"], "not-applicable"),
        overridden(dvt[1]["uuid"], "not-applicable"),
    ]
    assert client.post(FEEDBACK, json={"feedback": feedback}).status_code == 200

    response = client.get(SUMMARY)

    assert response.status_code == 200
    assert response.get_json() == {
        "service": SERVICE,
        "recommendations": {
            "REC-STENT": {
                "served": 3,
                "accepted": 1,
                "overridden": 2,
                "overrideReasons": {"not-applicable": 1, "already-done": 1},
                "acceptanceRate": pytest.approx(1 / 3, abs=1e-4),
            },
            "REC-DVT": {
                "served": 2,
                "accepted": 0,
                "overridden": 2,
                "overrideReasons": {"not-applicable": 2},
                "acceptanceRate": 0.0,
            },
        },
    }


def test_rate_is_omitted_without_feedback(app: Flask, client: FlaskClient) -> None:
    serve(app, SERVICE, [card("REC-A"), card("REC-A")])

    body = client.get(SUMMARY).get_json()

    assert body["recommendations"] == {"REC-A": {"served": 2, "accepted": 0, "overridden": 0}}


def test_feedback_for_unknown_cards_is_grouped_as_unknown(client: FlaskClient) -> None:
    stranger = str(uuid.uuid4())
    client.post(FEEDBACK, json={"feedback": [accepted(stranger), overridden(stranger, None)]})

    body = client.get(SUMMARY).get_json()

    # An override without a coded reason counts as overridden but adds no reason count.
    assert body["recommendations"] == {
        "unknown": {"served": 0, "accepted": 1, "overridden": 1, "acceptanceRate": 0.5}
    }


def test_repeated_feedback_counts_once_in_summary(app: Flask, client: FlaskClient) -> None:
    served = card("REC-A")
    serve(app, SERVICE, [served])
    for _ in range(4):
        client.post(FEEDBACK, json={"feedback": [accepted(served["uuid"])]})

    assert client.get(SUMMARY).get_json()["recommendations"]["REC-A"]["accepted"] == 1


def test_summary_is_per_service(app: Flask, client: FlaskClient) -> None:
    other = card("REC-OTHER")
    serve(app, "iliac-venous-order-safety", [other])
    client.post(
        "/cds-services/iliac-venous-order-safety/feedback",
        json={"feedback": [accepted(other["uuid"])]},
    )

    assert client.get(SUMMARY).get_json()["recommendations"] == {}
    safety = client.get("/cds-services/iliac-venous-order-safety/feedback/summary").get_json()
    assert safety["recommendations"]["REC-OTHER"]["acceptanceRate"] == 1.0


def test_summary_for_unknown_service_is_404(client: FlaskClient) -> None:
    response = client.get("/cds-services/nope/feedback/summary")

    assert response.status_code == 404
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_served_card_row_holds_no_clinical_content(app: Flask) -> None:
    served = card(None, "info")
    serve(app, SERVICE, [served, {"summary": "no uuid: cannot receive feedback"}])

    with store.get_engine(app).connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(store.served_card))]
    assert len(rows) == 1
    row = rows[0]
    assert row["card_uuid"] == served["uuid"]
    assert row["service_id"] == SERVICE
    assert row["recommendation_id"] is None
    assert row["indicator"] == "info"
    assert row["hook_instance"]
    assert "ultrasound" not in repr(row)


def test_concurrent_identical_feedback_is_stored_once(app: Flask) -> None:
    body = {"feedback": [accepted(str(uuid.uuid4())) for _ in range(5)]}
    statuses: list[int] = []

    def post() -> None:
        statuses.append(app.test_client().post(FEEDBACK, json=body).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 8
    with store.get_engine(app).connect() as connection:
        assert len(connection.execute(select(store.feedback)).all()) == 5


# --- JWT replay guard -------------------------------------------------------------------------


def test_remember_jti_is_true_once_per_issuer(app: Flask) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    with app.app_context():
        assert store.remember_jti("j1", "https://ehr.example", expires) is True
        assert store.remember_jti("j1", "https://ehr.example", expires) is False
        assert store.remember_jti("j1", "https://other.example", expires) is True
        assert store.remember_jti("j2", "https://ehr.example", expires) is True


def test_remember_jti_is_atomic_across_threads(app: Flask) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    results: list[bool] = []

    def claim() -> None:
        with app.app_context():
            results.append(store.remember_jti("shared", "iss", expires))

    threads = [threading.Thread(target=claim) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 11 + [True]


def test_remember_jti_prunes_expired_rows(app: Flask) -> None:
    past = datetime.now(UTC) - timedelta(minutes=5)
    future = datetime.now(UTC) + timedelta(minutes=5)
    with app.app_context():
        assert store.remember_jti("old", "iss", past) is True
        # An expired entry protects nothing, so the id may be used again...
        assert store.remember_jti("old", "iss", future) is True
        store.remember_jti("stale", "iss", past)
        store.prune_expired_jtis()
        with store.get_engine().connect() as connection:
            left = {row.jti for row in connection.execute(select(store.seen_jti))}
    # ...and the expired one is gone.
    assert left == {"old"}


def test_remember_jti_shares_state_between_apps_on_one_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": url})
    second = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": url})
    expires = datetime.now(UTC) + timedelta(minutes=5)
    with first.app_context():
        assert store.remember_jti("j", "iss", expires) is True
    with second.app_context():
        assert store.remember_jti("j", "iss", expires) is False
    store.close(first)
    store.close(second)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("postgres://u:p@db:5432/cds", "postgresql+psycopg://u:p@db:5432/cds"),
        ("postgresql://u:p@db/cds", "postgresql+psycopg://u:p@db/cds"),
        ("postgresql+psycopg://u@db/cds", "postgresql+psycopg://u@db/cds"),
        ("sqlite:////var/lib/cds.sqlite", "sqlite:////var/lib/cds.sqlite"),
    ],
)
def test_database_url_rewrites_postgres_driver(app: Flask, configured: str, expected: str) -> None:
    app.config["DATABASE_URL"] = configured
    assert store.database_url(app) == expected


def test_default_database_is_sqlite_in_instance_folder(app: Flask) -> None:
    app.config["DATABASE_URL"] = ""
    assert store.database_url(app) == f"sqlite:///{app.instance_path}/iliac-cds.sqlite"


def test_unsupported_database_url_names_the_setting(app: Flask) -> None:
    app.config["DATABASE_URL"] = "mysql://u@db/cds"
    with pytest.raises(ConfigError, match="CDS_DATABASE_URL"):
        store.database_url(app)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", SUMMARY), ("POST", FEEDBACK)],
)
def test_feedback_endpoints_require_a_jwt_when_verification_is_on(
    tmp_path: Path, method: str, path: str
) -> None:
    secured = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'jwt.sqlite'}"})

    response = secured.test_client().open(path, method=method, json={"feedback": []})

    assert response.status_code == 401
    store.close(secured)


def test_a_real_service_call_records_its_cards(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = [card("REC-STENT"), card("REC-STENT", "critical")]
    # The clinical core has its own tests; here it only has to return cards.
    monkeypatch.setattr(pathway, "run_service", lambda *_args, **_kwargs: served)
    prefetch: dict[str, Any] = {key: None for key in service_catalog.PREFETCH_KEYS}
    prefetch["patient"] = {"resourceType": "Patient", "id": "p1"}
    call = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/u1", "patientId": "p1"},
        "prefetch": prefetch,
    }

    response = client.post(f"/cds-services/{SERVICE}", json=call)
    assert response.status_code == 200
    assert [c["uuid"] for c in response.get_json()["cards"]] == [c["uuid"] for c in served]
    client.post(FEEDBACK, json={"feedback": [accepted(served[1]["uuid"])]})

    assert client.get(SUMMARY).get_json()["recommendations"] == {
        "REC-STENT": {"served": 2, "accepted": 1, "overridden": 0, "acceptanceRate": 1.0}
    }
    with store.get_engine(app).connect() as connection:
        hook_instances = {
            row.hook_instance for row in connection.execute(select(store.served_card))
        }
    assert hook_instances == {call["hookInstance"]}
