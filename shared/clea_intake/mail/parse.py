"""Turning the raw MIME of an inbound claim e-mail into a typed message with its attachments."""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from html import unescape
from typing import Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

from clea_intake.domain.policy import MailLimits, current_policy
from clea_intake.mail import sniff
from clea_intake.mail.authresults import SES_AUTHSERV_ID, parse_authentication_results
from clea_intake.mail.limits import LimitBreach, scan_message
from clea_intake.mail.reasons import MailReason, reason_message

# Bounds on the walk so that a crafted message (a MIME bomb) costs little.
MAX_DEPTH = 12
MAX_PARTS = 500
MAX_BODY_CHARS = 50_000
MAX_FILENAME_CHARS = 120
_MAX_FROM_CHARS = 998
_MAX_HTML_CHARS = 1_000_000

_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
# Signatures of a signed message are not documents the sender meant to send us.
_DECORATION_TYPES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
    }
)
_CID_REF = re.compile(r"cid:([^\"'\s<>)]+)", re.IGNORECASE)
_BOUNDARY_LINE = re.compile(rb"^--([!#-~][ -~]{0,69}?)(--)?[ \t]*\r?$", re.MULTILINE)


class MalformedMessage(ValueError):
    """Nothing usable could be read from the raw message."""

    def __init__(self, code: MailReason | str, message_fr: str) -> None:
        super().__init__(f"{code}: {message_fr}")
        self.code = MailReason(code)
        self.message_fr = message_fr


class MessageOverLimit(MalformedMessage):
    """The raw message (or one it carries) crosses a limit of the policy's `mail` section: it is not parsed."""

    def __init__(self, breach: LimitBreach) -> None:
        super().__init__(breach.code, reason_message(breach.code))
        self.detail = breach.detail


def _parse_bounded(data: bytes, limits: MailLimits) -> Message:
    """The standard-library parse of `data`, only once the structure scan found it within the limits."""
    breach = scan_message(data, limits)
    if breach is not None:
        raise MessageOverLimit(breach)
    return email.message_from_bytes(data, policy=email.policy.default)


class MailProblem(BaseModel):
    """Something wrong with the message or one of its attachments.

    `error`: a piece the sender sent was not taken in (they should know); `warning`: the message was
    read despite it.
    """

    model_config = ConfigDict(frozen=True)

    code: MailReason
    severity: Literal["error", "warning"]
    detail: str = ""
    # The sender's (sanitised) file name: metadata that may name a person, so never log it.
    filename: str | None = None

    @property
    def message_fr(self) -> str:
        return reason_message(self.code)


class Attachment(BaseModel):
    """One document attached to the message; its bytes stay out of repr and serialisation."""

    model_config = ConfigDict(frozen=True)

    sanitised_filename: str
    content_type_declared: str
    content_type_sniffed: str
    size: int
    sha256: str
    from_forwarded_message: bool = False
    data: bytes = Field(exclude=True, repr=False)

    @property
    def extension(self) -> str:
        """Extension for a generated object name, from the sniffed type (never from the sender's name)."""
        return sniff.extension_for(self.content_type_sniffed)

    @property
    def is_supported_document(self) -> bool:
        return self.content_type_sniffed in sniff.SUPPORTED_DOCUMENT_TYPES


class InboundMessage(BaseModel):
    """An inbound e-mail as read from the SES-stored raw MIME."""

    message_id: str | None
    raw_sha256: str
    raw_size: int
    from_address: str | None
    from_domain: str | None
    to_addresses: list[str]
    subject: str
    date: datetime | None
    spam_verdict: str | None
    virus_verdict: str | None
    authserv_id: str | None
    spf: str
    dkim: str
    dmarc: str
    dmarc_header_from: str | None
    attachments: list[Attachment]
    body_text: str
    problems: list[MailProblem]

    @property
    def problem_codes(self) -> list[MailReason]:
        return [p.code for p in self.problems]


@dataclass
class _Candidate:
    data: bytes
    declared: str
    filename: str | None
    disposition: str | None
    content_id: str | None
    forwarded: bool


_HTML_SKIP = frozenset({"script", "style", "head", "title"})
_HTML_BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"})
_TAG_NAME = re.compile(r"(/?)\s*([a-zA-Z][a-zA-Z0-9]{0,15})")


