"""`rtconsole test`: scenarios per second for the demo suite, --jobs 1 and --jobs 2."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from console.scenarios.command import demo_suite, scenario_files
from console.scenarios.model import load_scenario
from console.scenarios.runner import RunOptions, run_all
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.scenario_tap import ConsoleTap

ROUNDS = 2


def _agents() -> tuple[list[Any], dict[str, Any]]:
    return list(demo_agents()), dict(DEMO_RUN_CONFIG)


def _suite_seconds(jobs: int, journals: Path) -> float:
    """The whole demo suite as `rtconsole test --jobs N` runs it (journals and all)."""
    scenarios = [load_scenario(path) for path in scenario_files([demo_suite()])]
    options = RunOptions(agents=_agents, journal_dir=journals, tap=ConsoleTap)
    started = time.perf_counter()
    results = asyncio.run(run_all(scenarios, options, jobs=jobs))
    seconds = time.perf_counter() - started
    failed = [r.name for r in results if not r.passed]
    if failed:
        raise RuntimeError(f"demo scenarios failed: {failed}")
    return seconds


def run() -> list[tuple[str, float, str, str]]:
    count = len(scenario_files([demo_suite()]))
    rows: list[tuple[str, float, str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        journals = Path(folder)
        _suite_seconds(1, journals)  # warm-up: imports, the recogniser's model, espeak-ng
        for jobs in (1, 2):
            best = min(_suite_seconds(jobs, journals) for _ in range(ROUNDS))
            rows.append((f"demo suite ({count} scenarios), --jobs {jobs}", count / best,
                         "scenarios/s", "> 0.5" if jobs == 1 else "> --jobs 1"))
            rows.append((f"demo suite wall time, --jobs {jobs}", best, "s", ""))
    return rows
