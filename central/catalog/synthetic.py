"""Synthetic catalogs for scale: 1,848 procedures (the seed's count for Thanh Hóa), 100,000.

Names are built from real procedure vocabulary (verbs, objects, qualifiers),
so word frequencies and name lengths resemble the real catalog; codes start
with ``9.`` (no national code does) and every record says it is synthetic::

    doc = catalog_document(1848, seed=1)       # {"departments": [...], "procedures": [...]}
    records = generate(100_000)                 # procedures only, sample departments
    python -m central.catalog.synthetic 1848 > var/catalog-1848.json
"""

from __future__ import annotations

import json
import random
import sys

from . import SAMPLE

VERBS = ["Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Thu hồi", "Đăng ký",
         "Đăng ký thay đổi", "Xác nhận", "Thẩm định", "Phê duyệt", "Công nhận", "Chấm dứt",
         "Thông báo", "Cho phép", "Giải quyết"]
OBJECTS = ["giấy phép xây dựng", "giấy chứng nhận quyền sử dụng đất", "giấy phép kinh doanh",
           "chứng chỉ hành nghề", "giấy phép lao động", "giấy chứng nhận đủ điều kiện",
           "hợp đồng", "bản sao trích lục", "giấy phép hoạt động", "giấy phép lái xe",
           "giấy chứng nhận đăng ký đầu tư", "hồ sơ địa chính", "giấy phép môi trường",
           "chế độ trợ cấp", "văn bằng, chứng chỉ", "giấy phép khai thác", "quyết định thành lập",
           "thẻ hướng dẫn viên", "giấy phép xuất bản", "giấy chứng nhận an toàn thực phẩm",
           "phù hiệu xe", "giấy xác nhận", "điều lệ", "giấy phép biểu diễn",
           "giấy chứng nhận hộ kinh doanh"]
QUALIFIERS = ["", "", "đối với nhà ở riêng lẻ", "cho doanh nghiệp", "cho cá nhân",
              "có yếu tố nước ngoài", "trên địa bàn tỉnh", "đối với cơ sở sản xuất",
              "cho hợp tác xã", "do bị mất, hư hỏng", "khi thay đổi nội dung",
              "đối với tổ chức", "cho người có công", "hạng II, hạng III", "lần đầu",
              "thuộc thẩm quyền cấp tỉnh", "đối với công trình cấp III", "tại khu công nghiệp"]
FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký kinh doanh", "Đường bộ",
          "Việc làm", "Người có công", "Văn bằng, chứng chỉ", "Khám bệnh, chữa bệnh",
          "Dược phẩm", "Văn hóa", "Lữ hành", "Lưu thông hàng hóa", "Môi trường",
          "Tài nguyên nước", "Thú y", "Thủy sản", "Báo chí, xuất bản", "Đầu tư"]
UNITS = ["working_days"] * 6 + ["calendar_days", "working_hours", "same_day"]
LEVELS = ["province"] * 7 + ["commune"] * 2 + ["district"]


def _departments() -> list[dict]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))["departments"]


def generate(n: int, seed: int = 1, departments: list[dict] | None = None) -> list[dict]:
    """``n`` synthetic procedure records in the import shape."""
    rng = random.Random(seed)
    codes = [d["code"] for d in (departments or _departments())]
    out = []
    for i in range(n):
        name = " ".join(p for p in (rng.choice(VERBS), rng.choice(OBJECTS),
                                    rng.choice(QUALIFIERS)) if p)
        unit = rng.choice(UNITS)
        limit = 0 if unit == "same_day" else rng.choice([1, 2, 3, 5, 7, 10, 15, 20, 30, 45])
        fees = [{"name": "Lệ phí", "amount": rng.choice([0, 0, 10000, 50000, 100000, 500000])}]
        out.append({
            "code": f"9.{i + 1:06d}", "name": f"{name[0].upper()}{name[1:]}",
            "field": rng.choice(FIELDS), "department": rng.choice(codes),
            "level": rng.choice(LEVELS), "online_level": rng.choice(["full", "partial", "info"]),
            "agencies": ["Cơ quan thực hiện (dữ liệu tổng hợp)"],
            "channels": [{"channel": "in_person", "time_limit": limit, "unit": unit,
                          "fees": fees}],
            "components": [{"name": "Đơn đề nghị theo mẫu", "originals": 1, "copies": 0},
                           {"name": "Giấy tờ chứng minh", "originals": 0,
                            "copies": rng.randint(1, 2)}],
            "steps": ["Nộp hồ sơ", "Thẩm định", "Trả kết quả"],
            "results": ["Văn bản giải quyết"],
            # Made up: nothing confirmed (no decision). "synthetic" was listed here as a
            # marker; the import now refuses a part it does not know.
            "unconfirmed": ["code", "time_limit", "fees", "decision"],
        })
    return out


def catalog_document(n: int, seed: int = 1) -> dict:
    departments = _departments()
    return {"departments": departments, "procedures": generate(n, seed, departments)}


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    json.dump(catalog_document(int(sys.argv[1]) if len(sys.argv) > 1 else 1848),
              sys.stdout, ensure_ascii=False)
