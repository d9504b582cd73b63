"""Number blocks leased to dispensers, and the tickets they printed offline.

A dispenser that loses the broker or the hub keeps printing from a block of
numbers the hub leased to it beforehand; the issuer
(:func:`central.queue.tickets.next_number`) already skips every leased range,
so no number is ever issued twice. When the link is back, each offline ticket
is delivered once and slotted into the line by its issue time::

    with store.write() as db:
        block = lease_block(db, "dispenser-1", "ho-tich", size=10)
    # ... later, the dispenser printed block["first"] offline:
    with store.write() as db:
        result, out = apply_offline(db, topics, "dispenser-1", {
            "service": "ho-tich", "block": block["block"], "number": block["first"],
            "issued_at": "2026-11-27T02:15:00.000+00:00", "token": "0123456789abcdef0123"})

Both run inside the caller's write transaction (the gateway's ``apply_once``),
so a redelivered request gets the stored answer.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from motcua import clock
from motcua.bus import Topics
from motcua.tickets import display_number

from ..devices.clocks import hub_time_of_print
from ..errors import Refused
from . import estimate, setup, state, tickets
from .commands import Changes

DEFAULT_SIZE = 10
MAX_SIZE = 100
TOKEN = re.compile(r"^[0-9a-f]{20}$")


def next_day_start(day: str, opening_time: str, zone: str = clock.LOCAL_ZONE) -> dt.datetime:
    """When the business day after ``day`` begins (UTC): a block is worthless from then.

    >>> next_day_start("2026-11-27", "07:00").isoformat()   # 03:00 on the 28th in Hà Nội
    '2026-11-27T20:00:00+00:00'
    """
    midnight = dt.datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone))
    return (midnight + dt.timedelta(days=1) + tickets.day_start(opening_time)).astimezone(dt.UTC)


def _service(db, code: str) -> dict:
    service = setup.service_by_code(db, code)
    if service is None:
        raise Refused("unknown_service", f"Không có dịch vụ mã '{code}'.")
    return service


def lease_block(db, node_id: str, service_code: str, size: int | None = None,
                now: dt.datetime | None = None, zone: str = clock.LOCAL_ZONE) -> dict:
    """Lease ``size`` free numbers of a service today to a dispenser, from the range's top."""
    size = DEFAULT_SIZE if size is None else size
    if not 1 <= size <= MAX_SIZE:
        raise Refused("bad_size", f"Khối số phải có từ 1 đến {MAX_SIZE} số.")
    moment = now or clock.now()
    service = _service(db, service_code)
    opening = setup.settings(db)["opening_time"]
    day = tickets.business_day(moment, opening, zone)
    # From the top of the range down, so online numbers run on from the range's
    # start without jumping over blocks; never into what the hub issued already.
    low = tickets.lowest_leased(db, day, service)
    last = service["range_end"] if low is None else low - 1
    issued = tickets.last_online(db, day, service, low)
    floor = service["range_start"] if issued is None else issued + 1
    first = max(last - size + 1, floor)
    if first > last:
        raise Refused("range_exhausted", f"Dịch vụ '{service['name']}' đã hết số trong ngày "
                                         f"(dãy {service['range_start']}–{service['range_end']}).")
    block_id = db["number_blocks"].insert({
        "day": day, "service_id": service["id"], "node_id": node_id,
        "first": first, "last": last, "leased_at": clock.iso(moment),
    }).last_pk
    return {
        "block": block_id, "service": service["code"], "service_name": service["name"],
        "prefix": service["prefix"], "range_end": service["range_end"],
        "first": first, "last": last, "day": day,
        "valid_until": clock.iso(next_day_start(day, opening, zone)),
    }


def blocks(db, node_id: str | None = None) -> list[dict]:
    """Leased blocks with how many of their numbers reached the hub (newest first)."""
    sql = ("select b.*, s.code as service, (select count(*) from tickets t where t.day = b.day "
           "and t.issued_service_id = b.service_id and t.number between b.first and b.last) "
           "as delivered from number_blocks b join services s on s.id = b.service_id")
    args = []
    if node_id:
        sql += " where b.node_id = ?"
        args.append(node_id)
    return list(db.query(sql + " order by b.id desc", args))


