"""The text report: each scenario and its steps, what failed (expected vs happened), a summary."""

from __future__ import annotations

from collections.abc import Sequence

from .outcome import ScenarioResult, StepResult


def step_sections(step: StepResult) -> list[tuple[str, list[str]]]:
    """What a turn expected and did not get (if anything), then what happened in it."""
    sections = [("not as expected", step.failures)] if step.failures else []
    return [*sections, ("happened", step.record.transcript())]


def scenario_lines(result: ScenarioResult, *, verbose: bool = False) -> list[str]:
    """The scenario's verdict and its steps; a failed step (every step, ``verbose``) with what
    happened in it."""
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{verdict} {result.name} ({result.path}) {result.seconds:.2f} s"]
    for step in result.steps:
        mark = "ok  " if step.passed else "FAIL"
        lines.append(f"  {mark} turn {step.number}: {step.label} ({step.seconds:.2f} s)")
        if verbose or not step.passed:
            for title, body in step_sections(step):
                lines += [f"       {title}:", *(f"         {line}" for line in body)]
    if result.skipped_steps:
        lines.append(f"  skip {result.skipped_steps} later turn(s) not run")
    if result.error:
        lines.append(f"  error: {result.error}")
    if result.journal is not None:
        lines.append(f"  journal: {result.journal} (rtconsole replay {result.journal})")
    return lines


def summary(results: Sequence[ScenarioResult]) -> str:
    passed = sum(result.passed for result in results)
    return f"{passed} passed, {len(results) - passed} failed"
