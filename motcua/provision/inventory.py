"""The centre's inventory: one TOML file a technician writes and keeps.

::

    center = "thanhhoa"
    center_name = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"

    [broker]
    host = "hub.thanhhoa.lan"      # the name nodes connect to (in the server certificate)
    addresses = ["10.20.0.2"]      # its IP addresses (also in the certificate)
    port = 8883

    [hub]
    host = "10.20.0.2"             # where Ansible reaches the hub by SSH

    [[nodes]]
    id = "counter-1"
    role = "counter"
    host = "10.20.0.21"
    counters = [1, 2]
    [nodes.settings.keypad]        # the role's own settings, copied into its node.toml
    next = [17, 5]

``load(path)`` checks it whole and raises :class:`InventoryError` naming the
key at fault, before anything is written.
"""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ID_PATTERN

ROLES = ("dispenser", "counter", "display", "kiosk")
# MQTT user names that are not nodes: a node may not take them.
HUB_USER = "hub"
# The broker's read-only user for the live pages (websockets.conf, province-websockets.conf).
WEB_USER = "web"
RESERVED = {HUB_USER, WEB_USER, "broker", "province", "admin", "anonymous"}
# Keys of a node's node.toml that provision fills in from the rest of the inventory.
OWNED_SETTINGS = {"center", "node_id", "simulate", "mqtt"}


class InventoryError(Exception):
    pass


@dataclass
class NodeEntry:
    id: str
    role: str
    host: str
    counters: list[int] = field(default_factory=list)
    # The role's own settings (a dispenser's buttons, a display's hall...),
    # written into the node's node.toml as they are.
    settings: dict = field(default_factory=dict)


@dataclass
class Uplink:
    """Where this broker's bridge goes up — a centre's ``[province]``, a province's
    ``[national]`` — and (optionally) the credentials the tier above's own
    ``motcua provision`` made for it (``centres/<id>/`` or ``provinces/<id>/`` of
    its output)."""

    address: str
    port: int
    username: str
    password_file: str = ""
    ca_file: str = ""


@dataclass
class ProvinceEntry:
    """A province whose bridge the national broker accepts (national inventory)."""

    id: str
    name: str


@dataclass
class CentreEntry:
    """A centre whose bridge the provincial broker accepts (province inventory)."""

    id: str
    name: str = ""
    # The province no longer takes anything from this centre (a stolen hub or
    # bridge password): no broker user, no ACL line; its name stays on the pages.
    revoked: bool = False


@dataclass
class Inventory:
    center: str
    center_name: str
    broker_host: str
    broker_addresses: list[str]
    broker_port: int
    hub_host: str
    hub_https: bool
    nodes: list[NodeEntry]
    province: Uplink | None = None
    # Set in the province's own inventory: this hub is the provincial hub and
    # its broker takes these centres' bridges.
    centres: list[CentreEntry] = field(default_factory=list)
    # A province's extra ingest workers (`motcua ingest --name N`, N = 1..): each
    # logs in to the provincial broker as its own user ingest-N, since the broker
    # names a client after its user and two as "hub" would knock each other off.
    ingest_workers: int = 0
    # Where citizens reach the hub's public pages (receipts print it).
    public_url: str = ""
    # A province's bridge up to the national broker.
    national: Uplink | None = None
    # Set in the national inventory: this hub is the national hub and its broker
    # takes these provinces' bridges.
    provinces: list[ProvinceEntry] = field(default_factory=list)

    @property
    def tier(self) -> str:
        """"national", "province" or "centre": what this hub is."""
        return "national" if self.provinces else "province" if self.centres else "centre"

    def node(self, node_id: str) -> NodeEntry | None:
        return next((n for n in self.nodes if n.id == node_id), None)


