"""The transport keeps the core light: no websockets until connect, never openai or UI libs."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import console.realtime
from console.realtime import OpenAIRealtimeSIPModel, OpenAIRealtimeWebSocketModel, TransportConfig
import console.realtime.openai_options, console.realtime.wire, console.realtime.wire_client
OpenAIRealtimeWebSocketModel(transport_config=TransportConfig())
print(sorted(m for m in ("websockets", "openai", "textual", "rich", "pyaudio") if m in sys.modules))
"""


def test_importing_the_transport_loads_no_websockets_openai_or_ui() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
