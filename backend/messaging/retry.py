"""How often and how patiently the outbox retries a transient send failure."""

from __future__ import annotations

import random
from dataclasses import dataclass

from backend.platform.settings import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts before a message is dead-lettered, and the backoff between them."""

    max_attempts: int = 6
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(max_attempts=settings.outbox_max_attempts,
                   backoff_base_s=settings.outbox_backoff_base_s,
                   backoff_max_s=settings.outbox_backoff_max_s)

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter in [50%, 100%] of the step: the jitter spreads a
        burst of failures (a provider outage) so the retries don't all land at once, while
        the floor keeps a retry from coming back almost immediately."""
        step = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(attempt - 1, 30))
        return step * rng.uniform(0.5, 1.0)
