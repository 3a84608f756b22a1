"""Promise: no input, however made, gets anything out of our parsers but a result or the domain's own error.

Property-based (hypothesis): application.json, S3 event keys, raw e-mails, machine readable zones and the
IBAN/SIRET readers are fed generated and mutated inputs. Each property runs a moderate number of examples
(the `properties` profile) so that the file stays well under a minute in CI.

Found by these properties and fixed: a text form holding a lone surrogate raised UnicodeEncodeError.
Found beside them and fixed: html.parser took over a minute on 80 KB of unclosed '<!--' (now a linear pass).
"""

from __future__ import annotations

import copy
import email
import email.policy
import json
import os
from datetime import UTC, date, datetime
from email.message import EmailMessage
from urllib.parse import quote, quote_plus

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clea_intake.adapters.storage import decode_key
from clea_intake.documents import identifiers
from clea_intake.documents.machine_zone import (
    MrzReading,
    find_mrz,
    read_cni_2x36,
    read_td1,
    read_td2,
    read_td3,
)
from clea_intake.documents.read.claim import read_bank_details
from clea_intake.documents.read.organisations import nda, siret
from clea_intake.documents.reading import Text
from clea_intake.domain.application import Application, parse_application
from clea_intake.domain.errors import InvalidApplication
from clea_intake.domain.policy import current_policy
from clea_intake.mail import InboundMessage, MailReason, MalformedMessage, build_claim_email, parse_inbound
from clea_intake.mail.limits import scan_message
from clea_intake.mail.parse import _html_to_text
from clea_intake.services.cases import is_form_key
from clea_intake.services.documents import locate
from clea_intake.services.registers import InvalidRegisterFile, register_of

