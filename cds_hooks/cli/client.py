"""HTTP side of the CLI: hook requests to a CDS service (optionally JWT-signed per call, as an EHR
does) and transaction bundles to a FHIR server."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

TIMEOUT_SECONDS = 60
TOKEN_LIFETIME_SECONDS = 300


class CallFailed(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}" if status else message)
        self.status = status


@dataclass(frozen=True)
class Signer:
    """Signs one short-lived token per call, with `aud` = the exact URL called (CDS Hooks 2.0.1)."""

    issuer: str
    kid: str
    key: Any
    algorithm: str

    @classmethod
    def from_pem(cls, path: Path, issuer: str, kid: str) -> Signer:
        key = load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            algorithm = "ES384"
        elif isinstance(key, rsa.RSAPrivateKey):
            algorithm = "RS384"
        else:
            raise ValueError("the signing key must be an EC (P-384) or RSA private key")
        return cls(issuer, kid, key, algorithm)

    def token(self, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(
            claims, self.key, algorithm=self.algorithm, headers={"kid": self.kid, "typ": "JWT"}
        )


def services_base(url: str) -> str:
    """`http://host:8080`, `.../cds-services` or `.../cds-services/` -> `.../cds-services`."""
    base = url.rstrip("/")
    return base if base.endswith("/cds-services") else f"{base}/cds-services"


def _outcome_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no JSON body"
    issues = body.get("issue") if isinstance(body, dict) else None
    if isinstance(issues, list) and issues and isinstance(issues[0], dict):
        return str(issues[0].get("diagnostics") or issues[0].get("code") or "error")
    return response.reason or "error"


def post_hook(
    session: requests.Session,
    service_url: str,
    service_id: str,
    body: dict[str, Any],
    *,
    signer: Signer | None = None,
    suffix: str = "",
) -> dict[str, Any]:
    url = f"{services_base(service_url)}/{service_id}{suffix}"
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if signer is not None:
        headers["Authorization"] = f"Bearer {signer.token(url)}"
    try:
        response = session.post(url, json=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise CallFailed(0, f"cannot reach {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise CallFailed(response.status_code, _outcome_text(response))
    try:
        payload = response.json()
    except ValueError:
        raise CallFailed(response.status_code, "the answer is not JSON") from None
    if not isinstance(payload, dict):
        raise CallFailed(response.status_code, "the answer is not a JSON object")
    return payload


def post_bundle(
    session: requests.Session, fhir_server: str, bundle: dict[str, Any], bearer: str | None
) -> None:
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    try:
        response = session.post(
            fhir_server.rstrip("/"), json=bundle, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        raise CallFailed(0, f"cannot reach the FHIR server: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise CallFailed(response.status_code, _outcome_text(response))
