"""Routes of the demo page: the page itself, its static assets, and a small JSON API that hands
the page the scenario patients (their prefetch and hook requests) and demo-issuer tokens.

The page then posts the hook requests to `/cds-services/...` itself, exactly as an EHR would.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from cds_hooks.demo.issuer import DemoIssuer
from cds_hooks.demo.summary import summarize
from fixtures import loader

STATIC = resources.files("cds_hooks.demo") / "static"

blueprint = Blueprint(
    "cds_demo",
    __name__,
    static_folder="static",
    static_url_path="/demo/static",
)

# Only service paths get a token: the demo issuer signs nothing else.
_SERVICE_PATH = re.compile(r"^/cds-services(/(?!\.\.?(?:/|$))[A-Za-z0-9._-]+){0,2}$")
# The page renders card markdown itself; this policy keeps any script a card could smuggle in
# from running (defence in depth behind the renderer's HTML escaping).
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@blueprint.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@blueprint.get("/demo", strict_slashes=False)
def page() -> ResponseReturnValue:
    with resources.as_file(STATIC / "index.html") as path:
        return send_file(path, mimetype="text/html", max_age=0)


@blueprint.get("/demo/api/scenarios")
def scenario_list() -> ResponseReturnValue:
    expected = loader.expected()
    items = []
    for name in loader.scenario_names():
        entry = expected.get(name, {})
        services = {
            service_id: {"ids": value.get("ids", []), "status": value.get("status", 200)}
            for service_id, value in entry.items()
            if isinstance(value, dict)
        }
        items.append(
            {"name": name, "description": entry.get("description", ""), "expected": services}
        )
    return jsonify({"scenarios": items})


@blueprint.get("/demo/api/scenarios/<name>")
def scenario(name: str) -> ResponseReturnValue:
    if name not in loader.scenario_names():
        raise NotFound()
    _, hook_requests = loader.load_scenario(name)
    for body in hook_requests.values():
        # The fixtures name a placeholder server; the prefetch carries the whole record, so
        # the demo never asks the service to fetch from anywhere.
        body.pop("fhirServer", None)
        body.pop("fhirAuthorization", None)
    first = next(iter(hook_requests.values()))
    prefetch: dict[str, Any] = first.get("prefetch") or {}
    context = first.get("context") or {}
    return jsonify(
        {
            "name": name,
            "description": loader.expected().get(name, {}).get("description", ""),
            "patientId": context.get("patientId"),
            "userId": context.get("userId", "Practitioner/demo"),
            # The hook context every call of this patient carries (an encounter matters: e.g.
            # shock "in the current encounter").
            "context": {
                key: context[key]
                for key in ("userId", "patientId", "encounterId")
                if key in context
            },
            "prefetch": prefetch,
            "requests": hook_requests,
            "summary": summarize(prefetch),
        }
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_origin() -> bool:
    """Only the demo page itself may get tokens. The app's CORS policy admits every origin (the
    sandbox needs it) and would otherwise let any page a user visits mint demo tokens; browsers
    always send `Origin` on such a cross-origin POST. A call without it (curl) is not a browser
    page acting on the user's behalf."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = {_origin(request.host_url)}
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "")
    if base:
        own.add(_origin(base))
    return origin.rstrip("/").lower() in own


@blueprint.post("/demo/api/token")
def token() -> ResponseReturnValue:
    if not _same_origin():
        raise Forbidden()
    body = request.get_json(silent=True)
    path = body.get("path") if isinstance(body, dict) else None
    if not isinstance(path, str) or not _SERVICE_PATH.match(path):
        raise BadRequest()
    issuer: DemoIssuer = current_app.extensions["cds_demo_issuer"]
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    audience = (base or request.host_url.rstrip("/")) + path
    return jsonify({"token": issuer.mint(audience)})
