"""rtconsole: a terminal operator console for realtime voice agents."""

__version__ = "0.1.0"
