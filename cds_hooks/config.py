"""Settings: defaults, then `CDS_`-prefixed environment variables, then `test_config`.

Every setting is documented in README.md. Each part of the service validates the settings it
owns in its `init_app` and raises `ConfigError` naming the environment variable.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

PREFIX = "CDS"


class ConfigError(RuntimeError):
    """An invalid setting; the message names the environment variable."""


DEFAULTS: dict[str, Any] = {
    # Protocol
    "PUBLIC_BASE_URL": "",  # externally visible base URL (JWT aud check behind proxies)
    # A full prefetch of a long record (thousands of Observations, reports with attachments)
    # runs to several MB; a 413 there would silently cost the patient their decision support.
    # bytes; larger bodies get 413. 5 MB is the contract default (issue #2); a deployment whose
    # EHR prefetches very long records raises it.
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    "CORS_ORIGINS": "*",  # comma-separated origins, or * for any
    "CORS_ALLOW_PRIVATE_NETWORK": True,  # answer Private Network Access preflights
    "FHIR_REQUIRE_HTTPS": False,  # refuse http:// fhirServer URLs (set true in production)
    "FHIR_CONNECT_TIMEOUT": 3.05,  # seconds
    "FHIR_READ_TIMEOUT": 10.0,  # seconds
    "FHIR_TOTAL_TIMEOUT": 30.0,  # seconds for all fallback fetches of one call
    # A real record holds 1,500+ Observations and some servers page 20 per result; 20 pages
    # would turn such a patient into a 412. 200 pages x FHIR_PAGE_SIZE still bounds the work.
    "FHIR_MAX_PAGES": 200,  # searchset pages followed per query
    "FHIR_PAGE_SIZE": 100,  # _count added to our own fallback searches (servers may lower it)
    "FHIR_PARALLEL_FETCHES": 4,  # fallback fetches run side by side per call
    # Security
    "REQUIRE_JWT": True,
    "JWT_ISSUERS": {},  # issuer -> {"jku": url} | {"jwks": {...}}, optional "tenants"
    "JWT_LEEWAY_SECONDS": 60,
    "JWT_MAX_LIFETIME_SECONDS": 3600,  # longest exp - iat accepted (bounds the jti store)
    "JWKS_CACHE_SECONDS": 300,  # a fetched JWK Set is reused this long
    "JWKS_MIN_REFRESH_SECONDS": 30,  # at most one JWK Set fetch per issuer this often
    "JWKS_TIMEOUT_SECONDS": 5,  # connect and read timeout of a JWK Set fetch
    # Persistence
    "DATABASE_URL": "",  # empty = SQLite in the instance folder
    # Operations
    "LOG_LEVEL": "INFO",  # JSON logs on stderr: DEBUG, INFO, WARNING, ERROR
    # The /demo page and its own token issuer; local use only (make run turns it on).
    "DEMO": False,
}


def env_name(key: str) -> str:
    return f"{PREFIX}_{key}"


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    # from_prefixed_env parses JSON values ("false" -> False, "5" -> 5, {...} -> dict).
    app.config.from_prefixed_env(PREFIX)
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)


def as_bool(app: Flask, key: str) -> bool:
    value = app.config.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{env_name(key)} must be true or false, got {value!r}")


def as_number(app: Flask, key: str, *, minimum: float = 0) -> float:
    value = app.config.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{env_name(key)} must be a number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{env_name(key)} must be >= {minimum}, got {value!r}")
    return number
