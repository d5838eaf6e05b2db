"""The demo page's own CDS client identity: an ES384 key made at start, trusted only in demo mode.

The demo page calls the service like any external EHR, so with `CDS_REQUIRE_JWT=true` it needs
a signed token. The private key lives only in this process's memory and its public half is added
to the trusted issuers when (and only when) `CDS_DEMO=true`; a restart makes every old token
worthless.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

DEMO_ISSUER = "urn:iliac-cds:demo-ehr"
ALGORITHM = "ES384"
# Short-lived like the sandbox's tokens: the page asks for a new one per call.
TOKEN_LIFETIME_SECONDS = 300


class DemoIssuer:
    def __init__(self) -> None:
        self._private_key = ec.generate_private_key(ec.SECP384R1())
        self.kid = f"demo-{uuid.uuid4().hex[:12]}"
        public = ECAlgorithm.to_jwk(self._private_key.public_key(), as_dict=True)
        self.public_jwk: dict[str, Any] = {
            **public,
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
        }

    def jwk_set(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def mint(self, audience: str, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": DEMO_ISSUER,
            "aud": audience,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(
            claims,
            self._private_key,
            algorithm=ALGORITHM,
            headers={"kid": self.kid, "typ": "JWT"},
        )


def with_demo_issuer(issuers: Any, issuer: DemoIssuer) -> Any:
    """`CDS_JWT_ISSUERS` plus the demo issuer. A value that is not a JSON object is returned
    unchanged so that the security layer reports it under its own variable name."""
    if isinstance(issuers, str):
        try:
            issuers = json.loads(issuers) if issuers.strip() else {}
        except ValueError:
            return issuers
    if issuers is None:
        issuers = {}
    if not isinstance(issuers, Mapping):
        return issuers
    return {**issuers, DEMO_ISSUER: {"jwks": issuer.jwk_set()}}
