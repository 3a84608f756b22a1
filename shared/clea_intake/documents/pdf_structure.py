"""A PDF's structure checked before pdfium draws a page: active content, inflated size, image pixels and
operators per page, on every object of the file whatever its depth, so that no nesting walks around them.

- Every object of the file (not only those a page reaches) is looked at for active content and, for a
  stream, inflated within a budget: a Flate bomb stops at the budget, not at the end of its output.
- Every image of the file, at any depth of form XObjects, is held to the pixel limit; the size of a JPEG
  or a JPEG 2000 is also read from its own header, not only from the dictionary that describes it.
- A page's operators count each use of a shared stream or form XObject again (ten pages sharing one
  stream count it ten times), through forms nested to any depth; a form that draws itself is refused.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from collections import Counter
from typing import Any

import pikepdf

from clea_intake.domain.policy import DocumentLimits


class Refused(Exception):
    """The PDF is refused: `code` is the finding code, `limit` what was exceeded."""

    def __init__(self, code: str, limit: str = "", **params: Any) -> None:
        super().__init__(code, limit)
        self.code = code
        self.limit = limit
        self.params = params


# ---------------------------------------------------------------- active content

# Keys whose mere presence makes a PDF act on its own: scripts, automatic actions, embedded files,
# rich media and dynamic (XFA) forms.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/RichMediaContent",
                          "/RichMediaSettings", "/XFA"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/RichMediaExecute", "/ImportData", "/SubmitForm",
                             "/GoToE", "/Rendition", "/Movie", "/Sound"})
_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/RichMedia", "/FileAttachment"})


def _name(value: Any) -> str | None:
    return str(value) if isinstance(value, pikepdf.Name) else None


def _direct_container(value: Any) -> bool:
    return isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect


def _active_in(obj: Any) -> str | None:
    """What makes `obj` active, looking into its direct parts (indirect ones are looked at on their own)."""
    stack = [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, pikepdf.Stream):
            current = current.stream_dict
        if isinstance(current, pikepdf.Dictionary):
            for key, value in current.items():
                if key in _ACTIVE_KEYS:
                    return key
                if key in ("/S", "/Type", "/Subtype"):
                    kind = _name(value)
                    if kind in _ACTIVE_ACTIONS or kind in _ACTIVE_TYPES:
                        return kind
                if key == "/OpenAction" and isinstance(value, pikepdf.Dictionary):
                    # Opening at a page is harmless; any other action on opening is not.
                    if _name(value.get("/S")) != "/GoTo":
                        return key
                if _direct_container(value):
                    stack.append(value)
        elif isinstance(current, pikepdf.Array):
            stack.extend(v for v in current if _direct_container(v))
    return None


# ---------------------------------------------------------------- inflating within a budget

_IMAGE_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})
_CHUNK = 1 << 16


class _Inflater:
    """Inflates streams while counting every byte against one budget for the whole file."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.total = 0

    def _count(self, size: int) -> None:
        self.total += size
        if self.total > self.budget:
            raise Refused("PROCESSING_LIMIT", "inflated_bytes")

    def _inflate(self, data: bytes, keep: bool) -> bytes:
        inflater = zlib.decompressobj()
        out: list[bytes] = []
        try:
            for start in range(0, len(data), _CHUNK):
                piece = data[start : start + _CHUNK]
                while piece:
                    # Never more than what the budget has left: a bomb stops here, not at its end.
                    chunk = inflater.decompress(piece, self.budget - self.total + 1)
                    self._count(len(chunk))
                    if keep:
                        out.append(chunk)
                    piece = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error:
            pass  # a damaged stream: what came out before the damage is what a reader gets
        return b"".join(out)

    def decoded(self, stream: pikepdf.Stream, keep: bool) -> bytes:
        """The stream's bytes after its filters (only when `keep`), its inflated size counted."""
        filters = stream.stream_dict.get("/Filter")
        names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else ([str(filters)] if filters else [])
        data = stream.read_raw_bytes()
        for index, name in enumerate(names):
            if name in _IMAGE_FILTERS:
                break  # image data: held to the pixel limit instead
            if name in ("/FlateDecode", "/Fl"):
                # Only counted, not kept, when nobody reads the bytes after: a bomb costs no memory.
                data = self._inflate(data, keep=keep or index < len(names) - 1)
                continue
            if name in ("/ASCIIHexDecode", "/AHx"):
                hexa = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">")[0])
                data = bytes.fromhex((hexa + b"0" * (len(hexa) % 2)).decode())
                continue
            if name in ("/ASCII85Decode", "/A85"):
                try:
                    data = base64.a85decode(re.sub(rb"\s", b"", data.split(b"~>")[0]))
                except ValueError:
                    data = b""
                continue
            # LZW, RunLength and the rest are rare: qpdf decodes them, the sandbox's memory limit bounds it.
            try:
                data = stream.read_bytes()
            except pikepdf.PdfError:
                data = b""
            self._count(len(data))
            break
        else:
            if not names:
                self._count(len(data))
        return data if keep else b""


