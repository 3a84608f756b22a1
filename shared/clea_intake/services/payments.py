"""Finance: export the pending payment orders once (CSV and SEPA pain.001), and confirm them paid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from aws_lambda_powertools import Logger

from clea_intake.adapters.repository import Repository
from clea_intake.domain.errors import StaleCase
from clea_intake.domain.lifecycle import State
from clea_intake.domain.records import PaymentOrder
from clea_intake.payments.confirm import parse_confirmation
from clea_intake.payments.export import Debtor, PaymentLine, to_csv, to_pain001
from clea_intake.services import metrics
from clea_intake.services.flow import advance
from clea_intake.services.ports import Ports
from clea_intake.services.retry import on_stale_case
from clea_intake.settings import Settings

logger = Logger(service="clea-intake", child=True)

_EVALUATION = {"initial": "evaluation initiale", "final": "evaluation finale"}


@dataclass
class Export:
    export_id: str
    orders: list[PaymentOrder]
    csv: bytes
    xml: bytes

    @property
    def total(self) -> Decimal:
        return sum((o.amount_eur for o in self.orders), Decimal(0))


def _line(order: PaymentOrder) -> PaymentLine:
    return PaymentLine(
        order_id=order.order_id, case_id=order.case_id, creditor_name=order.creditor_name,
        creditor_iban=order.iban, creditor_bic=order.bic or None, amount=order.amount_eur,
        remittance=f"AIDE CLEA {order.case_id}", end_to_end_id=order.order_id[:35],
    )


def export_payments(ports: Ports, now: datetime, *, store: bool = True) -> Export | None:
    """Take every ORDERED payment into one export; an order is exported once, whatever the retries.

    Each order is taken together with a write of its case: the case's version condition makes two exports
    running at once race on the case, so that exactly one of them takes the order.
    """
    repo, cfg = ports.repository, ports.settings
    # Unique even for two exports in the same second: the id names the files and is the SEPA MsgId.
    export_id = f"EXP-{now.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6].upper()}"
    pending = repo.payments("ORDERED")
    if not pending:
        return None
    # Build (and XSD-validate) before taking anything: a file that cannot be produced leaves the orders pending.
    to_pain001([_line(o) for o in pending], _debtor(cfg), export_id, now)
    taken = [exported for order in pending if (exported := _take(repo, order, export_id, now)) is not None]
    if not taken:
        return None
    export = _build(cfg, export_id, taken, now)
    if store:
        # If this write fails, the orders are EXPORTED without files: `rewrite_missing_exports` makes them.
        _store(ports, export)
    logger.info("payments exported", export_id=export_id, orders=len(taken))
    return export


def _keys(export_id: str) -> tuple[str, str]:
    return f"exports/{export_id}.csv", f"exports/{export_id}.xml"


def _debtor(cfg: Settings) -> Debtor:
    return Debtor(name=cfg.debtor_name, iban=cfg.debtor_iban, bic=cfg.debtor_bic)


def _build(cfg: Settings, export_id: str, orders: list[PaymentOrder], created: datetime) -> Export:
    """The export's two files, lines in order-id order: a rewrite from the same orders gives the same files."""
    orders = sorted(orders, key=lambda o: o.order_id)
    lines = [_line(o) for o in orders]
    return Export(export_id, orders, to_csv(lines), to_pain001(lines, _debtor(cfg), export_id, created))


def _store(ports: Ports, export: Export, keys: list[str] | None = None) -> list[str]:
    """Write the export's files (or only `keys`) where none is; the keys written."""
    csv_key, xml_key = _keys(export.export_id)
    files = {csv_key: (export.csv, "text/csv; charset=utf-8"), xml_key: (export.xml, "application/xml")}
    return [key for key in (keys or files)
            if ports.storage.put_new_object(ports.settings.bucket_name, key, files[key][0], content_type=files[key][1])]


# An export takes its orders one by one, then writes its two files: seconds. Files still missing this
# long after the last order was taken belong to an export that failed, not to one still running.
EXPORT_SETTLE = timedelta(minutes=15)


