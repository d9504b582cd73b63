"""docs/security.md names a test for each door: every one it names exists."""

import re

from .conftest import PROJECT


def test_every_test_the_threat_tables_name_exists():
    page = (PROJECT / "docs" / "security.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)((?:::\w+)?)`", page)
    assert len(named) >= 20
    for path, name in named:
        source = (PROJECT / path).read_text(encoding="utf-8")
        if name:
            assert f"def {name[2:]}(" in source, f"{path}{name}"
    # "`::name`" after a file in the same cell: a test of one of the files named.
    files = {p for p, _ in named}
    for short in re.findall(r"`::(\w+)`", page):
        assert any(f"def {short}(" in (PROJECT / f).read_text(encoding="utf-8")
                   for f in files), short
