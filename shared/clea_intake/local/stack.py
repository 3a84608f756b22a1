"""The whole stack on moto in this process: S3 → EventBridge → SQS → handlers, the real ASL, a clock."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from secrets import token_urlsafe
from types import ModuleType
from typing import Any

from clea_intake import clock, runtime, settings
from clea_intake.adapters import clients, secrets, workflow
from clea_intake.local.names import FUNCTIONS, QUEUES, StackNames, asl_path, repo_root

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


class StackNotSettled(RuntimeError):
    """Work was still moving when the settle time ran out (a stuck execution or a poisoned queue)."""


@dataclass
class LambdaContext:
    """The few attributes of the Lambda context that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = ""
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def load_handler(folder: str) -> Callable[[dict, Any], Any]:
    """Import functions/<folder>/app.py as its own module, as Lambda would, and return lambda_handler."""
    path = repo_root() / "functions" / folder / "app.py"
    spec = importlib.util.spec_from_file_location(f"clea_function_{folder}", path)
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def substitute(definition: str, values: dict[str, str]) -> str:
    """Fill `${Name}` placeholders as CloudFormation's DefinitionSubstitutions does."""
    for name, value in values.items():
        definition = definition.replace("${" + name + "}", value)
    return definition


class ScaledTime:
    """Stands in for the `time` module of moto's ASL retrier: Retry intervals sleep `scale` times as long."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class LocalStack:
    """Start with `with LocalStack() as stack:`; drive it through the platform's S3 keys and `settle()`."""

    def __init__(self, names: StackNames | None = None, *, retry_time_scale: float = 0.0,
                 settle_timeout: float = 120.0, server_port: int | None = None) -> None:
        self.names = names or StackNames()
        # In server mode moto listens on 127.0.0.1:server_port, so that the AWS CLI and SDKs reach it.
        self.server_port = server_port
        self._server = None
        # The deployed ASL retries after 1 s, 2 s, 4 s...; locally those waits are scaled (0 in tests).
        self.retry_time_scale = retry_time_scale
        self.settle_timeout = settle_timeout
        self._mock = None
        self._handlers: dict[str, Callable] = {}
        self._lock = threading.Lock()
        self._generation: dict[str, int] = {}
        self._parked: dict[str, int] = {}
        self._in_flight = 0
        self._saved_env: dict[str, str | None] = {}
        self._original_invoke = None
        self._sfn_clients: dict[tuple[str, str], Any] = {}
        self._dynamo_lock = threading.RLock()
        self.queue_urls: dict[str, str] = {}
        self.dlq_urls: dict[str, str] = {}

    # -- life cycle --------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": self.names.region, "AWS_REGION": self.names.region,
            "TABLE_NAME": self.names.table, "BUCKET_NAME": self.names.bucket,
            "BENEFICIARY_KEY_PARAMETER": self.names.beneficiary_key_parameter,
            "STATE_MACHINE_ARN": self.names.state_machine_arn, "OCR_PROVIDER": "tesseract",
            "POWERTOOLS_SERVICE_NAME": "clea-intake", "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            "OMP_THREAD_LIMIT": "1",
            **({"AWS_ENDPOINT_URL": self.endpoint_url, "MOTO_PORT": str(self.server_port)} if self.server_port else {}),
        }

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from moto import mock_aws
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as retrier
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MOTO_PORT"):
            self._saved_env[key] = os.environ.pop(key, None)
        for key, value in self.environment().items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        if self.server_port:
            self._start_server()
        else:
            self._mock = mock_aws(config=MOTO_CONFIG)
            self._mock.start()
        self._reset_caches()
        stack = self
        self._original_invoke = LambdaSimpleBackend.invoke

        def invoke(backend, function_name, qualifier, body, headers, response_headers):
            return stack._dispatch(function_name, body, response_headers)

        LambdaSimpleBackend.invoke = invoke
        retrier.time = ScaledTime(self.retry_time_scale)
        # moto's executor builds a new boto3 client for every Lambda task (~0.2 s each): reuse one.
        self._original_client_for = lambda_eval_utils.boto_client_for
        lambda_eval_utils.boto_client_for = self._cached_client_for
        # moto applies a DynamoDB transaction by copying tables without a lock; DynamoDB isolates
        # transactions, so the stack serialises moto's DynamoDB requests (the handlers run in threads).
        from moto.dynamodb.responses import DynamoHandler

        self._original_dynamo_call = DynamoHandler.call_action
        original_dynamo_call, dynamo_lock = self._original_dynamo_call, self._dynamo_lock

        def call_action(handler):
            with dynamo_lock:
                return original_dynamo_call(handler)

        DynamoHandler.call_action = call_action
        workflow.resume_listeners.append(self._on_resume)
        try:
            self.create_resources()
        except BaseException:
            # Leave nothing patched or mocked behind: a half-started stack would poison the process.
            self.stop()
            raise

    def _start_server(self) -> None:
        import logging
        import urllib.request

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.server_port, verbose=False)
        self._server.start()
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/config", data=json.dumps(MOTO_CONFIG).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _cached_client_for(self, region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        with self._lock:
            if key not in self._sfn_clients:
                self._sfn_clients[key] = self._original_client_for(region=region, service=service)
            return self._sfn_clients[key]

    def stop(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as retrier
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

        if self._original_invoke is not None:
            from moto.dynamodb.responses import DynamoHandler

            DynamoHandler.call_action = self._original_dynamo_call
            LambdaSimpleBackend.invoke = self._original_invoke
            lambda_eval_utils.boto_client_for = self._original_client_for
        retrier.time = time
        if self._on_resume in workflow.resume_listeners:
            workflow.resume_listeners.remove(self._on_resume)
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        clock.set_now(None)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._reset_caches()

    @staticmethod
    def _reset_caches() -> None:
        clients.reset()
        secrets.reset()
        settings.reset()
        runtime.reset()

    # -- resources ---------------------------------------------------------------------------
    def create_resources(self) -> None:
        names = self.names
        s3 = clients.client("s3")
        s3.create_bucket(Bucket=names.bucket, CreateBucketConfiguration={"LocationConstraint": names.region})
        s3.put_bucket_versioning(Bucket=names.bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(
            Bucket=names.bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
        create_cases_table(names.table)
        sqs = clients.client("sqs")
        events = clients.client("events")
        for queue, (_, patterns) in QUEUES.items():
            dlq_url = sqs.create_queue(QueueName=names.dlq(queue))["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            url = sqs.create_queue(QueueName=names.queue(queue), Attributes={
                "VisibilityTimeout": "900",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.queue_urls[queue], self.dlq_urls[queue] = url, dlq_url
            events.put_rule(Name=f"{names.prefix}-{queue}", EventPattern=json.dumps(event_pattern(names.bucket, patterns)))
            events.put_targets(Rule=f"{names.prefix}-{queue}", Targets=[{"Id": queue, "Arn": arn}])
        clients.client("ses").verify_domain_identity(Domain=settings.settings().mail_from.split("@")[1])
        create_key_secret(names.beneficiary_key_parameter)
        secrets.beneficiary_secret()  # read once now, as a Lambda container would at its first case
        role = clients.client("iam").create_role(
            RoleName=f"{names.prefix}-states", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        definition = substitute(asl_path().read_text(encoding="utf-8"),
                                {f"{prefix}FunctionArn": names.function_arn(folder) for folder, prefix in FUNCTIONS.items()})
        clients.client("stepfunctions").create_state_machine(
            name=names.state_machine, roleArn=role["Role"]["Arn"], type="STANDARD",
            definition=definition)

    # -- Lambda dispatch ---------------------------------------------------------------------
    def handler(self, folder: str) -> Callable[[dict, Any], Any]:
        with self._lock:
            if folder not in self._handlers:
                self._handlers[folder] = load_handler(folder)
            return self._handlers[folder]

    def invoke(self, folder: str, event: dict) -> Any:
        context = LambdaContext(function_name=f"{self.names.prefix}-{folder}",
                                invoked_function_arn=self.names.function_arn(folder),
                                aws_request_id=str(uuid.uuid4()))
        return self.handler(folder)(event, context)

    def _folder_of(self, function_name: str) -> str:
        name = function_name.rsplit(":", 1)[-1] if "function:" in function_name else function_name
        name = name.split(":function:")[-1]
        folder = name.removeprefix(f"{self.names.prefix}-").replace("-", "_")
        if folder not in FUNCTIONS:
            raise LookupError(f"no function {function_name}")
        return folder

    def _dispatch(self, function_name: str, body: Any, response_headers: dict) -> bytes:
        payload = json.loads(body or "{}")
        case_id = payload.get("case_id")
        folder = self._folder_of(function_name)
        with self._lock:
            self._in_flight += 1
            generation = self._bump(case_id)
        try:
            result = self.invoke(folder, payload)
            if folder == "await_step" and case_id:
                with self._lock:
                    if self._generation.get(case_id) == generation:
                        self._parked[case_id] = generation
            return json.dumps(result, default=str).encode()
        except Exception as exc:  # a failed Lambda: Step Functions sees errorType and applies Retry/Catch
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        finally:
            with self._lock:
                self._in_flight -= 1

    def _bump(self, case_id: str | None) -> int:
        if not case_id:
            return 0
        self._generation[case_id] = self._generation.get(case_id, 0) + 1
        return self._generation[case_id]

    def _on_resume(self, case_id: str) -> None:
        with self._lock:
            self._bump(case_id)

    def repo(self):
        return runtime.repo()

    def cfg(self):
        return settings.settings()

    # -- the platform's actions --------------------------------------------------------------
    def put(self, key: str, body: bytes, *, content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None) -> None:
        clients.client("s3").put_object(Bucket=self.names.bucket, Key=key, Body=body, ContentType=content_type,
                                        Metadata=metadata or {})

    def upload_document(self, case_id: str, filename: str, data: bytes) -> str:
        key = f"applications/{case_id}/documents/{filename}"
        self.put(key, data)
        return key

    def submit(self, application: dict | bytes) -> str:
        body = application if isinstance(application, bytes) else json.dumps(application, ensure_ascii=False).encode()
        try:
            case_id = json.loads(body)["case_id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("the application has no case_id: the platform could not file it") from exc
        self.put(f"applications/{case_id}/application.json", body, content_type="application/json")
        return case_id

    def deliver_email(self, raw: bytes, message_id: str | None = None) -> str:
        key = f"inbound/{message_id or uuid.uuid4().hex}"
        self.put(key, raw, content_type="message/rfc822")
        return key

    def set_time(self, moment: datetime) -> None:
        clock.set_now(moment)

    def tick(self, moment: datetime | None = None) -> Any:
        """Run the deadline sweeper as EventBridge Scheduler would, at `moment`."""
        if moment is not None:
            clock.set_now(moment)
        result = self.invoke("sweep_deadlines", {"source": "aws.scheduler"})
        self.settle()
        return result

    # -- moving the events along -------------------------------------------------------------
    def pump(self) -> int:
        """Deliver every visible SQS message to its function as Lambda's event source mapping would."""
        sqs = clients.client("sqs")
        delivered = 0
        for queue, (folder, _) in QUEUES.items():
            while True:
                messages = sqs.receive_message(QueueUrl=self.queue_urls[queue], MaxNumberOfMessages=10,
                                               AttributeNames=["All"], WaitTimeSeconds=0).get("Messages", [])
                if not messages:
                    break
                delivered += len(messages)
                event = {"Records": [sqs_record(m, self.queue_urls[queue], self.names.region) for m in messages]}
                try:
                    failures = {f["itemIdentifier"] for f in self.invoke(folder, event).get("batchItemFailures", [])}
                except Exception:  # the whole batch failed: every message comes back
                    failures = {m["MessageId"] for m in messages}
                for message in messages:
                    if message["MessageId"] in failures:
                        sqs.change_message_visibility(QueueUrl=self.queue_urls[queue],
                                                      ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
                    else:
                        sqs.delete_message(QueueUrl=self.queue_urls[queue], ReceiptHandle=message["ReceiptHandle"])
        return delivered

    def _busy_executions(self) -> list[str]:
        paginator = clients.client("stepfunctions").get_paginator("list_executions")
        running = [e["name"] for page in paginator.paginate(stateMachineArn=self.names.state_machine_arn,
                                                            statusFilter="RUNNING") for e in page["executions"]]
        with self._lock:
            return [n for n in running if self._parked.get(n) is None or self._parked[n] != self._generation.get(n)]

    def settle(self, timeout: float | None = None) -> None:
        """Pump queues until nothing moves: every execution is parked on a task token or finished."""
        limit = time.monotonic() + (timeout or self.settle_timeout)
        quiet = 0
        while True:
            moved = self.pump()
            busy = self._busy_executions()
            with self._lock:
                in_flight = self._in_flight
            quiet = quiet + 1 if not moved and not busy and not in_flight else 0
            if quiet >= 2:
                return
            if time.monotonic() > limit:
                raise StackNotSettled(f"still busy: executions {busy}, {in_flight} invocations in flight")
            # Polling moto too often starves the execution threads of the GIL.
            time.sleep(0.002 if moved else 0.05)

    def dead_letters(self) -> dict[str, int]:
        sqs = clients.client("sqs")
        counts = {}
        for queue, url in self.dlq_urls.items():
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            counts[queue] = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        return counts

    def sent_emails(self) -> list[dict]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        backend = ses_backends[DEFAULT_ACCOUNT_ID][self.names.region]
        return [{"source": m.source, "destinations": m.destinations, "raw": m.raw_data}
                for m in backend.sent_messages]

    def read_object(self, key: str) -> bytes:
        return clients.client("s3").get_object(Bucket=self.names.bucket, Key=key)["Body"].read()


def create_cases_table(name: str) -> None:
    """The cases table of template.yaml: pk/sk, and gsi1 for cases by state."""
    clients.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                          {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}],
    )


def create_key_secret(name: str) -> None:
    """A stack of its own, a key of its own: as on AWS, the beneficiary keys' secret is a SecureString."""
    clients.client("ssm").put_parameter(Name=name, Type="SecureString", Value=token_urlsafe(48))


def event_pattern(bucket: str, key_patterns: list[str]) -> dict:
    return {"source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"wildcard": p} for p in key_patterns]}}}


def sqs_record(message: dict, queue_url: str, region: str) -> dict:
    queue_name = queue_url.rsplit("/", 1)[-1]
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": message.get("Attributes", {}), "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{region}:123456789012:{queue_name}", "awsRegion": region,
    }

