"""`clea-intake serve` with the real AWS CLI: upload an application to the local stack and watch the case advance.

Everything goes through loopback: the server is a child process on 127.0.0.1, the `aws` command of the
awscli package reaches it with --endpoint-url and dummy credentials, and `clea-intake cases|case` with
AWS_ENDPOINT_URL. The server runs on the real clock, so the evaluation is set weeks from today.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clea_intake.local.names import StackNames
from clea_intake.samples.persona import application_documents, sample_application

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
REGION = "eu-west-3"
PARIS = ZoneInfo("Europe/Paris")
NAMES = StackNames()
READY_LINE = "Ctrl-C to stop."
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def client_environment(home: Path, endpoint_url: str | None = None) -> dict[str, str]:
    """Dummy credentials, the stack's region, no profile or config of the machine; the endpoint if given."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "POWERTOOLS_")) and key not in ("MOTO_PORT", "TABLE_NAME", "BUCKET_NAME",
                                                                        "STATE_MACHINE_ARN")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                "AWS_CONFIG_FILE": str(home / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-creds"),
                "AWS_EC2_METADATA_DISABLED": "true", "COLUMNS": "200"})
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


class ServedStack:
    """`clea-intake serve --port P` as a child process, its output collected, stopped by a signal."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.output: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self.started_in = 0.0

    def start(self, *, as_background_job: bool = False) -> ServedStack:
        """Start and wait for the banner; `as_background_job` starts it with SIGINT ignored, as `cmd &` in a script."""
        began = time.monotonic()
        self.process = subprocess.Popen(
            [str(BIN / "clea-intake"), "serve", "--port", str(self.port)], cwd=self.workdir,
            env=client_environment(self.workdir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1,
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if as_background_job else None)
        threading.Thread(target=self._collect, daemon=True).start()
        while READY_LINE not in self.text():
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.text()}")
            if time.monotonic() - began > START_TIMEOUT_S:
                self.kill()
                raise AssertionError(f"serve not ready in {START_TIMEOUT_S:.0f} s:\n{self.text()}")
            time.sleep(0.1)
        self.started_in = time.monotonic() - began
        return self

    def _collect(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def text(self) -> str:
        return "".join(self.output)

    def stop(self, signum: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Send `signum` and wait for the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def aws(self, *args: str, timeout: float = 60.0) -> Any:
        """Run the AWS CLI against the stack; its JSON output parsed (None when it prints nothing)."""
        done = subprocess.run([str(BIN / "aws"), "--endpoint-url", self.endpoint_url, "--region", REGION,
                               "--output", "json", *args], env=client_environment(self.workdir), cwd=self.workdir,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else None

    def clea(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run the `clea-intake` command line with AWS_ENDPOINT_URL set to the stack."""
        return subprocess.run([str(BIN / "clea-intake"), *args], env=client_environment(self.workdir, self.endpoint_url),
                              cwd=self.workdir, capture_output=True, text=True, timeout=timeout)


def application_files(number: int, folder: Path, today: date) -> dict[str, Any]:
    """A valid application.json and its pieces under folder/, as the platform would write them today."""
    start = today + timedelta(days=42)
    app = sample_application(number, seed=number, evaluation_start=start.isoformat(),
                             evaluation_end=(start + timedelta(days=4)).isoformat(), nationality="FR",
                             situation="unemployed")
    app["submitted_at"] = datetime.now(PARIS).replace(microsecond=0).isoformat()
    (folder / "documents").mkdir(parents=True)
    (folder / "application.json").write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
    for name, data in application_documents(app, received=today, seed=number).items():
        (folder / "documents" / name).write_bytes(data)
    return app


def case_key(case_id: str) -> str:
    return json.dumps({"pk": {"S": f"CASE#{case_id}"}, "sk": {"S": "CASE"}})


def watch_state(stack: ServedStack, case_id: str, until: set[str], timeout: float = 90.0) -> list[str]:
    """The states `aws dynamodb get-item` shows, polled until one of `until` (or the timeout)."""
    seen: list[str] = []
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        item = stack.aws("dynamodb", "get-item", "--table-name", NAMES.table, "--key", case_key(case_id),
                         "--projection-expression", "#s", "--expression-attribute-names", '{"#s": "state"}')
        state = (item or {}).get("Item", {}).get("state", {}).get("S")
        if state and (not seen or seen[-1] != state):
            seen.append(state)
        if state in until:
            break
        time.sleep(0.5)
    return seen


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedStack]:
    stack = ServedStack(tmp_path_factory.mktemp("serve")).start(as_background_job=True)
    try:
        yield stack
    finally:
        stack.kill()


@pytest.fixture(scope="module")
def uploaded(served: ServedStack) -> dict[str, Any]:
    """One application and its pieces copied with `aws s3 cp --recursive`, then watched to its decision."""
    folder = served.workdir / "upload"
    app = application_files(4202, folder, date.today())
    prefix = f"s3://{NAMES.bucket}/applications/{app['case_id']}/"
    began = time.monotonic()
    served.aws("s3", "cp", str(folder), prefix, "--recursive", "--only-show-errors")
    states = watch_state(served, app["case_id"], until={"AWARDED", "REFUSED"})
    return {"app": app, "states": states, "seconds": time.monotonic() - began}


