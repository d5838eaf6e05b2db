"""Security room: who may call us. JWT bearer verification of every `/cds-services` call
(`jwt_check`), the trusted issuers and settings (`issuers`), and JWK Set retrieval (`jwks`)."""

from cds_hooks.security.jwt_check import (
    EXTENSION,
    REJECTION_MESSAGE,
    init_app,
    verified_claims,
    verify_request_token,
)

__all__ = [
    "EXTENSION",
    "REJECTION_MESSAGE",
    "init_app",
    "verified_claims",
    "verify_request_token",
]
