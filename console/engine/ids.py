"""Ids for server events, items, responses and calls; seedable for deterministic tests."""

from __future__ import annotations

import random
import string

_ALPHABET = string.ascii_letters + string.digits


class IdGenerator:
    """Ids shaped like the real API's (`event_` + 21 characters); seeded means reproducible."""

    def __init__(self, seed: int | None = None) -> None:
        # SystemRandom when unseeded: ids of concurrent sessions must not collide across runs.
        self._random: random.Random = (
            random.Random(seed) if seed is not None else random.SystemRandom()
        )

    def new(self, prefix: str, length: int = 21) -> str:
        return f"{prefix}_{''.join(self._random.choices(_ALPHABET, k=length))}"

    def event(self) -> str:
        return self.new("event")

    def item(self) -> str:
        return self.new("item")

    def response(self) -> str:
        return self.new("resp")

    def call(self) -> str:
        return self.new("call", 16)
