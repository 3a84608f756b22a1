"""scripts/publish-console.sh (`make console-assets`): the console's pages and config.json reach a stack's assets
bucket, and its distribution is invalidated. Run against a moto server with the project's AWS CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.unit.infra.test_template import REGION, ROOT

SCRIPT = ROOT / "scripts" / "publish-console.sh"
STATIC = ROOT / "shared" / "clea_intake" / "console" / "static"
AWS_CLI = ROOT / ".venv" / "bin" / "aws"
STACK = "clea-intake-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    # moto's accounts live in this process, whichever server or mock made them: start from none
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()
    try:
        yield url
    finally:
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()
        server.stop()


def deployed_stack(endpoint: str, *, with_console: bool = True) -> tuple[str, str]:
    """A stack with the console's outputs (an assets bucket, a distribution, a client id); (bucket, distribution)."""
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint)
    bucket = "console-assets-test"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="old-page.js", Body=b"// left from an earlier deploy")
    cloudfront = boto3.client("cloudfront", region_name=REGION, endpoint_url=endpoint)
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "test", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "assets", "DomainName": f"{bucket}.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})["Distribution"]["Id"]
    outputs = {"ConsoleAssetsBucketName": bucket, "ConsoleUserPoolClientId": "client123",
               "ConsoleDistributionId": distribution, "ConsoleUrl": "https://d111.cloudfront.net/"}
    if not with_console:
        outputs = {"DocumentsBucketName": bucket}
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {name: {"Value": value} for name, value in outputs.items()}}
    boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint).create_stack(
        StackName=STACK, TemplateBody=json.dumps(template))
    return bucket, distribution


def publish(endpoint: str) -> subprocess.CompletedProcess[str]:
    if not AWS_CLI.is_file():
        pytest.skip("the AWS CLI of the project's virtualenv is missing: `make setup`")
    env = {**os.environ, "AWS_CLI": str(AWS_CLI), "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run([str(SCRIPT), STACK, REGION], env=env, capture_output=True, text=True, timeout=300)


def test_publish_uploads_the_pages_and_their_config_and_invalidates_the_distribution(endpoint: str) -> None:
    # Given a deployed stack with its console outputs
    bucket, distribution = deployed_stack(endpoint)
    # When the console is published
    result = publish(endpoint)
    assert result.returncode == 0, result.stdout + result.stderr
    # Then the bucket holds exactly the static pages and config.json (a page gone from the code is gone)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {p.name for p in STATIC.iterdir() if p.is_file()} | {"config.json"}
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == (STATIC / "index.html").read_bytes()
    assert s3.head_object(Bucket=bucket, Key="console.js")["ContentType"] in ("text/javascript",
                                                                             "application/javascript")
    # And config.json names the stack's client and the region's Cognito endpoint, the keys the pages read
    config = s3.get_object(Bucket=bucket, Key="config.json")
    assert config["ContentType"] == "application/json"
    assert json.loads(config["Body"].read()) == {"clientId": "client123", "region": REGION,
                                                 "cognitoEndpoint": f"https://cognito-idp.{REGION}.amazonaws.com/"}
    assert all(f"config.{key}" in (STATIC / "console.js").read_text(encoding="utf-8")
               for key in ("clientId", "cognitoEndpoint"))
    # And the distribution was told to fetch everything again, and the console's address is printed
    invalidations = boto3.client("cloudfront", region_name=REGION, endpoint_url=endpoint).list_invalidations(
        DistributionId=distribution)["InvalidationList"]
    assert invalidations["Quantity"] == 1
    assert "https://d111.cloudfront.net/" in result.stdout


def test_publish_to_a_stack_without_the_console_fails_and_uploads_nothing(endpoint: str) -> None:
    # Given a stack deployed before the console existed
    bucket, _ = deployed_stack(endpoint, with_console=False)
    # When the console is published  Then it says so and leaves the bucket as it was
    result = publish(endpoint)
    assert result.returncode != 0 and "no console outputs" in result.stderr
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["old-page.js"]
