"""`clea-intake demo`: a whole season of applications of every outcome, replayed on the local stack."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from stdnum import iban as stdnum_iban

from clea_intake.local.outcome import case_outcome
from clea_intake.local.stack import LocalStack

PARIS = ZoneInfo("Europe/Paris")
SEASON_END = datetime(2026, 11, 27, 18, 0, tzinfo=PARIS)

# Each kind of application the season shows, with the outcome it must reach.
KINDS: list[tuple[str, str]] = [
    ("paid", "PAID"), ("late", "REFUSED"), ("incomplete", "INCOMPLETE"), ("not_resident", "REFUSED"),
    ("funded", "REFUSED"), ("not_habilitated", "REFUSED"), ("duplicate", "REFUSED"), ("withdrawn", "WITHDRAWN"),
    ("closed_unpaid", "CLOSED_UNPAID"), ("lapsed", "LAPSED"), ("claim_incomplete", "CLAIM_INCOMPLETE"),
    ("detainee", "PAID"), ("foreign", "PAID"), ("spoofed_claim", "PAID"), ("awarded", "AWARDED"),
    ("incomplete_then_complete", "PAID"),
]


@dataclass(order=True)
class Action:
    at: datetime
    order: int
    label: str = field(compare=False)
    run: Callable[[LocalStack], Any] = field(compare=False)


def evaluator_iban(siret: str) -> str:
    """A stable, valid French IBAN per evaluator, so that its second claim is not a 'changed IBAN'."""
    bank, branch = "30004", "00001"
    account = str(int(hashlib.sha256(siret.encode()).hexdigest(), 16))[:11]
    rib_key = 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97)
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    return f"FR{stdnum_iban.calc_check_digits('FR00' + bban)}{bban}"


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, dtime(hour, minute), tzinfo=PARIS)


def plan(applications: int) -> tuple[list[Action], list[tuple[str, str, str]]]:
    """The dated actions of the season and, per case, (case id, kind, expected state)."""
    from clea_intake.mail.build import build_claim_email
    from clea_intake.samples.persona import (
        application_documents,
        application_pieces,
        claim_documents,
        sample_application,
    )

    actions: list[Action] = []
    expected: list[tuple[str, str, str]] = []
    truth: dict[tuple[str, str], tuple[str, dict]] = {}  # what each piece really shows, for the review agent
    counter = 0
    first_paid: dict | None = None

    def add(at: datetime, label: str, run: Callable[[LocalStack], Any]) -> None:
        nonlocal counter
        counter += 1
        actions.append(Action(at, counter, label, run))

    for index in range(applications):
        kind, target = KINDS[index % len(KINDS)]
        number = index + 1
        # Evaluations spread over the year; some kinds need dates that the season end leaves open.
        start = date(2026, 3, 2) + timedelta(days=7 * (index % 20))
        overrides: dict[str, Any] = {}
        if kind == "lapsed":
            start = date(2026, 3, 16)
        elif kind in ("awarded", "claim_incomplete"):
            start = date(2026, 11, 2) if kind == "claim_incomplete" else date(2027, 1, 11)
        elif kind == "incomplete":
            start = date(2027, 2, 1)
        if kind == "funded":
            overrides["funded_by_transition_pro_or_branch"] = True
        if kind == "detainee":
            overrides["situation"] = "detainee"
        if kind == "foreign":
            overrides["nationality"] = "MA"
        app = sample_application(number, seed=number, evaluation_start=start.isoformat(),
                                 evaluation_end=(start + timedelta(days=11)).isoformat(), **overrides)
        if kind == "duplicate" and first_paid is not None:
            app["applicant"] = dict(first_paid["applicant"])
            app["certification"], app["evaluation"] = first_paid["certification"], first_paid["evaluation"]
            app["evaluation_start"] = first_paid["evaluation_start"]
            app["evaluation_end"] = first_paid["evaluation_end"]
        if kind == "paid" and first_paid is None:
            first_paid = app
        case_id = app["case_id"]
        expected.append((case_id, kind, target))

        submit_day = start - timedelta(days=10 if kind == "late" else 45)
        if kind == "duplicate":
            submit_day = start - timedelta(days=40)
        app["submitted_at"] = _at(submit_day).isoformat()
        variant = {"incomplete": "missing_proof", "not_resident": "proof_outside_region", "withdrawn": "missing_proof",
                   "not_habilitated": "habilitation_short", "incomplete_then_complete": "missing_proof"}.get(kind, "valid")
        # A third of the identity pieces arrive as phone photos or scans, as they do in real life.
        media = {"identity": "jpeg"} if index % 3 == 1 else None
        pieces_read = application_pieces(app, received=submit_day, variant=variant, seed=number, medium_for=media)
        docs = {name: piece.data for name, piece in pieces_read.items()}
        for name, piece in pieces_read.items():
            truth[(case_id, name)] = (str(piece.doc_type), piece.fields)

        add(_at(submit_day, 9), f"{case_id} dépôt du formulaire",
            lambda s, app=app: s.submit(app))
        for offset, (name, data) in enumerate(docs.items()):
            add(_at(submit_day, 9) + timedelta(minutes=5 + offset), f"{case_id} pièce",
                lambda s, case_id=case_id, name=name, data=data: s.upload_document(case_id, name, data))
        if kind == "incomplete_then_complete":
            fixed = application_documents(app, received=submit_day + timedelta(days=6), variant="valid", seed=number)
            proof = {n: d for n, d in fixed.items() if "domicile" in n or "address" in n or "justificatif" in n}
            for name, data in (proof or fixed).items():
                add(_at(submit_day + timedelta(days=6)), f"{case_id} pièce complémentaire",
                    lambda s, case_id=case_id, name=name, data=data: s.upload_document(case_id, f"bis-{name}", data))
        if kind == "withdrawn":
            add(_at(submit_day + timedelta(days=2)), f"{case_id} retrait",
                lambda s, case_id=case_id: _withdraw(s, case_id))

        end = date.fromisoformat(app["evaluation_end"])
        claim_day = end + timedelta(days=5)
        evaluator = app["evaluator"]
        if kind in ("paid", "detainee", "foreign", "closed_unpaid", "claim_incomplete", "spoofed_claim",
                    "incomplete_then_complete"):
            hours = 0.0 if kind == "closed_unpaid" else float(app["quote"]["hours"])
            pieces = claim_documents(app, hours=hours, issued=claim_day - timedelta(days=3), seed=number,
                                     iban=evaluator_iban(evaluator["siret"]))
            if kind == "claim_incomplete":
                pieces = {n: d for n, d in pieces.items() if "rib" not in n.lower() and "bank" not in n.lower()}
            if kind == "spoofed_claim":
                spoofed = build_claim_email(sender=evaluator["email"], attachments=list(pieces.items()),
                                            sent_at=_at(claim_day, 8), case_id=case_id, dmarc="fail")
                add(_at(claim_day, 8), f"{case_id} courriel usurpé", lambda s, raw=spoofed: s.deliver_email(raw))
            raw = build_claim_email(sender=evaluator["email"], attachments=list(pieces.items()),
                                    sent_at=_at(claim_day, 11), case_id=case_id)
            add(_at(claim_day, 11), f"{case_id} demande de versement", lambda s, raw=raw: s.deliver_email(raw))
            if kind != "closed_unpaid" and kind != "claim_incomplete":
                add(_at(claim_day + timedelta(days=10), 15), "export et confirmation des paiements", _confirm)

    # An agent handles the review queue three mornings a week; every Monday the sweeper runs.
    day = date(2026, 1, 5)
    while _at(day, 6) <= SEASON_END:
        if day.weekday() == 0:
            moment = _at(day, 6)
            add(moment, "balayage des échéances", lambda s, at=moment: s.tick(at))
        if day.weekday() in (0, 2, 4):
            add(_at(day, 8, 30), "file d'examen", lambda s: _review_queue(s, truth))
        day += timedelta(days=1)
    return sorted(actions), expected


def _review_queue(stack: LocalStack, truth: dict[tuple[str, str], tuple[str, dict]]) -> None:
    """An agent's morning: read each doubtful piece and correct it, turn away usurped mail, check new IBANs."""
    from clea_intake import clock
    from clea_intake.runtime import aws_ports
    from clea_intake.services.review import resolve

    repo = stack.repo()
    ports = aws_ports(repo, stack.cfg())
    for item in repo.reviews("OPEN"):
        if item.kind == "document":
            record = repo.find_document(item.case_id, item.subject_ref)
            known = truth.get((item.case_id, record.original_name)) if record else None
            if known:
                resolve(ports, item.review_id, "correct", clock.now(), actor="ops:demo",
                        doc_type=known[0], fields=known[1])
            else:
                resolve(ports, item.review_id, "confirm", clock.now(), actor="ops:demo")
        elif item.kind == "bank_details":
            resolve(ports, item.review_id, "confirm", clock.now(), actor="ops:demo")
        else:
            resolve(ports, item.review_id, "dismiss", clock.now(), actor="ops:demo",
                    note="Courriel non authentifié : écarté après vérification.")
    stack.settle()


