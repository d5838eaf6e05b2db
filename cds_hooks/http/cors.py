"""CORS for browser-based CDS clients such as https://sandbox.cds-hooks.org.

The sandbox sends `Authorization` and `Content-Type: application/json`, so every call is
preceded by an OPTIONS preflight, which must succeed without a token. Error responses need the
CORS headers too, or the browser hides them from the client. Credentials (cookies) are never
allowed: the JWT travels in a header, and `*` with credentials is forbidden by the CORS spec.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request
from flask_cors import CORS

from cds_hooks.config import ConfigError, as_bool, env_name

# Preflights on these paths are answered here, before routing and authentication, so that an
# endpoint added by another module (e.g. feedback) is covered without its own OPTIONS handling.
_PREFLIGHT_PATH = re.compile(r"^/cds-services(/[^/]+(/feedback)?)?/?$")
_ALLOWED_HEADERS = ["Authorization", "Content-Type"]
_ALLOWED_METHODS = ["GET", "POST", "OPTIONS"]


def parse_origins(value: object) -> list[str] | str:
    """`*` or a comma-separated list of origins (scheme://host[:port])."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{env_name('CORS_ORIGINS')} must be * or a comma-separated list")
    if value.strip() == "*":
        return "*"
    origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
    for origin in origins:
        if origin == "*" or not re.match(r"^https?://[^/\s]+$", origin):
            raise ConfigError(
                f"{env_name('CORS_ORIGINS')}: {origin!r} is not an origin like https://host:port"
            )
    return origins


def _answer_preflight() -> Response | None:
    if request.method == "OPTIONS" and _PREFLIGHT_PATH.match(request.path):
        # flask-cors adds the Access-Control-* headers in its after_request hook.
        return Response(status=200, mimetype="text/plain")
    return None


def init_app(app: Flask) -> None:
    origins = parse_origins(app.config.get("CORS_ORIGINS"))
    CORS(
        app,
        resources={r"/*": {}},
        origins=origins,
        methods=_ALLOWED_METHODS,
        allow_headers=_ALLOWED_HEADERS,
        supports_credentials=False,
        send_wildcard=origins == "*",
        max_age=600,
        # Lets a public page (the sandbox) call an instance on localhost or an intranet in
        # browsers that enforce Private Network Access; the JWT check still applies.
        allow_private_network=as_bool(app, "CORS_ALLOW_PRIVATE_NETWORK"),
    )
    # Run before every other before_request hook (notably the JWT check).
    app.before_request_funcs.setdefault(None, []).insert(0, _answer_preflight)
