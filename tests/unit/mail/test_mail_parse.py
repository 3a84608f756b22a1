"""Unit tests for parse_inbound: real MIME built by the standard library and hand-written raw messages."""

from __future__ import annotations

import base64
import io
import random
import tarfile
import zipfile
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from clea_intake.domain.policy import current_policy
from clea_intake.mail import MailReason, MalformedMessage, MessageOverLimit, build_claim_email, parse_inbound
from clea_intake.mail.parse import sanitise_filename

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
SENT = datetime(2026, 5, 2, 11, 0, tzinfo=UTC)
MB = 1024 * 1024


def parse(
    raw: bytes,
    *,
    max_attachments: int = 10,
    max_attachment_bytes: int = 10 * MB,
    max_total_bytes: int = 25 * MB,
):
    return parse_inbound(
        raw,
        max_attachments=max_attachments,
        max_attachment_bytes=max_attachment_bytes,
        max_total_bytes=max_total_bytes,
    )


def ses_prefix(
    *, virus: str = "PASS", spam: str = "PASS", dmarc: str = "pass", domain: str = "formation-atlantique.fr"
) -> bytes:
    return (
        f"X-SES-Spam-Verdict: {spam}\r\n"
        f"X-SES-Virus-Verdict: {virus}\r\n"
        f"Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@{domain}; "
        f"dmarc={dmarc} header.from={domain};\r\n"
    ).encode()


def email_message(subject: str = "Réf. NA-CLEA-2026-000123") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Formation Atlantique <contact@formation-atlantique.fr>"
    msg["To"] = "claims@inbound.example.fr"
    msg["Subject"] = subject
    msg["Date"] = "Sat, 02 May 2026 11:00:00 +0200"
    msg["Message-ID"] = "<claim-1@formation-atlantique.fr>"
    msg.set_content("Bonjour, voici les pièces.")
    return msg


def stored(msg: EmailMessage, **verdicts: str) -> bytes:
    return ses_prefix(**verdicts) + msg.as_bytes(policy=policy.SMTP)


# --- well-formed messages -------------------------------------------------------------------------


def test_parse_inbound_built_claim_extracts_headers_verdicts_and_attachments():
    # Given a claim e-mail as SES stores it, with three documents
    raw = build_claim_email(
        sender="contact@formation-atlantique.fr",
        attachments=[("CRE.pdf", PDF), ("attestation.pdf", PDF + b"a"), ("RIB.jpg", JPEG)],
        sent_at=SENT,
        case_id="NA-CLEA-2026-000123",
    )

    # When it is parsed
    msg = parse(raw)

    # Then the sender, verdicts, authentication results and the three attachments are read
    assert msg.from_address == "contact@formation-atlantique.fr"
    assert msg.from_domain == "formation-atlantique.fr"
    assert (msg.spam_verdict, msg.virus_verdict) == ("PASS", "PASS")
    assert (msg.spf, msg.dkim, msg.dmarc, msg.dmarc_header_from) == (
        "pass",
        "pass",
        "pass",
        "formation-atlantique.fr",
    )
    assert msg.date == SENT
    assert [a.sanitised_filename for a in msg.attachments] == ["CRE.pdf", "attestation.pdf", "RIB.jpg"]
    assert [a.content_type_sniffed for a in msg.attachments] == [
        "application/pdf",
        "application/pdf",
        "image/jpeg",
    ]
    assert msg.attachments[2].data == JPEG
    assert msg.problems == []


def test_parse_inbound_attachment_bytes_excluded_from_repr_and_serialisation():
    # Given a parsed message with a PDF attachment
    msg = parse(build_claim_email(sender="a@b.fr", attachments=[("x.pdf", PDF)], sent_at=SENT))

    # When it is dumped and printed
    dumped = msg.model_dump()
    text = repr(msg.attachments[0]) + msg.model_dump_json()

    # Then the bytes appear nowhere, while the hash and size do
    assert "data" not in dumped["attachments"][0]
    assert "%PDF" not in text
    assert dumped["attachments"][0]["size"] == len(PDF)
    assert len(dumped["attachments"][0]["sha256"]) == 64


