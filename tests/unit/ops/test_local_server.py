"""Unit tests for clea_intake.local.server: the port check and the serve loop, on a stand-in stack."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from rich.console import Console

from clea_intake import clock
from clea_intake.local import server
from clea_intake.local.names import StackNames
from clea_intake.local.stack import StackNotSettled


class FakeStack:
    """What serve() uses of LocalStack; `on_settle(stack, count)` runs at every settle."""

    instances: list[FakeStack] = []

    def __init__(self, on_settle: Callable[[FakeStack, int], None], server_port: int) -> None:
        self.names = StackNames()
        self.endpoint_url = f"http://127.0.0.1:{server_port}"
        self.on_settle = on_settle
        self.settles = 0
        self.ticks: list[object] = []
        self.exited = False
        FakeStack.instances.append(self)

    def __enter__(self) -> FakeStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.exited = True

    def settle(self, timeout: float | None = None) -> None:
        self.settles += 1
        self.on_settle(self, self.settles)

    def tick(self, moment: object = None) -> None:
        self.ticks.append(moment)


def _run(monkeypatch: pytest.MonkeyPatch, on_settle: Callable[[FakeStack, int], None], stop: threading.Event,
         **kwargs: object) -> tuple[int, FakeStack, str]:
    FakeStack.instances.clear()
    monkeypatch.setattr(server, "LocalStack", lambda server_port: FakeStack(on_settle, server_port))
    monkeypatch.setattr(server, "port_problem", lambda port: None)
    out = StringIO()
    code = server.serve(5999, stop=stop, console=Console(file=out, width=200), **kwargs)
    return code, FakeStack.instances[0], out.getvalue()


def test_port_problem_free_port_is_none() -> None:
    # Given a port the system just handed out and released
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # When it is checked  Then nothing stands in the way
    assert server.port_problem(port) is None


def test_port_problem_port_in_use_names_it() -> None:
    # Given a port another program listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # When it is checked  Then the reason says so and suggests --port
        problem = server.port_problem(port)
    assert problem is not None and "already in use" in problem and "--port" in problem


@pytest.mark.parametrize("port", [0, 70000])
def test_port_problem_outside_tcp_range_is_refused(port: int) -> None:
    # Given a number that is no TCP port  When it is checked  Then it is refused
    assert "not a TCP port" in (server.port_problem(port) or "")


def test_serve_port_in_use_returns_2_without_starting_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a busy port, and a stack that must not be started
    monkeypatch.setattr(server, "LocalStack", lambda **kw: pytest.fail("the stack was started"))
    out = StringIO()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # When serve is asked for it
        code = server.serve(taken.getsockname()[1], console=Console(file=out, width=200))
    # Then it stops at once with exit code 2 and the reason
    assert code == server.PORT_UNAVAILABLE == 2
    assert "already in use" in out.getvalue()


def test_serve_stop_event_ends_loop_and_releases_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stop event set after the third settle
    stop = threading.Event()
    # When serve runs
    code, stack, out = _run(monkeypatch, lambda s, n: n >= 3 and stop.set(), stop)
    # Then it returns 0 after three rounds, having printed how to reach it, and the stack was stopped
    assert (code, stack.settles, stack.exited) == (0, 3, True)
    assert "aws --endpoint-url http://127.0.0.1:5999 s3 cp application.json s3://clea-intake-documents/" in out
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:5999 clea-intake case" in out
    assert "stopped" in out


def test_serve_sweep_due_ticks_on_the_real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a sweep due at every round and the real clock
    clock.set_now(None)
    stop = threading.Event()
    # When serve runs two rounds
    _, stack, _ = _run(monkeypatch, lambda s, n: n >= 2 and stop.set(), stop, sweep_every=timedelta(0))
    # Then the sweeper ran without a moment, so the clock was never frozen
    assert stack.ticks and all(moment is None for moment in stack.ticks)
    assert clock._fixed is None


def test_serve_stuck_stack_is_reported_and_loop_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stack whose first settle times out
    stop = threading.Event()

    def settle(stack: FakeStack, count: int) -> None:
        if count == 1:
            raise StackNotSettled("still busy: executions ['NA-CLEA-2026-000001']")
        stop.set()

    # When serve runs  Then the timeout is shown and the next round still happens
    code, stack, out = _run(monkeypatch, settle, stop)
    assert (code, stack.settles) == (0, 2)
    assert "still busy" in out


def test_serve_keyboard_interrupt_returns_0_and_releases_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Ctrl-C pressed while the stack settles
    def interrupt(stack: FakeStack, count: int) -> None:
        raise KeyboardInterrupt

    # When serve runs  Then it stops cleanly
    code, stack, _ = _run(monkeypatch, interrupt, threading.Event())
    assert (code, stack.exited) == (0, True)


def test_serve_in_main_thread_treats_stop_signals_as_interrupt_then_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given SIGINT ignored, as a shell starts a background job, and serve running in the main thread
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    before_term = signal.getsignal(signal.SIGTERM)
    stop = threading.Event()
    seen = []

    def look(stack: FakeStack, count: int) -> None:
        seen.append((signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)))
        stop.set()

    try:
        # When it runs
        _run(monkeypatch, look, stop)
        after = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    finally:
        signal.signal(signal.SIGINT, previous_int)
    # Then both signals raised KeyboardInterrupt during the run, and the old handlers are back after
    assert seen == [(signal.default_int_handler, signal.default_int_handler)]
    assert after == (signal.SIG_IGN, before_term)


def test_serve_in_thread_leaves_signal_handlers_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given serve started in a worker thread (signal handlers belong to the main thread)
    stop = threading.Event()
    result: list[int] = []
    FakeStack.instances.clear()
    monkeypatch.setattr(server, "LocalStack", lambda server_port: FakeStack(lambda s, n: stop.set(), server_port))
    monkeypatch.setattr(server, "port_problem", lambda port: None)
    before = signal.getsignal(signal.SIGTERM)
    worker = threading.Thread(target=lambda: result.append(
        server.serve(5999, stop=stop, console=Console(file=StringIO()))))
    # When it runs to its stop event
    worker.start()
    worker.join(10)
    # Then it returned 0 and the handler was never touched
    assert result == [0]
    assert signal.getsignal(signal.SIGTERM) is before
