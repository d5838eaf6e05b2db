"""The real CDS Hooks Sandbox (its production build from shared/, served on loopback) driven in
headless Chromium against this service with JWT checks on (the sandbox's public ES384 key
pinned) and a small loopback FHIR R4 server of our own that serves one scenario patient.

Patient View renders our patient-view cards; Rx View (order-select) with a "Treating" condition
and Rx Sign (order-sign) render the order card for a drafted anticoagulant in a stented patient.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask

from fixtures.loader import load_scenario
from tests.browser.conftest import screenshot, unavailable
from tests.browser.servers import FhirR4Server, serve_static, serve_wsgi
from tests.scenario_support import bundle_resources
from tests.shared_paths import CDS_HOOKS_SPEC, SHARED

pytestmark = pytest.mark.browser

SANDBOX_BUILD = SHARED / "cds-hooks-sandbox" / "build"
SANDBOX_JWKS = CDS_HOOKS_SPEC / "sandbox" / "sandbox-jwks.json"
SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"
# A stented patient on apixaban, no prior VTE: patient-view gives the antithrombotic review; a
# newly drafted anticoagulant gives the order hooks' version of it.
SCENARIO = "pv-stent-on-apixaban"
ORDER_CARD = "post-stent-antithrombotic-review"
# With a "Treating" condition the sandbox drafts MedicationRequest.reasonCode (and category) as
# a single object instead of R4's list: the order card must still appear (issue 13).


@dataclass
class Sandbox:
    url: str  # the sandbox page
    service: str  # our discovery URL
    fhir: str
    patient_id: str
    fhir_server: FhirR4Server

    def open(self, page: Any, screen: str, hook: str) -> None:
        query = urlencode(
            {
                "fhirServiceUrl": self.fhir,
                "patientId": self.patient_id,
                "serviceDiscoveryURL": self.service,
                "hook": hook,
                "screen": screen,
            }
        )
        page.goto(f"{self.url}/?{query}")


@pytest.fixture
def sandbox(make_app: Callable[..., Flask]) -> Iterator[Sandbox]:
    if not (SANDBOX_BUILD / "index.html").is_file() or not SANDBOX_JWKS.is_file():
        unavailable(f"the sandbox build is not at {SANDBOX_BUILD}")
    jwks = json.loads(SANDBOX_JWKS.read_text())
    bundle, hook_requests = load_scenario(SCENARIO)
    patient_id = next(iter(hook_requests.values()))["context"]["patientId"]
    fhir = FhirR4Server(bundle_resources(bundle))
    with serve_wsgi(fhir) as fhir_base:
        app = make_app(
            TESTING=False,
            REQUIRE_JWT=True,
            JWT_ISSUERS={SANDBOX_ISSUER: {"jku": SANDBOX_JKU, "jwks": jwks}},
            # JWT checks on: a loopback FHIR server is fetched from only when listed (issue 15).
            FHIR_ALLOWED_ORIGINS=fhir_base,
        )
        with serve_wsgi(app) as service, serve_static(SANDBOX_BUILD) as sandbox_url:
            yield Sandbox(
                sandbox_url, f"{service}/cds-services", f"{fhir_base}/fhir", patient_id, fhir
            )


def _service_call(
    page: Any, service_id: str, action: Callable[[], None], carrying: str = ""
) -> dict[str, Any]:
    """Run `action`, wait for the sandbox's POST to our service (whose body holds `carrying`,
    e.g. the drafted drug, not an earlier call without it), return the answer."""
    with page.expect_response(
        lambda r: (
            r.url.endswith(f"/cds-services/{service_id}")
            and r.request.method == "POST"
            and carrying in (r.request.post_data or "")
        ),
        timeout=30_000,
    ) as info:
        action()
    response = info.value
    assert response.status == 200, response.text()
    # Signed by the sandbox and verified by us (a bad token would have been a 401).
    assert response.request.headers.get("authorization", "").startswith("Bearer ")
    return response.json()


def _shows_card(page: Any, card: dict[str, Any]) -> None:
    page.get_by_text(card["summary"], exact=True).first.wait_for(timeout=15_000)


def _draft_rivaroxaban(page: Any, *, treating: bool) -> None:
    if treating:
        page.locator("#react-select-3-input").click(force=True)
        page.locator("[id^=react-select-3-option]").first.click()
    # One input event: the sandbox's controlled field resets per keystroke while it debounces.
    page.fill("input[name=medication-input]", "rivaroxaban")
    page.locator(
        "ul.MuiList-root [role=button]", has_text="rivaroxaban 10 MG Oral Tablet"
    ).first.click()


def test_sandbox_patient_view_renders_our_cards(sandbox: Sandbox, page: Any) -> None:
    answer = _service_call(
        page,
        "iliac-venous-pathway",
        lambda: sandbox.open(page, "patient-view", "patient-view"),
    )
    ids = [card["source"]["topic"]["code"] for card in answer["cards"]]
    assert ids == [ORDER_CARD]
    for card in answer["cards"]:
        _shows_card(page, card)
    # The sandbox filled the prefetch from our loopback FHIR server.
    assert any("_search" in r or "Patient/" in r for r in sandbox.fhir_server.requests)
    screenshot(page, "sandbox-patient-view")


def _open_rx(page: Any, sandbox: Sandbox, screen: str, hook: str) -> None:
    sandbox.open(page, screen, hook)
    page.wait_for_selector("input[name=medication-input]")
    # The condition list is filled from the FHIR server: wait until the patient is loaded.
    page.get_by_text(f"ID: {sandbox.patient_id}").first.wait_for()


@pytest.mark.parametrize(
    ("treating", "shot"),
    [(False, "sandbox-rx-view-no-reason"), (True, "sandbox-rx-view")],
    ids=["without-reason", "treating-condition"],
)
def test_sandbox_rx_view_renders_the_order_card(
    sandbox: Sandbox, page: Any, treating: bool, shot: str
) -> None:
    """The same order card with or without a Treating condition (whose `reasonCode` the
    sandbox sends as a single object)."""
    _open_rx(page, sandbox, "rx-view", "order-select")
    answer = _service_call(
        page,
        "iliac-venous-order-select",
        lambda: _draft_rivaroxaban(page, treating=treating),
        carrying="rivaroxaban",
    )
    screenshot(page, shot)
    ids = [card["source"]["topic"]["code"] for card in answer["cards"]]
    assert ids == [ORDER_CARD]
    _shows_card(page, answer["cards"][0])


def test_sandbox_rx_sign_renders_the_order_card(sandbox: Sandbox, page: Any) -> None:
    _open_rx(page, sandbox, "rx-sign", "order-sign")
    _draft_rivaroxaban(page, treating=False)
    answer = _service_call(
        page,
        "iliac-venous-order-safety",
        lambda: page.get_by_role("button", name="Sign order").click(),
        carrying="rivaroxaban",
    )
    screenshot(page, "sandbox-rx-sign")
    ids = [card["source"]["topic"]["code"] for card in answer["cards"]]
    assert ids == [ORDER_CARD]
    _shows_card(page, answer["cards"][0])
