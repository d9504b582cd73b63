"""Records whose implementing agency the 2025 department mergers re-mapped.

From 01/03/2025 (Nghị định 45/2025/NĐ-CP, Chính phủ, 28/02/2025) the provinces'
departments were merged, and the sample's records were re-filed under the new
departments with their ``agencies`` renamed (docs/catalog.md, "Departments after the
2025 restructuring"). A record's publishing ``decision`` dated before the merger does
not name the new agency: unless a source read for ``agencies`` says so, the agency is a
value nobody checked, and ``agencies`` is marked unconfirmed (staff only; the public
page and the kiosk say "Xin hỏi cán bộ tiếp nhận").

Found by comparing the catalog before the re-mapping with the one now::

    git show ff36de2^:central/data/catalog.json > /tmp/before.json
    python -m central.catalog.remapped /tmp/before.json            # list
    python -m central.catalog.remapped /tmp/before.json --mark     # mark the sample

A record is *re-mapped* when its department or its agencies differ from before and its
agencies name a provincial department ("Sở …", "Công an tỉnh"): the commune's agencies
("Ủy ban nhân dân cấp xã") did not change with the departments. It is *to mark* when,
besides, its decision is missing or dated before 01/03/2025 and no source cites
``agencies``. ``REMAPPED_2025`` keeps what the comparison found for the sample, so the
tests need no history.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import SAMPLE

# Nghị định 45/2025/NĐ-CP in force (docs/catalog.md).
MERGER_IN_FORCE = "2025-03-01"
PROVINCIAL = ("Sở ", "Công an tỉnh")

# What `python -m central.catalog.remapped <sample before ff36de2>` found (07/12/2026):
# code -> (department before, department now).
REMAPPED_2025 = {
    "1.009645": ("SKHDT", "STC"), "2.001922": ("SKHDT", "STC"),
    "2.002004": ("SKHDT", "STC"), "1.005127": ("SKHDT", "STC"),
    "1.002804": ("SGTVT", "CAT"), "1.002809": ("SGTVT", "CAT"),
    "1.002835": ("SGTVT", "CAT"), "1.000703": ("SGTVT", "SXD"),
    "2.002288": ("SGTVT", "SXD"), "1.001777": ("SGTVT", "SXD"),
    "1.005210": ("SGTVT", "SXD"), "1.002856": ("SGTVT", "SXD"),
    "1.012783": ("STNMT", "SNNMT"), "1.012786": ("STNMT", "SNNMT"),
    "1.012790": ("STNMT", "SNNMT"), "1.012795": ("STNMT", "SNNMT"),
    "1.012801": ("STNMT", "SNNMT"), "1.012805": ("STNMT", "SNNMT"),
    "1.004228": ("STNMT", "SNNMT"), "1.012504": ("STNMT", "SNNMT"),
    "1.012503": ("STNMT", "SNNMT"), "1.012501": ("STNMT", "SNNMT"),
    "1.011518": ("STNMT", "SNNMT"), "1.010733": ("STNMT", "SNNMT"),
    "1.000798": ("STNMT", "SNNMT"), "1.003057": ("SLDTBXH", "SNV"),
    "1.002519": ("SLDTBXH", "SNV"), "1.009374": ("STTTT", "SVHTTDL"),
    "1.003750": ("STTTT", "SKHCN"), "1.004668": ("STTTT", "SVHTTDL"),
    "1.003466": ("SNNPTNT", "SNNMT"), "1.008003": ("SNNPTNT", "SNNMT"),
    "1.004915": ("SNNPTNT", "SNNMT"), "1.115507": ("STNMT", "SNNMT"),
    "1.012632": ("SNV", "SDTTG"), "1.012607": ("SNV", "SDTTG"),
    "1.012605": ("SNV", "SDTTG"), "1.012606": ("SNV", "SDTTG"),
    "1.012628": ("SNV", "SDTTG"), "1.012629": ("SNV", "SDTTG"),
    "1.012637": ("SNV", "SDTTG"), "1.012639": ("SNV", "SDTTG"),
    "1.012641": ("SNV", "SDTTG"), "1.012661": ("SNV", "SDTTG"),
    "1.012672": ("SNV", "SDTTG"), "1.003397": ("SNNPTNT", "SNNMT"),
    # Lý lịch tư pháp, the police's since 01/03/2025 (sources, session 25; the CAT
    # department's sources): found by the same comparison once re-filed.
    "2.000488": ("STP", "CAT"), "2.000505": ("STP", "CAT"),
}


def provincial(agencies) -> bool:
    return any(str(a).startswith(PROVINCIAL) for a in agencies or [])


def cites_agencies(record: dict) -> bool:
    """A source read for the agency, dated on or after the merger."""
    return any("agencies" in (s.get("parts") or []) and
               str(s.get("date") or "") >= MERGER_IN_FORCE
               for s in record.get("sources") or [])


def decision_before_merger(record: dict) -> bool:
    """No dated decision, or one dated before the merger."""
    date = str((record.get("decision") or {}).get("date") or "")
    return not date or date < MERGER_IN_FORCE


def to_mark(record: dict) -> bool:
    return (decision_before_merger(record) and not cites_agencies(record)
            and "agencies" not in (record.get("unconfirmed") or []))


def remapped(before: list[dict], now: list[dict]) -> list[dict]:
    """The records of ``now`` whose department or provincial agencies differ from
    ``before`` (matched by code), with what changed and whether to mark them."""
    old = {r.get("code"): r for r in before}
    out = []
    for r in now:
        q = old.get(r.get("code"))
        if q is None or not provincial(r.get("agencies")):
            continue
        if q.get("department") == r.get("department") and q.get("agencies") == r.get("agencies"):
            continue
        out.append({"code": r["code"], "name": r.get("name", ""),
                    "department_before": q.get("department"),
                    "department": r.get("department"),
                    "agencies_before": q.get("agencies") or [],
                    "agencies": r.get("agencies") or [],
                    "decision_date": (r.get("decision") or {}).get("date"),
                    "agencies_unconfirmed": "agencies" in (r.get("unconfirmed") or []),
                    "to_mark": to_mark(r)})
    return out


def mark(records: list[dict], codes) -> int:
    """Add ``agencies`` to the unconfirmed parts of ``codes`` that are to mark."""
    codes, n = set(codes), 0
    for r in records:
        if r.get("code") in codes and to_mark(r):
            r["unconfirmed"] = [*(r.get("unconfirmed") or []), "agencies"]
            n += 1
    return n


def _records(path: Path) -> tuple[dict | list, list[dict]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    records = doc["procedures"] if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError
    return doc, records


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    marking = "--mark" in args
    paths = [Path(a) for a in args if a != "--mark"]
    if not paths:
        print("Cách dùng: python -m central.catalog.remapped TRƯỚC.json [SAU.json] [--mark]",
              file=sys.stderr)
        return 2
    now_path = paths[1] if len(paths) > 1 else SAMPLE
    try:
        _, before = _records(paths[0])
        doc, now = _records(now_path)
    except (OSError, ValueError, KeyError, TypeError):
        print(f"Không đọc được danh mục thủ tục (JSON) trong tệp {paths[0]} hoặc {now_path}",
              file=sys.stderr)
        return 2
    rows = remapped(before, now)
    for row in rows:
        state = ("cần đánh dấu" if row["to_mark"] else
                 "đã chưa xác nhận" if row["agencies_unconfirmed"] else
                 f"giữ (quyết định {row['decision_date']})")
        print(f"{row['code']}\t{row['department_before']} → {row['department']}\t"
              f"{row['decision_date'] or '—'}\t{state}\t{'; '.join(row['agencies'])[:70]}")
    print(f"{len(rows)} thủ tục đổi cơ quan, {sum(r['to_mark'] for r in rows)} cần đánh dấu")
    if marking:
        n = mark(now, [r["code"] for r in rows])
        now_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
        print(f"Đã đánh dấu “Cơ quan thực hiện” chưa xác nhận: {n} thủ tục ({now_path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
