"""The centre's queue setup: services, counters, priority classes, settings.

Load a whole centre from a file (TOML or JSON, same shape)::

    from central.queue import setup
    setup.load_file(store, "central/samples/thanhhoa.toml", actor="admin")

Every check answers in Vietnamese with :class:`central.errors.Refused`, and
a file with any mistake changes nothing (one transaction).
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import sqlite_utils

from motcua.text import nfc

from ..accounts import audit
from ..calendar.working_time import parse_sessions
from ..catalog import department_list as departments_table
from ..documents.uploads import BadFile, load_json, load_toml
from ..errors import Refused
from ..store import Store, sql

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
NODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PREFIX = re.compile(r"^[A-Z]{0,2}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Rules that differ between centres (DOMAIN.md: configurable, with defaults).
DEFAULT_SETTINGS = {
    "opening_time": "07:00",   # numbers restart tickets.EARLY_ARRIVALS before it each day
    "priority_every": "3",     # one priority ticket after every N normal ones
    "max_recalls": "3",        # recalls before a ticket becomes a no-show
    "board_calls": "8",        # newest calls kept on a hall's board
    "recent_for_estimate": "20",  # finished tickets the wait estimate looks at
    "strategy": "mixed",       # calling order: mixed (priority every N) or first_come
    # Issue 26: a booking's check-in is taken from this long before its slot
    # starts until this long after; a due booked ticket goes before walk-ins,
    # at most this many booked calls in a row at a counter while a walk-in waits.
    "checkin_early_min": "15",
    "checkin_late_min": "10",
    "booked_in_a_row": "3",
    # A second "Gọi số tiếp" (a counter's key, the officer's console) within this
    # many seconds of the counter's call, its ticket still only called, is a slip (a
    # double press or click): ignored, so the citizen just called is not marked
    # served and passed over. No citizen reaches a counter that fast. 0: every press
    # counts (the benchmarks, which press faster than any officer).
    "next_again_s": "2",
    # The levels of procedure this centre receives (DOMAIN.md: a provincial centre the
    # province's, a commune centre the commune's; the seed's district centres the
    # district's), comma-separated: booking is offered for these only. Every level by
    # default (a centre that has not said takes whatever its catalog holds).
    "procedure_levels": "province,district,commune",
    # Procedures (catalog codes, comma-separated) received here whatever their level:
    # those the province lists as done "không phụ thuộc vào địa giới hành chính"
    # (Nghị định 118/2025/NĐ-CP: a dossier of such a procedure may be submitted at any
    # one-stop desk, whatever the level of government; docs/appointments.md, "Levels").
    # Empty by default: a centre names the procedures of its province's published list.
    "boundary_free_codes": "",
}
# The procedure levels (central.catalog.procedures.LEVELS' keys, in their order).
PROCEDURE_LEVELS = ("province", "district", "commune")
# Settings that may be 0 (minutes of a window), with their upper bound.
ZERO_ALLOWED = {"checkin_early_min": 240, "checkin_late_min": 240, "next_again_s": 10}


# Settings per connection (a connection is one database, one thread); the
# connection itself is the key, so a closed one's id is never mistaken for
# another database's.
_cache: dict = {}
CACHE_SECONDS = 5.0  # another process (motcua queue load) may change them


def settings(db: sqlite_utils.Database) -> dict[str, str]:
    # Read on every key press several times over: kept for a few seconds;
    # save_settings() in this process clears it at once.
    now = time.monotonic()
    hit = _cache.get(db.conn)
    if hit is None or now - hit[0] > CACHE_SECONDS:
        stored = dict(db.execute("select key, value from queue_settings").fetchall())
        hit = _cache[db.conn] = (now, {**DEFAULT_SETTINGS, **stored})
    return hit[1]


def forget_settings() -> None:
    """Drop cached settings (after a change, or a change rolled back)."""
    _cache.clear()


def setting_int(db, key: str) -> int:
    return int(settings(db)[key])


def check_settings(values: dict) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        if key not in DEFAULT_SETTINGS:
            raise Refused("invalid_setting", f"Không có thiết lập '{key}'.")
        if key == "procedure_levels":
            out[key] = _procedure_levels(value)
            continue
        if key == "boundary_free_codes":
            out[key] = _procedure_codes(value)
            continue
        value = str(value).strip()
        if key == "strategy":
            if value not in ("mixed", "first_come"):
                raise Refused("invalid_setting", "Thứ tự gọi số phải là 'mixed' (xen kẽ ưu "
                                                 "tiên) hoặc 'first_come' (đến trước gọi trước).")
        elif key == "opening_time":
            if not TIME.match(value):
                raise Refused("invalid_setting", "Giờ mở cửa phải có dạng HH:MM, ví dụ 07:00.")
        elif key in ZERO_ALLOWED:
            if not value.isdigit() or int(value) > ZERO_ALLOWED[key]:
                unit = "giây" if key.endswith("_s") else "phút"
                raise Refused("invalid_setting", f"Thiết lập '{key}' phải là số {unit} từ 0 "
                                                 f"đến {ZERO_ALLOWED[key]}.")
        else:
            if not value.isdigit() or not 1 <= int(value) <= 1000:
                raise Refused("invalid_setting", f"Thiết lập '{key}' phải là số nguyên từ 1 "
                                                 "đến 1000.")
        out[key] = value
    return out


def _procedure_levels(value) -> str:
    """'province', ['province', 'commune'] or 'commune, province' -> 'province,commune'."""
    items = value if isinstance(value, list) else str(value).split(",")
    levels = {str(v).strip() for v in items if str(v).strip()}
    if not levels or levels - set(PROCEDURE_LEVELS):
        raise Refused("invalid_setting", "Cấp thủ tục Trung tâm tiếp nhận phải là một hoặc "
                                         "nhiều trong province (cấp tỉnh), district (cấp "
                                         "huyện), commune (cấp xã), cách nhau bởi dấu phẩy.")
    return ",".join(level for level in PROCEDURE_LEVELS if level in levels)


def procedure_levels(db) -> set[str]:
    """The levels of procedure the centre receives (``procedure_levels``)."""
    return set(settings(db)["procedure_levels"].split(","))


PROCEDURE_CODE = re.compile(r"^\d{1,2}\.\d{6}$")


def _procedure_codes(value) -> str:
    """'1.001193, 2.000908' or a list -> '1.001193,2.000908' (empty allowed)."""
    items = value if isinstance(value, list) else str(value).split(",")
    codes = [nfc(str(v).strip()) for v in items if str(v).strip()]
    bad = [c for c in codes if not PROCEDURE_CODE.match(c)]
    if bad:
        raise Refused("invalid_setting", "Mã thủ tục không phụ thuộc địa giới hành chính "
                                         f"không hợp lệ: {', '.join(bad)} (dạng 1.001193, "
                                         "cách nhau bởi dấu phẩy).")
    return ",".join(dict.fromkeys(codes))


def boundary_free_codes(db) -> set[str]:
    """The procedures received here whatever their level (``boundary_free_codes``)."""
    return {c for c in settings(db)["boundary_free_codes"].split(",") if c}


# --- Checking one record of each kind -------------------------------------------

def check_service(data: dict) -> dict:
    code = str(data.get("code", "")).strip().lower()
    if not CODE.match(code):
        raise Refused("invalid_service", f"Mã dịch vụ '{code}' không hợp lệ: dùng chữ thường "
                                         "không dấu, số, gạch (tối đa 32 ký tự).")
    name = nfc(data.get("name", ""))
    if not name:
        raise Refused("invalid_service", f"Dịch vụ '{code}' cần có tên.")
    prefix = str(data.get("prefix", "") or "").strip().upper()
    if not PREFIX.match(prefix):
        raise Refused("invalid_service", f"Tiền tố số của dịch vụ '{code}' là 0–2 chữ cái "
                                         "in hoa, ví dụ A.")
    rng = data.get("range") or [data.get("range_start"), data.get("range_end")]
    try:
        start, end = int(rng[0]), int(rng[1])
    except (TypeError, ValueError, IndexError):
        raise Refused("invalid_service", f"Dãy số của dịch vụ '{code}' phải là hai số, ví dụ "
                                         "1001–1999.") from None
    if not 0 <= start < end <= 99999:
        raise Refused("invalid_service", f"Dãy số của dịch vụ '{code}' phải từ số nhỏ đến số "
                                         "lớn, trong khoảng 0–99999.")
    out = {"code": code, "name": name, "prefix": prefix, "range_start": start,
           "range_end": end}
    for key, label, low, high in (("target_wait_min", "Thời gian chờ mục tiêu", 1, 240),
                                  ("max_wait_min", "Thời gian chờ tối đa", 1, 480),
                                  ("default_service_min", "Thời gian phục vụ ước tính", 1, 120)):
        if data.get(key) in (None, ""):
            continue
        try:
            value = int(data[key])
        except (TypeError, ValueError):
            raise Refused("invalid_service", f"{label} của dịch vụ '{code}' phải là số phút.") \
                from None
        if not low <= value <= high:
            raise Refused("invalid_service", f"{label} của dịch vụ '{code}' phải từ {low} đến "
                                             f"{high} phút.")
        out[key] = value
    if out.get("max_wait_min", 45) < out.get("target_wait_min", 15):
        raise Refused("invalid_service", f"Thời gian chờ tối đa của dịch vụ '{code}' không được "
                                         "nhỏ hơn thời gian chờ mục tiêu.")
    return out


def _ranges_overlap(db, service: dict, service_id: int | None) -> str | None:
    # Services without a prefix share the plain number space: their ranges
    # must not overlap, or "1023" would mean two tickets on the board.
    for other in db.query("select * from services where prefix = ? and id is not ?",
                          [service["prefix"], service_id]):
        if service["range_start"] <= other["range_end"] and \
                other["range_start"] <= service["range_end"]:
            return other["name"]
    return None


def save_service(db, data: dict, departments: list[str] | None = None,
                 actor: str | None = None) -> int:
    """Create or update (by code) a service inside the caller's transaction."""
    service = check_service(data)
    row = db.execute("select id from services where code = ?", [service["code"]]).fetchone()
    service_id = row[0] if row else None
    clash = _ranges_overlap(db, service, service_id)
    if clash:
        raise Refused("range_overlap", f"Dãy số của dịch vụ '{service['name']}' trùng với dịch vụ "
                                       f"'{clash}' (cùng tiền tố).")
    if service_id is None:
        service_id = db["services"].insert(service).last_pk
    else:
        db["services"].update(service_id, service)
    if departments is not None:
        db.execute("delete from service_departments where service_id = ?", [service_id])
        for code in departments:
            dep = departments_table.id_for(db, code)
            if dep is None:
                raise Refused("unknown_department", f"Không có sở/ngành mã '{code}'.")
            db.execute("insert or ignore into service_departments (service_id, department_id) "
                       "values (?, ?)", [service_id, dep])
    audit.record(db, actor, "service.save", f"service:{service['code']}", service)
    return service_id