# PROPERTY_EXAMPLES raises the count for a longer hunt (e.g. PROPERTY_EXAMPLES=2000 before a release).
settings.register_profile("properties", max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROPERTIES = settings.get_profile("properties")
AS_OF = date(2026, 3, 2)
MAIL_LIMITS = current_policy().mail

# -- application.json --------------------------------------------------------------------------------------
FORM = {
    "case_id": "NA-CLEA-2026-000123", "submitted_at": "2026-03-02T10:00:00+01:00", "certification": "clea_socle",
    "evaluation": "initial", "evaluation_start": "2026-04-13", "evaluation_end": "2026-04-24",
    "applicant": {
        "surname": "Martin", "given_names": "Léa Marie", "birth_date": "1991-07-14",
        "email": "lea.martin@example.fr", "phone": "+33600000000",
        "address": {"line1": "12 rue des Vignes", "postal_code": "33000", "city": "Bordeaux"},
        "nationality": "FR", "situation": "unemployed", "france_travail_registered": True,
        "funded_by_transition_pro_or_branch": False, "detention_facility": None},
    "accompanied_by": "evaluator",
    "evaluator": {"name": "Formation Atlantique", "siret": "73282932000074", "nda": "75331234533",
                  "postal_code": "33700", "email": "contact@formation-atlantique.fr"},
    "quote": {"hours": 10, "amount_eur": 450.0},
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
    | st.sampled_from(["2026-04-13", "2026-02-30", "0000-01-01", "+33600000000", "73282932000074", "١٢٣",
                       "NA-CLEA-2026-000123", "9999-12-31T23:59:59+14:00", "2026-03-02T10:00:00", "１２"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)


def _paths(form: dict, prefix: tuple = ()) -> list[tuple]:
    found = []
    for name, value in form.items():
        found.append((*prefix, name))
        if isinstance(value, dict):
            found.extend(_paths(value, (*prefix, name)))
    return found


PATHS = _paths(FORM)


@st.composite
def mutated_forms(draw) -> dict:
    """The DESIGN example with a few fields replaced by any JSON value, or removed, or added to."""
    form = copy.deepcopy(FORM)
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=4)):
        parent = form
        for name in path[:-1]:
            parent = parent.get(name) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif action == "remove":
            parent.pop(path[-1], None)
        else:
            parent[draw(st.text(min_size=1, max_size=10))] = draw(JSON_VALUES)
    return form


def _parse_form(raw: bytes | str) -> None:
    try:
        assert isinstance(parse_application(raw), Application)
    except InvalidApplication as refused:
        assert refused.problems and all(p.get("field") and p.get("code") for p in refused.problems)


@PROPERTIES
@given(mutated_forms())
def test_parse_application_of_a_mutated_form_gives_an_application_or_invalid_application(form):
    _parse_form(json.dumps(form, ensure_ascii=False))


@PROPERTIES
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400),
                 JSON_VALUES.map(lambda v: json.dumps(v)),
                 st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n),
                 mutated_forms().map(lambda f: json.dumps(f).encode()[: len(json.dumps(f)) // 2])))
@example(b"\xef\xbb\xbf{}")
@example('{"case_id": "\ud800"}')
def test_parse_application_of_any_bytes_or_text_gives_an_application_or_invalid_application(raw):
    _parse_form(raw)


# -- S3 event keys -----------------------------------------------------------------------------------------
@PROPERTIES
@given(st.one_of(
    st.text(max_size=120),
    st.text(max_size=80).map(lambda t: quote_plus(f"applications/NA-CLEA-2026-000123/documents/{t}", safe="/")),
    st.text(max_size=80).map(lambda t: quote(f"registers/{t}", safe="")),
    st.from_regex(r"(applications|claims|registers|inbound)/[%+A-Za-z0-9./-]{0,40}", fullmatch=True),
))
@example("registers/sirene/2026-02-30.csv")
@example("applications/%E9%ZZ/documents/%")
def test_an_event_key_decodes_and_is_located_without_an_error_other_than_a_refused_register(raw):
    key = decode_key(raw)
    assert isinstance(key, str)
    located = locate(key)
    assert located is None or all(isinstance(part, str) and part for part in located[:2])
    assert isinstance(is_form_key(key), bool)
    if key.startswith("registers/"):
        try:
            kind, day = register_of(key)
            assert isinstance(day, date)
        except InvalidRegisterFile:
            pass


# -- raw e-mails -------------------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n% a claim piece\n"
GENUINE = build_claim_email(sender="contact@formation-atlantique.fr", sent_at=datetime(2026, 5, 2, tzinfo=UTC),
                            case_id="NA-CLEA-2026-000123",
                            attachments=[("CRE é.pdf", PDF), ("RIB.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 30)])
HEADER_NAMES = st.sampled_from(["From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type",
                                "Content-Transfer-Encoding", "Content-Disposition", "Content-ID",
                                "Authentication-Results", "X-SES-Virus-Verdict", "MIME-Version", "X"])
HEADER_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(['multipart/mixed; boundary="B"', "multipart/alternative; boundary=B", "message/rfc822",
                     "multipart/digest; boundary=B", "message/delivery-status", "text/html; charset=x-unknown",
                     "base64", "quoted-printable", "attachment; filename*=utf-8''%E9%FF.pdf",
                     'attachment; filename="=?utf-8?b?w6k=?=.pdf"', "=?utf-8?q?=C3?=", "=?x?b?@@?=",
                     "<a@b>", "Tue, 31 Feb 2026 25:61:61 +9999", '"\\', "a@", "@b", "<>", ",,,"]),
)
LINE_ENDS = st.sampled_from([b"\r\n", b"\n", b"\r"])


@st.composite
def mime_messages(draw) -> bytes:
    """Raw messages from a loose MIME grammar: random headers, bodies and boundary lines, any line ends."""
    end = draw(LINE_ENDS)
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 8))):
        lines.append(f"{draw(HEADER_NAMES)}: {draw(HEADER_VALUES)}".encode("utf-8", "surrogateescape"))
    lines.append(b"")
    for _ in range(draw(st.integers(0, 12))):
        lines.append(draw(st.one_of(
            st.sampled_from([b"--B", b"--B--", b"--B ", b"Content-Type: multipart/mixed; boundary=B", b"",
                             b"Content-Type: message/rfc822", b"Content-Transfer-Encoding: base64",
                             b"JVBERi0xLjQK", b"=C3=A9=", b"From: a@b.fr"]),
            st.binary(max_size=30))))
    return end.join(lines)


@st.composite
def mutated_claims(draw) -> bytes:
    """A genuine claim, truncated, with bytes flipped, or with a random chunk spliced in."""
    raw = bytearray(GENUINE)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["cut", "flip", "splice", "drop"]))
        if action == "cut":
            del raw[at:]
        elif action == "flip" and at < len(raw):
            raw[at] = draw(st.integers(0, 255))
        elif action == "splice":
            raw[at:at] = draw(st.binary(min_size=1, max_size=40))
        else:
            del raw[at:at + draw(st.integers(1, 200))]
    return bytes(raw)


