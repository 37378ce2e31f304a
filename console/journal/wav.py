"""WavRecorder: a PCM16 mono WAV file whose header stays true as it grows, even after a crash."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import IO

from .private import open_private


class WavRecorder:
    """Appends PCM16 mono audio to a WAV file.

    Unlike ``wave``, which writes the sizes only on close, ``sync()`` rewrites them in place, so
    a recording cut off by a crash (kill -9) still opens, with everything up to the last sync.
    """

    def __init__(self, path: Path, rate: int) -> None:
        self._file: IO[bytes] = open_private(path, "wb")
        self._rate = rate
        self._data = 0
        self._synced = -1
        self._file.write(self._header())

    def _header(self) -> bytes:
        return b"RIFF" + struct.pack(
            "<I4s4sIHHIIHH4sI",
            36 + self._data,
            b"WAVE",
            b"fmt ",
            16,
            1,  # PCM
            1,  # mono
            self._rate,
            self._rate * 2,
            2,
            16,
            b"data",
            self._data,
        )

    def write(self, pcm16: bytes) -> None:
        self._file.write(pcm16)
        self._data += len(pcm16)

    def sync(self) -> None:
        if self._data == self._synced:
            return
        end = self._file.tell()
        self._file.seek(0)
        self._file.write(self._header())
        self._file.seek(end)
        self._file.flush()
        self._synced = self._data

    def close(self) -> None:
        self.sync()
        self._file.close()
