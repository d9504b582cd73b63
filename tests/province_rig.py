"""Centres and a province as real processes on loopback (tests and bench/province.py).

Each centre: `motcua provision` output, Mosquitto in the production config with
its bridge (TLS, own credentials) to the provincial broker, and `motcua hub`
as a process with ``uplink = true``. The province: its own provision (an
inventory with ``[[centres]]``), Mosquitto, and `motcua hub` with ``role =
"province"``. Between each centre and the province a
:class:`~tests.tcp_proxy.LoopbackProxy`, the cable that can be cut.

The only change to the generated configs: the bridge's ``restart_timeout``
goes from ``5 60`` to ``1 2`` so a test does not wait up to a minute for the
bridge's next retry once a link is back (documented in docs/scaling.md).
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from motcua.broker import ProductionMosquitto, loopback_addresses, loopback_host
from motcua.provision import provision

from .conftest import SAMPLE_INVENTORY
from .hub_process import start_hub
from .tcp_proxy import LoopbackProxy

CENTRE_NAMES = {"xa-a": "Trung tâm Phục vụ hành chính công xã Đông Sơn",
                "xa-b": "Trung tâm Phục vụ hành chính công xã Hoằng Hóa",
                "xa-c": "Trung tâm Phục vụ hành chính công xã Quảng Xương"}


def _hub_toml(path: Path, center: str, name: str, db: Path, broker_port: int, creds: Path,
              extra: str) -> Path:
    path.write_text(
        f'center = "{center}"\ncenter_name = "{name}"\ndatabase = "{db}"\n'
        f'log_level = "INFO"\n{extra}'
        f'[mqtt]\nhost = "localhost"\nport = {broker_port}\nusername = "hub"\n'
        f'password_file = "{creds}/hub/mqtt-password"\ntls = true\n'
        f'ca_file = "{creds}/ca/ca.crt"\nkeepalive = 5\n'
        f'[http]\nhost = "127.0.0.1"\n', encoding="utf-8")
    return path


def _start_hub(config: Path, log: Path) -> subprocess.Popen:
    """The hub on a web port it bound itself (``http_port``), once it listens."""
    with open(log, "ab") as out:  # the process has its own copy
        try:
            return start_hub(config, timeout=180, stdout=out, stderr=subprocess.STDOUT)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{log.read_text()[-3000:]}") from None


@dataclass
class Centre:
    id: str
    out: Path
    broker: ProductionMosquitto
    hub: subprocess.Popen
    proxy: LoopbackProxy
    db: Path
    http_port: int
    clients: dict = field(default_factory=dict)


@dataclass
class Province:
    out: Path
    broker: ProductionMosquitto
    hub: subprocess.Popen
    db: Path
    http_port: int
    centres: dict[str, Centre] = field(default_factory=dict)

    def query(self, sql, args=()):
        with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as conn:
            return conn.execute(sql, args).fetchall()

    def stop(self):
        for c in self.centres.values():
            for client in c.clients.values():
                client.stop()
            c.hub.terminate()
        self.hub.terminate()
        for c in self.centres.values():
            c.hub.wait(20)
            c.broker.stop()
            c.proxy.close()
        self.hub.wait(20)
        self.broker.stop()


def prepare_centre_db(db: Path, officer: str):
    """The sample centre's queue, three departments' procedures, an officer at counter 1."""
    from central.accounts import users
    from central.queue import commands, setup
    from central.store import Store

    from .dossier_helpers import add_procedures

    store = Store(db)
    setup.load_file(store, setup.SAMPLE, actor="test")
    add_procedures(store)
    user = users.create_user(store, officer, f"Cán bộ {officer}", "officer", "mật-khẩu-thử-1")
    user_id = user["id"] if isinstance(user, dict) else user
    with store.write() as w:  # as an officer taking the counter does (commands.sign_in)
        commands.sign_in(w, setup.counter_by_number(w, 1), user_id)
        # Every "next" counts: the tests call citizens faster than any officer.
        setup.save_settings(w, {"next_again_s": "0"}, actor="test")
    store.close()


def start_province(root: Path, centre_ids: list[str]) -> Province:
    inv = root / "tinh.toml"
    inv.write_text('center = "tinh"\ncenter_name = "Trung tâm Phục vụ hành chính công tỉnh"\n'
                   '[broker]\nhost = "localhost"\n'
                   + "".join(f'[[centres]]\nid = "{c}"\nname = "{CENTRE_NAMES.get(c, c)}"\n'
                             for c in centre_ids), encoding="utf-8")
    out = root / "tinh"
    provision(inv, out)
    broker = ProductionMosquitto(out / "broker", data_dir=root / "tinh-broker").start()
    db = root / "tinh.db"
    # The live pages read the province's relay broker, anonymously.
    live = f'live_mqtt_url = "ws://127.0.0.1:{broker.ws_port}"\n'
    config = _hub_toml(root / "tinh-hub.toml", "tinh", "Tỉnh Thanh Hóa", db, broker.port, out,
                       'role = "province"\n' + live)
    hub = _start_hub(config, root / "tinh-hub.log")
    return Province(out, broker, hub, db, hub.http_port)


def start_centre(root: Path, province: Province, cid: str) -> Centre:
    # On every address `localhost` has here, as the centre's bridge names it.
    addresses = loopback_addresses() if loopback_host() == "localhost" else ["127.0.0.1"]
    proxy = LoopbackProxy(province.broker.port, addresses=addresses, upstream="localhost")
    inv = root / f"{cid}.toml"
    inv.write_text(SAMPLE_INVENTORY.format(center=cid)
                   + f'[province]\naddress = "localhost"\nport = {proxy.port}\n'
                     f'password_file = "{province.out}/centres/{cid}/bridge-password"\n'
                     f'ca_file = "{province.out}/centres/{cid}/province-ca.crt"\n',
                   encoding="utf-8")
    out = root / cid
    provision(inv, out)
    bridge = out / "broker" / "bridge.conf"
    bridge.write_text(bridge.read_text().replace("restart_timeout 5 60", "restart_timeout 1 2"))
    db = root / f"{cid}.db"
    prepare_centre_db(db, f"cb-{cid}")
    broker = ProductionMosquitto(out / "broker", data_dir=root / f"{cid}-broker").start()
    config = _hub_toml(root / f"{cid}-hub.toml", cid, CENTRE_NAMES.get(cid, cid), db,
                       broker.port, out, "uplink = true\n")
    try:
        hub = _start_hub(config, root / f"{cid}-hub.log")
    except BaseException:
        broker.stop()
        proxy.close()
        raise
    centre = Centre(cid, out, broker, hub, proxy, db, hub.http_port)
    province.centres[cid] = centre
    return centre


def node_client(centre: Centre, node_id: str):
    """A bus client with a node's provisioned credentials (the test plays the node)."""
    from motcua.bus import BusClient, Topics
    from motcua.bus.messages import NODE_STATUS
    from motcua.bus.paho import PahoTransport
    from motcua.config import MqttConfig, from_dict

    config = from_dict(MqttConfig, {
        "host": "localhost", "port": centre.broker.port, "username": node_id,
        "password_file": str(centre.out / "nodes" / node_id / "mqtt-password"), "tls": True,
        "ca_file": str(centre.out / "ca" / "ca.crt"), "keepalive": 5})
    topics = Topics(centre.id)
    role = node_id.split("-")[0]
    client = BusClient(PahoTransport(config, client_id=node_id), topics,
                       inbox=topics.node_inbox(node_id), status_topic=topics.node_status(node_id),
                       online=NODE_STATUS.make(node_id=node_id, role=role, state="online"),
                       offline=NODE_STATUS.make(node_id=node_id, role=role, state="offline"))
    client.node_id = node_id
    client.start()
    assert client.wait_connected(20), f"{node_id} of {centre.id} did not connect"
    centre.clients[node_id] = client
    return client


def ask(client, name, payload, timeout=20.0):
    t = client.topics
    return client.request(t.node_request(client.node_id, name), payload,
                          response_topic=t.node_response(client.node_id, name), timeout=timeout)