def apply_offline(db, topics: Topics, node_id: str, data: dict,
                  now: dt.datetime | None = None, zone: str = clock.LOCAL_ZONE
                  ) -> tuple[dict, list]:
    """Slot a ticket printed offline into its line, by its issue time."""
    moment = now or clock.now()
    service = _service(db, data["service"])
    rows = list(db.query("select * from number_blocks where id = ? and node_id = ? and "
                         "service_id = ?", [data["block"], node_id, service["id"]]))
    number = data["number"]
    if not rows or not rows[0]["first"] <= number <= rows[0]["last"]:
        raise Refused("not_leased", f"Số {number} không thuộc khối số đã cấp cho thiết bị "
                                    f"'{node_id}'.")
    block = rows[0]
    today = tickets.business_day(moment, setup.settings(db)["opening_time"], zone)
    if block["day"] < today:
        # That day is closed and its figures archived: a ticket for it cannot
        # be served any more; say so rather than rewrite a closed day.
        raise Refused("day_closed", f"Vé {number} thuộc ngày {block['day']} đã kết thúc.")
    used = db.execute("select 1 from tickets where day = ? and issued_service_id = ? and "
                      "number = ?", [block["day"], service["id"], number]).fetchone()
    if used:
        raise Refused("number_used", f"Số {number} đã có vé.")
    priority_row = None
    if data.get("priority"):
        found = list(db.query("select * from priority_classes where code = ? and active = 1",
                              [data["priority"]]))
        if not found:
            raise Refused("unknown_priority",
                          f"Không có đối tượng ưu tiên mã '{data['priority']}'.")
        priority_row = found[0]
    token = data["token"]
    if not TOKEN.match(token) or tickets.by_token(db, token) is not None:
        token = setup.new_token()  # the printed QR then leads nowhere; the number still counts
    # The hub's time wins: the node's clock only says how long ago it printed.

    issued_at = hub_time_of_print(db, node_id, data, block["leased_at"], moment)
    # Each print is timed by its own delivery, so jitter in the network or the hub
    # (more than the gap between two presses) could put two of one dispenser's
    # tickets out of order; its own order is certain (a block's numbers are
    # printed one after the other): never before an earlier number of the block.
    earlier = db.execute(
        "select max(issued_at) from tickets where day = ? and issued_service_id = ? and "
        "number between ? and ?", [block["day"], service["id"], block["first"],
                                   number - 1]).fetchone()[0]
    if earlier and earlier > issued_at:
        issued_at = earlier
    ticket = {
        "day": block["day"], "service_id": service["id"], "issued_service_id": service["id"],
        "number": number,
        "display": display_number(service["prefix"], number, service["range_end"]),
        "priority_class_id": priority_row["id"] if priority_row else None,
        "status": "waiting", "issued_at": issued_at, "token": token, "source_node": node_id,
    }
    ticket["id"] = db["tickets"].insert(ticket).last_pk
    ahead = tickets.people_ahead(db, ticket)
    minutes = estimate.legacy_minutes(db, service, ahead)
    db.execute("update tickets set estimate_min = ? where id = ?", [minutes, ticket["id"]])
    tickets.record_event(db, ticket, "issue_offline", "waiting", now=clock.iso(moment),
                         node_id=node_id,
                         detail={"block": block["id"], "printed_at": issued_at,
                                 "people_ahead": ahead, "estimate_min": minutes})
    halls = {r[0] for r in db.execute(
        "select distinct c.hall from counters c join counter_services cs on "
        "cs.counter_id = c.id where cs.service_id = ?", [service["id"]])}
    changes = Changes(tickets={ticket["id"]}, services={service["id"]}, halls=halls)
    result = {
        "ticket_id": ticket["id"], "display": ticket["display"], "service": service["code"],
        "issued_at": issued_at, "people_ahead": ahead, "estimate_min": minutes,
        "token": token, "live_path": f"/t/{token}",
    }
    return result, state.publications(db, topics, changes)
