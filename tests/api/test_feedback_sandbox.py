"""Feedback exactly as the CDS Hooks sandbox sends it (checklist §10-11), end to end.

The sandbox sends feedback only when the card (and, on accept, the suggestion) has a uuid, never
sends `display` or `userComment`, stamps `new Date().toISOString()` (milliseconds, `Z`), ignores
the answer, and may send the same feedback twice.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from cds_hooks.storage import store
from fixtures.loader import expected, load_scenario

SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
PATHWAY_ID = "iliac-venous-pathway"


def _scenario_with_suggestions() -> tuple[str, str]:
    for name, entry in sorted(expected().items()):
        if PATHWAY_ID in entry and entry[PATHWAY_ID].get("suggested"):
            return name, next(iter(entry[PATHWAY_ID]["suggested"]))
    raise AssertionError("no patient-view scenario with a suggestion")


def _post(client: FlaskClient, path: str, body: Any) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Origin": SANDBOX_ORIGIN},
    )


@pytest.fixture
def served(client: FlaskClient) -> tuple[str, dict[str, Any]]:
    name, rec_id = _scenario_with_suggestions()
    _, requests = load_scenario(name)
    request = requests[PATHWAY_ID]
    request.pop("fhirServer", None)
    response = _post(client, f"/cds-services/{PATHWAY_ID}", request)
    assert response.status_code == 200
    [card] = [c for c in response.get_json()["cards"] if c["source"]["topic"]["code"] == rec_id]
    return rec_id, card


def test_sandbox_accept_and_dismiss_are_stored_and_counted(
    client: FlaskClient, served: tuple[str, dict[str, Any]]
) -> None:
    rec_id, card = served
    url = f"/cds-services/{PATHWAY_ID}/feedback"
    accept = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2026-11-27T17:03:41.237Z",
            }
        ]
    }
    reason = card.get("overrideReasons", [{"system": "urn:x", "code": "not-relevant"}])[0]
    dismiss = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-27T17:04:02.001Z",
                # The sandbox copies only code and system from the card's override reason.
                "overrideReason": {"reason": {"code": reason["code"], "system": reason["system"]}},
            }
        ]
    }
    bare_dismiss = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-27T17:05:00.000Z",
            }
        ]
    }
    for body in (accept, dismiss, bare_dismiss, accept, dismiss):  # repeats are stored once
        response = _post(client, url, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {}
        assert response.headers["Access-Control-Allow-Origin"] == "*"

    summary = client.get(url + "/summary").get_json()["recommendations"][rec_id]
    assert summary["served"] == 1
    assert summary["accepted"] == 1
    assert summary["overridden"] == 2
    assert summary["overrideReasons"] == {reason["code"]: 1}


def test_feedback_url_with_trailing_slash(client: FlaskClient) -> None:
    body = {
        "feedback": [
            {
                "card": "f6b95768-b1c8-40dc-8385-bf3504b82ffb",
                "outcome": "overridden",
                "outcomeTimestamp": "2020-12-11T00:00:00Z",
            }
        ]
    }
    assert _post(client, f"/cds-services/{PATHWAY_ID}/feedback/", body).status_code == 200


def test_feedback_preflight_from_the_sandbox(client: FlaskClient) -> None:
    response = client.open(
        f"/cds-services/{PATHWAY_ID}/feedback",
        method="OPTIONS",
        headers={
            "Origin": SANDBOX_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_feedback_store_down_is_a_json_503_with_cors(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise OperationalError("INSERT INTO feedback", {}, Exception("connection refused"))

    monkeypatch.setattr(store, "save_feedback", broken)
    body = {
        "feedback": [
            {
                "card": "f6b95768-b1c8-40dc-8385-bf3504b82ffb",
                "outcome": "overridden",
                "outcomeTimestamp": "2020-12-11T00:00:00Z",
            }
        ]
    }
    response = _post(client, f"/cds-services/{PATHWAY_ID}/feedback", body)
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "INSERT" not in response.get_data(as_text=True)
