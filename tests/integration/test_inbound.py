"""Inbound claim e-mails on moto: trust, case matching, quarantine and filing, through the ingest service and handler."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from clea_intake import settings
from clea_intake.adapters import clients, storage
from clea_intake.adapters.repository import Repository, doc_id_for, dynamo_repository
from clea_intake.domain.application import parse_application
from clea_intake.domain.case import Case
from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import State
from clea_intake.domain.records import DocumentRecord
from clea_intake.local.names import StackNames
from clea_intake.local.stack import LambdaContext, load_handler
from clea_intake.mail.build import build_claim_email
from clea_intake.payments.export import validate_pain001
from clea_intake.runtime import aws_ports
from clea_intake.services.cases import person_key
from clea_intake.services.evaluators import SupplierRecord, record_supplier
from clea_intake.services.flow import Ask, advance
from clea_intake.services.inbound import CLAIM_EVENT, ingest
from clea_intake.services.payments import export_payments, rewrite_missing_exports
from clea_intake.services.review import resolve
from clea_intake.settings import Settings
from tests.integration.conftest import stack_resources

PARIS = ZoneInfo("Europe/Paris")
NAMES = StackNames()
NOW = datetime(2026, 5, 2, 11, 0, tzinfo=PARIS)
EVALUATOR = "contact@formation-atlantique.fr"
PDF = b"%PDF-1.4\n% a claim piece\n"
_numbers = iter(range(500, 1000))
MAIL_FIXTURES = Path(__file__).parents[1] / "fixtures" / "mail"


def _application(case_id: str) -> dict:
    return {
        "case_id": case_id, "submitted_at": "2026-03-02T10:00:00+01:00", "certification": "clea_socle",
        "evaluation": "initial", "evaluation_start": "2026-04-13", "evaluation_end": "2026-04-24",
        "applicant": {
            "surname": "Martin", "given_names": "Léa Marie", "birth_date": "1991-07-14",
            "email": "lea.martin@example.fr", "phone": "+33600000000",
            "address": {"line1": "12 rue des Vignes", "postal_code": "33000", "city": "Bordeaux"},
            "nationality": "FR", "situation": "unemployed", "france_travail_registered": True,
            "funded_by_transition_pro_or_branch": False, "detention_facility": None},
        "accompanied_by": "evaluator",
        "evaluator": {"name": "Formation Atlantique", "siret": "73282932000074", "nda": "75331234533",
                      "postal_code": "33700", "email": EVALUATOR},
        "quote": {"hours": 10, "amount_eur": 450.0},
    }


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """Bucket (versioned), table and SES on moto, as the stack names them; no event is delivered."""
    with stack_resources(NAMES, NOW):
        clients.client("ses").verify_domain_identity(Domain=settings.settings().mail_from.split("@")[1])
        yield


@pytest.fixture
def repo(aws: None) -> Repository:
    return dynamo_repository(NAMES.table)


@pytest.fixture
def cfg(aws: None) -> Settings:
    return settings.settings()


@pytest.fixture
def case_id(repo: Repository) -> str:
    """A fresh AWARDED case of the DESIGN example, waiting for its claim."""
    return _awarded_case(repo, f"NA-CLEA-2026-{next(_numbers):06d}")


def _awarded_case(repo: Repository, case_id: str, evaluator_email: str = EVALUATOR) -> str:
    if repo.find_case(case_id) is not None:
        return case_id
    form = _application(case_id)
    form["evaluator"]["email"] = evaluator_email
    app = parse_application(json.dumps(form))
    received = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
    case = Case(case_id=case_id, application=app, state=State.AWARDED, received_at=received, updated_at=received,
                beneficiary_key=person_key(aws_ports(repo), app), awarded_eur=Decimal("450.00"))
    assert repo.create_case(case)
    if repo.find_evaluator(app.evaluator.siret) is None:
        # The Région's supplier record of the evaluator: its usual IBAN is trusted (DESIGN §3).
        record_supplier(repo, SupplierRecord(siret=app.evaluator.siret, name=app.evaluator.name, iban=USUAL_IBAN,
                                             emails=[evaluator_email]), at=received, actor="region:suppliers")
    return case_id


def _claim(case_id: str | None, *, attachments: list[tuple[str, bytes]] | None = None, sender: str = EVALUATOR,
           **options) -> bytes:
    pieces = attachments if attachments is not None else [
        ("CRE.pdf", PDF + b"cre " + str(case_id).encode()),
        ("attestation heures.pdf", PDF + b"hours " + str(case_id).encode()),
        ("RIB.pdf", PDF + b"rib " + str(case_id).encode())]
    return build_claim_email(sender=sender, attachments=pieces, sent_at=NOW - timedelta(hours=2), case_id=case_id,
                             **options)


def _deliver(raw: bytes) -> str:
    key = f"inbound/{uuid.uuid4().hex}"
    clients.client("s3").put_object(Bucket=NAMES.bucket, Key=key, Body=raw, ContentType="message/rfc822")
    return key


def _keys(prefix: str) -> list[str]:
    pages = clients.client("s3").get_paginator("list_objects_v2").paginate(Bucket=NAMES.bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def _versions(key: str) -> list[dict]:
    listed = clients.client("s3").list_object_versions(Bucket=NAMES.bucket, Prefix=key)
    return [v for v in listed.get("Versions", []) if v["Key"] == key]


def _replies() -> list[dict]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return [{"destinations": m.destinations, "raw": m.raw_data}
            for m in ses_backends[DEFAULT_ACCOUNT_ID][NAMES.region].sent_messages]


def _plain_text(raw: bytes | str) -> str:
    message = message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(), policy=policy.default)
    return message.get_body(("plain",)).get_content()


def _reviews_for(repo: Repository, key: str) -> list:
    return [r for r in repo.reviews("OPEN") if r.subject_ref == key]


# -- accepted ----------------------------------------------------------------------------------------------
def test_ingest_authenticated_claim_files_attachments_under_generated_claim_keys(repo, cfg, case_id):
    # Given a DMARC-authenticated claim from the evaluator's domain, with the reference in the subject
    key = _deliver(_claim(case_id))
    # When it is ingested
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then its three attachments are stored under claims/{case_id}/ with names of our own
    assert (outcome.status, outcome.case_id) == ("accepted", case_id)
    stem = hashlib.sha256(key.encode()).hexdigest()[:12]
    assert sorted(_keys(f"claims/{case_id}/")) == [f"claims/{case_id}/{stem}-{n:02d}.pdf" for n in (1, 2, 3)]
    # and the sender's file name is kept as metadata only, with the message it came from
    head = clients.client("s3").head_object(Bucket=NAMES.bucket, Key=f"claims/{case_id}/{stem}-02.pdf")
    assert unquote(head["Metadata"]["original-filename"]) == "attestation heures.pdf"
    assert head["Metadata"]["source-message"] == key
    # and the case's timeline announces the claim with the digests of its attachments
    claims = [e for e in repo.timeline(case_id) if e.kind == CLAIM_EVENT]
    assert len(claims) == 1 and len(claims[0].detail["attachments"]) == 3
    assert repo.find_inbound(key)["status"] == "accepted"


def test_ingest_claim_by_plus_address_only_matches_the_case(repo, cfg, case_id):
    # Given a claim whose subject carries no reference but whose recipient is claims+{case_id}@
    raw = _claim(case_id, subject="Documents de fin d'évaluation", plus_address=True)
    key = _deliver(raw)
    # When it is ingested
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then it is filed for that case
    assert (outcome.status, outcome.case_id, len(outcome.stored)) == ("accepted", case_id, 3)


def test_ingest_same_inbound_key_twice_files_the_claim_once(repo, cfg, case_id):
    # Given a claim already ingested
    key = _deliver(_claim(case_id))
    ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # When the same S3 event is delivered again
    again = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW + timedelta(minutes=5))
    # Then nothing more is stored or noted
    assert again.status == "duplicate"
    assert len(_keys(f"claims/{case_id}/")) == 3
    assert len([e for e in repo.timeline(case_id) if e.kind == CLAIM_EVENT]) == 1


@pytest.mark.parametrize(("fixture", "case_id", "evaluator", "names"), [
    ("outlook_forwarded_rfc2231.eml", "NA-CLEA-2026-000123", "secretariat@formation-atlantique.fr",
     ["Compte rendu d'exécution signé.pdf", "attestation d'heures réalisées.pdf", "RIB.png"]),
    ("apple_inline_signed.eml", "NA-CLEA-2026-000123", EVALUATOR, ["IMG_0042.png"]),
    ("broken_boundary.eml", "NA-CLEA-2026-000457", "paiements@cfa-landes.fr", ["cre.pdf", "heures.pdf"]),
    ("latin1_legacy.eml", "NA-CLEA-2026-000789", "jose.evaluateur@orange.fr", ["attestation.pdf"]),
], ids=["forwarded_rfc2231", "apple_signed_inline", "broken_boundary", "latin1_freemail"])
def test_ingest_hand_written_mailer_message_files_each_attachment(repo, cfg, fixture, case_id, evaluator, names):
    # Given an awarded case whose evaluator registered the sender's address, and a claim as a real mailer
    # wrote it (forward, RFC 2231, signature, 8-bit...)
    _awarded_case(repo, case_id, evaluator)
    siret = repo.get_case(case_id).application.evaluator.siret
    record_supplier(repo, SupplierRecord(siret=siret, name="Formation Atlantique", iban=USUAL_IBAN,
                                         emails=[evaluator]), at=NOW, actor="test")
    key = _deliver((MAIL_FIXTURES / fixture).read_bytes())
    # When it is ingested
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then every attachment is filed for the case, its sender's name kept as metadata only
    assert (outcome.status, outcome.case_id) == ("accepted", case_id)
    s3 = clients.client("s3")
    stored = [unquote(s3.head_object(Bucket=NAMES.bucket, Key=k)["Metadata"]["original-filename"])
              for k in outcome.stored]
    assert stored == names
    assert all(k.rsplit(".", 1)[-1] in ("pdf", "png") and "'" not in k for k in outcome.stored)


# -- quarantined -------------------------------------------------------------------------------------------
QUARANTINED: dict[str, tuple[Callable[[str], bytes], str]] = {
    "spoofed_dmarc_fail": (lambda c: _claim(c, dmarc="fail", spf="fail", dkim="fail"), "MAIL_NOT_AUTHENTICATED"),
    "dmarc_header_from_not_aligned": (lambda c: _claim(c, dmarc_header_from="attacker.example"),
                                      "MAIL_NOT_AUTHENTICATED"),
    "authenticated_other_domain": (lambda c: _claim(c, sender="compta@formation-atlantique-paiement.fr"),
                                   "MAIL_SENDER_NOT_EVALUATOR"),
    "infected": (lambda c: _claim(c, virus_verdict="FAIL"), "MAIL_VIRUS"),
    "infected_without_reference": (lambda c: _claim(None, virus_verdict="FAIL"), "MAIL_VIRUS"),
    "not_scanned": (lambda c: _claim(c, virus_verdict="PROCESSING_FAILED"), "MAIL_NOT_SCANNED"),
    "spam": (lambda c: _claim(c, spam_verdict="FAIL"), "MAIL_SPAM"),
    "unauthenticated_no_results": (
        lambda c: b"\r\n".join(line for line in _claim(c).split(b"\r\n")
                               if not line.startswith((b"Authentication-Results", b" spf=", b" dkim=", b" dmarc="))),
        "MAIL_NOT_AUTHENTICATED"),
    "no_reference": (lambda c: _claim(None), "MAIL_NO_REFERENCE"),
    "unknown_reference": (lambda c: _claim("NA-CLEA-2026-999999"), "MAIL_UNKNOWN_CASE"),
    "ambiguous_reference": (lambda c: _claim(c, subject=f"Paiements {c} et NA-CLEA-2026-999998"),
                            "MAIL_AMBIGUOUS_REFERENCE"),
    "malformed": (lambda c: b"\x00\x01 not an e-mail at all\r\n", "MAIL_MALFORMED"),
    "no_attachment": (lambda c: _claim(c, attachments=[]), "MAIL_NO_ATTACHMENT"),
    "archive_only": (lambda c: _claim(c, attachments=[("pieces.zip", b"PK\x03\x04" + b"\x00" * 40)]),
                     "MAIL_ARCHIVE_ATTACHMENT"),
}


@pytest.mark.parametrize("kind", list(QUARANTINED))
def test_ingest_untrusted_or_unmatched_message_is_quarantined_with_its_reason(repo, cfg, case_id, kind):
    # Given a message that cannot be trusted, matched or read
    build, reason = QUARANTINED[kind]
    raw = build(case_id)
    key = _deliver(raw)
    # When it is ingested
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then it is quarantined with its reason code and shown in the review queue
    assert (outcome.status, outcome.reason) == ("quarantined", reason)
    assert [(r.kind, r.code) for r in _reviews_for(repo, key)] == [("mail", reason)]
    assert repo.find_inbound(key)["reason"] == reason
    # and nothing is filed for the case, which stays awarded without a payment order
    assert _keys(f"claims/{case_id}/") == []
    assert repo.get_case(case_id).state == State.AWARDED and repo.find_payment(case_id) is None
    # and the raw message is kept as it arrived: one version, same bytes
    versions = _versions(key)
    assert len(versions) == 1 and versions[0]["ETag"].strip('"') == hashlib.md5(raw).hexdigest()
    assert clients.client("s3").get_object(Bucket=NAMES.bucket, Key=key)["Body"].read() == raw


@pytest.mark.parametrize("state", [State.COMPLETE, State.REFUSED, State.LAPSED, State.CLOSED_UNPAID])
def test_ingest_claim_for_a_case_not_waiting_for_one_is_quarantined_with_its_case(repo, cfg, state):
    # Given a case that was never awarded, or is closed without payment
    case_id = _awarded_case(repo, f"NA-CLEA-2026-{next(_numbers):06d}")
    case = repo.get_case(case_id)
    case.state = state
    repo.save_case(case)
    key = _deliver(_claim(case_id))
    # When the evaluator's claim for it arrives
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then a person sees it next to the case, and nothing is filed
    assert (outcome.status, outcome.reason, outcome.case_id) == ("quarantined", "MAIL_UNKNOWN_CASE", case_id)
    assert [(r.code, r.case_id) for r in _reviews_for(repo, key)] == [("MAIL_UNKNOWN_CASE", case_id)]
    assert _keys(f"claims/{case_id}/") == []


def test_ingest_claim_repeated_after_payment_order_is_filed_without_review(repo, cfg, case_id):
    # Given a case whose payment is already ordered
    case = repo.get_case(case_id)
    case.state = State.PAYMENT_ORDERED
    repo.save_case(case)
    key = _deliver(_claim(case_id))
    # When the evaluator sends the claim once more
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then it is filed for the record and nobody is bothered
    assert outcome.status == "accepted" and _reviews_for(repo, key) == []


def test_ingest_unmatched_authenticated_message_answers_the_sender(repo, cfg):
    # Given an authenticated message without any case reference
    before = len(_replies())
    key = _deliver(_claim(None, sender="secretariat@organisme-sans-ref.fr"))
    # When it is ingested
    ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then the sender is told, once, what is missing
    replies = _replies()[before:]
    assert [r["destinations"] for r in replies] == [["secretariat@organisme-sans-ref.fr"]]
    assert "NA-CLEA-AAAA-NNNNNN" in _plain_text(replies[0]["raw"])


@pytest.mark.parametrize("options", [{"dmarc": "fail"}, {"virus_verdict": "FAIL"}, {"spam_verdict": "FAIL"},
                                     {"dmarc_header_from": "attacker.example"}])
def test_ingest_unauthenticated_message_is_never_answered(repo, cfg, case_id, options):
    # Given a message that did not authenticate (or is infected, or spam), with or without a reference
    before = len(_replies())
    keys = [_deliver(_claim(case_id, **options)), _deliver(_claim(None, **options))]
    # When they are ingested
    outcomes = [ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=k, now=NOW) for k in keys]
    # Then both are quarantined and nobody is answered (no backscatter to a forged sender)
    assert [o.status for o in outcomes] == ["quarantined", "quarantined"]
    assert len(_replies()) == before


def test_ingest_quarantined_message_delivered_twice_opens_one_review(repo, cfg, case_id):
    # Given a spoofed claim already quarantined
    key = _deliver(_claim(case_id, dmarc="fail"))
    ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # When its event is delivered again
    again = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW + timedelta(minutes=1))
    # Then one review item stays open for it
    assert again.status == "duplicate"
    assert len(_reviews_for(repo, key)) == 1


# -- limits ------------------------------------------------------------------------------------------------
def test_ingest_fifty_attachments_files_the_policy_limit_and_sends_the_rest_to_review(repo, cfg, case_id):
    # Given a claim with 50 PDF attachments
    pieces = [(f"piece-{n:02d}.pdf", PDF + f"piece {n}".encode()) for n in range(50)]
    key = _deliver(_claim(case_id, attachments=pieces))
    # When it is ingested
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then the first 20 are filed and a person is told some were dropped
    assert outcome.status == "accepted" and len(outcome.stored) == 20
    assert [r.code for r in _reviews_for(repo, key)] == ["MAIL_TOO_MANY_ATTACHMENTS"]


def test_ingest_twenty_megabyte_attachment_is_dropped_and_the_others_filed(repo, cfg, case_id):
    # Given a claim whose RIB is a 20 MB file next to a normal CRE
    big = PDF + b"\x00" * (20 * 1024 * 1024)
    key = _deliver(_claim(case_id, attachments=[("CRE.pdf", PDF + b"cre"), ("RIB.pdf", big)]))
    # When it is ingested
    outcome = ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW)
    # Then the CRE is filed and the oversized file goes to review, never to S3 under claims/
    assert outcome.status == "accepted" and len(outcome.stored) == 1
    assert [r.code for r in _reviews_for(repo, key)] == ["MAIL_ATTACHMENT_TOO_LARGE"]
    assert _keys(f"claims/{case_id}/") == list(outcome.stored)


# -- a person releases a message ---------------------------------------------------------------------------
def test_review_confirm_of_quarantined_message_files_it_for_its_case(repo, cfg, case_id):
    # Given a claim sent from the evaluator's new domain, quarantined as not the evaluator's
    key = _deliver(_claim(case_id, sender="paiements@atlantique-formation.fr"))
    assert ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW).reason == "MAIL_SENDER_NOT_EVALUATOR"
    [item] = _reviews_for(repo, key)
    # When a person checked it with the evaluator and confirms it
    result = resolve(aws_ports(repo, cfg), item.review_id, "confirm", NOW + timedelta(hours=1), actor="ops:test")
    # Then its attachments are filed for the case and the review item is closed
    assert result == "released"
    assert len(_keys(f"claims/{case_id}/")) == 3
    assert repo.find_review(item.review_id).status == "CLOSED"


# -- the handler -------------------------------------------------------------------------------------------
def _sqs_event(key: str, etag: str, version_id: str) -> dict:
    detail = {"version": "0", "bucket": {"name": NAMES.bucket},
              "object": {"key": quote(key), "size": 1, "etag": etag, "version-id": version_id, "sequencer": "01"},
              "request-id": "R", "requester": "123456789012", "source-ip-address": "192.0.2.1",
              "reason": "PutObject"}
    body = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-05-02T09:00:00Z", "region": NAMES.region,
            "resources": [f"arn:aws:s3:::{NAMES.bucket}"], "detail": detail}
    records = [{"Event": "s3:TestEvent"}, body]
    return {"Records": [{
        "messageId": f"m-{n}", "receiptHandle": f"h-{n}", "body": json.dumps(b), "attributes": {},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{NAMES.region}:123456789012:clea-intake-inbound", "awsRegion": NAMES.region,
    } for n, b in enumerate(records)]}


def test_ingest_email_handler_files_the_claim_of_an_sqs_batch(repo, case_id):
    # Given a claim stored by SES under inbound/ and its S3 event in an SQS batch with a test event
    key = _deliver(_claim(case_id))
    head = clients.client("s3").head_object(Bucket=NAMES.bucket, Key=key)
    event = _sqs_event(key, head["ETag"].strip('"'), head["VersionId"])
    context = LambdaContext(function_name="clea-intake-ingest-email",
                            invoked_function_arn=NAMES.function_arn("ingest_email"))
    # When the ingest function handles the batch
    result = load_handler("ingest_email")(event, context)
    # Then no record fails and the claim is filed for its case
    assert result == {"batchItemFailures": []}
    assert repo.find_inbound(key)["status"] == "accepted"
    assert len(_keys(f"claims/{case_id}/")) == 3



# -- after the inbox: the claim is judged whole, and paid once ---------------------------------------------
def _record(repo: Repository, case_id: str, doc_type: DocType, fields: dict, data: bytes, n: int,
            received_at: datetime = NOW) -> None:
    key = f"claims/{case_id}/test-{n:02d}.pdf"
    repo.put_document(DocumentRecord(
        case_id=case_id, doc_id=doc_id_for(key), bucket=NAMES.bucket, key=key, etag=f"etag{n}",
        sha256=hashlib.sha256(data).hexdigest(), original_name=f"{n}.pdf", source="claim", received_at=received_at,
        doc_type=doc_type, confidence=0.99, fields=fields))


CRE = (DocType.EXECUTION_REPORT, {"beneficiary_name": "Léa Martin", "certification": "clea_socle",
                                  "evaluation": "initial", "start_date": "2026-04-13", "end_date": "2026-04-24"},
       PDF + b"cre")
HOURS = (DocType.HOURS_ATTESTATION, {"beneficiary_name": "Léa Martin", "hours": 10, "start_date": "2026-04-13",
                                     "end_date": "2026-04-24"}, PDF + b"hours")
ZERO_HOURS = (DocType.HOURS_ATTESTATION, {**HOURS[1], "hours": 0}, PDF + b"zero hours")
USUAL_IBAN, OTHER_IBAN = "FR7630004000031234567890143", "FR7610107001011234567890129"


def _rib(iban: str, tag: bytes = b"") -> tuple:
    return (DocType.BANK_DETAILS, {"holder_name": "FORMATION ATLANTIQUE", "iban": iban, "bic": "BNPAFRPPXXX",
                                   "issue_date": "2026-04-20"}, PDF + b"rib " + iban.encode() + tag)


def _claimed(repo: Repository, cfg: Settings, case_id: str, pieces: list[tuple]) -> None:
    """The claim e-mail carrying `pieces` has been ingested; its attachments are not read yet."""
    key = _deliver(_claim(case_id, attachments=[(f"{n}.pdf", p[2]) for n, p in enumerate(pieces)]))
    assert ingest(aws_ports(repo, cfg), bucket=NAMES.bucket, key=key, now=NOW).status == "accepted"


def test_assess_claim_waits_until_every_attachment_of_the_email_is_read(repo, cfg, case_id):
    # Given a claim e-mail with its three pieces, of which only the CRE has been read so far
    _claimed(repo, cfg, case_id, [CRE, HOURS, _rib(USUAL_IBAN)])
    _record(repo, case_id, *CRE, 1)
    # When the claim is assessed
    early = advance(aws_ports(repo, cfg), case_id, NOW)
    # Then it is not judged yet: no CLAIM_INCOMPLETE, no e-mail to the evaluator
    assert early == "CLAIM_PENDING"
    assert repo.get_case(case_id).state == State.AWARDED and repo.mails(case_id) == []
    # When the two other pieces are read
    _record(repo, case_id, *HOURS, 2)
    _record(repo, case_id, *_rib(USUAL_IBAN), 3)
    # Then the claim is valid as a whole and the evaluator told it was received
    assert advance(aws_ports(repo, cfg), case_id, NOW) == "CLAIM_VALID"
    assert [m.kind for m in repo.mails(case_id)] == ["claim_received"]


def test_assess_claim_zero_hours_without_rib_closes_the_case_unpaid(repo, cfg, case_id):
    # Given a claim with a CRE and an attestation of 0 hours, and no RIB
    _claimed(repo, cfg, case_id, [CRE, ZERO_HOURS])
    _record(repo, case_id, *CRE, 1)
    _record(repo, case_id, *ZERO_HOURS, 2)
    # When it is assessed
    outcome = advance(aws_ports(repo, cfg), case_id, NOW)
    # Then the case is closed unpaid (no RIB is asked for to pay nothing) and no order exists
    assert outcome == "CLOSED_UNPAID"
    assert repo.get_case(case_id).state == State.CLOSED_UNPAID and repo.find_payment(case_id) is None


def test_assess_claim_after_the_claim_deadline_lapses_the_case(repo, cfg, case_id):
    # Given an award whose claim deadline has passed, and a complete claim arriving just after it
    case = repo.get_case(case_id)
    case.deadline_at = NOW - timedelta(minutes=1)
    repo.save_case(case)
    _claimed(repo, cfg, case_id, [CRE, HOURS, _rib(USUAL_IBAN)])
    for n, piece in enumerate([CRE, HOURS, _rib(USUAL_IBAN)], start=1):
        _record(repo, case_id, *piece, n)
    # When it is assessed before the sweeper's next run
    outcome = advance(aws_ports(repo, cfg), case_id, NOW)
    # Then the case lapses instead of being paid
    assert outcome == "LAPSED" and repo.get_case(case_id).state == State.LAPSED
    assert advance(aws_ports(repo, cfg), case_id, NOW, asked=Ask.PAYMENT_ORDER) == "LAPSED" and repo.find_payment(case_id) is None


def test_order_payment_with_a_new_rib_on_another_iban_holds_the_payment(repo, cfg, case_id):
    # Given an evaluator whose supplier record trusts its usual IBAN, and a claim judged valid on that IBAN
    _claimed(repo, cfg, case_id, [CRE, HOURS, _rib(USUAL_IBAN)])
    for n, piece in enumerate([CRE, HOURS, _rib(USUAL_IBAN)], start=1):
        _record(repo, case_id, *piece, n)
    assert advance(aws_ports(repo, cfg), case_id, NOW) == "CLAIM_VALID"
    # and a newer RIB on another IBAN read before the payment order is made
    later = NOW + timedelta(minutes=1)
    _claimed(repo, cfg, case_id, [_rib(OTHER_IBAN)])
    _record(repo, case_id, *_rib(OTHER_IBAN), 4, received_at=later)
    # When the state machine asks for the payment order
    outcome = advance(aws_ports(repo, cfg), case_id, later, asked=Ask.PAYMENT_ORDER)
    # Then no order is made and a person is asked to check the new IBAN
    assert outcome == "CLAIM_INCOMPLETE" and repo.find_payment(case_id) is None
    assert [(r.kind, r.code) for r in repo.reviews("OPEN") if r.case_id == case_id] == [("bank_details",
                                                                                          "IBAN_CHANGED")]


def test_export_racing_another_export_leaves_the_order_to_one_of_them(repo, cfg, case_id, monkeypatch):
    # Given a valid claim whose payment was ordered
    _claimed(repo, cfg, case_id, [CRE, HOURS, _rib(USUAL_IBAN)])
    for n, piece in enumerate([CRE, HOURS, _rib(USUAL_IBAN)], start=1):
        _record(repo, case_id, *piece, n)
    assert advance(aws_ports(repo, cfg), case_id, NOW, asked=Ask.PAYMENT_ORDER) == "PAYMENT_ORDERED"
    # and a second export that takes the order just after this one has read it as ORDERED
    other = dynamo_repository(NAMES.table)
    exports = []
    read = repo.find_payment

    def read_then_other_export(wanted: str):
        order = read(wanted)
        if wanted == case_id and not exports:
            exports.append(export_payments(aws_ports(other, cfg), NOW + timedelta(hours=1), store=False))
        return order

    monkeypatch.setattr(repo, "find_payment", read_then_other_export)
    # When this export runs
    mine = export_payments(aws_ports(repo, cfg), NOW + timedelta(hours=1), store=False)
    # Then the order is in exactly one of the two exports
    taken = [o.case_id for e in [*exports, mine] if e is not None for o in e.orders]
    assert taken.count(case_id) == 1
    assert read(case_id).status == "EXPORTED"


def _failed_export(repo: Repository, cfg: Settings, case_id: str, monkeypatch: pytest.MonkeyPatch,
                   at: datetime) -> None:
    """The case's payment ordered, then an export that took it and failed to write its SEPA file."""
    _claimed(repo, cfg, case_id, [CRE, HOURS, _rib(USUAL_IBAN)])
    for n, piece in enumerate([CRE, HOURS, _rib(USUAL_IBAN)], start=1):
        _record(repo, case_id, *piece, n)
    assert advance(aws_ports(repo, cfg), case_id, NOW, asked=Ask.PAYMENT_ORDER) == "PAYMENT_ORDERED"
    written = storage.put_new_object

    def failing_put(bucket: str, key: str, body: bytes, **kwargs):
        if key.endswith(".xml"):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "S3 unavailable"}}, "PutObject")
        return written(bucket, key, body, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(storage, "put_new_object", failing_put)
        with pytest.raises(ClientError):
            export_payments(aws_ports(repo, cfg), at)


def test_export_whose_files_never_reached_the_bucket_is_written_again_from_its_orders(repo, cfg, case_id,
                                                                                        monkeypatch):
    # Given a valid claim whose payment was ordered, and an export whose SEPA file cannot be written once
    # the orders are taken
    _failed_export(repo, cfg, case_id, monkeypatch, NOW + timedelta(hours=1))
    order = repo.find_payment(case_id)
    assert order.status == "EXPORTED" and order.export_id
    # and a new export that has nothing left to take
    assert export_payments(aws_ports(repo, cfg), NOW + timedelta(hours=1, minutes=1)) is None
    # When the missing exports are looked for at once, then a quarter of an hour later
    soon = rewrite_missing_exports(aws_ports(repo, cfg), NOW + timedelta(hours=1, minutes=2))
    later = rewrite_missing_exports(aws_ports(repo, cfg), NOW + timedelta(hours=1, minutes=16))
    # Then the export is first left to the run that may still be writing it
    assert order.export_id in soon.waiting and order.export_id not in [e.export_id for e in soon.written]
    # and then written again under its own id, with the order, dated when it was taken
    [export] = [e for e in later.written if e.export_id == order.export_id]
    assert case_id in [o.case_id for o in export.orders]
    xml = storage.get_object(cfg.bucket_name, f"exports/{order.export_id}.xml").body
    csv_file = storage.get_object(cfg.bucket_name, f"exports/{order.export_id}.csv").body
    validate_pain001(xml)
    assert f"AIDE CLEA {case_id}".encode() in xml and case_id.encode() in csv_file
    assert f"<CreDtTm>{order.exported_at.strftime('%Y-%m-%dT%H:%M:%S')}".encode() in xml
    # and once both files are there, nothing is written again
    again = rewrite_missing_exports(aws_ports(repo, cfg), NOW + timedelta(hours=2))
    assert order.export_id not in [e.export_id for e in again.written] + again.waiting


def test_rewritten_export_never_replaces_a_file_that_arrived_meanwhile(repo, cfg, case_id, monkeypatch):
    # Given an export whose SEPA file failed to be written an hour ago
    _failed_export(repo, cfg, case_id, monkeypatch, NOW)
    written = storage.put_object
    export_id = repo.find_payment(case_id).export_id
    csv_key, xml_key = f"exports/{export_id}.csv", f"exports/{export_id}.xml"
    # and its SEPA file arriving between the check and the rewrite (a late first write)
    exists = storage.exists

    def late_write(bucket: str, key: str) -> bool:
        found = exists(bucket, key)
        if key == xml_key and not found:
            written(bucket, key, b"<late first write/>")
        return found

    monkeypatch.setattr(storage, "exists", late_write)
    # When the missing files are written again
    result = rewrite_missing_exports(aws_ports(repo, cfg), NOW + timedelta(hours=1))
    # Then the file that arrived is kept as it is, and the CSV written the first time too
    assert storage.get_object(cfg.bucket_name, xml_key).body == b"<late first write/>"
    assert case_id.encode() in storage.get_object(cfg.bucket_name, csv_key).body
    assert export_id not in [e.export_id for e in result.written]


def test_claims_of_an_evaluator_without_supplier_record_are_each_held_whatever_their_iban(repo, cfg):
    # Given an evaluator the Région has no supplier record of, with two awarded cases whose claims give two IBANs
    siret = "44199316900016"
    first, second = (f"NA-CLEA-2026-{next(_numbers):06d}" for _ in range(2))
    for case_id, iban in ((first, USUAL_IBAN), (second, OTHER_IBAN)):
        _awarded_case(repo, case_id)
        case = repo.get_case(case_id)
        case.application = case.application.model_copy(
            update={"evaluator": case.application.evaluator.model_copy(update={"siret": siret})})
        repo.save_case(case)
        _claimed(repo, cfg, case_id, [CRE, HOURS, _rib(iban)])
        for n, piece in enumerate([CRE, HOURS, _rib(iban)], start=1):
            _record(repo, case_id, *piece, n)
    assert repo.find_evaluator(siret) is None
    # When both claims are assessed and the state machine asks for their orders
    outcomes = [advance(aws_ports(repo, cfg), c, NOW) for c in (first, second)]
    orders = [advance(aws_ports(repo, cfg), c, NOW, asked=Ask.PAYMENT_ORDER) for c in (first, second)]
    # Then neither is paid: the first IBAN ever claimed is no more trusted than the second
    assert outcomes == ["HELD_FOR_REVIEW", "HELD_FOR_REVIEW"] and orders == ["CLAIM_INCOMPLETE"] * 2
    assert repo.find_payment(first) is None and repo.find_payment(second) is None
    assert sorted(r.code for r in repo.reviews("OPEN") if r.case_id in (first, second)) == ["IBAN_FIRST_USE"] * 2

