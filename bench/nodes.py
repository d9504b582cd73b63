"""Each node role at rest: resident memory, CPU time and how often it wakes.

    .venv/bin/python bench/nodes.py            # 30 s of rest per role
    .venv/bin/python bench/nodes.py --quick    # 3 s, writes nothing

A real Mosquitto and a hub (sample centre) run; each role starts as its own
process, ``motcua <role> --fake-hardware`` (mock pins, folder printer, dummy
screens), connects and settles, then rests while it is measured from /proc:
its resident memory, the CPU time it used, and its threads' voluntary context
switches (each is a thread going to sleep; their rate is how often the process
wakes). The floor, measured beside them in the same run: a process with the
same bus client connected and nothing else to do (the echo of bench/common.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from common import (
    Echo,
    Hub,
    Run,
    cpu_seconds,
    rss_kib,
    wakeups,
)

CENTER = "bench"
ROLES = ("dispenser", "counter", "display", "kiosk")


def node_settings(role: str, folder, port: int) -> str:
    """A node's TOML on fake hardware, its files in ``folder``."""
    head, tables = {
        "dispenser": (f'outbox = "{folder}/outbox.db"\n'
                      'buttons = ["ho-tich=17", "dang-ky-kinh-doanh=27"]\n',
                      f'[printer]\nkind = "folder"\npath = "{folder}/tickets"\n'),
        "counter": ("", f'[rating]\noutbox = "{folder}/outbox.sqlite"\n'
                        f'[display]\nimage_dir = "{folder}/display"\n'),
        "kiosk": (f'replica = "{folder}/replica.db"\n', ""),
        # No voice clips made during the measurement (espeak-ng would be the figure).
        "display": (f'frames_dir = "{folder}/frames"\n',
                    f'[voice]\nenabled = false\n[led]\nframes_dir = "{folder}/led"\n'),
    }[role]
    return (f'center = "{CENTER}"\nnode_id = "{role}-1"\nlog_level = "WARNING"\n{head}'
            f"[mqtt]\nport = {port}\n{tables}")


def at_rest(pid: int, seconds: float) -> dict:
    cpu0, wake0, t0 = cpu_seconds(pid), wakeups(pid), time.perf_counter()
    time.sleep(seconds)
    wall = time.perf_counter() - t0
    return {"rss": rss_kib(pid)[0] / 1024, "cpu": (cpu_seconds(pid) - cpu0) / wall,
            "wakes": (wakeups(pid) - wake0) / wall,
            "threads": len(os.listdir(f"/proc/{pid}/task"))}


def main() -> int:
    run = Run("nodes.py", __doc__)
    settle, rest = run.pick(10.0, 2.0), run.pick(30.0, 3.0)
    from central.queue import setup
    from central.store import Store

    db_path = run.tmp / "hub.db"
    store = Store(db_path)
    setup.load_file(store, setup.SAMPLE, actor="bench")
    store.close()
    figures = {}
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    try:
        with run.broker() as broker, Hub(run.tmp, db_path, broker.port, CENTER):
            with Echo(broker.port) as echo:
                time.sleep(settle)
                figures["floor: a connected bus client doing nothing"] = at_rest(echo.pid, rest)
            for role in ROLES:
                folder = run.tmp / role
                folder.mkdir()
                config = folder / "node.toml"
                config.write_text(node_settings(role, folder, broker.port), encoding="utf-8")
                process = subprocess.Popen(
                    [sys.executable, "-m", "motcua", role, "--fake-hardware", "--config",
                     str(config)], stdin=subprocess.PIPE, env=env, cwd=folder)
                try:
                    time.sleep(settle)
                    assert process.poll() is None, f"{role} exited with {process.returncode}"
                    figures[role] = at_rest(process.pid, rest)
                finally:
                    process.terminate()
                    process.wait(15)
    finally:
        run.close()
    floor = figures["floor: a connected bus client doing nothing"]
    lines = [
        "## Nodes at rest (bench/nodes.py)",
        "",
        f"Each role as its own process on fake hardware (`motcua ROLE --fake-hardware`), "
        f"connected to a real Mosquitto and the hub, measured over {rest:g} s of rest after "
        f"{settle:g} s to settle. Wake-ups are the process's threads going to sleep "
        "(voluntary context switches) per second. The hall display without its voice clips "
        "(`[voice] enabled = false`).",
        "",
        "| process | resident memory | CPU (share of a core) | wake-ups / s | threads | "
        "memory / floor | wake-ups / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        lines.append(f"| {name} | {f['rss']:.1f} MiB | {f['cpu']:.2%} | {f['wakes']:.1f} | "
                     f"{f['threads']} | {f['rss'] / floor['rss']:.1f}× | "
                     f"{f['wakes'] / max(floor['wakes'], 0.1):.1f}× |")
    run.report("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
