"""Tesseract kept loaded for a sandbox worker's files: one engine process, its models read once.

The command-line engine reads its language models again at every page (about 0.2 s of CPU a run, more
than a third of a photographed page's OCR). A sandbox worker therefore starts this engine once, through
tesserocr built against the same libtesseract as the command (`pip install --no-binary tesserocr`), and
gives each child it forks a connection of its own. The child sends the pixels of a page and gets its text.

What stays as it was with the command:
- the engine is a process of its own, outside the child: a file that crashes it, or a page it spends too
  long on, is `OcrUnavailable` (our fault, retried), never a finding about the applicant's file;
- the same engine and data read the same page into the same text (the adaptive classifier is cleared
  before each page, as a new process starts without it; `tests/unit/documents/test_documents_tesseract_engine.py`);
- the engine runs under the sandbox's address-space limit.

The wire format is fixed-size headers and raw pixels, never pickle: the child that sends them has parsed
an untrusted file. Anything malformed closes that child's connection and nothing else.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import resource
import socket
import struct
import subprocess
import sys
from typing import TYPE_CHECKING

from clea_intake import helper_environment
from clea_intake.domain.errors import OcrUnavailable

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["EngineProcess", "available", "connect_child", "engine_channel", "recognize"]

logger = logging.getLogger(__name__)

# request: method, mode (1 = L, 3 = RGB), width, height, timeout in ms, language length; then language, pixels
_REQUEST = struct.Struct("!BBIIIB")
# answer: status, text length; then UTF-8 text
_ANSWER = struct.Struct("!BI")
_OK, _TIMED_OUT, _ENGINE_ERROR = 0, 1, 2
METHODS = {"image_text": 0, "layout_text": 1, "mrz_text": 2}
MAX_PIXELS = 100_000_000
# The characters of a machine readable zone: the only ones its reading may give.
MRZ_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
# The engine's start: an interpreter, tesserocr and `tesseract --version`.
_START_S = 30.0
# The channel this process (a sandbox child) was given to its worker's engine, if any.
_CHANNEL: socket.socket | None = None


def available() -> bool:
    """True when tesserocr is installed (the command-line engine is used otherwise)."""
    return importlib.util.find_spec("tesserocr") is not None


def engine_channel() -> socket.socket | None:
    return _CHANNEL


def connect_child(channel: socket.socket | None) -> None:
    """In a freshly forked child: the connection its OCR requests go through (None: use the command)."""
    global _CHANNEL
    _CHANNEL = channel


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- the child's side


def recognize(channel: socket.socket, image: Image.Image, method: str, lang: str, timeout_s: float) -> str:
    """The text of `image` read by the worker's engine; OcrUnavailable if the engine fails or does not answer."""
    mode = "L" if image.mode in ("L", "1", "LA", "I;16") else "RGB"
    pixels = image.convert(mode).tobytes()
    language = lang.encode("ascii")
    header = _REQUEST.pack(METHODS[method], 1 if mode == "L" else 3, image.width, image.height,
                           int(timeout_s * 1000), len(language))  # fmt: skip
    # The engine may still be finishing a page of the previous child (bounded by its own timeout).
    channel.settimeout(2 * timeout_s + 5)
    try:
        channel.sendall(header + language + pixels)
        answer = _recv_exact(channel, _ANSWER.size)
        if answer is None:
            raise OcrUnavailable("the Tesseract engine stopped")
        status, size = _ANSWER.unpack(answer)
        text = _recv_exact(channel, size)
    except TimeoutError as exc:
        raise OcrUnavailable(f"the Tesseract engine did not answer within {2 * timeout_s + 5:g} s") from exc
    except OSError as exc:
        raise OcrUnavailable(f"the Tesseract engine is unreachable: {type(exc).__name__}") from exc
    if text is None:
        raise OcrUnavailable("the Tesseract engine stopped")
    if status == _TIMED_OUT:
        raise OcrUnavailable(f"tesseract timed out after {timeout_s:g} s")
    if status != _OK:
        raise OcrUnavailable(f"the Tesseract engine failed: {text.decode('utf-8', errors='replace')[:200]}")
    return text.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- the worker's side