def test_parse_inbound_nested_alternative_with_referenced_inline_image_skips_decoration():
    # Given multipart/mixed > multipart/alternative(text, related(html, logo cid)) plus an unreferenced inline image
    msg = email_message()
    msg.add_alternative('<p>Bonjour</p><img src="cid:logo@evaluateur">', subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(
        PNG + b"logo",
        maintype="image",
        subtype="png",
        cid="<logo@evaluateur>",
        filename="logo.png",
        disposition="inline",
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="CRE.pdf")
    msg.add_attachment(
        PNG + b"rib", maintype="image", subtype="png", filename="rib.png", disposition="inline"
    )

    # When it is parsed
    parsed = parse(stored(msg))

    # Then the logo is decoration, the inline RIB photo and the PDF are attachments
    assert [a.sanitised_filename for a in parsed.attachments] == ["CRE.pdf", "rib.png"]
    assert parsed.body_text == "Bonjour, voici les pièces."


def test_parse_inbound_quoted_printable_attachment_decodes_exact_bytes():
    # Given a binary attachment sent quoted-printable
    payload = PDF + bytes(range(256))
    msg = email_message()
    msg.add_attachment(
        payload, maintype="application", subtype="pdf", filename="cre.pdf", cte="quoted-printable"
    )

    # When it is parsed
    parsed = parse(stored(msg))

    # Then the decoded bytes are exactly the original ones
    assert parsed.attachments[0].data == payload
    assert parsed.attachments[0].size == len(payload)


def test_parse_inbound_forwarded_message_extracts_inner_attachments_flagged():
    # Given a message forwarding another one (message/rfc822) that carries the CRE, plus a RIB of its own
    inner = email_message("Demande de paiement")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="CRE.pdf")
    outer = email_message("TR: Demande de paiement NA-CLEA-2026-000123")
    outer.add_attachment(inner)
    outer.add_attachment(PNG, maintype="image", subtype="png", filename="RIB.png")

    # When it is parsed
    parsed = parse(stored(outer))

    # Then the forwarded attachment is extracted and flagged, the outer one is not
    flags = {a.sanitised_filename: a.from_forwarded_message for a in parsed.attachments}
    assert flags == {"CRE.pdf": True, "RIB.png": False}


def test_parse_inbound_eml_attached_as_octet_stream_opened_as_forward():
    # Given a forwarded message attached as a plain .eml file
    inner = email_message()
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="heures.pdf")
    outer = email_message()
    outer.add_attachment(
        inner.as_bytes(), maintype="application", subtype="octet-stream", filename="claim.eml"
    )

    # When it is parsed
    parsed = parse(stored(outer))

    # Then its attachment is extracted, not the .eml file itself
    assert [(a.sanitised_filename, a.from_forwarded_message) for a in parsed.attachments] == [
        ("heures.pdf", True)
    ]


def test_parse_inbound_fixture_outlook_forward_decodes_rfc2231_names_and_encoded_subject():
    # Given an Outlook-style forward with RFC 2231 continuation and charset filenames
    raw = (FIXTURES / "outlook_forwarded_rfc2231.eml").read_bytes()

    # When it is parsed
    parsed = parse(raw)

    # Then names, subject and forwarded flags are right
    assert parsed.subject == "TR : Demande de paiement Réf na_clea_2026_000123"
    assert [(a.sanitised_filename, a.from_forwarded_message) for a in parsed.attachments] == [
        ("Compte rendu d'exécution signé.pdf", True),
        ("attestation d'heures réalisées.pdf", True),
        ("RIB.png", False),
    ]
    assert parsed.body_text == "Bonjour, je vous transfère la demande de notre directrice."


