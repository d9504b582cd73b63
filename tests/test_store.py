"""The store: WAL, foreign keys, durable writes, migrations, one connection per thread."""

import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from central.store import AUTOCHECKPOINT_BEHIND, Store
from central.store.migrations import migrations


def pragma(store, name):
    return store.db.execute(f"pragma {name}").fetchone()[0]


def test_opened_with_the_safe_settings(tmp_path):
    store = Store(tmp_path / "a.db")
    assert pragma(store, "journal_mode") == "wal"
    assert pragma(store, "foreign_keys") == 1
    assert pragma(store, "synchronous") == 2  # FULL: acknowledged means on disk


def test_migrations_apply_once_and_in_order(tmp_path):
    path = tmp_path / "a.db"
    Store(path).close()
    store = Store(path)  # reopening applies nothing again
    applied = [m.name for m in migrations.applied(store.db)]
    assert applied == [m.name for m in migrations._migrations]
    assert applied == sorted(applied)
    assert {"nodes", "node_faults", "bus_messages"} <= set(store.db.table_names())


def test_a_failed_write_leaves_nothing(tmp_path):
    store = Store(tmp_path / "a.db")
    with pytest.raises(RuntimeError), store.write() as db:
        db["bus_messages"].insert({"node_id": "n", "message_id": "1", "topic": "t",
                                   "received_at": "now"})
        raise RuntimeError("power cut, in spirit")
    assert store.db["bus_messages"].count == 0


def test_foreign_keys_are_enforced(tmp_path):
    store = Store(tmp_path / "a.db")
    with pytest.raises(sqlite3.IntegrityError), store.write() as db:
        db["node_faults"].insert({"node_id": "ghost", "message_id": "1", "code": "c",
                                  "message": "m", "severity": "error", "reported_at": "t",
                                  "received_at": "t"})


def test_each_thread_has_its_own_connection_and_writers_queue(tmp_path):
    store = Store(tmp_path / "a.db")
    errors, connections = [], set()

    def writer(n):
        try:
            connections.add(id(store.db))
            for i in range(50):
                with store.write() as db:
                    # read then write: the pattern that fails under deferred BEGIN
                    count = db.execute("select count(*) from bus_messages").fetchone()[0]
                    db["bus_messages"].insert({"node_id": f"n{n}", "message_id": str(i),
                                               "topic": str(count), "received_at": "t"})
        except Exception as exc:  # pragma: no cover - the failure we test against
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(connections) == 4
    assert store.db["bus_messages"].count == 200


# The names centres' databases recorded when each step shipped (_sqlite_migrations):
# a renamed or renumbered step would run again on every centre's database.
SHIPPED = ["0001_nodes", "0002_bus_messages", "0003_users_and_audit",
           "0004_departments_and_procedures", "0010_queue_setup", "0011_tickets",
           "0012_tickets_recent_done", "0020_catalog", "0030_calendar_overrides",
           "0031_dossiers", "0040_sign_in_failures", "0060_ratings", "0061_counter_keypads",
           "0062_tickets_by_counter", "0070_dossier_facts", "0090_province", "0100_sms",
           "0110_fee_entries", "0111_feedback", "0120_user_sessions",
           "0121_one_list_of_departments"]


def schema(db) -> list[tuple]:
    return db.execute("select type, name, tbl_name, sql from sqlite_master "
                      "where name not like 'sqlite_%' order by type, name").fetchall()


def test_the_steps_keep_their_shipped_names_in_name_order():
    names = [m.name for m in migrations._migrations]
    assert names[:len(SHIPPED)] == SHIPPED
    assert names == sorted(names) and len(set(names)) == len(names)


def test_the_steps_import_no_live_code_of_the_hub():
    import ast

    from .conftest import PROJECT

    for path in (PROJECT / "central" / "store" / "migrations").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert module in {"__future__", "collections.abc", "sqlite_utils.migrations",
                                  ".", ".registry", "motcua.search"}, (path.name, module)
            elif isinstance(node, ast.Import):  # the standard library only
                assert all(a.name.split(".")[0] in sys.stdlib_module_names
                           for a in node.names), (path.name, [a.name for a in node.names])


