"""The operations commands against a served stack: cases, case ID, review (list, confirm, correct, dismiss), dashboard.

The stack is `clea-intake serve` in a child process; the platform's files are put with boto3 on its endpoint,
and the commands reach it only through AWS_ENDPOINT_URL, as they would reach AWS. They run through
`clea_intake.cli.main` (the console script's entry point) in this process, which saves a second of start-up
per command; the dashboard also runs as the real `clea-intake` command.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from fpdf import FPDF

from clea_intake import clock, settings
from clea_intake.adapters import clients
from clea_intake.cli import main
from tests.e2e.test_serve_awscli import NAMES, REGION, ServedStack, application_files

pytestmark = pytest.mark.e2e

# Pieces the classifier cannot place (confidence far below the review threshold), each with its own text.
DOUBTFUL = {
    "piece-a.pdf": ["Attestation", "Le soussigné atteste sur l'honneur.", "Fait à Bordeaux"],
    "piece-b.pdf": ["Attestation", "Le soussigné certifie les informations ci-dessus.", "Fait à Pau"],
    "piece-c.pdf": ["Attestation", "Document remis à l'intéressé.", "Fait à Limoges"],
}
SETTLE_TIMEOUT_S = 90.0


def doubtful_pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def wait_for(what: str, check: Callable[[], Any], timeout: float = SETTLE_TIMEOUT_S) -> Any:
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedStack]:
    stack = ServedStack(tmp_path_factory.mktemp("ops")).start()
    try:
        yield stack
    finally:
        stack.kill()


@pytest.fixture(scope="module")
def ops_env(served: ServedStack) -> Iterator[None]:
    """This process set up as an operator's shell: the standard AWS settings pointing at the served stack."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "MOTO_PORT", "TABLE_NAME", "BUCKET_NAME", "STATE_MACHINE_ARN"):
            patch.delenv(key, raising=False)
        for key, value in {"AWS_ENDPOINT_URL": served.endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                           "AWS_EC2_METADATA_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true"}.items():
            patch.setenv(key, value)
        patch.delenv("COLUMNS", raising=False)
        clock.set_now(None)
        clients.reset()
        settings.reset()
        try:
            yield
        finally:
            clients.reset()
            settings.reset()


@pytest.fixture(scope="module")
def cases(served: ServedStack, ops_env: None) -> dict[str, str]:
    """A valid file (awarded) and a file of three doubtful pieces (three document review items)."""
    s3 = boto3.client("s3", endpoint_url=served.endpoint_url, region_name=REGION)
    today = date.today()
    valid = application_files(4203, served.workdir / "valid", today)
    doubtful = application_files(4204, served.workdir / "doubtful", today)
    for app, folder in ((valid, "valid"), (doubtful, "doubtful")):
        case_id = app["case_id"]
        s3.put_object(Bucket=NAMES.bucket, Key=f"applications/{case_id}/application.json",
                      Body=(served.workdir / folder / "application.json").read_bytes())
    for path in sorted((served.workdir / "valid" / "documents").iterdir()):
        s3.put_object(Bucket=NAMES.bucket, Key=f"applications/{valid['case_id']}/documents/{path.name}",
                      Body=path.read_bytes())
    for name, lines in DOUBTFUL.items():
        s3.put_object(Bucket=NAMES.bucket, Key=f"applications/{doubtful['case_id']}/documents/{name}",
                      Body=doubtful_pdf(lines))
    ids = {"valid": valid["case_id"], "doubtful": doubtful["case_id"]}
    from clea_intake.adapters.repository import dynamo_repository

    repo = dynamo_repository(NAMES.table)
    wait_for("valid file awarded", lambda: (c := repo.find_case(ids["valid"])) and str(c.state) == "AWARDED")
    wait_for("three review items", lambda: len([i for i in repo.reviews("OPEN") if i.case_id == ids["doubtful"]]) == 3)
    return ids


