"""template.yaml's operations console: the user pool and its groups, the HTTP API with its JWT authorizer and rate
limits, the console function, the assets bucket and the CloudFront distribution in front of both.

Read on the template as SAM translates it (what CloudFormation deploys), no AWS call. The headers CloudFront adds
are compared with the ones the local console sends (clea_intake.local.console), so both stacks serve one policy.
"""

from __future__ import annotations

from typing import Any

from clea_intake.console import auth
from clea_intake.local.console import GROUPS as LOCAL_GROUPS
from clea_intake.local.console import SECURITY_HEADERS
from tests.unit.infra.test_template import resources, translated

API_ROUTE = "/api/{proxy+}"


def one(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    (resource,) = resources(kind, document).values()
    return resource["Properties"]


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parts = [p.split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_user_pool_admits_only_accounts_an_administrator_creates() -> None:
    # Given the console's user pool  Then nobody signs up alone, passwords are long, recovery goes through an admin
    pool = one("AWS::Cognito::UserPool", translated())
    assert pool["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert pool["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "admin_only", "Priority": 1}]}


def test_user_pool_groups_are_the_roles_the_api_checks() -> None:
    # Given the pool's groups  Then they are exactly the groups console.auth grants routes to
    groups = resources("AWS::Cognito::UserPoolGroup", translated()).values()
    assert sorted(g["Properties"]["GroupName"] for g in groups) == sorted(auth.GROUPS)
    assert all(g["Properties"]["UserPoolId"] == {"Ref": "ConsoleUserPool"} for g in groups)


def test_user_pool_groups_are_described_as_on_the_local_stack() -> None:
    # Given the groups' descriptions  Then they are the local user pool's (clea_intake.local.console.GROUPS)
    groups = resources("AWS::Cognito::UserPoolGroup", translated()).values()
    assert {g["Properties"]["GroupName"]: g["Properties"]["Description"] for g in groups} == LOCAL_GROUPS


