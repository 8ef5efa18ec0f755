"""Pacing sends under a rate: fixed slots one interval apart, so no second ever holds more than the rate."""

import threading
import time
from collections.abc import Callable

# Slots are spaced for slightly less than the rate: sleeps overshoot, and a catch-up after one must not
# put more sends than the rate into any one-second window.
_HEADROOM = 0.98


class Pacer:
    """Waits before each send until its slot; after an idle spell it starts afresh instead of bursting."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a pacing rate must be positive")
        self.interval = 1.0 / (per_second * _HEADROOM)
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None
        # Threads sharing one pacer (the local stack runs a function's concurrent batches that way) queue up.
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next send may go."""
        with self._lock:
            now = self._clock()
            if self._next is None or now - self._next > self.interval:
                # Idle (or hopelessly late): start afresh, with no credit for the slots missed.
                self._next = now
            if self._next > now:
                self._sleep(self._next - now)
            # Up to one interval of lateness (a sleep overshot) is caught up on the next slots.
            self._next += self.interval
