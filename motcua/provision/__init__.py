"""``motcua provision``: everything a centre's machines need, from one inventory.

::

    motcua provision centre.toml --out provisioned/thanhhoa
    motcua provision centre.toml --out provisioned/thanhhoa --rotate counter-3

writes, under ``--out``::

    ca/ca.crt  ca/ca.key*                  the centre's private CA
    broker/    mosquitto.conf acl passwd* ca.crt server.crt server.key*
               public.conf* public.acl public-passwd web-password* (the live pages'
               relay broker and its read-only bridge user, docs/security.md)
               [bridge.conf* province-password*]   (a centre's [province])
               [national.conf* national-password*]  (a province's [national])
    hub/       hub.toml mqtt-password* nodes.toml (which counters each node drives)
    centres/<id>/bridge-password* province-ca.crt   (a province's inventory with
               [[centres]]: what each centre's `[province]` names as password_file, ca_file)
    provinces/<id>/national-password* national-ca.crt  (the national inventory with
               [[provinces]]: what each province's `[national]` names)
    nodes/<id>/node.toml mqtt-password*
    inventory.yml                           for ansible-playbook -i

Files marked * are secrets: created with mode 0600, never printed, and never
replaced except by ``--rotate NAME`` (a node id, ``hub``, ``server`` for the
broker's certificate, ``province`` or ``national`` for the bridge password,
``web`` for the live pages' relay user). Running it again
after adding a node to the inventory creates that node's files, adds its line
to ``passwd`` and changes nothing else; a node removed from the inventory
loses its line in ``passwd`` (it can no longer connect).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import string
from dataclasses import dataclass, field
from pathlib import Path

from . import local, passwd
from .inventory import HUB_USER, WEB_USER, Inventory, InventoryError, load

__all__ = ["provision", "ProvisionError", "InventoryError", "Result", "BROKER_CONFIG"]

BROKER_CONFIG = Path(__file__).resolve().parent.parent.parent / "broker-config"
# Where Ansible installs things on the machines (the generated configs name these).
NODE_ETC = "/etc/motcua"
BROKER_ETC = "/etc/mosquitto/motcua"
HUB_VAR = "/var/lib/motcua"
ROTATABLE_EXTRA = {"hub", "server", "province", "national", "web"}


class ProvisionError(Exception):
    """A refusal: nothing was overwritten; the message says what to do."""


@dataclass
class Result:
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed_users: list[str] = field(default_factory=list)

    def changed(self) -> list[Path]:
        return self.created + self.updated


class _Writer:
    def __init__(self, root: Path, result: Result, localize=None):
        self.root, self.result = root, result
        # --one-machine: (rel, text) -> (rel, text) or None (not written); see local.py
        self.localize = localize

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def write(self, rel: str, content: str | bytes, *, secret: bool = False,
              replace_secret: bool = False) -> Path:
        if self.localize and isinstance(content, str):
            local = self.localize(rel, content)
            if local is None:
                return self.path(rel)
            rel, content = local
        path = self.path(rel)
        data = content.encode() if isinstance(content, str) else content
        # Every folder private, not just the last one mkdir creates.
        for folder in reversed(path.relative_to(self.root).parents[:-1]):
            (self.root / folder).mkdir(exist_ok=True, mode=0o700)
        if path.exists():
            if path.read_bytes() == data:
                self.result.unchanged.append(path)
                if secret:
                    os.chmod(path, 0o600)
                return path
            if secret and not replace_secret:
                raise ProvisionError(f"{path} exists and differs; refusing to overwrite a secret "
                                     "(use --rotate to replace it)")
            self._replace(path, data, 0o600 if secret else 0o644)
            self.result.updated.append(path)
            return path
        self._replace(path, data, 0o600 if secret else 0o644)
        self.result.created.append(path)
        return path

    @staticmethod
    def _replace(path: Path, data: bytes, mode: int) -> None:
        # Written beside and renamed: a reader never sees half a file, and a
        # secret is never readable by others, not even for a moment.
        tmp = path.with_name(f".{path.name}.tmp")
        if tmp.exists():
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


# What each role reads of the shared state, below motcua/<center>/.
ROLE_READS = {
    "dispenser": ["state/line/+"],
    "counter": ["state/counter/+", "state/line/+"],
    "display": ["state/#", "hub/event/+"],
    "kiosk": ["state/catalog"],
}


def _role_reads(inv) -> str:
    blocks = []
    for n in inv.nodes:
        lines = [f"user {n.id}"] + [f"topic read motcua/{inv.center}/{t}"
                                    for t in ROLE_READS[n.role]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# What a centre's bridge writes on the provincial broker, below province/<centre>/:
# exactly what broker-config/bridge.conf.template maps up, one level where the
# centre names a hall, counter or line (no deeper tree of retained topics), the
# bridge's own 1/0, and nothing else (tests/test_bridge.py tries the rest).
CENTRE_WRITES = ("state/board/+", "state/counter/+", "state/line/+", "state/queue_stats",
                 "state/dossier_stats", "state/booking_stats", "state/nodes",
                 "up/ticket_events", "up/dossiers", "up/dossier_events", "up/ratings",
                 "bridge/state")
# The biggest packet the tiers above a centre take: a message of the bus's largest
# payload (motcua.bus.messages.MAX_PAYLOAD_BYTES, 64 KiB) with its topic and header.
# A client sending more is disconnected by the broker (Mosquitto's max_packet_size).
TIER_MAX_PACKET = 64 * 1024 + 1024


def _centre_acl(inv) -> str:
    blocks = ["\n".join([f"user {c.id}"]
                        + [f"topic write province/{c.id}/{t}" for t in CENTRE_WRITES]
                        + [f"topic read province/{c.id}/announce/#"])
              if not c.revoked else
              f"# {c.id}: revoked (inventory `revoked = true`): no user, no topic"
              for c in inv.centres]
    # The extra ingest workers read the centres' summaries, nothing else.
    blocks += [f"user ingest-{i}\ntopic read province/+/up/+"
               for i in range(1, inv.ingest_workers + 1)]
    return "\n\n".join(blocks)


# What the live pages' relay fetches from the centre's broker, and lets them read.
PUBLIC_TOPICS = {
    # The hub's presence too: a page whose own link is up must tell the hub stopped
    # (its Last Will) from a quiet floor (audit4). It says online/offline, its
    # version and the centre's name, no person.
    "centre": (["state/# in 0 motcua/{center}/ motcua/{center}/",
                "hub/status in 0 motcua/{center}/ motcua/{center}/"],
               ["motcua/{center}/state/#", "motcua/{center}/hub/status"]),
    "province": (["province/+/state/# in 0", "province/+/bridge/state in 0"],
                 ["province/+/state/#", "province/+/bridge/state"]),
    "national": (["vn/+/+/state/# in 0", "vn/+/+/bridge/state in 0", "vn/+/bridge/state in 0"],
                 ["vn/+/+/state/#", "vn/+/+/bridge/state", "vn/+/bridge/state"]),
}
PUBLIC_PORT = 9001
HUB_HTTP_PORT = 8080


def _https_proxy(w: _Writer, inv: Inventory) -> None:
    """nginx in front of the hub and the relay (``[hub] https = true``): proxy/."""
    from . import pki  # lazy: cryptography (the provision extra), when writing

    names = " ".join(pki.server_names(inv.broker_host, inv.broker_addresses))
    w.write("proxy/motcua.conf", _template(
        "nginx-proxy.conf.template", center=inv.center, names=names,
        hub_port=HUB_HTTP_PORT, relay_port=PUBLIC_PORT))
    # The broker's certificate names this machine already (the hub and the
    # broker share it); a public CA's certificate may replace these two.
    w.write("proxy/hub.crt", w.path("broker", "server.crt").read_bytes())
    w.write("proxy/hub.key", w.path("broker", "server.key").read_bytes(), secret=True,
            replace_secret=True)


def _public_relay(w: _Writer, inv: Inventory, password: str) -> None:
    """The live pages' own broker (public.conf): anonymous, read-only, fed by a bridge.

    Its bridge's client id there is derived from the bridge password, so it
    stays the same from one run to the next and nobody without the secret
    can guess it (a client taking it would drop the bridge)."""
    bridged, reads = PUBLIC_TOPICS[inv.tier]
    local_id = "relay-" + hashlib.sha256(f"motcua-relay:{password}".encode()).hexdigest()[:32]
    w.write("broker/public.conf", _template(
        "public.conf.template", center=inv.center, web_user=WEB_USER, password=password,
        local_clientid=local_id, broker_port=inv.broker_port, ws_port=PUBLIC_PORT,
        reads_summary=", ".join(r.format(center=inv.center) for r in reads),
        topics="\n".join(f"topic {t.format(center=inv.center)}" for t in bridged),
    ), secret=True, replace_secret=True)
    w.write("broker/public.acl", (
        f"# The live pages' relay broker of {inv.center} (public.conf): what an anonymous\n"
        "# page may read. Generated by `motcua provision`.\n"
        + "".join(f"topic read {r.format(center=inv.center)}\n" for r in reads)))
    # Empty: a client presenting any user name (a node's, the hub's) is refused.
    w.write("broker/public-passwd", "")


def _broker_config(inv: Inventory) -> str:
    """production.conf with the inventory's port on its listener; at a province or the
    country, packets no bigger than a bus message (TIER_MAX_PACKET)."""
    text = (BROKER_CONFIG / "production.conf").read_text("utf-8")
    tier = bool(inv.centres or inv.provinces)

    def line(ln: str) -> str:
        if ln.split()[:1] == ["listener"]:
            return f"listener {inv.broker_port}"
        if tier and ln.split()[:1] == ["max_packet_size"]:
            return (f"# A province's or the country's broker: no bigger than a bus message.\n"
                    f"max_packet_size {TIER_MAX_PACKET}")
        return ln

    return "\n".join(line(ln) for ln in text.split("\n"))


def _template(name: str, **values) -> str:
    return string.Template((BROKER_CONFIG / name).read_text(encoding="utf-8")).substitute(values)


def _pki(w: _Writer, inv: Inventory, rotate: set[str]):
    from . import pki  # lazy: cryptography (the provision extra), when writing

    ca_key_p, ca_crt_p = w.path("ca", "ca.key"), w.path("ca", "ca.crt")
    if ca_key_p.exists() != ca_crt_p.exists():
        raise ProvisionError(f"{w.path('ca')}: the CA certificate and key must both be there "
                             "(restore the missing one from the backup)")
    if ca_key_p.exists():
        ca_key, ca_cert = pki.load_key(ca_key_p.read_bytes()), pki.load_cert(ca_crt_p.read_bytes())
    else:
        ca_key, ca_cert = pki.make_ca(inv.center)
    w.write("ca/ca.key", pki.key_pem(ca_key), secret=True)
    w.write("ca/ca.crt", pki.cert_pem(ca_cert))
    w.write("broker/ca.crt", pki.cert_pem(ca_cert))

    key_p, crt_p = w.path("broker", "server.key"), w.path("broker", "server.crt")
    wanted = set(pki.server_names(inv.broker_host, inv.broker_addresses))
    fresh = "server" in rotate or not (key_p.exists() and crt_p.exists())
    if not fresh:
        cert = pki.load_cert(crt_p.read_bytes())
        try:
            cert.verify_directly_issued_by(ca_cert)
        except Exception:
            raise ProvisionError(f"{crt_p} was not issued by {ca_crt_p}; "
                                 "use --rotate server to issue a new one") from None
        if set(pki.names(cert)) != wanted:
            raise ProvisionError(
                f"{crt_p} names {sorted(pki.names(cert))} but the inventory says "
                f"{sorted(wanted)}; use --rotate server to issue a new certificate")
    if fresh:
        key, cert = pki.make_server_cert(ca_key, ca_cert, inv.broker_host, inv.broker_addresses)
        w.write("broker/server.key", pki.key_pem(key), secret=True, replace_secret=True)
        w.write("broker/server.crt", pki.cert_pem(cert))
    else:
        w.result.unchanged += [key_p, crt_p]


def _password(w: _Writer, rel: str, rotate: bool) -> str:
    path = w.path(rel)
    if path.exists() and not rotate:
        value = path.read_text(encoding="utf-8").strip()
        if value:
            w.write(rel, path.read_bytes(), secret=True)  # keeps it, checks its mode
            return value
    value = passwd.new_password()
    w.write(rel, value + "\n", secret=True, replace_secret=True)
    return value


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, (bool, int, float, str)):
        return json.dumps(value, ensure_ascii=False)  # JSON's forms are TOML's too
    raise ProvisionError(f"settings: {value!r} cannot be written (a date, a table in a list?)")


def _toml_tables(table: dict, prefix: str = "") -> str:
    """A node's settings as TOML: the keys of ``table``, then each sub-table."""
    keys = "".join(f"{k} = {_toml_value(v)}\n" for k, v in table.items()
                   if not isinstance(v, dict))
    subs = "".join(f"\n[{prefix}{k}]\n" + _toml_tables(v, f"{prefix}{k}.")
                   for k, v in table.items() if isinstance(v, dict))
    return keys + subs


