"""`clea-intake serve`: the local stack on 127.0.0.1 for the AWS CLI and SDKs, with its event pump running."""

from __future__ import annotations

import threading
from datetime import timedelta

from rich.console import Console

from clea_intake import clock
from clea_intake.local.stack import LocalStack, StackNotSettled


def serve(port: int = 5000, *, stop: threading.Event | None = None, sweep_every: timedelta = timedelta(hours=1),
          console: Console | None = None) -> int:
    """Run until interrupted (or `stop` is set): deliver S3 events to the handlers, sweep deadlines hourly."""
    console = console or Console()
    stop = stop or threading.Event()
    with LocalStack(server_port=port) as stack:
        names = stack.names
        console.print(f"clea-intake local stack on {stack.endpoint_url}")
        console.print(f"  bucket {names.bucket}, table {names.table}, state machine {names.state_machine_arn}")
        console.print(f"  aws --endpoint-url {stack.endpoint_url} s3 cp application.json "
                      f"s3://{names.bucket}/applications/NA-CLEA-2026-000123/application.json")
        console.print("Ctrl-C to stop.")
        last_sweep = clock.now()
        try:
            while not stop.is_set():
                try:
                    stack.settle(timeout=30)
                except StackNotSettled as busy:
                    console.print(f"[yellow]{busy}[/yellow]")
                if clock.now() - last_sweep >= sweep_every:
                    stack.tick(clock.now())
                    last_sweep = clock.now()
                stop.wait(0.2)
        except KeyboardInterrupt:
            pass
    return 0