def test_user_pool_client_is_the_browser_password_client_with_no_secret() -> None:
    # Given the app client  Then the pages can sign in with it (no secret a browser would hold), and nothing else
    client = one("AWS::Cognito::UserPoolClient", translated())
    assert client["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_http_api_checks_every_route_with_the_pool_jwt() -> None:
    # Given the translated HTTP API
    body = one("AWS::ApiGatewayV2::Api", translated())["Body"]
    schemes = body["components"]["securitySchemes"]
    # Then its one authorizer is a JWT one on the pool, for the console's client
    assert list(schemes) == ["ConsoleUsers"]
    authorizer = schemes["ConsoleUsers"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt" and authorizer["identitySource"] == "$request.header.Authorization"
    assert authorizer["jwtConfiguration"] == {
        "issuer": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${ConsoleUserPool}"},
        "audience": [{"Ref": "ConsoleUserPoolClient"}]}
    # And every route of every method needs it, and goes to the console function
    operations = [op for path in body["paths"].values() for op in path.values()]
    assert list(body["paths"]) == [API_ROUTE] and operations
    assert all(op["security"] == [{"ConsoleUsers": []}] for op in operations)
    assert all("${ConsoleApiFunction.Arn}" in op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
               for op in operations)


def test_http_api_stage_limits_the_rate_and_logs_no_path() -> None:
    # Given the API's stage  Then every route is throttled (50 requests/s, bursts of 100), above one person's limit
    from clea_intake.console.ratelimit import TokenBuckets

    stage = one("AWS::ApiGatewayV2::Stage", translated())
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    person = TokenBuckets()
    assert person.rate < 50 and person.burst < 100
    # And its access log names route templates, never the path (ids) nor anything of the caller but the request
    log_format = stage["AccessLogSettings"]["Format"]
    assert "$context.routeKey" in log_format
    assert not [v for v in ("$context.path", "$context.identity", "$context.authorizer.claims") if v in log_format]


def test_console_function_runs_the_console_api_code_behind_the_api_only() -> None:
    # Given the console function  Then it deploys functions/console_api with its own role, and only the HTTP API
    # (any stage, the /api/ routes) may invoke it
    document = translated()
    function = document["Resources"]["ConsoleApiFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["ConsoleApiFunctionRole", "Arn"]}
    (permission,) = [p["Properties"] for p in resources("AWS::Lambda::Permission", document).values()
                     if p["Properties"]["FunctionName"] == {"Ref": "ConsoleApiFunction"}]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"][1]["__ApiId__"] == {"Ref": "ConsoleHttpApi"}


def test_assets_bucket_is_private_encrypted_versioned_logged_and_read_by_the_distribution_only() -> None:
    # Given the assets bucket and its policy
    document = translated()
    bucket = document["Resources"]["ConsoleAssetsBucket"]["Properties"]
    statements = document["Resources"]["ConsoleAssetsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    # Then it blocks public access, encrypts, keeps versions and logs access to the access-log bucket
    assert list(bucket["PublicAccessBlockConfiguration"].values()) == [True] * 4
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
    # And plain HTTP is refused, and the one reader is CloudFront, for this distribution
    assert [s["Condition"] for s in statements if s["Effect"] == "Deny"] == [{"Bool": {"aws:SecureTransport": "false"}}]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    assert "distribution/${ConsoleDistribution}" in allow["Condition"]["StringEquals"]["aws:SourceArn"]["Fn::Sub"]


def test_distribution_serves_pages_from_the_bucket_through_its_origin_access_control() -> None:
    # Given the distribution
    document = translated()
    config = one("AWS::CloudFront::Distribution", document)["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    # Then the pages come from the assets bucket, signed by the origin access control (no public bucket, no OAI)
    assert origins["assets"]["DomainName"] == {"Fn::GetAtt": ["ConsoleAssetsBucket", "RegionalDomainName"]}
    assert origins["assets"]["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origins["assets"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = one("AWS::CloudFront::OriginAccessControl", document)["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == ("s3", "always",
                                                                                                       "sigv4")
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "assets" and config["DefaultRootObject"] == "index.html"


def test_distribution_routes_api_to_the_http_api_uncached_with_the_token() -> None:
    # Given the distribution's /api/* behaviour
    document = translated()
    config = one("AWS::CloudFront::Distribution", document)["DistributionConfig"]
    (behaviour,) = config["CacheBehaviors"]
    origin = {o["Id"]: o for o in config["Origins"]}[behaviour["TargetOriginId"]]
    # Then it goes to the HTTP API over HTTPS only, every method, never served from the cache
    assert behaviour["PathPattern"] == "/api/*" and behaviour["ViewerProtocolPolicy"] == "https-only"
    assert origin["DomainName"] == {"Fn::Sub": "${ConsoleHttpApi}.execute-api.${AWS::Region}.amazonaws.com"}
    assert origin["CustomOriginConfig"] == {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}
    assert {"GET", "POST"} <= set(behaviour["AllowedMethods"])
    cache = document["Resources"][behaviour["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert cache["DefaultTTL"] == 0 and cache["MinTTL"] == 0
    # And the bearer token reaches the API (CloudFront drops a GET's Authorization unless the cache policy names it)
    assert cache["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"] == ["Authorization"]


def test_distribution_redirects_to_https_with_tls12_when_given_a_certificate() -> None:
    # Given the distribution's viewer side
    config = one("AWS::CloudFront::Distribution", translated())["DistributionConfig"]
    # Then plain HTTP is redirected, and with the console's certificate TLS starts at 1.2 (2021 ciphers); without
    # one, CloudFront's default certificate
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    condition, with_certificate, without = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasConsoleCertificate"
    assert with_certificate == {"AcmCertificateArn": {"Ref": "ConsoleCertificateArn"}, "SslSupportMethod": "sni-only",
                                "MinimumProtocolVersion": "TLSv1.2_2021"}
    assert without == {"CloudFrontDefaultCertificate": True}
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": ["ConsoleCdnLogsBucket", "RegionalDomainName"]}


def test_every_response_carries_the_local_consoles_security_headers_and_hsts() -> None:
    # Given the response headers policy of both behaviours
    document = translated()
    config = one("AWS::CloudFront::Distribution", document)["DistributionConfig"]
    policies = {b["ResponseHeadersPolicyId"]["Ref"] for b in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]}
    assert policies == {"ConsoleSecurityHeadersPolicy"}
    headers = document["Resources"]["ConsoleSecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    local = dict(SECURITY_HEADERS)
    # Then its CSP is the local console's (no inline script, frame-ancestors 'none'), plus Cognito for the sign-in
    deployed = directives(security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"])
    expected = directives(local["Content-Security-Policy"])
    expected["connect-src"] = [*expected["connect-src"], "https://cognito-idp.${AWS::Region}.amazonaws.com"]
    assert deployed == expected
    assert deployed["script-src"] == ["'self'"] and deployed["frame-ancestors"] == ["'none'"]
    # And nosniff, DENY, the referrer policy and no-store as locally, plus HSTS; each overriding the origin's
    assert local["X-Content-Type-Options"] == "nosniff" and security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": local["X-Frame-Options"], "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": local["Referrer-Policy"], "Override": True}
    assert headers["CustomHeadersConfig"]["Items"] == [{"Header": "Cache-Control", "Value": local["Cache-Control"],
                                                        "Override": True}]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["Override"] is True
    assert all(v.get("Override") is True for v in security.values())