def _withdraw(stack: LocalStack, case_id: str) -> None:
    from clea_intake import clock
    from clea_intake.runtime import aws_ports
    from clea_intake.services.cases import withdraw

    withdraw(aws_ports(stack.repo(), stack.cfg()), case_id, clock.now(), actor="ops:demo", note="Retrait à la demande du candidat.")


def _confirm(stack: LocalStack) -> None:
    from clea_intake import clock
    from clea_intake.runtime import aws_ports
    from clea_intake.services.payments import export_and_confirm

    export_and_confirm(aws_ports(stack.repo(), stack.cfg()), clock.now(), actor="finance:demo")


def run_season(*, applications: int, dashboard: Path, console: Console | None = None) -> int:
    from clea_intake.local import ops

    # A summary table needs room: never narrower than 140 columns, even when piped to a file.
    console = console or Console(width=max(140, Console().width))
    started = time.monotonic()
    with console.status("Préparation de la saison (formulaires et pièces)…"):
        actions, expected = plan(applications)
    with LocalStack() as stack:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as progress:
            task = progress.add_task("Saison CléA 2026", total=len(actions))
            for action in actions:
                stack.set_time(action.at)
                action.run(stack)
                stack.settle()
                progress.update(task, advance=1, description=f"{action.at:%d/%m/%Y} {action.label[:40]}")
        stack.set_time(SEASON_END)
        repo = stack.repo()
        outcomes = [case_outcome(repo, case_id) for case_id, _, _ in expected]
        ops.write_dashboard(repo, dashboard, season="2026", generated_at=SEASON_END)
        reviews = repo.reviews("OPEN")
        dead = stack.dead_letters()

    table = Table(title=f"Saison CléA 2026 — {len(outcomes)} demandes")
    for column in ("Dossier", "Scénario", "État", "Attendu", "Motifs", "Accordé", "Versé", "Courriels"):
        table.add_column(column)
    mismatches = 0
    for (case_id, kind, target), outcome in zip(expected, outcomes, strict=True):
        ok = outcome["state"] == target
        mismatches += not ok
        table.add_row(case_id, kind, f"[{'green' if ok else 'red'}]{outcome['state']}[/]", target,
                      ", ".join(outcome["reasons"]) or "—",
                      f"{outcome['awarded_eur']:.2f} €" if outcome["awarded_eur"] is not None else "—",
                      f"{outcome['paid_eur']:.2f} €" if outcome["paid_eur"] is not None else "—",
                      str(len(outcome["emails"])))
    console.print(table)
    by_state = Counter(o["state"] for o in outcomes)
    console.print("États : " + ", ".join(f"{state} {count}" for state, count in sorted(by_state.items())))
    console.print(f"Total accordé : {sum(o['awarded_eur'] or 0 for o in outcomes):.2f} € ; "
                  f"total versé : {sum(o['paid_eur'] or 0 for o in outcomes):.2f} €")
    console.print(f"File d'examen : {len(reviews)} point(s) ouvert(s) ; files de lettres mortes : {dead}")
    console.print(f"Tableau de bord : {dashboard} — {time.monotonic() - started:.0f} s")
    if mismatches:
        console.print(f"[red]{mismatches} dossier(s) n'ont pas l'issue attendue[/red]")
        return 1
    return 0
