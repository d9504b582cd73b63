"""The hub refuses a counter node acting on a counter it does not drive."""

import pytest

from central.config import HubConfig
from central.devices import bindings
from central.errors import Refused
from motcua.config import load
from motcua.provision import provision


def test_a_counter_node_may_act_only_on_its_own_counters(sample_inventory, tmp_path):
    out = tmp_path / "out"
    provision(sample_inventory(), out)
    config = load(HubConfig, out / "hub" / "hub.toml",
                  env={"MOTCUA_NODES_FILE": str(out / "hub" / "nodes.toml")})
    bindings.check_counter(config, "counter-2", 3)
    with pytest.raises(Refused) as refused:
        bindings.check_counter(config, "counter-2", 1)
    assert refused.value.code == "not_your_counter"
    assert refused.value.message == "Thiết bị counter-2 không phụ trách quầy số 1."
    with pytest.raises(Refused):
        bindings.check_counter(config, "dispenser-1", 1)  # not a counter node at all
    with pytest.raises(Refused):
        bindings.check_counter(config, "counter-99", 1)  # not in the registry
    # The generated hub.toml names the installed registry.
    assert load(HubConfig, out / "hub" / "hub.toml", env={}).nodes_file == \
        "/etc/motcua/nodes.toml"


def test_without_a_registry_nothing_is_restricted(hub_config):
    assert bindings.counters_of(hub_config, "counter-1") is None
    bindings.check_counter(hub_config, "counter-1", 42)


def test_a_counter_command_is_checked_against_the_inventory_through_the_route(
        sample_centre, hub_config, tmp_path):
    """The route the bus calls asks the one decision: the setup's binding and the inventory.

    (Before the two modules became one, the route handed the counter's row where
    the inventory wanted its number: with a nodes file every command failed.)"""
    import dataclasses

    from central.bus import routes
    from central.devices import bindings

    nodes = tmp_path / "nodes.toml"
    # counter-1 drives counter 1 (its own) and counter 2 (a linked keypad) in the
    # setup; the installer's inventory lists counter 1 only.
    nodes.write_text('[nodes.counter-1]\nrole = "counter"\ncounters = [1]\n', encoding="utf-8")
    config = dataclasses.replace(hub_config, nodes_file=str(nodes))
    with sample_centre.write() as db:
        bindings.link(db, "counter-1", 2, actor="test")

    def command(number):
        with sample_centre.write() as db:
            ctx = routes.Context(node_id="counter-1", data={"action": "pause", "counter": number},
                                 db=db, store=sample_centre, config=config)
            return routes.queue_counter_command(ctx)

    assert command(1)["status"] == "paused"
    with pytest.raises(Refused) as refused:
        command(2)
    assert refused.value.code == "not_your_counter"
    assert refused.value.message == "Thiết bị counter-1 không phụ trách quầy số 2."
    with pytest.raises(Refused) as refused:
        command(3)
    assert refused.value.code == "not_bound"
    # Without the inventory the linked keypad's counter is the node's to command.
    with sample_centre.write() as db:
        ctx = routes.Context(node_id="counter-1", data={"action": "pause", "counter": 2},
                             db=db, store=sample_centre, config=hub_config)
        assert routes.queue_counter_command(ctx)["status"] == "paused"
