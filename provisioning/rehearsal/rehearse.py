"""The Raspberry Pi rehearsal: the real playbook on 64-bit ARM roots, then every role at work.

    make rehearse            (as root; ~1 h on 2 cores the first time, see docs/operations.md)

1. A Debian 12 (bookworm) arm64 root, as Raspberry Pi OS Lite 64-bit has it
   (debootstrap minbase + python3, venv, pip, systemd, udev, sudo), built once
   and kept in ``$MOTCUA_REHEARSAL_DIR`` (default ``/var/tmp/motcua-rehearsal``);
   it runs through qemu-user (binfmt), 10-30 times slower than native.
2. ``motcua provision`` for a rehearsal centre (a hub and one node per role,
   the broker as ``localhost``), the package built as a wheel, and
   ``provisioning/site.yml`` applied with ``ansible-playbook`` to a fresh copy
   of the root per machine (the hub's also gets the broker), through the
   ``rehearsal_chroot`` connection: every task of every role runs inside it.
3. ``systemd-analyze verify`` on each installed unit, inside its root.
4. The centre's broker (the provisioned production configuration) and its hub
   on this machine; in each node's root, its unit's ``ExecStart`` as its
   ``User`` in its ``WorkingDirectory`` with its ``Environment``, plus
   ``--fake-hardware``. Checks: every node online in the hub's registry (what
   ``/nodes`` shows), the dispenser prints a ticket, the counter calls it,
   the display draws a new frame, the kiosk's replica finds a procedure.
5. Each role's installed size (the root against the pristine one, and the
   venv) and each node's idle memory (VmRSS; under qemu-user it includes the
   emulator's own), written to ``results.json`` in the rehearsal folder.

Nothing here is part of ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from motcua.broker import ProductionMosquitto, free_port, wait_for_port  # noqa: E402
from motcua.provision import provision  # noqa: E402

SUITE = "bookworm"
# What Raspberry Pi OS Lite has beyond debootstrap's minbase, that the roles rely on.
PI_OS_LITE = ["python3", "python3-venv", "python3-pip", "ca-certificates", "systemd",
              "systemd-sysv", "udev", "sudo", "iproute2"]
# Packages of the Raspberry Pi OS archive, not Debian's (see Rehearsal.extra_vars).
PI_OS_ONLY = {"python3-lgpio"}
MACHINES = {"motcua-hub": "hub", "dispenser-1": "dispenser", "counter-1": "counter",
            "display-1": "display", "kiosk-1": "kiosk"}
CENTRE = "dientap"
ADMIN_PASSWORD = "mat-khau-dien-tap-quan-tri"
INVENTORY = """\
center = "{center}"
center_name = "Trung tâm Phục vụ hành chính công (diễn tập)"
[broker]
host = "localhost"
port = {port}
[hub]
host = "hub"
[[nodes]]
id = "dispenser-1"
role = "dispenser"
host = "dispenser"
[nodes.settings]
buttons = ["ho-tich=17", "dat-dai=23"]
[[nodes]]
id = "counter-1"
role = "counter"
host = "counter"
counters = [1]
[[nodes]]
id = "display-1"
role = "display"
host = "display"
[nodes.settings]
hall = "main"
[[nodes]]
id = "kiosk-1"
role = "kiosk"
host = "kiosk"
[nodes.settings]
replica = "/var/lib/motcua/kiosk-replica.db"
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(argv, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    return subprocess.run(argv, **kwargs)


def mirror() -> str:
    """The Debian mirror this machine's apt uses (the first serving the plain archive)."""
    if os.environ.get("MIRROR"):
        return os.environ["MIRROR"]
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        with contextlib.suppress(OSError):
            for m in re.finditer(r"(?m)^(?:URIs:|deb)\s+(\S+)", path.read_text()):
                if m.group(1).rstrip("/").endswith("/debian"):
                    return m.group(1)
    return "http://deb.debian.org/debian"


def host_packages() -> None:
    wanted = ["debootstrap", "qemu-user-static", "binfmt-support"]
    missing = [p for p in wanted if "ok installed" not in subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout]
    if missing:
        log(f"installing on this machine: {' '.join(missing)}")
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", *missing],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if os.uname().machine == "aarch64":
        return
    if not os.path.ismount("/proc/sys/fs/binfmt_misc"):
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"])
    subprocess.run(["update-binfmts", "--enable", "qemu-aarch64"], capture_output=True)


MOUNTS = ["proc", "sys", "dev", "dev/pts"]


def mount(root: Path) -> None:
    for m in MOUNTS:
        if not os.path.ismount(root / m):
            run(["mount", "--bind", f"/{m}", str(root / m)])


def unmount(root: Path) -> None:
    for m in reversed(MOUNTS):
        if os.path.ismount(root / m):
            subprocess.run(["umount", "-l", str(root / m)])


def network(root: Path) -> None:
    """The registries are reached through this machine's resolver and CA bundle."""
    shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
    (root / "etc" / "ssl" / "certs").mkdir(parents=True, exist_ok=True)
    shutil.copy("/etc/ssl/certs/ca-certificates.crt",
                root / "etc" / "ssl" / "certs" / "ca-certificates.crt")


def chroot(root: Path, *argv: str, **kwargs) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "LANG": "C.UTF-8", "HOME": "/root", "DEBIAN_FRONTEND": "noninteractive"}
    return run(["chroot", str(root), *argv], env=env, **kwargs)