def _html_to_text(html: str) -> str:
    """Readable text of an HTML body: enough for a human glance and reference search, not rendering.

    One forward pass with str.find, so linear in the body: html.parser rescans an unclosed "<!--" or
    "</" from its start on every feed, quadratically (80 KB of "<!--" took over a minute here). An
    unclosed tag or comment ends the text, as a browser would show nothing after it.
    """
    parts: list[str] = []
    skipping = 0
    # The text is cut at MAX_BODY_CHARS: the first megabyte of markup is more than enough to give it.
    pos, size = 0, min(len(html), _MAX_HTML_CHARS)
    while pos < size:
        lt = html.find("<", pos)
        if lt < 0:
            lt = size
        if not skipping:
            parts.append(html[pos:lt])
        if lt >= size:
            break
        if html.startswith("<!--", lt):
            close = html.find("-->", lt + 4)
            if close < 0:
                break
            pos = close + 3
            continue
        gt = html.find(">", lt + 1)
        if gt < 0:
            break
        tag = _TAG_NAME.match(html, lt + 1, gt)
        if tag:
            name = tag.group(2).lower()
            if name in _HTML_SKIP:
                skipping = max(0, skipping - 1) if tag.group(1) else skipping + 1
            elif name in _HTML_BREAKS and not tag.group(1):
                parts.append("\n")
        pos = gt + 1
    text = unescape("".join(parts))
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


# Half a UTF-16 pair that a decoder let through (UTF-7's "+2AA-"): no character, and no JSON can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _clean(value: str) -> str:
    """Undo the parser's surrogate escapes: raw 8-bit headers are UTF-8, else most likely Windows-1252; any
    other surrogate is a replacement character."""
    value = _LONE_SURROGATE.sub("\ufffd", value)
    if not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def sanitise_filename(name: str | None, *, fallback: str) -> str:
    """A file name safe to show and store as metadata: no path, no control or bidi characters, bounded."""
    name = _clean(name or "")
    if "=?" in name:
        # Some mailers put RFC 2047 words inside a quoted parameter, which RFC 2231 does not cover.
        try:
            name = str(make_header(decode_header(name)))
        except Exception:  # an undecodable name falls back to its raw form
            pass
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Category C covers control characters and the bidi overrides used to disguise "fdp.exe" as "exe.pdf".
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        name = stem[: MAX_FILENAME_CHARS - len(ext)].rstrip(" .") + ext
    return name or fallback


def _decode_text_part(part: Message) -> str:
    return _decode_text_part_raw(part).replace("\r\n", "\n").replace("\r", "\n")


