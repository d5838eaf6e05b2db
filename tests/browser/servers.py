"""Loopback servers for the browser tests: any WSGI app or a static folder in a thread, and a
small FHIR R4 server (what the CDS Hooks sandbox needs, with CORS on every answer)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request, Response
from werkzeug.serving import make_server

FHIR_JSON = "application/fhir+json"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Allow-Private-Network": "true",
}


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@contextmanager
def serve_static(directory: Path) -> Iterator[str]:
    handler = partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class FhirR4Server:
    """`metadata`, `<Type>/<id>` reads, `<Type>?patient=` and `POST <Type>/_search` searches
    over a fixed list of resources, under `/fhir`. Records every request path."""

    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.resources = resources
        self.requests: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._answer(request)
        response.headers.update(CORS)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        self.requests.append(f"{request.method} {request.path}")
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != "fhir":
            return self._json(_outcome("not-found"), 404)
        parts = parts[1:]
        if parts == ["metadata"]:
            return self._json(_capability_statement())
        if len(parts) == 2 and parts[1] == "_search" and request.method == "POST":
            form = parse_qs(request.get_data(as_text=True))
            params = {k: v[0] for k, v in form.items()}
            return self._search(parts[0], {**request.args.to_dict(), **params})
        if len(parts) == 2 and request.method == "GET":
            for resource in self.resources:
                if resource["resourceType"] == parts[0] and resource.get("id") == parts[1]:
                    return self._json(resource)
            return self._json(_outcome("not-found"), 404)
        if len(parts) == 1 and request.method == "GET":
            return self._search(parts[0], request.args.to_dict())
        return self._json(_outcome("not-supported"), 400)

    def _search(self, kind: str, params: dict[str, str]) -> Response:
        patient = (params.get("patient") or params.get("subject") or "").split("/")[-1]
        matches = [r for r in self.resources if r["resourceType"] == kind and _belongs(r, patient)]
        return self._json(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(matches),
                "entry": [{"resource": r, "search": {"mode": "match"}} for r in matches],
            }
        )

    @staticmethod
    def _json(body: dict[str, Any], status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type=FHIR_JSON)


def _belongs(resource: dict[str, Any], patient_id: str) -> bool:
    for key in ("subject", "patient"):
        ref = resource.get(key)
        if isinstance(ref, dict) and str(ref.get("reference", "")).split("/")[-1] == patient_id:
            return True
    return False


def _outcome(code: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code}]}


def _capability_statement() -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{"mode": "server"}],
    }
