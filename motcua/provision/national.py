"""The country above the provinces: a provincial broker's bridge to the national broker.

A provincial broker bridges its centres' summaries up (``province/<c>/...`` →
``vn/<province>/<c>/...``); the national hub (``role = "national"``) stores
them with the province's own ingest rules, keyed ``"<province>/<centre>"``::

    text = national_bridge("thanhhoa", "mqtt.quocgia.gov.vn", 8883, "thanhhoa",
                           password, ca_file="/etc/mosquitto/motcua/national-ca.crt")
    Path("/etc/mosquitto/conf.d/national.conf").write_text(text)

Without ``ca_file`` the bridge is plain TCP: for a test on loopback only.
"""

from __future__ import annotations

from . import _template

TLS = ("bridge_cafile {ca_file}\nbridge_tls_version tlsv1.2\nbridge_insecure false")


def national_bridge(province: str, address: str, port: int, username: str, password: str,
                    ca_file: str | None = None) -> str:
    """broker-config/national-bridge.conf.template filled in for one province."""
    tls = TLS.format(ca_file=ca_file) if ca_file else "# no TLS: loopback tests only"
    return _template("national-bridge.conf.template", province=province, address=address,
                     port=port, username=username, password=password, tls=tls)


def national_acl(provinces: list[str], hub_user: str = "hub") -> str:
    """The national broker's ACL: each province writes only under ``vn/<province>/``;
    the national hub (and its ingest workers) read everything under ``vn/``."""
    blocks = [f"user {p}\ntopic write vn/{p}/#" for p in provinces]
    blocks.append(f"user {hub_user}\ntopic read vn/#")
    return "\n\n".join(blocks) + "\n"
