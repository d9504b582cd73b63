"""The kiosk's replica on disk: survives a restart, swaps a catalog whole or not at all."""

import pytest

from kiosk.replica import Replica

PROCS = [
    {"code": "1.001193", "version": 1, "name": "Đăng ký khai sinh", "field": "Hộ tịch",
     "level": "commune", "department": "STP", "department_name": "Sở Tư pháp",
     "details": {"channels": [], "components": []}},
    {"code": "1.002804", "version": 1, "name": "Đổi giấy phép lái xe", "field": "Đường bộ",
     "level": "province", "department": "CAT", "department_name": "Công an tỉnh",
     "details": {}},
]


def test_a_rebooted_kiosk_searches_its_last_catalog_without_the_hub(tmp_path):
    path = tmp_path / "kiosk.db"
    first = Replica(path)
    assert first.version() is None
    first.replace(4, PROCS)
    first.close()
    again = Replica(path)
    assert again.version() == 4
    assert again.search("doi giay phep lai xe")[0]["code"] == "1.002804"
    assert [d["name"] for d in again.departments()] == ["Công an tỉnh", "Sở Tư pháp"]


def test_a_broken_catalog_leaves_the_old_one_in_place(tmp_path):
    replica = Replica(tmp_path / "kiosk.db")
    replica.replace(1, PROCS)
    with pytest.raises(KeyError):
        replica.replace(2, [PROCS[0], {"code": "x"}])  # no name: refused mid-way
    assert replica.version() == 1 and replica.count() == 2
    assert replica.search("khai sinh")[0]["code"] == "1.001193"
