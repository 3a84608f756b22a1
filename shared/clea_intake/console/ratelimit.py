"""A token bucket per signed-in person: the console API's own rate limit.

On AWS the HTTP API stage throttles every caller together (template.yaml); this bucket, in the API layer,
limits each token's identity on its own, on AWS (per warm container) and on the local stack alike.
A person working a queue makes a few requests a second at most; a script looping on the API does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

# 10 requests a second sustained, bursts of 40 (a page opening fires a handful at once).
RATE_PER_SECOND = 10.0
BURST = 40


@dataclass
class TokenBuckets:
    rate: float = RATE_PER_SECOND
    burst: int = BURST
    clock: Callable[[], float] | None = None
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)   # identity -> (tokens, last time)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _now(self) -> float:
        import time

        return (self.clock or time.monotonic)()

    def take(self, identity: str) -> float:
        """0 when the request may go on; else the seconds to wait before the next one would."""
        now = self._now()
        with self._lock:
            tokens, last = self._buckets.get(identity, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if len(self._buckets) > 10_000:   # never grows without bound: forget the least recent half
                for key in sorted(self._buckets, key=lambda k: self._buckets[k][1])[:5_000]:
                    del self._buckets[key]
            if tokens >= 1:
                self._buckets[identity] = (tokens - 1, now)
                return 0.0
            self._buckets[identity] = (tokens, now)
            return (1 - tokens) / self.rate
