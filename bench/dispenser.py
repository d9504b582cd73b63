"""Button press to print job written, and the dispenser's memory, with the real broker.

Runs the hub's gateway (sample centre) in this process and the dispenser as
its own process, ``motcua dispenser --fake-hardware``, exactly as on the floor
but with gpiozero mock pins and the folder printer. Each press is a key on the
dispenser's stdin (the fake-hardware key map drives the mock pin low, as a
finger would); the time runs until the ticket's ``.bin`` file (the printer's
whole byte stream, after the cut) exists. That covers the debounce, the
request to the hub and its answer, rendering the Vietnamese lines as images
and the ESC/POS encoding.

    .venv/bin/python bench/dispenser.py [--presses 500] [--quick] [--no-write]

Targets (issue 4): p99 under 150 ms; resident memory under 80 MB.
"""

from __future__ import annotations

import subprocess
import sys
import time

from central.bus.gateway import Gateway
from common import (
    PROJECT,
    Echo,
    Run,
    durable_commit_ms,
    floor_round_trips,
    percentile,
    rss_kib,
)

CENTER = "bench"
SERVICES = ["ho-tich", "dang-ky-kinh-doanh"]  # alternately: 1, 2, 1, 2 ...


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB."""
    return tuple(kib / 1024 for kib in rss_kib(pid))


HUB_MS: list[float] = []


def timed_requests() -> None:
    """Time the hub's share (apply once, SQLite commit, state published) of each ticket."""
    original = Gateway._on_request

    def on_request(self, incoming, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, incoming, *args, **kwargs)
        finally:
            if incoming.parts.name == "ticket":
                HUB_MS.append((time.perf_counter() - start) * 1000)

    Gateway._on_request = on_request


def main() -> None:
    run = Run("dispenser.py", __doc__,
              setup=lambda p: p.add_argument("--presses", type=int, default=500))
    presses = run.pick(run.args.presses, 20)
    work = run.tmp
    if True:
        with run.broker() as broker:
            hub_config, store = run.hub_store(broker.port, center=CENTER, mqtt={"keepalive": 5})
            timed_requests()
            gateway = Gateway(hub_config, store).start()
            assert gateway.bus.wait_connected(10)
            folder = work / "tickets"
            config = work / "dispenser.toml"
            config.write_text(
                f'center = "{CENTER}"\nnode_id = "dispenser-1"\nlog_level = "WARNING"\n'
                f'buttons = ["{SERVICES[0]}=17", "{SERVICES[1]}=27"]\n'
                f'outbox = "{work / "outbox.db"}"\npublic_url = "http://hub.local"\n'
                f'[printer]\nkind = "folder"\npath = "{folder}"\n'
                f"[mqtt]\nport = {broker.port}\nkeepalive = 5\n", encoding="utf-8")
            node = subprocess.Popen(
                [sys.executable, "-m", "motcua", "dispenser", "--fake-hardware", "--config",
                 str(config)], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                cwd=PROJECT)
            try:
                # Ready when its blocks are leased (it has heard from the hub).
                deadline = time.monotonic() + 30
                while store.db.execute("select count(*) from number_blocks").fetchone()[0] < 2:
                    if time.monotonic() > deadline:
                        raise SystemExit("the dispenser did not come up")
                    time.sleep(0.1)
                latencies = []
                for i in range(1, presses + 11):
                    target = folder / f"ticket-{i:05d}.bin"
                    start = time.perf_counter()
                    node.stdin.write(f"{(i % 2) + 1}\n")
                    node.stdin.flush()
                    while not target.exists():
                        time.sleep(0.0005)
                    if i > 10:  # the first few warm up fonts and caches
                        latencies.append((time.perf_counter() - start) * 1000)
                    time.sleep(0.12)  # the key is held 50 ms; the next citizen comes later
                rss, peak = rss_mb(node.pid)
                issued = store.db.execute("select count(*) from tickets").fetchone()[0]
            finally:
                node.stdin.close()
                node.terminate()
                node.wait(10)
                gateway.stop()
                store.close()
            # The floor, in the same run: a bare round trip to a process that
            # answers with nothing, and the durable commit every ticket makes.
            with Echo(broker.port):
                floor = floor_round_trips(broker.port, run.pick(500, 30))
            commit = durable_commit_ms(work, run.pick(300, 30))
    run.close()
    assert issued == presses + 10, f"hub issued {issued} tickets"
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    hub = HUB_MS[10:]
    f50 = percentile(floor, 50) + percentile(commit, 50)
    f99 = percentile(floor, 99) + percentile(commit, 99)
    lines = [
        "## Dispenser: button press to print job (bench/dispenser.py)",
        "",
        f"{presses} presses (after 10 warm-up), alternating two services, each a key on "
        "the stdin of `motcua dispenser --fake-hardware` (mock pin driven low as a finger "
        "would), until the ticket's byte stream is written by the folder printer after the "
        "cut: debounce, `request.ticket` to the hub's gateway through Mosquitto on loopback "
        "and its answer, the Vietnamese lines rendered as images, ESC/POS encoding. The hub "
        "(sample centre, SQLite `synchronous=FULL`) runs in the benchmark's process.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| press → print job written, p50 | {p50:.1f} ms | |",
        f"| press → print job written, p99 | {p99:.1f} ms | < 150 ms |",
        f"| press → print job written, max | {max(latencies):.1f} ms | |",
        f"| floor: bare round trip + durable commit, p50 / p99 (this run) | {f50:.1f} / "
        f"{f99:.1f} ms | |",
        f"| press → print job / floor, p50 / p99 | {p50 / f50:.1f}× / {p99 / f99:.1f}× | |",
        f"| of which the hub's handling of `request.ticket`, p50 / p99 | "
        f"{percentile(hub, 50):.1f} / {percentile(hub, 99):.1f} ms | |",
        f"| dispenser resident memory at the end (VmRSS) | {rss:.1f} MB | < 80 MB |",
        f"| dispenser peak resident memory (VmHWM) | {peak:.1f} MB | |",
    ]
    run.report("\n".join(lines))


if __name__ == "__main__":
    main()
