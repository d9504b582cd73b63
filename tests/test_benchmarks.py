"""Every benchmark runs (in its quick mode) and keeps the rules of bench/common.py.

A benchmark that breaks (an API moved, a node's settings changed) fails the
suite here instead of on the day someone needs its figures. The quick mode is
small: it checks the benchmark works, not how fast anything is, and writes
nothing to docs/performance.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
BENCH = PROJECT / "bench"
BENCHMARKS = sorted(p.name for p in BENCH.glob("*.py") if p.name != "common.py")


def test_the_benchmarks_are_the_ones_make_bench_runs():
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    for name in BENCHMARKS:
        assert f"bench/{name}" in makefile, f"make bench does not run bench/{name}"


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_shares_its_set_up_and_prints_only_what_it_measured(name):
    text = (BENCH / name).read_text(encoding="utf-8")
    assert "from common import" in text and "Run(" in text, \
        f"{name} does not run through bench/common.py"
    assert ".report(" in text, f"{name} does not report through Run.report"
    for canned in ("other engineers", "pessimistic", "write_section("):
        assert canned not in text, f"{name} prints {canned!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_runs_in_its_quick_mode(name):
    report = PROJECT / "docs" / "performance.md"
    before = report.read_bytes()
    done = subprocess.run([sys.executable, str(BENCH / name), "--quick"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert f"{name}: load average (1 / 5 / 15 min) before" in done.stdout
    assert ", after " in done.stdout.splitlines()[-1] or any(
        line.startswith(f"{name}: load average") and ", after " in line
        for line in done.stdout.splitlines())
    assert "×" in done.stdout, f"{name} printed no ratio to a floor"
    assert report.read_bytes() == before, f"{name} --quick wrote docs/performance.md"
