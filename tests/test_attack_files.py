"""Bad files: deep, huge or bomb-shaped imports get 400 and a Vietnamese message,
and change nothing (issue 19: JSON nested 100,000 deep gave an HTTP 500).

Formula cells in CSV/XLSX exports are neutralised elsewhere (central/documents/sheets.py,
its own tests)."""

from __future__ import annotations

import io
import zipfile

import pytest

from central import catalog
from central.queue import setup

from .signing import login
from .test_catalog_web import admin, sample, token_of  # noqa: F401 - fixtures


def deep_json(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def xlsx_bomb() -> bytes:
    """A zip named .xlsx whose sheet unzips to ~60 MB from ~60 kB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"<row><c><v>0</v></c></row>" * 40_000
            for _ in range(60):
                sheet.write(chunk)
    return out.getvalue()


BAD = {
    "sau.json": (deep_json(100_000), "lồng nhau quá sâu"),
    "sau-vua.json": (b'{"procedures": ' + deep_json(500) + b"}", "lồng nhau quá sâu"),
    "o-dai.csv": (b"code,name,field,level\n1.0001,\"" + b"a" * 2_000_000 + b'",X,province\n',
                  "dài quá"),
    "bom.xlsx": (xlsx_bomb(), "giải nén ra quá lớn"),
    "hong.xlsx": (b"PK\x03\x04 not really a zip", "không đọc được tệp Excel"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_catalog_file_gets_400_in_vietnamese_and_changes_nothing(admin, store, sample,  # noqa: F811
                                                                      name):
    data, words = BAD[name]
    before = catalog.state(store.db)
    reply = admin.post("/admin/catalog", data={
        "csrf_token": token_of(admin, "/admin/catalog"),
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert reply.status_code == 400
    assert words in reply.get_data(as_text=True)
    assert catalog.state(store.db) == before
    assert admin.get("/admin/catalog").status_code == 200  # the hub carries on


@pytest.mark.parametrize("name, data, words", [
    ("sau.json", b'{"services": ' + deep_json(100_000) + b"}", "lồng nhau quá sâu"),
    ("sau.toml", b"services = " + deep_json(100_000), "lồng nhau quá sâu"),
    ("hong.toml", b"services = [\n", "TOML không hợp lệ"),
])
def test_a_bad_queue_setup_file_gets_400_in_vietnamese_and_changes_nothing(
        client, sample_centre, name, data, words):
    token = login(client, "quantri", "admin", sample_centre)
    before = (setup.services(sample_centre.db), setup.counters(sample_centre.db))
    reply = client.post("/admin/queue/import", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")
    assert reply.status_code == 400
    assert words in reply.get_data(as_text=True)
    assert (setup.services(sample_centre.db), setup.counters(sample_centre.db)) == before
    assert client.get("/admin/queue").status_code == 200


def test_a_file_over_32_mb_is_refused_in_vietnamese_and_changes_nothing(admin, store, sample):  # noqa: F811
    # Before: werkzeug's English "Request Entity Too Large" page.
    before = catalog.state(store.db)
    reply = admin.post("/admin/catalog", data={
        "csrf_token": token_of(admin, "/admin/catalog"),
        "file": (io.BytesIO(b"a" * (33 * 1024 * 1024)), "to.csv")},
        content_type="multipart/form-data")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 413
    assert "Dữ liệu gửi lên quá lớn (tối đa 32 MB)" in page and "Request Entity" not in page
    assert catalog.state(store.db) == before
    assert admin.get("/admin/catalog").status_code == 200
