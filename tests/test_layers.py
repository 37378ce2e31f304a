"""Layering: the realtime core imports no UI, audio or network library of its own accord."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("textual", "rich", "pyaudio", "websockets", "openai", "numpy")


def _modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_core_imports_no_ui_audio_or_network_library() -> None:
    loaded = _modules_after(
        "import console.realtime\n"
        "from console.realtime import RealtimeAgent, RealtimeRunner, RealtimeSession, function_tool"
    )
    assert "console.realtime.session" in loaded
    assert "console.realtime.openai_realtime" not in loaded
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN)
    assert bad == []
    ours = sorted(m for m in loaded if m.startswith("console.") and
                  not m.startswith("console.realtime"))
    assert ours == []


def test_transport_names_are_lazy() -> None:
    loaded = _modules_after("import console.realtime as r\nassert 'OpenAIRealtimeWebSocketModel'"
                            " in r.__all__")
    assert "console.realtime.openai_realtime" not in loaded
    loaded = _modules_after("from console.realtime import OpenAIRealtimeWebSocketModel")
    assert "console.realtime.openai_realtime" in loaded
