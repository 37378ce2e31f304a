"""JUnit XML for CI: one test suite per run, one test case per caller turn."""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .outcome import ScenarioResult
from .report import step_sections


def junit_xml(results: Sequence[ScenarioResult], *, name: str = "rtconsole test") -> ET.Element:
    suite = ET.Element("testsuite", name=name, timestamp=time.strftime("%Y-%m-%dT%H:%M:%S"),
                       hostname=socket.gethostname() or "localhost")
    tests = failures = errors = skipped = 0
    for result in results:
        classname = f"{result.path.stem}.{result.name}" if result.name != result.path.stem \
            else result.path.stem
        for step in result.steps:
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=classname,
                                 name=f"turn {step.number}: {step.label}",
                                 time=f"{step.seconds:.3f}")
            if not step.passed:
                failures += 1
                failure = ET.SubElement(case, "failure", message=step.failures[0],
                                        type="ScenarioExpectation")
                failure.text = "\n".join(
                    line for title, body in step_sections(step) for line in [f"{title}:", *body]
                )
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(step.record.transcript())
        for number in range(len(result.steps) + 1, len(result.steps) + result.skipped_steps + 1):
            tests += 1
            skipped += 1
            case = ET.SubElement(suite, "testcase", classname=classname,
                                 name=f"turn {number}", time="0")
            ET.SubElement(case, "skipped", message="an earlier turn did not settle")
        if result.error:
            tests += 1
            errors += 1
            case = ET.SubElement(suite, "testcase", classname=classname, name="session",
                                 time=f"{result.seconds:.3f}")
            error = ET.SubElement(case, "error", message=result.error, type="ScenarioError")
            error.text = result.error
        if result.journal is not None and len(suite):
            # Where a CI reader finds the failure to replay: on the scenario's last case.
            ET.SubElement(suite[-1], "system-err").text = f"journal: {result.journal}"
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", f"{sum(r.seconds for r in results):.3f}")
    root = ET.Element("testsuites", name=name, tests=str(tests), failures=str(failures),
                      errors=str(errors), time=suite.get("time", "0"))
    root.append(suite)
    return root


def write_junit(results: Sequence[ScenarioResult], path: Path) -> None:
    tree = ET.ElementTree(junit_xml(results))
    ET.indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