def test_parse_inbound_fixture_apple_signed_keeps_unreferenced_inline_and_drops_signature():
    # Given a signed message with a referenced logo, an unreferenced inline photo and smime.p7s
    raw = (FIXTURES / "apple_inline_signed.eml").read_bytes()

    # When it is parsed
    parsed = parse(raw)

    # Then only the photo is an attachment and the HTML body gives the text
    assert [a.sanitised_filename for a in parsed.attachments] == ["IMG_0042.png"]
    assert "Le RIB est en photo" in parsed.body_text


def test_parse_inbound_rfc2047_encoded_word_filename_decoded():
    # Given a hand-written part whose quoted filename holds an RFC 2047 encoded word (not RFC 2231)
    raw = ses_prefix() + (
        b"From: contact@formation-atlantique.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n"
        b'--B\r\nContent-Type: application/pdf; name="=?UTF-8?B?Q1LDiV9zaWduw6kucGRm?="\r\n'
        b'Content-Disposition: attachment; filename="=?UTF-8?B?Q1LDiV9zaWduw6kucGRm?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PDF) + b"--B--\r\n"
    )

    # When it is parsed
    parsed = parse(raw)

    # Then the filename is decoded
    assert parsed.attachments[0].sanitised_filename == "CRÉ_signé.pdf"


# --- damaged and hostile input -----------------------------------------------------------------------


def test_parse_inbound_fixture_broken_boundary_recovers_attachments_with_warning():
    # Given a message whose declared boundary never occurs in the body
    raw = (FIXTURES / "broken_boundary.eml").read_bytes()

    # When it is parsed
    parsed = parse(raw)

    # Then both PDFs are recovered and the damage is reported as a warning
    assert [a.sanitised_filename for a in parsed.attachments] == ["cre.pdf", "heures.pdf"]
    assert parsed.body_text == "Voici les pieces."
    damaged = [p for p in parsed.problems if p.code == MailReason.MAIL_DAMAGED_STRUCTURE]
    assert len(damaged) == 1 and damaged[0].severity == "warning"


def test_parse_inbound_missing_closing_boundary_keeps_last_attachment():
    # Given a message truncated before its closing boundary
    raw = ses_prefix() + (
        b'From: a@formation-atlantique.fr\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(PDF)
    )

    # When it is parsed
    parsed = parse(raw)

    # Then the attachment is there and the damage noted
    assert [a.data for a in parsed.attachments] == [PDF]
    assert MailReason.MAIL_DAMAGED_STRUCTURE in parsed.problem_codes


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n  ", b"\x00\x01\x02\xff\xfe garbage without any header", b"just words, no header at all"],
)
def test_parse_inbound_nothing_usable_raises_malformed(raw):
    # Given bytes that hold no message
    # When they are parsed
    with pytest.raises(MalformedMessage) as caught:
        parse(raw)

    # Then the error carries the stable code and a French sentence
    assert caught.value.code == MailReason.MAIL_MALFORMED
    assert "message" in caught.value.message_fr


def test_parse_inbound_random_corruption_never_raises_anything_but_malformed():
    # Given 300 randomly corrupted copies of a valid claim (bytes flipped, cut, duplicated)
    base = build_claim_email(
        sender="contact@formation-atlantique.fr",
        attachments=[("CRE.pdf", PDF), ("rib.png", PNG)],
        sent_at=SENT,
        case_id="NA-CLEA-2026-000123",
    )
    rng = random.Random(20260502)
    outcomes = {"parsed": 0, "malformed": 0}

    for _ in range(300):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            op = rng.random()
            pos = rng.randrange(len(data))
            if op < 0.6:
                data[pos] = rng.randrange(256)
            elif op < 0.8:
                del data[pos : pos + rng.randint(1, 200)]
            else:
                data[pos:pos] = data[rng.randrange(len(data)) :][: rng.randint(1, 200)]
        # When each is parsed
        try:
            result = parse(bytes(data))
            result.model_dump_json()  # everything must also serialise (no lone surrogates)
            outcomes["parsed"] += 1
        except MalformedMessage:
            outcomes["malformed"] += 1

    # Then every one either parsed or raised MalformedMessage, and most still parse
    assert outcomes["parsed"] + outcomes["malformed"] == 300
    assert outcomes["parsed"] > 200


