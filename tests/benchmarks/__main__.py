"""Run every benchmark (or those named on the command line) and print one table of figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    rows: list[tuple[str, str, str, str, str]] = []
    for name in names:
        module = importlib.import_module(f"tests.benchmarks.{name}")
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for figure, value, unit, target in module.run():
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            shown = f"{value:,.0f}" if whole else f"{value:,.2f}"
            rows.append((name.removeprefix("bench_"), figure, shown, unit, target))
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    headers = ("benchmark", "figure", "value", "unit", "target")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(5)]

    def line(cells: tuple[str, ...]) -> str:
        # Values right-aligned so figures line up by their decimal point.
        return "  ".join(
            cell.rjust(width) if i == 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    print(line(headers))
    print(line(tuple("-" * w for w in widths)))
    for row in rows:
        print(line(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
