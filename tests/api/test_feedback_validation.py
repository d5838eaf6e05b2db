"""POST /cds-services/<id>/feedback: every validation rule of CDS Hooks 2.0.1 §Feedback."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cds_hooks import create_app
from cds_hooks.storage import store

SERVICE = "iliac-venous-pathway"
URL = f"/cds-services/{SERVICE}/feedback"
CARD = "9b8f1d2c-3a4e-4f5b-8c6d-7e8f9a0b1c2d"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": database_url})
    yield app
    store.close(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def accepted(**changes: Any) -> dict[str, Any]:
    entry = {
        "card": CARD,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
        "outcomeTimestamp": "2026-11-27T10:15:30.52Z",
    }
    entry.update(changes)
    return entry


def overridden(**changes: Any) -> dict[str, Any]:
    entry = {
        "card": CARD,
        "outcome": "overridden",
        "overrideReason": {
            "reason": {"system": "urn:iliac-cds:override", "code": "not-applicable"},
            "userComment": "patient already on anticoagulation",
        },
        "outcomeTimestamp": "2026-11-27T10:15:30Z",
    }
    entry.update(changes)
    return entry


def without(entry: dict[str, Any], key: str) -> dict[str, Any]:
    trimmed = copy.deepcopy(entry)
    del trimmed[key]
    return trimmed


def stored_rows(app: Flask) -> list[dict[str, Any]]:
    with store.get_engine(app).connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(store.feedback))]


def diagnostics(response: Any) -> str:
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "entry",
    [
        accepted(),
        overridden(),
        overridden(overrideReason={"userComment": "not relevant"}),
        overridden(overrideReason={"reason": {"system": "s", "code": "c", "display": "C"}}),
        without(overridden(), "overrideReason"),
        accepted(outcomeTimestamp="2026-11-27T10:15:30+00:00"),
        accepted(outcomeTimestamp="2026-11-27t10:15:30.123456789z"),
        accepted(extension={"com.example.x": 1}),
    ],
    ids=[
        "accepted",
        "overridden-reason-and-comment",
        "overridden-comment-only",
        "overridden-reason-only",
        "overridden-no-reason",
        "offset-plus-zero",
        "lowercase-nanoseconds",
        "extension-ignored",
    ],
)
def test_valid_feedback_is_stored_and_answered_with_empty_object(
    app: Flask, client: FlaskClient, entry: dict[str, Any]
) -> None:
    response = client.post(URL, json={"feedback": [entry]})

    assert response.status_code == 200
    assert response.get_json() == {}
    assert len(stored_rows(app)) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], 'body must be a JSON object {"feedback": [...]}'),
        ({}, "feedback: is required"),
        ({"feedback": []}, "feedback: must not be empty"),
        ({"feedback": {}}, "feedback: must be an array"),
        ({"feedback": ["x"]}, "feedback[0]: must be an object"),
        ({"feedback": [without(accepted(), "card")]}, "feedback[0].card: is required"),
        ({"feedback": [accepted(card="not-a-uuid")]}, "feedback[0].card: must be a uuid"),
        ({"feedback": [accepted(card=12)]}, "feedback[0].card: must be a string"),
        (
            {"feedback": [accepted(), accepted(outcome="ignored")]},
            "feedback[1].outcome: must be one of 'accepted' or 'overridden'",
        ),
        ({"feedback": [without(accepted(), "outcome")]}, "feedback[0].outcome: is required"),
        (
            {"feedback": [without(accepted(), "acceptedSuggestions")]},
            "feedback[0]: acceptedSuggestions is required and non-empty when accepted",
        ),
        (
            {"feedback": [accepted(acceptedSuggestions=[])]},
            "feedback[0]: acceptedSuggestions is required and non-empty when accepted",
        ),
        (
            {"feedback": [accepted(acceptedSuggestions=[{}])]},
            "feedback[0].acceptedSuggestions[0].id: is required",
        ),
        (
            {"feedback": [accepted(acceptedSuggestions=[{"id": ""}])]},
            "feedback[0].acceptedSuggestions[0].id: must not be empty",
        ),
        (
            {"feedback": [overridden(acceptedSuggestions=[{"id": "a"}])]},
            "feedback[0]: acceptedSuggestions is only allowed when outcome is accepted",
        ),
        (
            {"feedback": [accepted(overrideReason={"userComment": "x"})]},
            "feedback[0]: overrideReason is only allowed when outcome is overridden",
        ),
        (
            {"feedback": [overridden(overrideReason={})]},
            "feedback[0].overrideReason: needs a reason (Coding) or a userComment",
        ),
        (
            {"feedback": [overridden(overrideReason={"reason": {"code": "c"}})]},
            "feedback[0].overrideReason.reason.system: is required",
        ),
        (
            {"feedback": [overridden(overrideReason={"reason": {"system": "s", "code": ""}})]},
            "feedback[0].overrideReason.reason.code: must not be empty",
        ),
        (
            {"feedback": [without(accepted(), "outcomeTimestamp")]},
            "feedback[0].outcomeTimestamp: is required",
        ),
        (
            {"feedback": [accepted(outcomeTimestamp="2026-11-27T10:15:30+01:00")]},
            "feedback[0].outcomeTimestamp: must be an RFC 3339 UTC instant",
        ),
        (
            {"feedback": [accepted(outcomeTimestamp="2026-11-27T10:15:30")]},
            "feedback[0].outcomeTimestamp: must be an RFC 3339 UTC instant",
        ),
        (
            {"feedback": [accepted(outcomeTimestamp="2026-11-27T10:15:30-00:00")]},
            "feedback[0].outcomeTimestamp: must be an RFC 3339 UTC instant",
        ),
        (
            {"feedback": [accepted(outcomeTimestamp="2026-02-30T10:15:30Z")]},
            "feedback[0].outcomeTimestamp: is not a valid calendar date and time",
        ),
        (
            {"feedback": [accepted(outcomeTimestamp=1764238530)]},
            "feedback[0].outcomeTimestamp: must be a string",
        ),
    ],
)
def test_invalid_feedback_gets_400_naming_entry_and_field(
    app: Flask, client: FlaskClient, body: Any, expected: str
) -> None:
    response = client.post(URL, json=body)

    assert response.status_code == 400
    assert diagnostics(response).startswith(expected)
    assert stored_rows(app) == []


def test_one_bad_entry_rejects_the_whole_request(app: Flask, client: FlaskClient) -> None:
    other = str(uuid.uuid4())
    response = client.post(URL, json={"feedback": [accepted(card=other), accepted(card="bad")]})

    assert response.status_code == 400
    assert stored_rows(app) == []


def test_many_errors_are_summarised(client: FlaskClient) -> None:
    response = client.post(URL, json={"feedback": [{}, {}]})

    assert response.status_code == 400
    assert diagnostics(response).endswith("(and 3 more)")


def test_non_json_content_type_gets_415(client: FlaskClient) -> None:
    response = client.post(URL, data="feedback", content_type="text/plain")

    assert response.status_code == 415
    assert diagnostics(response)


def test_malformed_json_gets_400(client: FlaskClient) -> None:
    response = client.post(URL, data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert diagnostics(response) == "body is not valid JSON"


def test_unknown_service_gets_404(client: FlaskClient) -> None:
    body = {"feedback": [accepted()]}
    response = client.post("/cds-services/no-such-service/feedback", json=body)

    assert response.status_code == 404
    assert "no-such-service" in diagnostics(response)


@pytest.mark.parametrize(
    "service_id",
    ["iliac-venous-pathway", "iliac-venous-order-safety", "iliac-venous-order-select"],
)
def test_every_service_accepts_feedback(client: FlaskClient, service_id: str) -> None:
    response = client.post(f"/cds-services/{service_id}/feedback", json={"feedback": [accepted()]})

    assert response.status_code == 200


def test_stored_row_keeps_codes_but_not_the_comment_text(app: Flask, client: FlaskClient) -> None:
    client.post(URL, json={"feedback": [overridden(card=CARD.upper())]})

    [row] = stored_rows(app)
    assert row["card_uuid"] == CARD  # canonical form, so it joins with the served card
    assert row["service_id"] == SERVICE
    assert row["outcome"] == "overridden"
    assert row["override_reason_system"] == "urn:iliac-cds:override"
    assert row["override_reason_code"] == "not-applicable"
    assert row["override_reason_display"] is None
    assert row["has_user_comment"] is True
    assert row["accepted_suggestions"] == []
    assert "anticoagulation" not in repr(row)


def test_accepted_row_keeps_suggestion_ids(app: Flask, client: FlaskClient) -> None:
    client.post(URL, json={"feedback": [accepted()]})

    [row] = stored_rows(app)
    assert row["accepted_suggestions"] == ["e56e1945-20b3-4393-8503-a1a20fd73152"]
    assert row["has_user_comment"] is False
    assert row["outcome_timestamp"] == "2026-11-27T10:15:30.520000Z"


def test_repeated_feedback_is_stored_once(app: Flask, client: FlaskClient) -> None:
    body = {"feedback": [accepted(), overridden(), accepted()]}
    for _ in range(3):
        assert client.post(URL, json=body).status_code == 200
    # The same instant spelled differently is the same feedback.
    same_instant = accepted(outcomeTimestamp="2026-11-27T10:15:30.520+00:00")
    assert client.post(URL, json={"feedback": [same_instant]}).status_code == 200

    with store.get_engine(app).connect() as connection:
        count = connection.execute(select(func.count()).select_from(store.feedback)).scalar()
    assert count == 2


def test_same_card_at_a_later_time_is_new_feedback(app: Flask, client: FlaskClient) -> None:
    client.post(URL, json={"feedback": [accepted()]})
    client.post(URL, json={"feedback": [accepted(outcomeTimestamp="2026-11-27T10:16:00Z")]})

    assert len(stored_rows(app)) == 2
