"""A whole centre in one folder, on one machine: try it before touching the Pis.

::

    motcua provision centre.toml --out trial/thanhhoa --one-machine
    motcua trial trial/thanhhoa          # broker, hub and every node (fake hardware)

``--one-machine`` writes what ``motcua provision`` always writes, with every
path relative to the folder of the file that names it, instead of
``/etc/motcua``, ``/etc/mosquitto/motcua`` and ``/var/lib/…``::

    broker/  mosquitto.conf (passwd, acl, certificates beside it)  [conf.d/bridge.conf]
             public.conf (the live pages' relay broker, websockets on 9001)
             var/                                            persistence, the trial's logs
    hub/     hub.toml mqtt-password web-mqtt-password nodes.toml ca.crt  var/motcua.db
    nodes/<id>/  node.toml mqtt-password ca.crt  var/ (outbox, tickets, frames)

Each program runs in its own folder (``broker/``, ``hub/``, ``nodes/<id>/``),
as systemd runs it in ``/var/lib/motcua`` on a real machine, so the folder
can be moved or copied and still works. The nodes reach the broker as
``localhost`` (in the broker's certificate). No ``inventory.yml``: this folder
is not for Ansible; provision the real machines into another folder.
"""

from __future__ import annotations

import getpass
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

from ..broker import find_mosquitto, wait_listening

MARKER = "one-machine.txt"

_ETC = re.compile(r"/etc/motcua/")
_VAR = re.compile(r"/var/lib/motcua/")


def localize(rel: str, text: str) -> tuple[str, str] | None:
    """The one-machine form of a file provision writes (its path and content), or None."""
    if rel == "inventory.yml":
        return None
    if rel == "broker/bridge.conf":
        # Debian's /etc/mosquitto/conf.d, here: mosquitto.conf's include_dir.
        return "broker/conf.d/bridge.conf", text.replace("/etc/mosquitto/motcua/", "")
    if rel == "broker/public.conf":
        # The live pages' relay broker, a second Mosquitto run from the same folder.
        text = text.replace("/etc/mosquitto/motcua/", "")
        text = re.sub(r"(?m)^listener 0 /run/\S+$", "listener 0 var/public-relay.sock", text)
        text = re.sub(r"(?m)^log_dest .*$", "log_dest stdout", text)
        return rel, text
    if rel == "broker/mosquitto.conf":
        text = text.replace("/etc/mosquitto/motcua/", "")
        text = re.sub(r"(?m)^persistence_location .*$", "persistence_location var/", text)
        text = re.sub(r"(?m)^include_dir .*$", "include_dir conf.d", text)
        text = re.sub(r"(?m)^log_dest .*$", "log_dest stdout", text)
        return rel, ("# ONE MACHINE (motcua provision --one-machine): every path below is\n"
                     "# relative to this folder, where `motcua trial` starts the broker.\n"
                     + text)
    if rel.endswith(".toml") and (rel.startswith("hub/") or rel.startswith("nodes/")):
        return rel, _VAR.sub("var/", _ETC.sub("", text))
    return rel, text


MARKER_TEXT = """\
This centre was provisioned for ONE machine (motcua provision --one-machine):
every path is relative to the folder of the file naming it, and each program
runs in its own folder. Start it all, nodes on fake hardware:

    motcua trial {folder}

Its database is hub/var/motcua.db; run the hub's commands from hub/:

    cd {folder}/hub
    motcua queue load /path/to/your-queue.toml --config hub.toml
    motcua user add admin --role admin --name "..." --config hub.toml

For the real machines, provision into another folder without --one-machine.
"""


def finish(w, inv) -> None:
    """What only a one-machine folder has: the CA certificate beside each program, the marker."""
    ca = w.path("ca", "ca.crt").read_bytes()
    # mosquitto.conf's include_dir must exist, even without a bridge in it.
    w.path("broker", "conf.d").mkdir(mode=0o700, exist_ok=True)
    w.write("hub/ca.crt", ca)
    for n in inv.nodes:
        w.write(f"nodes/{n.id}/ca.crt", ca)
    w.write(MARKER, MARKER_TEXT.format(folder=w.root))


# --- motcua trial: start it -------------------------------------------------------------


class TrialError(Exception):
    pass


