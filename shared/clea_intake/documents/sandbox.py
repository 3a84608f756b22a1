"""Untrusted bytes in a box: one file is sniffed, decoded, rendered and read in a child process with an
address-space limit (RLIMIT_AS), a CPU-time limit (RLIMIT_CPU) and a wall-clock budget, from the policy.

A warm worker (a fresh interpreter that has imported the readers, started once per container) forks one
child per file. Each file so gets a new address space: a bomb or a compromised parser costs one child,
never the function, its batch or the next applicant's file. The worker reports the child's peak memory
(ru_maxrss, Tesseract included) and CPU time, and is started again if it ever dies.

OCR runs in the child when the provider is the project's own picklable one (Tesseract); any other provider
(Textract's boto3 client, a test's fake) is called back in the parent with the child's page images.
`SystemFault`s (an OCR engine missing or throttled) cross back as the same class: never a finding.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import resource
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from clea_intake import helper_environment
from clea_intake.domain.errors import DocumentRejected, ProcessingLimit
from clea_intake.domain.policy import Policy, SandboxLimits, all_policies, current_policy

if TYPE_CHECKING:
    from clea_intake.documents.ocr import OcrProvider
    from clea_intake.documents.result import DocumentReading

logger = logging.getLogger(__name__)

OCR_METHODS = ("image_text", "mrz_text", "layout_text")
_HEADER = struct.Struct("!Q")
# What the parent tells the worker with each child's socket: the wall-clock budget, and whether it runs Tesseract.
_CONTROL = struct.Struct("!d?")
# A reading is a few kilobytes; a page image sent to the parent's OCR at most the pixel limit in RGB.
_MAX_ANSWER_BYTES = 512 * 1024 * 1024
# The worker may take this long to start (imports) and to answer beyond the child's own budget.
_GRACE_S = 30.0


@dataclass(frozen=True)
class Usage:
    """What one child used: peak resident memory (its own and its children's, such as Tesseract)."""

    peak_memory_bytes: int
    cpu_seconds: float
    wall_seconds: float


@dataclass(frozen=True)
class Sandboxed:
    """The value a child returned, or the limit it hit ("memory", "cpu", "wall", "crash"), and its usage."""

    value: Any
    usage: Usage
    limit: str | None = None


class SandboxError(RuntimeError):
    """The child raised an error of ours that could not be carried back as itself (a bug, not the file)."""


# ---------------------------------------------------------------- framing


def _send(sock: socket.socket, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exact(sock: socket.socket, size: int, deadline: float | None) -> bytes | None:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise TimeoutError
        chunk = sock.recv(min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


# What the parent accepts from a child: a compromised parser must not make the parent run anything, so
# only these classes can come back (the readings and the errors of ours that cross as themselves).
_CHILD_CLASSES = {
    "clea_intake.documents.result": {"DocumentReading"},
    "clea_intake.domain.findings": {"DocType", "Finding"},
    "clea_intake.domain.errors": None,  # any of the project's own errors
    "clea_intake.documents.ocr": {"OcrError"},
    "clea_intake.documents.sandbox": {"SandboxError"},
    "datetime": {"date", "datetime", "timedelta", "timezone"},
    "decimal": {"Decimal"},
}


class _ChildUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins":
            found = getattr(__import__("builtins"), name, None)
            if isinstance(found, type) and (issubclass(found, BaseException)
                                            or found in (list, dict, set, frozenset, tuple, str, bytes, int,
                                                         float, bool)):
                return found
        elif module in _CHILD_CLASSES:
            allowed = _CHILD_CLASSES[module]
            if allowed is None or name in allowed:
                found = super().find_class(module, name)
                if isinstance(found, type):
                    return found
        raise pickle.UnpicklingError(f"{module}.{name} is not accepted from the sandbox")


def _recv(sock: socket.socket, deadline: float | None = None, *, from_child: bool = False) -> Any:
    """The next message, or None when the other side closed (a killed child may leave half a frame)."""
    header = _recv_exact(sock, _HEADER.size, deadline)
    if header is None:
        return None
    size = _HEADER.unpack(header)[0]
    if from_child and size > _MAX_ANSWER_BYTES:
        raise pickle.UnpicklingError("answer too large")
    payload = _recv_exact(sock, size, deadline)
    if payload is None:
        return None
    return _ChildUnpickler(io.BytesIO(payload)).load() if from_child else pickle.loads(payload)


# ---------------------------------------------------------------- the policy, sent once


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def policy_digest(policy: Policy) -> str:
    """A digest of the policy's content, the same in every process (sets sorted, whatever the hash seed)."""
    import hashlib
    import json

    dumped = json.dumps(_canonical(policy.model_dump()), sort_keys=True, default=str)
    return hashlib.sha256(dumped.encode("utf-8")).hexdigest()


_DIGESTS: dict[int, tuple[Policy, str]] = {}


def _digest_of(policy: Policy) -> str:
    """policy_digest, computed once per policy object (the parent sends the same few policies again and again)."""
    known = _DIGESTS.get(id(policy))
    if known is None or known[0] is not policy:
        if len(_DIGESTS) > 32:
            _DIGESTS.clear()
        known = _DIGESTS[id(policy)] = (policy, policy_digest(policy))
    return known[1]


# The worker's own policies (the package's files, loaded before it forks), by digest: a request for one of them
# names it instead of carrying it, so that no child unpickles the policy again for each file.
_WORKER_POLICIES: dict[str, Policy] = {}


# ---------------------------------------------------------------- the parent's side


class Sandbox:
    """The parent's handle on its warm worker; one per process, used by one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._worker: Any = None
        self._control: socket.socket | None = None
        self._policies: frozenset[str] | None = None   # the digests of the worker's policies, once it said them

    def _start(self) -> None:
        import subprocess

        parent_end, worker_end = socket.socketpair()
        # One OpenMP thread and few malloc arenas: less address space reserved per thread.
        env = helper_environment(PYTHONPATH=os.pathsep.join(p for p in sys.path if p), OMP_THREAD_LIMIT="1",
                                 MALLOC_ARENA_MAX="2")
        self._worker = subprocess.Popen(
            [sys.executable, "-c", f"from clea_intake.documents.sandbox import serve; serve({worker_end.fileno()})"],
            pass_fds=(worker_end.fileno(),), stdin=subprocess.DEVNULL, stdout=sys.stderr.fileno(), env=env,
            close_fds=True,
        )
        worker_end.close()
        self._control = parent_end

    def _stop(self) -> None:
        self._policies = None
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._worker is not None:
            if self._worker.poll() is None:
                self._worker.kill()
            self._worker.wait()
            self._worker = None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def run(self, task: str, kwargs: dict[str, Any], limits: SandboxLimits,
            ocr: OcrProvider | None = None) -> Sandboxed:
        """Run `task` (a name of TASKS) on `kwargs` in a fresh child within `limits`."""
        with self._lock:
            for attempt in (1, 2):
                if self._worker is None or self._worker.poll() is not None:
                    self._stop()
                    self._start()
                try:
                    result = self._run(task, kwargs, limits, ocr)
                except (OSError, TimeoutError, EOFError):
                    # The worker itself died or hung (never the file's doing: its child did the work).
                    self._stop()
                    if attempt == 2:
                        raise
                    continue
                if isinstance(result, BaseException):
                    raise result  # what the child raised, as itself (an OcrUnavailable stays one)
                return result
            raise AssertionError("unreachable")

    def _run(self, task: str, kwargs: dict[str, Any], limits: SandboxLimits,
             ocr: OcrProvider | None) -> Sandboxed | BaseException:
        assert self._control is not None
        if self._policies is None:
            hello = _recv(self._control, time.monotonic() + _GRACE_S)  # sent once the worker is warm
            if not isinstance(hello, dict) or not isinstance(hello.get("policies"), list):
                raise EOFError("the sandbox worker did not start")
            self._policies = frozenset(hello["policies"])
        request: dict[str, Any] = {"task": task, "kwargs": kwargs}
        if isinstance(kwargs.get("policy"), Policy):
            digest = _digest_of(kwargs["policy"])
            if digest in self._policies:
                request = {"task": task, "kwargs": {k: v for k, v in kwargs.items() if k != "policy"},
                           "policy": digest}
        ours, theirs = socket.socketpair()
        try:
            own_ocr, methods = _ocr_spec(ocr)
            # The worker gives the child a connection to its loaded Tesseract when the child will run Tesseract:
            # the caller's Tesseract, or the default one when no provider is given (no calls back, `methods`).
            socket.send_fds(self._control, [_CONTROL.pack(limits.max_wall_seconds, methods is None)],
                            [theirs.fileno()])  # fmt: skip
            theirs.close()
            policy_pixels = kwargs["policy"].documents.max_image_pixels if "policy" in kwargs else 0
            # The caller's PATH goes with the request: the OCR engine is looked up where the caller would look,
            # so an engine installed (or removed) after the worker started is seen by the next file.
            _send(ours, {**request, "limits": limits, "ocr": own_ocr, "proxy": methods,
                         "path": os.environ.get("PATH", "")})
            deadline = time.monotonic() + limits.max_wall_seconds + _GRACE_S
            outcome: tuple[str, Any] | None = None
            while True:
                try:
                    message = _recv(ours, deadline, from_child=True)
                except TimeoutError:
                    break  # the worker kills the child at its own deadline; its report follows
                except (pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError):
                    logger.warning("sandbox answer refused", extra={"task": task})
                    outcome = ("error", "the child's answer was refused")
                    break
                if message is None:
                    break
                if not isinstance(message, tuple) or len(message) < 2:
                    outcome = ("error", "the child's answer was refused")
                    break
                kind = message[0]
                if kind == "ocr":
                    answer = _call_ocr(ocr, methods or [], message[1:], policy_pixels)
                    try:
                        _send(ours, answer)
                    except OSError:
                        break  # the child was killed meanwhile (its budget ran out)
                    continue
                outcome = message
                break
        finally:
            ours.close()
        report = _recv(self._control, time.monotonic() + _GRACE_S)
        if report is None:
            raise EOFError("the sandbox worker stopped")
        usage = Usage(report["maxrss"], report["cpu"], report["wall"])
        limit = report["limit"]
        if limit is None and outcome is None:
            limit = "crash"
        if limit is None and outcome is not None and outcome[0] == "limit":
            limit = outcome[1]
        if limit is not None:
            logger.warning("sandbox limit", extra={"task": task, "limit": limit, **_usage_extra(usage)})
            return Sandboxed(None, usage, limit)
        assert outcome is not None
        if outcome[0] == "raise" and isinstance(outcome[1], BaseException):
            return outcome[1]
        if outcome[0] != "ok":
            return SandboxError(str(outcome[1])[:2000])
        logger.info("sandbox run", extra={"task": task, **_usage_extra(usage)})
        return Sandboxed(outcome[1], usage)


def _usage_extra(usage: Usage) -> dict[str, float]:
    return {"peak_memory_mb": round(usage.peak_memory_bytes / 1e6, 1), "cpu_s": round(usage.cpu_seconds, 3),
            "wall_s": round(usage.wall_seconds, 3)}


def _ocr_spec(ocr: OcrProvider | None) -> tuple[Any, list[str] | None]:
    """Tesseract itself (it runs in the child, under the child's limits), otherwise the names of the
    provider's methods, which the child calls back in the parent: a cloud provider's client and its
    credentials stay in the parent, never in the process that parses the file."""
    from clea_intake.documents.ocr import TesseractOcr

    if ocr is None:
        return None, None
    if type(ocr) is TesseractOcr:
        return ocr, None
    return None, [m for m in OCR_METHODS if callable(getattr(ocr, m, None))]


def _call_ocr(ocr: Any, methods: list[str], request: tuple, max_pixels: int) -> tuple[str, Any]:
    """One OCR call asked by the child: only the provider's OCR methods, on an image within the limits."""
    from PIL import Image

    try:
        method, mode, size, pixels = request
        width, height = size
        if (method not in methods or mode not in ("L", "RGB", "1") or not isinstance(pixels, bytes)
                or not (0 < width and 0 < height and width * height <= max_pixels)):
            raise ValueError("OCR request refused")
        image = Image.frombytes(mode, (width, height), pixels)
    except (ValueError, TypeError) as exc:
        return ("raise", SandboxError(str(exc)))
    try:
        return ("ok", getattr(ocr, method)(image))
    except Exception as exc:  # noqa: BLE001 - carried to the child, which raises it where OCR was called
        return ("raise", _portable(exc))


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a SandboxError naming it (its message may hold personal data)."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return SandboxError(type(exc).__name__)


_SANDBOX: Sandbox | None = None
_SANDBOX_LOCK = threading.Lock()


def sandbox() -> Sandbox:
    """The process's one sandbox (its worker starts on first use)."""
    global _SANDBOX
    with _SANDBOX_LOCK:
        if _SANDBOX is None:
            _SANDBOX = Sandbox()
        return _SANDBOX


# ---------------------------------------------------------------- what the parent asks


def read_pieces(data: bytes, *, filename: str, as_of: date, policy: Policy,
                ocr: OcrProvider | None = None) -> Sandboxed:
    """`pipeline.read_pieces` in a child; over a limit, the one reading says PROCESSING_LIMIT."""
    kwargs = {"data": data, "filename": filename, "as_of": as_of, "policy": policy}
    from clea_intake.documents.result import DocumentReading

    result = sandbox().run("read_pieces", kwargs, policy.sandbox, ocr)
    if result.limit is not None:
        return Sandboxed([_over_limit(data)], result.usage, result.limit)
    if not (isinstance(result.value, list) and result.value
            and all(isinstance(r, DocumentReading) for r in result.value)):
        raise SandboxError("the child's answer is not a list of readings")
    return result


def _over_limit(data: bytes) -> DocumentReading:
    import hashlib

    from clea_intake.documents.finding_codes import make_finding
    from clea_intake.documents.result import DocumentReading
    from clea_intake.documents.sources import sniff
    from clea_intake.domain.findings import DocType

    return DocumentReading(doc_type=DocType.UNKNOWN, confidence=0.0, fields={}, findings=[make_finding("PROCESSING_LIMIT")],
                           pages=0, text_source="none", media_type=sniff(data[:4096]),
                           sha256=hashlib.sha256(data).hexdigest())


def render_pages(data: bytes, *, media_type: str, dpi: int, max_pages: int,
                 policy: Policy | None = None) -> list[bytes]:
    """PNG images of the first `max_pages` pages of a PDF (or of an image), drawn in the sandbox.

    Raises DocumentRejected (the finding code) for a file that cannot be drawn, ProcessingLimit over a
    limit."""
    policy = policy or current_policy()
    kwargs = {"data": data, "media_type": media_type, "dpi": dpi, "max_pages": max_pages, "policy": policy}
    result = sandbox().run("render_pages", kwargs, policy.sandbox)
    if result.limit is not None:
        raise ProcessingLimit(result.limit)
    if not (isinstance(result.value, list) and all(isinstance(p, bytes) for p in result.value)):
        raise SandboxError("the child's answer is not a list of images")
    return result.value


# ---------------------------------------------------------------- the child's tasks


def _task_read_pieces(data: bytes, filename: str, as_of: date, policy: Policy, ocr: Any) -> list:
    from clea_intake.documents.reader import read_pieces_here

    return read_pieces_here(data, filename=filename, as_of=as_of, policy=policy, ocr=ocr)


def _task_render_pages(data: bytes, media_type: str, dpi: int, max_pages: int, policy: Policy, ocr: Any) -> list:
    from clea_intake.documents import sources

    limits = policy.documents
    try:
        found = sources.check_container(data, limits)
        if found != media_type:
            raise sources.Unreadable("AMBIGUOUS_FILE_TYPE", found)
        images = sources.page_images(data, found, limits, dpi=dpi, max_pages=max_pages)
    except sources.Unreadable as exc:
        raise DocumentRejected(exc.code) from None
    out = []
    for image in images:
        buffer = io.BytesIO()
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGB")  # PNG holds no CMYK (a scanner's JPEG) nor YCbCr
        image.save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out


TASKS = {"read_pieces": _task_read_pieces, "render_pages": _task_render_pages}


class _ProxyOcr:
    """The parent's OCR provider seen from the child: each call sends the page image over."""

    def __init__(self, sock: socket.socket, methods: list[str]) -> None:
        self._sock = sock
        for name in methods:
            setattr(self, name, self._caller(name))

    def _caller(self, method: str):
        def call(image):
            mode = image.mode if image.mode in ("L", "RGB", "1") else "RGB"
            image = image.convert(mode) if mode != image.mode else image
            _send(self._sock, ("ocr", method, mode, image.size, image.tobytes()))
            status, value = _recv(self._sock)
            if status == "raise":
                raise value
            return value

        return call


def _child(sock: socket.socket) -> None:
    """Runs in the forked child: limits first, then the request, then one answer."""
    request = _recv(sock)
    limits: SandboxLimits = request["limits"]
    memory = limits.max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.max_cpu_seconds, limits.max_cpu_seconds + 1))
    os.environ["PATH"] = str(request.get("path", os.environ.get("PATH", "")))
    kwargs = request["kwargs"]
    if "policy" in request:
        kwargs["policy"] = _WORKER_POLICIES[request["policy"]]
    ocr = request["ocr"]
    if ocr is None and request["proxy"] is not None:
        ocr = _ProxyOcr(sock, request["proxy"])
    try:
        value = TASKS[request["task"]](**kwargs, ocr=ocr)
        answer: tuple[str, Any] = ("ok", value)
    except MemoryError:
        answer = ("limit", "memory")
    except RecursionError:
        answer = ("limit", "structure")
    except Exception as exc:  # noqa: BLE001 - carried back; the parent raises it as itself
        try:
            pickle.dumps(exc)
            answer = ("raise", exc)
        except Exception:  # noqa: BLE001
            answer = ("error", f"{type(exc).__name__}: {traceback.format_exc(limit=-3)[-2000:]}")
    try:
        _send(sock, answer)
    except MemoryError:
        _send(sock, ("limit", "memory"))


# ---------------------------------------------------------------- the worker


def _wait(pid: int, deadline: float) -> tuple[int, Any, bool]:
    """(status, rusage, timed_out) of the child, killed at `deadline`."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    timed_out = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            timed_out = True
            _, status, usage = os.wait4(pid, 0)
            break
        if pidfd is not None:
            select.select([pidfd], [], [], left)
        else:
            time.sleep(min(left, 0.005))
    if pidfd is not None:
        os.close(pidfd)
    return status, usage, timed_out


def _warm_up() -> None:
    """Read one small bill (a stored PDF: the worker imports no PDF writer) and draw its page once, then the
    text of one piece of each type and layout (reader.warm_up), so that every child starts with the readers
    imported and their caches filled (a child's first use of a pattern would otherwise compile it and rebuild
    the word index, for every file); then freeze what exists, so a child's garbage collector does not copy it
    all."""
    import gc

    from clea_intake.documents.reader import read_pieces_here, warm_up, warm_up_file

    data = warm_up_file()
    policy = current_policy()
    try:
        read_pieces_here(data, filename="warm.pdf", as_of=date(2026, 3, 10), policy=policy, ocr=None)
        _task_render_pages(data, "application/pdf", 30, 1, policy, None)
        warm_up(policy)
    except Exception:  # noqa: BLE001 - warming is an optimisation; a child still reads without it
        logger.warning("sandbox warm-up failed")
    gc.collect()
    gc.freeze()


def serve(control_fd: int) -> None:
    """The warm worker: imports the readers once, then forks one child per file it is sent."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _warm_up()
    from clea_intake.documents import tesseract_engine

    # Tesseract with its models loaded, for every child that runs it (the command when tesserocr is absent).
    engine = None
    if tesseract_engine.available():
        engine = tesseract_engine.EngineProcess(current_policy().sandbox.max_memory_mb)
    control = socket.socket(fileno=control_fd)
    _WORKER_POLICIES.update((policy_digest(policy), policy) for policy in all_policies())
    try:
        _send(control, {"policies": sorted(_WORKER_POLICIES)})
    except OSError:
        return
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
        except OSError:
            return
        if not fds or len(message) != _CONTROL.size:
            return  # the parent is gone
        budget, runs_tesseract = _CONTROL.unpack(message)
        channel = socket.socket(fileno=fds[0])
        engine_channel = engine.channel() if runs_tesseract and engine is not None else None
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                control.close()
                if engine is not None:
                    engine.detach()
                tesseract_engine.connect_child(engine_channel)
                _child(channel)
            except BaseException:  # noqa: BLE001 - the parent sees no answer and reports a crash
                code = 70
            finally:
                os._exit(code)
        channel.close()
        if engine_channel is not None:
            engine_channel.close()
        status, usage, timed_out = _wait(pid, started + budget)
        wall = time.monotonic() - started
        limit = None
        if timed_out:
            limit = "wall"
        elif os.WIFSIGNALED(status):
            # SIGXCPU at the CPU limit; SIGKILL from the kernel out of memory; SIGSEGV or SIGABRT mostly from
            # C code that found no memory under the address-space limit.
            limit = {signal.SIGXCPU: "cpu", signal.SIGKILL: "memory"}.get(os.WTERMSIG(status), "crash")
        report = {"maxrss": usage.ru_maxrss * 1024, "cpu": usage.ru_utime + usage.ru_stime, "wall": wall,
                  "limit": limit}
        try:
            _send(control, report)
        except OSError:
            return

