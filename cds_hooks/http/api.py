"""CDS Hooks 2.0.1 endpoints: discovery and service invocation.

Order of checks on a call: unknown service (404), content type (415), body size (413), JSON
(400), request model and hook context (400), prefetch/fallback data (412), then the clinical
pathway. Every card leaving here has been through the strict response model.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from cds_hooks import pathway, security, service_catalog
from cds_hooks.config import Origin, as_bool, as_number, parse_origin
from cds_hooks.errors import ApiError
from cds_hooks.fetch import fhir_client, prefetch, safe_json
from cds_hooks.fetch.origins import OriginPolicy
from cds_hooks.fetch.patient_data import PatientData
from cds_hooks.http import limits, openapi
from cds_hooks.http.models import (
    CONTEXT_MODELS,
    CdsRequest,
    DiscoveryResponse,
    to_json,
    validate_outgoing,
)
from cds_hooks.service_catalog import ServiceDefinition

logger = logging.getLogger(__name__)

blueprint = Blueprint("cds_hooks_api", __name__)

_MAX_REPORTED_ERRORS = 3


_REPEATED_SLASHES = re.compile(r"/{2,}")


class CollapseSlashes:
    """WSGI middleware: `//` in the path is read as `/`.

    The sandbox (and many EHR admin screens) build a service URL as `{discovery URL}/{id}`; a
    discovery URL entered with a trailing slash gives `/cds-services//iliac-venous-pathway`.
    Werkzeug would answer that with an HTML 308 redirect, which a CORS preflight cannot
    follow; serving it in place is what the caller meant. The JWT `aud` check compares URLs
    with the same normalization (security.py).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ["PATH_INFO"] = _REPEATED_SLASHES.sub("/", path)
        return self.app(environ, start_response)


def _discovery() -> dict[str, Any]:
    return to_json(DiscoveryResponse.model_validate(service_catalog.discovery_document()))


# strict_slashes=False: `/cds-services/` (a base URL entered with a trailing slash, as EHR admins
# and the sandbox UI allow) answers in place instead of a 308 redirect or a 404.
@blueprint.get("/cds-services", strict_slashes=False)
def discovery() -> ResponseReturnValue:
    return jsonify(current_app.extensions["cds_discovery"])


@blueprint.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(current_app.extensions["cds_openapi"])


def describe_validation_error(error: ValidationError, prefix: str = "") -> str:
    """`field.path: problem` for the first few errors; input values are never echoed (they may
    hold tokens or patient data)."""
    parts = []
    for item in error.errors(include_input=False, include_url=False)[:_MAX_REPORTED_ERRORS]:
        location = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    more = error.error_count() - _MAX_REPORTED_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _is_json_content_type() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


