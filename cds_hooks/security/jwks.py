"""Public keys of trusted CDS clients: JWK Sets held out of band or fetched from an allowlisted URL.

Only URLs from `CDS_JWT_ISSUERS` ever reach `RemoteKeys`; a token's `jku` header is compared to
that list by the caller and is never fetched on its own say-so.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from jwt import PyJWK
from jwt.exceptions import PyJWTError

log = logging.getLogger("cds_hooks.security")

# A JWK Set is a few kilobytes; refusing anything much larger keeps a hostile or broken
# endpoint from making every worker buffer megabytes.
MAX_JWKS_BYTES = 256 * 1024


class JwksUnavailable(RuntimeError):
    """No key set could be obtained for an issuer (never fetched successfully)."""


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    key: Any  # a cryptography public key object, ready for jwt.decode
    declared_alg: str | None  # the JWK's own "alg", when it states one


class KeySource(Protocol):
    def get_key(self, kid: str) -> TrustedKey | None: ...


def parse_jwk_set(data: Any) -> dict[str, TrustedKey]:
    """Signature keys of a JWK Set by kid. Raises ValueError when the set holds none.

    Keys that are not for signatures, have no kid, carry private material or that PyJWT cannot
    load are skipped, so one odd key in an EHR's set does not lock out the others.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("keys"), list):
        raise ValueError('a JWK Set must be an object with a "keys" array')
    keys: dict[str, TrustedKey] = {}
    for jwk in data["keys"]:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid or jwk.get("use", "sig") != "sig":
            continue
        if "d" in jwk or jwk.get("kty") == "oct":
            # A private or symmetric key has no place in a verifier's trust store.
            continue
        try:
            loaded = PyJWK(jwk)
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue
        declared = jwk.get("alg")
        keys[kid] = TrustedKey(kid, loaded.key, declared if isinstance(declared, str) else None)
    if not keys:
        raise ValueError("the JWK Set holds no usable public signature key with a kid")
    return keys


class StaticKeys:
    """Keys exchanged out of band (`"jwks"` in the issuer's settings)."""

    def __init__(self, jwk_set: Mapping[str, Any]) -> None:
        self._keys = parse_jwk_set(jwk_set)

    def get_key(self, kid: str) -> TrustedKey | None:
        return self._keys.get(kid)


class RemoteKeys:
    """A JWK Set fetched from one allowlisted URL, cached, refreshed when an unknown kid shows up.

    Refetches (on expiry, on an unknown kid, after a failure) happen at most once per
    `min_refresh_seconds`, so a stream of forged kids cannot turn us into a load generator
    against the EHR, and a dead endpoint does not make every request wait for its timeout.
    A set that cannot be refreshed keeps serving: an EHR's JWKS outage should not stop care.
    """

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session,
        timeout_seconds: float,
        cache_seconds: float,
        min_refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._session = session
        self._timeout = timeout_seconds
        self._cache_seconds = cache_seconds
        self._min_refresh = min_refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, TrustedKey] | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None

    def get_key(self, kid: str) -> TrustedKey | None:
        """The key for `kid`, or None. Raises JwksUnavailable if no set was ever loaded."""
        with self._lock:
            now = self._clock()
            refreshed = False
            stale = self._keys is None or now - self._fetched_at >= self._cache_seconds
            if stale and self._may_fetch(now):
                self._refresh(now)
                refreshed = True
            key = self._keys.get(kid) if self._keys is not None else None
            if key is None and not refreshed and self._may_fetch(now):
                self._refresh(now)
                key = self._keys.get(kid) if self._keys is not None else None
            if self._keys is None:
                raise JwksUnavailable(self.url)
            return key

    def _may_fetch(self, now: float) -> bool:
        return self._last_attempt is None or now - self._last_attempt >= self._min_refresh

    def _refresh(self, now: float) -> None:
        self._last_attempt = now
        try:
            self._keys = parse_jwk_set(self._download())
            self._fetched_at = now
        except (requests.RequestException, ValueError) as exc:
            log.warning("JWK Set fetch from %s failed: %s", self.url, type(exc).__name__)

    def _download(self) -> Any:
        # No redirects: the allowlisted URL is the only place keys may come from.
        with self._session.get(
            self.url,
            timeout=self._timeout,
            allow_redirects=False,
            headers={"Accept": "application/json"},
            stream=True,
        ) as response:
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_content(chunk_size=16384):
                body.extend(chunk)
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError("JWK Set too large")
        return json.loads(body)
