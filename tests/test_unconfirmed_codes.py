"""A procedure's code that nobody confirmed never reaches a citizen (docs/catalog.md).

``code`` is one of the parts a record can leave unconfirmed (89 of the sample's 225
records do, and one sample record once carried another procedure's code), yet the
public procedure page ("Mã thủ tục …"), the search results ("Mã …"), the kiosk's lists
and procedure screen, and the printed receipt ("mã thủ tục …") showed it whatever the
record said. Staff pages still show it.
"""

import re
import subprocess

import pytest

from central import catalog
from central.catalog import procedures
from central.dossiers import reception
from kiosk.screens import Procedure

from .dossier_helpers import APPLICANT


def _visible(html: str) -> str:
    """The words on the page, not the addresses in its links."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def codes(store):
    """Two confirmed-in-full sample procedures; the first gets its code unconfirmed."""
    catalog.load_sample(store, "admin")
    full = [p for p in catalog.browse(store.db, limit=500)
            if procedures.current(store.db, p["code"])["details"].get("unconfirmed") == []
            and (procedures.current(store.db, p["code"])["details"].get("decision") or {})
            .get("number")]
    hidden, shown = full[0], full[1]
    details = procedures.current(store.db, hidden["code"])["details"]
    catalog.edit(store, hidden["code"], {"unconfirmed": ["code"]}, "admin")
    assert procedures.current(store.db, hidden["code"])["details"]["unconfirmed"] == ["code"]
    assert details.get("decision")
    return hidden, shown


def test_public_pages_hide_an_unconfirmed_code_and_show_a_confirmed_one(client, codes):
    hidden, shown = codes
    html = client.get(f"/thu-tuc/{hidden['code']}").get_data(as_text=True)
    assert hidden["name"] in html
    # The line under the title (the page's "Văn bản đối chiếu" may still cite the
    # article that lists the procedure: a citation, not the value).
    meta = re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)
    assert hidden["code"] not in meta and "Mã thủ tục" not in meta, meta
    page = _visible(client.get(f"/thu-tuc/{shown['code']}").get_data(as_text=True))
    assert f"Mã thủ tục {shown['code']}" in page
    for p, expect in ((hidden, False), (shown, True)):
        html = client.get("/thu-tuc", query_string={"q": p["name"]}).get_data(as_text=True)
        assert f'href="/thu-tuc/{p["code"]}"' in html  # found, and its page linked
        assert (f"Mã {p['code']}" in _visible(html)) is expect, p


def test_the_kiosk_hides_an_unconfirmed_code(store, codes):
    hidden, shown = codes
    for p, expect in ((hidden, False), (shown, True)):
        proc = procedures.current(store.db, p["code"])
        text = " ".join(t for _, t in Procedure(proc).blocks("Trung tâm"))
        assert (p["code"] in text) is expect, text


def test_the_printed_receipt_names_the_code_only_when_confirmed(client, store, hub_config,
                                                               codes, tmp_path):
    from central.accounts import users

    users.create_user(store, "lan.nt", "Nguyễn Thị Lan", "officer", "mat-khau-lan-1")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "lan.nt", "password": "mat-khau-lan-1",
                                "csrf_token": token})
    for p, expect in zip(codes, (False, True), strict=True):
        proc = procedures.current(store.db, p["code"])
        channel = proc["details"]["channels"][0]["channel"]
        d = reception.receive(store, hub_config, procedure_id=proc["id"], channel=channel,
                              applicant=APPLICANT, components=[], actor="lan.nt",
                              extra_components=[{"name": "Đơn", "reason": "Thử"}])
        reply = client.get(f"/dossiers/{d['id']}/receipt.pdf")
        assert reply.status_code == 200
        path = tmp_path / f"{p['code']}.pdf"
        path.write_bytes(reply.data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Nội dung yêu cầu giải quyết" in text
        assert (f"mã thủ tục {p['code']}" in " ".join(text.split())) is expect, text


def test_the_kiosk_replica_decides_as_the_rule_does_for_every_sample_record(store, tmp_path):
    # The replica reads only two facts per row (for speed); its verdict must be the rule's.
    from kiosk.replica import Replica
    from motcua.public_terms import confirmed

    catalog.load_sample(store, "admin")
    version, records = catalog.export_all(store.db)
    replica = Replica(tmp_path / "replica.db")
    replica.replace(version, records, catalog.withdrawn_codes(store.db))
    listed = {r["code"]: r["code_confirmed"] for d in replica.departments()
              for r in replica.procedures(d["code"])}
    assert len(listed) == len(records)
    assert {r["code"]: confirmed(r["details"], "code") for r in records} == listed
    assert set(listed.values()) == {True, False}
