"""The bus contract: topics, messages, and the client every process uses.

See ``docs/mqtt.md`` for the list of topics and messages (generated from
:mod:`motcua.bus.messages` and checked by the tests).
"""

from .client import BusClient, BusError, Incoming, NotConnected, RequestTimeout
from .messages import CATALOGUE, SCHEMA_VERSION, InvalidMessage, MessageType
from .topics import Topics

__all__ = [
    "BusClient",
    "BusError",
    "CATALOGUE",
    "Incoming",
    "InvalidMessage",
    "MessageType",
    "NotConnected",
    "RequestTimeout",
    "SCHEMA_VERSION",
    "Topics",
]
