"""A connection's recogniser on a thread of its own, fed as the audio arrives."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, Protocol

import numpy as np

from console.dsp import Resampler, Samples

log = logging.getLogger(__name__)


class Frames:
    """Audio of any rate, as it arrives, in 20 ms frames at the recogniser's ``rate``."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._resampler: Resampler | None = None

    def __call__(self, samples: Samples, rate: int) -> Iterator[Samples]:
        if self._resampler is None or self._resampler.src_rate != rate:
            self._resampler = Resampler(rate, self.rate)
        audio = self._resampler.filter(samples).astype(np.float32)
        step = self.rate // 50
        for start in range(0, len(audio), step):
            yield audio[start : start + step]


class ToolsHeard:
    """Every tool a connection's sessions have offered: a caller may still ask for one of an
    agent met before (the weather, put to Billing after a refund)."""

    def __init__(self) -> None:
        self._known: dict[str, dict[str, Any]] = {}

    def offered(
        self, tools: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(the session's tools now, those of earlier sessions that it no longer offers)."""
        current = {str(t.get("name")): t for t in tools if isinstance(t, dict)}
        earlier = [t for name, t in self._known.items() if name not in current]
        self._known.update(current)
        return list(current.values()), earlier


class Recognising(Protocol):
    """A synchronous recogniser: adapted to the session, one utterance at a time."""

    def adapt(self, instructions: str, tools: list[dict[str, Any]]) -> None: ...
    def begin(self) -> None: ...
    def feed(self, samples: Samples, rate: int) -> None: ...
    def end(self) -> str: ...


class Listening:
    """One connection's recogniser on its own thread; every method returns at once."""

    def __init__(self, make: Callable[[], Recognising], name: str) -> None:
        self._make, self.name = make, name
        self._queue: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="rtconsole-ear", daemon=True)
        self._thread.start()

    def adapt(self, instructions: str, tools: list[dict[str, Any]]) -> None:
        """Expect what callers of this agent say (the session's instructions and tools)."""
        self._queue.put(("adapt", instructions, tools))

    def begin(self) -> None:
        self._queue.put(("begin",))

    def feed(self, samples: Samples, rate: int) -> None:
        self._queue.put(("feed", samples, rate))

    def end(self) -> Future[str]:
        """The utterance's transcript ("" when nothing was recognised)."""
        done: Future[str] = Future()
        self._queue.put(("end", done))
        return done

    def cancel(self) -> None:
        self._queue.put(("end", None))

    def hear(self, samples: Samples, rate: int) -> Future[str]:
        """A whole clip (audio that arrived in one piece)."""
        self.begin()
        self.feed(samples, rate)
        return self.end()

    def close(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        try:
            recogniser: Recognising | None = self._make()
        except Exception as exc:  # no model: every utterance is heard as nothing
            log.warning("%s could not start: %s", self.name, exc)
            recogniser = None
        warned = False
        while (command := self._queue.get()) is not None:
            kind = command[0]
            done: Future[str] | None = command[1] if kind == "end" else None
            try:
                if recogniser is None:
                    if done is not None:
                        done.set_result("")
                elif kind == "adapt":
                    recogniser.adapt(command[1], command[2])
                elif kind == "begin":
                    recogniser.begin()
                elif kind == "feed":
                    recogniser.feed(command[1], command[2])
                else:
                    text = recogniser.end()
                    if done is not None:
                        done.set_result(text)
            except Exception as exc:  # a broken model must cost a transcript, not the session
                if not warned:
                    log.warning("%s failed: %s", self.name, exc)
                warned = True
                if done is not None and not done.done():
                    done.set_result("")