class Trial:
    """The processes of a one-machine centre: broker, hub, nodes. ``stop()`` ends them all."""

    def __init__(self, folder: str | os.PathLike, python: str = sys.executable):
        self.folder = Path(folder).resolve()
        if not (self.folder / MARKER).exists():
            raise TrialError(f"{self.folder} was not provisioned with --one-machine "
                             f"(no {MARKER}); run: motcua provision INVENTORY --out "
                             f"{folder} --one-machine")
        self.python = python
        self.processes: dict[str, subprocess.Popen] = {}
        hub = tomllib.loads((self.folder / "hub" / "hub.toml").read_text(encoding="utf-8"))
        self.broker_port = hub["mqtt"]["port"]
        self.http_port = hub.get("http", {}).get("port", 8080)
        registry = tomllib.loads((self.folder / "hub" / "nodes.toml").read_text(encoding="utf-8"))
        self.nodes = {node_id: entry["role"] for node_id, entry in registry["nodes"].items()}

    def _start(self, name: str, cwd: Path, argv: list[str], stdin=subprocess.DEVNULL):
        (cwd / "var").mkdir(mode=0o700, exist_ok=True)
        log = open(cwd / "var" / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        self.processes[name] = subprocess.Popen(argv, cwd=cwd, stdout=log,
                                                stderr=subprocess.STDOUT, stdin=stdin)
        log.close()
        return self.processes[name]

    def start_broker(self) -> None:
        broker = self.folder / "broker"
        (broker / "var").mkdir(mode=0o700, exist_ok=True)
        # Started as root, Mosquitto would switch to the `mosquitto` user, who
        # cannot read this folder's 0600 files: it runs as whoever starts it.
        run_conf = broker / "var" / "run.conf"
        run_conf.write_text(f"user {getpass.getuser()}\n"
                            + (broker / "mosquitto.conf").read_text(encoding="utf-8"))
        run_conf.chmod(0o600)
        process = self._start("mosquitto", broker, [find_mosquitto(), "-c", "var/run.conf"])
        if not wait_listening(process, {self.broker_port: 1}, 15):
            raise TrialError(f"the broker did not open port {self.broker_port}: see "
                             f"{broker / 'var' / 'mosquitto.log'}")
        public = broker / "public.conf"
        if public.exists():
            relay_conf = broker / "var" / "public-run.conf"
            relay_conf.write_text(f"user {getpass.getuser()}\n"
                                  + public.read_text(encoding="utf-8"))
            relay_conf.chmod(0o600)  # it holds the relay's bridge password
            self._start("public-relay", broker, [find_mosquitto(), "-c", "var/public-run.conf"])

    def start_hub(self) -> None:
        process = self._start("hub", self.folder / "hub",
                              [self.python, "-m", "motcua", "hub", "--config", "hub.toml"])
        if not wait_listening(process, {self.http_port: 1}, 90):
            raise TrialError(f"the hub did not open port {self.http_port}: see "
                             f"{self.folder / 'hub' / 'var' / 'hub.log'}")

    def start_nodes(self) -> None:
        for node_id, role in self.nodes.items():
            self._start(node_id, self.folder / "nodes" / node_id,
                        [self.python, "-m", "motcua", role, "--fake-hardware",
                         "--config", "node.toml"], stdin=subprocess.PIPE)

    def press(self, node_id: str, keys: str) -> None:
        """Type keys on a fake-hardware node's stdin (``press("dispenser-1", "1")``)."""
        process = self.processes[node_id]
        process.stdin.write(keys.encode() + b"\n")
        process.stdin.flush()

    def start(self) -> Trial:
        try:
            self.start_broker()
            self.start_hub()
            self.start_nodes()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def trial_command(args) -> int:
    try:
        trial = Trial(args.folder).start()
    except (TrialError, OSError) as exc:
        print(f"motcua trial: {exc}", file=sys.stderr)
        return 2
    hub = trial.folder / "hub"
    print(f"Broker: localhost:{trial.broker_port} (TLS), log {trial.folder}/broker/var/"
          "mosquitto.log")
    print(f"Hub: http://localhost:{trial.http_port}/  (log {hub}/var/hub.log)")
    print("Nodes (fake hardware): " + ", ".join(f"{n} ({r})" for n, r in trial.nodes.items()))
    print(f"Before the first ticket (in another terminal): cd {hub} && motcua queue load "
          "YOUR-QUEUE.toml --config hub.toml")
    print("Type '<node id> <keys>' and Enter to press a node's keys, e.g. 'dispenser-1 1'; "
          "Ctrl-C stops everything.", flush=True)

    def watch():
        for line in sys.stdin:
            words = line.split(maxsplit=1)
            if not words:
                continue
            if words[0] not in trial.nodes:
                print(f"no node {words[0]!r}; nodes: {', '.join(trial.nodes)}", flush=True)
                continue
            try:
                trial.press(words[0], words[1].strip() if len(words) > 1 else "")
            except OSError as exc:
                print(f"{words[0]}: {exc}", flush=True)

    threading.Thread(target=watch, daemon=True).start()
    try:
        while all(p.poll() is None for p in trial.processes.values()):
            time.sleep(1)
        dead = [n for n, p in trial.processes.items() if p.poll() is not None]
        print(f"motcua trial: {', '.join(dead)} stopped; see its var/*.log. Stopping the rest.",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        trial.stop()
