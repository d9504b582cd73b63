"""Load a catalog file into the hub's store from a shell (used by ``motcua demo``).

::

    python -m central.catalog.cli import catalog.xlsx --config hub.toml
    python -m central.catalog.cli sample --config hub.toml       # the shipped sample
    python -m central.catalog.cli export catalog.csv --config hub.toml   # .json .csv .xlsx

Problems are printed one per line and nothing is changed. A running hub
republishes the catalog version when it next connects; import through the
admin page to notify kiosks at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from motcua.config import load

from .. import catalog
from ..config import HubConfig
from ..store import Store
from .file_format import export_file
from .file_format import records as records_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m central.catalog.cli")
    parser.add_argument("action", choices=["import", "sample", "export"])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--config", help="the hub's TOML file (default: $MOTCUA_CONFIG)")
    args = parser.parse_args(argv)
    config = load(HubConfig, args.config)
    store = Store(config.database)
    try:
        if args.action == "sample":
            result = catalog.load_sample(store, "shell")
        elif args.action == "export":
            return _export(store, args.file)
        else:
            if not args.file:
                print("cần tên tệp để nhập", file=sys.stderr)
                return 2
            path = Path(args.file)
            result = catalog.import_file(store, path.name, path.read_bytes(), "shell")
    except catalog.ImportRefused as refused:
        print("Tệp không được nhập, danh mục giữ nguyên:", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"Đã nhập: {result.added} mới, {result.updated} cập nhật, {result.unchanged} không "
          f"đổi; phiên bản danh mục {result.version}.")
    return 0


def _export(store: Store, file: str | None) -> int:
    kind = Path(file or "").suffix.lower().lstrip(".")
    if kind not in ("json", "csv", "xlsx"):
        print("cần tên tệp .json, .csv hoặc .xlsx để xuất", file=sys.stderr)
        return 2
    Path(file).write_bytes(export_file(store.db, kind))
    # What the file holds: every current record, the withdrawn ones too (so that it
    # reads back unchanged), not only those listed (``catalog.state``'s count).
    records = records_of(store.db)[0]
    withdrawn = sum(1 for r in records if r.get("withdrawn"))
    print(f"Đã xuất {len(records)} thủ tục"
          + (f" ({withdrawn} đã bãi bỏ, thay thế)" if withdrawn else "") + f" ra {file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