def _node_config(inv: Inventory, node) -> str:
    node_id, role = node.id, node.role
    settings = dict(node.settings)
    log_level = settings.pop("log_level", "INFO")
    if role == "counter" and node.counters:
        settings["keypad"] = {"counters": node.counters, **settings.get("keypad", {})}
    top = {k: v for k, v in settings.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in settings.items() if isinstance(v, dict)}
    return (
        f"# {role} {node_id} of centre {inv.center}: generated by `motcua provision`.\n"
        "# Change the inventory and run it again rather than editing this file.\n"
        f"center = {_toml_str(inv.center)}\n"
        f"node_id = {_toml_str(node_id)}\n"
        f"log_level = {_toml_value(log_level)}\n"
        "simulate = false\n"
        f"{_toml_tables(top)}"
        f"{_toml_tables(tables)}"
        "\n[mqtt]\n"
        f"host = {_toml_str(inv.broker_host)}\n"
        f"port = {inv.broker_port}\n"
        f"username = {_toml_str(node_id)}\n"
        f'password_file = "{NODE_ETC}/mqtt-password"\n'
        "tls = true\n"
        f'ca_file = "{NODE_ETC}/ca.crt"\n'
        "keepalive = 15\n"
    )


def _hub_config(inv: Inventory) -> str:
    role = ""
    if inv.provinces:
        role = ('role = "national"\n'
                "# The country's store: PostgreSQL (docs/scaling.md); without it, SQLite.\n"
                '# province_store = "postgresql://motcua@localhost/motcua"\n')
    elif inv.centres:
        role = 'role = "province"\n'
        if any(c.revoked for c in inv.centres):
            # Revoked on purpose: the pages say so, not "Mất kết nối" (a link that dropped).
            role += ("# Centres whose bridge password the province revoked (inventory "
                     "`revoked`).\nrevoked_centres = ["
                     + ", ".join(_toml_str(c.id) for c in inv.centres if c.revoked) + "]\n")
    elif inv.province:
        role = "uplink = true\n"
    # The live pages read the public relay broker (public.conf, port 9001)
    # anonymously: no credential goes into a page (docs/security.md). Behind
    # the HTTPS proxy (proxy/motcua.conf) they read it as wss://<host>/mqtt.
    return (
        f"# The hub of centre {inv.center}: generated by `motcua provision`.\n"
        f"center = {_toml_str(inv.center)}\n"
        f"center_name = {_toml_str(inv.center_name)}\n"
        f'database = "{HUB_VAR}/motcua.db"\n'
        f'secret_key_file = "{HUB_VAR}/secret_key"\n'
        f'nodes_file = "{NODE_ETC}/nodes.toml"\n'
        'timezone = "Asia/Ho_Chi_Minh"\n'
        'log_level = "INFO"\n'
        f"{role}"
        "\n[mqtt]\n"
        # The broker runs on the hub's machine: loopback, still TLS and a password.
        'host = "localhost"\n'
        f"port = {inv.broker_port}\n"
        f'username = "{HUB_USER}"\n'
        f'password_file = "{NODE_ETC}/mqtt-password"\n'
        "tls = true\n"
        f'ca_file = "{NODE_ETC}/ca.crt"\n'
        "keepalive = 15\n"
        "\n[http]\n"
        # Behind the HTTPS proxy the hub listens on loopback only: nobody reaches
        # it around the proxy, nor forges the addresses the proxy passes on.
        f'host = "{"127.0.0.1" if inv.hub_https else "0.0.0.0"}"\n'
        f"port = {HUB_HTTP_PORT}\n"
        "threads = 8\n"
        f"secure_cookies = {'true' if inv.hub_https else 'false'}\n"
        + ("behind_proxy = true\n" if inv.hub_https else "")
        + "\n[dossiers]\n"
        "# The public address printed on receipts (QR code, look-up line).\n"
        f"public_url = {_toml_str(inv.public_url)}\n"
        + ("\n[province_names]\n# The provinces' names on the national pages.\n"
           + "".join(f"{p.id} = {_toml_str(p.name)}\n" for p in inv.provinces)
           if inv.provinces else "")
        # The province's own names for its centres: its pages show these, not the
        # name a centre's hub sends (which a stolen centre could set to another's).
        # Every centre of the inventory is listed (the pages count these, audit4); one
        # given no name has its id, which the pages read as "the name its hub sends".
        + ("\n[centre_names]\n# The province's centres and their names on its pages "
           "(a centre's id: the name its hub sends).\n"
           + "".join(f"{_toml_str(c.id)} = {_toml_str(c.name.strip() or c.id)}\n"
                     for c in inv.centres)
           if inv.centres and not inv.provinces else "")
    )


