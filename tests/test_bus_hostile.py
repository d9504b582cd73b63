"""Payloads built to hurt the receiver are refused with a reason, never parsed into trouble."""

import json

import pytest

from motcua.bus.messages import MAX_DEPTH, InvalidMessage, decode


@pytest.mark.parametrize("payload, reason", [
    (b"[" * 60_000, "nests deeper"),
    (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "nests deeper"),
    (b'{"v": 1, "x": NaN}', "NaN is not allowed"),
    (b'{"v": 1, "x": -Infinity}', "Infinity is not allowed"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "expected a JSON object"),
])
def test_hostile_payloads_are_refused_with_a_reason(payload, reason):
    with pytest.raises(InvalidMessage, match=reason):
        decode(payload)


def test_brackets_inside_strings_are_just_text():
    data = {"message": "[" * 100 + '\\"{' * 50, "nested": [[[["ok"]]]]}
    assert decode(json.dumps(data).encode()) == data


WIRE_SAMPLES = [
    {"v": 1, "id": "a1", "ok": True, "result": {
        "display": "A001", "service_name": "Đăng ký khai sinh", "people_ahead": 0,
        "estimate_min": 12, "estimate_range": [5, 20], "priority": None, "booked": False}},
    {"v": 1, "queue": [{"display": f"B{i:03d}", "priority": i % 7 == 0} for i in range(200)],
     "minutes_per_person": 4.25, "small": 1e-05, "big": 2 ** 62, "negative": -0.5},
    {"v": 1, "counts": {1: 3, 2: 0}, "text": 'quote " back\\slash \n tab \t ☎ \u2028 \x01'},
]


@pytest.mark.parametrize("data", WIRE_SAMPLES)
def test_the_wire_is_the_same_with_or_without_orjson(data, monkeypatch):
    """The hub encodes with orjson (issue 25: a line's state ~16× faster); a node
    without it uses the standard library: the same message either way."""
    from motcua.bus.messages import base, encode

    assert base.orjson is not None  # the hub's dependency is installed here
    fast = encode(data)
    monkeypatch.setattr(base, "orjson", None)
    plain = encode(data)
    assert json.loads(plain) == json.loads(fast) == decode(fast) == decode(plain)
    if "small" not in data:  # 1e-05 is written 0.00001 by orjson: the same number
        assert plain.decode() == fast.decode()


@pytest.mark.parametrize("payload, reason", [
    (b'{"v": 1, "x": NaN}', "NaN is not allowed"),
    (b'{"v": 1, "x": "\\ud800"}', None),  # orjson refuses a lone surrogate; json reads it
    (b'{"v": 1', "payload is not JSON: Expecting"),
])
def test_what_orjson_refuses_is_read_by_the_standard_library(payload, reason, monkeypatch):
    from motcua.bus.messages import base

    if reason is None:
        assert decode(payload) == json.loads(payload)
        return
    with pytest.raises(InvalidMessage, match=reason):
        decode(payload)
    monkeypatch.setattr(base, "orjson", None)
    with pytest.raises(InvalidMessage, match=reason):
        decode(payload)
