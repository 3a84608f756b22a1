"""`clea-intake serve`: the local stack on 127.0.0.1 for the AWS CLI and SDKs, with its event pump running."""

from __future__ import annotations

import errno
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.console import Console

from clea_intake import clock
from clea_intake.local.console import mount as mount_console
from clea_intake.local.stack import LocalStack, StackNotSettled

HOST = "127.0.0.1"
# Exit codes: 0 stopped on request, 2 the port could not be used.
PORT_UNAVAILABLE = 2


def port_problem(port: int) -> str | None:
    """Why the stack cannot listen on 127.0.0.1:port, or None when it can.

    moto's server thread only logs a busy port and never answers, so the check is made before starting it.
    """
    if not 1 <= port <= 65535:
        return f"port {port} is not a TCP port (1-65535)"
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Same option as the HTTP server: a port left in TIME_WAIT by a previous run is usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((HOST, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return f"port {port} on {HOST} is already in use (another `clea-intake serve`?); choose another with --port"
        return f"cannot listen on {HOST}:{port}: {exc.strerror or exc}"
    finally:
        probe.close()
    return None


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM stop the server as Ctrl-C does, so that the stack is released.

    SIGTERM is what kill, docker stop and test harnesses send; SIGINT is set too because a shell starts
    a background job (`clea-intake serve &` in a script) with SIGINT ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; a threaded serve() stops through its Event
        return
    previous = {signum: signal.signal(signum, signal.default_int_handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def banner(stack: LocalStack) -> list[str]:
    """What a developer needs to reach the stack: endpoint, names, and the commands to try."""
    names, url = stack.names, stack.endpoint_url
    case = "NA-CLEA-2026-000123"
    return [
        f"clea-intake local stack on {url} (region {names.region}, any access key)",
        f"  bucket {names.bucket}, table {names.table}",
        f"  state machine {names.state_machine_arn}",
        f"  upload: aws --endpoint-url {url} s3 cp application.json "
        f"s3://{names.bucket}/applications/{case}/application.json",
        f"  watch:  AWS_ENDPOINT_URL={url} clea-intake case {case}",
        "Ctrl-C to stop.",
    ]


def console_lines(stack: LocalStack, passwords: dict[str, str]) -> list[str]:
    """The console's address, and the demo users' passwords: printed once, kept nowhere."""
    lines = [f"  console: {stack.endpoint_url}/console/ (API {stack.endpoint_url}/api/, schema /api/docs)"]
    lines += [f"  console user {user}: {password}" for user, password in passwords.items()]
    return lines


def serve(port: int = 5000, *, stop: threading.Event | None = None, sweep_every: timedelta = timedelta(hours=1),
          console: Console | None = None, demo_users: bool = False) -> int:
    """Run until interrupted (or `stop` is set): deliver S3 events to the handlers, sweep deadlines hourly.

    The clock is the real one: deadlines are swept as they pass, every `sweep_every`.
    """
    console = console or Console()
    stop = stop or threading.Event()
    problem = port_problem(port)
    if problem:
        console.print(f"[red]clea-intake serve: {problem}[/red]", soft_wrap=True)
        return PORT_UNAVAILABLE
    with _stop_signals_interrupt():
        try:
            with LocalStack(server_port=port) as stack:
                serve_stack(stack, stop=stop, sweep_every=sweep_every, console=console, demo_users=demo_users)
        except KeyboardInterrupt:
            pass
    console.print("clea-intake local stack stopped.", highlight=False)
    return 0


def serve_stack(stack: LocalStack, *, stop: threading.Event | None = None, sweep_every: timedelta = timedelta(hours=1),
                console: Console | None = None, demo_users: bool = False) -> None:
    """Put the console on a started server-mode stack, say where, and pump its events until stopped."""
    console = console or Console()
    stop = stop or threading.Event()
    _pool, passwords = mount_console(stack, with_demo_users=demo_users)
    for line in banner(stack) + console_lines(stack, passwords):
        # soft_wrap: a command cut at the terminal's width could not be pasted.
        console.print(line, soft_wrap=True, highlight=False)
    _pump(stack, stop, sweep_every, console)


def _pump(stack: LocalStack, stop: threading.Event, sweep_every: timedelta, console: Console) -> None:
    last_sweep = clock.now()
    while not stop.is_set():
        try:
            stack.settle(timeout=30)
            if clock.now() - last_sweep >= sweep_every:
                last_sweep = clock.now()
                # No moment given: tick(moment) would freeze the clock there, and serve runs on real time.
                stack.tick()
        except StackNotSettled as busy:
            # A stuck execution or a poisoned queue must not stop the server: say so and keep pumping.
            console.print(f"[yellow]{busy}[/yellow]")
        stop.wait(0.2)