def save_counter(db, data: dict, actor: str | None = None) -> int:
    """Create or update (by number) a counter with its services and weights."""
    try:
        number = int(data.get("number"))
    except (TypeError, ValueError):
        raise Refused("invalid_counter", "Số quầy phải là số nguyên.") from None
    if not 1 <= number <= 999:
        raise Refused("invalid_counter", "Số quầy phải từ 1 đến 999.")
    name = nfc(data.get("name") or f"Quầy {number}")
    hall = str(data.get("hall") or "main").strip().lower()
    if not CODE.match(hall):
        raise Refused("invalid_counter", f"Mã sảnh '{hall}' của quầy {number} không hợp lệ.")
    node = str(data.get("node") or data.get("node_id") or "").strip().lower() or None
    if node is not None and not NODE.match(node):
        raise Refused("invalid_counter", f"Mã thiết bị '{node}' của quầy {number} không hợp lệ.")
    services = data.get("services") or {}
    if isinstance(services, list):
        services = {code: 1 for code in services}
    if not services:
        raise Refused("invalid_counter", f"Quầy {number} cần phục vụ ít nhất một dịch vụ.")
    row = db.execute("select id from counters where number = ?", [number]).fetchone()
    counter_id = row[0] if row else None
    if node is not None:
        other = db.execute("select number from counters where node_id = ? and id is not ?",
                           [node, counter_id]).fetchone()
        if other:
            raise Refused("node_taken", f"Thiết bị '{node}' đã gắn với quầy {other[0]}.")
    record = {"number": number, "name": name, "hall": hall, "node_id": node,
              "active": int(bool(data.get("active", True)))}
    if "hours" in data:
        record["hours"] = counter_hours(data["hours"], number)
    if counter_id is None:
        counter_id = db["counters"].insert(record).last_pk
    else:
        db["counters"].update(counter_id, record)
    db.execute("delete from counter_services where counter_id = ?", [counter_id])
    for code, weight in services.items():
        service = db.execute("select id from services where code = ?", [code]).fetchone()
        if service is None:
            raise Refused("unknown_service", f"Quầy {number}: không có dịch vụ mã '{code}'.")
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            weight = 0
        if not 1 <= weight <= 10:
            raise Refused("invalid_weight", f"Quầy {number}: trọng số của dịch vụ '{code}' phải "
                                            "từ 1 đến 10.")
        db["counter_services"].insert({"counter_id": counter_id, "service_id": service[0],
                                       "weight": weight})
    audit.record(db, actor, "counter.save", f"counter:{number}",
                 {**record, "services": services})
    return counter_id


