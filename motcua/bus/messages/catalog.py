"""The kiosk's replica of the procedure catalog (issue 7)."""

from __future__ import annotations

from .base import ID, NODE_TOPIC, TS, Field, MessageType, V

# --- Catalog (issue 7): the kiosk's replica of the procedure catalog ------------

CATALOG_STATE = MessageType(
    key="state.catalog",
    topic="motcua/{center}/state/catalog",
    sender="hub",
    qos=1,
    retain=True,
    doc=(
        "The procedure catalog's version, retained. It changes with every publication "
        "(import or edit); a kiosk whose replica holds another version fetches the "
        "catalog again with `request/catalog_fetch`."
    ),
    fields=(
        V,
        Field("version", "integer", "catalog version (increases with every publication)"),
        Field("count", "integer", "number of procedures in force"),
        Field("ts", "timestamp", "when this state was published", required=False),
    ),
)

CATALOG_FETCH = MessageType(
    key="request.catalog_fetch",
    topic=NODE_TOPIC + "/request/catalog_fetch",
    sender="node",
    qos=1,
    retain=False,
    doc=(
        "A kiosk fetches the current catalog, one page at a time (each response stays "
        "under 48 KiB): the first request without `after`, then with the `next` cursor "
        "of the previous page until a page has none."
    ),
    fields=(
        V,
        ID,
        TS,
        Field("after", "string", "cursor: the last procedure code of the previous page",
              required=False, max_length=64),
    ),
)
