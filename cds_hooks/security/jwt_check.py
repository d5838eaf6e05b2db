"""Trust only known EHRs: JWT bearer verification for every `/cds-services` call (CDS Hooks 2.0.1).

Settings: `CDS_REQUIRE_JWT`, `CDS_JWT_ISSUERS`, `CDS_JWT_LEEWAY_SECONDS`, `CDS_PUBLIC_BASE_URL`,
`CDS_JWKS_*`. The test-only config key `JWT_NOW` (a callable returning epoch seconds) pins the
clock. A rejected call gets the same 401 body whatever the reason; the reason goes to the log
and to `observability.record_jwt_rejection`, never to the caller.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import SECP384R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from cds_hooks import observability
from cds_hooks.config import env_name
from cds_hooks.errors import error_response
from cds_hooks.security.issuers import JwtSettings, TrustedIssuer, load_settings
from cds_hooks.security.jwks import JwksUnavailable, TrustedKey
from cds_hooks.storage import store

# One logger for the room: operators filter on it.
log = logging.getLogger("cds_hooks.security")

EXTENSION = "cds_jwt"
PROTECTED_PREFIX = "/cds-services"
# CDS Hooks 2.0.1 recommends ES384 and RS384 and forbids `none` and every HMAC algorithm.
ALLOWED_ALGORITHMS = frozenset({"ES384", "RS384"})
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]
MAX_TOKEN_LENGTH = 16 * 1024
MAX_JTI_LENGTH = 255
REJECTION_MESSAGE = "invalid or missing authorization"
SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"


class Rejected(Exception):
    """A token failed verification; `reason` is a short machine word for logs and metrics."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def init_app(app: Flask) -> None:
    settings = load_settings(app)
    app.extensions[EXTENSION] = settings
    if not settings.required:
        log.warning(
            "!!! JWT VERIFICATION IS DISABLED (%s=false): anyone who can reach this service can "
            "call it. Use this for local development only, never in production. !!!",
            env_name("REQUIRE_JWT"),
        )
    elif not settings.issuers:
        log.error(
            "%s=true but %s is empty: every /cds-services call will be rejected with 401. "
            "Configure trusted issuers, or set %s=false for local development.",
            env_name("REQUIRE_JWT"),
            env_name("JWT_ISSUERS"),
            env_name("REQUIRE_JWT"),
        )
    elif SANDBOX_ISSUER in settings.issuers:
        log.warning(
            "Trusting %s: its signing key is public, so anyone can mint its tokens. Testing only.",
            SANDBOX_ISSUER,
        )
    app.before_request(_authenticate)


def verified_claims() -> dict[str, Any] | None:
    """The verified JWT claims of the current request (None when verification is disabled)."""
    return g.get("cds_jwt_claims")


def _authenticate() -> Response | None:
    if request.method == "OPTIONS" or not request.path.startswith(PROTECTED_PREFIX):
        return None
    settings: JwtSettings = current_app.extensions[EXTENSION]
    if not settings.required:
        return None
    try:
        g.cds_jwt_claims = verify_request_token(
            request.headers.get("Authorization"), _expected_audience(settings), settings
        )
    except Rejected as rejection:
        return _reject(rejection)
    except SQLAlchemyError as exc:
        # The replay guard cannot be consulted: fail closed, but as a retryable 503 rather than
        # a 401 (the token may be fine) or an HTML 500. Only the exception type is logged.
        log.error("JWT replay store unavailable: %s", type(exc).__name__)
        observability.record_jwt_rejection("store-unavailable")
        return error_response(503, "authorization check unavailable, retry later", "transient")
    return None