def counter_hours(value, number: int) -> str | None:
    """A counter's working hours as the setup gives them (``["07:00-11:30",
    "13:30-17:00"]``, or the same as one text with commas; empty: not said) as kept
    (``"07:00-11:30,13:30-17:00"``), checked by the calendar's own rule."""
    if value is None or value == "" or value == []:
        return None
    texts = value.split(",") if isinstance(value, str) else value
    problem = (f"Giờ làm việc của quầy {number} phải có dạng 07:00-11:30, 13:30-17:00 "
               "(mỗi buổi bắt đầu trước khi kết thúc, các buổi không chồng nhau).")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise Refused("invalid_counter", problem)
    try:
        sessions = parse_sessions([t for t in texts if t.strip()])
    except ValueError:
        raise Refused("invalid_counter", problem) from None
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in sessions) or None


def save_priority_class(db, data: dict, actor: str | None = None) -> None:
    code = str(data.get("code", "")).strip().lower()
    name = nfc(data.get("name", ""))
    if not CODE.match(code) or not name:
        raise Refused("invalid_priority", "Đối tượng ưu tiên cần mã (chữ thường không dấu) và "
                                          "tên.")
    db["priority_classes"].upsert({"code": code, "name": name,
                                   "sort_order": int(data.get("sort_order", 0))},
                                  pk="code", alter=False)
    audit.record(db, actor, "priority_class.save", f"priority:{code}", {"name": name})


