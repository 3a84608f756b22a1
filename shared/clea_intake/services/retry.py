"""Re-run a read-modify-write when another writer changed the case in between (optimistic locking)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from clea_intake.domain.errors import StaleCase

P = ParamSpec("P")
T = TypeVar("T")


def on_stale_case(attempts: int = 8) -> Callable[[Callable[P, T]], Callable[P, T]]:
    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            for attempt in range(attempts):
                try:
                    return func(*args, **kwargs)
                except StaleCase:
                    if attempt == attempts - 1:
                        raise
            raise AssertionError("unreachable")
        return wrapper
    return decorate