def verify_request_token(
    authorization: str | None, audience: str, settings: JwtSettings
) -> dict[str, Any]:
    """Verify an `Authorization` header value against `audience`; the claims, or `Rejected`."""
    token = _bearer_token(authorization)
    header = _unverified_header(token)
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in ALLOWED_ALGORITHMS:
        # Decided before any key lookup so `none`/HS* tokens never touch key material.
        raise Rejected("bad-alg", f"alg={_short(algorithm)}")
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
        raise Rejected("bad-typ", f"typ={_short(typ)}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Rejected("no-kid")

    issuer = _trusted_issuer(token, settings)
    jku = header.get("jku")
    if jku is not None and jku != issuer.jku:
        # Never fetched: fetching a caller-chosen URL would let anyone supply their own keys.
        raise Rejected("bad-jku", f"iss={issuer.issuer!r} jku={_short(jku)}")

    key = _key_for(issuer, kid, algorithm)
    claims = _decode(token, key, algorithm, issuer.issuer)
    _check_times(claims, settings)
    _check_audience(claims.get("aud"), audience)
    _check_tenant(claims.get("tenant"), issuer)
    _check_replay(claims, issuer.issuer, settings)
    return claims


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Rejected("missing-token")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Rejected("malformed", "not a Bearer authorization")
    if len(token) > MAX_TOKEN_LENGTH:
        raise Rejected("malformed", "token too long")
    return token


def _unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Rejected("malformed", "undecodable JOSE header") from None


def _trusted_issuer(token: str, settings: JwtSettings) -> TrustedIssuer:
    # The payload is read unverified only to choose which issuer's keys to verify it with.
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Rejected("malformed", "undecodable payload") from None
    iss = unverified.get("iss")
    if not isinstance(iss, str) or iss not in settings.issuers:
        raise Rejected("unknown-iss", f"iss={_short(iss)}")
    return settings.issuers[iss]


def _key_for(issuer: TrustedIssuer, kid: str, algorithm: str) -> TrustedKey:
    try:
        key = issuer.keys.get_key(kid)
    except JwksUnavailable:
        raise Rejected("jwks-unavailable", f"iss={issuer.issuer!r}") from None
    if key is None:
        raise Rejected("unknown-kid", f"iss={issuer.issuer!r} kid={_short(kid)}")
    if not _key_fits(key, algorithm):
        raise Rejected("key-alg-mismatch", f"iss={issuer.issuer!r} kid={_short(kid)}")
    return key


def _key_fits(key: TrustedKey, algorithm: str) -> bool:
    if key.declared_alg is not None and key.declared_alg != algorithm:
        return False
    if algorithm == "ES384":
        return isinstance(key.key, EllipticCurvePublicKey) and isinstance(key.key.curve, SECP384R1)
    return isinstance(key.key, RSAPublicKey)


def _decode(token: str, key: TrustedKey, algorithm: str, issuer: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            issuer=issuer,
            options={
                "require": REQUIRED_CLAIMS,
                # Time and audience are checked below against our own clock and URL rules.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_sub": False,
                "enforce_minimum_key_length": True,
            },
        )
    except jwt.InvalidSignatureError:
        raise Rejected("bad-signature", f"iss={issuer!r}") from None
    except jwt.MissingRequiredClaimError as exc:
        raise Rejected("missing-claim", f"claim={exc.claim}") from None
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise Rejected("invalid-token", type(exc).__name__) from None


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected("bad-claim", f"{name} is not a number")
    return float(value)


def _check_times(claims: Mapping[str, Any], settings: JwtSettings) -> None:
    now = settings.now()
    leeway = settings.leeway_seconds
    if _number(claims, "exp") <= now - leeway:
        raise Rejected("expired")
    if _number(claims, "iat") > now + leeway:
        raise Rejected("iat-future")
    if "nbf" in claims and _number(claims, "nbf") > now + leeway:
        raise Rejected("not-yet-valid")
    if _number(claims, "exp") - _number(claims, "iat") > settings.max_lifetime_seconds:
        raise Rejected("lifetime-too-long", f"max {settings.max_lifetime_seconds:g} s")


def _check_audience(aud: Any, expected: str) -> None:
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise Rejected("bad-aud", "aud is not a string or list of strings")
    wanted = _comparable_url(expected)
    if not any(_comparable_url(a) == wanted for a in audiences):
        raise Rejected("bad-aud", f"expected {wanted}")


def _comparable_url(url: str) -> str:
    """The URL as the service routes it: repeated slashes in the path are one (api.py serves
    `/cds-services//x` as `/cds-services/x`), and a trailing slash does not matter."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return re.sub(r"/{2,}", "/", url).rstrip("/")
    return f"{scheme}://{re.sub(r'/{2,}', '/', rest)}".rstrip("/")


def _check_tenant(tenant: Any, issuer: TrustedIssuer) -> None:
    if issuer.tenants is not None and (not isinstance(tenant, str) or tenant not in issuer.tenants):
        raise Rejected("bad-tenant", f"iss={issuer.issuer!r} tenant={_short(tenant)}")


def _check_replay(claims: Mapping[str, Any], issuer: str, settings: JwtSettings) -> None:
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise Rejected("bad-claim", "jti is not a short string")
    # Remembered until the token could no longer pass the exp check anyway.
    expires_at = datetime.fromtimestamp(_number(claims, "exp") + settings.leeway_seconds, UTC)
    if not store.remember_jti(jti, issuer, expires_at):
        raise Rejected("replay", f"iss={issuer!r}")


def _expected_audience(settings: JwtSettings) -> str:
    if settings.public_base_url:
        return settings.public_base_url + request.path
    return request.base_url


def _reject(rejection: Rejected) -> Response:
    log.warning(
        "JWT rejected (%s) on %s %s%s",
        rejection.reason,
        request.method,
        request.path,
        f": {rejection.detail}" if rejection.detail else "",
    )
    observability.record_jwt_rejection(rejection.reason)
    # Returned (not raised) from before_request, so after_request hooks such as CORS still run.
    response = error_response(401, REJECTION_MESSAGE, "login")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _short(value: Any) -> str:
    """A log-safe rendering of a caller-supplied header or claim value."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