@dataclass
class Rewrites:
    written: list[Export]
    waiting: list[str]  # exports too recent to tell from one still being written


def rewrite_missing_exports(ports: Ports, now: datetime, *, settle: timedelta = EXPORT_SETTLE) -> Rewrites:
    """Write again the files of every export whose orders were taken but whose files are not in the bucket
    (the write failed after the orders were marked EXPORTED): without them finance would never pay those
    orders, and a new export would not take them again. The orders hold every line of the files, and their
    export time dates the files as the first attempt would have.

    An export whose last order was taken less than `settle` ago may still be writing: it is left alone.
    A file is only written where none is, so a late first write and a rewrite never replace each other.
    """
    repo, cfg = ports.repository, ports.settings
    exported: dict[str, list[PaymentOrder]] = {}
    for order in repo.payments("EXPORTED"):
        if order.export_id:
            exported.setdefault(order.export_id, []).append(order)
    result = Rewrites([], [])
    for export_id, orders in sorted(exported.items()):
        keys = _keys(export_id)
        missing = [key for key in keys if not ports.storage.exists(cfg.bucket_name, key)]
        if not missing:
            continue
        stamps = [o.exported_at for o in orders if o.exported_at is not None]
        if stamps and now - max(stamps) < settle:
            result.waiting.append(export_id)
            continue
        export = _build(cfg, export_id, orders, min(stamps) if stamps else now)
        if _store(ports, export, missing):
            logger.warning("payment export written again", export_id=export_id, orders=len(orders))
            result.written.append(export)
    return result


def _take(repo: Repository, order: PaymentOrder, export_id: str, now: datetime) -> PaymentOrder | None:
    """Mark one order EXPORTED in this export; None if another export took it first."""
    for _ in range(8):
        case = repo.get_case(order.case_id)  # read before the order: its version guards the order's status
        current = repo.find_payment(order.case_id)
        if current is None or current.status != "ORDERED":
            return None
        exported = current.model_copy(update={"status": "EXPORTED", "exported_at": now, "export_id": export_id})
        case.note("payment", at=now, actor="finance", message="Ordre de paiement transmis au service financier.",
                  order_id=order.order_id, export_id=export_id)
        try:
            repo.update_payment(exported, expected_status="ORDERED", case=case)
            return exported
        except StaleCase:
            continue  # the case changed meanwhile (another export, a late e-mail): look again
    return None


@on_stale_case()
def confirm_paid(ports: Ports, case_id: str, now: datetime, actor: str) -> bool:
    """Finance confirmed the transfer: PAID, the workflow ends."""
    repo = ports.repository
    case = repo.get_case(case_id)
    order = repo.find_payment(case_id)
    if case.state != State.PAYMENT_ORDERED or order is None:
        return False
    paid = order.model_copy(update={"status": "PAID", "paid_at": now})
    case.mark_paid(order, at=now, actor=actor)
    repo.update_payment(paid, expected_status=order.status, case=case)
    metrics.state_entered(State.PAID)
    metrics.amount("PaidAmount", order.amount_eur)
    advance(ports, case_id, now, actor=actor)
    return True


def confirm(ports: Ports, references: list[str], now: datetime, *, actor: str) -> list[str]:
    """Mark PAID the exported orders named by order or case id; returns the case ids confirmed."""
    confirmed = []
    for reference in references:
        case_id = reference.removeprefix("PAY-")
        order = ports.repository.find_payment(case_id)
        if order is None or order.status != "EXPORTED":
            continue
        if confirm_paid(ports, case_id, now, actor):
            confirmed.append(case_id)
    return confirmed


def confirm_file(ports: Ports, data: bytes, now: datetime, *, actor: str) -> list[str]:
    return confirm(ports, parse_confirmation(data), now, actor=actor)


def export_and_confirm(ports: Ports, now: datetime, *, actor: str) -> list[str]:
    """What the scenario's `confirm_payment` step stands for: export, then finance confirms every export."""
    export_payments(ports, now)
    return confirm(ports, [o.case_id for o in ports.repository.payments("EXPORTED")], now, actor=actor)
