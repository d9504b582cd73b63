"""``motcua provision``: what a technician gets from one inventory file."""

import os
import stat
import subprocess
import tomllib

import pytest

from central.config import HubConfig
from motcua.config import load
from motcua.provision import ProvisionError, passwd, provision
from motcua.provision.inventory import InventoryError

from .conftest import MOTCUA

SECRETS = ["ca/ca.key", "broker/server.key", "broker/passwd", "hub/mqtt-password",
           "nodes/dispenser-1/mqtt-password", "nodes/counter-2/mqtt-password",
           "broker/web-password", "broker/public.conf"]


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(out):
    return {p.relative_to(out): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file()}


def test_every_file_a_centre_needs_and_secrets_are_private(sample_inventory, tmp_path):
    out = tmp_path / "out"
    provision(sample_inventory(), out)
    for rel in SECRETS:
        assert mode(out / rel) == 0o600, rel
    assert mode(out) == 0o700
    for folder in [p for p in out.rglob("*") if p.is_dir()]:
        assert mode(folder) == 0o700, folder
    # Every node config loads with its role's real schema and names its own user.
    from counter.config import CounterConfig
    from dispenser.config import DispenserConfig
    from display.node import DisplayConfig
    from kiosk.node import KioskConfig

    schemas = {"dispenser": DispenserConfig, "counter": CounterConfig,
               "display": DisplayConfig, "kiosk": KioskConfig}
    for node_id in ("dispenser-1", "counter-1", "counter-2", "display-1", "kiosk-1"):
        schema = schemas[node_id.split("-")[0]]
        cfg = load(schema, out / "nodes" / node_id / "node.toml", env={})
        assert (cfg.node_id, cfg.mqtt.username, cfg.mqtt.tls) == (node_id, node_id, True)
        assert cfg.mqtt.port == 8883 and cfg.mqtt.host == "hub.thanhhoa.lan"
        if schema is CounterConfig:  # the inventory's counters, not the default [1]
            assert cfg.keypad.counters == {"counter-1": [1], "counter-2": [2, 3]}[node_id]
    hub = load(HubConfig, out / "hub" / "hub.toml", env={})
    assert hub.mqtt.username == "hub" and hub.mqtt.tls
    # The broker's password file has one line per node and the hub, each matching.
    entries = passwd.parse((out / "broker" / "passwd").read_text())
    assert set(entries) == {"hub", "dispenser-1", "counter-1", "counter-2", "display-1",
                            "kiosk-1", "web"}
    # The live pages read the relay anonymously: hub.toml hands them nothing. The
    # relay's bridge logs in to the centre's broker as the read-only user web.
    assert hub.live_mqtt_username == "" and hub.live_mqtt_password_file == ""
    web_password = (out / "broker" / "web-password").read_text().strip()
    assert passwd.verify(entries["web"], web_password)
    relay = (out / "broker" / "public.conf").read_text()
    assert "protocol websockets" in relay and f"remote_password {web_password}" in relay
    assert "websockets" not in (out / "broker" / "mosquitto.conf").read_text().replace(
        "# ", "")
    assert "live_mqtt_url" not in (out / "hub" / "hub.toml").read_text()  # plain http: ws://
    pw = (out / "nodes" / "kiosk-1" / "mqtt-password").read_text().strip()
    assert passwd.verify(entries["kiosk-1"], pw)
    assert not passwd.verify(entries["dispenser-1"], pw)
    # The registry tells the hub which counters each counter node drives.
    registry = tomllib.loads((out / "hub" / "nodes.toml").read_text())
    assert registry["nodes"]["counter-2"]["counters"] == [2, 3]
    acl = (out / "broker" / "acl").read_text()
    assert "pattern write motcua/thanhhoa/node/%u/status" in acl
    inventory = (out / "inventory.yml").read_text()
    assert "counter-2: {ansible_host: \"10.20.0.22\"" in inventory


def test_our_password_hash_is_the_one_mosquitto_passwd_checks(tmp_path):
    # mosquitto_passwd writes a hash; ours must verify it, and vice versa the
    # broker accepts ours (tests/test_broker_production.py).
    path = tmp_path / "pw"
    path.write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(path), "alice", "mật khẩu"], check=True)
    hashed = passwd.parse(path.read_text())["alice"]
    assert passwd.verify(hashed, "mật khẩu")
    assert not passwd.verify(hashed, "mat khau")


