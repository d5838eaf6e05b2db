"""/demo in a real Chromium: the page calls the service like an EHR (demo JWT issuer, JWT
checks on), renders each scenario's expected cards, accepts a suggestion, overrides a card with
a reason, and the feedback lands in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from cds_hooks.storage import store
from fixtures.loader import expected
from tests.browser.conftest import screenshot
from tests.browser.servers import serve_wsgi

PATHWAY = "iliac-venous-pathway"

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_app(make_app: Callable[..., Flask]) -> Flask:
    # JWT checks on with no configured issuer: only the demo's own issuer is trusted.
    return make_app(DEMO=True, REQUIRE_JWT=True, TESTING=False)


@pytest.fixture
def demo_url(demo_app: Flask) -> Iterator[str]:
    with serve_wsgi(demo_app) as base_url:
        yield base_url


def open_scenario(page: Any, demo_url: str, name: str) -> None:
    page.goto(f"{demo_url}/demo?scenario={name}")
    page.wait_for_selector("#pv-cards[data-state='done']")


def visible_ids(page: Any, container: str = "#pv-cards") -> list[str]:
    cards = page.locator(f"{container} .card")
    return sorted(
        cards.nth(i).get_attribute("data-recommendation")
        for i in range(cards.count())
        if cards.nth(i).is_visible()
    )


def card(page: Any, rec_id: str, container: str = "#pv-cards") -> Any:
    return page.locator(f"{container} .card[data-recommendation='{rec_id}']")


def test_demo_cards_accept_override_and_feedback_stored(
    demo_url: str, demo_app: Flask, page: Any
) -> None:
    expectations = expected()

    open_scenario(page, demo_url, "pv-pelvic-imaging")
    assert visible_ids(page) == expectations["pv-pelvic-imaging"][PATHWAY]["ids"]
    imaging = card(page, "pelvic-venous-imaging")
    assert "indicator-" in (imaging.get_attribute("class") or "")
    # The markdown detail is rendered (lists, bold), not shown as source text.
    assert imaging.locator(".detail li").count() > 0
    assert "**" not in imaging.locator(".detail").inner_text()
    imaging.locator("button.suggestion", has_text="CT venography").click()
    created = imaging.locator(".would-create pre")
    created.first.wait_for()
    assert '"resourceType": "ServiceRequest"' in created.first.inner_text()
    page.wait_for_selector(".card[data-recommendation='pelvic-venous-imaging'][data-feedback]")
    assert imaging.get_attribute("data-feedback") == "sent"
    assert imaging.locator("button.suggestion").first.is_disabled()
    screenshot(page, "demo-pv-pelvic-imaging-accepted")

    name = "pv-thrombolysis-sbp-89"
    open_scenario(page, demo_url, name)
    assert visible_ids(page) == sorted(expectations[name][PATHWAY]["ids"])
    lytic = card(page, "thrombolysis-consider")
    lytic.locator("button.override").click()
    form = lytic.locator("form.override-form")
    # A reason is required: an empty override is refused by the page.
    form.locator("select").select_option("other")
    form.locator("button.confirm-override").click()
    assert lytic.get_attribute("data-outcome") is None
    form.locator("input[name='comment']").fill("Hemodynamics improved after fluids")
    form.locator("button.confirm-override").click()
    page.wait_for_selector(".card[data-recommendation='thrombolysis-consider'][data-feedback]")
    assert lytic.get_attribute("data-feedback") == "sent"
    assert lytic.get_attribute("data-outcome") == "overridden"
    lmwh = card(page, "dvt-anticoagulation-lmwh")
    lmwh.locator("button.suggestion").first.click()
    page.wait_for_selector(".card[data-recommendation='dvt-anticoagulation-lmwh'][data-feedback]")
    assert '"resourceType": "MedicationRequest"' in lmwh.locator(".would-create pre").inner_text()
    screenshot(page, "demo-pv-thrombolysis-overridden")
    assert page.js_errors == []

    with demo_app.app_context():
        summary = store.feedback_summary(PATHWAY)
    assert summary["pelvic-venous-imaging"]["accepted"] == 1
    assert summary["dvt-anticoagulation-lmwh"]["accepted"] == 1
    assert summary["thrombolysis-consider"]["overridden"] == 1
    assert summary["thrombolysis-consider"]["accepted"] == 0


def test_demo_order_panel_fires_order_select_and_sign(demo_url: str, page: Any) -> None:
    open_scenario(page, demo_url, "pv-ivus-62-candidate")
    assert visible_ids(page) == ["nivl-stent-candidate"]
    # A card without suggestions shows no leftover placeholder text.
    assert "null" not in card(page, "nivl-stent-candidate").inner_text()
    calls: list[str] = []
    page.on(
        "request",
        lambda r: calls.append(r.url.rsplit("/", 1)[-1]) if "/cds-services/" in r.url else None,
    )
    page.select_option("#order-kind", "stent")
    page.fill("input[name='diameter']", "15")
    page.fill("input[name='length']", "50")
    page.wait_for_selector("#order-cards .card[data-recommendation='stent-length-too-short']")
    assert "iliac-venous-order-select" in calls
    page.fill("input[name='length']", "80")
    page.wait_for_function(
        '() => !document.querySelector("#order-cards .card[data-recommendation='
        "'stent-length-too-short']\") && document.querySelector('#order-cards')"
        ".dataset.state === 'done'"
    )
    page.fill("input[name='length']", "40")
    page.click("#sign-order")
    page.wait_for_function(
        "() => document.querySelector('#order-status').textContent.includes('order-sign')"
    )
    assert "iliac-venous-order-safety" in calls
    assert "stent-length-too-short" in visible_ids(page, "#order-cards")
    assert page.js_errors == []


def test_demo_markdown_renderer_escapes_html(demo_url: str, page: Any) -> None:
    page.goto(f"{demo_url}/demo")
    html = page.evaluate(
        """async () => {
            const m = await import('/demo/static/markdown.js');
            return m.renderMarkdown(
              '<img src=x onerror="window.pwned=1"> **bold** [doi](https://doi.org/1)\\n\\n' +
              '- item <b>x</b>\\n- [bad](javascript:alert(1))\\n\\n> quoted'
            );
        }"""
    )
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img" in html and "<strong>bold</strong>" in html
    assert '<a href="https://doi.org/1"' in html
    assert "javascript:" not in html.split("href=")[-1] or 'href="javascript' not in html
    assert "<blockquote>quoted</blockquote>" in html
    assert "<li>item &lt;b&gt;x&lt;/b&gt;</li>" in html


def test_demo_shows_every_patient_view_scenario(demo_url: str, page: Any) -> None:
    """Every scenario picked from the list shows exactly its expected cards and its pathway."""
    expectations = expected()
    page.goto(f"{demo_url}/demo")
    page.wait_for_selector("body[data-ready='true']")
    checked = 0
    for name, entry in expectations.items():
        if PATHWAY not in entry or entry[PATHWAY].get("status", 200) != 200:
            continue
        page.select_option("#scenario-select", name)
        page.wait_for_function(
            f"() => document.querySelector('#pv-cards').dataset.scenario === {name!r}"
        )
        assert visible_ids(page) == sorted(entry[PATHWAY]["ids"]), name
        assert page.locator(".pathway-chart .stage").count() == 5, name
        checked += 1
    assert checked > 60
    assert page.js_errors == []


def test_demo_replays_a_scenarios_draft_orders(demo_url: str, page: Any) -> None:
    open_scenario(page, demo_url, "os-stent-59mm")
    page.click("#replay-scenario-order")
    page.wait_for_selector("#order-cards .card[data-recommendation='stent-length-too-short']")
    assert (
        visible_ids(page, "#order-cards")
        == expected()["os-stent-59mm"]["iliac-venous-order-safety"]["ids"]
    )
