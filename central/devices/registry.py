"""The centre's node registry: which counters each counter node may drive.

``motcua provision`` writes it (``hub/nodes.toml``, installed as
``/etc/motcua/nodes.toml`` and named by ``nodes_file`` in hub.toml). The
broker's ACL can say that ``counter-3`` publishes only as ``counter-3``; only
the hub can say that ``counter-3`` drives counters 3 and 4 and nothing else.
A route that acts on a counter calls::

    registry.check_counter(ctx.config, ctx.node_id, counter_number)

which raises :class:`central.errors.Refused` for a counter the node does not
drive. Without a registry (development, demo, tests) nothing is restricted.
"""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path

from ..config import HubConfig
from ..errors import Refused

_cache: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class RegistryError(Exception):
    pass


def load(path: str | Path) -> dict[str, dict]:
    """``{node_id: {"role": …, "counters": [...]}}``, re-read when the file changes."""
    path = Path(path)
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
    try:
        nodes = tomllib.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    with _lock:
        _cache[str(path)] = (mtime, nodes)
    return nodes


def counters_of(config: HubConfig, node_id: str) -> set[int] | None:
    """The counters ``node_id`` drives; ``None`` when the hub has no registry."""
    if not config.nodes_file:
        return None
    entry = load(config.nodes_file).get(node_id)
    if entry is None or entry.get("role") != "counter":
        return set()
    return {int(c) for c in entry.get("counters", [])}


def check_counter(config: HubConfig, node_id: str, counter: int) -> None:
    """Refuse when ``node_id`` does not drive counter number ``counter``."""
    allowed = counters_of(config, node_id)
    if allowed is not None and counter not in allowed:
        raise Refused("not_your_counter",
                      f"Thiết bị {node_id} không phụ trách quầy số {counter}.")
