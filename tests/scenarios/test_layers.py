"""Layering of console.scenarios: on realtime, engine, journal and dsp; never the UI or audio."""

from __future__ import annotations

import json
import subprocess
import sys


def test_scenarios_import_no_ui_audio_or_terminal_library() -> None:
    script = (
        "import sys, json\n"
        "import console.scenarios.command, console.scenarios.runner, console.scenarios.junit\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "console.scenarios.runner" in loaded
    ours = {m.split(".")[1] for m in loaded if m.startswith("console.") and m.count(".") >= 1}
    assert ours <= {"scenarios", "realtime", "engine", "journal", "dsp"}
    assert not {m.split(".")[0] for m in loaded} & {"textual", "rich", "pyaudio"}