def _registry(inv: Inventory) -> str:
    lines = [f"# The nodes of centre {inv.center} and the counters each counter node drives.\n"
             "# Generated by `motcua provision`; the hub refuses commands for other counters.\n"]
    for n in inv.nodes:
        lines.append(f"\n[nodes.{_toml_str(n.id)}]\nrole = {_toml_str(n.role)}\n")
        if n.role == "counter":
            lines.append(f"counters = {json.dumps(n.counters)}\n")
    return "".join(lines)


def _ansible_inventory(inv: Inventory, out: Path) -> str:
    q = _toml_str  # JSON strings are YAML scalars too
    lines = [
        "# Generated by `motcua provision`: ansible-playbook -i this provisioning/site.yml\n",
        "all:\n  vars:\n",
        f"    motcua_center: {q(inv.center)}\n",
        f"    motcua_provision_dir: {q(str(out.resolve()))}\n",
        f"    motcua_broker_host: {q(inv.broker_host)}\n",
        f"    motcua_broker_port: {inv.broker_port}\n",
        f"    motcua_hub_https: {'true' if inv.hub_https else 'false'}\n",
        "  children:\n",
        "    hub:\n      hosts:\n",
        f"        motcua-hub: {{ansible_host: {q(inv.hub_host)}, motcua_role: hub}}\n",
        "    broker:\n      hosts:\n        motcua-hub:\n",
    ]
    for role in ("dispenser", "counter", "display", "kiosk"):
        members = [n for n in inv.nodes if n.role == role]
        lines.append(f"    {role}:\n")
        if not members:
            lines.append("      hosts: {}\n")
            continue
        lines.append("      hosts:\n")
        for n in members:
            extra = f", motcua_counters: {json.dumps(n.counters)}" if role == "counter" else ""
            lines.append(f"        {n.id}: {{ansible_host: {q(n.host)}, "
                         f"motcua_node_id: {q(n.id)}, motcua_role: {role}{extra}}}\n")
    return "".join(lines)


