"""The README's full scenario example is a valid file, and passes against the demo agents."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from console.scenarios.model import load_scenario
from console.scenarios.runner import RunOptions, run_all
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_the_readme_example_runs_and_passes(tmp_path: Path) -> None:
    section = README.read_text().split("## Scenario tests", 1)[1].split("\n## ", 1)[0]
    [example] = re.findall(r"```toml\n(.*?)```", section, re.S)
    path = tmp_path / "example.toml"
    path.write_text(example)
    scenario = load_scenario(path)
    assert [turn.spoken for turn in scenario.turns] == [False, False, True]
    # A clock that moves 1 ms per reading: the latency budget is checked, never the machine.
    ticks = itertools.count()
    options = RunOptions(agents=lambda: (demo_agents(), dict(DEMO_RUN_CONFIG)),
                         clock=lambda: next(ticks) / 1000)
    [result] = await run_all([scenario], options)
    assert result.passed, [(step.failures, step.record.transcript()) for step in result.steps]
