"""A few departments and procedures inserted directly (the catalogue import is elsewhere)."""

import json

from motcua import clock

CHECKLIST = [
    {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0, "form": "TP/HT-2020-KS.1"},
    {"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "form": ""},
    {"name": "Bản sao giấy chứng nhận kết hôn", "originals": 0, "copies": 1, "form": ""},
]


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
                "details": json.dumps({"channels": channels, "components": CHECKLIST},
                                      ensure_ascii=False),
            }).last_pk
    return ids


APPLICANT = {"name": "Nguyễn Thị Lan", "id_number": "038190001234", "phone": "0912345678",
             "address": "12 Lê Lợi, phường Điện Biên, Thanh Hóa"}