def save_department(db, data: dict) -> None:
    code = str(data.get("code", "")).strip().lower()
    name = nfc(data.get("name", ""))
    if not CODE.match(code) or not name:
        raise Refused("invalid_department", "Sở/ngành cần mã (chữ thường không dấu) và tên.")
    others = data.get("other_codes") or []
    if not isinstance(others, list) or not all(isinstance(c, str) and CODE.match(c.strip().lower())
                                               for c in others):
        raise Refused("invalid_department", f"Sở/ngành '{code}': mã cũ (other_codes) phải là "
                                            "danh sách mã chữ thường không dấu.")
    taken_by = departments_table.successor(db, code, name)
    if taken_by:
        raise Refused("department_merged", f"Sở/ngành mã '{code}' ({name}) đã hợp nhất vào "
                                           f"{taken_by}: tệp cấu hình đã cũ. Bỏ sở/ngành này "
                                           "khỏi tệp hoặc dùng mã và tên của sở mới.")
    # One row per department, whichever of the catalog or the queue named it first; the
    # departments it took over (other_codes) become part of it.
    departments_table.save(db, code, name, other_codes=[c.strip().lower() for c in others],
                           short_name=nfc(data.get("short_name") or name),
                           own_desk=int(bool(data.get("own_desk"))),
                           sort_order=int(data.get("sort_order", 0)))


def save_settings(db, values: dict, actor: str | None = None) -> None:
    for key, value in check_settings(values).items():
        db["queue_settings"].upsert({"key": key, "value": value}, pk="key")
    forget_settings()
    audit.record(db, actor, "queue.settings", "queue", values)