def _decode_text_part_raw(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return _clean(content)
    except Exception:  # unknown charsets raise LookupError; fall back below
        pass
    data = part.get_payload(decode=True) or b""
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def _decoded_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


class _Walker:
    """Depth-first walk of the MIME tree collecting body text, HTML and attachment candidates."""

    def __init__(self, limits: MailLimits) -> None:
        self.limits = limits
        self.plain: list[str] = []
        self.html: list[str] = []  # every HTML body, forwarded ones included: all may reference images
        self.own_html: list[str] = []
        self.candidates: list[_Candidate] = []
        self.problems: list[MailProblem] = []
        self.parts_seen = 0
        self._damage_noted = False

    def damaged(self, detail: str) -> None:
        # One warning is enough for the reader; the detail of the first damage is the useful one.
        if not self._damage_noted:
            self._damage_noted = True
            self.problems.append(
                MailProblem(code=MailReason.MAIL_DAMAGED_STRUCTURE, severity="warning", detail=detail)
            )

    def walk(self, part: Message, *, depth: int, forwarded: bool) -> None:
        self.parts_seen += 1
        if depth > MAX_DEPTH or self.parts_seen > MAX_PARTS:
            self.damaged(f"MIME tree deeper than {MAX_DEPTH} or larger than {MAX_PARTS} parts; rest ignored")
            return
        if part.defects:
            self.damaged(", ".join(sorted({type(d).__name__ for d in part.defects})))
        try:
            content_type = part.get_content_type()
        except Exception:  # a garbled Content-Type header reads as plain text
            content_type = "text/plain"
        if content_type in ("message/rfc822", "message/global"):
            self._walk_forwarded(part, depth=depth)
            return
        if part.is_multipart():
            for sub in part.get_payload():  # type: ignore[union-attr]
                if isinstance(sub, Message):
                    self.walk(sub, depth=depth + 1, forwarded=forwarded)
            return
        if part.get_content_maintype() == "multipart":
            self._salvage_multipart(part, depth=depth, forwarded=forwarded)
            return
        self._leaf(part, content_type, depth=depth, forwarded=forwarded)

    def _walk_forwarded(self, part: Message, *, depth: int) -> None:
        payload = part.get_payload()
        inner: Message | None = None
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            inner = payload[0]
        else:
            # A message/rfc822 part wrongly base64-encoded arrives as a string: decode and parse it.
            data = _decoded_bytes(part)
            if data.strip():
                inner = _parse_bounded(data, self.limits)
        if inner is not None:
            self.walk(inner, depth=depth + 1, forwarded=True)

    def _salvage_multipart(self, part: Message, *, depth: int, forwarded: bool) -> None:
        """A multipart whose declared boundary never occurs: find the boundary really used and re-parse."""
        body = _decoded_bytes(part)
        counts: dict[bytes, int] = {}
        for match in _BOUNDARY_LINE.finditer(body):
            token = match.group(1)
            if b'"' not in token:
                counts[token] = counts.get(token, 0) + 1
        best = max(counts.items(), key=lambda kv: kv[1], default=(b"", 0))
        if best[1] >= 2:
            rebuilt = b'Content-Type: multipart/mixed; boundary="' + best[0] + b'"\r\n\r\n' + body
            reparsed = _parse_bounded(rebuilt, self.limits)
            if reparsed.is_multipart():
                self.damaged("multipart boundary did not match; recovered from the boundary lines present")
                for sub in reparsed.get_payload():  # type: ignore[union-attr]
                    if isinstance(sub, Message):
                        self.walk(sub, depth=depth + 1, forwarded=forwarded)
                return
        self.damaged("multipart without usable boundary; read as text")
        if not forwarded:
            self.plain.append(_clean(body.decode("utf-8", "replace")))

    def _leaf(self, part: Message, content_type: str, *, depth: int, forwarded: bool) -> None:
        try:
            filename = part.get_filename()
        except Exception:  # a garbled parameter is as good as no name
            filename = None
        disposition = part.get_content_disposition()
        maintype = content_type.partition("/")[0]
        if content_type in _DECORATION_TYPES:
            return
        if maintype == "text" and not filename and disposition != "attachment":
            kind = sniff.sniff_content_type(_decoded_bytes(part)[:1024])
            # A broken mailer can label a base64 PDF as text/plain: the bytes decide.
            if kind in ("text/plain", "text/html", sniff.OCTET_STREAM):
                text = _decode_text_part(part)
                if content_type == "text/html":
                    self.html.append(text)
                    if not forwarded:
                        self.own_html.append(text)
                elif not forwarded:
                    self.plain.append(text)
                return
        elif filename and filename.lower().endswith(".eml") and content_type == sniff.OCTET_STREAM:
            # A forwarded message attached as a plain file: open it like message/rfc822.
            inner = _parse_bounded(_decoded_bytes(part), self.limits)
            if inner.keys():
                self.walk(inner, depth=depth + 1, forwarded=True)
                return
        candidate = self._candidate(part, content_type, filename, disposition, forwarded)
        if part.defects:
            # Decoding registers its own defects (bad base64 padding…): the file may be truncated.
            self.damaged(", ".join(sorted({type(d).__name__ for d in part.defects})))
        self.candidates.append(candidate)

    @staticmethod
    def _candidate(
        part: Message, content_type: str, filename: str | None, disposition: str | None, forwarded: bool
    ) -> _Candidate:
        cid = part.get("Content-ID")
        content_id = str(cid).strip().strip("<>").strip().lower() if cid else None
        return _Candidate(
            data=_decoded_bytes(part),
            declared=content_type,
            filename=filename,
            disposition=disposition,
            content_id=content_id or None,
            forwarded=forwarded,
        )


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # the modern header parser can trip on hostile input (a UTF-7 encoded word): the raw text
        raw = _raw_header(msg, name)
        return raw.strip() if raw is not None else None
    if value is None:
        return None
    text = _clean(str(value))
    if "\ufffd" in text:
        # Raw 8-bit headers (legacy mailers) come back with replacement characters: decode the raw
        # bytes ourselves, UTF-8 first, else Windows-1252, so "Réf." stays readable.
        raw = _raw_header(msg, name)
        if raw is not None:
            text = raw
    return text.strip()


def _raw_header(msg: Message, name: str) -> str | None:
    try:
        items = msg.raw_items()  # type: ignore[attr-defined]
    except AttributeError:
        return None
    for key, value in items:
        if key.lower() == name.lower():
            text = re.sub(r"\r?\n[ \t]+", " ", _clean(str(value)))
            if "=?" in text:
                try:
                    text = str(make_header(decode_header(text)))
                except Exception:  # keep the undecoded text
                    pass
            return _LONE_SURROGATE.sub("\ufffd", text)  # an encoded word may decode to half a pair
    return None


def _raw_values(msg: Message, name: str) -> list[str]:
    """The raw values of a header, unparsed: the structured parser costs milliseconds per address."""
    return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]  # type: ignore[attr-defined]