def test_running_again_changes_nothing_and_adding_a_node_changes_only_what_it_must(
        sample_inventory, tmp_path):
    inventory = sample_inventory()
    out = tmp_path / "out"
    provision(inventory, out)
    before = snapshot(out)
    again = provision(inventory, out)
    assert again.changed() == []
    assert snapshot(out) == before

    inventory.write_text(inventory.read_text() + '[[nodes]]\nid = "counter-3"\nrole = "counter"\n'
                         'host = "10.20.0.23"\ncounters = [4]\n')
    result = provision(inventory, out)
    changed = {p.relative_to(out).as_posix() for p in result.changed()}
    # (the ACL gains the new node's role-limited reads)
    assert changed == {"nodes/counter-3/mqtt-password", "nodes/counter-3/node.toml",
                       "broker/passwd", "broker/acl", "hub/nodes.toml", "inventory.yml"}
    after = snapshot(out)
    for rel, (content, _) in before.items():
        if rel.as_posix() not in changed:
            assert after[rel][0] == content, rel
    # Old lines of the password file are kept byte for byte (no needless re-hash).
    old_lines = set(before[type(rel)("broker/passwd")][0].decode().splitlines())
    assert old_lines < set((out / "broker" / "passwd").read_text().splitlines())


def test_rotation_replaces_one_password_only(sample_inventory, tmp_path):
    inventory, out = sample_inventory(), tmp_path / "out"
    provision(inventory, out)
    old = (out / "nodes/counter-1/mqtt-password").read_text()
    other = (out / "nodes/counter-2/mqtt-password").read_text()
    result = provision(inventory, out, rotate=["counter-1"])
    new = (out / "nodes/counter-1/mqtt-password").read_text()
    assert new != old and (out / "nodes/counter-2/mqtt-password").read_text() == other
    assert mode(out / "nodes/counter-1/mqtt-password") == 0o600
    entries = passwd.parse((out / "broker/passwd").read_text())
    assert passwd.verify(entries["counter-1"], new.strip())
    assert not passwd.verify(entries["counter-1"], old.strip())
    assert {p.relative_to(out).as_posix() for p in result.changed()} == {
        "nodes/counter-1/mqtt-password", "broker/passwd"}


def test_a_removed_node_can_no_longer_sign_in(sample_inventory, tmp_path):
    inventory, out = sample_inventory(), tmp_path / "out"
    provision(inventory, out)
    text = inventory.read_text().replace(
        '[[nodes]]\nid = "kiosk-1"\nrole = "kiosk"\nhost = "10.20.0.41"\n', "")
    inventory.write_text(text)
    result = provision(inventory, out)
    assert result.removed_users == ["kiosk-1"]
    assert "kiosk-1" not in passwd.parse((out / "broker/passwd").read_text())


def test_a_changed_broker_name_needs_an_explicit_rotation(sample_inventory, tmp_path):
    inventory, out = sample_inventory(), tmp_path / "out"
    provision(inventory, out)
    cert = (out / "broker/server.crt").read_bytes()
    inventory.write_text(inventory.read_text().replace("hub.thanhhoa.lan", "mqtt.thanhhoa.lan"))
    with pytest.raises(ProvisionError, match="--rotate server"):
        provision(inventory, out)
    assert (out / "broker/server.crt").read_bytes() == cert
    provision(inventory, out, rotate=["server"])
    assert (out / "broker/server.crt").read_bytes() != cert


def test_a_secret_that_differs_is_never_silently_overwritten(sample_inventory, tmp_path):
    inventory, out = sample_inventory(), tmp_path / "out"
    provision(inventory, out)
    (out / "ca" / "ca.crt").unlink()  # a half-restored backup
    key = (out / "ca" / "ca.key").read_bytes()
    with pytest.raises(ProvisionError, match="CA certificate and key"):
        provision(inventory, out)
    assert (out / "ca" / "ca.key").read_bytes() == key


