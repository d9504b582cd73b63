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
