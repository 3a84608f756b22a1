"""`clea-intake`: the project's one command line (DESIGN §6)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any


def _quiet_logs() -> None:
    # The command line prints its own output; JSON logs of the handlers go to stderr only when asked.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _unreadable(name: str, message: str, code: str = "FILE_UNREADABLE") -> dict:
    from clea_intake.domain.findings import Finding

    finding = Finding(code=code, severity="error", message=message)
    return {"file": name, "doc_type": "unknown", "confidence": 0.0, "fields": {}, "findings": [finding.model_dump()]}


def _too_large(limit: int):
    from clea_intake.documents.finding_codes import make_finding
    from clea_intake.documents.pipeline import DocumentReading

    return DocumentReading(doc_type="unknown", confidence=0.0, fields={}, pages=0, text_source="none",
                           media_type="application/octet-stream", sha256="",
                           findings=[make_finding("FILE_TOO_LARGE", max_mb=round(limit / 1_000_000))])


def cmd_classify(args: argparse.Namespace) -> int:
    from clea_intake.documents.pipeline import DocumentReading, read_pieces
    from clea_intake.domain.errors import OcrUnavailable
    from clea_intake.domain.policy import current_policy

    def described(reading: DocumentReading) -> dict:
        return {"doc_type": str(reading.doc_type), "confidence": round(reading.confidence, 3),
                "fields": reading.fields, "findings": [f.model_dump() for f in reading.findings]}

    policy = current_policy()
    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    engine_failed = False
    limit = policy.documents.max_file_bytes
    for raw_name in args.files:
        # A name that is not UTF-8 reaches argv with surrogates: shown escaped, never a stop of the command.
        name = os.fsencode(raw_name).decode("utf-8", "backslashreplace")
        path = Path(raw_name)
        try:
            # The size first: a 1.5 GB file is refused without being read, and nothing past the limit is.
            if path.stat().st_size > limit:
                line = {"file": name, **described(_too_large(limit))}
            else:
                with open(path, "rb") as handle:
                    data = handle.read(limit + 1)
                pieces = read_pieces(data, filename=path.name, as_of=as_of, policy=policy)
                # The top-level fields describe the first piece; "pieces" only when the file holds several.
                line = {"file": name, **described(pieces[0])}
                if len(pieces) > 1:
                    line["pieces"] = [{**described(p), "pages": p.page_numbers} for p in pieces]
        except OcrUnavailable as exc:
            # Our engine failed, not the file: no finding about it, and the command does not succeed.
            engine_failed = True
            line = _unreadable(name, "Le moteur de lecture des documents (OCR) est indisponible : le fichier n'a "
                               "pas été lu. Relancez la commande lorsqu'il sera rétabli.", code="OCR_UNAVAILABLE")
            print(f"clea-intake classify: {name}: OCR engine unavailable ({exc})", file=sys.stderr)
        except OSError as exc:
            line = _unreadable(name, f"Le fichier ne peut pas être lu : {exc.strerror or type(exc).__name__}.")
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            line = _unreadable(name, "Le fichier n'a pas pu être analysé ; il doit être examiné par un agent.")
            print(f"clea-intake classify: {name}: {type(exc).__name__}", file=sys.stderr)
        if args.json:
            print(json.dumps(line, ensure_ascii=False, default=_json_default), flush=True)
        else:
            codes = ", ".join(f["code"] for f in line["findings"]) or "—"
            print(f"{name}: {line['doc_type']} ({line['confidence']:.0%}) {codes}", flush=True)
    # An unreadable file is an answer (unknown, with an error finding), not a failure of the command; an OCR
    # engine that is missing or failing is one (exit 1), after every file got its line.
    return 1 if engine_failed else 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from clea_intake.local.scenario import ScenarioError, load, run

    path = Path(args.scenario)
    try:
        _, submitted = load(path)
        outcomes = run(path)
    except ScenarioError as exc:
        print(f"clea-intake simulate: {exc}", file=sys.stderr)
        return 2
    result: Any = outcomes[0] if len(submitted) == 1 else outcomes
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=_json_default))
    else:
        for outcome in outcomes:
            print(f"{outcome['case_id']}: {outcome['state']} {', '.join(outcome['reasons'])}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from clea_intake.local.season import run_season

    if not args.serve:
        return run_season(applications=args.applications, dashboard=Path(args.dashboard))
    from clea_intake.local import server

    problem = server.port_problem(args.port)
    if problem:
        print(f"clea-intake demo --serve: {problem}", file=sys.stderr)
        return server.PORT_UNAVAILABLE

    def keep_serving(stack) -> None:
        # The played season stays on the stack, its clock at the season's end, until Ctrl-C.
        with server._stop_signals_interrupt():  # noqa: SLF001
            try:
                server.serve_stack(stack, demo_users=True)
            except KeyboardInterrupt:
                pass

    code = run_season(applications=args.applications, dashboard=Path(args.dashboard), server_port=args.port,
                      then=keep_serving)
    print("clea-intake local stack stopped.")
    return code


def _ops_repo():
    from clea_intake.adapters.repository import dynamo_repository
    from clea_intake.local.names import StackNames

    return dynamo_repository(StackNames().table)


def _ops_settings():
    from clea_intake.local.names import StackNames
    from clea_intake.settings import Settings

    names = StackNames()
    return Settings(table_name=names.table, bucket_name=names.bucket, state_machine_arn=names.state_machine_arn)


def cmd_cases(args: argparse.Namespace) -> int:
    from clea_intake.local import ops

    return ops.list_cases(_ops_repo(), args.state, as_json=args.json)


def cmd_case(args: argparse.Namespace) -> int:
    from clea_intake.local import ops

    return ops.show_case(_ops_repo(), args.case_id, as_json=args.json)


def cmd_review(args: argparse.Namespace) -> int:
    from clea_intake.local import ops

    return ops.review(_ops_repo(), _ops_settings(), args)


def cmd_payments(args: argparse.Namespace) -> int:
    from clea_intake.local import ops

    return ops.payments(_ops_repo(), _ops_settings(), args)


def cmd_withdraw(args: argparse.Namespace) -> int:
    from clea_intake import clock
    from clea_intake.runtime import aws_ports
    from clea_intake.services.cases import withdraw

    print(withdraw(aws_ports(_ops_repo(), _ops_settings()), args.case_id, clock.now(), actor=f"ops:{args.by}", note=args.note))
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    from clea_intake import clock
    from clea_intake.runtime import aws_ports
    from clea_intake.services.cases import request_document

    request_document(aws_ports(_ops_repo(), _ops_settings()), args.case_id, clock.now(), actor=f"ops:{args.by}",
                     document=args.document)
    print("demande envoyée")
    return 0


def cmd_evaluator(args: argparse.Namespace) -> int:
    """One JSON object: the evaluator's record (and, for `show`, its audit trail and what the registers say)."""
    from clea_intake import clock
    from clea_intake.services import evaluators

    repo, actor, now = _ops_repo(), f"ops:{args.by}", clock.now()
    try:
        if args.action == "set":
            records = evaluators.import_supplier_file(repo, Path(args.target).read_bytes(), at=now, actor=actor)
            print(json.dumps([evaluators.describe(repo, r.siret) for r in records], ensure_ascii=False,
                             default=_json_default))
            return 0
        if args.action in ("add-address", "remove-address"):
            if not args.address:
                print(f"clea-intake evaluator {args.action}: give the address after the SIRET", file=sys.stderr)
                return 2
            change = evaluators.add_address if args.action == "add-address" else evaluators.remove_address
            change(repo, args.target, args.address, at=now, actor=actor)
        print(json.dumps(evaluators.describe(repo, args.target), ensure_ascii=False, default=_json_default))
        return 0
    except (evaluators.InvalidSupplierFile, evaluators.EvaluatorNotFound, OSError) as problem:
        print(f"clea-intake evaluator {args.action}: {problem}", file=sys.stderr)
        return 1