def run(*argv: str) -> tuple[int, str]:
    """`clea-intake ARGV` through the console script's entry point; its exit code and output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, out.getvalue()


def open_reviews(case_id: str) -> list[dict[str, Any]]:
    code, out = run("review", "list", "--json")
    assert code == 0, out
    return sorted((i for i in json.loads(out) if i["case_id"] == case_id), key=lambda i: i["detail"]["key"])


@pytest.fixture(scope="module")
def resolved(cases: dict[str, str]) -> dict[str, Any]:
    """The doubtful file's three items, listed, then one confirmed, one corrected, one dismissed."""
    items = open_reviews(cases["doubtful"])
    listing = run("review", "list")
    confirm, correct, dismiss = items
    results = {
        "confirm": run("review", "confirm", confirm["review_id"], "--by", "agent.test"),
        "correct": run("review", "correct", correct["review_id"], "--doc-type", "proof_of_address",
                       "--field", "postal_code=33000", "--field", "city=Bordeaux", "--by", "agent.test"),
        "dismiss": run("review", "dismiss", dismiss["review_id"], "--note", "doublon", "--by", "agent.test"),
    }
    docs = {action: item["subject_ref"] for action, item in zip(results, items, strict=True)}
    return {"items": items, "listing": listing, "results": results, "docs": docs,
            "left": open_reviews(cases["doubtful"]), "case": json.loads(run("case", cases["doubtful"], "--json")[1])}


def test_ops_cases_lists_both_cases_with_their_states(cases: dict[str, str]) -> None:
    # Given the two files on the served stack
    # When `clea-intake cases --json` runs
    code, out = run("cases", "--json")
    # Then it lists both with their states
    states = {c["case_id"]: c["state"] for c in json.loads(out)}
    assert code == 0
    assert states[cases["valid"]] == "AWARDED"
    assert states[cases["doubtful"]] in ("RECEIVED", "INCOMPLETE")


def test_ops_cases_table_filtered_by_state_shows_whole_ids(cases: dict[str, str]) -> None:
    # Given the served stack  When `clea-intake cases --state AWARDED` prints its table
    code, out = run("cases", "--state", "AWARDED")
    # Then the awarded case is there with its full identifier, the other is not
    assert code == 0
    assert "Dossiers — AWARDED" in out
    assert cases["valid"] in out and cases["doubtful"] not in out


def test_ops_case_shows_timeline_and_pieces(cases: dict[str, str]) -> None:
    # Given the awarded case  When `clea-intake case ID --json` runs
    code, out = run("case", cases["valid"], "--json")
    shown = json.loads(out)
    # Then its timeline goes from receipt to the award and its five pieces are read
    assert code == 0
    assert [e["to_state"] for e in shown["timeline"] if e["to_state"]][-1] == "AWARDED"
    assert shown["timeline"][0]["kind"] == "received"
    assert len(shown["documents"]) == 5 and {d["status"] for d in shown["documents"]} == {"read"}


def test_ops_case_unknown_id_exits_1(cases: dict[str, str]) -> None:
    # Given an id with no case  When `clea-intake case` is asked for it  Then it says so and exits 1
    code, out = run("case", "NA-CLEA-2026-999999")
    assert code == 1 and "Aucun dossier NA-CLEA-2026-999999" in out


def test_ops_review_list_table_shows_whole_ids_of_the_doubtful_pieces(resolved: dict[str, Any]) -> None:
    # Given the three doubtful pieces  When `clea-intake review list` printed its table
    code, out = resolved["listing"]
    # Then each item is a low-confidence document review, its id whole so that it can be copied
    assert code == 0
    assert [i["code"] for i in resolved["items"]] == ["LOW_CONFIDENCE"] * 3
    assert all(i["review_id"] in out for i in resolved["items"])


