"""Re-run a read-modify-write when another writer changed the case in between (optimistic locking)."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from clea_intake.domain.errors import StaleCase, WriteConflict

# Errors after which the same read-decide-write may run again: nothing was written.
RETRYABLE = (StaleCase, WriteConflict)

P = ParamSpec("P")
T = TypeVar("T")


def on_stale_case(attempts: int = 8) -> Callable[[Callable[P, T]], Callable[P, T]]:
    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            for attempt in range(attempts):
                try:
                    return func(*args, **kwargs)
                except RETRYABLE:
                    if attempt == attempts - 1:
                        raise
                    # A conflict with another writer clears in milliseconds: back off a little, with jitter.
                    time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 5)))
            raise AssertionError("unreachable")
        return wrapper
    return decorate
