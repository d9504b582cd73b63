"""Every benchmark runs (in its quick mode) and keeps the rules of bench/common.py.

A benchmark that breaks (an API moved, a node's settings changed) fails the
suite here instead of on the day someone needs its figures. The quick mode is
small: it checks the benchmark works, not how fast anything is, and writes
nothing to docs/performance.md.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
BENCH = PROJECT / "bench"
# Not run by `make bench` nor here in its quick mode: bench/fqm_side_by_side.py needs a
# copy of FQM (another project, not a dependency of motcua, its code not in this
# repository) given with --fqm; without it the script says so and exits 2. It is
# checked by the tests below instead (its rules, and that message).
NEEDS_OUTSIDE_CODE = {"fqm_side_by_side.py"}
BENCHMARKS = sorted(p.name for p in BENCH.glob("*.py")
                    if p.name != "common.py" and p.name not in NEEDS_OUTSIDE_CODE)


def test_the_benchmarks_are_the_ones_make_bench_runs():
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    for name in BENCHMARKS:
        assert f"bench/{name}" in makefile, f"make bench does not run bench/{name}"


@pytest.mark.parametrize("name", BENCHMARKS + sorted(NEEDS_OUTSIDE_CODE))
def test_a_benchmark_shares_its_set_up_and_prints_only_what_it_measured(name):
    text = (BENCH / name).read_text(encoding="utf-8")
    assert "from common import" in text and "Run(" in text, \
        f"{name} does not run through bench/common.py"
    assert ".report(" in text, f"{name} does not report through Run.report"
    for canned in ("other engineers", "pessimistic", "write_section("):
        assert canned not in text, f"{name} prints {canned!r}"


def test_the_fqm_comparison_without_fqm_says_what_it_needs_and_stops():
    """Run without a copy of FQM, the side-by-side benchmark names what it needs
    (and where docs/fqm.md says how the measured copy was made) and exits 2: no
    traceback, no hub or broker started, docs/performance.md untouched."""
    report = PROJECT / "docs" / "performance.md"
    before = report.read_bytes()
    done = run_in_own_group([sys.executable, str(BENCH / "fqm_side_by_side.py")], timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--fqm PATH" in done.stderr and "docs/fqm.md" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_in_own_group([sys.executable, str(BENCH / "fqm_side_by_side.py"),
                             "--fqm", str(PROJECT / "no-such-fqm")], timeout=60)
    assert done.returncode == 2 and "no app/main.py" in done.stderr, done.stderr
    assert report.read_bytes() == before


def run_in_own_group(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run a benchmark in a process group of its own, so that a benchmark that
    hangs takes its hub, brokers and nodes with it when it is stopped (a timed-out
    ``subprocess.run`` kills only the benchmark: its hub and Mosquitto went on,
    a core busy for the rest of the run)."""
    process = subprocess.Popen(args, cwd=PROJECT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
                out, err = process.communicate(timeout=10)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        pytest.fail(f"{args[1]} did not end in {timeout:.0f} s (stopped, with what it "
                    f"started)")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything it left behind
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def test_a_hung_benchmark_is_stopped_with_what_it_started(tmp_path):
    """The rig itself: a 'benchmark' that starts a child and hangs leaves no child."""
    pid_file = tmp_path / "child.pid"
    script = ("import subprocess, sys, time\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
              f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
              "time.sleep(600)\n")
    with pytest.raises(pytest.fail.Exception, match="did not end"):
        run_in_own_group([sys.executable, "-c", script], timeout=3)
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"the hung benchmark's child {child} still runs")


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_runs_in_its_quick_mode(name):
    report = PROJECT / "docs" / "performance.md"
    before = report.read_bytes()
    done = run_in_own_group([sys.executable, str(BENCH / name), "--quick"], timeout=600)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert f"{name}: load average (1 / 5 / 15 min) before" in done.stdout
    assert ", after " in done.stdout.splitlines()[-1] or any(
        line.startswith(f"{name}: load average") and ", after " in line
        for line in done.stdout.splitlines())
    assert "×" in done.stdout, f"{name} printed no ratio to a floor"
    assert report.read_bytes() == before, f"{name} --quick wrote docs/performance.md"