def base_root(folder: Path, arch: str) -> Path:
    """The pristine arm64 root, built once (debootstrap's second stage runs under qemu)."""
    base = folder / f"base-{arch}"
    if not (base / ".pristine").exists():
        if not (base / "etc" / "os-release").exists():
            log(f"building a {SUITE} {arch} root with debootstrap (once; tens of minutes)")
            shutil.rmtree(base, ignore_errors=True)
            run(["debootstrap", f"--arch={arch}", "--variant=minbase", SUITE, str(base),
                 mirror()], stdout=subprocess.DEVNULL)
        # Debian's own /etc/hosts: localhost is ::1 as well as 127.0.0.1.
        (base / "etc" / "hosts").write_text(
            "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n")
        network(base)
        mount(base)
        try:
            log(f"adding what Raspberry Pi OS Lite has: {' '.join(PI_OS_LITE)}")
            chroot(base, "apt-get", "update", "-qq")
            chroot(base, "apt-get", "install", "-y", "-qq", "--no-install-recommends",
                   *PI_OS_LITE, stdout=subprocess.DEVNULL)
            chroot(base, "apt-get", "clean")
        finally:
            unmount(base)
        (base / ".pristine").touch()
    return base


def du(path: Path) -> int:
    out = subprocess.run(["du", "-sxb", str(path)], capture_output=True, text=True).stdout
    return int(out.split()[0]) if out else 0


def unit_settings(text: str) -> dict:
    """ExecStart, User, Group, WorkingDirectory, StateDirectory, Environment of a unit."""
    found: dict = {"Environment": []}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        key = key.strip()
        if key == "Environment":
            found["Environment"] += value.split()
        elif key in ("ExecStart", "User", "Group", "WorkingDirectory", "StateDirectory"):
            found[key] = value.strip()
    return found