@PROPERTIES
@given(st.one_of(st.binary(max_size=600), mime_messages(), mutated_claims()))
@example(b"")
@example(b"From: a@b.fr\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n")
@example(b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n")
def test_parse_inbound_of_any_bytes_gives_a_message_or_malformed_message(raw):
    try:
        message = parse_inbound(raw, max_attachments=20, max_attachment_bytes=10**7, max_total_bytes=10**7)
    except MalformedMessage as refused:
        assert isinstance(refused.code, MailReason) and refused.message_fr
        return
    assert isinstance(message, InboundMessage)
    assert len(message.body_text) <= 50_000


@PROPERTIES
@given(st.lists(st.one_of(st.sampled_from(["<!--", "-->", "</", "<p>", "<br/>", "<script>", "</script>", "<", ">",
                                           "&eacute;", "&#x110000;", "&#0;", "<style", "</ style>", "\n"]),
                          st.text(max_size=20)), max_size=30).map("".join))
def test_the_text_of_any_html_body_is_text_without_markup_of_ours(html):
    text = _html_to_text(html)
    assert isinstance(text, str) and len(text) <= len(html) + html.count("<")


SHAPES = st.recursive(st.sampled_from(["pdf", "m"]), lambda inner: st.lists(inner, min_size=1, max_size=4),
                      max_leaves=12)


def _fill(msg: EmailMessage, shape) -> None:
    if isinstance(shape, list):
        msg.make_mixed()
        for item in shape:
            sub = EmailMessage()
            _fill(sub, item)
            msg.attach(sub)
    elif shape == "m":
        inner = EmailMessage()
        inner["Subject"] = "transféré"
        inner.set_content("corps")
        msg.set_content(inner)
    else:
        msg.set_content(PDF, maintype="application", subtype="pdf", filename="p.pdf")


def _depth(part, level: int = 0) -> int:
    children = part.get_payload() if part.is_multipart() else []
    return max([level, *(_depth(c, level + 1) for c in children)])


@PROPERTIES
@given(SHAPES, LINE_ENDS)
def test_the_structure_scan_counts_the_parts_and_depth_the_standard_parser_builds(shape, end):
    msg = EmailMessage()
    msg["From"] = "a@b.fr"
    _fill(msg, shape)
    raw = msg.as_bytes(policy=email.policy.SMTP).replace(b"\r\n", end)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    parts, depth = len(list(parsed.walk())), _depth(parsed)
    exact = MAIL_LIMITS.model_copy(update={"max_parts": parts, "max_depth": depth or 1})
    assert scan_message(raw, exact) is None
    assert scan_message(raw, exact.model_copy(update={"max_parts": parts - 1})).code == MailReason.MAIL_TOO_MANY_PARTS
    if depth > 1:
        assert scan_message(raw, exact.model_copy(update={"max_depth": depth - 1})).code == MailReason.MAIL_TOO_DEEP


# -- machine readable zones --------------------------------------------------------------------------------
MRZ_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
NOISY_MRZ_CHARS = MRZ_CHARS + "«‹ ОО0o|l€É"


def _mrz_line(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=NOISY_MRZ_CHARS, min_size=length - 3, max_size=length + 3)


@PROPERTIES
@given(st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_mrz_line(30), _mrz_line(36), _mrz_line(44), st.text(max_size=40)), max_size=5)
    .map("\n".join),
    st.tuples(st.sampled_from(["IDFRA", "P<FRA", "I<UTO", "V<D<<", "IR", "AC"]), _mrz_line(39), _mrz_line(44))
    .map(lambda t: f"{t[0]}{t[1]}\n{t[2]}"),
))
@example("IDFRA\n\n")
@example("P<" + "<" * 42 + "\n" + "<" * 44)
def test_find_mrz_of_any_text_gives_a_reading_or_none(text):
    found = find_mrz(text, as_of=AS_OF)
    assert found is None or isinstance(found, MrzReading)


@PROPERTIES
@given(st.lists(st.text(max_size=50), min_size=3, max_size=3))
@example(["", "", ""])
def test_each_mrz_format_reader_of_any_lines_gives_a_reading(lines):
    for reader, count in ((read_td1, 3), (read_td2, 2), (read_td3, 2), (read_cni_2x36, 2)):
        assert isinstance(reader(lines[:count], as_of=AS_OF), MrzReading)


# -- IBAN, SIRET and the readers that find them -----------------------------------------------------------
IDENTIFIER_TEXT = st.one_of(
    st.text(max_size=200),
    st.tuples(st.sampled_from(["IBAN : ", "IBAN (International Bank Account Number) ", "SIRET ", "N° SIRET : ",
                               "NDA ", "Déclaration d'activité n° ", "BIC / SWIFT : ", "Titulaire du compte : "]),
              st.text(alphabet="0123456789 .ABCDEFRZ٣١\u00a0\n", max_size=60))
    .map("".join),
    st.lists(st.sampled_from(["FR76 3000 4000 0312 3456 7890 143", "7328 2932 0000 74", "BNPAFRPP", "IBAN",
                              "SIRET", "FR76", "ß", "İ", "\n", " ", "0" * 30]), max_size=12).map(" ".join),
)


@PROPERTIES
@given(IDENTIFIER_TEXT)
@example("SIRET ٣٣٣٣٣٣٣٣٣٣٣٣٣٣")
@example("IBAN : FR76 ٣٠٠٠ 4000 0312 3456 7890 143")
def test_identifier_checks_and_readers_of_any_text_give_values_not_errors(raw):
    for check in (identifiers.siret_valid, identifiers.siren_valid, identifiers.iban_valid, identifiers.bic_valid,
                  identifiers.nda_valid):
        assert isinstance(check(raw), bool)
    assert isinstance(identifiers.compact_iban(raw), str)
    text = Text(raw)
    fields = read_bank_details(text, AS_OF)
    assert fields["iban"] is None or isinstance(fields["iban"], str)
    assert siret(text) is None or isinstance(siret(text), str)
    assert nda(text) is None or isinstance(nda(text), str)
