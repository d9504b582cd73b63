"""Procedure search, shared by the hub and the kiosk: SQLite FTS5 on stdlib sqlite3.

Citizens type without accents ("dang ky khai sinh"), with some accents, with
the i/y spelling variants ("ky"/"ki"), or a national code ("1.001193"). FTS5's
``remove_diacritics`` folds tone marks but not đ/Đ, so the index keeps a
*folded* copy of each text (tone marks removed, đ→d, y→i, lower case) and the
query is folded the same way. The accented name is kept too, so results whose
name holds the query as typed (accents and all) rank first::

    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> index = SearchIndex(conn)
    >>> index.create()
    >>> index.add([{"rowid": 1, "code": "1.001193", "name": "Đăng ký khai sinh",
    ...             "field": "Hộ tịch", "department": "STP", "level": "commune"}])
    >>> [hit.code for hit in index.search("dang ki khai sin")]
    ['1.001193']

Prefix matching is always on (results update while one types); when every word
must match and nothing does, a doubled or stray last letter is forgiven, then
any word may match, ranked by how many do, so a misspelt word does not empty
the list.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

TABLE = "procedure_search"
CANDIDATES = 1000
_WORD = re.compile(r"[0-9a-z]+")
_CODE = re.compile(r"^\s*[0-9][0-9.\-]*[0-9]\s*$")


def fold(text: str) -> str:
    """Lower case, tone marks and hooks removed, đ→d, y→i: ``"Đăng ký" → "dang ki"``.

    y→i because both spellings are in use ("kỹ"/"kĩ", "lý"/"lí") and people
    type either.
    """
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return text.replace("y", "i")


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits)."""
    return _WORD.findall(fold(text))


def accented_lower(text: str) -> str:
    """NFC, lower case, accents kept: the form the exact-match boost compares."""
    return unicodedata.normalize("NFC", text or "").casefold()


@dataclass(frozen=True)
class Hit:
    rowid: int
    code: str
    name: str
    field: str
    department: str
    level: str


class SearchIndex:
    """The FTS5 index over one SQLite connection (the hub's store or a kiosk replica).

    Rows are keyed by ``rowid`` (the hub uses the procedure version's id, the
    kiosk its replica row id). Writes join the caller's transaction.
    """

    def __init__(self, conn: sqlite3.Connection, table: str = TABLE):
        self.conn = conn
        self.table = table

    @staticmethod
    def create_sql(table: str = TABLE) -> str:
        # `folded` is what MATCH looks at; `exact` (accented, lower case) and
        # the filter columns are only read, so they are UNINDEXED.
        return (
            f"create virtual table if not exists {table} using fts5("
            "folded, code unindexed, name unindexed, exact unindexed, field unindexed, "
            "department unindexed, level unindexed, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
        )

    def create(self) -> None:
        self.conn.execute(self.create_sql(self.table))

    def add(self, rows: Iterable[dict]) -> int:
        """Index procedures: dicts with rowid, code, name, field, department, level."""
        n = 0
        for r in rows:
            folded = " ".join([fold(r["name"]), fold(r["code"]), fold(r.get("field") or ""),
                               fold(r.get("keywords") or "")])
            self.conn.execute(
                f"insert or replace into {self.table} (rowid, folded, code, name, exact, field, "
                "department, level) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [r["rowid"], folded, r["code"], r["name"], accented_lower(r["name"]),
                 r.get("field") or "", r.get("department") or "", r.get("level") or ""],
            )
            n += 1
        return n

    def remove(self, rowids: Iterable[int]) -> None:
        self.conn.executemany(f"delete from {self.table} where rowid = ?",
                              [(r,) for r in rowids])

    def clear(self) -> None:
        self.conn.execute(f"delete from {self.table}")

    def count(self) -> int:
        return self.conn.execute(f"select count(*) from {self.table}").fetchone()[0]

    def facets(self, column: str) -> list[str]:
        """The distinct values of a filter column (field, department or level)."""
        if column not in ("field", "department", "level"):
            raise ValueError(column)
        return [r[0] for r in self.conn.execute(
            f"select distinct {column} from {self.table} where {column} != '' order by 1")]

    def search(self, query: str, *, department: str | None = None, field: str | None = None,
               level: str | None = None, limit: int = 20) -> list[Hit]:
        """The best ``limit`` procedures for ``query`` (empty query: none), best first.

        Order: exact code; name containing the query as typed (accents
        included); name containing the folded query as a phrase; then FTS5's
        bm25, then shorter names.
        """
        terms = words(query)
        if not terms:
            return []
        # Every word (as a prefix); then with a stray last letter forgiven
        # ("sinhh"); then any word, ranked by how many match.
        trimmed = [t[:-1] if len(t) >= 4 else t for t in terms]
        attempts = [" AND ".join(f'"{t}"*' for t in terms)]
        if trimmed != terms:
            attempts.append(" AND ".join(f'"{t}"*' for t in trimmed))
        if len(terms) > 1:
            attempts.append(" OR ".join(f'"{t}"*' for t in trimmed))
        for match in attempts:
            hits = self._run(match, query, terms, department, field, level, limit)
            if hits:
                return hits
        return []

    def _run(self, match, query, terms, department, field, level, limit) -> list[Hit]:
        filters, args = [], []
        for column, value in (("department", department), ("field", field), ("level", level)):
            if value:
                filters.append(f"and {column} = ?")
                args.append(value)
        exact = accented_lower(query.strip())
        phrase = " " + " ".join(terms) + " "
        code = query.strip() if _CODE.match(query) else ""
        # Rank at most CANDIDATES matches: a one-letter prefix matches most of a
        # 100,000-procedure catalog, and scoring them all costs more than it tells.
        sql = (
            "select rowid, code, name, field, department, level from ("
            f"select rowid, code, name, field, department, level, folded, exact, rank as r "
            f"from {self.table} where {self.table} match ? {' '.join(filters)} limit {CANDIDATES}"
            ") order by (code = ?) desc, (instr(exact, ?) > 0) desc, "
            "(instr(' ' || folded || ' ', ?) > 0) desc, r, length(name) limit ?"
        )
        rows = self.conn.execute(sql, [match, *args, code, exact, phrase, limit]).fetchall()
        return [Hit(*row) for row in rows]