def _nested(levels: int) -> bytes:
    body = f"--L{levels}\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 deep\r\n--L{levels}--\r\n".encode()
    for level in range(levels - 1, -1, -1):
        body = (
            f"--L{level}\r\nContent-Type: multipart/mixed; boundary=L{level + 1}\r\n\r\n".encode()
            + body
            + f"--L{level}--\r\n".encode()
        )
    return b"From: a@b.fr\r\nContent-Type: multipart/mixed; boundary=L0\r\n\r\n" + body


def test_parse_inbound_multipart_nested_past_the_policy_depth_is_refused_unparsed():
    # Given a multipart nested 60 levels deep with a PDF at the bottom
    raw = _nested(60)

    # When it is parsed, then it is refused for its depth before the MIME parser runs
    with pytest.raises(MessageOverLimit) as refused:
        parse(raw)
    assert refused.value.code == MailReason.MAIL_TOO_DEEP


def test_parse_inbound_deeply_nested_multipart_within_looser_limits_stops_walk_with_warning():
    # Given the same message and limits loose enough to let it reach the parser
    loose = current_policy().mail.model_copy(update={"max_depth": 100})

    # When it is parsed
    parsed = parse_inbound(_nested(60), max_attachments=10, max_attachment_bytes=MB, max_total_bytes=MB,
                           limits=loose)

    # Then the walk does not go on forever and reports the damage
    assert MailReason.MAIL_DAMAGED_STRUCTURE in parsed.problem_codes


def test_parse_inbound_missing_headers_gives_empty_defaults():
    # Given a message with a From and an attachment but no Subject, Date, Message-ID or SES headers
    raw = (
        b'From: a@formation-atlantique.fr\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n\r\n'
        + PDF
        + b"\r\n--B--\r\n"
    )

    # When it is parsed
    parsed = parse(raw)

    # Then the absent fields have explicit empty values
    assert (parsed.subject, parsed.date, parsed.message_id) == ("", None, None)
    assert (parsed.spam_verdict, parsed.virus_verdict, parsed.dmarc, parsed.authserv_id) == (
        None,
        None,
        "none",
        None,
    )
    assert len(parsed.attachments) == 1


def test_parse_inbound_no_from_but_attachment_still_parsed():
    # Given a message without From but with a document
    msg = email_message()
    del msg["From"]
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="a.pdf")

    # When it is parsed
    parsed = parse(stored(msg))

    # Then it is returned with no sender (trust will quarantine it)
    assert parsed.from_address is None and parsed.from_domain is None
    assert len(parsed.attachments) == 1


def test_parse_inbound_two_from_headers_gives_no_sender():
    # Given a message with two From headers (a DMARC evasion trick)
    msg = email_message()
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="rib.pdf")
    raw = stored(msg).replace(b"\r\nTo: ", b"\r\nFrom: fraud@evil.example\r\nTo: ", 1)

    # When it is parsed
    parsed = parse(raw)

    # Then the sender is unknown rather than the first one picked
    assert raw.count(b"\r\nFrom: ") == 2
    assert parsed.from_address is None
    assert len(parsed.attachments) == 1


def test_parse_inbound_windows_1252_body_and_8bit_subject_decoded():
    # Given the legacy fixture: raw 8-bit Latin-1 headers, windows-1252 body, QP attachment
    raw = (FIXTURES / "latin1_legacy.eml").read_bytes()

    # When it is parsed
    parsed = parse(raw)

    # Then accents survive in subject and body, and the attachment decodes
    assert parsed.subject == "Réf. NA-CLEA-2026-000789 pièces jointes"
    assert parsed.body_text == "Ci-joint l'attestation d'heures, déjà signée – merci."
    assert parsed.attachments[0].data.startswith(b"%PDF-1.4")
    assert parsed.attachments[0].data.endswith(bytes(range(128, 160)))


