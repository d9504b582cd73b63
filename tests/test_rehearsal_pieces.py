"""What `make rehearse` found, kept from coming back (the rehearsal itself is not in make test).

- A unit without ``WorkingDirectory`` ran its node in ``/``: every relative
  path of its config (a dispenser's outbox and tickets, a display's frames)
  pointed into the read-only root (``ProtectSystem=strict``).
- ``udevadm control`` fails where udev does not run (a root prepared in a
  chroot, an image being built): the handlers run only where its socket is.
"""

import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "provisioning" / "rehearsal"))

from rehearse import unit_settings  # noqa: E402

from .conftest import PROJECT  # noqa: E402

ROLES = PROJECT / "provisioning" / "roles"


def test_every_motcua_unit_runs_in_its_state_directory():
    units = sorted(ROLES.glob("*/files/motcua-*.service"))
    with_state = [u for u in units if "StateDirectory=" in u.read_text()]
    assert len(with_state) >= 5  # hub, dispenser, counter, display, kiosk
    for unit in with_state:
        settings = unit_settings(unit.read_text())
        assert settings.get("WorkingDirectory") == f"/var/lib/{settings['StateDirectory']}", unit


def test_udev_handlers_run_only_where_udev_runs():
    handlers = [h for f in ROLES.glob("*/handlers/main.yml")
                for h in yaml.safe_load(f.read_text()) or []
                if "udevadm" in str(h.get("ansible.builtin.command", ""))]
    assert len(handlers) == 4  # reload and trigger, for dispensers and kiosks
    for h in handlers:
        assert h["ansible.builtin.command"]["removes"] == "/run/udev/control", h["name"]


def test_the_rehearsal_connection_loads_in_ansible():
    bindir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bindir / "ansible-doc"), "-t", "connection", "rehearsal_chroot"],
        env={"ANSIBLE_CONNECTION_PLUGINS": str(PROJECT / "provisioning" / "rehearsal" /
                                               "connection_plugins"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "chroot" in done.stdout