# ---------------------------------------------------------------- images


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header."""
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _jpx_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG 2000 file's image header box or its codestream's SIZ marker."""
    box = data.find(b"ihdr")
    if box >= 0 and box + 12 <= len(data):
        height, width = struct.unpack(">II", data[box + 4 : box + 12])
        return width, height
    siz = data.find(b"\xff\x4f\xff\x51")
    if siz >= 0 and siz + 24 <= len(data):
        x, y, x0, y0 = struct.unpack(">IIII", data[siz + 8 : siz + 24])
        return max(0, x - x0), max(0, y - y0)
    return None


def _check_image(stream: pikepdf.Stream, limits: DocumentLimits) -> None:
    info = stream.stream_dict
    try:
        width, height = int(info.get("/Width", 0)), int(info.get("/Height", 0))
    except (TypeError, ValueError) as exc:
        raise Refused("FILE_CORRUPT") from exc
    sizes = [(width, height)]
    filters = info.get("/Filter")
    # The decoder draws the size its data says, whatever the dictionary claims: read it from the data.
    if "/DCT" in str(filters):
        real = _jpeg_size(stream.read_raw_bytes()[:65536])
        if real is not None:
            sizes.append(real)
    elif "/JPXDecode" in str(filters):
        real = _jpx_size(stream.read_raw_bytes()[:4096])
        if real is not None:
            sizes.append(real)
    if any(w * h > limits.max_image_pixels for w, h in sizes):
        raise Refused("IMAGE_TOO_LARGE")


# ---------------------------------------------------------------- operators

# An operator is a short bare word: names (/F1), numbers and long words are not. Words inside strings and
# inline image data may count too: the count can only be too high, never walked around.
# Both start with what they match, the character before looked at after (`.`: that first one again), so that re
# skips straight to the candidates: several times faster than a leading look-behind or \b, the same matches.
_OPERATOR = re.compile(rb"[A-Za-z'\"](?<![A-Za-z0-9_/.#\\].)[A-Za-z0-9*'\"]{0,2}(?![A-Za-z0-9_])", re.DOTALL)
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![A-Za-z0-9_])")
_INLINE = re.compile(rb"BI(?<!\wBI)\b(.{0,4000}?)\bID\b", re.DOTALL)
_INLINE_SIZE = re.compile(rb"/(W|Width|H|Height)\s+(\d+)")


