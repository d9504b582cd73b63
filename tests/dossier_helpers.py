"""A few departments and procedures inserted directly (the catalogue import is elsewhere)."""

import json

from motcua import clock
from motcua.public_terms import PARTS

CHECKLIST = [
    {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "form": "TP/HT-2020-KS.1"},
    {"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "form": ""},
    {"name": "Bản sao giấy chứng nhận kết hôn", "originals": 0, "copies": 1, "form": ""},
]


# The test procedures' time limits are confirmed (a reception needs no officer's
# confirmation, see test_reception_limit.py); every other part stays unconfirmed, as
# a record with no publishing decision is: staff-only on every citizen's surface.
LIMIT_CONFIRMED = {
    "decision": {"number": "9999/QĐ-UBND", "date": "2025-01-02",
                 "issuer": "UBND tỉnh (dữ liệu kiểm thử)"},
    "unconfirmed": [p for p in PARTS if p not in ("time_limit", "decision")],
}


def add_procedures(store) -> dict:
    """Departments Tư pháp, Xây dựng, Tài chính and three procedures; returns their ids."""
    with store.write() as db:
        ids = {}
        for i, (code, name) in enumerate([("STP", "Sở Tư pháp"), ("SXD", "Sở Xây dựng"),
                                          ("STC", "Sở Tài chính")]):
            ids[code] = db["departments"].insert(
                {"code": code, "name": name, "short_name": code, "sort_order": i}).last_pk
        procs = [
            ("1.001193", "Đăng ký khai sinh", "Hộ tịch", "STP",
             [{"channel": "in_person", "time_limit": 3, "unit": "working_days",
               "fees": [{"name": "Lệ phí", "amount": 0}]},
              {"channel": "online", "time_limit": 3, "unit": "working_days", "fees": []}]),
            ("1.009994", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", "SXD",
             [{"channel": "in_person", "time_limit": 15, "unit": "working_days",
               "fees": [{"name": "Lệ phí", "amount": 75000}]}]),
            ("2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", "STP",
             [{"channel": "in_person", "time_limit": 0, "unit": "same_day",
               "fees": [{"name": "Phí", "amount": 2000}]}]),
        ]
        for code, name, field, dep, channels in procs:
            ids[code] = db["procedures"].insert({
                "code": code, "name": name, "field": field, "department_id": ids[dep],
                "level": "province", "created_at": clock.iso(),
                "details": json.dumps({"channels": channels, "components": CHECKLIST,
                                       **LIMIT_CONFIRMED}, ensure_ascii=False),
            }).last_pk
    return ids


APPLICANT = {"name": "Nguyễn Thị Lan", "id_number": "038190001234", "phone": "0912345678",
             "address": "12 Lê Lợi, phường Điện Biên, Thanh Hóa"}