class Rehearsal:
    def __init__(self, folder: Path, arch: str, again: bool = False):
        self.folder = folder
        self.arch = arch
        self.again = again
        self.roots = folder / "roots"
        self.out = folder / "provisioned"
        self.results: dict = {"machines": {}, "checks": {}, "phases": {}}
        self.processes: dict[str, subprocess.Popen] = {}
        self.broker = None
        self.started = time.monotonic()

    def phase(self, name: str, since: float) -> None:
        self.results["phases"][name] = round(time.monotonic() - since)
        log(f"{name}: {self.results['phases'][name]} s")

    # 1-2 ---------------------------------------------------------------------------
    def prepare(self) -> None:
        t = time.monotonic()
        host_packages()
        self.base = base_root(self.folder, self.arch)
        self.results["base_bytes"] = du(self.base)
        self.phase("base root", t)
        t = time.monotonic()
        inventory = self.folder / "centre.toml"
        if self.again and inventory.exists():  # the port the roots' configs name
            self.port = int(re.search(r"port = (\d+)", inventory.read_text()).group(1))
        else:
            self.port = free_port()
            inventory.write_text(INVENTORY.format(center=CENTRE, port=self.port),
                                 encoding="utf-8")
        if not self.again:  # again: the same credentials as the roots hold
            shutil.rmtree(self.out, ignore_errors=True)
        provision(inventory, self.out)
        dist = self.folder / "dist"
        if not (self.again and list(dist.glob("motcua-*.whl"))):
            # (again: the same wheel, so that a second run of the playbook must change
            # nothing; a wheel built anew differs in its timestamps)
            shutil.rmtree(dist, ignore_errors=True)
            run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist),
                 str(PROJECT)], stdout=subprocess.DEVNULL)
        for machine in MACHINES:
            root = self.roots / machine
            unmount(root)
            if not (self.again and (root / "etc" / "os-release").exists()):
                shutil.rmtree(root, ignore_errors=True)
                root.parent.mkdir(parents=True, exist_ok=True)
                run(["cp", "-a", "--reflink=auto", str(self.base), str(root)])
            network(root)
            mount(root)
        self.wheel = next(dist.glob("motcua-*.whl"))
        self.phase("provision, wheel, roots", t)

    def inventory(self) -> Path:
        import yaml

        data = yaml.safe_load((self.out / "inventory.yml").read_text())
        for group in data["all"]["children"].values():
            for name, host in (group.get("hosts") or {}).items():
                if host is None:
                    continue
                host.update(ansible_host=str(self.roots / name),
                            ansible_connection="rehearsal_chroot", ansible_become=False)
        path = self.folder / "inventory.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        return path

    def extra_vars(self) -> Path:
        """The wheel just built, and the role packages a plain Debian root can have.

        python3-lgpio (GPIO for gpiozero on a Pi 5 as on older ones) comes from
        the Raspberry Pi OS archive, which every Pi OS image has configured and
        Debian 12 does not carry: the rehearsal's roots are plain Debian, so it
        is left out here, and said so in the results (the nodes run with mock
        pins anyway)."""
        import yaml

        group_vars = yaml.safe_load((PROJECT / "provisioning" / "group_vars" / "all.yml")
                                    .read_text())
        extra = {role: [p for p in packages if p not in PI_OS_ONLY]
                 for role, packages in group_vars["motcua_extra_packages"].items()}
        self.results["left_out_packages"] = {
            role: [p for p in packages if p in PI_OS_ONLY]
            for role, packages in group_vars["motcua_extra_packages"].items()
            if any(p in PI_OS_ONLY for p in packages)}
        path = self.folder / "extra-vars.json"
        path.write_text(json.dumps({"motcua_wheel": str(self.wheel),
                                    "motcua_extra_packages": extra}))
        return path

    def playbook(self) -> None:
        """site.yml for each machine at once (``--limit``): under qemu one role takes
        long minutes of apt and pip, and the plays of site.yml run one after the other."""
        t = time.monotonic()
        env = {**os.environ,
               "ANSIBLE_CONNECTION_PLUGINS": str(Path(__file__).parent / "connection_plugins"),
               "ANSIBLE_CONFIG": str(PROJECT / "provisioning" / "ansible.cfg"),
               "ANSIBLE_HOST_KEY_CHECKING": "false", "ANSIBLE_FORCE_COLOR": "0"}
        ansible = str(Path(sys.executable).parent / "ansible-playbook")
        inventory, extra = self.inventory(), self.extra_vars()
        running = {}
        for machine in MACHINES:
            out = open(self.folder / f"ansible-{machine}.log", "w")  # noqa: SIM115
            running[machine] = (subprocess.Popen(
                [ansible, "-i", str(inventory), str(PROJECT / "provisioning" / "site.yml"),
                 "--limit", machine, "--extra-vars", f"@{extra}"],
                env=env, cwd=PROJECT / "provisioning", stdout=out, stderr=subprocess.STDOUT),
                out)
        failed = []
        self.results["playbook"] = {}
        for machine, (process, out) in running.items():
            returncode = process.wait()
            out.close()
            log_text = (self.folder / f"ansible-{machine}.log").read_text()
            recap = log_text.split("PLAY RECAP")[-1].strip()
            print(f"{machine}: ansible-playbook exit {returncode}; {recap}", flush=True)
            self.results["playbook"][machine] = {"returncode": returncode, "recap": recap}
            if returncode != 0:
                failed.append(machine)
        self.phase("playbook", t)
        if failed:
            raise SystemExit(f"the playbook failed on {', '.join(failed)}: see "
                             f"{self.folder}/ansible-<machine>.log")

    # 3 -----------------------------------------------------------------------------
    def verify_units(self) -> None:
        t = time.monotonic()
        for machine, role in MACHINES.items():
            root = self.roots / machine
            units = sorted((root / "etc" / "systemd" / "system").glob("motcua-*.service"))
            entry = self.results["machines"].setdefault(machine, {"role": role})
            entry["units"] = {}
            for unit in units:
                # --man=no: a unit's Documentation= man page is not installed in a
                # minimal root (and is not the unit's business).
                done = chroot(root, "systemd-analyze", "verify", "--man=no",
                              f"/etc/systemd/system/{unit.name}",
                              check=False, capture_output=True, text=True)
                entry["units"][unit.name] = {"returncode": done.returncode,
                                             "output": (done.stdout + done.stderr).strip()}
                log(f"{machine}: systemd-analyze verify {unit.name}: exit {done.returncode}"
                    + (f"\n{done.stdout}{done.stderr}".rstrip() if done.returncode else ""))
            if role == "hub":
                # The hub's package on ARM: its imports (Flask, sqlite-utils, gammu...)
                # and a first database, as the service user with the installed config.
                self.state_directory(root, unit_settings(
                    (root / "etc/systemd/system/motcua-hub.service").read_text()))
                done = chroot(root, "runuser", "-u", "motcua", "--", "sh", "-c",
                              "cd /var/lib/motcua && /opt/motcua/venv/bin/motcua user list "
                              "--config /etc/motcua/hub.toml", check=False,
                              capture_output=True, text=True)
                entry["hub_smoke"] = {"returncode": done.returncode,
                                      "output": (done.stdout + done.stderr).strip()[-500:]}
                log(f"{machine}: motcua user list as motcua: exit {done.returncode}")
            entry["installed_bytes"] = du(root) - self.results["base_bytes"]
            entry["venv_bytes"] = du(root / "opt" / "motcua" / "venv")
        self.phase("systemd-analyze verify, sizes", t)

    # 4 -----------------------------------------------------------------------------
    def start_centre(self) -> None:
        """The centre's broker and hub on this machine, from the provisioned files."""
        t = time.monotonic()
        data = self.folder / "centre"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        self.broker = ProductionMosquitto(self.out / "broker", port=self.port,
                                          data_dir=data / "broker").start()
        hub_toml = data / "hub.toml"
        self.http_port = free_port()
        text = (self.out / "hub" / "hub.toml").read_text()
        text = (text.replace("/etc/motcua/mqtt-password", str(self.out / "hub" / "mqtt-password"))
                .replace("/etc/motcua/ca.crt", str(self.out / "ca" / "ca.crt"))
                .replace("/etc/motcua/nodes.toml", str(self.out / "hub" / "nodes.toml"))
                .replace("/var/lib/motcua/", f"{data}/")
                .replace('host = "0.0.0.0"', 'host = "127.0.0.1"')
                .replace("port = 8080", f"port = {self.http_port}"))
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("live_mqtt"))
        hub_toml.write_text(text + "\n")
        motcua = [sys.executable, "-m", "motcua"]
        run([*motcua, "queue", "load", str(PROJECT / "central" / "samples" / "thanhhoa.toml"),
             "--config", str(hub_toml), "--officer-password-stdin"],
            input=b"mat-khau-dien-tap-1\n", capture_output=True, cwd=data)
        run([sys.executable, "-m", "central.catalog.cli", "sample", "--config", str(hub_toml)],
            capture_output=True, cwd=data)
        self._sign_in_officer(data / "motcua.db")
        self.db = data / "motcua.db"
        hub_log = open(data / "hub.log", "ab")  # noqa: SIM115 - the process keeps it
        self.processes["hub"] = subprocess.Popen([*motcua, "hub", "--config", str(hub_toml)],
                                                 cwd=data, stdout=hub_log,
                                                 stderr=subprocess.STDOUT)
        if not wait_for_port(self.http_port, 120):
            raise SystemExit(f"the hub did not start: see {data / 'hub.log'}")
        self.phase("broker and hub on this machine", t)

    @staticmethod
    def _sign_in_officer(database: Path) -> None:
        """An officer at counter 1, as one who signed in on /console would be."""
        with contextlib.closing(sqlite3.connect(database)) as conn:
            officer = conn.execute("select id from users where role = 'officer' "
                                   "order by id limit 1").fetchone()[0]
        code = ("import sys\n"
                "from central.store import Store\n"
                "from central.queue import commands, setup\n"
                "store = Store(sys.argv[1])\n"
                "counter = next(c for c in setup.counters(store.db) if c['number'] == 1)\n"
                "with store.write() as db:\n"
                "    commands.sign_in(db, counter, int(sys.argv[2]))\n"
                "from central.accounts import users\n"
                "users.create_user(store, 'kythuat', 'Kỹ thuật diễn tập', 'admin', sys.argv[3])\n"
                "store.close()\n")
        run([sys.executable, "-c", code, str(database), str(officer), ADMIN_PASSWORD])

    @staticmethod
    def state_directory(root: Path, unit: dict) -> None:
        """What systemd makes before it starts the service (StateDirectory=)."""
        if unit.get("StateDirectory"):
            chroot(root, "install", "-d", "-m", "0700", "-o", unit.get("User", "root"),
                   "-g", unit.get("Group", "root"), f"/var/lib/{unit['StateDirectory']}")

    def start_node(self, machine: str, role: str) -> subprocess.Popen:
        root = self.roots / machine
        unit = unit_settings((root / "etc" / "systemd" / "system" /
                              f"motcua-{role}.service").read_text())
        user, group = unit.get("User", "root"), unit.get("Group", "root")
        self.state_directory(root, unit)
        workdir = unit.get("WorkingDirectory", "/")
        env = ["PATH=/usr/bin:/bin", f"HOME={workdir}", "LANG=C.UTF-8", *unit["Environment"]]
        command = f"cd {workdir} && exec {unit['ExecStart']} --fake-hardware"
        log_file = open(self.folder / f"{machine}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            ["chroot", f"--userspec={user}:{group}", str(root), "/usr/bin/env", "-i", *env,
             "/bin/sh", "-c", command],
            stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT)
        self.processes[machine] = process
        self.results["machines"][machine]["command"] = command
        return process

    def nodes_page(self) -> str:
        """/nodes as the technician sees it, signed in (with the form's CSRF token)."""
        import http.cookiejar
        import urllib.parse
        import urllib.request

        base = f"http://127.0.0.1:{self.http_port}"
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = opener.open(f"{base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"username": "kythuat", "password": ADMIN_PASSWORD,
                                       "csrf_token": token}).encode()
        opener.open(f"{base}/login", data=data, timeout=30).read()
        page = opener.open(f"{base}/nodes", timeout=30).read().decode()
        (self.folder / "nodes.html").write_text(page)
        return page

    def query(self, sql: str, args=()):
        with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as conn:
            return conn.execute(sql, args).fetchall()

    def wait(self, what: str, predicate, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(1)
        raise SystemExit(f"rehearsal: {what} not seen within {timeout:.0f} s")

    def press(self, machine: str, keys: str) -> None:
        self.processes[machine].stdin.write(keys.encode() + b"\n")
        self.processes[machine].stdin.flush()

    def floor(self) -> None:
        t = time.monotonic()
        nodes = [m for m, r in MACHINES.items() if r != "hub"]
        for machine in nodes:
            self.start_node(machine, MACHINES[machine])

        def online():
            rows = self.query("select node_id from nodes where state = 'online'")
            return {r[0] for r in rows} >= set(nodes)

        self.wait("every node online", online, 900)
        page = self.nodes_page()
        shown = {m: f'<tr data-node="{m}" class="online">' in page for m in nodes}
        if not all(shown.values()):
            raise SystemExit(f"rehearsal: /nodes does not show every node online: {shown}")
        self.results["checks"]["online"] = f"/nodes shows {', '.join(nodes)} Trực tuyến"
        self.phase("nodes started and online", t)
        t = time.monotonic()
        tickets = self.roots / "dispenser-1" / "var" / "lib" / "motcua" / "var" / "tickets"
        self.press("dispenser-1", "1")
        printed = self.wait("a printed ticket", lambda: sorted(tickets.glob("ticket-*.png")), 300)
        shutil.copy(printed[-1], self.folder / "ticket.png")
        number = self.wait("the ticket at the hub", lambda: self.query(
            "select display from tickets where source_node = 'dispenser-1'"), 60)[0][0]
        self.results["checks"]["dispenser"] = f"printed ticket {number}"
        log(f"dispenser-1 printed ticket {number}")
        display = self.roots / "display-1" / "var" / "lib" / "motcua" / "var" / "display"
        before = time.time()
        self.press("counter-1", "n")
        self.wait("the counter's call", lambda: self.query(
            "select status from tickets where display = ? and status = 'called'", [number]), 300)
        self.results["checks"]["counter"] = f"counter 1 called {number}"
        log(f"counter-1 called {number}")
        # The display got the call when it announces it (a WAV per call with fake
        # hardware); the board it draws then is kept as display.png (look at it).
        announced = self.wait("the display's announcement of the call", lambda: [
            f for f in (display / "sound").glob("announcement-*.wav")
            if f.stat().st_mtime > before], 300)
        time.sleep(5)  # the board follows within a frame or two
        drawn = [f for f in (display / "frames").glob("frame-*.png") if f.stat().st_mtime > before]
        if not drawn:
            raise SystemExit("rehearsal: the display drew nothing after the call")
        shutil.copy(max(drawn, key=lambda f: f.stat().st_mtime), self.folder / "display.png")
        shutil.copy(announced[0], self.folder / "announcement.wav")
        self.results["checks"]["display"] = (f"announced the call ({announced[0].name}), "
                                             f"{len(drawn)} board frame(s) drawn after it")
        log(f"display-1 announced the call and drew {len(drawn)} frame(s)")
        replica = self.roots / "kiosk-1" / "var" / "lib" / "motcua" / "kiosk-replica.db"
        self.wait("the kiosk's catalog replica", replica.exists, 300)
        search = ("import json, sys\nfrom kiosk.replica import Replica\n"
                  "found = Replica(sys.argv[1]).search(sys.argv[2])\n"
                  "print(json.dumps([p.get('name') for p in found][:3], ensure_ascii=False))\n")

        def found():
            done = chroot(self.roots / "kiosk-1", "runuser", "-u", "motcua", "--",
                          "/opt/motcua/venv/bin/python", "-c", search,
                          "/var/lib/motcua/kiosk-replica.db", "khai sinh", check=False,
                          capture_output=True, text=True)
            return done.returncode == 0 and json.loads(done.stdout or "[]")

        names = self.wait("a procedure found on the kiosk", found, 300)
        self.results["checks"]["kiosk"] = f"'khai sinh' finds {names}"
        log(f"kiosk-1 finds: {names}")
        self.phase("ticket printed, called, drawn, procedure found", t)
        time.sleep(30)  # idle
        for machine in nodes:
            status = Path(f"/proc/{self.processes[machine].pid}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
            self.results["machines"][machine]["idle_rss_kb"] = rss

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.broker:
            self.broker.cleanup()
        for machine in MACHINES:
            unmount(self.roots / machine)

    def report(self) -> None:
        self.results["arch"] = self.arch
        self.results["again"] = self.again
        self.results["seconds"] = round(time.monotonic() - self.started)
        self.results["load_average"] = os.getloadavg()
        (self.folder / "results.json").write_text(json.dumps(self.results, indent=2,
                                                             ensure_ascii=False))
        emulated = self.arch == "arm64" and os.uname().machine != "aarch64"
        self.results["emulated"] = emulated
        print(f"\nRehearsal on {self.arch} ({self.results['seconds']} s):")
        for machine, entry in self.results["machines"].items():
            rss = entry.get("idle_rss_kb")
            print(f"  {machine:12} {entry['role']:9} installed "
                  f"{entry.get('installed_bytes', 0) / 1e6:6.0f} MB (venv "
                  f"{entry.get('venv_bytes', 0) / 1e6:4.0f} MB)"
                  + (f", idle {rss / 1024:.0f} MB RSS" + (" (with qemu-user)" if emulated else "")
                     if rss else "")
                  + ", units " + ", ".join(f"{u}: exit {v['returncode']}"
                                           for u, v in entry.get("units", {}).items()))
        for name, text in self.results["checks"].items():
            print(f"  check {name}: {text}")
        print(f"  results: {self.folder / 'results.json'}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default=os.environ.get("MOTCUA_REHEARSAL_DIR",
                                                        "/var/tmp/motcua-rehearsal"))
    parser.add_argument("--arch", default="arm64",
                        help="arm64 (Raspberry Pi OS 64-bit, the default) or this machine's "
                             "own architecture for a quick dry run of the playbook")
    parser.add_argument("--again", action="store_true",
                        help="keep the machines' roots and the wheel of the last run and apply "
                             "the playbook to them again (a second run must change nothing)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("make rehearse runs as root (debootstrap, chroot, mounts)", file=sys.stderr)
        return 2
    rehearsal = Rehearsal(Path(args.dir), args.arch, args.again)
    rehearsal.folder.mkdir(parents=True, exist_ok=True)
    try:
        rehearsal.prepare()
        rehearsal.playbook()
        rehearsal.verify_units()
        rehearsal.start_centre()
        rehearsal.floor()
    finally:
        rehearsal.stop()
        rehearsal.report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
