"""The one place that reads the time; the local stack sets it so that a season can be simulated."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

_lock = threading.Lock()
_fixed: datetime | None = None


def now() -> datetime:
    with _lock:
        return _fixed if _fixed is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware), or give back the real time with None."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the simulated clock needs an aware datetime")
    global _fixed
    with _lock:
        _fixed = moment