def test_an_old_centres_database_upgrades_to_the_same_schema(tmp_path):
    """A centre that stopped before 0070 (dossiers already received) opens with today's code."""
    import sqlite_utils

    old = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="0070_dossier_facts")
    now = "2026-03-02T01:00:00+00:00"
    old.execute("insert into departments (id, code, name) values (1, 'STP', 'Sở Tư pháp')")
    old.execute("insert into procedures (id, code, name, field, level, department_id, "
                "created_at) values (7, '1.001193', 'Đăng ký khai sinh', 'Hộ tịch', "
                "'province', 1, ?)", [now])
    old.execute("insert into dossiers (id, code, procedure_id, procedure_code, procedure_name, "
                "department_id, channel, status, stage, applicant_name, received_at, due_at, "
                "updated_at) values (1, 'X-1', 7, '1.001193', 'Đăng ký khai sinh', 1, "
                "'in_person', 2, 'running', 'Nguyễn Thị Lan', ?, "
                "'2026-03-04T10:00:00+00:00', ?)", [now, now])
    old.execute("insert into dossier_events (dossier_id, at, action, from_status, to_status, "
                "detail) values (1, ?, 'receive', 1, 2, "
                "'{\"due_at\": \"2026-03-04T10:00:00+00:00\"}')", [now])
    old.conn.commit()
    old.close()

    store = Store(tmp_path / "old.db")  # what a centre's hub does when it starts
    fresh = Store(tmp_path / "fresh.db")
    try:
        assert schema(store.db) == schema(fresh.db)
        recorded = [r[0] for r in store.db.execute(
            "select name from _sqlite_migrations where migration_set = 'motcua' order by rowid")]
        assert sorted(recorded) == sorted(m.name for m in migrations._migrations)
        # The dossier received before 0070 is in the digest the statistics read.
        assert store.db.execute("select received_at, due_at, closed_at from dossier_facts "
                                "where dossier_id = 1").fetchone() == (
            now, "2026-03-04T10:00:00+00:00", None)
        assert store.db.execute("select received_direct from dossier_days").fetchall() == [(1,)]
    finally:
        store.close()
        fresh.close()


def _fill_wal(store, errors):
    """~1,500 pages (past SQLite's own 1000-page checkpoint) in 30 commits, from a
    thread whose connection is made now, as the gateway's network thread's is."""

    def write():
        try:
            for _ in range(30):
                with store.write() as db:
                    for _ in range(50):
                        db.execute("insert into scratch values (randomblob(4000))")
            errors.append(("autocheckpoint", pragma(store, "wal_autocheckpoint")))
        except Exception as exc:  # into the test's thread
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(120)


def _scratch_store(path):
    store = Store(path)
    with store.write() as db:
        db.execute("create table scratch (b blob)")
    store.db.execute("pragma wal_checkpoint(truncate)").fetchall()  # an empty WAL
    return store, path.stat().st_size


def test_with_the_background_checkpointer_no_commit_copies_the_wal(tmp_path):
    # Issue 25: a commit that leaves the WAL 1000 pages long copies all of it into
    # the database file and syncs it, for the request that waits on that commit
    # (one ticket in ~90). With the store's own checkpointer, commits do not.
    alone, size = _scratch_store(tmp_path / "alone.db")
    said = []
    _fill_wal(alone, said)
    assert said == [("autocheckpoint", 1000)]
    assert alone.path.stat().st_size > size + 1000 * 4000  # a commit copied it
    alone.close()

    store, size = _scratch_store(tmp_path / "a.db")
    store.checkpoint_in_background(every=3600)  # its round does not come in this test
    said = []
    _fill_wal(store, said)
    assert said == [("autocheckpoint", AUTOCHECKPOINT_BEHIND)]
    assert Path(f"{store.path}-wal").stat().st_size > 1000 * 4096
    assert store.path.stat().st_size == size  # no commit copied anything
    store.close()
    assert not store.checkpointing