def test_ops_review_confirm_correct_dismiss_close_the_items(resolved: dict[str, Any]) -> None:
    # Given the three open items
    # When one was confirmed, one corrected to a proof of address, one dismissed
    results = resolved["results"]
    # Then each command reports its resolution and the queue has nothing left for the case
    assert {action: code for action, (code, _) in results.items()} == {"confirm": 0, "correct": 0, "dismiss": 0}
    assert [out.strip().rsplit(" ", 1)[-1] for _, out in results.values()] == ["confirmed", "corrected", "dismissed"]
    assert resolved["left"] == []


def test_ops_review_confirmed_and_corrected_pieces_are_read(resolved: dict[str, Any]) -> None:
    # Given the case after the review  When its pieces are shown by `clea-intake case ID --json`
    documents = {d["doc_id"]: d for d in resolved["case"]["documents"]}
    confirmed, corrected = documents[resolved["docs"]["confirm"]], documents[resolved["docs"]["correct"]]
    # Then the confirmed and the corrected pieces count as read, the corrected one with its new type
    assert (confirmed["status"], confirmed["doc_type"]) == ("read", "unknown")
    assert (corrected["status"], corrected["doc_type"]) == ("read", "proof_of_address")


def test_ops_review_acts_are_in_the_case_timeline(resolved: dict[str, Any]) -> None:
    # Given the case after the review  When its timeline is read
    reviews = [e for e in resolved["case"]["timeline"] if e["kind"] == "review"]
    # Then each of the three acts is there, by the agent who made it
    assert len(reviews) == 3 and {e["actor"] for e in reviews} == {"ops:agent.test"}


def test_ops_review_dismissed_piece_no_longer_waits_for_review(resolved: dict[str, Any]) -> None:
    # Given the dismissed piece  When the case's pieces are shown
    documents = {d["doc_id"]: d for d in resolved["case"]["documents"]}
    # Then it no longer waits for a person (no open item will ever ask for it)
    assert documents[resolved["docs"]["dismiss"]]["status"] != "review"


def test_ops_review_closed_item_again_exits_1(cases: dict[str, str], resolved: dict[str, Any]) -> None:
    from clea_intake.adapters.repository import dynamo_repository

    # Given an item closed by the test above
    closed = [i for i in dynamo_repository(NAMES.table).reviews("CLOSED") if i.case_id == cases["doubtful"]]
    assert closed
    # When it is confirmed again, and when an id that does not exist is confirmed
    again = run("review", "confirm", closed[0].review_id)
    unknown = run("review", "confirm", "DOC-NOT-AN-ITEM")
    # Then both are refused with the reason and exit code 1, and the item stays as it was
    assert again[0] == 1 and "already closed" in again[1]
    assert unknown[0] == 1 and "no review item DOC-NOT-AN-ITEM" in unknown[1]


def test_ops_review_action_without_id_exits_with_message(ops_env: None) -> None:
    # Given `review confirm` without an id  When it runs  Then it stops with a usage message
    with pytest.raises(SystemExit, match="needs a review id"):
        main(["review", "confirm"])


def test_ops_dashboard_command_writes_a_self_contained_page(served: ServedStack, cases: dict[str, str],
                                                            tmp_path: Path) -> None:
    # Given the served stack  When the real `clea-intake dashboard --out PATH` runs
    out = tmp_path / "ops" / "tableau.html"
    done = served.clea("dashboard", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    # Then the page lists both cases, for this year's campaign, and loads nothing from the network
    assert done.returncode == 0, done.stderr
    assert "2 dossier(s)" in done.stdout
    assert cases["valid"] in html and cases["doubtful"] in html
    assert f"Campagne {date.today().year}" in html
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", html) == []


def test_ops_served_stack_stops_on_sigterm(served: ServedStack, cases: dict[str, str]) -> None:
    # Given the server after the commands  When it gets SIGTERM (kill, docker stop)
    code = served.stop(signal.SIGTERM)
    # Then it stops as with Ctrl-C: exit code 0, resources released
    assert code == 0, served.text()
    assert "stopped" in served.text()
