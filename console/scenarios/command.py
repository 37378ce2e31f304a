"""`rtconsole test`: find scenario files, run them, print the report, write JUnit XML."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from .junit import write_junit
from .model import Scenario, ScenarioFileError, load_scenario
from .outcome import ScenarioResult
from .report import scenario_lines, summary
from .runner import AgentSource, Backend, RunOptions, run_all
from .tap import TapFactory

PROG = "rtconsole test"
AgentLoader = Callable[[str | None], AgentSource]
"""--agents value (None: the demo agents) -> an agent source; raises with a one-line message
(a usage error) when the value is bad."""


class UsageError(Exception):
    """A bad command line or scenario file: one line, exit status 2."""


def demo_suite() -> Path:
    """The scenario suite of the demo agents, shipped inside the package."""
    return Path(str(resources.files("console.scenarios") / "suites" / "demo"))


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders searched (recursively, sorted) for ``*.toml``."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.toml"))
            if not found:
                raise UsageError(f"{path}: no scenario files (*.toml) in this folder")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such scenario file or folder")
    return files


def select(scenarios: Sequence[Scenario], pattern: str | None) -> list[Scenario]:
    if not pattern:
        return list(scenarios)
    wanted = pattern.lower()
    return [s for s in scenarios if wanted in s.title.lower() or wanted in s.path.name.lower()]


def run_scenarios(
    args: argparse.Namespace, *, load_agents: AgentLoader, tap: TapFactory | None = None
) -> int:
    """The command, on the arguments `rtconsole test` parsed (paths, agents, backend, model, url,
    junit, pattern, jobs, verbose, journal_dir); ``load_agents`` and ``tap`` come from the CLI,
    which wires the layers."""
    try:
        paths = list(args.paths) or ([demo_suite()] if args.agents is None else [])
        if not paths:
            raise UsageError("give scenario files or folders to run with --agents")
        scenarios = select([load_scenario(p) for p in scenario_files(paths)], args.pattern)
        if not scenarios:
            raise UsageError(f"no scenario matches -k {args.pattern!r}")
        backend = _backend(args)
        try:
            agents = load_agents(args.agents)
        except Exception as exc:
            raise UsageError(str(exc)) from None
    except (UsageError, ScenarioFileError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if backend.name != "local" or backend.url:
        for scenario in scenarios:
            if scenario.engine is not None:
                print(f"{PROG}: note: {scenario.path}: the engine script is for the local "
                      "engine; ignored here", file=sys.stderr)
    options = RunOptions(agents=agents, backend=backend, journal_dir=_journal_dir(args), tap=tap)
    try:
        results = asyncio.run(_run(scenarios, options, args.jobs, args.verbose))
    except KeyboardInterrupt:
        return 130
    status = 0 if all(result.passed for result in results) else 1
    if args.junit is not None:
        try:
            write_junit(results, args.junit)
        except OSError as exc:
            print(f"{PROG}: error: cannot write {args.junit}: {exc.strerror or exc}",
                  file=sys.stderr)
            status = 2
    _out(summary(results))
    return status


def _out(text: str) -> None:
    """Print to stdout; a reader that went away (``| head``) stops the output, not the run."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python would complain again at exit while flushing: point stdout at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _backend(args: argparse.Namespace) -> Backend:
    if args.backend == "local":
        return Backend("local", args.model, args.url)
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if not key and not args.url:
        raise UsageError("--backend openai needs OPENAI_API_KEY in the environment (or --url)")
    return Backend("openai", args.model, args.url, key)


def _journal_dir(args: argparse.Namespace) -> Path:
    if args.journal_dir is not None:
        return Path(args.journal_dir)
    from console.journal import sessions_dir

    return sessions_dir()


async def _run(
    scenarios: Sequence[Scenario], options: RunOptions, jobs: int, verbose: bool
) -> list[ScenarioResult]:
    done: dict[int, ScenarioResult] = {}
    shown = 0

    def report(index: int, result: ScenarioResult) -> None:
        # In the order given, whatever order they finish in, so --jobs never changes the output
        # but for the times.
        nonlocal shown
        done[index] = result
        while shown in done:
            _out("\n".join(scenario_lines(done.pop(shown), verbose=verbose)))
            shown += 1

    return await run_all(scenarios, options, jobs=jobs, on_result=report)
