"""How much of a catalog a published text confirms, record by record.

A record is *confirmed in full* when its time limit, fee and legal basis are each
confirmed (``motcua.public_terms.confirmed``) and so is its publishing decision; *in
part* when at least one of the three is; *unconfirmed* otherwise; *withdrawn* when a
centre withdrew it (``withdrawn``). docs/catalog.md states these counts for the sample
and ``tests/test_catalog_confirmation.py`` holds them to it. For whoever looks for the
next source, the listing says what each record still misses::

    python -m central.catalog.confirmation            # the sample
    python -m central.catalog.confirmation file.json  # a catalog file (JSON)

    counts(records)   # {'full': …, 'part': …, 'unconfirmed': …, 'withdrawn': …}
    state(record)     # ('part', ['fees'])
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from motcua.public_terms import PARTS, confirmed

from . import SAMPLE

# The three values a citizen needs before coming: how long, how much, under which law.
VALUES = ("time_limit", "fees", "legal_basis")
STATES = ("full", "part", "unconfirmed", "withdrawn")
LABELS = {"full": "xác nhận đủ", "part": "một phần", "unconfirmed": "chưa xác nhận",
          "withdrawn": "đã bãi bỏ"}


def state(record: dict) -> tuple[str, list[str]]:
    """(state, the values of ``VALUES`` not confirmed) for one catalog record."""
    if record.get("withdrawn"):
        return "withdrawn", []
    missing = [v for v in VALUES if not confirmed(record, v)]
    if not missing and confirmed(record, "decision"):
        return "full", []
    return ("part" if len(missing) < len(VALUES) else "unconfirmed"), missing


def counts(records: list[dict]) -> dict[str, int]:
    """How many records are in each state (every state present, zero included)."""
    found = Counter(state(r)[0] for r in records)
    return {s: found.get(s, 0) for s in STATES}


def lines(records: list[dict]) -> list[str]:
    """One line a record that is not confirmed in full, grouped by state, then the totals."""
    out = []
    for wanted in ("part", "unconfirmed"):
        for r in records:
            got, missing = state(r)
            if got == wanted:
                lacks = ", ".join(PARTS[m] for m in missing)
                out.append(f"{r.get('code', '?'):<10} {LABELS[got]:<13} thiếu: {lacks:<45} "
                           f"{str(r.get('name', ''))[:70]}")
    c = counts(records)
    out.append(f"{len(records)} thủ tục: "
               + ", ".join(f"{c[s]} {LABELS[s]}" for s in STATES))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else SAMPLE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        records = doc["procedures"] if isinstance(doc, dict) else doc
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        print(f"Không đọc được danh mục thủ tục (JSON) trong tệp {path}", file=sys.stderr)
        return 2
    print("\n".join(lines(records)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