def _get(table: dict, key: str, kind, where: str, default=...):
    if key not in table:
        if default is ...:
            raise InventoryError(f"{where}{key}: missing")
        return default
    value = table[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise InventoryError(f"{where}{key}: expected {kind.__name__}, got {value!r}")
    return value


def _unknown(table: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise InventoryError(f"{where}{extra[0]}: unknown key; expected one of "
                             + ", ".join(sorted(allowed)))


def parse(data: dict, source: str = "inventory") -> Inventory:
    w = f"{source}: "
    _unknown(data, {"center", "center_name", "broker", "hub", "nodes", "province", "centres",
                    "ingest_workers", "national", "provinces"}, w)
    center = _get(data, "center", str, w)
    if not ID_PATTERN.match(center):
        raise InventoryError(f"{w}center: use a-z, 0-9, '-' or '_', got {center!r}")
    center_name = _get(data, "center_name", str, w, "Trung tâm Phục vụ hành chính công")
    broker = _get(data, "broker", dict, w)
    _unknown(broker, {"host", "addresses", "port"}, w + "broker.")
    broker_host = _get(broker, "host", str, w + "broker.")
    addresses = _get(broker, "addresses", list, w + "broker.", [])
    for a in addresses:
        try:
            ipaddress.ip_address(a)
        except ValueError:
            raise InventoryError(f"{w}broker.addresses: {a!r} is not an IP address") from None
    port = _get(broker, "port", int, w + "broker.", 8883)
    if not 1 <= port <= 65535:
        raise InventoryError(f"{w}broker.port: expected 1-65535, got {port}")
    hub = _get(data, "hub", dict, w, {})
    _unknown(hub, {"host", "https", "public_url"}, w + "hub.")
    hub_host = _get(hub, "host", str, w + "hub.", broker_host)
    hub_https = _get(hub, "https", bool, w + "hub.", False)
    # The address citizens reach the public pages at, printed on receipts (the QR
    # code and the look-up line): default https://host or http://host:8080.
    public_url = _get(hub, "public_url", str, w + "hub.",
                      f"https://{hub_host}" if hub_https else f"http://{hub_host}:8080")
    if not public_url.startswith(("http://", "https://")):
        raise InventoryError(f"{w}hub.public_url: expected an http:// or https:// address")
    nodes, seen = [], set()
    for i, entry in enumerate(_get(data, "nodes", list, w, [])):
        where = f"{w}nodes[{i}]."
        if not isinstance(entry, dict):
            raise InventoryError(f"{where[:-1]}: expected a table")
        _unknown(entry, {"id", "role", "host", "counters", "settings"}, where)
        node_id = _get(entry, "id", str, where)
        if not ID_PATTERN.match(node_id):
            raise InventoryError(f"{where}id: use a-z, 0-9, '-' or '_', got {node_id!r}")
        if node_id in RESERVED:
            raise InventoryError(f"{where}id: {node_id!r} is reserved")
        if node_id in seen:
            raise InventoryError(f"{where}id: {node_id!r} appears twice")
        seen.add(node_id)
        role = _get(entry, "role", str, where)
        if role not in ROLES:
            raise InventoryError(f"{where}role: expected one of {', '.join(ROLES)}, got {role!r}")
        counters = _get(entry, "counters", list, where, [])
        if counters and role != "counter":
            raise InventoryError(f"{where}counters: only a counter node drives counters")
        if not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in counters):
            raise InventoryError(f"{where}counters: expected positive counter numbers")
        settings = _get(entry, "settings", dict, where, {})
        owned = sorted(set(settings) & OWNED_SETTINGS)
        if owned:
            raise InventoryError(f"{where}settings.{owned[0]}: provision writes this one itself")
        if role == "counter" and "counters" in settings.get("keypad", {}):
            raise InventoryError(f"{where}settings.keypad.counters: give the node's `counters`")
        nodes.append(NodeEntry(node_id, role, _get(entry, "host", str, where), counters,
                               settings))
    province = _uplink(data, "province", center, w)
    national = _uplink(data, "national", center, w)
    centres = _entries(data, "centres", w, seen, _centre,
                       frozenset({"id", "name", "revoked"}))
    if centres and province:
        raise InventoryError(f"{w}centres: a province has no [province] of its own")
    if national and not centres:
        raise InventoryError(f"{w}national: only a province's inventory (with [[centres]]) "
                             "bridges to the national broker")
    provinces = _entries(data, "provinces", w, set(), _province)
    if provinces and (centres or province or national or nodes):
        raise InventoryError(f"{w}provinces: the national inventory has no [[centres]], "
                             "[province], [national] or [[nodes]] of its own")
    workers = _get(data, "ingest_workers", int, w, 0)
    if workers and not (centres or provinces):
        raise InventoryError(f"{w}ingest_workers: only a province's inventory (with "
                             "[[centres]]) or the national one (with [[provinces]]) has "
                             "ingest workers")
    if not 0 <= workers <= 32:
        raise InventoryError(f"{w}ingest_workers: expected 0 to 32, got {workers}")
    return Inventory(center, center_name, broker_host, addresses, port, hub_host, hub_https,
                     nodes, province, centres, public_url=public_url,
                     ingest_workers=workers, national=national, provinces=provinces)


def _entries(data: dict, key: str, w: str, taken: set[str], make,
             keys: frozenset = frozenset({"id", "name"})) -> list:
    """The ``[[key]]`` tables (``[[centres]]``, ``[[provinces]]``: an id and a name), each
    made into a record by ``make(id, table, where)`` once its id is checked: a-z, 0-9, '-'
    or '_'; not reserved, not an ingest worker's, not in ``taken`` (the nodes' ids), and
    not twice."""
    records, ids = [], set()
    for i, entry in enumerate(_get(data, key, list, w, [])):
        where = f"{w}{key}[{i}]."
        if not isinstance(entry, dict):
            raise InventoryError(f"{where[:-1]}: expected a table")
        _unknown(entry, set(keys), where)
        entry_id = _get(entry, "id", str, where)
        if not ID_PATTERN.match(entry_id):
            raise InventoryError(f"{where}id: use a-z, 0-9, '-' or '_', got {entry_id!r}")
        if (entry_id in RESERVED or entry_id in taken or entry_id in ids
                or entry_id.startswith("ingest-")):
            raise InventoryError(f"{where}id: {entry_id!r} is reserved or appears twice")
        ids.add(entry_id)
        records.append(make(entry_id, entry, where))
    return records


def _centre(centre_id: str, entry: dict, where: str) -> CentreEntry:
    return CentreEntry(centre_id, _get(entry, "name", str, where, ""),
                       _get(entry, "revoked", bool, where, False))


def _province(province_id: str, entry: dict, where: str) -> ProvinceEntry:
    name = _get(entry, "name", str, where).strip()
    if not name:
        raise InventoryError(f"{where}name: give the province's name, e.g. 'Tỉnh Thanh Hóa'")
    return ProvinceEntry(province_id, name)


def _uplink(data: dict, key: str, center: str, w: str) -> Uplink | None:
    """A ``[province]`` or ``[national]`` table: where this broker's bridge goes."""
    if key not in data:
        return None
    where = f"{w}{key}."
    p = _get(data, key, dict, w)
    _unknown(p, {"address", "port", "username", "password_file", "ca_file"}, where)
    address = _get(p, "address", str, where)
    # Mosquitto's bridge reads `address host:port` up to the first colon and
    # splits several addresses at spaces: an IPv6 literal or a space would
    # silently become another host.
    if not address or ":" in address or address.split() != [address]:
        raise InventoryError(
            f"{where}address: give one host name or IPv4 address, got {address!r} "
            "(Mosquitto's bridge cannot take an IPv6 address literally: use a name that "
            "resolves to it)")
    return Uplink(address, _get(p, "port", int, where, 8883),
                _get(p, "username", str, where, center),
                _get(p, "password_file", str, where, ""),
                _get(p, "ca_file", str, where, ""))


def load(path: str | Path) -> Inventory:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InventoryError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, str(path))