# Parsing a long record allocates millions of objects, and every few hundred allocations the
# collector walks the growing, still-referenced tree: a 10 MB body parsed in 190 ms with it and
# 68 ms without, a 220 kB one in 1.3-3.9 ms and 1.1 ms (benchmarks). Nothing a parse allocates
# can be garbage before it returns.
GC_PAUSE_BYTES = 64 * 1024
_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause the cyclic garbage collector (shared by the process's threads) while parsing; the
    last of overlapping pausers restores the state the first one found."""
    global _gc_pausers, _gc_was_enabled
    if not pause:
        yield
        return
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _read_json_object() -> dict[str, Any]:
    if not _is_json_content_type():
        raise ApiError(415, "Content-Type must be application/json", "not-supported")
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        safe_json.check_depth(raw)  # first: nesting is what makes the parse recurse
        with _collector_paused(len(raw) >= GC_PAUSE_BYTES):
            body = json.loads(raw, parse_constant=_reject_constant)
    except safe_json.JsonTooDeep:
        raise ApiError(400, "request body nests JSON too deeply", "structure") from None
    except (ValueError, RecursionError):
        raise ApiError(400, "request body is not valid JSON", "structure") from None
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object", "structure")
    return body


def _parse_request(
    body: dict[str, Any], service: ServiceDefinition
) -> tuple[CdsRequest, dict[str, Any]]:
    try:
        cds_request = CdsRequest.model_validate(body)
    except ValidationError as exc:
        raise ApiError(400, describe_validation_error(exc), "invalid") from None
    if (
        cds_request.fhirServer
        and current_app.config["FHIR_REQUIRE_HTTPS"]
        and not cds_request.fhirServer.lower().startswith("https://")
    ):
        # 2.0.1: "The scheme MUST be https when production data is exchanged"; a bearer token
        # must never travel in clear text.
        raise ApiError(400, "fhirServer must use https", "security")
    if cds_request.hook != service.hook:
        raise ApiError(
            400, f"service {service.id} answers hook {service.hook!r}, not the hook sent", "invalid"
        )
    try:
        context = CONTEXT_MODELS[service.hook].model_validate(cds_request.context)
    except ValidationError as exc:
        raise ApiError(400, describe_validation_error(exc, "context"), "required") from None
    return cds_request, context.model_dump(exclude_none=True)


def _fetch_policy() -> OriginPolicy:
    """Where this call may fetch from: the app's setting, narrowed to the verified issuer's
    `fhirServers`, never the service itself (by name, or by local address and port)."""
    own: set[Origin] = set()
    for url in (request.host_url, current_app.config.get("PUBLIC_BASE_URL") or ""):
        with contextlib.suppress(ValueError):
            own.add(parse_origin(url, path_allowed=True))
    ports: set[int] = set()
    ips: set[str] = set()
    with contextlib.suppress(ValueError, TypeError):
        ports.add(int(request.environ.get("SERVER_PORT", "")))
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    with contextlib.suppress(OSError, AttributeError, IndexError, TypeError):
        local = sock.getsockname()
        ips.add(str(local[0]))
        ports.add(int(local[1]))
    return fhir_client.base_policy(current_app).for_call(
        own_origins=frozenset(own),
        own_ports=frozenset(ports),
        own_ips=frozenset(ips),
        issuer_origins=security.caller_fhir_servers(),
    )


def _now() -> datetime:
    clock = current_app.config.get("NOW")
    return clock() if callable(clock) else datetime.now(UTC)


def _notify_listeners(service_id: str, hook_instance: str, cards: list[dict[str, Any]]) -> None:
    for listener in current_app.extensions.get("cds_card_listeners", []):
        try:
            listener(service_id, hook_instance, cards)
        except Exception as exc:  # a listener (e.g. the card log) must never cost the answer
            logger.error("card listener %r failed: %s", listener, type(exc).__name__)


def resolve_call(
    service_id: str,
) -> tuple[ServiceDefinition, CdsRequest, dict[str, Any], PatientData]:
    """The current hook call read as every `/cds-services/{id}` endpoint reads it (the hook and
    its explanation): the service (404), the validated request and context (400), and the
    patient data from prefetch or the FHIR server (412)."""
    service = service_catalog.get_service(service_id)
    if service is None:
        raise ApiError(404, f"no CDS service with id {service_id[:100]!r}", "not-found")
    body = _read_json_object()
    cds_request, context = _parse_request(body, service)
    g.hook_instance = cds_request.hookInstance
    data = prefetch.resolve(
        current_app._get_current_object(), service, cds_request, context, _fetch_policy()
    )
    return service, cds_request, context, data


@blueprint.post("/cds-services/<service_id>", strict_slashes=False)
def invoke(service_id: str) -> ResponseReturnValue:
    service, cds_request, context, data = resolve_call(service_id)
    try:
        cards = pathway.run_service(
            service.id, context, data, as_of=_now(), config=current_app.config
        )
    except pathway.ClinicalInputError as exc:
        raise ApiError(400, str(exc), "not-supported") from None

    try:
        response = validate_outgoing({"cards": cards})
    except ValidationError as exc:
        # A producer bug; refusing beats showing a clinician a malformed card.
        logger.error("pathway returned invalid cards: %s", describe_validation_error(exc))
        raise ApiError(500, "internal error: invalid card produced", "exception") from None
    payload = to_json(response)
    _notify_listeners(service.id, cds_request.hookInstance, payload["cards"])
    return jsonify(payload)


def init_app(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = int(as_number(app, "MAX_CONTENT_LENGTH", minimum=1))
    app.config["REQUEST_BODY_TIMEOUT"] = as_number(app, "REQUEST_BODY_TIMEOUT", minimum=0.1)
    pathway.check_settings(app.config)  # an invalid CDS_GUIDELINE_* fails the boot, not a call
    app.config["FHIR_REQUIRE_HTTPS"] = as_bool(app, "FHIR_REQUIRE_HTTPS")
    fhir_client.init_app(app)
    # Validated once at startup: a catalog that breaks the models fails the boot, not a call.
    app.extensions["cds_discovery"] = _discovery()
    app.extensions["cds_service_ids"] = service_catalog.service_ids()
    app.extensions["cds_openapi"] = openapi.build_document()
    app.register_blueprint(blueprint)
    # Never an HTML 308 "merge slashes" redirect: CollapseSlashes serves such paths in place.
    app.url_map.merge_slashes = False
    app.wsgi_app = CollapseSlashes(app.wsgi_app)  # type: ignore[method-assign]
    limits.init_app(
        app,
        max_body_bytes=app.config["MAX_CONTENT_LENGTH"],
        body_seconds=app.config["REQUEST_BODY_TIMEOUT"],
    )
