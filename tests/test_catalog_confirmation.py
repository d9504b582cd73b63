"""The counts docs/catalog.md states for the sample are the ones the sample has.

The first section of docs/catalog.md says how many sample procedures are confirmed in
full, in part, unconfirmed and withdrawn; ``central.catalog.confirmation`` counts them
from the records. A change that confirms or takes back a value without updating the page
fails here, and so does one that forgets ``CONFIRMED_IN_FULL``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from central import catalog
from central.catalog.confirmation import counts, main, state

DOCS = Path(__file__).parent.parent / "docs" / "catalog.md"


def _sample() -> list[dict]:
    return json.loads(catalog.SAMPLE.read_text(encoding="utf-8"))["procedures"]


def _stated() -> dict[str, int]:
    first = DOCS.read_text(encoding="utf-8").split("\n### ", 1)[0]
    text = " ".join(first.split())
    found = {
        "total": re.search(r"`central/data/catalog\.json`, (\d+) procedures", text),
        "full": re.search(r"\. (\d+) are confirmed in full", text),
        "part": re.search(r"the record\) and (\d+) in part", text),
        "withdrawn": re.search(r"(\d+) are withdrawn and the other \d+ unconfirmed", text),
        "unconfirmed": re.search(r"are withdrawn and the other (\d+) unconfirmed", text),
    }
    assert all(found.values()), {k: bool(v) for k, v in found.items()}
    return {k: int(m.group(1)) for k, m in found.items()}


def test_the_catalog_page_states_the_samples_own_counts():
    records = _sample()
    stated = _stated()
    assert stated.pop("total") == len(records)
    assert stated == counts(records)


def test_confirmed_in_full_is_the_samples_count():
    from tests.test_catalog_sources import CONFIRMED_IN_FULL

    assert counts(_sample())["full"] == CONFIRMED_IN_FULL


def test_each_record_says_what_it_misses():
    by_code = {r["code"]: r for r in _sample()}
    # Kết hôn: time limit and fee in Luật Hộ tịch, confirmed in full.
    assert state(by_code["1.000894"]) == ("full", [])
    # Xác nhận tình trạng hôn nhân: the fee is Thanh Hóa's People's Council's, not read.
    assert state(by_code["1.004873"]) == ("part", ["fees"])
    # A record with no decision is unconfirmed in every value.
    assert state(by_code["1.004494"]) == ("unconfirmed", ["time_limit", "fees", "legal_basis"])
    assert state({"code": "x", "withdrawn": {"number": "1/QĐ"}}) == ("withdrawn", [])


def test_the_listing_names_the_missing_values_in_vietnamese(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out.splitlines()
    (line,) = [x for x in out if x.startswith("1.004873")]
    assert "một phần" in line and "thiếu: Phí, lệ phí" in line
    c = counts(_sample())
    assert out[-1] == (f"{len(_sample())} thủ tục: {c['full']} xác nhận đủ, {c['part']} một phần, "
                       f"{c['unconfirmed']} chưa xác nhận, {c['withdrawn']} đã bãi bỏ")
    assert not [x for x in out if x.startswith("1.000894")]


def test_a_file_that_is_not_a_catalog_is_refused_in_vietnamese(tmp_path, capsys):
    missing = tmp_path / "none.json"
    assert main([str(missing)]) == 2
    assert "Không đọc được danh mục thủ tục" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"procedures": "x"}', encoding="utf-8")
    assert main([str(bad)]) == 2
    assert "Không đọc được danh mục thủ tục" in capsys.readouterr().err
