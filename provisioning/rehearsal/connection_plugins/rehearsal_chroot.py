"""Ansible connection for the Raspberry Pi rehearsal: every task runs inside a root folder.

The rehearsal (``make rehearse``) applies the real playbook to 64-bit ARM
Debian roots on the technician's machine, run through qemu-user. ansible-core
has no chroot connection of its own (it is in a collection this project does
not depend on); this one is the little that is needed: commands run with
``chroot ROOT /bin/sh -c``, files are copied into and out of ROOT. It runs as
root and never escalates (the inventory sets ``ansible_become: false``).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ansible.errors import AnsibleError
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = """
    name: rehearsal_chroot
    short_description: run tasks inside a chroot on this machine (the Pi rehearsal)
    description:
        - Runs each command with chroot(8) in the root folder named by ansible_host.
    author: motcua
    options:
        root:
            description: The root folder (a debootstrapped Debian or Raspberry Pi OS).
            vars:
                - name: ansible_host
"""


class Connection(ConnectionBase):
    transport = "rehearsal_chroot"
    has_pipelining = True
    default_user = "root"

    def _root(self) -> str:
        root = self.get_option("root")
        if not root or not os.path.isfile(os.path.join(root, "etc", "os-release")):
            raise AnsibleError(f"rehearsal_chroot: {root!r} is not a root folder")
        return root

    def _inside(self, path: str) -> str:
        return os.path.join(self._root(), path.lstrip("/"))

    def _connect(self):
        self._root()
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=False):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        done = subprocess.run(["chroot", self._root(), "/bin/sh", "-c", cmd], input=in_data,
                              capture_output=True, env={**os.environ, "LANG": "C.UTF-8"})
        return done.returncode, done.stdout, done.stderr

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        shutil.copyfile(in_path, self._inside(out_path))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        shutil.copyfile(self._inside(in_path), out_path)

    def close(self):
        self._connected = False
