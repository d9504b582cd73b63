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
    1
    >>> [hit.code for hit in index.search("dang ki khai sin")]
    ['1.001193']

Prefix matching is always on (results update while one types). When every
word must match and nothing does, a slip of one letter in a word is forgiven
(a wrong, missing, extra or swapped letter: "khai sihn" finds "khai sinh"):
a word the index does not know is tried with the known words one edit away
(the index's own vocabulary, read through ``fts5vocab`` and kept until the
database changes). Then a doubled or stray last letter is forgiven, then any
word may match, ranked by how many do, so a misspelt word does not empty the
list::

    >>> [hit.code for hit in index.search("khai sihn")]
    ['1.001193']

A national code typed without its dot (a keyboard without one, a phone's number pad)
is read as the code::

    >>> [hit.code for hit in index.search("1001193")]
    ['1.001193']

Citizens say "sổ đỏ", "bằng lái" where the catalog says "Giấy chứng nhận quyền sử
dụng đất", "giấy phép lái xe": :data:`EVERYDAY` maps such words to the catalog's.
A query holding one is searched in the catalog's words first, then as typed (the
procedures it finds follow), so a catalog without the procedure finds no more
than before (docs/catalog.md, "Everyday words")::

    >>> index.add([{"rowid": 2, "code": "1.012790", "field": "Đất đai",
    ...             "name": "Cấp đổi Giấy chứng nhận quyền sử dụng đất"}])
    1
    >>> [hit.code for hit in index.search("cap doi so do")]
    ['1.012790']
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .text import strip_marks

TABLE = "procedure_search"
CANDIDATES = 1000
# Letters of folded Vietnamese (no f, j, w, z) plus those of loan words.
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SLIP_MIN = 3          # shorter words are too ambiguous to correct on their own
_SLIP_PHRASE_MIN = 2   # ... but a two-letter one is, to a word its neighbour makes a phrase with
_PHRASE_TRIES = 40     # corrections of one word checked against its neighbours
_PHRASE_ROWS = 400     # names read for those phrases
_REAL_TRIES = 6        # corrected phrases of a query of real words looked up whole
_SLIP_MAX = 4          # corrections tried per word and kind of slip
_SLIP_ORDER = {0: 0, 1: 1, -1: 2}   # same length, one letter longer, one shorter
# What citizens say → what the catalog's names say, as a citizen would type both.
# A query with such a word finds the procedures whose name or field holds the
# catalog's words, then those matching every word as typed, and nothing by guess:
# "hộ khẩu" finds "Đăng ký thường trú" where a catalog holds it (a commune's) and
# nothing where none does (the sample catalog), rather than any "hộ …" procedure.
# Folded (see :func:`fold`) when the module loads.
EVERYDAY = {
    "sổ đỏ": "giấy chứng nhận quyền sử dụng đất",
    "sổ hồng": "giấy chứng nhận quyền sử dụng đất",
    "bằng lái xe": "giấy phép lái xe",
    "bằng lái": "giấy phép lái xe",
    # Residence: the household book ended with the Law on Residence (Luật Cư trú)
    # 2020; registering a permanent residence is what people now ask for.
    "hộ khẩu": "đăng ký thường trú",
    # The identity card: "chứng minh nhân dân" is now "căn cước".
    "chứng minh nhân dân": "căn cước",
    "cmnd": "căn cước",
}
_vocab_cache: dict[tuple[int, str], tuple[tuple, list[str], dict[str, int]]] = {}
_vocab_lock = threading.Lock()
_WORD = re.compile(r"[0-9a-z]+")
_CODE = re.compile(r"^\s*[0-9][0-9.\-]*[0-9]\s*$")
# A national procedure code: one digit, a dot, six digits ("1.001193", "2.000806").
_NATIONAL = re.compile(r"^([0-9])[.\s]?([0-9]{6})$")


def national_code(text: str) -> str | None:
    """``text`` as a national procedure code, with or without its dot, else None::

        >>> national_code(" 1001193 "), national_code("1.001193"), national_code("khai sinh")
        ('1.001193', '1.001193', None)
    """
    m = _NATIONAL.match((text or "").strip())
    return f"{m[1]}.{m[2]}" if m else None


