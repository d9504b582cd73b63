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


def national_acl(provinces: list[str], hub_user: str = "hub", web_user: str = "web",
                 center: str = "quocgia", ingest_workers: int = 0) -> str:
    """The national broker's ACL (broker-config/national-acl.template): each province
    writes only under ``vn/<province>/``; the national hub (and its ingest workers,
    users ``ingest-N``) read what the provinces send."""
    blocks = [f"user {p}\ntopic write vn/{p}/#" for p in provinces]
    blocks += [f"user ingest-{i}\ntopic read vn/+/+/up/+" for i in range(1, ingest_workers + 1)]
    return _template("national-acl.template", center=center, hub_user=hub_user,
                     web_user=web_user, provinces="\n\n".join(blocks))