def test_parse_inbound_unknown_charset_body_does_not_raise():
    # Given a text body declared in a charset that does not exist
    raw = (
        b"From: a@formation-atlantique.fr\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=x-martian\r\n\r\nBonjour \xe9t\xe9\r\n"
    )

    # When it is parsed
    parsed = parse(raw)

    # Then the body is read best-effort and the missing attachment is reported
    assert parsed.body_text.startswith("Bonjour")
    assert parsed.problem_codes == [MailReason.MAIL_NO_ATTACHMENT]


def test_parse_inbound_forged_authentication_results_ignored():
    # Given a message whose only Authentication-Results was written by the sender, not SES
    raw = (
        b"X-SES-Virus-Verdict: PASS\r\n"
        b"Authentication-Results: mx.evil.example; dmarc=pass header.from=formation-atlantique.fr\r\n"
        b"From: contact@formation-atlantique.fr\r\nSubject: x\r\n\r\nbody\r\n"
    )

    # When it is parsed
    parsed = parse(raw)

    # Then the forged pass does not count
    assert parsed.dmarc == "none"
    assert parsed.authserv_id == "mx.evil.example"


def test_parse_inbound_pdf_mislabelled_text_plain_is_attachment():
    # Given a base64 PDF sent as an unnamed text/plain part by a broken mailer
    raw = (
        b'From: a@formation-atlantique.fr\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n"
        b"--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(PDF)
        + b"--B--\r\n"
    )

    # When it is parsed
    parsed = parse(raw)

    # Then the PDF is an attachment with a generated name, and the body is the real text
    assert parsed.body_text == "Bonjour"
    assert [(a.sanitised_filename, a.content_type_sniffed) for a in parsed.attachments] == [
        ("piece-jointe-1.pdf", "application/pdf")
    ]


def test_parse_inbound_declared_type_lies_sniffed_type_wins():
    # Given a PDF declared as a JPEG named photo.jpg
    msg = email_message()
    msg.add_attachment(PDF, maintype="image", subtype="jpeg", filename="photo.jpg")

    # When it is parsed
    attachment = parse(stored(msg)).attachments[0]

    # Then both types are kept and the generated extension follows the bytes
    assert (attachment.content_type_declared, attachment.content_type_sniffed) == (
        "image/jpeg",
        "application/pdf",
    )
    assert attachment.extension == ".pdf"
    assert attachment.is_supported_document


# --- archives and limits ----------------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, b"content")
    return buf.getvalue()


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        info = tarfile.TarInfo("cre.pdf")
        info.size = len(PDF)
        archive.addfile(info, io.BytesIO(PDF))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("pieces.zip", _zip(["cre.pdf"])),
        ("pieces.rar", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40),
        ("pieces.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40),
        ("pieces.pdf.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 40),
        ("pieces.tar", _tar()),
        ("pieces.rar", b"truncated, unrecognisable bytes"),
        ("winmail.dat", b"\x78\x9f\x3e\x22\x01\x00"),
    ],
)
def test_parse_inbound_archive_attachment_reported_not_extracted(filename, data):
    # Given a claim with an archive next to a PDF
    msg = email_message()
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="cre.pdf")
    msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)

    # When it is parsed
    parsed = parse(stored(msg))

    # Then the archive is a problem naming the file, and only the PDF is kept
    assert [a.sanitised_filename for a in parsed.attachments] == ["cre.pdf"]
    archive_problems = [p for p in parsed.problems if p.code == MailReason.MAIL_ARCHIVE_ATTACHMENT]
    assert [(p.filename, p.severity) for p in archive_problems] == [(filename, "error")]


