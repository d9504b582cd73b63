"""Listeners and addresses that work whether a name resolves to IPv4, IPv6 or both.

On a stock Debian ``/etc/hosts`` ``localhost`` is ``::1`` as well as
``127.0.0.1``, and ``getaddrinfo`` gives ``::1`` first. Mosquitto's bridge
(2.0.11) connects to the first address only: a listener bound to
``127.0.0.1`` alone made every bridge to ``localhost`` fail with "Protocol
error". These tests check the brokers we start listen on every address
``localhost`` has on the machine running them (on a machine whose hosts
file names only ``127.0.0.1``, that is the one), and that an address the
bridge would misread is refused by provision.
"""

import socket

import pytest

from motcua.broker import Mosquitto, ProductionMosquitto, loopback_addresses, loopback_host
from motcua.provision import provision
from motcua.provision.inventory import InventoryError

from .conftest import PROJECT


def reachable(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        return s.connect_ex((address, port)) == 0


def test_the_development_broker_listens_on_every_address_of_localhost(broker):
    addresses = loopback_addresses()
    assert "127.0.0.1" in addresses or "::1" in addresses
    if loopback_host() == "localhost":
        assert all(reachable(a, broker.port) for a in addresses), addresses
    assert reachable("127.0.0.1", broker.port)


def test_the_production_broker_and_its_bridge_reach_localhost_on_every_family(
        tmp_path, sample_inventory):
    # A bridge addressed to `localhost` (the first address only, whichever family)
    # reaches a production broker started here.
    (tmp_path / "tinh.toml").write_text(
        'center = "tinh"\n[broker]\nhost = "localhost"\n[[centres]]\nid = "thanhhoa"\n')
    provision(tmp_path / "tinh.toml", tmp_path / "tinh")
    with ProductionMosquitto(tmp_path / "tinh" / "broker", data_dir=tmp_path / "data") as b:
        first = socket.getaddrinfo("localhost", b.port, type=socket.SOCK_STREAM)[0][4][0]
        assert reachable(first, b.port), f"the bridge's first address {first} is refused"
        assert all(reachable(a, b.port) for a in loopback_addresses()
                   if loopback_host() == "localhost")


def test_a_broker_on_a_machine_without_ipv6_falls_back_to_ipv4(monkeypatch, tmp_path):
    # /etc/hosts names ::1 but the kernel has no IPv6 (some containers): binding
    # `localhost` would make Mosquitto exit, so it listens on 127.0.0.1.
    import motcua.broker as mb

    monkeypatch.setattr(mb, "loopback_addresses", lambda: ["::1", "127.0.0.1"])
    monkeypatch.setattr(mb, "_bindable", lambda address, port=0: ":" not in address)
    assert mb.loopback_host() == "127.0.0.1"
    with Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=tmp_path) as b:
        assert f"listener {b.port} 127.0.0.1" in (tmp_path / "mosquitto.conf").read_text()
        assert reachable("127.0.0.1", b.port)


@pytest.mark.parametrize("address", ["2001:db8::5", "::1", "tinh.lan 10.0.0.1", ""])
def test_a_province_address_the_bridge_would_misread_is_refused(sample_inventory, tmp_path,
                                                                 address):
    inventory = sample_inventory("thanhhoa", f'[province]\naddress = "{address}"\n')
    with pytest.raises(InventoryError, match="province.address"):
        provision(inventory, tmp_path / "out")
    assert not (tmp_path / "out").exists()

