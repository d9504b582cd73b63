"""The booking rules: the centre's (``appointment_settings``) and each service's.

::

    rules.settings(db)["per_phone_active"]          # 2
    rules.save_settings(db, {"slot_minutes": "20"}, actor="admin")
    rules.service_rules(db)[service_id]             # {"bookable": 1, "walk_in_share": 0.5, …}
    rules.save_service_rule(db, "ho-tich", bookable=True, walk_in_share=0.6, actor="admin")

Every refusal is Vietnamese (:class:`central.errors.Refused`); nothing is changed then.
"""

from __future__ import annotations

from ..accounts import audit
from ..errors import Refused

# key: (default, lowest, highest, Vietnamese label)
SETTINGS = {
    "slot_minutes": (30, 5, 240, "Độ dài một khung giờ (phút)"),
    "days_ahead": (30, 1, 90, "Đặt trước tối đa (ngày)"),
    "min_lead_minutes": (60, 0, 1440, "Đặt trước ít nhất (phút)"),
    "per_phone_active": (2, 1, 20, "Số lịch hẹn còn hiệu lực của một số điện thoại"),
    "per_address_per_day": (5, 1, 1000, "Số lịch hẹn đặt từ một địa chỉ mạng trong một ngày"),
    "per_kiosk_per_day": (200, 1, 10000, "Số lịch hẹn đặt từ một kiosk trong một ngày"),
    "reminder_hour": (9, 6, 20, "Giờ bắt đầu gửi tin nhắc lịch (ngày hôm trước)"),
}
DEFAULT_WALK_IN_SHARE = 0.5


def settings(db) -> dict[str, int]:
    stored = dict(db.execute("select key, value from appointment_settings").fetchall())
    out = {}
    for key, (default, _, _, _) in SETTINGS.items():
        try:
            out[key] = int(stored.get(key, default))
        except ValueError:
            out[key] = default
    return out


def save_settings(db, values: dict, actor: str | None = None) -> None:
    """Check every value first, then save them all (inside the caller's transaction)."""
    checked = {}
    for key, value in values.items():
        if key not in SETTINGS:
            raise Refused("invalid_setting", f"Không có thiết lập '{key}'.")
        _, low, high, label = SETTINGS[key]
        text = str(value).strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise Refused("invalid_setting", f"{label} phải là số nguyên từ {low} đến {high}.")
        checked[key] = text
    for key, text in checked.items():
        db.execute("insert into appointment_settings (key, value) values (?, ?) "
                   "on conflict(key) do update set value = excluded.value", [key, text])
    audit.record(db, actor, "appointments.settings", "appointments", checked)


def service_rules(db) -> dict[int, dict]:
    """Every service's rule (defaults for a service never set): bookable, walk-in share,
    slot minutes (None: the centre's)."""
    stored = {r[0]: r for r in db.execute(
        "select service_id, bookable, walk_in_share, slot_minutes from appointment_services")}
    out = {}
    for (service_id,) in db.execute("select id from services"):
        r = stored.get(service_id)
        out[service_id] = {"bookable": bool(r[1]) if r else True,
                           "walk_in_share": float(r[2]) if r else DEFAULT_WALK_IN_SHARE,
                           "slot_minutes": r[3] if r else None}
    return out


def save_service_rule(db, service_code: str, *, bookable: bool, walk_in_share,
                      slot_minutes=None, actor: str | None = None) -> None:
    row = db.execute("select id, name from services where code = ?", [service_code]).fetchone()
    if row is None:
        raise Refused("unknown_service", f"Không có dịch vụ mã '{service_code}'.")
    try:
        share = float(str(walk_in_share).replace(",", "."))
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise Refused("invalid_share", f"Phần dành cho người đến trực tiếp của dịch vụ "
                                       f"“{row[1]}” phải từ 0 đến 1 (ví dụ 0,5).")
    minutes = None
    if slot_minutes not in (None, ""):
        text = str(slot_minutes).strip()
        if not text.isdigit() or not 5 <= int(text) <= 240:
            raise Refused("invalid_setting", f"Độ dài khung giờ của dịch vụ “{row[1]}” phải từ "
                                             "5 đến 240 phút (để trống: như cả trung tâm).")
        minutes = int(text)
    db.execute("insert into appointment_services (service_id, bookable, walk_in_share, "
               "slot_minutes) values (?, ?, ?, ?) on conflict(service_id) do update set "
               "bookable = excluded.bookable, walk_in_share = excluded.walk_in_share, "
               "slot_minutes = excluded.slot_minutes",
               [row[0], int(bool(bookable)), share, minutes])
    audit.record(db, actor, "appointments.service", f"service:{service_code}",
                 {"bookable": bool(bookable), "walk_in_share": share, "slot_minutes": minutes})
