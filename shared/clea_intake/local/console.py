"""The console on the local stack: its API and pages on moto's port, signed in through moto's user pool.

`clea-intake serve` mounts `ConsoleMount` in front of moto's WSGI application: /api/ goes to the same
resolver the console's Lambda runs (console.api), /console/ serves the static pages, anything else is
moto's. A bearer token is verified here as API Gateway's JWT authorizer verifies it on AWS (RS256
signature on the pool's JWKS, issuer, app client, expiry), and its claims are handed to the resolver in
the same place of the HTTP API event.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import secrets
import string
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import boto3

from clea_intake.console import auth
from clea_intake.console.api import build_app

GROUPS = {"agents": "Instructeurs : file d'examen, dossiers, demandes, retraits",
          "finance": "Finances : paiements, validation des IBAN",
          "admin": "Administration : fiches évaluateurs, réglages"}
DEMO_USERS = {"agent": "agents", "finance": "finance", "admin": "admin"}
# A payment confirmation file (base64 in JSON) is the largest body the console takes.
MAX_BODY = 2 * 1024 * 1024

# Every response of the console (API and pages): no inline script, nothing framed, types as declared.
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str
    region: str
    endpoint_url: str

    @property
    def issuer(self) -> str:
        # What moto (and Cognito) write in `iss`; the keys are fetched from the local stack, not from AWS.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"

    def client(self):
        return boto3.client("cognito-idp", region_name=self.region, endpoint_url=self.endpoint_url)


def create_user_pool(endpoint_url: str, region: str, name: str = "clea-intake-console") -> UserPool:
    """The console's user pool, its app client (password sign-in, no secret: a browser holds it) and groups."""
    idp = boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint_url)
    pool_id = idp.create_user_pool(PoolName=name, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
                                   Policies={"PasswordPolicy": {"MinimumLength": 12}})["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="console", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    for group, description in GROUPS.items():
        idp.create_group(UserPoolId=pool_id, GroupName=group, Description=description)
    return UserPool(pool_id=pool_id, client_id=client_id, region=region, endpoint_url=endpoint_url)


def new_password() -> str:
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(16))
    return f"{core}-Aa9"   # every class a usual pool policy asks for


def add_user(pool: UserPool, username: str, group: str, password: str | None = None) -> str:
    """A confirmed user in `group`; returns the password (shown once, never stored or logged)."""
    password = password or new_password()
    idp = pool.client()
    idp.admin_create_user(UserPoolId=pool.pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=username, GroupName=group)
    return password


def demo_users(pool: UserPool) -> dict[str, str]:
    """`agent`, `finance` and `admin`, each in its group: {username: password}."""
    return {username: add_user(pool, username, group) for username, group in DEMO_USERS.items()}


def sign_in(pool: UserPool, username: str, password: str) -> str:
    """The ID token of a password sign-in (what the pages do in the browser)."""
    result = pool.client().initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": username, "PASSWORD": password})
    return result["AuthenticationResult"]["IdToken"]


def _static(name: str) -> bytes | None:
    if not name or "/" in name or name.startswith("."):
        return None
    entry = resources.files("clea_intake.console") / "static" / name
    return entry.read_bytes() if entry.is_file() else None


class ConsoleMount:
    """WSGI: /api/ and /console/ for the console, the rest to the wrapped application (moto)."""

    def __init__(self, inner, pool: UserPool, ports) -> None:
        import jwt  # PyJWT's JWKS client: the keys come from the local stack's user pool

        self.inner = inner
        self.pool = pool
        self.app = build_app(ports)
        self.jwks = jwt.PyJWKClient(pool.jwks_url, cache_keys=True)

    def __call__(self, environ: dict[str, Any], start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/api/docs":
            schema = self.app.get_openapi_json_schema(title="Console CléA", version="1")
            return self._reply(start_response, 200, schema.encode(), "application/json")
        if path.startswith("/api/"):
            return self._api(environ, start_response)
        if path in ("/console", "/console/"):
            return self._reply(start_response, 302, b"", "text/plain", [("Location", "/console/index.html")])
        if path == "/console/config.json":
            config = {"clientId": self.pool.client_id, "cognitoEndpoint": "/", "region": self.pool.region}
            return self._reply(start_response, 200, json.dumps(config).encode(), "application/json")
        if path.startswith("/console/"):
            body = _static(path.removeprefix("/console/"))
            if body is None:
                return self._reply(start_response, 404, b"introuvable", "text/plain; charset=utf-8")
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            kind += "; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else ""
            return self._reply(start_response, 200, body, kind)
        return self.inner(environ, start_response)

    def _api(self, environ: dict[str, Any], start_response):
        header = environ.get("HTTP_AUTHORIZATION", "")
        claims = None
        if header.startswith("Bearer "):
            try:
                claims = auth.verify_token(header.removeprefix("Bearer ").strip(), issuer=self.pool.issuer,
                                           client_id=self.pool.client_id, jwks_client=self.jwks)
            except auth.TokenRejected:
                claims = None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return self._reply(start_response, 413, b'{"message": "trop grand"}', "application/json")
        body = environ["wsgi.input"].read(length) if length else b""
        event = http_api_event(environ, body, claims)
        result = self.app.resolve(event, None)
        payload = result.get("body") or ""
        raw = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        headers = [(k, v) for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"]
        return self._reply(start_response, int(result["statusCode"]), raw, None, headers)

    @staticmethod
    def _reply(start_response, status: int, body: bytes, content_type: str | None,
               extra: list[tuple[str, str]] | None = None):
        from http import HTTPStatus

        headers = list(extra or [])
        if content_type:
            headers.append(("Content-Type", content_type))
        given = {name.lower() for name, _ in headers}
        headers += [(k, v) for k, v in SECURITY_HEADERS if k.lower() not in given] + [("Content-Length", str(len(body)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]


def http_api_event(environ: dict[str, Any], body: bytes, claims: dict[str, Any] | None) -> dict[str, Any]:
    """The API Gateway HTTP API (payload 2.0) event of a WSGI request, claims where the JWT authorizer puts them."""
    query = environ.get("QUERY_STRING", "")
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    headers.pop("authorization", None)   # verified above; the resolver sees the claims only
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    context: dict[str, Any] = {
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                 "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"), "userAgent": headers.get("user-agent", "")},
        "requestId": secrets.token_hex(8), "routeKey": "$default", "stage": "$default", "accountId": "123456789012",
        "apiId": "local", "domainName": "127.0.0.1", "domainPrefix": "local", "time": "", "timeEpoch": 0}
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
            "queryStringParameters": {k: v[-1] for k, v in parse_qs(query).items()} or None,
            "headers": headers, "requestContext": context, "isBase64Encoded": False,
            "body": body.decode("utf-8", "replace") if body else None}


def mount(stack, *, with_demo_users: bool = False) -> tuple[UserPool, dict[str, str]]:
    """Put the console in front of the stack's moto server; the demo users' passwords when asked for."""
    from clea_intake.runtime import aws_ports

    moto_server = getattr(stack, "_server", None)
    if moto_server is None:   # an in-process stack (no port): no browser can reach it
        return None, {}
    server = moto_server._server  # noqa: SLF001  # moto's werkzeug server: its app is looked up per request
    pool = create_user_pool(stack.endpoint_url, stack.names.region)
    config = stack.cfg()
    ports = aws_ports(stack.repo(), config)
    server.app = ConsoleMount(server.app, pool, lambda: ports)
    return pool, demo_users(pool) if with_demo_users else {}