class _Operators:
    def __init__(self, limits: DocumentLimits, inflater: _Inflater) -> None:
        self.limits = limits
        self.limit = limits.max_operators_per_page
        self.inflater = inflater
        self.own: dict[tuple[int, int], tuple[int, Counter]] = {}
        self.cost: dict[tuple[Any, ...], int] = {}

    def _own(self, stream: pikepdf.Stream) -> tuple[int, Counter]:
        key = stream.objgen
        if key not in self.own or key == (0, 0):
            data = self.inflater.decoded(stream, keep=True)
            for match in _INLINE.finditer(data):
                sizes = dict(_INLINE_SIZE.findall(match.group(1)))
                width = int(sizes.get(b"W", sizes.get(b"Width", 0)))
                height = int(sizes.get(b"H", sizes.get(b"Height", 0)))
                if width * height > self.limits.max_image_pixels:
                    raise Refused("IMAGE_TOO_LARGE")
            count = len(_OPERATOR.findall(data))
            self.own[key] = (count, Counter(m.decode("latin-1") for m in _DO.findall(data)))
        return self.own[key]

    def stream(self, stream: Any, resources: Any, stack: tuple) -> int:
        """Operators drawn by `stream` with `resources`, each use of a form counted with its own."""
        if not isinstance(stream, pikepdf.Stream):
            return 0
        own_resources = stream.stream_dict.get("/Resources")
        if isinstance(own_resources, pikepdf.Dictionary):
            resources = own_resources
        key = (stream.objgen, resources.objgen if isinstance(resources, pikepdf.Object) else None)
        if key in stack:
            raise Refused("PROCESSING_LIMIT", "xobject_cycle")
        if key in self.cost and stream.objgen != (0, 0):
            return self.cost[key]
        count, uses = self._own(stream)
        total = count
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        for name, times in uses.items():
            target = xobjects.get("/" + name) if isinstance(xobjects, pikepdf.Dictionary) else None
            if isinstance(target, pikepdf.Stream) and _name(target.stream_dict.get("/Subtype")) == "/Form":
                total += times * self.stream(target, resources, (*stack, key))
            if total > self.limit:
                raise Refused("PROCESSING_LIMIT", "operators")
        # Tiling patterns and Type 3 glyphs are drawn from the resources: counted once each.
        if isinstance(resources, pikepdf.Dictionary):
            for kind in ("/Pattern", "/Font"):
                entries = resources.get(kind)
                if not isinstance(entries, pikepdf.Dictionary):
                    continue
                for entry in entries.values():
                    if isinstance(entry, pikepdf.Stream) and entry.objgen not in [k[0] for k in stack]:
                        total += self.stream(entry, None, (*stack, key))
                    elif isinstance(entry, pikepdf.Dictionary) and isinstance(entry.get("/CharProcs"), pikepdf.Dictionary):
                        for proc in entry.CharProcs.values():
                            total += self.stream(proc, entry.get("/Resources", resources), (*stack, key))
                    if total > self.limit:
                        raise Refused("PROCESSING_LIMIT", "operators")
        if total > self.limit:
            raise Refused("PROCESSING_LIMIT", "operators")
        self.cost[key] = total
        return total

    def page(self, page: pikepdf.Page) -> None:
        resources = page.obj.get("/Resources")
        if resources is None:
            try:
                resources = page.resources
            except (AttributeError, pikepdf.PdfError):
                resources = None
        contents = page.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        total = 0
        for stream in streams:
            total += self.stream(stream, resources, ())
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            for annotation in annotations:
                appearance = annotation.get("/AP") if isinstance(annotation, pikepdf.Dictionary) else None
                normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
                states = list(normal.values()) if isinstance(normal, pikepdf.Dictionary) else [normal]
                for state in states:
                    total += self.stream(state, resources, ())
        if total > self.limit:
            raise Refused("PROCESSING_LIMIT", "operators")


# ---------------------------------------------------------------- the check


def check(data: bytes, limits: DocumentLimits) -> None:
    """Raise Refused when the PDF has active content or goes beyond a structure limit."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise Refused("FILE_ENCRYPTED") from exc
    except (pikepdf.PdfError, pikepdf.QpdfRuntimeError, ValueError, OSError) as exc:
        # QpdfRuntimeError: qpdf's own checks, as a page tree whose /Count is wrong once flattened.
        raise Refused("FILE_CORRUPT") from exc
    try:
        with pdf:
            pages = len(pdf.pages)
            if pages > limits.max_pages:
                raise Refused("TOO_MANY_PAGES", "pages", pages=pages, count=pages, max_pages=limits.max_pages)
            budget = min(limits.max_inflated_bytes, max(limits.inflate_floor_bytes, limits.max_inflate_ratio * len(data)))
            inflater = _Inflater(budget)
            active = None
            for obj in pdf.objects:
                active = active or _active_in(obj)
                if isinstance(obj, pikepdf.Stream):
                    if _name(obj.stream_dict.get("/Subtype")) == "/Image":
                        _check_image(obj, limits)
                    inflater.decoded(obj, keep=False)
            if active is not None:
                raise Refused("ACTIVE_CONTENT", active)
            # Drawing counts against its own budget: the same streams are read again to count operators.
            operators = _Operators(limits, _Inflater(budget))
            for page in pdf.pages:
                operators.page(page)
    except RecursionError as exc:
        raise Refused("PROCESSING_LIMIT", "nesting") from exc
    except (pikepdf.PdfError, pikepdf.QpdfRuntimeError) as exc:
        raise Refused("FILE_CORRUPT") from exc
    except UnicodeDecodeError as exc:
        # A name that is not UTF-8 (pikepdf reads names as text): its objects cannot be looked through for active
        # content, so the file is not read; the applicant is asked for another copy, as for a damaged file.
        raise Refused("FILE_CORRUPT", "name_encoding") from exc