def _uplink_secret(w: _Writer, uplink, name: str, rotate_set: set[str]) -> str:
    """The password of this broker's bridge up (``name``: province or national):
    the one the tier above made (``password_file``), or a new one kept in
    ``broker/<name>-password``; the tier above's CA copied beside it."""
    if uplink.password_file:
        try:
            given = Path(uplink.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ProvisionError(f"{name}.password_file: {exc}") from None
        w.write(f"broker/{name}-password", given + "\n", secret=True, replace_secret=True)
        secret = given
    else:
        secret = _password(w, f"broker/{name}-password", name in rotate_set)
    if uplink.ca_file:
        try:
            w.write(f"broker/{name}-ca.crt", Path(uplink.ca_file).read_bytes())
        except OSError as exc:
            raise ProvisionError(f"{name}.ca_file: {exc}") from None
    return secret


def provision(inventory: str | Path | Inventory, out: str | Path,
              rotate: list[str] | tuple[str, ...] = (), one_machine: bool = False) -> Result:
    """Generate (or bring up to date) a centre's credentials and configuration.

    ``one_machine``: the whole centre in ``out`` with relative paths, the
    broker reached as ``localhost`` (:mod:`motcua.provision.local`).
    """
    inv = inventory if isinstance(inventory, Inventory) else load(inventory)
    if one_machine:
        inv = dataclasses.replace(inv, broker_host="localhost")
    rotate_set = set(rotate)
    unknown = (rotate_set - {n.id for n in inv.nodes} - {c.id for c in inv.centres}
               - {p.id for p in inv.provinces}
               - {f"ingest-{i}" for i in range(1, inv.ingest_workers + 1)} - ROTATABLE_EXTRA)
    if unknown:
        raise ProvisionError(f"--rotate {sorted(unknown)[0]}: not a node of the inventory, "
                             "nor hub, server, province, national or web")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out, 0o700)
    result = Result()
    w = _Writer(out, result, local.localize if one_machine else None)

    _pki(w, inv, rotate_set)

    passwords = {HUB_USER: _password(w, "hub/mqtt-password", "hub" in rotate_set)}
    for n in inv.nodes:
        passwords[n.id] = _password(w, f"nodes/{n.id}/mqtt-password", n.id in rotate_set)
    # The live pages' relay broker reads the public state as this user.
    passwords[WEB_USER] = _password(w, "broker/web-password", "web" in rotate_set)
    for c in inv.centres:
        if c.revoked:  # no user: its line leaves passwd (result.removed_users)
            continue
        # Each centre's bridge user on the provincial broker; the centre's
        # provision copies these two files (its inventory's [province] names them).
        passwords[c.id] = _password(w, f"centres/{c.id}/bridge-password", c.id in rotate_set)
        w.write(f"centres/{c.id}/province-ca.crt", w.path("ca", "ca.crt").read_bytes())
    for p in inv.provinces:
        # Each province's bridge user on the national broker; the province's
        # provision copies these two files (its inventory's [national] names them).
        passwords[p.id] = _password(w, f"provinces/{p.id}/national-password",
                                    p.id in rotate_set)
        w.write(f"provinces/{p.id}/national-ca.crt", w.path("ca", "ca.crt").read_bytes())
    for i in range(1, inv.ingest_workers + 1):
        # `motcua ingest --name N` finds its password beside the hub's (workers.py).
        user = f"ingest-{i}"
        passwords[user] = _password(w, f"hub/{user}-mqtt-password", user in rotate_set)
    passwd_path = w.path("broker", "passwd")
    old = passwd.parse(passwd_path.read_text(encoding="utf-8")) if passwd_path.exists() else {}
    entries = {}
    for user, password in passwords.items():
        kept = old.get(user)
        entries[user] = kept if kept and passwd.verify(kept, password) else \
            passwd.hash_password(password)
    result.removed_users = sorted(set(old) - set(entries))
    w.write("broker/passwd", passwd.render(entries), secret=True, replace_secret=True)

    if inv.provinces:
        # Lazy: national.py takes _template from this module (a circle at import).
        from .national import national_acl

        w.write("broker/acl", national_acl([p.id for p in inv.provinces], HUB_USER, WEB_USER,
                                           inv.center, inv.ingest_workers))
    elif inv.centres:
        w.write("broker/acl", _template("province-acl.template", center=inv.center,
                                        hub_user=HUB_USER, web_user=WEB_USER,
                                        centres=_centre_acl(inv)))
    else:
        w.write("broker/acl", _template("acl.template", center=inv.center, hub_user=HUB_USER,
                                        web_user=WEB_USER, role_reads=_role_reads(inv)))
    _public_relay(w, inv, passwords[WEB_USER])
    w.write("broker/mosquitto.conf", _broker_config(inv))
    if inv.province:
        secret = _uplink_secret(w, inv.province, "province", rotate_set)
        w.write("broker/bridge.conf", _template(
            "bridge.conf.template", center=inv.center, address=inv.province.address,
            port=inv.province.port, username=inv.province.username, password=secret,
        ), secret=True, replace_secret=True)
    if inv.national:
        secret = _uplink_secret(w, inv.national, "national", rotate_set)
        from .national import national_bridge  # lazy, as national_acl above

        w.write("broker/national.conf", national_bridge(
            inv.center, inv.national.address, inv.national.port, inv.national.username,
            secret, ca_file=f"{BROKER_ETC}/national-ca.crt"), secret=True, replace_secret=True)

    if inv.hub_https:
        _https_proxy(w, inv)
    w.write("hub/hub.toml", _hub_config(inv))
    w.write("hub/nodes.toml", _registry(inv))
    for n in inv.nodes:
        w.write(f"nodes/{n.id}/node.toml", _node_config(inv, n))
    w.write("inventory.yml", _ansible_inventory(inv, out))
    if one_machine:
        local.finish(w, inv)
    return result
