"""The real server process (flask and gunicorn) as the CDS Hooks sandbox reaches it from a
browser: a discovery URL typed with a trailing slash, service URLs built from it, preflights,
and the JSON media types real clients send."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from cds_hooks.service_catalog import PREFETCH_KEYS

pytestmark = pytest.mark.e2e

SANDBOX = "https://sandbox.cds-hooks.org"
PREFLIGHT = {
    "Origin": SANDBOX,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
    "Access-Control-Request-Private-Network": "true",
}


@pytest.mark.parametrize("server", ["flask", "gunicorn"])
def test_sandbox_with_a_trailing_slash_discovery_url(
    live_server: Callable[..., str], server: str
) -> None:
    base_url = live_server({}, server=server)
    discovery_url = f"{base_url}/cds-services/"  # as typed into the sandbox
    discovery = requests.get(discovery_url, headers={"Origin": SANDBOX}, timeout=10)
    assert discovery.status_code == 200
    assert discovery.headers["Access-Control-Allow-Origin"] == "*"
    service_id = discovery.json()["services"][0]["id"]

    service_url = f"{discovery_url}/{service_id}"  # the sandbox's `${discoveryUrl}/${id}`
    preflight = requests.options(service_url, headers=PREFLIGHT, timeout=10, allow_redirects=False)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Private-Network"] == "true"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()

    body = {
        "hook": "patient-view",
        "hookInstance": "0d4f3c86-6f0a-4c41-9a3d-7a51b1f8e2a0",
        "context": {"userId": "Practitioner/COREPRACTITIONER1", "patientId": "smart-1288992"},
        "prefetch": dict.fromkeys(PREFETCH_KEYS),
    }
    for content_type in ("application/json", "application/json; charset=utf-8"):
        answer = requests.post(
            service_url,
            json=body,
            headers={"Content-Type": content_type, "Origin": SANDBOX},
            timeout=10,
            allow_redirects=False,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"cards": []}
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