def _sender(msg: Message) -> tuple[str | None, str | None]:
    """The single From mailbox; none when there are several, as DMARC cannot vouch for those."""
    raw_froms = _raw_values(msg, "From")
    # One mailbox fits in a line (RFC 5322 §2.1.1): a longer From is not one sender, and is not parsed.
    if len(raw_froms) != 1 or len(raw_froms[0]) > _MAX_FROM_CHARS:
        return None, None
    try:
        froms = msg.get_all("From") or []
    except Exception:
        return None, None
    if len(froms) != 1:
        return None, None
    header = froms[0]
    addresses: list[str]
    try:
        addresses = [a.addr_spec for a in header.addresses]  # type: ignore[union-attr]
    except Exception:  # fall back to the lenient legacy parser
        addresses = [parseaddr(_clean(str(header)))[1]]
    addresses = [_clean(a) for a in addresses if a and "@" in a]
    if len(addresses) != 1:
        return None, None
    local, _, domain = addresses[0].rpartition("@")
    domain = domain.strip().lower().rstrip(".")
    if not local or not domain:
        return None, None
    return f"{local}@{domain}", domain


def _recipients(msg: Message) -> list[str]:
    found: dict[str, str] = {}
    for name in _RECIPIENT_HEADERS:
        # Only the addresses matter here: the lenient legacy parser reads them from the raw value,
        # linearly, where the structured one would cost a millisecond an address.
        for value in _raw_values(msg, name):
            try:
                addresses = getaddresses([_clean(value)])
            except RecursionError:  # the legacy parser recurses once per "(": hundreds of them are no address
                continue
            for _, address in addresses:
                if "@" in address:
                    found.setdefault(address.lower(), address)
    return list(found.values())


def _date(msg: Message) -> datetime | None:
    try:
        header = msg.get("Date")
        value = getattr(header, "datetime", None)
    except Exception:
        return None
    if not isinstance(value, datetime):
        return None
    # A "-0000" zone means "unknown"; treat it as UTC rather than leave a naive datetime around.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _verdict(msg: Message, name: str) -> str | None:
    # The topmost header is the one SES added; a sender-supplied copy further down is ignored.
    value = _header(msg, name)
    return value.upper() if value else None


def _select_attachments(
    walker: _Walker, *, max_attachments: int, max_attachment_bytes: int, max_total_bytes: int
) -> list[Attachment]:
    referenced = {unquote(m).lower() for html in walker.html for m in _CID_REF.findall(html)}
    attachments: list[Attachment] = []
    total = 0
    dropped_for_count = 0
    offered = 0
    for cand in walker.candidates:
        is_decoration = (
            cand.declared.startswith("image/")
            and cand.content_id is not None
            and cand.content_id in referenced
            and cand.disposition != "attachment"
        )
        if is_decoration:
            continue
        offered += 1
        sniffed = sniff.sniff_content_type(cand.data)
        name = sanitise_filename(
            cand.filename, fallback=f"piece-jointe-{offered}{sniff.extension_for(sniffed)}"
        )
        size = len(cand.data)
        if size == 0:
            walker.problems.append(
                MailProblem(
                    code=MailReason.MAIL_EMPTY_ATTACHMENT, severity="error", detail="0 bytes", filename=name
                )
            )
            continue
        if sniff.is_archive(sniffed, cand.declared, name):
            walker.problems.append(
                MailProblem(
                    code=MailReason.MAIL_ARCHIVE_ATTACHMENT,
                    severity="error",
                    detail=f"archive {sniffed if sniffed != sniff.OCTET_STREAM else cand.declared} not extracted",
                    filename=name,
                )
            )
            continue
        if len(attachments) >= max_attachments:
            dropped_for_count += 1
            continue
        if size > max_attachment_bytes:
            walker.problems.append(
                MailProblem(
                    code=MailReason.MAIL_ATTACHMENT_TOO_LARGE,
                    severity="error",
                    detail=f"{size} bytes > limit {max_attachment_bytes}",
                    filename=name,
                )
            )
            continue
        if total + size > max_total_bytes:
            walker.problems.append(
                MailProblem(
                    code=MailReason.MAIL_ATTACHMENTS_TOTAL_TOO_LARGE,
                    severity="error",
                    detail=f"{total + size} bytes in total > limit {max_total_bytes}",
                    filename=name,
                )
            )
            continue
        total += size
        attachments.append(
            Attachment(
                sanitised_filename=name,
                content_type_declared=cand.declared,
                content_type_sniffed=sniffed,
                size=size,
                sha256=hashlib.sha256(cand.data).hexdigest(),
                from_forwarded_message=cand.forwarded,
                data=cand.data,
            )
        )
    if dropped_for_count:
        walker.problems.append(
            MailProblem(
                code=MailReason.MAIL_TOO_MANY_ATTACHMENTS,
                severity="error",
                detail=f"{len(attachments) + dropped_for_count} attachments > limit {max_attachments}; "
                f"{dropped_for_count} dropped",
            )
        )
    if not attachments:
        walker.problems.append(MailProblem(code=MailReason.MAIL_NO_ATTACHMENT, severity="error"))
    return attachments


