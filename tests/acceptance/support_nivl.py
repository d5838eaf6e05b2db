"""Helpers for the NIVL / stent / order-hook acceptance tests: realistic FHIR R4 records posted
through the real CDS Hooks endpoints with a pinned clock (AS_OF = the fixtures' reference day,
12:00 UTC), so `fixtures.fhir.at(days_ago)` dates are exact."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from cds_hooks import create_app
from cds_hooks.service_catalog import get_service
from fixtures.build import prefetch_for
from fixtures.fhir import (
    ICD10,
    LOCAL,
    LOINC,
    REFERENCE_DATE,
    SNOMED,
    Builder,
    at,
    coding,
    concept,
    qty,
    site,
)
from tests.scenario_support import check_resource

AS_OF = datetime(REFERENCE_DATE.year, REFERENCE_DATE.month, REFERENCE_DATE.day, 12, tzinfo=UTC)
PV = "iliac-venous-pathway"
SIGN = "iliac-venous-order-safety"
SELECT = "iliac-venous-order-select"
ICD10_OID = "urn:oid:2.16.840.1.113883.6.90"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def make_client(tmp_path: Path) -> FlaskClient:
    app = create_app(
        {
            "TESTING": True,
            "REQUIRE_JWT": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'acc.sqlite'}",
            "NOW": lambda: AS_OF,
        }
    )
    return app.test_client()


def post(
    client: FlaskClient,
    b: Builder,
    service_id: str,
    *,
    selections: list[str] | None = None,
    drafts: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> list[dict[str, Any]]:
    """POST one hook call for builder `b`'s patient; returns the cards (checked for shape)."""
    service = get_service(service_id)
    assert service is not None
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": b.patient_id}
    if service.hook in ("order-sign", "order-select"):
        context["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in (drafts or b.draft_orders)],
        }
    if service.hook == "order-select":
        context["selections"] = selections or []
    body = {
        "hook": service.hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": prefetch_for(dict(service.prefetch), b.resources, b.patient_id),
    }
    response = client.post(
        f"/cds-services/{service_id}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == status, response.get_data(as_text=True)
    if status != 200:
        return []
    cards = response.get_json()["cards"]
    for card in cards:
        assert len(card["summary"]) < 140
        for suggestion in card.get("suggestions", []):
            for action in suggestion["actions"]:
                if "resource" in action:
                    check_resource(action["resource"], b.ref, action["type"])
    return cards


def ids(cards: list[dict[str, Any]]) -> list[str]:
    return sorted(c["source"]["topic"]["code"] for c in cards)


def card(cards: list[dict[str, Any]], rec_id: str) -> dict[str, Any]:
    found = [c for c in cards if c["source"]["topic"]["code"] == rec_id]
    assert len(found) == 1, (rec_id, ids(cards))
    return found[0]


def text_of(c: dict[str, Any]) -> str:
    return f"{c['summary']}\n{c.get('detail', '')}"


# ---------------------------------------------------------------- record builders


def patient(key: str, gender: str = "female", birth: str = "1980-03-14") -> Builder:
    return Builder(key, gender=gender, birth=birth)


def left_swelling(b: Builder, days_ago: int = 20) -> str:
    return b.swelling("left", days_ago, extent="whole")


def compression_ct(b: Builder, side: str = "left", days_ago: int = 18) -> str:
    return b.ct_venography(days_ago, compression_side=side)


def no_meds(b: Builder) -> None:
    """Nothing to add: the prefetch still carries an empty MedicationRequest searchset, which
    is what 'medication list retrieved but empty' looks like."""


def nivl_workup(b: Builder, side: str = "left") -> None:
    """Unilateral whole-leg swelling, iliac compression on CT venography (negative for DVT),
    negative complete duplex, normal labs, QoL impact: everything before IVUS."""
    b.swelling(side, 20, extent="whole")
    b.duplex(side, 15)
    b.ct_venography(12, compression_side=side)
    b.normal_workup(10)
    b.qol_impact(10)


def ivus_obs(
    b: Builder, value: float, side: str = "left", *, unit: str = "%", code: str = "%",
    days_ago: int = 5,
) -> str:
    return b.local(
        "ivus-diameter-stenosis",
        "IVUS diameter stenosis",
        days_ago=days_ago,
        side=side,
        valueQuantity=qty(value, unit, code),
    )


def ivus_report(b: Builder, text: str, days_ago: int = 5) -> str:
    return b.report(
        concept(
            coding("http://www.ama-assn.org/go/cpt", "37252", "IVUS noncoronary vessel"),
            text="Venography with IVUS",
        ),
        days_ago=days_ago,
        conclusion=text,
    )


def icd_condition(
    b: Builder, code: str, display: str, *, system: str = ICD10, days_ago: int = 30,
    text: str = "", body: dict[str, Any] | None = None, status: str = "active",
) -> str:
    return b.condition(
        concept(coding(system, code, display), text=text),
        onset=at(days_ago),
        body_site=body,
        status=status,
    )


def snomed_condition(
    b: Builder, code: str, display: str, *, days_ago: int = 30, text: str = "",
    body: dict[str, Any] | None = None, status: str = "active",
) -> str:
    return icd_condition(
        b, code, display, system=SNOMED, days_ago=days_ago, text=text, body=body, status=status
    )


__all__ = [
    "AS_OF",
    "ICD10",
    "ICD10_OID",
    "LOCAL",
    "LOINC",
    "PV",
    "SELECT",
    "SIGN",
    "SNOMED",
    "at",
    "card",
    "coding",
    "concept",
    "ids",
    "make_client",
    "post",
    "qty",
    "site",
]
