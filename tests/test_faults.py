"""The fault suite's short form: real processes, real faults, the whole state checked.

Mosquitto, the hub and the simulated nodes each run as their own process
(:mod:`tests.faultlab`); the full suite with longer faults and every scenario
is ``make faults`` (:mod:`tests.fault_suite`, results in docs/reliability.md).
"""

from __future__ import annotations

import pytest

from . import fault_scenarios as scenarios
from .faultlab import Lab

pytestmark = pytest.mark.slow


def test_the_hub_killed_under_load_loses_nothing_and_doubles_nothing(tmp_path):
    figures = scenarios.hub_sigkill(Lab(tmp_path), before=3, down=3, after=3)
    # The whole state was checked inside; what a supervisor would also see:
    assert figures["printed"] == figures["presses"] > 0
    assert figures["printed_offline"] > 0  # the dispenser went on printing meanwhile
    assert figures["ended"] == figures["hub_tickets"]


def test_the_broker_killed_and_restarted_the_nodes_come_back_by_themselves(tmp_path):
    figures = scenarios.broker_restart(Lab(tmp_path), before=3, down=3, after=3)
    assert figures["printed"] == figures["presses"] > 0
    assert figures["printed_offline"] > 0
    assert figures["nodes_reconnected_s"] < 35  # paho's back-off tops at 30 s


def test_a_black_holed_link_is_noticed_by_keepalive_and_heals(tmp_path):
    figures = scenarios.link_blackhole(Lab(tmp_path, node_keepalive=2), before=3, hole=6,
                                       after=3)
    assert figures["noticed_after_s"] < 3 * 2 + 1  # about 1.5-2x the keep-alive
    assert figures["printed"] == figures["presses"] > 0
    assert figures["printed_offline"] > 0