def test_serve_listens_on_loopback_only(served: ServedStack) -> None:
    # Given the running server  When the kernel's table of listening TCP sockets is read
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("needs Linux /proc/net/tcp")
    port = f"{served.port:04X}"
    listening = [line.split()[1] for line in tcp.read_text().splitlines()[1:]
                 if line.split()[1].endswith(f":{port}") and line.split()[3] == "0A"]
    tcp6 = Path("/proc/net/tcp6")
    listening6 = [line.split()[1] for line in (tcp6.read_text().splitlines()[1:] if tcp6.exists() else [])
                  if line.split()[1].endswith(f":{port}") and line.split()[3] == "0A"]
    # Then its port is bound to 127.0.0.1 only, never to all interfaces
    assert listening == [f"0100007F:{port}"]
    assert listening6 == []


def test_serve_banner_shows_the_aws_cli_command_unbroken(served: ServedStack) -> None:
    # Given the server's first lines  When they are read
    text = served.text()
    # Then they name the endpoint and give an upload command on one line, ready to paste
    assert f"clea-intake local stack on {served.endpoint_url}" in text
    assert (f"aws --endpoint-url {served.endpoint_url} s3 cp application.json "
            f"s3://{NAMES.bucket}/applications/NA-CLEA-2026-000123/application.json") in text


def test_serve_awscli_lists_the_stack_bucket_and_table(served: ServedStack) -> None:
    # Given the server  When the AWS CLI lists buckets and tables
    buckets = served.aws("s3api", "list-buckets")
    tables = served.aws("dynamodb", "list-tables")
    # Then the stack's bucket and table are there
    assert NAMES.bucket in [b["Name"] for b in buckets["Buckets"]]
    assert NAMES.table in tables["TableNames"]


def test_serve_awscli_uploaded_application_leaves_received(uploaded: dict[str, Any]) -> None:
    # Given an application and its pieces copied with `aws s3 cp`
    # When `aws dynamodb get-item` is polled
    states = uploaded["states"]
    # Then the case appears, leaves RECEIVED, and the valid file is awarded
    assert states, "the case item never appeared"
    assert states[-1] not in ("RECEIVED",), states
    assert states[-1] == "AWARDED", states


def test_serve_awscli_uploaded_objects_are_under_the_case_prefix(served: ServedStack,
                                                                 uploaded: dict[str, Any]) -> None:
    # Given the upload  When `aws s3api list-objects-v2` lists the case's prefix
    case_id = uploaded["app"]["case_id"]
    listing = served.aws("s3api", "list-objects-v2", "--bucket", NAMES.bucket, "--prefix", f"applications/{case_id}/")
    keys = {o["Key"] for o in listing["Contents"]}
    # Then the form and the five pieces are where the platform puts them
    assert f"applications/{case_id}/application.json" in keys
    assert len([k for k in keys if k.startswith(f"applications/{case_id}/documents/")]) == 5


def test_serve_awscli_query_by_state_and_timeline_show_the_case(served: ServedStack,
                                                               uploaded: dict[str, Any]) -> None:
    case_id = uploaded["app"]["case_id"]
    # Given the decided case
    # When the cases-by-state index and the case's event items are queried with the AWS CLI
    awarded = served.aws("dynamodb", "query", "--table-name", NAMES.table, "--index-name", "gsi1",
                         "--key-condition-expression", "gsi1pk = :p",
                         "--expression-attribute-values", '{":p": {"S": "STATE#AWARDED"}}')
    events = served.aws("dynamodb", "query", "--table-name", NAMES.table,
                        "--key-condition-expression", "pk = :pk AND begins_with(sk, :e)",
                        "--expression-attribute-values",
                        json.dumps({":pk": {"S": f"CASE#{case_id}"}, ":e": {"S": "EVENT#"}}))
    # Then the index lists it under AWARDED and its timeline ends with the award
    assert case_id in [item["case_id"]["S"] for item in awarded["Items"]]
    bodies = [json.loads(item["body"]["S"]) for item in events["Items"]]
    assert [b.get("to_state") for b in bodies if b.get("to_state")][-1] == "AWARDED"


def test_serve_clea_intake_cases_and_case_reach_the_served_stack(served: ServedStack,
                                                                uploaded: dict[str, Any]) -> None:
    case_id = uploaded["app"]["case_id"]
    # Given AWS_ENDPOINT_URL pointing at the server
    # When `clea-intake cases --json` and `clea-intake case ID` run as commands
    cases = served.clea("cases", "--json")
    case = served.clea("case", case_id)
    # Then both read the served table: the case, its state and its timeline
    assert cases.returncode == 0, cases.stderr
    assert {"case_id": case_id, "state": "AWARDED"}.items() <= next(
        c for c in json.loads(cases.stdout) if c["case_id"] == case_id).items()
    assert case.returncode == 0, case.stderr
    assert case_id in case.stdout and "AWARDED" in case.stdout and "Historique" in case.stdout


def test_serve_ctrl_c_stops_cleanly_and_frees_the_port(served: ServedStack, uploaded: dict[str, Any]) -> None:
    # Given the server that handled the case, started like a background job of a script (SIGINT ignored)
    # When it gets Ctrl-C (SIGINT)
    began = time.monotonic()
    code = served.stop(signal.SIGINT)
    # Then it exits 0, says so, and the port is free again
    assert code == 0, served.text()
    assert "stopped" in served.text()
    assert time.monotonic() - began < 30
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", served.port)) != 0
