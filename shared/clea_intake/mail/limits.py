"""A linear scan of a raw message's MIME structure, before the standard-library parser is given it.

The standard library's parser costs far more than the bytes it reads on some shapes: a Subject of many
adjacent encoded words takes memory quadratic in their number (160 KB → close to 1 GB), and each line
of a deeply nested multipart is matched against every enclosing boundary (5,000 levels → seconds, then
a recursion error). This scan reads the raw bytes once, follows the structure as that parser would
(header blocks, declared boundaries, message/* bodies, digest defaults) and stops at the first limit
crossed, so that such a message is quarantined for what it is and never handed to the parser.

Everything here is linear in the size of the message: body lines are skipped with `bytes.find`, the
only regular expressions have no nested or overlapping repetition, and the header work is bounded by
the header-size limit.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from clea_intake.domain.policy import MailLimits
from clea_intake.mail.reasons import MailReason

# One line with its end; the feed parser ends lines at CRLF, lone CR or LF, and so does this scan.
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")
# The feed parser's test for a header line (email.feedparser.headerRE), less its "From " and blank cases.
_FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]*:")
# Parameters of a Content-Type: quoted strings (with backslash escapes), other runs, separators.
_PARAM_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"?|[^;"]+|;', re.DOTALL)
# An RFC 2047 word; the parser decodes them even inside a quoted boundary.
_ENCODED_WORD = re.compile(rb"=\?([^?\s]*)\?([bBqQ])\?([^?\s]*)\?=")
_BASE64 = b"base64"
# Fields the standard library's structured header parser reads here (or that the claim reading asks
# it for): its cost on them grows faster than their length, so each is bounded on its own. Other
# fields (References, relays' long diagnostics) are only counted in their header block.
# (Recipients are read from their raw values, and a From longer than a line is not parsed.)
_READ_FIELDS = frozenset({
    b"from", b"subject", b"date", b"message-id", b"authentication-results", b"x-ses-spam-verdict",
    b"x-ses-virus-verdict", b"content-type", b"content-disposition", b"content-transfer-encoding", b"content-id",
})
# Fields read as a value and parameters: their parameter parsing is quadratic in the number of ";".
_PARAMETERISED = frozenset({b"content-type", b"content-disposition"})


@dataclass(frozen=True)
class LimitBreach:
    """The first limit a message crosses; `detail` holds figures only, never the message's content."""

    code: MailReason
    detail: str


class _Breached(Exception):
    def __init__(self, breach: LimitBreach) -> None:
        super().__init__(breach.detail)
        self.breach = breach


@dataclass
class _Multipart:
    boundary: bytes
    depth: int
    digest: bool


@dataclass
class _Hit:
    """A boundary line: which open multipart it belongs to, whether it closes it, where the line ends."""

    level: int
    closing: bool
    line_start: int
    line_end: int


def scan_message(raw: bytes, limits: MailLimits) -> LimitBreach | None:
    """The first of the policy's mail limits that `raw` crosses, or None when it is within all of them."""
    try:
        _Scan(bytes(raw), limits).run()
    except _Breached as breached:
        return breached.breach
    return None


