"""The store: WAL, foreign keys, durable writes, migrations, one connection per thread."""

import sqlite3
import threading

import pytest

from central.store import Store
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
