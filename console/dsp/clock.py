"""The injectable time source of the audio path and the engine: a callable returning seconds."""

from __future__ import annotations

from collections.abc import Callable

Clock = Callable[[], float]
"""Seconds from an arbitrary origin (``time.monotonic`` by default); tests pass a fake one."""
