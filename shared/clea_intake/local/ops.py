"""Operations commands: cases, timeline, review queue, payments and the dashboard, as tables for people."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from clea_intake import clock
from clea_intake.adapters.repository import Repository
from clea_intake.domain.case import Case
from clea_intake.domain.lifecycle import State
from clea_intake.ops.dashboard_data import DEFAULT_TIMEZONE, CaseSummary, build_dashboard_data
from clea_intake.ops.dashboard_html import render_dashboard
from clea_intake.settings import Settings

# Piped or redirected output is not squeezed to 80 columns: identifiers must stay whole to be copied.
PIPED_WIDTH = 160


def _console() -> Console:
    """A console on the current stdout (resolved per command, so that redirection and tests capture it)."""
    interactive = sys.stdout.isatty() or "COLUMNS" in os.environ
    return Console(file=sys.stdout, width=None if interactive else PIPED_WIDTH)


def all_cases(repo: Repository, state: str | None = None) -> list[Case]:
    """Every case, state by state through the index (no table scan)."""
    states = [State(state)] if state else list(State)
    return [repo.get_case(s.case_id) for st in states for s in repo.cases_in_state(st)]


def list_cases(repo: Repository, state: str | None, *, as_json: bool = False) -> int:
    cases = sorted(all_cases(repo, state), key=lambda c: c.case_id)
    if as_json:
        print(json.dumps([{"case_id": c.case_id, "state": str(c.state), "updated_at": c.updated_at.isoformat(),
                           "reasons": c.reasons} for c in cases], ensure_ascii=False))
        return 0
    table = Table(title=f"Dossiers{' — ' + state if state else ''} ({len(cases)})")
    table.add_column("Dossier", no_wrap=True, overflow="fold")
    for column in ("État", "Certification", "Début", "Montant", "Motifs", "Mis à jour"):
        table.add_column(column)
    for c in cases:
        app = c.application
        table.add_row(c.case_id, str(c.state), f"{app.certification} {app.evaluation}", app.evaluation_start.isoformat(),
                      f"{c.awarded_eur} €" if c.awarded_eur is not None else "—", ", ".join(c.reasons) or "—",
                      c.updated_at.strftime("%Y-%m-%d %H:%M"))
    _console().print(table)
    return 0


def show_case(repo: Repository, case_id: str, *, as_json: bool = False) -> int:
    console = _console()
    case = repo.find_case(case_id)
    if case is None:
        console.print(f"[red]Aucun dossier {case_id}[/red]")
        return 1
    events = repo.timeline(case_id)
    documents = repo.documents(case_id)
    if as_json:
        print(json.dumps({
            "case_id": case_id, "state": str(case.state), "reasons": case.reasons, "missing": case.missing,
            "rule_results": case.rule_results, "policy_version": case.policy_version,
            "timeline": [e.model_dump(mode="json") for e in events],
            "documents": [{"doc_id": d.doc_id, "doc_type": str(d.doc_type), "status": d.status,
                           "findings": [f.code for f in d.findings]} for d in documents],
        }, ensure_ascii=False))
        return 0
    console.print(f"[bold]{case_id}[/bold] — {case.state} — politique {case.policy_version}")
    if case.missing:
        console.print("Pièces manquantes : " + "; ".join(m["label"] for m in case.missing))
    timeline = Table(title="Historique")
    for column in ("Quand", "Qui", "Quoi", "De", "Vers", "Motif", "Message"):
        timeline.add_column(column)
    for e in events:
        timeline.add_row(e.at.strftime("%Y-%m-%d %H:%M"), e.actor, e.kind, str(e.from_state or ""),
                         str(e.to_state or ""), e.reason or "", e.message or "")
    console.print(timeline)
    docs = Table(title="Pièces")
    docs.add_column("Document", no_wrap=True, overflow="fold")
    for column in ("Type", "Confiance", "Statut", "Constats"):
        docs.add_column(column)
    for d in documents:
        docs.add_row(d.doc_id, str(d.doc_type), f"{d.confidence:.0%}", d.status,
                     ", ".join(f.code for f in d.findings) or "—")
    console.print(docs)
    return 0


def _fields(pairs: list[str]) -> dict:
    fields = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--field expects NAME=VALUE, got {pair!r}")
        try:
            fields[name] = json.loads(value)
        except json.JSONDecodeError:
            fields[name] = value
    return fields


def review(repo: Repository, cfg: Settings, args: argparse.Namespace) -> int:
    from clea_intake.runtime import aws_ports
    from clea_intake.services.review import ReviewError, resolve

    console = _console()
    if args.action == "list":
        items = repo.reviews("OPEN")
        if args.json:
            print(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False))
            return 0
        table = Table(title=f"File d'examen ({len(items)})")
        # The identifier is what `review confirm|correct|dismiss` takes: folded, never cut.
        table.add_column("Identifiant", no_wrap=True, overflow="fold")
        for column in ("Dossier", "Nature", "Code", "Ouvert le", "Message"):
            table.add_column(column)
        for i in items:
            table.add_row(i.review_id, i.case_id or "—", i.kind, i.code, i.opened_at.strftime("%Y-%m-%d %H:%M"),
                          i.message)
        console.print(table)
        return 0
    if not args.review_id:
        raise SystemExit(f"review {args.action} needs a review id")
    try:
        result = resolve(aws_ports(repo, cfg), args.review_id, args.action, clock.now(), actor=f"ops:{args.by}",
                         doc_type=args.doc_type, fields=_fields(args.field), note=args.note)
    except ReviewError as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    console.print(f"{args.review_id}: {result}")
    return 0


def payments(repo: Repository, cfg: Settings, args: argparse.Namespace) -> int:
    from clea_intake.runtime import aws_ports
    from clea_intake.services.payments import confirm_file, export_payments, rewrite_missing_exports

    ports = aws_ports(repo, cfg)

    console = _console()
    if args.action == "export":
        out = Path(args.out)
        # An earlier export whose files did not reach the bucket is written again first, under its own id.
        rewrites = rewrite_missing_exports(ports, clock.now())
        for export in rewrites.written:
            _write_export(console, out, export, again=True)
        for export_id in rewrites.waiting:
            console.print(f"{export_id} : fichiers pas encore dans le compartiment, export peut-être en cours ; "
                          "relancer dans un quart d'heure pour les écrire à nouveau.")
        export = export_payments(ports, clock.now())
        if export is None:
            console.print("Aucun ordre de paiement en attente.")
            return 0
        _write_export(console, out, export)
        return 0
    if not args.file:
        raise SystemExit("payments confirm needs the confirmation FILE")
    confirmed = confirm_file(ports, Path(args.file).read_bytes(), clock.now(), actor=f"finance:{args.by}")
    console.print(f"{len(confirmed)} dossier(s) payé(s) : {', '.join(confirmed) or '—'}")
    return 0


def _write_export(console, out: Path, export, *, again: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{export.export_id}.csv").write_bytes(export.csv)
    (out / f"{export.export_id}.xml").write_bytes(export.xml)
    note = " (fichiers absents du compartiment, écrits à nouveau)" if again else ""
    console.print(f"{export.export_id}{note}: {len(export.orders)} ordre(s), {export.total} € — "
                  f"{out / (export.export_id + '.csv')}, {out / (export.export_id + '.xml')}")


def dashboard_data(repo: Repository, *, season: str, generated_at: datetime):
    cases = all_cases(repo)
    summaries = []
    documents: Counter = Counter()
    for case in cases:
        order = repo.find_payment(case.case_id)
        summaries.append(CaseSummary(
            case_id=case.case_id, state=case.state, received_at=case.received_at, decided_at=case.decided_at,
            completed_at=case.completed_at, awarded_eur=case.awarded_eur or 0 if _was_awarded(case) else 0,
            paid_eur=case.paid_eur or 0, paid_at=order.paid_at if order else None,
            reasons=case.reasons, certification=case.application.certification,
            evaluation=case.application.evaluation, updated_at=case.updated_at,
        ))
        documents.update(str(d.doc_type) for d in repo.documents(case.case_id))
    from clea_intake.services.registers import ages

    return build_dashboard_data(summaries, season=season, generated_at=generated_at, document_counts=documents,
                                open_review_items=len(repo.reviews("OPEN")), registers=ages(repo, generated_at))


def _was_awarded(case: Case) -> bool:
    return case.state in (State.AWARDED, State.CLAIM_INCOMPLETE, State.PAYMENT_ORDERED, State.PAID,
                          State.CLOSED_UNPAID, State.LAPSED) or (case.state == State.WITHDRAWN and case.decided_at is not None
                                                                and not case.reasons)


def write_dashboard(repo: Repository, out: Path, *, season: str | None = None,
                    generated_at: datetime | None = None) -> int:
    """Write the self-contained HTML dashboard of every case; the season defaults to the current year."""
    generated_at = generated_at or clock.now()
    season = season or f"Campagne {generated_at.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year}"
    data = dashboard_data(repo, season=season, generated_at=generated_at)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_dashboard(data), encoding="utf-8")
    _console().print(f"Tableau de bord écrit : {out} ({data.total_cases} dossier(s))", soft_wrap=True)
    return 0