class _Scan:
    def __init__(self, raw: bytes, limits: MailLimits) -> None:
        self.raw = raw
        self.limits = limits
        self.parts = 0
        self.encoded_words = 0
        self.parsed_header_bytes = 0
        self.decoded = 0
        # Next position of each pattern that may start a boundary line, kept so that every search
        # moves forward only: the scan stays linear however many "--" lines a body holds.
        self._next: dict[bytes, int] = {}

    # -- the walk ------------------------------------------------------------------------------------
    def run(self) -> None:
        raw = self.raw
        # The parser works a line at a time, at a cost per line far above its bytes' (empty lines too).
        lines = raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")
        if lines > self.limits.max_lines:
            raise _Breached(LimitBreach(MailReason.MAIL_TOO_MANY_LINES, f"more than {self.limits.max_lines} lines"))
        stack: list[_Multipart] = []
        pos, depth, default = 0, 0, b"text/plain"
        while True:
            self._entity(depth)
            pos, content_type, cte, hit = self._headers(pos, stack)
            if hit is None:
                ctype = _type(content_type) or default
                maintype, _, subtype = ctype.partition(b"/")
                boundary = _boundary(content_type) if maintype == b"multipart" and content_type else None
                if boundary:
                    stack.append(_Multipart(boundary, depth, digest=subtype == b"digest"))
                    _, hit = self._skip(pos, stack)  # the preamble
                elif maintype == b"message" and ctype != b"message/delivery-status":
                    # The parser reads a message/* body as a message in its own right, whatever its encoding.
                    depth, default = depth + 1, b"text/plain"
                    continue
                else:
                    end, hit = self._skip(pos, stack)
                    self._leaf(pos, end, cte, delivery_status=ctype == b"message/delivery-status")
            while True:
                if hit is None:
                    return
                del stack[hit.level + 1:]
                if not hit.closing:
                    parent = stack[hit.level]
                    pos, depth = hit.line_end, parent.depth + 1
                    default = b"message/rfc822" if parent.digest else b"text/plain"
                    break
                stack.pop()
                _, hit = self._skip(hit.line_end, stack)  # the epilogue, up to an enclosing boundary

    def _entity(self, depth: int) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise _Breached(LimitBreach(MailReason.MAIL_TOO_MANY_PARTS,
                                        f"more than {self.limits.max_parts} MIME parts"))
        if depth > self.limits.max_depth:
            raise _Breached(LimitBreach(MailReason.MAIL_TOO_DEEP,
                                        f"MIME parts nested deeper than {self.limits.max_depth}"))

    # -- header blocks -------------------------------------------------------------------------------
    def _headers(self, pos: int, stack: list[_Multipart]) -> tuple[int, bytes | None, bytes | None, _Hit | None]:
        """Read one header block: where its body starts, its Content-Type value and transfer encoding,
        and the boundary line that ended the part before any body."""
        raw, limits = self.raw, self.limits
        size = 0
        fields: dict[bytes, list[bytes]] = {}
        current: list[bytes] | None = None
        name = b""
        field_size = parameters = 0
        first = True
        while pos < len(raw):
            end = _LINE.match(raw, pos).end()  # type: ignore[union-attr]
            if stack and raw.startswith(b"--", pos):
                hit = self._boundary_at(pos, end, stack)
                if hit is not None:
                    return pos, *_fields(fields), hit
            size += end - pos
            if size > limits.max_header_bytes:
                raise _Breached(LimitBreach(MailReason.MAIL_HEADER_TOO_LARGE,
                                            f"header block over {limits.max_header_bytes} bytes"))
            line = raw[pos:end]
            if not line.strip(b"\r\n"):
                pos = end  # the blank line between headers and body
                break
            if line[:1] in (b" ", b"\t"):
                if current is not None:
                    current.append(line)
                field_size += end - pos
            elif _FIELD.match(line) or (first and line.startswith(b"From ")):
                name = line.partition(b":")[0].strip().lower()
                current = [line.partition(b":")[2]] if name not in fields else None
                if current is not None and name in (b"content-type", b"content-transfer-encoding"):
                    fields[name] = current
                field_size, parameters = end - pos, 0
            else:
                break  # not a header: the body starts here, without its blank line
            if name in _READ_FIELDS:
                # Encoded words cost the parser quadratic memory in one field (and nothing in a field
                # it never reads): counted in the fields it reads, whole message.
                self.encoded_words += line.count(b"=?")
                if self.encoded_words > limits.max_encoded_words:
                    raise _Breached(LimitBreach(
                        MailReason.MAIL_TOO_MANY_ENCODED_WORDS,
                        f"more than {limits.max_encoded_words} encoded words in parsed header fields"))
                self.parsed_header_bytes += end - pos
                if field_size > limits.max_field_bytes:
                    raise _Breached(LimitBreach(MailReason.MAIL_HEADER_TOO_LARGE,
                                                f"header field over {limits.max_field_bytes} bytes"))
                if self.parsed_header_bytes > limits.max_parsed_header_bytes:
                    raise _Breached(LimitBreach(
                        MailReason.MAIL_HEADER_TOO_LARGE,
                        f"parsed header fields over {limits.max_parsed_header_bytes} bytes in all"))
            if name in _PARAMETERISED:
                parameters += line.count(b";")
                if parameters > limits.max_parameters:
                    raise _Breached(LimitBreach(MailReason.MAIL_HEADER_TOO_LARGE,
                                                f"more than {limits.max_parameters} parameters in a header field"))
            first = False
            pos = end
        return pos, *_fields(fields), None

    # -- bodies --------------------------------------------------------------------------------------
    def _skip(self, pos: int, stack: list[_Multipart]) -> tuple[int, _Hit | None]:
        """Jump to the next boundary line of an open multipart; (where the body ends, that line)."""
        raw = self.raw
        if not stack:
            return len(raw), None
        start = pos
        while True:
            if raw.startswith(b"--", start):
                candidate = start
            else:
                candidate = min(self._find(b"\n--", start), self._find(b"\r--", start))
                if candidate >= len(raw):
                    return len(raw), None
                candidate += 1
            end = _LINE.match(raw, candidate).end()  # type: ignore[union-attr]
            hit = self._boundary_at(candidate, end, stack)
            if hit is not None:
                return candidate, hit
            start = max(end, candidate + 1)

    def _find(self, pattern: bytes, pos: int) -> int:
        known = self._next.get(pattern, -1)
        if known < pos:
            found = self.raw.find(pattern, pos)
            known = found if found >= 0 else len(self.raw)
            self._next[pattern] = known
        return known

    def _boundary_at(self, start: int, end: int, stack: list[_Multipart]) -> _Hit | None:
        core = self.raw[start + 2:end].rstrip(b"\r\n").rstrip(b" \t")
        for level in range(len(stack) - 1, -1, -1):
            boundary = stack[level].boundary
            if core == boundary:
                return _Hit(level, False, start, end)
            if core == boundary + b"--":
                return _Hit(level, True, start, end)
        return None

    def _leaf(self, start: int, end: int, cte: bytes | None, *, delivery_status: bool) -> None:
        raw = self.raw
        size = end - start
        if cte == _BASE64:
            size = (size - raw.count(b"\n", start, end) - raw.count(b"\r", start, end)) * 3 // 4
        self.decoded += size
        if self.decoded > self.limits.max_decoded_bytes:
            raise _Breached(LimitBreach(MailReason.MAIL_DECODED_TOO_LARGE,
                                        f"decoded content over {self.limits.max_decoded_bytes} bytes"))
        if delivery_status:
            # The parser makes one message of each blank-line-separated block of a delivery status.
            for _ in range(raw.count(b"\n\n", start, end) + raw.count(b"\n\r\n", start, end)):
                self._entity(0)


