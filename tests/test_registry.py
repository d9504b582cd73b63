"""The hub refuses a counter node acting on a counter it does not drive."""

import pytest

from central.config import HubConfig
from central.devices import registry
from central.errors import Refused
from motcua.config import load
from motcua.provision import provision


def test_a_counter_node_may_act_only_on_its_own_counters(sample_inventory, tmp_path):
    out = tmp_path / "out"
    provision(sample_inventory(), out)
    config = load(HubConfig, out / "hub" / "hub.toml",
                  env={"MOTCUA_NODES_FILE": str(out / "hub" / "nodes.toml")})
    registry.check_counter(config, "counter-2", 3)
    with pytest.raises(Refused) as refused:
        registry.check_counter(config, "counter-2", 1)
    assert refused.value.code == "not_your_counter"
    assert refused.value.message == "Thiết bị counter-2 không phụ trách quầy số 1."
    with pytest.raises(Refused):
        registry.check_counter(config, "dispenser-1", 1)  # not a counter node at all
    with pytest.raises(Refused):
        registry.check_counter(config, "counter-99", 1)  # not in the registry
    # The generated hub.toml names the installed registry.
    assert load(HubConfig, out / "hub" / "hub.toml", env={}).nodes_file == \
        "/etc/motcua/nodes.toml"


def test_without_a_registry_nothing_is_restricted(hub_config):
    assert registry.counters_of(hub_config, "counter-1") is None
    registry.check_counter(hub_config, "counter-1", 42)
