"""The bus contract: topics, messages, and docs/mqtt.md agreeing with the code."""

import pytest

from motcua.bus import messages
from motcua.bus.docs import render, splice
from motcua.bus.messages import CATALOGUE, FAULT, PING, InvalidMessage, decode, encode
from motcua.bus.topics import Topics

from .conftest import PROJECT


def test_topics_are_built_and_parsed_alike():
    t = Topics("thanhhoa")
    assert t.node_status("dispenser-1") == "motcua/thanhhoa/node/dispenser-1/status"
    assert t.node_event("counter-5", "fault") == "motcua/thanhhoa/node/counter-5/event/fault"
    for topic in [t.node_status("k-1"), t.node_request("k-1", "ping"), t.node_cmd("k-1", "x")]:
        parts = t.parse(topic)
        assert parts.node_id == "k-1"
    assert t.parse("motcua/other/node/k-1/status") is None
    assert t.parse("motcua/thanhhoa/node/k-1/event/a/b") is None
    assert t.parse(t.hub_status()).kind == "hub-status"


@pytest.mark.parametrize("bad", ["", "+", "#", "a/b", "Quầy", "A1", "x" * 65])
def test_ids_that_would_break_topics_are_refused(bad):
    with pytest.raises(ValueError):
        Topics("thanhhoa").node_status(bad)


def test_make_fills_version_id_and_time():
    event = FAULT.make(code="paper_out", message="Hết giấy in", severity="error")
    assert event["v"] == messages.SCHEMA_VERSION
    assert len(event["id"]) == 32 and event["ts"].endswith("+00:00")
    assert decode(encode(event)) == event
    assert "Hết giấy in".encode() in encode(event)  # UTF-8, not \\u escapes


def test_validation_lists_every_problem():
    with pytest.raises(InvalidMessage) as info:
        FAULT.validate({"v": 2, "id": "bad id!", "ts": "yesterday", "code": 1,
                        "severity": "fatal"})
    text = str(info.value)
    for expected in ["v: expected one of 1", "id: expected an id", "ts: expected an ISO 8601",
                     "code: expected a string", "message: missing", "severity: expected one of"]:
        assert expected in text


def test_unknown_fields_are_ignored_for_forward_compatibility():
    assert PING.validate({"v": 1, "id": "a", "ts": "2026-01-01T00:00:00+00:00", "new": 1})


@pytest.mark.parametrize("payload", [b"", b"{", b"[1]", b"\xff\xfe", b'"x"', b"x" * 70000])
def test_decode_refuses_what_is_not_a_json_object(payload):
    with pytest.raises(InvalidMessage):
        decode(payload)


def test_docs_mqtt_md_matches_the_catalogue():
    page = (PROJECT / "docs" / "mqtt.md").read_text(encoding="utf-8")
    assert splice(page) == page, "docs/mqtt.md is stale: python -m motcua.bus.docs docs/mqtt.md"
    for m in CATALOGUE:
        assert f"`{m.topic}`" in render()


def test_catalogue_keys_are_unique_and_requests_documented():
    keys = [m.key for m in CATALOGUE]
    assert len(keys) == len(set(keys))
    requests = {m.name for m in CATALOGUE if m.kind == "request"}
    assert requests == set(messages.REQUEST_RESULTS)


SAMPLES = [0, 1, -1, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 1.5, float("nan"), True, False,
           "", "a", "x" * 33, "x" * 2000, "bad id!", "A-1.b:c_d", "Quầy 1",
           "2026-12-07T10:00:00+00:00", "2026-12-07T10:00:00.123+07:00", "2026-12-07T10:00:00",
           "yesterday", {}, {"a": 1}, [], [1], b"x"]


def test_the_quick_check_passes_only_what_the_field_check_passes():
    """MessageType.validate first tries one quick test per field (the hub checks
    every message it reads); whatever that test passes, the field's own check
    must pass too, for every field of every message, each of its choices, and
    values of every JSON type and none (a value it refuses is checked again by
    the field's check, which says what is wrong)."""
    from motcua.bus.messages.base import _quick_test

    fields = {f for m in CATALOGUE for f in m.fields}
    for f in fields:
        test = _quick_test(f)
        for value in [*SAMPLES, *f.choices, "x" * f.max_length, "x" * (f.max_length + 1)]:
            if test(value):
                assert f.check(value) is None, (f, value)
    # A ticket request passes it; the same with one field wrong is refused as before.
    ticket = messages.TICKET.make(service="ho-tich")
    assert all(test(ticket[name]) for name, _, test in messages.TICKET._quick if name in ticket)
    for bad in [{**ticket, "id": "bad id!"}, {**ticket, "ts": "2026-12-07T10:00:00"},
                {**ticket, "v": True}, {k: v for k, v in ticket.items() if k != "service"},
                {**ticket, "priority": 3}]:
        with pytest.raises(InvalidMessage):
            messages.TICKET.validate(bad)