def _fields(fields: dict[bytes, list[bytes]]) -> tuple[bytes | None, bytes | None]:
    """The unfolded Content-Type value and the lowercased transfer encoding of a header block."""
    cte = _unfold(fields.get(b"content-transfer-encoding"))
    return _unfold(fields.get(b"content-type")), (cte.lower() if cte is not None else None)


def _type(content_type: bytes | None) -> bytes | None:
    """The type as Message.get_content_type reads it: anything but one slash is text/plain."""
    if content_type is None:
        return None
    ctype = content_type.partition(b";")[0].strip().lower()
    return ctype if ctype.count(b"/") == 1 else b"text/plain"


def _unfold(lines: list[bytes] | None) -> bytes | None:
    if lines is None:
        return None
    return b"".join(lines).replace(b"\r", b"").replace(b"\n", b"").strip()


def _boundary(content_type: bytes) -> bytes | None:
    """The boundary parameter as Message.get_boundary reads it (quotes, RFC 2231 pieces, RFC 2047 words)."""
    plain: bytes | None = None
    pieces: list[tuple[int, bytes, bool]] = []
    piece: list[bytes] = []
    params: list[bytes] = []
    for token in _PARAM_TOKEN.findall(_without_comments(content_type) if b"(" in content_type else content_type):
        if token == b";":
            params.append(b"".join(piece))
            piece = []
        else:
            piece.append(token)
    params.append(b"".join(piece))
    for param in params[1:]:
        name, sep, value = param.partition(b"=")
        if not sep:
            continue
        name, value = name.strip().lower(), _unquote(value.strip())
        if name == b"boundary" and plain is None:
            plain = value
        elif name.startswith(b"boundary*"):
            number = name[len(b"boundary*"):].rstrip(b"*")
            # A section number is small; thousands of digits would trip int()'s limit (and mean nothing).
            section = int(number) if number.isdigit() and len(number) <= 9 else 10**9
            pieces.append((section, value, name.endswith(b"*")))
    if plain is None and pieces:
        pieces.sort(key=lambda p: p[0])
        plain = b"".join(v for _, v, _ in pieces)
        if any(encoded for _, _, encoded in pieces):
            if plain.count(b"'") >= 2:
                plain = plain.split(b"'", 2)[2]
            plain = unquote_to_bytes(plain)
    if plain is None:
        return None
    if b"=?" in plain:
        plain = _ENCODED_WORD.sub(_decode_word, plain)
    return plain.rstrip() or None


def _without_comments(value: bytes) -> bytes:
    """The value less its RFC 5322 comments (nested, with quoted pairs), kept inside quoted strings:
    the structured parser drops them around parameters. One pass over a field bounded in size."""
    kept = bytearray()
    depth, quoted, escaped = 0, False, False
    for byte in value:
        if escaped:
            escaped = False
            if not depth:
                kept.append(byte)
            continue
        if byte == 0x5C:  # backslash
            escaped = True
            if not depth:
                kept.append(byte)
        elif quoted:
            kept.append(byte)
            quoted = byte != 0x22
        elif byte == 0x28:  # (
            depth += 1
        elif byte == 0x29 and depth:  # )
            depth -= 1
        elif not depth:
            kept.append(byte)
            quoted = byte == 0x22
    return bytes(kept)


def _unquote(value: bytes) -> bytes:
    if len(value) > 1 and value.startswith(b'"') and value.endswith(b'"'):
        return value[1:-1].replace(b"\\\\", b"\\").replace(b'\\"', b'"')
    return value


def _decode_word(match: re.Match[bytes]) -> bytes:
    text = match.group(3)
    try:
        if match.group(2) in (b"b", b"B"):
            return base64.b64decode(text + b"=" * (-len(text) % 4))
        return quopri.decodestring(text.replace(b"_", b" "), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