# --- A whole centre from a file ---------------------------------------------------

def parse(text: str, name: str = "") -> dict:
    """A setup file's text (TOML, or JSON when it starts with ``{``) to a dict."""
    try:
        if name.endswith(".json") or text.lstrip().startswith("{"):
            data = load_json(text)
        else:
            data = load_toml(text)
    except BadFile as bad:
        raise Refused("invalid_file", f"Tệp cấu hình không đọc được: {bad.message}") from None
    if not isinstance(data, dict):
        raise Refused("invalid_file", "Tệp cấu hình phải là một đối tượng TOML/JSON.")
    return data


def load(store: Store, data: dict, actor: str | None = None,
         create_officers_password: str | None = None) -> dict:
    """Apply a centre description; all or nothing. Returns counts of what was loaded.

    Officers listed in the file are created as users with role ``officer``
    when ``create_officers_password`` is given (the demo does that); an
    existing user is left as it is.
    """
    # Lazy: accounts.users hashes a password as it loads (scrypt, 32 MB at its
    # peak); only a file with officers needs it, not every tool that reads the queue.
    from ..accounts import users

    counts = {"departments": 0, "services": 0, "counters": 0, "priority_classes": 0,
              "officers": 0}
    try:
        with store.write() as db:
            if data.get("settings"):
                save_settings(db, data["settings"], actor)
            for dep in data.get("departments", []):
                save_department(db, dep)
                counts["departments"] += 1
            for pc in data.get("priority_classes", []):
                save_priority_class(db, pc, actor)
                counts["priority_classes"] += 1
            for i, svc in enumerate(data.get("services", [])):
                save_service(db, {**svc, "sort_order": i}, svc.get("departments"), actor)
                counts["services"] += 1
            seen = set()
            for ctr in data.get("counters", []):
                if ctr.get("number") in seen:
                    raise Refused("invalid_counter", f"Quầy {ctr.get('number')} được khai báo hai "
                                                     "lần.")
                seen.add(ctr.get("number"))
                save_counter(db, ctr, actor)
                counts["counters"] += 1
    finally:
        forget_settings()  # whether the file's settings committed or rolled back
    if create_officers_password:
        for officer in data.get("officers", []):
            if users.get_user(store, username=officer["username"]) is None:
                users.create_user(store, officer["username"], officer["full_name"],
                                  officer.get("role", "officer"), create_officers_password,
                                  actor=actor)
                counts["officers"] += 1
    return counts


def load_file(store: Store, path: str | Path, actor: str | None = None,
              create_officers_password: str | None = None) -> dict:
    path = Path(path)
    return load(store, parse(path.read_text(encoding="utf-8"), path.name), actor,
                create_officers_password)


SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "thanhhoa.toml"


def new_token() -> str:
    """The public live page's token: unguessable, and a valid topic level."""
    return secrets.token_hex(10)


# --- Reading -------------------------------------------------------------------------

def services(db) -> list[dict]:
    return sql.rows(db, "select * from services order by sort_order, id")


def service_by_code(db, code: str) -> dict | None:
    found = sql.rows(db, "select * from services where code = ? and active = 1", [code])
    return found[0] if found else None


def counters(db) -> list[dict]:
    rows = list(db.query("select * from counters order by number"))
    weights = {}
    for r in db.query("select cs.counter_id, s.code, cs.weight from counter_services cs "
                      "join services s on s.id = cs.service_id order by s.sort_order"):
        weights.setdefault(r["counter_id"], {})[r["code"]] = r["weight"]
    for r in rows:
        r["services"] = weights.get(r["id"], {})
    return rows


def counter_by_number(db, number: int) -> dict | None:
    found = sql.rows(db, "select * from counters where number = ?", [number])
    return found[0] if found else None


def priority_classes(db) -> list[dict]:
    return list(db.query("select * from priority_classes where active = 1 "
                         "order by sort_order, id"))


def counters_services(db, counter_id: int) -> list[str]:
    return [r[0] for r in db.execute(
        "select s.code from counter_services cs join services s on s.id = cs.service_id "
        "where cs.counter_id = ? order by s.sort_order", [counter_id])]