def parse_inbound(
    raw: bytes,
    *,
    max_attachments: int,
    max_attachment_bytes: int,
    max_total_bytes: int,
    trusted_authserv_ids: tuple[str, ...] = (SES_AUTHSERV_ID,),
    limits: MailLimits | None = None,
) -> InboundMessage:
    """Read an SES-stored raw message; never raises on bad input except MalformedMessage.

    Problems with the message (damaged structure, archives, attachment limits, no attachment) are
    reported in `problems`, not raised, so that the caller can answer the sender precisely. A message
    past a structure limit (`limits`, the current policy's `mail` section by default) raises
    MessageOverLimit before the standard-library parser sees it, as does a message it carries.
    """
    limits = limits or current_policy().mail
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"raw must be bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    if not raw or raw.isspace():  # (strip() would copy a 40 MB message to learn this)
        raise MalformedMessage(MailReason.MAIL_MALFORMED, "Le message reçu est vide.")
    try:
        msg = _parse_bounded(raw, limits)
    except MessageOverLimit:
        raise
    except Exception as exc:  # the parser is lenient; this is the last line of defence
        raise MalformedMessage(MailReason.MAIL_MALFORMED, reason_message(MailReason.MAIL_MALFORMED)) from exc
    if not msg.keys():
        raise MalformedMessage(
            MailReason.MAIL_MALFORMED, "Le message reçu ne comporte aucun en-tête lisible."
        )

    walker = _Walker(limits)
    try:
        walker.walk(msg, depth=0, forwarded=False)
    except MessageOverLimit:
        raise
    except RecursionError:
        walker.damaged("MIME tree too deep")
    except Exception as exc:
        # Last line of defence: the standard library's lazy header parsing can still trip on hostile
        # input; what was collected so far is kept and the damage reported, never a crash.
        walker.damaged(f"MIME walk stopped: {type(exc).__name__}")
    attachments = _select_attachments(
        walker,
        max_attachments=max_attachments,
        max_attachment_bytes=max_attachment_bytes,
        max_total_bytes=max_total_bytes,
    )
    from_address, from_domain = _sender(msg)
    if from_address is None and not attachments and not walker.candidates:
        raise MalformedMessage(
            MailReason.MAIL_MALFORMED,
            "Le message reçu n'indique pas d'expéditeur et ne contient aucune pièce jointe.",
        )

    body = "\n\n".join(t.strip() for t in walker.plain if t.strip())
    if not body:
        body = "\n\n".join(_html_to_text(h) for h in walker.own_html[:1])
    message_id = _header(msg, "Message-ID")
    auth = parse_authentication_results(
        _header(msg, "Authentication-Results"), trusted_authserv_ids=trusted_authserv_ids
    )
    return InboundMessage(
        message_id=(message_id.strip("<> ") or None) if message_id else None,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        raw_size=len(raw),
        from_address=from_address,
        from_domain=from_domain,
        to_addresses=_recipients(msg),
        subject=_header(msg, "Subject") or "",
        date=_date(msg),
        spam_verdict=_verdict(msg, "X-SES-Spam-Verdict"),
        virus_verdict=_verdict(msg, "X-SES-Virus-Verdict"),
        authserv_id=auth.authserv_id,
        spf=auth.spf,
        dkim=auth.dkim,
        dmarc=auth.dmarc,
        dmarc_header_from=auth.dmarc_header_from,
        attachments=attachments,
        body_text=body[:MAX_BODY_CHARS],
        problems=walker.problems,
    )
