"""The display node (màn hình sảnh)."""

from __future__ import annotations

from motcua.config import NodeConfig
from motcua.node import Node


class HallDisplay(Node):
    """màn hình sảnh: reports its presence on the bus; hardware comes with its own issue."""

    role = "display"
    config_class = NodeConfig

    def status_detail(self) -> dict:
        return {"simulated": bool(self.config.simulate)}
