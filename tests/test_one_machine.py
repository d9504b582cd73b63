"""A whole centre provisioned into one folder and started on this machine.

``motcua provision --one-machine`` then ``motcua trial``, as docs/operations.md
tells a technician to try a centre before touching the Pis: the folder is
moved after provisioning (its paths are relative), the queue setup is loaded
with the documented command, and a citizen's button press prints a ticket
that the hub recorded.
"""

import shutil
import sqlite3
import subprocess
import tomllib

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from motcua.broker import free_port
from motcua.provision import provision
from motcua.provision.inventory import InventoryError
from motcua.provision.local import MARKER, Trial, TrialError

from .conftest import MOTCUA, PROJECT, wait_until

EXAMPLE = PROJECT / "provisioning" / "examples" / "centre.toml"
SAMPLE_QUEUE = PROJECT / "central" / "samples" / "thanhhoa.toml"


def logs(folder):
    """The tail of every log of the trial, for a failure's message."""
    return "\n".join(f"== {log.relative_to(folder)}\n" + log.read_text(errors="replace")[-1500:]
                     for log in sorted(folder.rglob("var/*.log")))


def configs(folder):
    return [p for p in folder.rglob("*") if p.suffix in (".toml", ".conf", ".yml")]


def test_one_machine_folder_names_no_system_path(tmp_path):
    out = tmp_path / "trial"
    provision(EXAMPLE, out, one_machine=True)
    assert (out / MARKER).exists()
    assert not (out / "inventory.yml").exists()  # not for Ansible
    for path in configs(out):
        text = "\n".join(ln for ln in path.read_text().splitlines()
                         if not ln.lstrip().startswith("#"))
        assert "/etc/" not in text and "/var/lib" not in text, path
    node = tomllib.loads((out / "nodes" / "dispenser-1" / "node.toml").read_text())
    assert node["mqtt"]["host"] == "localhost"
    assert node["buttons"][0] == "ho-tich=17"  # the inventory's settings table
    counter = tomllib.loads((out / "nodes" / "counter-2" / "node.toml").read_text())
    assert counter["keypad"]["counters"] == [2, 3]  # the inventory's counters
    # Running it again changes nothing.
    again = provision(EXAMPLE, out, one_machine=True)
    assert again.changed() == []


def test_the_machines_folder_is_not_started_as_a_trial(tmp_path):
    provision(EXAMPLE, tmp_path / "real")
    with pytest.raises(TrialError, match="--one-machine"):
        Trial(tmp_path / "real")


@pytest.mark.parametrize("settings", ['[nodes.settings]\nnode_id = "x"\n',
                                      '[nodes.settings.mqtt]\nport = 1\n',
                                      '[nodes.settings.keypad]\ncounters = [9]\n'])
def test_settings_provision_owns_are_refused(tmp_path, settings):
    inventory = tmp_path / "c.toml"
    inventory.write_text(EXAMPLE.read_text().replace(
        "counters = [2, 3]\n", "counters = [2, 3]\n" + settings))
    with pytest.raises(InventoryError, match="settings"):
        provision(inventory, tmp_path / "out")


@pytest.mark.slow
def test_a_moved_one_machine_centre_serves_a_citizen(tmp_path):
    provision(EXAMPLE, tmp_path / "first", one_machine=True)
    folder = tmp_path / "moved" / "thanhhoa"
    folder.parent.mkdir()
    shutil.move(tmp_path / "first", folder)
    # Free ports instead of 8883, 8080 and 9001 (other tests run beside this one).
    broker_port, http_port, ws_port = free_port(), free_port(), free_port()
    hub_toml = folder / "hub" / "hub.toml"
    hub_toml.write_text(hub_toml.read_text().replace("port = 8883", f"port = {broker_port}")
                        .replace("port = 8080", f"port = {http_port}"))
    for node in (folder / "nodes").iterdir():
        conf = node / "node.toml"
        conf.write_text(conf.read_text().replace("port = 8883", f"port = {broker_port}"))
    for name, changes in (("mosquitto.conf", [("listener 8883", f"listener {broker_port}")]),
                          ("public.conf", [("listener 9001", f"listener {ws_port}"),
                                           (":8883", f":{broker_port}")])):
        conf = folder / "broker" / name
        text = conf.read_text()
        for old, new in changes:
            assert old in text, (name, old)
            text = text.replace(old, new)
        conf.write_text(text)

    trial = Trial(folder)
    try:
        trial.start_broker()
        trial.start_hub()
        # The queue setup, as the docs say: from hub/, with hub.toml.
        loaded = subprocess.run([*MOTCUA, "queue", "load", str(SAMPLE_QUEUE), "--config",
                                 "hub.toml"], cwd=folder / "hub", capture_output=True,
                                text=True, timeout=120)
        assert loaded.returncode == 0, loaded.stderr
        trial.start_nodes()
        db = folder / "hub" / "var" / "motcua.db"

        def online():
            with sqlite3.connect(db) as conn:
                return {r[0] for r in conn.execute("select node_id from nodes "
                                                   "where state = 'online'")}

        try:
            wait_until(lambda: online() == set(trial.nodes), timeout=90)
        except AssertionError:
            raise AssertionError(f"online: {online()}\n{logs(folder)}") from None
        trial.press("dispenser-1", "1")  # the first button: ho-tich
        tickets = folder / "nodes" / "dispenser-1" / "var" / "tickets"
        wait_until(lambda: list(tickets.glob("ticket-*.png")), timeout=30)

        def issued():
            with sqlite3.connect(db) as conn:
                return conn.execute("select count(*) from tickets").fetchone()[0]

        wait_until(lambda: issued() == 1, timeout=30)
        # The live pages' relay serves the floor's state to an anonymous page.
        seen = []
        page = mqtt.Client(CallbackAPIVersion.VERSION2, transport="websockets")
        page.on_connect = lambda c, u, f, rc, p: c.subscribe("motcua/thanhhoa/state/#")
        page.on_message = lambda c, u, m: seen.append(m.topic)
        page.connect("127.0.0.1", ws_port)
        page.loop_start()
        try:
            wait_until(lambda: "motcua/thanhhoa/state/line/ho-tich" in seen, timeout=30)
        finally:
            page.loop_stop()
            page.disconnect()
    finally:
        trial.stop()
    assert all(p.poll() is not None for p in trial.processes.values())