def test_the_background_checkpointer_copies_the_wal_soon(tmp_path):
    store, size = _scratch_store(tmp_path / "a.db")
    store.checkpoint_in_background(every=0.05)
    assert store.checkpointing
    said = []
    _fill_wal(store, said)
    assert said == [("autocheckpoint", AUTOCHECKPOINT_BEHIND)]
    deadline = time.monotonic() + 10
    while store.path.stat().st_size < size + 1400 * 4000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.path.stat().st_size >= size + 1400 * 4000
    # What a reader sees is the same (the copy is the WAL's).
    assert store.db.execute("select count(*) from scratch").fetchone()[0] == 1500
    store.stop_checkpointing()
    assert not store.checkpointing
    store.close()


def test_at_rest_the_checkpointer_sleeps(tmp_path):
    # Issue 25: nothing at rest wakes more often than it needs; the checkpointer
    # waits for a commit, not for a clock.
    store, _ = _scratch_store(tmp_path / "a.db")
    store.checkpoint_in_background(every=0.05)
    time.sleep(0.3)  # the round the scratch table's commit asked for, done
    status = Path(f"/proc/self/task/{store._checkpointer.native_id}/status")

    def switches():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        return int(fields["voluntary_ctxt_switches"]) + int(
            fields["nonvoluntary_ctxt_switches"])

    before = switches()
    time.sleep(1.0)  # 20 of its periods
    assert switches() - before == 0
    with store.write() as db:  # a commit wakes it
        db.execute("insert into scratch values (1)")
    time.sleep(0.3)
    assert switches() - before >= 1
    store.close()


def test_the_thread_answering_requests_keeps_its_savepoints_in_memory(tmp_path):
    # Issue 25: a batch applies each request in a savepoint; SQLite spilled the pages
    # they changed to a temporary file (an open, ~33 writes a call and an unlink a
    # batch). That thread's connection keeps them in memory; a batch with a request
    # rolled back still undoes that request alone. Other threads keep the default
    # (reports may sort a year of rows).
    store = Store(tmp_path / "t.db")
    store.db.execute("create table t (x)")
    store.savepoints_in_memory()
    with store.write():
        for i in range(200):  # more than the 64 KiB SQLite keeps in memory by default
            with store.write() as inner:
                inner.execute("insert into t values (?)", [f"{i:04d}" * 300])
        with pytest.raises(RuntimeError), store.write() as inner:
            inner.execute("delete from t")
            raise RuntimeError("a request that failed")
    assert store.db.execute("pragma temp_store").fetchone()[0] == 2
    assert store.db.execute("select count(*) from t").fetchone()[0] == 200
    other = []
    thread = threading.Thread(
        target=lambda: other.append(store.db.execute("pragma temp_store").fetchone()[0]))
    thread.start()
    thread.join()
    assert other == [0]
    store.close()


def test_a_database_from_before_0159_keeps_its_tickets_and_their_rule(tmp_path):
    """Issue 25: 0159 rewrites the tickets' status check in the schema (no row is
    copied); a centre's tickets, indexes and triggers stay as they were."""
    import sqlite3

    import sqlite_utils

    old = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="0159_tickets_status_check")
    old.execute("insert into services (id, code, name, range_start, range_end) "
                "values (1, 'HT', 'Hộ tịch', 1, 999)")
    old.execute("insert into tickets (day, service_id, issued_service_id, number, display, "
                "status, issued_at, token) values ('2026-12-07', 1, 1, 1, 'A001', 'waiting', "
                "'2026-12-07T01:00:00.000+00:00', 't1')")
    old.conn.commit()
    before = {r[0] for r in old.execute(
        "select name from sqlite_master where tbl_name = 'tickets' and type != 'table'")}
    old.close()

    store = Store(tmp_path / "old.db")
    try:
        db = store.db
        assert db.execute("select display, status from tickets").fetchall() == [
            ("A001", "waiting")]
        assert db.execute("select waiting from queue_lines").fetchall() == [(1,)]
        assert {r[0] for r in db.execute("select name from sqlite_master where "
                                         "tbl_name = 'tickets' and type != 'table'")} == before
        assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
        with pytest.raises(sqlite3.IntegrityError), store.write() as w:
            w.execute("update tickets set status = 'gone'")
        with store.write() as w:  # the trigger still counts a call
            w.execute("update tickets set status = 'called'")
        assert db.execute("select waiting from queue_lines").fetchall() == [(0,)]
    finally:
        store.close()
