"""The console mounted on the local stack's moto server: moto's user pool signs in, the JWT check verifies."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import jwt
import pytest

from clea_intake.local import console
from clea_intake.local.stack import LocalStack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    # moto's backends are per process: a stack another module of this worker left behind must not collide
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    with LocalStack(server_port=free_port()) as stack:
        pool, passwords = console.mount(stack, with_demo_users=True)
        yield stack, pool, passwords


def request(url: str, *, token: str | None = None, method: str = "GET", body: dict | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}),
        **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_demo_users_sign_in_and_their_group_decides(served):
    stack, pool, passwords = served
    assert set(passwords) == {"agent", "finance", "admin"} and len(set(passwords.values())) == 3
    tokens = {user: console.sign_in(pool, user, password) for user, password in passwords.items()}
    url = stack.endpoint_url
    status, headers, body = request(f"{url}/api/me", token=tokens["agent"])
    assert status == 200 and json.loads(body) == {"identity": "agent", "groups": ["agents"]}
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert request(f"{url}/api/reviews", token=tokens["agent"])[0] == 200
    assert request(f"{url}/api/payments", token=tokens["agent"])[0] == 403
    assert request(f"{url}/api/payments", token=tokens["finance"])[0] == 200
    assert request(f"{url}/api/reviews", token=tokens["admin"])[0] == 403


def test_a_forged_expired_or_foreign_token_is_refused(served):
    stack, pool, passwords = served
    url = stack.endpoint_url
    good = console.sign_in(pool, "agent", passwords["agent"])
    assert request(f"{url}/api/me")[0] == 401
    # Given a token signed by another key with the same claims, plus admin
    claims = jwt.decode(good, options={"verify_signature": False})
    from cryptography.hazmat.primitives.asymmetric import rsa

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({**claims, "cognito:groups": ["admin"]}, other_key, algorithm="RS256",
                        headers={"kid": jwt.get_unverified_header(good)["kid"]})
    assert request(f"{url}/api/me", token=forged)[0] == 401
    # Given a token of the same pool's key for another app client
    idp = pool.client()
    other_client = idp.create_user_pool_client(UserPoolId=pool.pool_id, ClientName="other",
                                               ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    foreign = idp.initiate_auth(ClientId=other_client["UserPoolClient"]["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "agent", "PASSWORD": passwords["agent"]})
    assert request(f"{url}/api/me", token=foreign["AuthenticationResult"]["IdToken"])[0] == 401
    # Given an unsigned token ("alg": "none")
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert request(f"{url}/api/me", token=unsigned)[0] == 401


def test_expired_token_is_refused(served):
    stack, pool, passwords = served
    key = console.ConsoleMount(lambda e, s: [], pool, lambda: None).jwks
    good = console.sign_in(pool, "agent", passwords["agent"])
    with pytest.raises(console.auth.TokenRejected):
        console.auth.verify_token(good, issuer=pool.issuer, client_id=pool.client_id, jwks_client=key,
                                  leeway=-7200)


def test_the_browser_signs_in_on_the_same_origin_without_aws_credentials(served):
    stack, pool, passwords = served
    # What console.js sends: Cognito's JSON protocol, unsigned, to the origin that served the pages
    status, _h, body = request(f"{stack.endpoint_url}/", method="POST", body={
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": pool.client_id,
        "AuthParameters": {"USERNAME": "finance", "PASSWORD": passwords["finance"]}},
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"})
    assert status == 200, body
    token = json.loads(body)["AuthenticationResult"]["IdToken"]
    assert request(f"{stack.endpoint_url}/api/payments", token=token)[0] == 200


def test_pages_and_schema_are_served_with_the_security_headers(served):
    stack, _pool, _passwords = served
    status, headers, body = request(f"{stack.endpoint_url}/console/index.html")
    assert status == 200 and b'<html lang="fr">' in body and b"<script>" not in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    status, _h, body = request(f"{stack.endpoint_url}/api/docs")
    assert status == 200 and "/api/reviews/{review_id}/claim" in json.loads(body)["paths"]
    assert request(f"{stack.endpoint_url}/console/../pyproject.toml")[0] in (400, 404)
