"""What the console's unit tests put beside the review items: real files, a quarantined message, money."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from fpdf import FPDF
from PIL import Image, ImageDraw

from clea_intake.adapters.table import Write
from clea_intake.domain.records import MailRecord, PaymentOrder
from tests.conftest import RECEIVED_AT, make_case

MAIL_KEY = "inbound/msg-0001"
MAIL_REVIEW = "MAIL-abc-MAIL_SENDER_NOT_REGISTERED"
REFUSED_CASE = "NA-CLEA-2026-000201"
PAID_CASE = "NA-CLEA-2026-000202"
OLD_EXPORT = "EXP-20260301-100000-ABCDEF"
IBAN = "FR7630004000031234567890143"


def identity_png() -> bytes:
    image = Image.new("RGB", (600, 380), "white")
    ImageDraw.Draw(image).text((20, 20), "CARTE NATIONALE D'IDENTITE", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def rib_pdf(pages: int = 2) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Releve d'identite bancaire - page {n + 1}")
    return bytes(pdf.output())


def quarantined_message(markup: str = "<b>x</b>") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Comptable <compta@organisme-exemple.fr>"
    msg["To"] = "paiements@clea.example"
    msg["Subject"] = f"Demande de versement {markup}"
    msg["Message-ID"] = "<m1@organisme-exemple.fr>"
    msg["X-SES-Spam-Verdict"] = "PASS"
    msg["X-SES-Virus-Verdict"] = "PASS"
    msg.set_content("Bonjour, veuillez trouver la demande.")
    msg.add_attachment(rib_pdf(1), maintype="application", subtype="pdf", filename=f"rib{markup}.pdf")
    return msg.as_bytes()


def refused_case(ports) -> None:
    case = make_case(case_id=REFUSED_CASE, state="COMPLETE")
    assert ports.repository.create_case(case)
    case = ports.repository.get_case(REFUSED_CASE)
    decided = RECEIVED_AT + timedelta(hours=2)
    case.refuse(["NOT_RESIDENT"], at=decided, actor="system", message="Refus")
    ports.repository.save_case(case)
    ports.repository.record_mail(MailRecord(case_id=REFUSED_CASE, kind="refusal", to=["a@example.org"],
                                            subject="Décision", sent_at=decided))


def ordered_case(ports, now: datetime) -> PaymentOrder:
    """A case whose payment is ordered (its order pending export), and an older export's files."""
    case = make_case(case_id=PAID_CASE, state="PAYMENT_ORDERED")
    case = case.model_copy(update={"awarded_eur": Decimal("450.00"), "decided_at": RECEIVED_AT})
    assert ports.repository.create_case(case)
    order = PaymentOrder(order_id=f"PAY-{PAID_CASE}", case_id=PAID_CASE, amount_eur=Decimal("450.00"),
                         creditor_name="Organisme Exemple", creditor_siret="12345678900011", iban=IBAN,
                         bic="BNPAFRPPXXX", created_at=now - timedelta(hours=1))
    ports.repository.table.transact([Write(ports.repository.payment_item(order), "absent")])
    ports.storage.put_object("bucket", f"exports/{OLD_EXPORT}.csv", b"order_id;case_id\n")
    ports.storage.put_object("bucket", f"exports/{OLD_EXPORT}.xml", b"<Document/>")
    return order
