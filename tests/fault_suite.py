"""``make faults``: every fault scenario at full length, results in docs/reliability.md.

Runs each scenario of :mod:`tests.fault_scenarios` in turn (real Mosquitto,
the hub and the simulated nodes as processes, under load), stops at nothing:
a scenario that breaches the whole-state check is reported as failed and the
run exits non-zero at the end. The figures replace the results section of
``docs/reliability.md`` (between its markers), with the machine and its load::

    .venv/bin/python -m tests.fault_suite            # all, ~10 min on 2 cores
    .venv/bin/python -m tests.fault_suite hub_sigkill link_blackhole

The storage scenarios mount a small tmpfs for the database: run as root
(``make faults`` in the CI container is); as another user they fail, saying so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import fault_scenarios as sc
from .faultlab import PROJECT, Lab

REPORT = PROJECT / "docs" / "reliability.md"
BEGIN, END = "<!-- BEGIN make faults -->", "<!-- END make faults -->"

# (key, title, function, keyword arguments for Lab, keyword arguments for the scenario)
SCENARIOS = [
    ("hub_sigkill", "Hub SIGKILLed under load, restarted after 5 s", sc.hub_sigkill, {},
     {"before": 6, "down": 5, "after": 6}),
    ("repeated_hub_kills", "Hub SIGKILLed 8 times during writes", sc.repeated_hub_kills, {},
     {"kills": 8}),
    ("broker_restart", "Broker SIGKILLed (no final save), restarted after 3 s",
     sc.broker_restart, {}, {"before": 6, "down": 3, "after": 6}),
    ("broker_stopped", "Broker stopped for two minutes", sc.broker_stopped,
     {"press_period": 1.2, "block_size": 100}, {"before": 6, "down": 120, "after": 8}),
    ("link_reset", "Dispenser's link reset (TCP RST) three times", sc.link_reset, {},
     {"resets": 3}),
    ("link_blackhole", "Dispenser's link black-holed for 15 s (keep-alive 3 s)",
     sc.link_blackhole, {"node_keepalive": 3}, {"before": 6, "hole": 15, "after": 6}),
    ("node_restart", "Counter and hall display SIGKILLed and restarted", sc.node_restart, {},
     {}),
    ("storage_full", "Hub's disk full for 10 s", sc.storage_failure, {},
     {"mode": "full", "hold": 10}),
    ("wrong_clock", "Dispenser's clock 2 h 5 min fast, printing offline", sc.wrong_clock, {},
     {}),
]


def machine() -> str:
    sys.path.insert(0, str(PROJECT / "bench"))
    from common import machine as name  # bench/common.py: CPU, cores, memory, OS, versions

    return name()


def render(results: list[dict], started: str, took: float, load: tuple) -> str:
    lines = [f"Run of {started} UTC on {machine()}; load average at the start "
             f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; the whole suite took "
             f"{took / 60:.1f} min.", ""]
    lines += ["| scenario | result | recovery (s) | counts checked |", "|---|---|---|---|"]
    for r in results:
        f = r.get("figures") or {}
        timing = ", ".join(f"{k} {v}" for k, v in f.items() if k.endswith("_s"))
        counts = ", ".join(f"{k} {v}" for k, v in f.items()
                           if not k.endswith("_s") and k not in ("report", "integrity", "mode"))
        if f.get("integrity"):
            counts += f", integrity_check {f['integrity']}"
        verdict = "passed" if r["ok"] else f"FAILED: {r['error']}"
        lines.append(f"| {r['title']} | {verdict} | {timing} | {counts} |")
    reports = [r["figures"]["report"] for r in results if (r.get("figures") or {}).get("report")]
    if reports:
        lines += ["", f"The wrong clock as the device page reports it: “{reports[0]}”"]
    return "\n".join(lines) + "\n"


def write(body: str) -> None:
    page = REPORT.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{body}{END}"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    REPORT.write_text(pattern.sub(lambda _: block, page), encoding="utf-8")


def main(argv: list[str]) -> int:
    wanted = set(argv)
    load = os.getloadavg()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    t0 = time.monotonic()
    results = []
    root = Path(tempfile.mkdtemp(prefix="motcua-faults-"))
    for key, title, function, lab_args, args in SCENARIOS:
        if wanted and key not in wanted:
            continue
        print(f"== {title}", flush=True)
        t = time.monotonic()
        try:
            figures = function(Lab(root / key, **lab_args), **args)
            results.append({"key": key, "title": title, "ok": True, "figures": figures})
        except Exception as exc:
            traceback.print_exc()
            results.append({"key": key, "title": title, "ok": False,
                            "error": str(exc).replace("|", "/")[:300]})
        print(json.dumps(results[-1], ensure_ascii=False), f"({time.monotonic() - t:.0f} s)",
              flush=True)
    took = time.monotonic() - t0
    if not wanted:
        write(render(results, started, took, load))
        print(f"results written to {REPORT.relative_to(PROJECT)}")
    print(f"{sum(r['ok'] for r in results)}/{len(results)} scenarios passed in "
          f"{took / 60:.1f} min; files in {root}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
