"""`clea-intake demo`: a whole season of applications of every outcome, replayed on the local stack."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from stdnum import iban as stdnum_iban

from clea_intake.local.outcome import case_outcome

if TYPE_CHECKING:
    from clea_intake.adapters.repository import Repository
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


# The notices each kind of case receives. The form arrives before its pieces: every file that is not refused
# at once is first told what is missing ("incomplete"), then decided.
_DECIDED = ("acknowledgement", "incomplete", "award_beneficiary", "arrete_evaluator")
_PAID = (*_DECIDED, "claim_received", "payment_ordered")
_REFUSED = ("acknowledgement", "incomplete", "refusal")
MAILS: dict[str, tuple[str, ...]] = {
    "paid": _PAID, "detainee": _PAID, "foreign": _PAID, "spoofed_claim": _PAID, "incomplete_then_complete": _PAID,
    "late": ("acknowledgement", "refusal"), "not_resident": _REFUSED, "funded": _REFUSED,
    "not_habilitated": _REFUSED, "duplicate": _REFUSED, "incomplete": ("acknowledgement", "incomplete"),
    "withdrawn": ("acknowledgement", "incomplete", "withdrawal"),
    "closed_unpaid": (*_DECIDED, "claim_received", "closed_unpaid"), "lapsed": (*_DECIDED, "lapsed"),
    "claim_incomplete": (*_DECIDED, "claim_received", "claim_incomplete"), "awarded": _DECIDED,
}
REASONS: dict[str, tuple[str, ...]] = {
    "late": ("LATE_COMPLETION",), "not_resident": ("NOT_RESIDENT",), "funded": ("FUNDED_ELSEWHERE",),
    "not_habilitated": ("EVALUATOR_NOT_HABILITATED",), "duplicate": ("DUPLICATE_AID",),
}
# The PDF letter each notice carries (letters.compose): a decision, or the arrêté sent to the evaluator.
LETTERS = {"award_beneficiary": "decision_attribution", "refusal": "decision_refus",
           "arrete_evaluator": "arrete_attributif"}


@dataclass(frozen=True)
class Expected:
    """What one demo case must end with; the summary compares every field with what the stack recorded."""

    case_id: str
    kind: str
    state: str
    reasons: tuple[str, ...] = ()
    awarded_eur: Decimal | None = None
    paid_eur: Decimal | None = None
    mails: tuple[str, ...] = ()
    reviews: tuple[str, ...] | None = None  # review item codes that must be opened for the case; None: any
    evaluation_start: date | None = None  # the form's, which every date of the case's plan follows

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(LETTERS[m] for m in self.mails if m in LETTERS)


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


def shard_of(index: int, shards: int) -> int:
    """The shard of the season's case `index`: whole blocks of every kind, so each shard has every outcome."""
    return (index // len(KINDS)) % shards


class Renderer:
    """Draws the platform's files for `plan`: at once, or (`ahead=True`) in a process of their own while the stack
    replays the season, the files of the earliest days first. Drawing them was a sixth of a season's CPU, and
    the replay leaves a core idle whenever it waits on OCR or on an execution's thread. Close it after the replay.
    """

    def __init__(self, *, ahead: bool = False) -> None:
        self._pool = None
        self._waiting: list[tuple[datetime, int, dict, _Drawn]] = []
        if ahead:
            import multiprocessing

            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def order(self, needed_at: datetime, orders: dict) -> _Drawn:
        """The files of `orders`, to be drawn by `needed_at`; `start()` hands them out in that order."""
        drawn = _Drawn()
        self._waiting.append((needed_at, len(self._waiting), orders, drawn))
        return drawn

    def start(self) -> None:
        from clea_intake.samples.persona import render_orders

        for _, _, orders, drawn in sorted(self._waiting, key=lambda job: job[:2]):
            if self._pool is None:
                drawn.future = Future()
                drawn.future.set_result(render_orders(orders))
            else:
                drawn.future = self._pool.submit(render_orders, orders)
        self._waiting.clear()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class _Drawn:
    """Files ordered from a Renderer: `files` waits for them if they are still being drawn."""

    future: Future | None = None

    @property
    def files(self) -> dict:
        if self.future is None:
            raise RuntimeError("the renderer was not started")
        return self.future.result()

    def data(self) -> dict[str, bytes]:
        return {name: piece.data for name, piece in self.files.items()}


class _Truth:
    """What each piece really shows, for the review agent: read from its files once they are drawn."""

    def __init__(self) -> None:
        self._by_case: dict[str, _Drawn] = {}

    def add(self, case_id: str, drawn: _Drawn) -> None:
        self._by_case[case_id] = drawn

    def get(self, key: tuple[str, str]) -> tuple[str, dict] | None:
        case_id, name = key
        drawn = self._by_case.get(case_id)
        piece = drawn.files.get(name) if drawn is not None else None
        return (str(piece.doc_type), piece.fields) if piece is not None else None


def plan(applications: int, *, shard: int = 0, shards: int = 1,
         renderer: Renderer | None = None) -> tuple[list[Action], list[Expected]]:
    """The dated actions of the season and what each case must end with.

    With `shards` > 1, only the cases of `shard` (see shard_of), for a stack of their own: each shard's
    duplicates copy that shard's first paid case, and every shard holds the whole supplier register.
    The files are drawn by `renderer` (at once when none is given)."""
    from clea_intake.domain.policy import policy_for
    from clea_intake.samples.persona import application_orders, claim_orders, sample_application

    renderer = renderer or Renderer()

    actions: list[Action] = []
    expected: list[Expected] = []
    suppliers: list[dict[str, Any]] = []  # the Région's supplier records of the season's evaluators
    evaluators: list[dict[str, Any]] = []  # as the forms name them, for the public registers
    truth = _Truth()  # what each piece really shows, for the review agent
    counter = 0
    first_paid: dict | None = None  # of this shard

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
            # "awarded" is filed 45 days before an evaluation of January: on 20 November, so that a piece
            # sent to a person still meets the agent's mornings before the season ends.
            start = date(2026, 11, 2) if kind == "claim_incomplete" else date(2027, 1, 4)
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
        mine = shard_of(index, shards) == shard
        if kind == "duplicate" and first_paid is not None and mine:
            app["applicant"] = dict(first_paid["applicant"])
            app["certification"], app["evaluation"] = first_paid["certification"], first_paid["evaluation"]
            app["evaluation_start"] = first_paid["evaluation_start"]
            app["evaluation_end"] = first_paid["evaluation_end"]
        if kind == "paid" and first_paid is None and mine:
            first_paid = app
        case_id = app["case_id"]
        evaluator = app["evaluator"]
        evaluators.append(evaluator)
        # One evaluator, the first foreign applicant's, has no supplier record: its first claim waits for a person.
        unregistered = kind == "foreign" and index == KINDS.index(("foreign", "PAID"))
        if not unregistered:
            suppliers.append({"siret": evaluator["siret"], "name": evaluator["name"],
                              "iban": evaluator_iban(evaluator["siret"]), "emails": [evaluator["email"]]})
        if not mine:
            continue
        expected.append(_expected(app, kind, target, policy_for(date.fromisoformat(app["evaluation_start"])),
                                  reviews=("IBAN_FIRST_USE",) if unregistered else None))

        # Dates follow the evaluation the form finally states (a duplicate copies another one's).
        evaluation_start = date.fromisoformat(app["evaluation_start"])
        submit_day = evaluation_start - timedelta(days=10 if kind == "late" else 45)
        if kind == "duplicate":
            submit_day = evaluation_start - timedelta(days=40)
        app["submitted_at"] = _at(submit_day).isoformat()
        variant = {"incomplete": "missing_proof", "not_resident": "proof_outside_region", "withdrawn": "missing_proof",
                   "not_habilitated": "habilitation_short", "incomplete_then_complete": "missing_proof"}.get(kind, "valid")
        # A third of the identity pieces arrive as phone photos or scans, as they do in real life.
        media = {"identity": "jpeg"} if index % 3 == 1 else None
        orders = application_orders(app, received=submit_day, variant=variant, seed=number, medium_for=media)
        drawn = renderer.order(_at(submit_day, 9), orders)
        truth.add(case_id, drawn)

        add(_at(submit_day, 9), f"{case_id} dépôt du formulaire",
            lambda s, app=app: s.submit(app))
        for offset, name in enumerate(orders):
            add(_at(submit_day, 9) + timedelta(minutes=5 + offset), f"{case_id} pièce",
                lambda s, case_id=case_id, name=name, drawn=drawn: s.upload_document(case_id, name,
                                                                                    drawn.files[name].data))
        if kind == "incomplete_then_complete":
            fixed_at = _at(submit_day + timedelta(days=6))
            fixed = application_orders(app, received=submit_day + timedelta(days=6), variant="valid", seed=number)
            proof = {n: o for n, o in fixed.items() if "domicile" in n or "address" in n or "justificatif" in n}
            sent = renderer.order(fixed_at, proof or fixed)
            for name in proof or fixed:
                add(fixed_at, f"{case_id} pièce complémentaire",
                    lambda s, case_id=case_id, name=name, sent=sent: s.upload_document(case_id, f"bis-{name}",
                                                                                      sent.files[name].data))
        if kind == "withdrawn":
            add(_at(submit_day + timedelta(days=2)), f"{case_id} retrait",
                lambda s, case_id=case_id: _withdraw(s, case_id))

        end = date.fromisoformat(app["evaluation_end"])
        claim_day = end + timedelta(days=5)
        if kind in ("paid", "detainee", "foreign", "closed_unpaid", "claim_incomplete", "spoofed_claim",
                    "incomplete_then_complete"):
            hours = 0.0 if kind == "closed_unpaid" else float(app["quote"]["hours"])
            claim = claim_orders(app, hours=hours, issued=claim_day - timedelta(days=3), seed=number,
                                 iban=evaluator_iban(evaluator["siret"]))
            if kind == "claim_incomplete":
                claim = {n: o for n, o in claim.items() if "rib" not in n.lower() and "bank" not in n.lower()}
            mail = partial(_deliver_claim, sender=evaluator["email"], case_id=case_id,
                           attached=renderer.order(_at(claim_day, 8), claim))
            if kind == "spoofed_claim":
                spoofed_at = _at(claim_day, 8)
                add(spoofed_at, f"{case_id} courriel usurpé", partial(mail, at=spoofed_at, dmarc="fail"))
            claim_at = _at(claim_day, 11)
            add(claim_at, f"{case_id} demande de versement", partial(mail, at=claim_at, dmarc="pass"))
            if kind != "closed_unpaid" and kind != "claim_incomplete":
                add(_at(claim_day + timedelta(days=10), 15), "export et confirmation des paiements", _confirm)

    # The Région's supplier records are there before the season opens (DESIGN §6 `evaluator` step).
    supplier_file = json.dumps(suppliers, ensure_ascii=False).encode()
    add(_at(date(2026, 1, 5), 7), "registre des fournisseurs",
        lambda s, data=supplier_file: s.record_suppliers(data))
    # The public registers, as the Région's staff drop them each month: every evaluator of the season is a
    # declared, Qualiopi-certified, active organisation of the region, so the register checks find nothing.
    organisations, establishments = register_files(evaluators)
    month = date(2026, 1, 1)
    while _at(month, 6) <= SEASON_END:
        for kind, data in (("organismes-formation", organisations), ("sirene", establishments)):
            key = f"registers/{kind}/{month.isoformat()}.csv"
            add(_at(month, 6), f"registre public {kind}",
                lambda s, key=key, data=data: s.put(key, data, content_type="text/csv"))
        month = (month + timedelta(days=32)).replace(day=1)
    # An agent handles the review queue three mornings a week; every Monday the sweeper runs.
    day = date(2026, 1, 5)
    while _at(day, 6) <= SEASON_END:
        if day.weekday() == 0:
            moment = _at(day, 6)
            add(moment, "balayage des échéances", lambda s, at=moment: s.tick(at))
        if day.weekday() in (0, 2, 4):
            add(_at(day, 8, 30), "file d'examen", lambda s: _review_queue(s, truth))
        day += timedelta(days=1)
    renderer.start()
    return sorted(actions), expected


def _deliver_claim(stack: LocalStack, *, sender: str, case_id: str, attached: _Drawn, at: datetime, dmarc: str) -> str:
    """The evaluator's claim e-mail, its pieces attached, delivered to the inbound bucket."""
    from clea_intake.mail.build import build_claim_email

    return stack.deliver_email(build_claim_email(sender=sender, attachments=list(attached.data().items()),
                                                 sent_at=at, case_id=case_id, dmarc=dmarc))


def register_files(evaluators: list[dict[str, Any]]) -> tuple[bytes, bytes]:
    """The DGEFP list and the Sirene extract naming each evaluator: its NDA, SIREN and SIRET, in the region."""
    from clea_intake.samples.registers import OF_HEADER, SIRENE_HEADER, of_row, register_csv, sirene_row

    unique = {e["siret"]: e for e in evaluators}.values()
    organisations = register_csv(OF_HEADER, [of_row(e["nda"], e["siret"][:9], siret=e["siret"], postal=e["postal_code"],
                                                    name=e["name"]) for e in unique], ";")
    establishments = register_csv(SIRENE_HEADER, [sirene_row(e["siret"], postal=e["postal_code"]) for e in unique], ",")
    return organisations, establishments


def _expected(app: dict, kind: str, state: str, policy: Any, *, reviews: tuple[str, ...] | None) -> Expected:
    awarded = None
    if "award_beneficiary" in MAILS[kind]:
        quoted = Decimal(str(app["quote"]["amount_eur"]))
        awarded = min(policy.aid_for(app["certification"], app["evaluation"]), quoted).quantize(Decimal("0.01"))
    reasons = REASONS.get(kind, ())
    if kind == "not_resident" and app["applicant"]["situation"] == "detainee":
        # A detainee's residence is the establishment the DISP liaison names: one outside the region fails the
        # situation rule (detained in the region), not the address one.
        reasons = ("INELIGIBLE_SITUATION",)
    return Expected(app["case_id"], kind, state, reasons, awarded,
                    awarded if state == "PAID" else None, MAILS[kind], reviews,
                    date.fromisoformat(app["evaluation_start"]))


def _review_queue(stack: LocalStack, truth: _Truth) -> None:
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


@dataclass
class SeasonRun:
    """What a replayed season recorded, case by case, and what differs from each case's expectation."""

    expected: list[Expected]
    found: list[dict[str, Any]]
    acts: dict[str, list[tuple[datetime, str]]]
    open_reviews: int
    dead: dict[str, int]
    actions: int

    @property
    def differing(self) -> list[tuple[Expected, list[str]]]:
        out = []
        for want, got in zip(self.expected, self.found, strict=True):
            diffs = differences(want, got, self.acts.get(want.case_id, []))
            if diffs:
                out.append((want, diffs))
        return out

    @property
    def ok(self) -> bool:
        return not self.differing and not any(self.dead.values())


def replay(*, applications: int, shard: int = 0, shards: int = 1, dashboard: Path | None = None,
           stack: LocalStack | None = None,
           on_action: Callable[[int, int, Action], None] | None = None,
           after_action: Callable[[LocalStack, Action], None] | None = None,
           render_ahead: bool = False) -> SeasonRun:
    """Run the season's dated actions on a local stack (a new one unless given) and read every case back.

    `on_action(done, total, action)` is told of each action before it runs; `after_action(stack, action)`
    once the stack has settled after it (the season benchmark releases what moto no longer needs there).
    With `render_ahead`, the platform's files are drawn in a process of their own as the replay goes."""
    renderer = Renderer(ahead=render_ahead)
    try:
        actions, expected = plan(applications, shard=shard, shards=shards, renderer=renderer)
        return _replay(actions, expected, stack, dashboard, on_action, after_action)
    finally:
        renderer.close()


def _replay(actions: list[Action], expected: list[Expected], stack: LocalStack | None, dashboard: Path | None,
            on_action: Callable[[int, int, Action], None] | None,
            after_action: Callable[[LocalStack, Action], None] | None) -> SeasonRun:
    from clea_intake.local import ops

    own = stack is None
    stack = stack or LocalStack()
    if own:
        stack.start()
    try:
        for done, action in enumerate(actions):
            if on_action is not None:
                on_action(done, len(actions), action)
            stack.set_time(action.at)
            action.run(stack)
            stack.settle()
            if after_action is not None:
                after_action(stack, action)
        stack.set_time(SEASON_END)
        repo = stack.repo()
        found = [observe(repo, want.case_id) for want in expected]
        if dashboard is not None:
            ops.write_dashboard(repo, dashboard, season="2026", generated_at=SEASON_END)
        return SeasonRun(expected, found, human_acts(repo), len(repo.reviews("OPEN")), stack.dead_letters(),
                         len(actions))
    finally:
        if own:
            stack.stop()


def run_season(*, applications: int, dashboard: Path, console: Console | None = None,
               server_port: int | None = None, then: Callable[[LocalStack], Any] | None = None) -> int:
    """Play the season, print its summary; with `server_port` the stack listens there, and `then(stack)`
    runs once the summary is printed, the stack still up (`clea-intake demo --serve` serves it)."""
    # A summary table needs room: never narrower than 140 columns, even when piped to a file.
    console = console or Console(width=max(140, Console().width))
    started = time.monotonic()
    with LocalStack(server_port=server_port) as stack:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as progress:
            task = progress.add_task("Saison CléA 2026", total=None)

            def shown(done: int, total: int, action: Action) -> None:
                progress.update(task, total=total, completed=done,
                                description=f"{action.at:%d/%m/%Y} {action.label[:40]}")

            run = replay(applications=applications, dashboard=dashboard, on_action=shown, stack=stack,
                         render_ahead=True)
            progress.update(task, completed=run.actions)
        code = summarise(run, console, dashboard=dashboard, seconds=time.monotonic() - started)
        if then is not None:
            then(stack)
    return code


def summarise(run: SeasonRun, console: Console, *, dashboard: Path | None = None, seconds: float | None = None,
              table: bool = True) -> int:
    """Print the season's table and totals; 1 if any case differs from its expectation or a message died."""
    expected, found, acts, dead = run.expected, run.found, run.acts, run.dead
    differing = run.differing
    wrong = {want.case_id: diffs for want, diffs in differing}
    if table:
        grid = Table(title=f"Saison CléA 2026 — {len(found)} demandes")
        for column in ("Dossier", "Scénario", "État", "Motifs", "Accordé", "Versé", "Courriels", "Examen", "Écarts"):
            grid.add_column(column)
        for want, got in zip(expected, found, strict=True):
            diffs = wrong.get(want.case_id)
            grid.add_row(want.case_id, want.kind, f"[{'red' if diffs else 'green'}]{got['state']}[/]",
                         ", ".join(got["reasons"]) or "—", _eur(got["awarded_eur"]), _eur(got["paid_eur"]),
                         str(len(got["mails"])), ", ".join(code for _, code in acts.get(want.case_id, [])) or "—",
                         f"[red]{'; '.join(diffs)}[/]" if diffs else "[green]—[/]")
        console.print(grid)
    outcomes = found
    by_state = Counter(o["state"] for o in outcomes)
    console.print("États : " + ", ".join(f"{state} {count}" for state, count in sorted(by_state.items())))
    console.print(f"Total accordé : {sum(o['awarded_eur'] or 0 for o in outcomes):.2f} € ; "
                  f"total versé : {sum(o['paid_eur'] or 0 for o in outcomes):.2f} €")
    console.print(f"File d'examen : {run.open_reviews} point(s) ouvert(s) ; files de lettres mortes : {dead}")
    for line in straight_through(expected, found, acts):
        console.print(line)
    if dashboard is not None:
        console.print(f"Tableau de bord : {dashboard}" + (f" — {seconds:.0f} s" if seconds is not None else ""))
    if differing or any(dead.values()):
        console.print(f"[red]{len(differing)} dossier(s) diffèrent de l'attendu[/red]")
        for want, diffs in differing:
            console.print(f"[red]  {want.case_id} ({want.kind}) : {'; '.join(diffs)}[/red]")
        if any(dead.values()):
            console.print(f"[red]  messages en lettres mortes : {dead}[/red]")
        return 1
    return 0


def _eur(amount: float | None) -> str:
    return f"{amount:.2f} €" if amount is not None else "—"


def observe(repo: Repository, case_id: str) -> dict[str, Any]:
    """The case's outcome (DESIGN §6) with the kinds of notice it received and the letters they carried."""
    outcome = case_outcome(repo, case_id)
    kinds: list[str] = []
    for mail in sorted(repo.mails(case_id), key=lambda m: m.sent_at):
        if mail.kind not in kinds:
            kinds.append(mail.kind)
    case = repo.find_case(case_id)
    return {**outcome, "mails": kinds, "letters": [LETTERS[k] for k in kinds if k in LETTERS],
            "personal_data_expired": case is not None and case.personal_data_expired_at is not None,
            "tokens": sorted(case.tokens) if case else [],
            "register_checks": [c["code"] for c in case.register_checks] if case else []}


def human_acts(repo: Repository) -> dict[str, list[tuple[datetime, str]]]:
    """Per case, (when, code) of each review item a person had to look at, in the order they were opened."""
    acts: dict[str, list[tuple[datetime, str]]] = {}
    for status in ("OPEN", "CLOSED"):
        for item in repo.reviews(status):
            acts.setdefault(item.case_id or "", []).append((item.opened_at, item.code))
    return {case_id: sorted(items) for case_id, items in acts.items()}


def differences(want: Expected, got: dict[str, Any], acts: list[tuple[datetime, str]]) -> list[str]:
    """What differs between the expected end of a case and the recorded one, each difference named."""
    def amount(value: float | None) -> Decimal | None:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None

    diffs = []
    if got["state"] != want.state:
        # Where the case stopped, to tell a rule's fault from a step that never resumed (no personal data).
        path = " → ".join(f"{t['state']} {t['at'][:16]}" for t in got["timeline"])
        diffs.append(f"état {got['state']} au lieu de {want.state} (parcours {path} ; examens "
                     f"{[code for _, code in acts] or '—'} ; registres {got.get('register_checks') or '—'} ; "
                     f"jetons {got.get('tokens') or '—'})")
    if tuple(sorted(got["reasons"])) != tuple(sorted(want.reasons)):
        diffs.append(f"motifs {got['reasons'] or '—'} au lieu de {list(want.reasons) or '—'}")
    if amount(got["awarded_eur"]) != want.awarded_eur:
        diffs.append(f"accordé {_eur(got['awarded_eur'])} au lieu de {_eur(want.awarded_eur)}")
    if amount(got["paid_eur"]) != want.paid_eur:
        diffs.append(f"versé {_eur(got['paid_eur'])} au lieu de {_eur(want.paid_eur)}")
    if got.get("personal_data_expired"):
        # Ended longer ago than the policy's retention: its notices and review items expired with the rest
        # of its personal data (README, "Personal data expires"); the decision above is what remains.
        if got["mails"] or got["letters"]:
            diffs.append(f"courriels {sorted(got['mails'])} gardés après la durée de conservation")
        return diffs
    if set(got["mails"]) != set(want.mails):
        missing, extra = set(want.mails) - set(got["mails"]), set(got["mails"]) - set(want.mails)
        diffs.append("courriels" + (f" manquants {sorted(missing)}" if missing else "")
                     + (f" en trop {sorted(extra)}" if extra else ""))
    if set(got["letters"]) != set(want.letters):
        diffs.append(f"lettres {sorted(got['letters'])} au lieu de {sorted(want.letters)}")
    opened = {code for _, code in acts}
    if want.reviews is not None and not set(want.reviews) <= opened:
        diffs.append(f"examen {sorted(set(want.reviews) - opened)} jamais ouvert")
    return diffs


def straight_through(expected: list[Expected], found: list[dict[str, Any]],
                     acts: dict[str, list[tuple[datetime, str]]]) -> list[str]:
    """The share of files decided, and of claims paid, with no person's act; every act counted by its reason.

    A file is decided when it is awarded or refused; its acts are the review items opened before. A claim
    is paid when its case is; its acts are those opened after the decision. A person's act is a review item
    (a doubtful piece, a quarantined message, a new IBAN); the payment export, a routine batch, is not one."""
    decided = decisions = paid = paid_alone = 0
    for want, got in zip(expected, found, strict=True):
        when = next((datetime.fromisoformat(t["at"]) for t in got["timeline"] if t["state"] in ("AWARDED", "REFUSED")),
                    None)
        if when is None:
            continue
        own = acts.get(want.case_id, [])
        decisions += 1
        decided += not any(at < when for at, _ in own)
        if got["state"] == "PAID":
            paid += 1
            paid_alone += not any(at >= when for at, _ in own)

    def share(count: int, total: int) -> str:
        return f"{count}/{total} ({100 * count / total:.0f} %)" if total else "0/0"

    by_code = Counter(code for items in acts.values() for _, code in items)
    return [f"Sans intervention humaine : dossiers décidés {share(decided, decisions)}, "
            f"demandes de versement payées {share(paid_alone, paid)}",
            "Interventions par motif : " + (", ".join(f"{code} {n}" for code, n in by_code.most_common()) or "aucune")]