@pytest.mark.parametrize("change, problem", [
    ('id = "kiosk-1"', 'id = "kiosk-1"\n[[nodes]]\nid = "kiosk-1"\nrole = "kiosk"\nhost = "x"'),
    ('role = "kiosk"', 'role = "toaster"'),
    ('id = "kiosk-1"', 'id = "hub"'),
    ('id = "kiosk-1"', 'id = "Kiosk 1"'),
    ('addresses = ["10.20.0.2"]', 'addresses = ["not-an-ip"]'),
    ('role = "kiosk"', 'role = "kiosk"\ncounters = [1]'),
])
def test_a_bad_inventory_is_refused_before_anything_is_written(sample_inventory, tmp_path,
                                                               change, problem):
    inventory = sample_inventory()
    inventory.write_text(inventory.read_text().replace(change, problem))
    with pytest.raises(InventoryError):
        provision(inventory, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, problem", [
    # A national inventory has no nodes, centres or bridge of its own.
    ('[[provinces]]\nid = "thanhhoa"\nname = "Tỉnh Thanh Hóa"\n[[nodes]]\nid = "k"\n'
     'role = "kiosk"\nhost = "x"\n', "provinces"),
    ('[[provinces]]\nid = "thanhhoa"\nname = "  "\n', "name"),
    ('[[provinces]]\nid = "thanhhoa"\nname = "A"\n[[provinces]]\nid = "thanhhoa"\n'
     'name = "B"\n', "twice"),
    ('[[provinces]]\nid = "hub"\nname = "A"\n', "reserved"),
    # A province's centres: their ids are checked as the provinces' are.
    ('[[centres]]\nid = "xa-1"\n[[centres]]\nid = "xa-1"\n', "twice"),
    ('[[centres]]\nid = "ingest-1"\n', "reserved"),
    ('[[centres]]\nid = "Xa 1"\n', "use a-z"),
    ('[[centres]]\nid = "xa-1"\nhost = "x"\n', "unknown key"),
    # Only a province bridges to the country, by a name Mosquitto can take.
    ('[national]\naddress = "quocgia.example.vn"\n', "only a province"),
    ('[[centres]]\nid = "xa-1"\n[national]\naddress = "2001:db8::1"\n', "IPv6"),
])
def test_a_bad_national_inventory_is_refused_before_anything_is_written(tmp_path, text,
                                                                        problem):
    inventory = tmp_path / "inventory.toml"
    inventory.write_text('center = "quocgia"\n[broker]\nhost = "localhost"\n' + text,
                         encoding="utf-8")
    with pytest.raises(InventoryError, match=problem):
        provision(inventory, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_lists_files_and_never_prints_a_secret(sample_inventory, tmp_path):
    inventory, out = sample_inventory(), tmp_path / "out"
    run = subprocess.run([*MOTCUA, "provision", str(inventory), "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "created   nodes/counter-1/mqtt-password" in run.stdout
    secrets = [(out / rel).read_text().strip() for rel in SECRETS]
    for secret in secrets:
        for line in secret.splitlines():
            if line.strip():  # (public.conf has blank lines between its sections)
                assert line not in run.stdout + run.stderr
    bad = subprocess.run([*MOTCUA, "provision", str(inventory), "--out", str(out),
                          "--rotate", "nobody"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "nobody" in bad.stderr


def test_generated_output_folders_are_ignored_by_git():
    root = os.path.dirname(os.path.dirname(__file__))
    for path in ("provisioned/thanhhoa/ca/ca.key", "secrets/x", "var/x"):
        run = subprocess.run(["git", "check-ignore", "-q", path], cwd=root)
        assert run.returncode == 0, f"{path} would be committed"


def test_a_hub_behind_https_gets_its_proxy_and_listens_on_loopback(sample_inventory, tmp_path):
    """[hub] https = true: nginx's site (proxy/, tests/test_https_proxy.py runs it), the
    hub behind it on 127.0.0.1 trusting its headers, Secure cookies; ws:// from an
    https page is mixed content, so the pages read wss://<host>/mqtt through nginx."""
    path = sample_inventory()
    path.write_text(path.read_text().replace('[hub]\nhost = "10.20.0.2"\n',
                                             '[hub]\nhost = "10.20.0.2"\nhttps = true\n'))
    out = tmp_path / "out"
    provision(path, out)
    hub_toml = (out / "hub" / "hub.toml").read_text()
    assert "secure_cookies = true" in hub_toml
    hub = load(HubConfig, out / "hub" / "hub.toml", env={})
    assert hub.live_mqtt_url == "" and hub.live_mqtt_username == ""
    assert hub.http.host == "127.0.0.1" and hub.http.behind_proxy
    site = (out / "proxy" / "motcua.conf").read_text()
    assert "server_name hub.thanhhoa.lan localhost 10.20.0.2 127.0.0.1;" in site
    assert "proxy_pass http://127.0.0.1:9001;" in site and "location = /mqtt" in site
    assert 'Strict-Transport-Security "max-age=31536000"' in site
    assert (out / "proxy" / "hub.crt").read_bytes() == (out / "broker" / "server.crt").read_bytes()
    assert "motcua_hub_https: true" in (out / "inventory.yml").read_text()
    plain = tmp_path / "plain"
    provision(sample_inventory(), plain)
    assert not (plain / "proxy").exists()
    assert 'host = "0.0.0.0"' in (plain / "hub" / "hub.toml").read_text()


def test_receipts_print_the_centres_public_address(sample_inventory, tmp_path):
    """hub.toml's [dossiers] public_url: the inventory's, or the hub's own address."""
    out = tmp_path / "plain"
    provision(sample_inventory(), out)
    hub = load(HubConfig, out / "hub" / "hub.toml", env={})
    assert hub.dossiers.public_url == "http://10.20.0.2:8080"
    path = sample_inventory()
    path.write_text(path.read_text().replace(
        '[hub]\nhost = "10.20.0.2"\n',
        '[hub]\nhost = "10.20.0.2"\nhttps = true\n'
        'public_url = "https://dichvucong.thanhhoa.gov.vn"\n'))
    out = tmp_path / "public"
    provision(path, out)
    hub = load(HubConfig, out / "hub" / "hub.toml", env={})
    assert hub.dossiers.public_url == "https://dichvucong.thanhhoa.gov.vn"
    path.write_text(path.read_text().replace("https://dichvucong", "dichvucong"))
    with pytest.raises(InventoryError, match="public_url"):
        provision(path, tmp_path / "bad")