def test_parse_inbound_office_document_zip_container_not_an_archive():
    # Given a .docx (a zip with [Content_Types].xml and word/)
    msg = email_message()
    docx = _zip(["[Content_Types].xml", "word/document.xml"])
    msg.add_attachment(docx, maintype="application", subtype="octet-stream", filename="attestation.docx")

    # When it is parsed
    parsed = parse(stored(msg))

    # Then it is an attachment (the pipeline will say it cannot read it), not an archive
    assert parsed.attachments[0].content_type_sniffed.endswith("wordprocessingml.document")
    assert not parsed.attachments[0].is_supported_document
    assert MailReason.MAIL_ARCHIVE_ATTACHMENT not in parsed.problem_codes


def test_parse_inbound_fifty_attachments_keeps_limit_and_reports_count():
    # Given a message with 50 small PDFs and a limit of 20
    msg = email_message()
    for i in range(50):
        msg.add_attachment(
            PDF + str(i).encode(), maintype="application", subtype="pdf", filename=f"p{i:02}.pdf"
        )

    # When it is parsed
    parsed = parse(stored(msg), max_attachments=20)

    # Then the first 20 are kept and one problem says 30 were dropped
    assert [a.sanitised_filename for a in parsed.attachments] == [f"p{i:02}.pdf" for i in range(20)]
    too_many = [p for p in parsed.problems if p.code == MailReason.MAIL_TOO_MANY_ATTACHMENTS]
    assert len(too_many) == 1
    assert "50 attachments > limit 20; 30 dropped" in too_many[0].detail


def test_parse_inbound_twenty_megabyte_attachment_dropped_others_kept():
    # Given a 20 MB scan and a small RIB, with a 10 MB per-attachment limit
    big = PDF + b"\x00" * (20 * MB)
    msg = email_message()
    msg.add_attachment(big, maintype="application", subtype="pdf", filename="scan.pdf")
    msg.add_attachment(PNG, maintype="image", subtype="png", filename="rib.png")

    # When it is parsed
    parsed = parse(stored(msg), max_attachment_bytes=10 * MB, max_total_bytes=40 * MB)

    # Then the scan is reported too large and the RIB kept
    assert [a.sanitised_filename for a in parsed.attachments] == ["rib.png"]
    too_large = [p for p in parsed.problems if p.code == MailReason.MAIL_ATTACHMENT_TOO_LARGE]
    assert [(p.filename, p.severity) for p in too_large] == [("scan.pdf", "error")]
    assert str(len(big)) in too_large[0].detail


def test_parse_inbound_total_too_large_drops_later_attachments():
    # Given three 400 KB PDFs and a 1 MB total limit
    msg = email_message()
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        msg.add_attachment(PDF + b"\x00" * 400_000, maintype="application", subtype="pdf", filename=name)

    # When it is parsed
    parsed = parse(stored(msg), max_attachment_bytes=500_000, max_total_bytes=1_000_000)

    # Then the first two are kept and the third reported
    assert [a.sanitised_filename for a in parsed.attachments] == ["a.pdf", "b.pdf"]
    total = [p for p in parsed.problems if p.code == MailReason.MAIL_ATTACHMENTS_TOTAL_TOO_LARGE]
    assert [p.filename for p in total] == ["c.pdf"]


def test_parse_inbound_no_attachment_reported():
    # Given a plain message without any attachment
    parsed = parse(stored(email_message()))

    # Then MAIL_NO_ATTACHMENT is the one problem
    assert parsed.problem_codes == [MailReason.MAIL_NO_ATTACHMENT]


def test_parse_inbound_empty_attachment_reported():
    # Given an attachment of zero bytes
    msg = email_message()
    msg.add_attachment(b"", maintype="application", subtype="pdf", filename="vide.pdf")

    # When it is parsed
    parsed = parse(stored(msg))

    # Then it is reported, not kept
    assert parsed.attachments == []
    assert MailReason.MAIL_EMPTY_ATTACHMENT in parsed.problem_codes


