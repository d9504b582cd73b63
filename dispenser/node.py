"""The dispenser node (máy lấy số)."""

from __future__ import annotations

from motcua.config import NodeConfig
from motcua.node import Node


class Dispenser(Node):
    """máy lấy số: reports its presence on the bus; hardware comes with its own issue."""

    role = "dispenser"
    config_class = NodeConfig

    def status_detail(self) -> dict:
        return {"simulated": bool(self.config.simulate)}
