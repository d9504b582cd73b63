"""The kiosk node (kiosk tra cứu)."""

from __future__ import annotations

from motcua.config import NodeConfig
from motcua.node import Node


class Kiosk(Node):
    """kiosk tra cứu: reports its presence on the bus; hardware comes with its own issue."""

    role = "kiosk"
    config_class = NodeConfig

    def status_detail(self) -> dict:
        return {"simulated": bool(self.config.simulate)}
