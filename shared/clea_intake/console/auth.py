"""Who calls the console API and what they may do: Cognito groups, deny by default.

On AWS the HTTP API's JWT authorizer has verified the token; the claims arrive in the event's
requestContext.authorizer.jwt.claims. Locally, `clea-intake serve` verifies the token with `verify_token`
(signature, issuer, client, expiry) against the local user pool's JWKS and puts the same claims there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

AGENTS = "agents"
FINANCE = "finance"
ADMIN = "admin"
GROUPS = frozenset({AGENTS, FINANCE, ADMIN})

# A review item's kind and the groups that may decide it (an IBAN approval is finance's).
KIND_GROUPS: dict[str, frozenset[str]] = {
    "document": frozenset({AGENTS}),
    "mail": frozenset({AGENTS}),
    "form": frozenset({AGENTS}),
    "case": frozenset({AGENTS}),     # a case whose automatic processing stopped (EXECUTION_FAILED)
    "bank_details": frozenset({FINANCE}),
    "evaluator": frozenset({AGENTS}),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in person: their identity (from the token, never the request body) and groups."""

    identity: str
    groups: frozenset[str]

    @property
    def actor(self) -> str:
        """How the timeline names an act of this person."""
        return f"console:{self.identity}"

    def may(self, allowed: frozenset[str]) -> bool:
        return bool(self.groups & allowed)


def _groups(raw: Any) -> frozenset[str]:
    """cognito:groups as a list (a decoded token) or as API Gateway flattens it: "[agents finance]"."""
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("[") and '"' in text:
            try:
                raw = json.loads(text)
            except ValueError:
                raw = text.strip("[]").replace(",", " ").split()
        else:
            raw = text.strip("[]").replace(",", " ").split()
    return frozenset(str(g).strip('"') for g in raw) & GROUPS


def principal_from_claims(claims: dict[str, Any] | None) -> Principal | None:
    if not claims:
        return None
    identity = claims.get("cognito:username") or claims.get("username") or claims.get("sub")
    if not identity:
        return None
    return Principal(identity=str(identity), groups=_groups(claims.get("cognito:groups")))


def claims_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The verified JWT claims an HTTP API (payload 2.0) event carries, or None."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return (authorizer.get("jwt") or {}).get("claims")


class TokenRejected(Exception):
    """The bearer token is missing, malformed, expired or not from the expected pool and client."""


def verify_token(token: str, *, issuer: str, client_id: str, jwks_client: Any, leeway: int = 0) -> dict[str, Any]:
    """The claims of a Cognito ID or access token once its RS256 signature, issuer, client and expiry hold.

    `jwks_client` is a jwt.PyJWKClient on the pool's /.well-known/jwks.json. An ID token names the client
    in `aud`, an access token in `client_id`: both are checked against the app client.
    """
    import jwt  # PyJWT: the local stack verifies here what API Gateway's JWT authorizer verifies on AWS

    try:
        key = jwks_client.get_signing_key_from_jwt(token).key
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, leeway=leeway,
                                 options={"require": ["exp", "iss", "token_use"], "verify_aud": False})
    except jwt.PyJWTError as exc:
        raise TokenRejected(type(exc).__name__) from exc
    use = claims.get("token_use")
    if use == "id":
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences:
            raise TokenRejected("InvalidAudience")
    elif use == "access":
        if claims.get("client_id") != client_id:
            raise TokenRejected("InvalidClient")
    else:
        raise TokenRejected("UnknownTokenUse")
    return claims
