"""Who we trust: the JWT settings (`CDS_REQUIRE_JWT`, `CDS_JWT_ISSUERS`,
`CDS_JWT_LEEWAY_SECONDS`, `CDS_JWT_MAX_LIFETIME_SECONDS`, `CDS_PUBLIC_BASE_URL`, `CDS_JWKS_*`),
validated at start: an invalid value stops the service naming the variable."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask

from cds_hooks.config import ConfigError, as_bool, as_number, env_name
from cds_hooks.security.jwks import KeySource, RemoteKeys, StaticKeys

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
ISSUER_FIELDS = frozenset({"jku", "jwks", "tenants"})


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    jku: str | None  # the only `jku` header value accepted from this issuer
    keys: KeySource
    tenants: frozenset[str] | None  # None: the issuer is not multi-tenant, `tenant` is ignored


@dataclass(frozen=True)
class JwtSettings:
    required: bool
    issuers: Mapping[str, TrustedIssuer]
    leeway_seconds: float
    public_base_url: str
    now: Callable[[], float]
    # Best practice: keep seen jtis "for the maximum JWT lifetime (no more than an hour)". A
    # longer-lived token would be a long-lived replayable credential and would keep its jti row
    # that long, so it is refused; this bounds the replay store by call rate x lifetime.
    max_lifetime_seconds: float = 3600.0



def load_settings(app: Flask) -> JwtSettings:
    required = as_bool(app, "REQUIRE_JWT")
    leeway = as_number(app, "JWT_LEEWAY_SECONDS")
    max_lifetime = as_number(app, "JWT_MAX_LIFETIME_SECONDS", minimum=1)
    now = app.config.get("JWT_NOW") or time.time
    if not callable(now):
        raise ConfigError("JWT_NOW (test-only) must be a callable returning epoch seconds")
    public_base_url = _public_base_url(app)
    issuers = _issuers(app, clock=app.config.get("JWT_NOW") or time.monotonic)
    return JwtSettings(required, issuers, leeway, public_base_url, now, max_lifetime)


def _public_base_url(app: Flask) -> str:
    value = app.config.get("PUBLIC_BASE_URL") or ""
    name = env_name("PUBLIC_BASE_URL")
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a URL, got {value!r}")
    if value and not _is_http_url(value):
        raise ConfigError(f"{name} must be an http(s) URL such as https://cds.example.org")
    return value.rstrip("/")


def _issuers(app: Flask, *, clock: Callable[[], float]) -> dict[str, TrustedIssuer]:
    name = env_name("JWT_ISSUERS")
    raw = app.config.get("JWT_ISSUERS") or {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise ConfigError(f"{name} must be a JSON object: issuer -> settings") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{name} must be a JSON object: issuer -> settings")
    session = requests.Session()
    remote = {
        "session": session,
        "timeout_seconds": as_number(app, "JWKS_TIMEOUT_SECONDS", minimum=0.1),
        "cache_seconds": as_number(app, "JWKS_CACHE_SECONDS", minimum=1),
        "min_refresh_seconds": as_number(app, "JWKS_MIN_REFRESH_SECONDS"),
        "clock": clock,
    }
    return {iss: _issuer(name, iss, entry, remote) for iss, entry in raw.items()}


def _issuer(name: str, iss: Any, entry: Any, remote: dict[str, Any]) -> TrustedIssuer:
    if not isinstance(iss, str) or not iss:
        raise ConfigError(f"{name}: every issuer must be a non-empty string")
    where = f"{name}[{iss!r}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(f'{where} must be an object with "jku" and/or "jwks"')
    unknown = set(entry) - ISSUER_FIELDS
    if unknown:
        allowed = ", ".join(sorted(ISSUER_FIELDS))
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {allowed}")
    jku = entry.get("jku")
    if jku is not None and not (isinstance(jku, str) and _is_key_url(jku)):
        raise ConfigError(f"{where}.jku must be an https URL (http only on localhost)")
    jwks = entry.get("jwks")
    keys: KeySource
    if jwks is not None:
        # Out-of-band keys win: a configured jku then only names the accepted `jku` header.
        try:
            keys = StaticKeys(jwks)
        except ValueError as exc:
            raise ConfigError(f"{where}.jwks: {exc}") from None
    elif jku is not None:
        keys = RemoteKeys(jku, **remote)
    else:
        raise ConfigError(f'{where} needs "jku" (JWK Set URL) or "jwks" (the JWK Set itself)')
    tenants = entry.get("tenants")
    if tenants is not None and not (
        isinstance(tenants, list) and tenants and all(isinstance(t, str) and t for t in tenants)
    ):
        raise ConfigError(f"{where}.tenants must be a non-empty list of strings")
    return TrustedIssuer(iss, jku, keys, frozenset(tenants) if tenants is not None else None)


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _is_key_url(value: str) -> bool:
    parts = urlsplit(value)
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
