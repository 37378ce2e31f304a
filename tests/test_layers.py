"""Layering: every arrow of DESIGN.md (import-linter); a core that loads no UI or audio library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("textual", "rich", "pyaudio", "websockets", "openai", "numpy")
ROOT = Path(__file__).resolve().parent.parent


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


def test_every_core_name_resolves_from_its_lazy_home() -> None:
    # console.realtime loads names on first use: a name whose module moved must still resolve.
    loaded = _modules_after(
        "import console.realtime as r\n"
        "missing = [n for n in r.__all__ if getattr(r, n, None) is None]\n"
        "assert not missing, missing\n"
        "assert callable(r.subagent) and not isinstance(r.subagent, type(sys))"
    )
    assert "console.realtime.session" in loaded


def test_the_console_app_loads_no_session_transport_or_audio_path() -> None:
    # What the first frame waits for: the session is opened after it (on_ready).
    loaded = _modules_after("import console.ui.app, console.ui.demo_agents")
    heavy = {"console.realtime.session", "console.realtime.runner", "console.realtime.connection",
             "console.realtime.openai_realtime", "console.engine", "console.audio.io", "numpy",
             "websockets"}
    assert sorted(heavy & loaded) == []


def test_import_linter_contracts_hold_for_every_arrow() -> None:
    contracts = (ROOT / ".importlinter").read_text()
    for layer in ("realtime", "dsp", "engine", "audio", "journal", "ui", "scenarios"):
        assert f"[importlinter:contract:{layer}]" in contracts
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports is not None, "import-linter is a dev dependency: pip install -e '.[dev]'"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
