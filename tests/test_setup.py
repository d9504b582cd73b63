"""Setting up: what a fresh machine is told, and what the hub does not start."""

import os
import subprocess
import sys

import pytest

from motcua import broker

from .conftest import PROJECT


def test_a_missing_broker_fails_naming_the_install_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(broker, "SBIN_PATHS", [])
    with pytest.raises(broker.BrokerError, match="apt-get install mosquitto"):
        broker.Mosquitto(PROJECT / "broker-config" / "test.conf", data_dir=tmp_path).start()


def test_system_packages_as_a_user_prints_the_exact_apt_get_line(tmp_path):
    # Stand-ins for the two OS tools the script asks: a user who is not root,
    # on a machine where dpkg knows none of the packages.
    (tmp_path / "id").write_text("#!/bin/sh\necho 1000\n")
    (tmp_path / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    for tool in ("id", "dpkg-query"):
        os.chmod(tmp_path / tool, 0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    result = subprocess.run(["sh", str(PROJECT / "provisioning" / "system-packages.sh"), "dev"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert ("sudo apt-get install -y python3 python3-venv mosquitto libzbar0 "
            "fonts-dejavu-core chromium espeak-ng sox") in result.stderr


def test_create_app_starts_no_mqtt_client(tmp_path):
    code = (
        "import threading, sys\n"
        "from central import create_app\n"
        "from central.config import HubConfig\n"
        "from motcua.config import from_dict\n"
        f"config = from_dict(HubConfig, {{'center': 'c', 'database': r'{tmp_path}/h.db'}})\n"
        "app = create_app(config)\n"
        "app.test_client().get('/healthz')\n"
        "print(sorted(t.name for t in threading.enumerate()))\n"
        "print('paho.mqtt.client' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PROJECT).stdout.splitlines()
    assert out == ["['MainThread']", "False"]
