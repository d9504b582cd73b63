"""What every benchmark shares: percentiles, the machine's name, the report page.

Each benchmark owns one section of ``docs/performance.md``, between
``<!-- BEGIN bench/NAME -->`` and ``<!-- END bench/NAME -->``; running it
replaces that section and leaves the others alone::

    from common import machine, percentile, write_section
    write_section("roundtrip.py", "## Request/response\\n\\n| ... |")
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REPORT = PROJECT / "docs" / "performance.md"
sys.path.insert(0, str(PROJECT))

HEADER = """# Performance

Figures measured by the benchmarks in `bench/` (`make bench`, or one script
with `.venv/bin/python bench/NAME.py`). Each section is rewritten by its own
script, with the machine it ran on and the date.
"""


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), p in 0..100."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine() -> str:
    """One line naming the machine: CPU, cores, memory, OS, Python, Mosquitto."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        memory = "?"
    try:
        os_name = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    except (OSError, AttributeError):
        os_name = platform.system()
    try:
        from motcua.broker import find_mosquitto

        out = subprocess.run([find_mosquitto(), "-h"], capture_output=True, text=True).stdout
        mosquitto = out.split("\n")[0].replace("mosquitto version ", "")
    except Exception:
        mosquitto = "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {memory} RAM; {os_name}; "
            f"Python {platform.python_version()}; Mosquitto {mosquitto}; "
            f"load average at the end {load}")


def write_section(name: str, body: str) -> None:
    """Replace this benchmark's section of docs/performance.md with ``body``."""
    begin, end = f"<!-- BEGIN bench/{name} -->", f"<!-- END bench/{name} -->"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"{begin}\n{body.rstrip()}\n\nMeasured {stamp} on: {machine()}.\n{end}"
    page = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    if begin in page and end in page:
        head, _, rest = page.partition(begin)
        _, _, tail = rest.partition(end)
        page = head + section + tail
    else:
        page = page.rstrip() + "\n\n" + section + "\n"
    REPORT.write_text(page, encoding="utf-8")