class EngineProcess:
    """The worker's handle on its engine: started on first need, started again if it died."""

    def __init__(self, max_memory_mb: int) -> None:
        self.max_memory_mb = max_memory_mb
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        # Set when the engine said it is not the command's Tesseract (or could not start): the children then
        # run the command, for the container's life.
        self.disabled = False

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        env = helper_environment(PYTHONPATH=os.pathsep.join(p for p in sys.path if p), OMP_THREAD_LIMIT="1")
        self._process = subprocess.Popen(
            [sys.executable, "-c",
             f"from clea_intake.documents.tesseract_engine import serve; serve({theirs.fileno()}, {self.max_memory_mb})"],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, close_fds=True,
        )  # fmt: skip
        theirs.close()
        self._control = ours
        ours.settimeout(_START_S)
        try:
            hello = ours.recv(1)
        except OSError:
            hello = b""
        ours.settimeout(None)
        if hello != b"1":
            logger.warning("loaded Tesseract engine not used", extra={"reason": "other version" if hello else "no start"})
            self.disabled = True
            self.stop()

    def detach(self) -> None:
        """In a forked child: let go of the worker's handle without touching the engine."""
        if self._control is not None:
            self._control.close()
        self._control, self._process = None, None

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            self._process = None

    def channel(self) -> socket.socket | None:
        """A new connection to the engine for one child, or None if the engine cannot be reached."""
        for _attempt in (1, 2):
            if self.disabled:
                return None
            if self._process is None or self._process.poll() is not None:
                self.stop()
                self._start()
                if self.disabled:
                    return None
            assert self._control is not None
            child_end, engine_end = socket.socketpair()
            try:
                socket.send_fds(self._control, [b"c"], [engine_end.fileno()])
            except OSError:
                child_end.close()
                self.stop()
                continue
            finally:
                engine_end.close()
            return child_end
        return None


def _language_ok(language: bytes) -> bool:
    return bool(language) and all(c in b"abcdefghijklmnopqrstuvwxyz_+" for c in language)


def _read(conn: socket.socket, apis: dict, tesserocr) -> bool:
    """Answer one request on `conn`; False when the connection is finished (closed or malformed)."""
    header = _recv_exact(conn, _REQUEST.size)
    if header is None:
        return False
    method, channels, width, height, timeout_ms, lang_size = _REQUEST.unpack(header)
    language = _recv_exact(conn, lang_size) if lang_size else b""
    if (method not in METHODS.values() or channels not in (1, 3) or not 0 < width * height <= MAX_PIXELS
            or language is None or not _language_ok(language)):  # fmt: skip
        return False
    pixels = _recv_exact(conn, width * height * channels)
    if pixels is None:
        return False
    lang = language.decode("ascii")
    psm = 3 if method == METHODS["layout_text"] else 6
    status, text = _OK, ""
    try:
        api = apis.get((lang, psm, method))
        if api is None:
            api = apis[(lang, psm, method)] = tesserocr.PyTessBaseAPI(lang=lang, psm=psm)
            if method == METHODS["mrz_text"]:
                api.SetVariable("tessedit_char_whitelist", MRZ_CHARSET)
        # A new command-line process starts without what the classifier learnt on earlier pages.
        api.ClearAdaptiveClassifier()
        # The raw pixels, as the command's PNM gives them: no resolution, so Tesseract estimates it the same
        # way (tesserocr's SetImage passes a PIL image through BMP, whose 96 dpi changes the layout found).
        # Tesseract does not copy the buffer: `pixels` stays referenced until the text is out.
        api.SetImageBytes(pixels, width, height, channels, width * channels)
        if api.Recognize(timeout_ms):
            text = api.GetUTF8Text()
        else:
            status = _TIMED_OUT
        api.Clear()
    except (RuntimeError, MemoryError) as exc:  # a language without data, an engine out of memory
        status, text = _ENGINE_ERROR, f"{type(exc).__name__}: {exc}"
    data = text.encode("utf-8")
    conn.sendall(_ANSWER.pack(status, len(data)) + data)
    return True


def _version(banner: str) -> str:
    """'5.3.0' from 'tesseract 5.3.0\n leptonica-1.82.0 …'."""
    words = banner.split()
    return words[1] if len(words) > 1 and words[0] == "tesseract" else ""


def _command_version() -> str:
    try:
        done = subprocess.run(["tesseract", "--version"], capture_output=True, timeout=_START_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "none"
    return _version(done.stdout.decode("utf-8", errors="replace")) or "none"


def serve(control_fd: int, max_memory_mb: int) -> None:
    """The engine process: one child's connection at a time, each served until the child closes it."""
    memory = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    control = socket.socket(fileno=control_fd)
    import tesserocr

    control.sendall(b"1" if _version(tesserocr.tesseract_version()) == _command_version() else b"0")
    apis: dict = {}
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not fds:
            return  # the worker is gone
        conn = socket.socket(fileno=fds[0])
        try:
            while _read(conn, apis, tesserocr):
                pass
        except OSError:
            pass  # the child was killed meanwhile: its answer has no reader
        finally:
            conn.close()
