"""OCR providers behind one interface: Tesseract (local) and Amazon Textract (AWS)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from clea_intake.documents import tesseract_engine
from clea_intake.documents.tesseract_engine import MRZ_CHARSET
from clea_intake.domain.errors import OcrUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

__all__ = ["OcrError", "OcrProvider", "OcrUnavailable", "TesseractOcr", "TextractOcr", "lines_from_blocks"]


class OcrError(RuntimeError):
    """The engine refused this image for a reason of the image's own (not: the image holds no text).

    The pipeline reads such a page as one without text. A failure of the engine itself (missing, timed out,
    killed, throttled, a service error) is OcrUnavailable instead: a fault of ours, never of the file, which
    the pipeline lets through so that the record is retried once the engine is back.
    """


@runtime_checkable
class OcrProvider(Protocol):
    """Reads the text of one page image, lines in reading order separated by newlines."""

    def image_text(self, image: Image.Image) -> str: ...




class TesseractOcr:
    """Tesseract 5 run as a subprocess; the image goes in on stdin so nothing is written to disk."""

    def __init__(
        self,
        lang: str = "fra",
        *,
        binary: str | None = None,
        timeout_s: float = 30.0,
        threads: int = 1,
        psm: int = 6,
        loaded_engine: bool = True,
    ) -> None:
        self.lang = lang
        # In a sandbox child, the worker's engine with its models already loaded (tesseract_engine) reads the
        # page instead of a new tesseract process; False always runs the command.
        self.loaded_engine = loaded_engine
        # Page segmentation 6 (one uniform block) keeps a label and its value on one line, in forms and
        # tables alike; 3 (automatic) drops ruled tables and splits rows into columns.
        self.psm = psm
        # Looked up on PATH at each call when not given: an engine installed or restored while the container
        # lives is found again, one removed is reported as unavailable (never as an unreadable file).
        self.binary = binary
        self.timeout_s = timeout_s
        # One OpenMP thread per process: on 2 cores Tesseract is ~2.5x faster than with its default.
        self._env = {**os.environ, "OMP_THREAD_LIMIT": str(threads)}

    def _run(self, image: Image.Image, args: list[str]) -> str:
        buffer = io.BytesIO()
        # PNM is uncompressed: encoding it costs a few ms where PNG costs ~100 ms for a page.
        mode = "L" if image.mode in ("L", "1", "LA", "I;16") else "RGB"
        image.convert(mode).save(buffer, format="PPM")
        binary = self.binary or shutil.which("tesseract")
        if binary is None:
            raise OcrUnavailable("tesseract is not on PATH")
        try:
            done = subprocess.run(
                [binary, "stdin", "stdout", *args],
                input=buffer.getvalue(),
                capture_output=True,
                timeout=self.timeout_s,
                env=self._env,
                check=False,
            )
        except OSError as exc:  # the binary is missing, not executable, or the process could not start
            raise OcrUnavailable(f"tesseract did not start: {type(exc).__name__}") from exc
        except subprocess.TimeoutExpired as exc:
            raise OcrUnavailable(f"tesseract timed out after {self.timeout_s:g} s") from exc
        if done.returncode < 0:
            raise OcrUnavailable(f"tesseract was killed by signal {-done.returncode}")
        if done.returncode != 0:
            # The image is a PNM this adapter wrote itself: an exit code is the engine's failure (a missing
            # language file, a broken installation), not the file's. An image without text exits with 0.
            raise OcrUnavailable(f"tesseract exited with {done.returncode}")
        return done.stdout.decode("utf-8", errors="replace")

    def _engine(self) -> Any:
        """The sandbox worker's loaded engine (tesseract_engine), when this process was given one and this
        provider is the standard one; None: run the command."""
        # Tesseract gone from PATH is an engine gone for the loaded one too: the command's error says so.
        if not self.loaded_engine or self.binary is not None or self.psm != 6 or shutil.which("tesseract") is None:
            return None
        return tesseract_engine.engine_channel()

    def _read(self, image: Image.Image, method: str, lang: str, args: list[str]) -> str:
        channel = self._engine()
        if channel is not None:
            return tesseract_engine.recognize(channel, image, method, lang, self.timeout_s)
        return self._run(image, ["-l", lang, *args])

    def image_text(self, image: Image.Image) -> str:
        return self._read(image, "image_text", self.lang, ["--psm", str(self.psm)])

    def layout_text(self, image: Image.Image) -> str:
        """Automatic page segmentation (psm 3): separates side-by-side blocks, such as both faces of an
        identity card copied on one page, that block segmentation would read as one line."""
        return self._read(image, "layout_text", self.lang, ["--psm", "3"])

    def mrz_text(self, image: Image.Image) -> str:
        """The machine readable zone of a cropped band: a uniform block, only MRZ characters allowed."""
        return self._read(image, "mrz_text", "eng", ["--psm", "6", "-c", f"tessedit_char_whitelist={MRZ_CHARSET}"])


class TextractOcr:
    """Amazon Textract DetectDocumentText on one page image; `client` is a boto3 Textract client."""

    # Textract's synchronous API takes at most 10 MB of bytes and 10,000 px a side.
    MAX_BYTES = 10 * 1024 * 1024
    MAX_SIDE = 10_000

    # The errors that speak of the image sent, not of the service: the page is read as one without text.
    # Every other error (throttling, ProvisionedThroughputExceededException, InternalServerError, any 5xx,
    # access, timeouts and connection errors once botocore's own retries are spent) is OcrUnavailable.
    DOCUMENT_ERRORS = frozenset({"BadDocumentException", "UnsupportedDocumentException",
                                 "DocumentTooLargeException", "InvalidParameterException"})

    def __init__(self, client: Any = None, *, connect: Callable[[], Any] | None = None) -> None:
        """`client`, or `connect`, which makes it at the first page read: every function builds its ports at
        its first call, and most never read a scan, so they never pay for a Textract client."""
        if (client is None) == (connect is None):
            raise TypeError("TextractOcr takes a client or a way to connect, one of the two")
        self._client, self._connect = client, connect

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _encode(self, image: Image.Image) -> bytes:
        if max(image.size) > self.MAX_SIDE:
            image = image.copy()
            image.thumbnail((self.MAX_SIDE, self.MAX_SIDE))
        rgb = image.convert("L" if image.mode in ("L", "1") else "RGB")
        for quality in (90, 75, 60):
            buffer = io.BytesIO()
            rgb.save(buffer, format="JPEG", quality=quality)
            if buffer.tell() <= self.MAX_BYTES:
                return buffer.getvalue()
        raise OcrError("image too large for Textract even after compression")

    def image_text(self, image: Image.Image) -> str:
        data = self._encode(image)
        try:
            response = self.client.detect_document_text(Document={"Bytes": data})
        except Exception as exc:  # noqa: BLE001 - botocore's ClientError, its transport errors, anything else
            # A ClientError carries the service's answer; botocore is not imported here (nor in a sandbox).
            response = getattr(exc, "response", None)
            code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
            if code in self.DOCUMENT_ERRORS:
                raise OcrError(f"textract refused the image: {code}") from exc
            raise OcrUnavailable(f"textract failed: {code or type(exc).__name__}") from exc
        return lines_from_blocks(response.get("Blocks", []))


def lines_from_blocks(blocks: list[dict[str, Any]]) -> str:
    """The LINE blocks of a Textract response in reading order (top to bottom, then left to right)."""
    lines = [b for b in blocks if b.get("BlockType") == "LINE" and b.get("Text")]

    def position(block: dict[str, Any]) -> tuple[float, float]:
        box = block.get("Geometry", {}).get("BoundingBox", {})
        return (float(box.get("Top", 0.0)), float(box.get("Left", 0.0)))

    if lines and all("Geometry" in b for b in lines):
        # Textract already returns lines in reading order, but two columns on the same row come out
        # one after the other: group by row (half a line height) so a label and its value stay together.
        ordered = sorted(lines, key=position)
        rows: list[list[dict[str, Any]]] = []
        for block in ordered:
            top, _ = position(block)
            height = float(block["Geometry"]["BoundingBox"].get("Height", 0.01))
            if rows and abs(position(rows[-1][0])[0] - top) < height / 2:
                rows[-1].append(block)
            else:
                rows.append([block])
        return "\n".join("  ".join(b["Text"] for b in sorted(row, key=lambda b: position(b)[1])) for row in rows)
    return "\n".join(b["Text"] for b in lines)
