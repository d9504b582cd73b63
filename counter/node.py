"""The counter node (thiết bị quầy)."""

from __future__ import annotations

from motcua.config import NodeConfig
from motcua.node import Node


class Counter(Node):
    """thiết bị quầy: reports its presence on the bus; hardware comes with its own issue."""

    role = "counter"
    config_class = NodeConfig

    def status_detail(self) -> dict:
        return {"simulated": bool(self.config.simulate)}
