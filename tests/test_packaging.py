"""The wheel ships every package of console/ and the themes (pyproject lists packages by hand)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "console").rglob("__init__.py")
    }
    listed = set(setuptools["packages"])
    assert on_disk | {"console.themes"} == listed
    assert setuptools["package-dir"] == {"console.themes": "themes"}
    assert list((ROOT / "themes").glob("*.toml")), "the built-in themes are data files in themes/"