def fold(text: str) -> str:
    """Lower case, tone marks and hooks removed, đ→d, y→i: ``"Đăng ký" → "dang ki"``.

    y→i because both spellings are in use ("kỹ"/"kĩ", "lý"/"lí") and people
    type either.
    """
    return strip_marks(text or "").lower().replace("y", "i")


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits)."""
    return _WORD.findall(fold(text))


_EVERYDAY = sorted(((tuple(words(k)), tuple(words(v))) for k, v in EVERYDAY.items()),
                   key=lambda kv: -len(kv[0]))

# What a citizen asking for a paper that no longer exists should be told, with the text
# that says so (shown above the results on /thu-tuc and the kiosk, audit4).
#
# Luật Cư trú số 68/2020/QH14 (Quốc hội, 13/11/2020, in force 01/07/2021), Điều 38
# khoản 3: "Sổ hộ khẩu, Sổ tạm trú đã được cấp vẫn được sử dụng và có giá trị như giấy
# tờ, tài liệu xác nhận về cư trú theo quy định của Luật này cho đến hết ngày 31 tháng
# 12 năm 2022." Read as quoted by thuvienphapluat.vn ("Sổ hộ khẩu, Sổ tạm trú đã cấp
# vẫn có giá trị sử dụng đến hết 31/12/2022", citing Khoản 3 Điều 38 Luật Cư trú 2020),
# doanhnhan.baophapluat.vn (the law passed 13/11/2020, in force 01/07/2021, the
# clause's words) and daidoanket.vn; number, date, issuer and entry into force from the
# Cảnh sát biển portal's record of the law (canhsatbien.vn/portal/van-ban/9260). The
# text itself (vbpl.vn, Công báo) was not read.
NOTES = {
    "hộ khẩu": ("Sổ hộ khẩu, sổ tạm trú giấy chỉ còn giá trị đến hết ngày 31/12/2022 "
                "(khoản 3 Điều 38 Luật Cư trú số 68/2020/QH14 ngày 13/11/2020 của Quốc "
                "hội). Nay thông tin cư trú nằm trong Cơ sở dữ liệu về cư trú; việc nhập, "
                "chuyển hộ khẩu nay là thủ tục đăng ký thường trú."),
}
_NOTES = [(tuple(words(k)), text) for k, text in NOTES.items()]


def note_for(query: str) -> str | None:
    """What to tell someone who typed ``query`` about a paper that no longer exists
    (:data:`NOTES`), or None::

        >>> note_for("so ho khau")[:29]
        'Sổ hộ khẩu, sổ tạm trú giấy c'
        >>> note_for("khai sinh") is None
        True
    """
    terms = words(query)
    for said, text in _NOTES:
        if any(tuple(terms[i:i + len(said)]) == said for i in range(len(terms))):
            return text
    return None


def in_catalog_words(terms: list[str]) -> list[str] | None:
    """``terms`` with every everyday phrase (:data:`EVERYDAY`) in the catalog's words,
    or None when there is none::

        >>> in_catalog_words(["cap", "doi", "so", "do"])
        ['cap', 'doi', 'giai', 'chung', 'nhan', 'quien', 'su', 'dung', 'dat']
    """
    out, i, changed = [], 0, False
    while i < len(terms):
        for said, catalog in _EVERYDAY:
            if tuple(terms[i:i + len(said)]) == said:
                out.extend(catalog)
                i += len(said)
                changed = True
                break
        else:
            out.append(terms[i])
            i += 1
    return out if changed else None


def _holds(terms: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(terms[i:i + n]) == phrase for i in range(len(terms) - n + 1))


def one_slip_away(word: str) -> set[str]:
    """Every string one wrong, missing, extra or swapped letter from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}                                 # missing
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}        # swapped
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}          # wrong
    out |= {a + c + b for a, b in splits for c in _LETTERS}                   # extra
    out.discard(word)
    return out


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
        query = national_code(query) or query
        terms = words(query)
        if not terms:
            return []
        said = in_catalog_words(terms)
        if said:
            # The catalog's words first (slips forgiven, but only procedures whose
            # name or field holds the everyday word's meaning: no "any word" guess),
            # then what the query finds as typed, every word matching.
            meant = {w for said_words, catalog in _EVERYDAY
                     if _holds(terms, said_words) for w in catalog}
            first = [h for h in self.search(" ".join(said), department=department, field=field,
                                            level=level, limit=limit)
                     if meant <= set(words(f"{h.name} {h.field}"))]
            seen = {h.rowid for h in first}
            typed = self._run(" AND ".join(f'"{t}"*' for t in terms), query, terms,
                              department, field, level, limit)
            return (first + [h for h in typed if h.rowid not in seen])[:limit]
        return self._as_typed(query, terms, department=department, field=field, level=level,
                              limit=limit)

    def _as_typed(self, query: str, terms: list[str], *, department: str | None,
                  field: str | None, level: str | None, limit: int) -> list[Hit]:
        # Every word (as a prefix); then each unknown word or its known
        # neighbours one slip away ("sihn" → "sinh"); then with a stray last
        # letter forgiven ("sinhh"); then any word, ranked by how many match.
        exact = " AND ".join(f'"{t}"*' for t in terms)
        hits = self._run(exact, query, terms, department, field, level, limit)
        if hits and not self._cut_short(terms):
            real = self._real_word_slip(terms, hits)
            if real is None:
                return hits
            # Every word is a word, but not together: one of them one slip from the
            # word its neighbours make the query's phrase with ("ket hoi" for "kết hôn",
            # "khai binh" for "khai sinh"). Both readings; the corrected phrase first.
            return self._run(f"({exact}) OR (" + " AND ".join(f'"{t}"*' for t in real) + ")",
                             query, real, department, field, level, limit)
        attempts = []
        slipped = self._slips(terms)
        if hits:
            # A word before the last one that is no word of the index, only the start
            # of one ("khan tu" matched "kháng … tù"): more likely a slip than a word
            # cut short. Both readings are searched; the corrected phrase ranks first.
            if not slipped:
                return hits
            groups = [" OR ".join(f'"{c}"*' for c in [t, *fixes]) for t, fixes in slipped]
            corrected = [fixes[0] if fixes else t for t, fixes in slipped]
            return self._run(f"({exact}) OR (" + " AND ".join(f"({g})" for g in groups) + ")",
                             query, corrected, department, field, level, limit)
        if slipped:
            groups = [" OR ".join(f'"{c}"*' for c in [t, *fixes]) for t, fixes in slipped]
            corrected = [fixes[0] if fixes else t for t, fixes in slipped]
            attempts.append((" AND ".join(f"({g})" for g in groups), corrected))
        else:
            real = self._real_word_slip(terms, [])
            if real:
                attempts.append((" AND ".join(f'"{t}"*' for t in real), real))
        trimmed = [t[:-1] if len(t) >= 4 else t for t in terms]
        if trimmed != terms:
            attempts.append((" AND ".join(f'"{t}"*' for t in trimmed), terms))
        if len(terms) > 1:
            attempts.append((" OR ".join(f'"{t}"*' for t in trimmed), terms))
        for match, phrase_terms in attempts:
            hits = self._run(match, query, phrase_terms, department, field, level, limit)
            if hits:
                return hits
        return []

    # -- slips ---------------------------------------------------------------

    def _vocabulary(self) -> tuple[list[str], dict[str, int]]:
        """The index's words (sorted) and how many procedures hold each.

        Read once per database state: kept until this connection writes or
        another one commits (``total_changes``, ``data_version``).
        """
        key = (id(self.conn), self.table)
        stamp = (self.conn.total_changes,
                 self.conn.execute("pragma data_version").fetchone()[0])
        with _vocab_lock:
            cached = _vocab_cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1], cached[2]
        vocab = f"{self.table}_vocab"
        self.conn.execute(f"create virtual table if not exists temp.{vocab} "
                          f"using fts5vocab(main, {self.table}, 'row')")
        # Words only: the digits of codes need no correcting.
        docs = dict(self.conn.execute(f"select term, doc from temp.{vocab} where term >= 'a'"))
        stamp = (self.conn.total_changes, stamp[1])
        with _vocab_lock:
            if len(_vocab_cache) > 16:
                _vocab_cache.clear()
            _vocab_cache[key] = (stamp, sorted(docs), docs)
        return sorted(docs), docs

    def _slips(self, terms: list[str]) -> list[tuple[str, list[str]]] | None:
        """Each term with the known words one slip away (none when it is known),
        or None when no term needs (or has) a correction.

        The likeliest first (it decides the phrase boost): one that makes a phrase
        of the index with a neighbouring word of the query ("ket hom": "hội" is the
        commoner word, but "kết hôn" is the phrase); then a wrong or swapped letter,
        a missing one, an extra one; then the commoner word. A word shorter than
        ``_SLIP_MIN`` is corrected only to a word that makes such a phrase.
        """
        ordered, docs = self._vocabulary()

        def known(term: str, prefix: bool) -> bool:
            if term in docs:
                return True
            if not prefix:
                return False
            i = bisect.bisect_left(ordered, term)
            return i < len(ordered) and ordered[i].startswith(term)

        def kind(fix: str, term: str) -> int:
            return (len(fix) > len(term)) - (len(fix) < len(term))

        out, changed = [], False
        for i, term in enumerate(terms):
            last = i == len(terms) - 1   # the word being typed may be unfinished
            if term.isdigit() or len(term) < _SLIP_PHRASE_MIN or known(term, last):
                out.append((term, []))
                continue
            near = one_slip_away(term)
            fixes = [c for c in near if c in docs]
            if last and not fixes:
                # An unfinished word with a slip ("karoa" for "karao…"): the
                # neighbours that start a known word.
                fixes = [c for c in near if known(c, True)]
            left = terms[i - 1] if i else ""
            right = terms[i + 1] if not last else ""
            context = self._phrases(fixes, left, right, prefix=last)
            if len(term) < _SLIP_MIN:
                fixes = [c for c in fixes if context.get(c)]
            fixes.sort(key=lambda c: (-context.get(c, 0), _SLIP_ORDER[kind(c, term)],
                                      -docs.get(c, 0), c))
            # The phrase-makers, then a few of each kind, so common short words ("lai",
            # "hai") do not crowd out the longer one meant ("kai" → "khai").
            first = [c for c in fixes if context.get(c)][:_SLIP_MAX]
            fixes = first + [c for k in (0, 1, -1) for c in [
                f for f in fixes if kind(f, term) == k and f not in first][:_SLIP_MAX]]
            changed |= bool(fixes)
            out.append((term, fixes))
        return out if changed else None

    def _real_word_slip(self, terms: list[str], hits: list[Hit]) -> list[str] | None:
        """The query with one word corrected, when no hit holds the words as typed
        side by side and one word one slip away makes a phrase of the index of the
        whole query (the last word may be unfinished); else None."""
        if len(terms) < 2 or any(t.isdigit() for t in terms):
            return None
        typed = " " + " ".join(terms)
        if any(typed in " " + " ".join(words(f"{h.name} {h.field}")) for h in hits):
            return None
        _, docs = self._vocabulary()
        tries: list[tuple] = []
        for i, term in enumerate(terms):
            if len(term) < _SLIP_MIN:
                continue
            last = i == len(terms) - 1
            fixes = [c for c in one_slip_away(term) if c in docs and len(c) >= _SLIP_MIN]
            context = self._phrases(fixes, terms[i - 1] if i else "",
                                    "" if last else terms[i + 1], prefix=last)
            for c in fixes:
                if not context.get(c):
                    continue
                kind = (len(c) > len(term)) - (len(c) < len(term))
                tries.append(((-context[c], _SLIP_ORDER[kind], -docs[c], c),
                              [*terms[:i], c, *terms[i + 1:]]))
        # The likeliest few whose whole phrase the index holds ("khai binh": "thái
        # bình" is a phrase too, but "dang ky thai binh" is no procedure).
        for _, corrected in sorted(tries)[:_REAL_TRIES]:
            if self.conn.execute(f"select 1 from {self.table} where {self.table} match ? "
                                 "limit 1", ['"' + " ".join(corrected) + '"*']).fetchone():
                return corrected
        return None

    def _cut_short(self, terms: list[str]) -> bool:
        """A word before the last is not a word of the index (only the start of one)."""
        _, docs = self._vocabulary()
        return any(len(t) >= _SLIP_PHRASE_MIN and not t.isdigit() and t not in docs
                   for t in terms[:-1])

    def _phrases(self, fixes: list[str], left: str, right: str, *,
                 prefix: bool) -> dict[str, int]:
        """How many of the two neighbours each fix makes a phrase of the index with
        (``left fix``, ``fix right``; the last word may be unfinished: ``prefix``).
        One FTS5 query over the names holding any of those phrases."""
        if not fixes or not (left or right):
            return {}
        fixes = fixes[:_PHRASE_TRIES]
        star = "*" if prefix else ""
        phrases = [f'"{left} {c}"{star}' for c in fixes if left]
        phrases += [f'"{c} {right}"' for c in fixes if right]
        rows = self.conn.execute(
            f"select folded from {self.table} where {self.table} match ? limit {_PHRASE_ROWS}",
            [" OR ".join(phrases)]).fetchall()
        texts = [f" {r[0]} " for r in rows]
        found = {}
        for c in fixes:
            ends = (f" {left} {c}" if prefix else f" {left} {c} ") if left else None
            begins = f" {c} {right} " if right else None
            found[c] = (any(ends in t for t in texts) if ends else 0) \
                + (any(begins in t for t in texts) if begins else 0)
        return found

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
