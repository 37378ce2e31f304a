"""The README's two set-up commands are exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Set up and test", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    install, _ = commands
    assert install.endswith("&& .venv/bin/rtconsole")


def test_ci_runs_the_readme_commands_unchanged() -> None:
    install, test = _readme_commands()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert install.removesuffix(" && .venv/bin/rtconsole") in ci_lines
    assert test in ci_lines


def test_the_readme_scenario_example_is_a_valid_scenario(tmp_path: Path) -> None:
    from console.engine import load_scenario

    text = (ROOT / "README.md").read_text()
    section = text.split("## Engine scripts", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```toml\n(.*?)```", section, re.S)
    path = tmp_path / "scenario.toml"
    path.write_text(example)
    scenario = load_scenario(path)
    assert scenario.name == "weather demo" and len(scenario.turns) == 2
    assert scenario.turns[0].calls[0].name == "get_weather"
