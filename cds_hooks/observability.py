"""Metrics, structured logs and health endpoints.

- `/healthz` liveness, `/readyz` readiness (`SELECT 1` on the store), `/metrics` Prometheus.
- Metrics live in a per-app `CollectorRegistry` so several apps can share one process (tests).
  When `PROMETHEUS_MULTIPROC_DIR` is set (gunicorn with several workers), `/metrics` aggregates
  every worker through prometheus-client's multiprocess mode.
- Logs are one JSON object per line; `hookInstance` is the correlation id. Only request method,
  URL path (never the query string), status and duration are logged: no headers, tokens or
  bodies, and a redaction filter scrubs bearer tokens and JWT-shaped strings as a last guard.

`record_fhir_fetch` and `record_jwt_rejection` are the stable interface other modules call.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

from cds_hooks.config import ConfigError, env_name
from cds_hooks.storage import store

EXTENSION_KEY = "cds_metrics"
ACCESS_LOGGER = "cds_hooks.access"
_HANDLER_MARK = "_cds_json_handler"
_KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"})
_UNMATCHED_ENDPOINT = "<unmatched>"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    request_latency: Histogram
    cards_served: Counter
    fhir_fetches: Counter
    jwt_rejections: Counter


def _build_metrics() -> Metrics:
    registry = CollectorRegistry()
    return Metrics(
        registry=registry,
        request_latency=Histogram(
            "cds_http_request_duration_seconds",
            "HTTP request latency by Flask endpoint rule, method and status.",
            ["endpoint", "method", "status"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
        ),
        cards_served=Counter(
            "cds_cards_served",
            "CDS cards returned, by recommendation id and indicator.",
            ["recommendation", "indicator"],
            registry=registry,
        ),
        fhir_fetches=Counter(
            "cds_fhir_fallback_fetches",
            "FHIR-server fetches made because prefetch was missing, by outcome.",
            ["outcome"],
            registry=registry,
        ),
        jwt_rejections=Counter(
            "cds_jwt_rejections",
            "Requests refused because of their JWT, by reason.",
            ["reason"],
            registry=registry,
        ),
    )


def _metrics() -> Metrics | None:
    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION_KEY)


def record_fhir_fetch(outcome: str) -> None:
    """Count one FHIR-server fallback fetch; outcome is "ok" or a short failure kind."""
    metrics = _metrics()
    if metrics is not None:
        metrics.fhir_fetches.labels(outcome=outcome).inc()


def record_jwt_rejection(reason: str) -> None:
    """Count one rejected JWT; reason is a short machine word ("expired", "bad-aud"...)."""
    metrics = _metrics()
    if metrics is not None:
        metrics.jwt_rejections.labels(reason=reason).inc()


def _count_cards(service_id: str, hook_instance: str, cards: list[dict[str, Any]]) -> None:
    metrics = _metrics()
    if metrics is None:
        return
    for card in cards:
        source = card.get("source") if isinstance(card, dict) else None
        topic = source.get("topic") if isinstance(source, dict) else None
        code = topic.get("code") if isinstance(topic, dict) else None
        indicator = card.get("indicator") if isinstance(card, dict) else None
        metrics.cards_served.labels(
            recommendation=code if isinstance(code, str) and code else "unknown",
            indicator=indicator if isinstance(indicator, str) else "unknown",
        ).inc()


# --- structured logs -------------------------------------------------------------------------


def redact(text: str) -> str:
    """Scrub bearer tokens and JWT-shaped strings from a log message."""
    return _JWT.sub("[redacted-jwt]", _BEARER.sub("Bearer [redacted]", text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, hookInstance, access fields."""

    ACCESS_FIELDS = ("method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        hook_instance = getattr(record, "hookInstance", None)
        if hook_instance:
            entry["hookInstance"] = hook_instance
        for name in self.ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            # Exception messages and tracebacks with locals can quote request data or tokens;
            # the type is enough to correlate with the code path.
            entry["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else "Error"
        return json.dumps(entry, ensure_ascii=False)


class HookInstanceFilter(logging.Filter):
    """Attach the current request's hookInstance (set by the service route in `g`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "hookInstance") and has_request_context():
            record.hookInstance = g.get("hook_instance")
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now, so redirection after start-up is honoured."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


# The packages of this project: their loggers follow CDS_LOG_LEVEL (others log WARNING and up).
_OWN_LOGGERS = ("cds_hooks", "fhir_mapping")
_GUNICORN_LOGGERS = ("gunicorn.error", "gunicorn.access")


def _json_handler() -> logging.Handler:
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(HookInstanceFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def json_logs_for_gunicorn() -> None:
    """Give gunicorn's own loggers (which do not propagate) the JSON formatter, so that every
    line on stderr is one JSON object. Runs when the app is created (in the master with
    `preload_app`, else in each worker) and from `GunicornJsonLogger` for the master's first
    lines."""
    for name in _GUNICORN_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(JsonFormatter())


def _install_log_handler(app: Flask) -> None:
    level = str(app.config.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"{env_name('LOG_LEVEL')} must be one of {', '.join(_LOG_LEVELS)}")
    for name in _OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    # On the root logger: every logger that propagates (ours, fhir_mapping, libraries such as
    # SQLAlchemy or alembic) writes JSON, never Python's plain-text last-resort line.
    root = logging.getLogger()
    if not any(getattr(h, _HANDLER_MARK, False) for h in root.handlers):
        root.addHandler(_json_handler())
    json_logs_for_gunicorn()
    # werkzeug's own access line repeats ours in plain text, query string included; urllib3
    # logs every FHIR URL (patient ids in the query) at DEBUG.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _gunicorn_logger_class() -> type:
    from gunicorn.glogging import Logger

    class GunicornJsonLogger(Logger):  # type: ignore[misc]
        """gunicorn's logger with JSON lines from the master's first line on
        (`logger_class = "cds_hooks.observability.GunicornJsonLogger"`)."""

        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            json_logs_for_gunicorn()

    return GunicornJsonLogger


def __getattr__(name: str) -> Any:
    # gunicorn is imported only when gunicorn asks for its logger class.
    if name == "GunicornJsonLogger":
        return _gunicorn_logger_class()
    raise AttributeError(name)


# --- request hooks and endpoints -------------------------------------------------------------


def _before_request() -> None:
    g.cds_request_started = time.perf_counter()


def _after_request(response: Response) -> Response:
    started = g.pop("cds_request_started", None)
    duration = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.url_rule.rule if request.url_rule is not None else _UNMATCHED_ENDPOINT
    method = request.method if request.method in _KNOWN_METHODS else "OTHER"
    metrics = _metrics()
    if metrics is not None:
        metrics.request_latency.labels(
            endpoint=endpoint, method=method, status=str(response.status_code)
        ).observe(duration)
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %s",
        method,
        request.path,
        response.status_code,
        extra={
            "method": method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 2),
        },
    )
    return response


def healthz() -> Response:
    return _json({"status": "ok"}, 200)


def readyz() -> Response:
    try:
        store.ping()
    except Exception as exc:  # noqa: BLE001 - any driver failure means "not ready"
        log.warning("readiness check failed: database unreachable (%s)", type(exc).__name__)
        return _json({"status": "unavailable", "database": "unreachable"}, 503)
    return _json({"status": "ok", "database": "ok"}, 200)


def metrics_endpoint() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
    else:
        registry = current_app.extensions[EXTENSION_KEY].registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _json(body: dict[str, Any], status: int) -> Response:
    response = current_app.json.response(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = _build_metrics()
    _install_log_handler(app)
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.add_url_rule("/readyz", "readyz", readyz, methods=["GET"])
    app.add_url_rule("/metrics", "metrics", metrics_endpoint, methods=["GET"])
    app.extensions.setdefault("cds_card_listeners", []).append(_count_cards)
