"""`rtconsole test` as CI runs it: the demo suite, failures, JUnit XML, --jobs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema

from console.scenarios.model import load_scenario

from .conftest import DEMO_SUITE, FILES, HERE, rtconsole

SCHEMA = xmlschema.XMLSchema(str(HERE / "junit.xsd"))


def _turns(*paths: Path) -> int:
    return sum(len(load_scenario(p).turns) for folder in paths
               for p in (sorted(folder.glob("*.toml")) if folder.is_dir() else [folder]))


def test_the_demo_suite_passes_and_writes_valid_junit(tmp_path: Path) -> None:
    junit = tmp_path / "report" / "junit.xml"
    done = rtconsole("test", "--junit", junit, data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "8 passed, 0 failed"
    verdicts = [line.split(" (")[0] for line in lines if line.startswith(("PASS", "FAIL"))]
    assert verdicts == [
        "PASS always approve", "PASS booking change", "PASS guardrail trip",
        "PASS refund approved", "PASS refund rejected", "PASS research subagent",
        "PASS spoken weather", "PASS weather",
    ]
    SCHEMA.validate(str(junit))
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(_turns(DEMO_SUITE)) and suite.get("failures") == "0"
    assert not (tmp_path / "data" / "sessions").exists() or not list(
        (tmp_path / "data" / "sessions").iterdir()
    ), "passing scenarios keep no journal"


def _normalised(stdout: str) -> list[str]:
    """The report without what may differ between runs: times and journal file names."""
    out = re.sub(r"\d+\.\d\d s", "T", stdout)
    out = re.sub(r"latency: \d+ ms", "latency: N ms", out)
    return re.sub(r"\S+/sessions/[\w.-]+\.jsonl", "J", out).splitlines()


def _cases(junit: Path) -> list[tuple[str | None, str | None, bool]]:
    root = ET.parse(junit).getroot()
    return [(case.get("classname"), case.get("name"), case.find("failure") is not None)
            for case in root.iter("testcase")]


def test_failures_and_the_same_results_with_two_jobs(tmp_path: Path) -> None:
    args = ["test", DEMO_SUITE, FILES]
    one = rtconsole(*args, "--jobs", "1", "--junit", tmp_path / "one.xml",
                    data_dir=tmp_path / "one")
    two = rtconsole(*args, "--jobs", "2", "--junit", tmp_path / "two.xml",
                    data_dir=tmp_path / "two")
    assert one.returncode == two.returncode == 1, one.stdout + one.stderr
    assert one.stdout.splitlines()[-1] == "9 passed, 1 failed"
    assert _normalised(one.stdout) == _normalised(two.stdout)
    assert _cases(tmp_path / "one.xml") == _cases(tmp_path / "two.xml")
    for junit in ("one.xml", "two.xml"):
        SCHEMA.validate(str(tmp_path / junit))

    report = one.stdout
    assert "FAIL failing on purpose" in report
    assert "not as expected:\n         expected tool call get_weather, arguments ⊇ " \
        '{"city": "Rome"}; got get_weather({"city": "Paris"})' in report
    assert "happened:\n         tool: get_weather({\"city\": \"Paris\"}) ran -> Paris" in report
    [journal_line] = [line for line in report.splitlines() if "journal:" in line]
    journal = Path(journal_line.split("journal: ")[1].split(" (")[0])
    assert journal.parent == tmp_path / "one" / "sessions" and journal.is_file()
    listed = rtconsole("sessions", data_dir=tmp_path / "one")
    assert journal.name in listed.stdout

    failed = [case for case in ET.parse(tmp_path / "one.xml").getroot().iter("testcase")
              if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == [
        "turn 1: say 'What is the weather in Paris?'"
    ]
    failure = failed[0].find("failure")
    assert failure is not None and "expected agent Travel" in (failure.text or "")


def test_k_runs_only_the_matching_scenarios(tmp_path: Path) -> None:
    done = rtconsole("test", DEMO_SUITE, FILES, "-k", "script", data_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0].startswith("PASS scripted reply")
    assert done.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_junit_that_cannot_be_written_is_an_error_after_the_summary(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    done = rtconsole("test", FILES, "-k", "script", "--junit", tmp_path / "taken" / "j.xml",
                     data_dir=tmp_path)
    assert done.returncode == 2
    assert done.stdout.splitlines()[-1] == "1 passed, 0 failed"
    [error] = done.stderr.splitlines()
    assert error.startswith(f"rtconsole test: error: cannot write {tmp_path / 'taken'}")


def test_another_server_that_is_down_fails_the_scenario_not_the_command(tmp_path: Path) -> None:
    key = "sk-test-0123456789abcdef"
    done = rtconsole("test", FILES / "scripted.toml", "--backend", "openai",
                     "--url", "ws://127.0.0.1:9/v1/realtime", data_dir=tmp_path, key=key)
    assert done.returncode == 1
    assert key not in done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"rtconsole test: note: {FILES / 'scripted.toml'}: the engine script is for the local "
        "engine; ignored here"
    ]
    assert "  error: RealtimeConnectionError: could not connect to ws://127.0.0.1:9" in done.stdout
    assert done.stdout.splitlines()[-1] == "0 passed, 1 failed"
