"""JUnit XML of every outcome (pass, failure, skipped turns, a session error) fits the schema."""

from __future__ import annotations

from pathlib import Path

import xmlschema

from console.scenarios.junit import write_junit
from console.scenarios.outcome import ScenarioResult, StepResult, ToolCall, TurnRecord

from .conftest import HERE


def test_every_outcome_validates_and_is_counted(tmp_path: Path) -> None:
    record = TurnRecord(calls=[ToolCall("get_weather", '{"city": "<Paris & co>"}', "c1",
                                        ran=True, output="sunny")],
                        replies=["It is sunny."], agent="Triage", latency_ms=12.0)
    results = [
        ScenarioResult("passes", Path("a.toml"), [StepResult(1, "say 'hi'", [], record, 0.1)],
                       seconds=0.2),
        ScenarioResult("fails", Path("b.toml"),
                       [StepResult(1, "say 'x'", ["the turn did not settle within 1 s"],
                                   record, 1.0)],
                       seconds=1.1, journal=Path("/tmp/j.jsonl"), skipped_steps=2),
        ScenarioResult("errs", Path("c.toml"), [], error="ConnectionError: refused",
                       seconds=0.01, journal=Path("/tmp/k.jsonl")),
    ]
    path = tmp_path / "out" / "junit.xml"
    write_junit(results, path)
    schema = xmlschema.XMLSchema(str(HERE / "junit.xsd"))
    schema.validate(str(path))
    data = schema.to_dict(str(path))
    [suite] = data["testsuite"]
    assert (suite["@tests"], suite["@failures"], suite["@errors"], suite["@skipped"]) == (
        5, 1, 1, 2
    )
    names = [(case["@classname"], case["@name"]) for case in suite["testcase"]]
    assert names == [("a.passes", "turn 1: say 'hi'"), ("b.fails", "turn 1: say 'x'"),
                     ("b.fails", "turn 2"), ("b.fails", "turn 3"), ("c.errs", "session")]
    # Markup in what happened is escaped, and reads back as it was.
    assert '"<Paris & co>"' in suite["testcase"][0]["system-out"][0]
