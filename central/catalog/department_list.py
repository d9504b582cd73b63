"""One list of departments for the whole hub: the catalog, the queue, dossiers, fees.

The catalog and the queue's setup name the same departments with different
codes (the catalog's ``STP``, the queue's ``stp``; ``VPUB`` and ``vp-ubnd``).
A department is one row of ``departments`` whatever code names it: every code
it was ever given is kept in ``department_codes``, and a department is found by
any of its codes (letter case aside) or, failing that, by its name (Unicode
NFC, case, spacing and dash forms aside)::

    save(db, "stp", "Sở Tư pháp", short_name="Tư pháp")   # the catalog's row, if any
    id_for(db, "STP") == id_for(db, "stp")                  # True
    ids(db)                                                 # {"STP": 3, "stp": 3, ...}

Migration ``0121_one_list_of_departments`` merged the duplicates older hubs
hold; these functions keep new ones from appearing.
"""

from __future__ import annotations

import re

from motcua.text import nfc

DASHES = re.compile(r"\s*[-‐‑‒–—]\s*")


def fold(name: str) -> str:
    """The form two names of one department share: ``fold("Sở Lao động - Thương binh")
    == fold("sở lao động – thương binh")``."""
    text = nfc(name).casefold()
    return " ".join(DASHES.sub(" - ", text).split())


def id_for(db, code: str) -> int | None:
    """The department any of whose codes is ``code`` (letter case aside)."""
    row = db.execute(
        "select id from departments where lower(code) = lower(?) union all "
        "select department_id from department_codes where lower(code) = lower(?) limit 1",
        [code, code]).fetchone()
    return row[0] if row else None


def find(db, code: str, name: str = "") -> int | None:
    """By code, else by name: the row a new record of this department must update."""
    found = id_for(db, code) if code else None
    if found is None and name:
        wanted = fold(name)
        found = next((i for i, n in db.execute("select id, name from departments order by id")
                      if fold(n) == wanted), None)
    return found


def ids(db) -> dict[str, int]:
    """Every code (the department's own and its other codes) → the department's id."""
    out = {code: i for i, code in db.execute("select id, code from departments")}
    for code, i in db.execute("select code, department_id from department_codes"):
        out.setdefault(code, i)
    # Letter case aside, as id_for: a catalog's "STP" is the queue's "stp", and save()
    # records no other code for it, so without these the catalog's records lost their
    # department (in the demo, 219 of 225).
    for code, i in list(out.items()):
        out.setdefault(code.casefold(), i)
    return out


def save(db, code: str, name: str, **values) -> int:
    """Insert the department, or update the one this code or name already names
    (its own code stays; ``code`` is remembered as another of its codes)."""
    found = find(db, code, name)
    if found is None:
        return db["departments"].insert({"code": code, "name": name, **values}).last_pk
    db["departments"].update(found, {"name": name, **values})
    own = db.execute("select code from departments where id = ?", [found]).fetchone()[0]
    if own.lower() != code.lower():
        db.execute("insert or ignore into department_codes (code, department_id) values (?, ?)",
                   [code, found])
    return found
