"""The playback jitter buffer: per-item audio queues, prebuffering, fades, underruns (pure)."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Int16Array = npt.NDArray[np.int16]
ItemKey = tuple[str, int]
"""(item_id, content_index): the unit the playback tracker and truncation speak about."""

BufferState = Literal["idle", "buffering", "playing"]


@dataclass(slots=True)
class _Segment:
    key: ItemKey
    samples: Int16Array
    pos: int = 0

    @property
    def left(self) -> int:
        return len(self.samples) - self.pos


@dataclass(frozen=True, slots=True)
class _End:
    key: ItemKey


class JitterBuffer:
    """Audio waiting to be played, read in device-sized blocks by the output callback.

    - Prebuffering: after idle (or an underrun) nothing plays until ``prebuffer`` samples are
      queued or the item's end is queued, so network jitter does not chop the first words.
    - Underruns: running dry mid-item (no end queued) counts one underrun and re-buffers.
    - Interrupts: ``interrupt`` marks items as interrupted, fades what is sounding to silence over
      ``fade`` samples in the next read and drops the queue; a late chunk of an interrupted item is
      refused by ``push`` (``late_dropped`` counts them), so it can never be played.
    - ``read`` returns, with the block, how many samples of each item it contains: exactly what is
      handed to the device, which is what the playback tracker must be told. ``finished`` then
      holds the items whose end (``end``) was reached: all their audio has been handed out.

    Not thread-safe on its own: the playback wraps it in a lock.
    """

    def __init__(self, prebuffer: int, *, fade: int = 120, remember_interrupted: int = 256) -> None:
        self.prebuffer = prebuffer
        self.fade = fade
        self._queue: deque[_Segment | _End] = deque()
        self._queued = 0
        self._state: BufferState = "idle"
        self._fading = False
        self._interrupted: OrderedDict[ItemKey, None] = OrderedDict()
        self._remember = remember_interrupted
        self._current: ItemKey | None = None
        self.underruns = 0
        self.late_dropped = 0
        self.samples_out = 0
        self.finished: deque[ItemKey] = deque()
        """Items played to their end, oldest first; the reader takes them (``popleft``)."""

    @property
    def state(self) -> BufferState:
        return self._state

    @property
    def queued(self) -> int:
        """Samples waiting to be played."""
        return self._queued

    @property
    def pending(self) -> bool:
        """Anything queued or still being played."""
        return self._queued > 0 or self._state == "playing" or self._fading

    @property
    def current(self) -> ItemKey | None:
        """The item whose audio was last handed out."""
        return self._current

    def is_interrupted(self, key: ItemKey) -> bool:
        return key in self._interrupted

    def _mark(self, key: ItemKey) -> None:
        self._interrupted[key] = None
        self._interrupted.move_to_end(key)
        while len(self._interrupted) > self._remember:
            self._interrupted.popitem(last=False)

    def push(self, key: ItemKey, samples: Int16Array) -> bool:
        """Queue an item's audio; False (and nothing queued) if the item was interrupted."""
        if key in self._interrupted:
            self.late_dropped += 1
            return False
        if len(samples):
            self._queue.append(_Segment(key, samples))
            self._queued += len(samples)
        return True

    def end(self, key: ItemKey) -> None:
        """The item has no more audio: play what is queued even if short of the prebuffer."""
        if key not in self._interrupted:
            self._queue.append(_End(key))

    def interrupt(self, key: ItemKey | None = None) -> bool:
        """Stop ``key`` (or everything, if None). True if audio was sounding or queued."""
        if key is None:
            keys = {e.key for e in self._queue}
            if self._current is not None:
                keys.add(self._current)
        else:
            keys = {key}
        for k in keys:
            self._mark(k)
        sounding = self._state == "playing" and self._current in keys
        had_audio = sounding or any(isinstance(e, _Segment) and e.key in keys for e in self._queue)
        if sounding:
            self._fading = True
        kept = deque(e for e in self._queue if e.key not in keys)
        # With the sounding item gone, the fade is taken from its next samples: keep one segment.
        if sounding:
            head = next((e for e in self._queue if isinstance(e, _Segment) and e.key in keys), None)
            if head is not None:
                kept.appendleft(head)
        self._queue = kept
        self._queued = sum(e.left for e in self._queue if isinstance(e, _Segment))
        if not self._fading and not self._queued:
            self._state = "idle"
        return had_audio

    def _ready(self) -> bool:
        return self._queued >= self.prebuffer or any(isinstance(e, _End) for e in self._queue)

    def read(self, n: int) -> tuple[Int16Array, list[tuple[ItemKey, int]]]:
        """The next ``n`` samples for the device and the samples of each item they contain."""
        out = np.zeros(n, dtype=np.int16)
        if self._fading:
            return self._read_fade(out)
        if self._state != "playing":
            if not self._ready():
                return out, []
            self._state = "playing"
        played: list[tuple[ItemKey, int]] = []
        filled = 0
        saw_end = False
        while filled < n and self._queue:
            head = self._queue[0]
            if isinstance(head, _End):
                self._queue.popleft()
                self.finished.append(head.key)
                saw_end = True
                continue
            saw_end = False
            take = min(head.left, n - filled)
            out[filled : filled + take] = head.samples[head.pos : head.pos + take]
            head.pos += take
            filled += take
            self._queued -= take
            self._current = head.key
            if played and played[-1][0] == head.key:
                played[-1] = (head.key, played[-1][1] + take)
            else:
                played.append((head.key, take))
            if not head.left:
                self._queue.popleft()
        if filled < n:
            if saw_end:
                self._state = "idle"
            else:
                self.underruns += 1
                self._state = "buffering"
        elif not self._queued and self._queue:
            # Only end markers are left: the item finished exactly on a block boundary.
            self.finished.extend(e.key for e in self._queue)
            self._queue.clear()
            self._state = "idle"
        self.samples_out += filled
        return out, played

    def _read_fade(self, out: Int16Array) -> tuple[Int16Array, list[tuple[ItemKey, int]]]:
        self._fading = False
        played: list[tuple[ItemKey, int]] = []
        head = self._queue[0] if self._queue else None
        if isinstance(head, _Segment) and head.key in self._interrupted:
            take = min(self.fade, head.left, len(out))
            ramp = np.linspace(1.0, 0.0, take, endpoint=False)
            out[:take] = (head.samples[head.pos : head.pos + take] * ramp).astype(np.int16)
            played.append((head.key, take))
            self.samples_out += take
            self._queue.popleft()
            self._queued -= head.left
        self._state = "idle"
        return out, played