def cmd_dashboard(args: argparse.Namespace) -> int:
    from clea_intake.local import ops

    return ops.write_dashboard(_ops_repo(), Path(args.out))


def cmd_accuracy(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from clea_intake.quality import REAL_CORPUS, evaluate, evaluate_real
    from clea_intake.samples.corpus import build_corpus

    if args.corpus == "real":
        return _accuracy_real(REAL_CORPUS, args, evaluate_real)
    corpus = Path(args.corpus or f"out/corpus-{args.seed}-{args.count}")
    if not (corpus / "labels.jsonl").exists():
        print(f"building the labelled corpus in {corpus} …", file=sys.stderr)
        build_corpus(corpus, count=args.count, seed=args.seed)
    total = sum(1 for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    with Progress(transient=True) as progress:
        task = progress.add_task("lecture du corpus", total=args.limit or total)
        report = evaluate(corpus, limit=args.limit, progress=lambda: progress.advance(task))
    print(report.to_markdown())
    details = corpus / "misread.txt"
    details.write_text("\n".join(report.misread + ["", "false acceptances:"] + report.false_acceptances
                                 + ["", "false rejections:"] + report.false_rejections
                                 + ["", "sent to a person:"] + report.sent_to_person) + "\n", encoding="utf-8")
    print(f"\ndetails: {details}")
    return 0


def _accuracy_real(corpus: Path, args: argparse.Namespace, evaluate_real) -> int:
    from rich.progress import Progress

    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    total = len(json.loads((corpus / "truth.json").read_text(encoding="utf-8"))["docs"])
    with Progress(transient=True) as progress:
        task = progress.add_task("lecture des spécimens", total=total)
        report = evaluate_real(corpus, as_of=as_of, progress=lambda: progress.advance(task))
    print(report.to_markdown())
    print("\n".join(["", "misread:", *report.misread, "", "false acceptances:", *report.false_acceptances]))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from clea_intake.local.server import serve

    return serve(port=args.port, demo_users=args.demo_users)


def version_text() -> str:
    """The package's version and the data it ships that decisions depend on (the Public Suffix List's date)."""
    from importlib.metadata import version

    return f"clea-intake {version('clea-intake')} (public suffix list {version('publicsuffixlist')})"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="clea-intake", description="Back office de l'aide CléA de la Région Nouvelle-Aquitaine.")
    top.add_argument("--version", action="version", version=version_text())
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="a full season on the local stack (moto), with a summary and the dashboard")
    p.add_argument("--applications", type=int, default=24)
    p.add_argument("--dashboard", default="clea-dashboard.html")
    p.add_argument("--serve", action="store_true",
                   help="then keep the played season served (console with demo users) until Ctrl-C")
    p.add_argument("--port", type=int, default=5000, help="the port of --serve (default 5000)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("classify", help="classify, read and check documents")
    p.add_argument("files", nargs="+")
    p.add_argument("--as-of", help="the day of receipt (YYYY-MM-DD), default today")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("simulate", help="replay a dated scenario on a fresh local stack")
    p.add_argument("scenario")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("serve", help="run the local stack on 127.0.0.1 until interrupted")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--demo-users", action="store_true",
                   help="create the console users agent, finance and admin and print their passwords once")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("accuracy", help="accuracy report of the reading pipeline on the labelled corpus")
    p.add_argument("--corpus", help="a corpus folder with labels.jsonl (built if missing), or 'real' for the "
                   "published specimens of tests/fixtures/real-specimens")
    p.add_argument("--as-of", help="the day the pieces are received (YYYY-MM-DD, default today)")
    p.add_argument("--count", type=int, default=330)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--limit", type=int)
    p.set_defaults(func=cmd_accuracy)

    p = sub.add_parser("dashboard", help="write the operations dashboard (self-contained HTML)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("cases", help="list cases by state")
    p.add_argument("--state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("case", help="one case and its timeline")
    p.add_argument("case_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case)

    p = sub.add_parser("review", help="the review queue: list, confirm, correct, dismiss")
    p.add_argument("action", nargs="?", default="list", choices=["list", "confirm", "correct", "dismiss"])
    p.add_argument("review_id", nargs="?")
    p.add_argument("--doc-type")
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--by", default=os.environ.get("USER", "ops"))
    p.add_argument("--note")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("payments", help="export payment orders, confirm payments")
    p.add_argument("action", choices=["export", "confirm"])
    p.add_argument("file", nargs="?")
    p.add_argument("--out", default=".")
    p.add_argument("--by", default=os.environ.get("USER", "finance"))
    p.set_defaults(func=cmd_payments)

    p = sub.add_parser("withdraw", help="withdraw a case at the applicant's request")
    p.add_argument("case_id")
    p.add_argument("--note")
    p.add_argument("--by", default=os.environ.get("USER", "ops"))
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("evaluator", help="the Région's record of an evaluator: registered addresses, trusted IBAN")
    p.add_argument("action", choices=["show", "set", "add-address", "remove-address"])
    p.add_argument("target", help="a SIRET (show, add-address, remove-address) or a supplier file (set)")
    p.add_argument("address", nargs="?")
    p.add_argument("--by", default=os.environ.get("USER", "ops"))
    p.set_defaults(func=cmd_evaluator)

    p = sub.add_parser("request", help="ask the applicant for another document")
    p.add_argument("case_id")
    p.add_argument("document")
    p.add_argument("--by", default=os.environ.get("USER", "ops"))
    p.set_defaults(func=cmd_request)
    return top


def main(argv: list[str] | None = None) -> int:
    _quiet_logs()
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader stopped early (`… | head`): not an error of ours; keep Python quiet about it.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
