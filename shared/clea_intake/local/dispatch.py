"""The real handlers run as Lambda runs them: invoked by Step Functions, fed by the queues' event source mappings."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from clea_intake.adapters import clients
from clea_intake.local.names import FUNCTIONS, QUEUES, StackNames, repo_root


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


class Dispatcher:
    """Runs each function's handler, and knows whether work is still moving (`settle()` waits until it is not).

    An execution counts as parked once its latest Lambda task was `await_step`: it waits on a task token.
    """

    def __init__(self, names: StackNames, *, settle_timeout: float = 120.0) -> None:
        self.names = names
        self.settle_timeout = settle_timeout
        self._handlers: dict[str, Callable] = {}
        self._lock = threading.Lock()
        self._ended = threading.Condition(self._lock)  # notified when an invocation ends or a case resumes
        self._generation: dict[str, int] = {}
        self._parked: dict[str, int] = {}
        self._in_flight = 0
        self.queue_urls: dict[str, str] = {}

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

    def dispatch(self, function_name: str, body: Any, response_headers: dict) -> bytes:
        """One Lambda invoke from a Step Functions task: the handler's result, or the error Retry/Catch sees."""
        payload = json.loads(body or "{}")
        case_id = payload.get("case_id")
        folder = self._folder_of(function_name)
        with self._lock:
            self._in_flight += 1
            generation = self._bump(case_id)
        try:
            result = self.invoke(folder, payload)
            # Parked only on a task token: the failure record (RecordFailure) is an await_step call too, after which
            # the execution still runs to its Fail state.
            if folder == "await_step" and case_id and payload.get("token"):
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
                self._ended.notify_all()

    def _bump(self, case_id: str | None) -> int:
        if not case_id:
            return 0
        self._generation[case_id] = self._generation.get(case_id, 0) + 1
        return self._generation[case_id]

    def on_resume(self, case_id: str) -> None:
        """A task token was sent back: the case's execution is busy again."""
        with self._lock:
            self._bump(case_id)
            self._ended.notify_all()

    # -- moving the events along -------------------------------------------------------------
    def pump(self) -> int:
        """Deliver every visible SQS message to its function as Lambda's event source mapping would."""
        sqs = clients.client("sqs")
        delivered = 0
        for queue, (folder, _) in QUEUES.items():
            while self._may_hold_messages(queue):
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

    def _may_hold_messages(self, queue: str) -> bool:
        """False only when moto's backend shows no visible message on the queue: `settle` polls many times a
        second, and an empty ReceiveMessage through botocore and moto costs about a millisecond of CPU (a fifth
        of a season's). Any doubt (a backend not found) says True, and ReceiveMessage decides."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends

        name = self.queue_urls[queue].rsplit("/", 1)[-1]
        try:
            held = sqs_backends[DEFAULT_ACCOUNT_ID][self.names.region].queues[name]
        except KeyError:
            return True
        return bool(held.messages)  # moto's own list of the visible, undelayed messages

    def _busy_executions(self) -> list[str]:
        with self._lock:
            return [n for n in self._running_executions()
                    if self._parked.get(n) is None or self._parked[n] != self._generation.get(n)]

    def _running_executions(self) -> list[str]:
        """The state machine's running executions, read in moto's backend: `settle` asks many times a second,
        and ListExecutions serialises every execution kept (those parked on a claim's task token stay for
        weeks), so through the API each poll grew with the season."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        backend = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][self.names.region]
        machines = [m for m in backend.state_machines if m.arn == self.names.state_machine_arn]
        return [e.name for m in machines for e in list(m.executions)
                if str(e.status) in ("RUNNING", "ExecutionStatus.RUNNING")]

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
            if moved or quiet:
                # A delivered batch may have started more work; once nothing moves at all, one confirming look
                # (an execution between two states is RUNNING all along, so it is seen as busy).
                time.sleep(0.001)
            else:
                # Executions are running Lambda tasks in their threads: wake when one ends (or in 50 ms, for an
                # execution that ends without a task), rather than polling moto, which takes the GIL from them.
                with self._lock:
                    self._ended.wait(0.05)


class LineAtomicStdout:
    """sys.stdout while a stack runs. Each handler is a process of its own on Lambda, here a thread: print() writes
    a line and its end separately, so two handlers' EMF records could interleave into one unreadable line. Each
    thread's text is held until its line ends, then written whole."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._local = threading.local()

    def write(self, text: str) -> int:
        pending = getattr(self._local, "pending", "") + text
        lines, end, rest = pending.rpartition("\n")
        self._local.pending = rest
        if end:
            with self._lock:
                self.stream.write(lines + end)
        return len(text)

    def flush(self) -> None:
        pending, self._local.pending = getattr(self._local, "pending", ""), ""
        with self._lock:
            if pending:
                self.stream.write(pending)
            self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def sqs_record(message: dict, queue_url: str, region: str) -> dict:
    queue_name = queue_url.rsplit("/", 1)[-1]
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": message.get("Attributes", {}), "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{region}:123456789012:{queue_name}", "awsRegion": region,
    }