# --- file names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\lea\\RIB.pdf", "RIB.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),
        ("  .hidden.pdf  ", "hidden.pdf"),
        ('a<b>c:"d|e?*.pdf', "a_b_c__d_e__.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("", "fallback.bin"),
        (None, "fallback.bin"),
    ],
)
def test_sanitise_filename_hostile_names_made_safe(raw_name, expected):
    # Given a hostile or empty sender file name
    # When it is sanitised
    # Then no path, control, bidi or reserved character survives and the length is bounded
    assert sanitise_filename(raw_name, fallback="fallback.bin") == expected


# ---------------------------------------------------------------- found by mutating messages at random


def _claim(**kwargs) -> bytes:
    return build_claim_email(sender="contact@formation-atlantique.fr", attachments=[("cre.pdf", PDF)], sent_at=SENT,
                             case_id="NA-CLEA-2026-000123", **kwargs)


def test_parse_inbound_recipient_header_of_nested_comments_is_no_address():
    # Given a claim with a Cc header of a thousand "(": the legacy address parser recursed once per "("
    raw = _claim().replace(b"\r\nTo: ", b"\r\nCc: " + b"(" * 1000 + b"\r\nTo: ", 1)
    # When it is read
    msg = parse(raw)
    # Then the header gives no address and the claim is read as usual
    assert [a.sanitised_filename for a in msg.attachments] == ["cre.pdf"]
    assert not any("(" in r for r in msg.to_addresses)


@pytest.mark.parametrize("variant", ["body", "subject", "message_id"])
def test_parse_inbound_utf7_lone_surrogate_is_a_replacement_character(variant):
    # Given UTF-7's "+2AA-" (half of a UTF-16 pair) in the text part, the subject or the Message-ID
    raw = _claim(body="Bonjour")
    if variant == "body":
        raw = raw.replace(b'charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nBonjour',
                          b'charset="utf-7"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nBonjour +2AA-', 1)
    elif variant == "subject":
        raw = raw.replace(b"\r\nSubject: ", b"\r\nSubject: =?utf-7?Q?+2AA-?= ", 1)
    else:
        raw = raw.replace(b"\r\nMessage-ID: <", b"\r\nMessage-ID: =?utf-7?Q?+2AA-?= <", 1)
    assert raw != _claim(body="Bonjour")
    # When it is read
    msg = parse(raw)
    # Then what it says can be stored (JSON holds no lone surrogate), and the subject keeps its reference
    msg.model_dump_json()
    assert "NA-CLEA-2026-000123" in msg.subject
    if variant == "body":
        assert msg.body_text.startswith("Bonjour \ufffd")


def _odf_zip(method: int, garbage: bytes) -> bytes:
    """An .odt whose tiny "mimetype" entry claims `method` and holds `garbage`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<x/>")
    data = bytearray(buffer.getvalue())
    data[8:10] = method.to_bytes(2, "little")  # the local header's compression method
    central = data.find(b"PK\x01\x02")
    data[central + 10 : central + 12] = method.to_bytes(2, "little")
    data[38 : 38 + len(garbage)] = garbage  # the entry's data, after its 30-byte header and 8-byte name
    return bytes(data)


@pytest.mark.parametrize(("method", "garbage"), [
    (zipfile.ZIP_DEFLATED, b"\xff" * 20),                       # zlib.error
    (zipfile.ZIP_LZMA, b"\x00\x00\x05\x00" + b"\xff" * 10),     # LZMAError
])
def test_parse_inbound_damaged_office_document_is_an_archive_not_an_error(method, garbage):
    # Given a claim whose attachment is a zip (an .odt) with a damaged entry that the type sniffing reads
    raw = build_claim_email(sender="contact@formation-atlantique.fr", attachments=[("dossier.odt", _odf_zip(method, garbage))],
                            sent_at=SENT, case_id="NA-CLEA-2026-000123")
    # When it is read
    msg = parse(raw)
    # Then the attachment is refused as an archive, with its reason, and nothing is raised
    assert MailReason.MAIL_ARCHIVE_ATTACHMENT in msg.problem_codes
