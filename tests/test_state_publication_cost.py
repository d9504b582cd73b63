"""The published state made cheaper without changing what the floor sees (issue 25).

A publication of many messages asks the statistics tickers once per kind of topic,
not once per message, and still nudges every ticker a message of it concerns; a
line's state reads its service and departments in one statement; an announcement's
id is a version-4 UUID's hex as every other message id. Over the real Mosquitto.
"""

import uuid

from central.queue import state

from .conftest import wait_until
from .test_queue_bus import press, take_ticket


def _recording(gateway, monkeypatch) -> dict:
    """Each ticker's nudges and its ``nudged_by`` questions, counted."""
    seen = {}
    for ticker in gateway._find_tickers()[0]:
        counts = seen[ticker.name] = {"nudges": 0, "asked": 0}
        asked = ticker.nudged_by

        def nudged_by(topic, asked=asked, counts=counts):
            counts["asked"] += 1
            return asked(topic)

        def nudge(counts=counts):
            counts["nudges"] += 1

        monkeypatch.setattr(ticker, "nudged_by", nudged_by)
        monkeypatch.setattr(ticker, "nudge", nudge)
    return seen


def test_a_publication_of_many_nudges_each_concerned_ticker_asking_once_per_kind(
        queue_hub, make_node, state_watcher, monkeypatch):
    dispenser = make_node("dispenser", "dispenser-1")
    answers = [take_ticket(dispenser, "ho-tich") for _ in range(3)]
    assert all(a["ok"] for a in answers)
    wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 3)
    seen = _recording(queue_hub, monkeypatch)
    db, topics = queue_hub.store.db, queue_hub.topics
    tickets = [r[0] for r in db.execute("select id from tickets order by id")]
    # Three ticket pages, a line, a board, two counters and an announcement-like
    # event, as a burst of calls leaves them.
    outbox = [(topics.ticket_state(db.execute("select token from tickets where id = ?",
                                              [tid]).fetchone()[0]),
               (lambda tid=tid: state._ticket_by_id(db, tid)), True) for tid in tickets]
    outbox += [(topics.state("line", "ho-tich"), lambda: state.line(db, "ho-tich"), True),
               (topics.state("board", "main"), lambda: state.board(db, "main"), True),
               (topics.state("counter", "1"), lambda: state.counter_state(db, 1), True),
               (topics.state("counter", "2"), lambda: state.counter_state(db, 2), True)]
    queue_hub._published.clear()  # all of it goes out (none equal to the last sent)
    queue_hub._publish_outbox(outbox)
    # The queue's figures and the bookings' follow the queue's state: nudged.
    assert seen["queue-stats"]["nudges"] >= 1 and seen["booking-stats"]["nudges"] >= 1
    # The dossiers' and the supervisor's figures do not: never nudged by it.
    assert seen["dossier-stats"]["nudges"] == 0 and seen["supervision"]["nudges"] == 0
    # Asked once per kind (ticket pages, lines, boards, counters), not once for
    # each of the 7 messages.
    assert seen["queue-stats"]["asked"] == 4, seen
    # Every message went out all the same.
    wait_until(lambda: {f"counter/{n}" for n in (1, 2)} <= set(state_watcher.state))
    pages = [k for k in state_watcher.state if k.startswith("ticket/")]
    assert len(pages) == 3


def test_a_single_state_published_alone_still_nudges_the_queue_figures(
        queue_hub, monkeypatch):
    seen = _recording(queue_hub, monkeypatch)
    queue_hub._published.clear()
    queue_hub.publish_state(queue_hub.topics.state("line", "ho-tich"),
                            state.line(queue_hub.store.db, "ho-tich"))
    assert seen["queue-stats"]["nudges"] == 1 and seen["dossier-stats"]["nudges"] == 0


def test_a_line_names_its_service_departments_and_waits_as_before(queue_hub, make_node,
                                                                   state_watcher):
    db = queue_hub.store.db
    service_id = db.execute("select id from services where code = 'ho-tich'").fetchone()[0]
    departments = [r[0] for r in db.execute(
        "select d.name from service_departments sd join departments d on d.id = "
        "sd.department_id where sd.service_id = ? order by d.name", [service_id])]
    assert departments, "the sample's civil status service belongs to a department"
    dispenser = make_node("dispenser", "dispenser-1")
    assert take_ticket(dispenser, "ho-tich")["ok"]
    wait_until(lambda: state_watcher.state.get("line/ho-tich", {}).get("waiting") == 1)
    line = state_watcher.state["line/ho-tich"]
    assert line["departments"] == departments
    assert line["name"] == db.execute("select name from services where id = ?",
                                      [service_id]).fetchone()[0]
    assert line == state.line(db, "ho-tich")
    # A service without a department says so with an empty list, not a missing key.
    db.execute("delete from service_departments where service_id = ?", [service_id])
    assert state.line(db, "ho-tich")["departments"] == []


def test_an_announcement_id_is_a_version_4_uuid_and_never_repeats(queue_hub, make_node,
                                                                   state_watcher):
    dispenser = make_node("dispenser", "dispenser-1")
    counter = make_node("counter", "counter-1")
    for _ in range(3):
        assert take_ticket(dispenser, "ho-tich")["ok"]
    for _ in range(3):
        answer = press(counter, "next")
        assert answer["ok"], answer
    wait_until(lambda: len(state_watcher.announcements) >= 3)
    ids = [a["id"] for a in state_watcher.announcements]
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).hex == i
