"""Configuration: every example loads, and every mistake is named at start."""

import subprocess

import pytest

from central.config import HubConfig
from motcua.config import ConfigError, NodeConfig, load

from .conftest import MOTCUA, PROJECT

EXAMPLES = PROJECT / "provisioning" / "examples"


@pytest.mark.parametrize("role", ["dispenser", "counter", "display", "kiosk"])
def test_every_node_example_loads(role):
    import importlib

    from motcua.cli import NODE_ROLES

    module, name, _ = NODE_ROLES[role]  # each role's own settings class
    config_class = getattr(importlib.import_module(module), name).config_class
    config = load(config_class, EXAMPLES / f"{role}.toml", env={})
    assert config.node_id == f"{role}-1"
    assert config.mqtt.port == 1883


def test_hub_example_loads():
    config = load(HubConfig, EXAMPLES / "hub.toml", env={})
    assert config.center_name.startswith("Trung tâm Phục vụ hành chính công")
    assert config.http.port == 8080


def write(tmp_path, text):
    path = tmp_path / "node.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path, env=None, cls=NodeConfig):
    with pytest.raises(ConfigError) as info:
        load(cls, path, env=env or {})
    return str(info.value)


def test_missing_key_names_file_key_and_expectation(tmp_path):
    path = write(tmp_path, 'center = "thanhhoa"\n')
    message = error_of(path)
    assert str(path) in message
    assert "node_id" in message
    assert "missing; expected a string" in message


def test_wrong_type_is_named(tmp_path):
    path = write(tmp_path, 'center = "c"\nnode_id = "n"\n[mqtt]\nport = "1883"\n')
    message = error_of(path)
    assert "mqtt.port" in message and "expected an integer" in message and "'1883'" in message


def test_unknown_key_lists_the_known_ones(tmp_path):
    path = write(tmp_path, 'center = "c"\nnode_id = "n"\n[mqtt]\nhots = "x"\n')
    message = error_of(path)
    assert "mqtt.hots" in message and "unknown key in [mqtt]" in message and "host" in message


def test_bad_values_are_refused(tmp_path):
    assert "TCP port" in error_of(write(tmp_path, 'center="c"\nnode_id="n"\n[mqtt]\nport=0\n'))
    assert "lower-case letters" in error_of(write(tmp_path, 'center="c"\nnode_id="Quầy 1"\n'))
    assert "not valid TOML" in error_of(write(tmp_path, 'center = "c\n'))
    assert "file not found" in error_of(tmp_path / "absent.toml")


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, 'center = "c"\nnode_id = "n"\n')
    config = load(NodeConfig, path, env={"MOTCUA_MQTT__PORT": "1884", "MOTCUA_NODE_ID": "kiosk-9",
                                         "MOTCUA_SIMULATE": "yes"})
    assert (config.mqtt.port, config.node_id, config.simulate) == (1884, "kiosk-9", True)


def test_environment_mistakes_are_named(tmp_path):
    path = write(tmp_path, 'center = "c"\nnode_id = "n"\n')
    assert "MOTCUA_MQTT__PORT" in error_of(path, {"MOTCUA_MQTT__PORT": "abc"})
    assert "MOTCUA_MQTT__HOTS" in error_of(path, {"MOTCUA_MQTT__HOTS": "x"})


def test_config_path_from_environment(tmp_path):
    path = write(tmp_path, 'center = "c"\nnode_id = "n"\n')
    assert load(NodeConfig, None, env={"MOTCUA_CONFIG": str(path)}).node_id == "n"
    with pytest.raises(ConfigError, match="--config"):
        load(NodeConfig, None, env={})


def test_the_command_stops_at_start_with_the_message(tmp_path):
    path = write(tmp_path, 'center = "c"\n[mqtt]\nport = 70000\n')
    result = subprocess.run([*MOTCUA, "dispenser", "--config", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert str(path) in result.stderr and "node_id" in result.stderr
