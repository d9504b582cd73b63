"""Topic names of the bus, built in one place.

Every topic starts with ``motcua/<center>/``. A node's own topics sit under
``motcua/<center>/node/<node_id>/`` so one broker ACL ``pattern`` line confines
each node (whose MQTT user name is its node id) to its own subtree::

    >>> t = Topics("thanhhoa")
    >>> t.node_status("dispenser-1")
    'motcua/thanhhoa/node/dispenser-1/status'
    >>> t.node_request("counter-3", "ping")
    'motcua/thanhhoa/node/counter-3/request/ping'
    >>> t.parse("motcua/thanhhoa/node/counter-3/event/fault")
    TopicParts(center='thanhhoa', node_id='counter-3', kind='event', name='fault')
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

ROOT = "motcua"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What a node sends and what the hub sends to one node.
NODE_KINDS = ("status", "event", "request", "response", "cmd")


class TopicParts(NamedTuple):
    center: str
    node_id: str | None
    kind: str
    name: str | None


def _check(value: str, what: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise ValueError(f"invalid {what} {value!r}: use a-z, 0-9, '-' or '_'")
    return value


class Topics:
    """Topic builders for one centre."""

    def __init__(self, center: str):
        self.center = _check(center, "centre id")
        # State topics built before (boards, counters, lines: a few dozen, each
        # published again and again), not checked and joined again each time.
        self._states: dict[tuple, str] = {}
        self._events: dict[str, str] = {}
        # The newest tickets' topics: a ticket's page is published when it is issued,
        # called and finished, each time its token hashed again (issue 25).
        self._tickets: dict[str, str] = {}
        self.base = f"{ROOT}/{center}"

    # A node's own subtree -------------------------------------------------
    def node(self, node_id: str, kind: str, name: str | None = None) -> str:
        if kind not in NODE_KINDS:
            raise ValueError(f"unknown node topic kind {kind!r}")
        topic = f"{self.base}/node/{_check(node_id, 'node id')}/{kind}"
        if kind == "status":
            if name is not None:
                raise ValueError("status topics have no name")
            return topic
        return f"{topic}/{_check(name, kind + ' name')}"

    def node_status(self, node_id: str) -> str:
        return self.node(node_id, "status")

    def node_event(self, node_id: str, name: str) -> str:
        return self.node(node_id, "event", name)

    def node_request(self, node_id: str, name: str) -> str:
        return self.node(node_id, "request", name)

    def node_response(self, node_id: str, name: str) -> str:
        return self.node(node_id, "response", name)

    def node_cmd(self, node_id: str, name: str) -> str:
        return self.node(node_id, "cmd", name)

    def node_inbox(self, node_id: str) -> list[str]:
        """Filters a node subscribes to: what the hub sends to it alone."""
        base = f"{self.base}/node/{_check(node_id, 'node id')}"
        return [f"{base}/response/+", f"{base}/cmd/+"]

    # The hub ----------------------------------------------------------------
    def hub_status(self) -> str:
        return f"{self.base}/hub/status"

    def hub_event(self, name: str) -> str:
        """Events the hub sends to every node (e.g. ``announce``), never retained."""
        topic = self._events.get(name)
        if topic is None:  # one per call announced (issue 25): checked and joined once
            topic = f"{self.base}/hub/event/{_check(name, 'event name')}"
            if len(self._events) < 64:
                self._events[name] = topic
        return topic

    def state(self, *parts: str) -> str:
        """Retained shared state published by the hub (boards, counters, statistics)."""
        topic = self._states.get(parts)
        if topic is not None:
            return topic
        if not parts:
            raise ValueError("state topics need at least one level")
        topic = "/".join([self.base, "state", *(_check(p, "state level") for p in parts)])
        if len(self._states) < 1024:
            self._states[parts] = topic
        return topic

    def ticket_state(self, token: str) -> str:
        """One ticket's retained state, for its public live page.

        Named by a digest of the ticket's token, not the token itself: the
        token opens the ticket's page and its forms (SMS, feedback), and any
        page may read ``state/#`` on the broker, so the token must not be
        collectable from topic names. The page is given the digest.

        >>> Topics("thanhhoa").ticket_state("abc")[:40]
        'motcua/thanhhoa/state/ticket/ba7816bf8f0'
        """
        # Not through state(): one topic per ticket, kept for the newest tickets only.
        topic = self._tickets.get(token)
        if topic is None:
            topic = f"{self.base}/state/ticket/{_check(ticket_key(token), 'state level')}"
            if len(self._tickets) >= 2048:
                self._tickets.clear()
            self._tickets[token] = topic
        return topic

    def up(self, name: str) -> str:
        """Summaries the hub sends up to the province (bridged by the broker)."""
        return f"{self.base}/up/{_check(name, 'uplink name')}"

    # Filters the hub subscribes to -------------------------------------------
    def all_nodes(self, kind: str, name: str = "+") -> str:
        if kind == "status":
            return f"{self.base}/node/+/status"
        return f"{self.base}/node/+/{kind}/{name}"

    def parse(self, topic: str) -> TopicParts | None:
        """Split a topic of this centre into its parts; ``None`` when it is not ours."""
        levels = topic.split("/")
        if len(levels) < 3 or levels[0] != ROOT or levels[1] != self.center:
            return None
        rest = levels[2:]
        if rest[0] == "node" and len(rest) >= 3:
            node_id, kind = rest[1], rest[2]
            if kind == "status" and len(rest) == 3:
                return TopicParts(self.center, node_id, kind, None)
            if kind in NODE_KINDS and len(rest) == 4:
                return TopicParts(self.center, node_id, kind, rest[3])
            return None
        if rest == ["hub", "status"]:
            return TopicParts(self.center, None, "hub-status", None)
        if len(rest) == 3 and rest[:2] == ["hub", "event"]:
            return TopicParts(self.center, None, "hub-event", rest[2])
        if rest[0] == "up" and len(rest) == 2:
            return TopicParts(self.center, None, "up", rest[1])
        if rest[0] == "state" and len(rest) >= 2:
            return TopicParts(self.center, None, "state", "/".join(rest[1:]))
        return None


def ticket_key(token: str) -> str:
    """The name of a ticket's state topic: the SHA-256 of its token, 32 hex digits."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]
