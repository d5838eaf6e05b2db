"""POST /cds-services/{id}/explain: same request and checks as the hook; its fired ids are the
hook's cards for every scenario; findings carry their FHIR references; nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks.storage import store
from fixtures.loader import expected, load_scenario, scenario_names

PATHWAY = "iliac-venous-pathway"


def _request(name: str, service_id: str) -> dict[str, Any]:
    _, hook_requests = load_scenario(name)
    body = hook_requests[service_id]
    body.pop("fhirServer", None)
    return body


def _explain(client: FlaskClient, name: str, service_id: str = PATHWAY) -> dict[str, Any]:
    response = client.post(f"/cds-services/{service_id}/explain", json=_request(name, service_id))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _stage(answer: dict[str, Any], stage_id: str) -> dict[str, Any]:
    [stage] = [s for s in answer["pathway"]["stages"] if s["id"] == stage_id]
    return stage


def _input(stage: dict[str, Any], input_id: str) -> Any:
    [item] = [i for i in stage["inputs"] if i["id"] == input_id]
    return item


def test_fired_ids_are_the_hooks_cards_for_every_scenario(client: FlaskClient) -> None:
    checked = 0
    for name in scenario_names():
        _, hook_requests = load_scenario(name)
        for service_id, body in hook_requests.items():
            body.pop("fhirServer", None)
            expect = expected()[name][service_id]
            answer = client.post(f"/cds-services/{service_id}/explain", json=body)
            assert answer.status_code == expect.get("status", 200), (name, service_id)
            if answer.status_code != 200:
                assert answer.get_json()["resourceType"] == "OperationOutcome"
                continue
            recs = answer.get_json()["recommendations"]
            fired = sorted(r["id"] for r in recs if r["fired"])
            assert fired == sorted(expect["ids"]), (name, service_id)
            for rec in recs:
                if not rec["fired"]:
                    assert isinstance(rec["reason"], str) and rec["reason"], (name, rec)
            checked += 1
    assert checked > 80


def test_findings_carry_fhir_references(client: FlaskClient) -> None:
    answer = _explain(client, "pv-ivus-62-candidate")
    ivus = [f for f in answer["findings"] if f["kind"] == "IvusStenosis"]
    assert ivus and ivus[0]["ref"] == "Observation/pv29-observation-11"
    assert ivus[0]["side"] == "left" and ivus[0]["details"]["percent"] == 62
    assert all(f["ref"] is None or "/" in f["ref"] for f in answer["findings"])
    stent = _stage(answer, "stent-criteria")
    assert stent["reached"] and stent["current"]
    assert stent["outcome"] == "stent criteria met"
    assert _input(stent, "ivus")["value"] == "62% diameter (left)"
    assert _input(stent, "ivus")["refs"] == ["Observation/pv29-observation-11"]
    assert _input(stent, "lesion-behavior")["value"] == "fixed"
    assert _stage(answer, "dvt-rule-out")["outcome"] == "DVT excluded"
    assert not _stage(answer, "dvt-treatment")["reached"]


def test_unknown_inputs_are_none_never_guessed(client: FlaskClient) -> None:
    answer = _explain(client, "pv-new-left-swelling")
    rule_out = _stage(answer, "dvt-rule-out")
    assert rule_out["current"] and rule_out["outcome"] == "DVT not excluded: imaging needed"
    assert _input(rule_out, "duplex-left")["value"] is None
    assert _input(rule_out, "dvt-status-left")["value"] == "not-excluded"
    assert _input(_stage(answer, "stent-criteria"), "ivus")["value"] is None


def test_dvt_treatment_stage(client: FlaskClient) -> None:
    answer = _explain(client, "pv-acute-dvt-lmwh")
    treatment = _stage(answer, "dvt-treatment")
    assert treatment["reached"] and treatment["current"]
    assert treatment["outcome"] == "needs anticoagulation"
    assert _input(treatment, "weight")["value"] == "80 kg"
    assert _input(treatment, "dvt-level")["value"] == "proximal"


def test_post_stent_stage(client: FlaskClient) -> None:
    answer = _explain(client, "pv-stent-surveillance-due")
    post = _stage(answer, "post-stent")
    assert post["reached"] and post["current"]
    assert post["outcome"] == "surveillance imaging due"
    assert _input(post, "prior-vte")["value"] == "yes"


def test_relevance_gate_is_the_reason(client: FlaskClient) -> None:
    answer = _explain(client, "pv-chronic-swelling-no-context")
    assert answer["inScope"] is False
    assert "no iliac context" in answer["gate"]
    assert all(not r["fired"] and r["reason"] == answer["gate"] for r in answer["recommendations"])


def test_order_hook_explanation(client: FlaskClient) -> None:
    answer = _explain(client, "os-stent-59mm", "iliac-venous-order-safety")
    recs = {r["id"]: r for r in answer["recommendations"]}
    assert set(recs) == {
        "stent-length-too-short",
        "stent-diameter-sizing",
        "stent-without-ivus-confirmation",
        "ivc-filter-not-indicated",
        "thrombolysis-not-indicated",
        "post-stent-antithrombotic-review",
    }
    assert recs["stent-length-too-short"]["fired"]
    assert recs["ivc-filter-not-indicated"]["reason"] == (
        "no ivc-filter order among the draft orders"
    )
    assert [o["kind"] for o in answer["draftOrders"]] == ["stent"]
    assert answer["draftOrders"][0]["details"]["length_mm"] == 59


def test_order_select_names_the_selection(client: FlaskClient) -> None:
    answer = _explain(client, "os-select-filter-only", "iliac-venous-order-select")
    recs = {r["id"]: r for r in answer["recommendations"]}
    assert "selected draft orders" in recs["stent-length-too-short"]["reason"]


def test_nothing_is_stored(app: Flask, client: FlaskClient) -> None:
    _explain(client, "pv-acute-dvt-lmwh")
    with app.app_context():
        assert store.feedback_summary(PATHWAY) == {}
    client.post(f"/cds-services/{PATHWAY}", json=_request("pv-acute-dvt-lmwh", PATHWAY))
    with app.app_context():
        assert store.feedback_summary(PATHWAY)["dvt-anticoagulation-lmwh"]["served"] == 1


@pytest.mark.parametrize(
    ("path", "kwargs", "status"),
    [
        ("/cds-services/nope/explain", {"json": {}}, 404),
        (f"/cds-services/{PATHWAY}/explain", {"data": "x", "content_type": "text/plain"}, 415),
        (
            f"/cds-services/{PATHWAY}/explain",
            {"data": "{", "content_type": "application/json"},
            400,
        ),
        (f"/cds-services/{PATHWAY}/explain", {"json": {"hook": "order-sign"}}, 400),
    ],
)
def test_bad_requests_are_operation_outcomes(
    client: FlaskClient, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = client.post(path, **kwargs)
    assert response.status_code == status
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_explain_needs_the_same_jwt(make_app: Callable[..., Flask]) -> None:
    client = make_app(REQUIRE_JWT=True).test_client()
    response = client.post(
        f"/cds-services/{PATHWAY}/explain", json=_request("pv-acute-dvt-lmwh", PATHWAY)
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def _reason(client: FlaskClient, name: str, rec_id: str) -> str | None:
    recs = {r["id"]: r for r in _explain(client, name)["recommendations"]}
    return None if recs[rec_id]["fired"] else recs[rec_id]["reason"]


def test_every_silent_rule_says_why(client: FlaskClient) -> None:
    """Each rule names the condition that kept it silent (guideline.trace), in every scenario."""
    for name in scenario_names():
        _, hook_requests = load_scenario(name)
        for service_id, body in hook_requests.items():
            body.pop("fhirServer", None)
            answer = client.post(f"/cds-services/{service_id}/explain", json=body)
            if answer.status_code != 200:
                continue
            for rec in answer.get_json()["recommendations"]:
                assert rec["fired"] or rec["reason"] != "its conditions are not met", (name, rec)


def test_silence_reasons_at_thresholds(client: FlaskClient) -> None:
    # Systolic 89 (< 90) fires; 90 is not severe hypotension.
    assert _reason(client, "pv-thrombolysis-sbp-89", "thrombolysis-consider") is None
    assert _reason(client, "pv-thrombolysis-sbp-90", "thrombolysis-consider") == (
        "no severe hypotension or shock"
    )
    # Platelets 49 (< 50) contraindicate anticoagulation; 50 does not.
    assert _reason(client, "pv-dvt-platelets-49", "dvt-anticoagulation-lmwh") == (
        "anticoagulation is contraindicated"
    )
    assert _reason(client, "pv-dvt-platelets-50", "dvt-anticoagulation-lmwh") is None
    # IVUS 61% is not above the threshold; 62% is.
    assert _reason(client, "pv-ivus-61-not-indicated", "nivl-stent-candidate") == (
        "a reason against stenting is present"
    )
    assert _reason(client, "pv-ivus-62-candidate", "nivl-stent-candidate") is None
    assert _reason(client, "pv-acute-dvt-lmwh", "thrombolysis-consider") == (
        "no limb-threatening ischemia"
    )
    assert _reason(client, "pv-stent-recent", "post-stent-surveillance") == (
        "the stent was placed less than 30 days ago"
    )
