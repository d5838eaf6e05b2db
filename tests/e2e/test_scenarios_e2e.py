"""A handful of scenarios against the real server process (gunicorn), with prefetch and with
data fetched from a loopback FHIR server."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests
from pytest_httpserver import HTTPServer

from fixtures.loader import expected, load_scenario
from tests.scenario_support import FhirServer, bundle_resources, check_response

pytestmark = pytest.mark.e2e

SCENARIOS = (
    "pv-new-left-swelling",
    "pv-acute-dvt-lmwh",
    "pv-pelvic-imaging-pregnant",
    "pv-ivus-62-candidate",
    "pv-unrelated-busy-record",
    "os-stent-59mm",
    "os-dstu2-draft-orders",
)


def test_scenarios_through_a_live_server(
    live_server: Callable[..., str], httpserver: HTTPServer
) -> None:
    base_url = live_server(server="gunicorn")
    expectations = expected()
    for name in SCENARIOS:
        bundle, hook_requests = load_scenario(name)
        server = FhirServer(bundle_resources(bundle))
        httpserver.clear()
        httpserver.expect_request(re.compile(r"^/fhir/.*")).respond_with_handler(server)
        for service_id, body in hook_requests.items():
            expect = expectations[name][service_id]
            fetched = {**body, "fhirServer": httpserver.url_for("/fhir")}
            fetched.pop("prefetch")
            prefetched = {k: v for k, v in body.items() if k != "fhirServer"}
            for mode, payload in (("prefetch", prefetched), ("fetch", fetched)):
                response = requests.post(
                    f"{base_url}/cds-services/{service_id}", json=payload, timeout=30
                )
                label = f"{name} {service_id} {mode}"
                assert response.status_code == expect.get("status", 200), (label, response.text)
                if response.status_code != 200:
                    assert response.json()["resourceType"] == "OperationOutcome", label
                    continue
                patient_ref = f"Patient/{body['context']['patientId']}"
                check_response(
                    response.json()["cards"],
                    expect,
                    patient_ref=patient_ref,
                    context=body["context"],
                )
        assert server.requests, f"{name}: the FHIR server was never queried"
