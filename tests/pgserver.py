"""A PostgreSQL of our own, from Debian's packages, on a free port.

For the tests and benchmarks of the tiers above a centre, which keep their
store in PostgreSQL: the same way the suite starts its own Mosquitto, never the
machine's own server::

    with PostgreSQL() as pg:
        url = pg.create_database("t1")      # postgresql://postgres@127.0.0.1:PORT/t1

``initdb`` refuses to run as root, so as root the cluster belongs to the
``postgres`` user Debian's package creates (``runuser``); its folder is a fresh
one under /tmp that the user can reach. Trust authentication on loopback only.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from motcua.broker import free_port

INSTALL_HINT = "sudo apt-get install postgresql"


class PostgresError(RuntimeError):
    pass


def find_bin(name: str) -> str:
    """Debian keeps the server's programs out of PATH, per major version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise PostgresError(f"PostgreSQL is not installed ({name} not found): {INSTALL_HINT}")


class PostgreSQL:
    def __init__(self, port: int | None = None):
        self._port_ours = port is None
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="motcua-pg-")
        self.data = os.path.join(self.dir, "data")
        self.process: subprocess.Popen | None = None
        self._user = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresError(f"no 'postgres' user to run PostgreSQL as: {INSTALL_HINT}") \
                    from None
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if self._user else argv

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgreSQL:
        initdb = find_bin("initdb")
        done = subprocess.run(
            self._as_owner([initdb, "-D", self.data, "-U", "postgres", "--auth=trust",
                            "--no-locale", "-E", "UTF8", "--no-sync"]),
            capture_output=True, text=True)
        if done.returncode:
            raise PostgresError(f"initdb failed: {done.stderr.strip()[-500:]}")
        self.log = open(os.path.join(self.dir, "postgres.log"), "wb")  # noqa: SIM115
        # A port free_port() found can be taken before postgres binds it (see
        # motcua.broker.free_port): then another, when we chose it.
        for _ in range(5):
            if self._start_on_port():
                return self
            if not (self._port_ours and "Address already in use" in self._log_tail()):
                raise PostgresError("postgres exited at start: " + self._log_tail())
            self.port = free_port()
        raise PostgresError("postgres found no free port in 5 tries: " + self._log_tail())

    def _start_on_port(self) -> bool:
        """Start postgres on ``self.port``: True once it answers, False if it exited."""
        self.process = subprocess.Popen(
            self._as_owner([find_bin("postgres"), "-D", self.data, "-p", str(self.port),
                            "-c", "listen_addresses=127.0.0.1",
                            "-c", f"unix_socket_directories={self.dir}",
                            "-c", "max_connections=200", "-c", "shared_buffers=64MB"]),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self._ready():
                return True
            time.sleep(0.1)
        raise PostgresError("postgres did not accept connections within 30 s: " + self._log_tail())

    def _ready(self) -> bool:
        """Our postgres answers: through the socket in our own directory, so another
        program answering on the TCP port is not taken for it (postgres exits when
        it cannot bind the port, before it opens that socket)."""
        import psycopg

        try:
            with psycopg.connect(host=self.dir, port=self.port, user="postgres",
                                 dbname="postgres", connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _log_tail(self) -> str:
        with open(os.path.join(self.dir, "postgres.log"), "rb") as f:
            return f.read()[-800:].decode(errors="replace")

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}"')
            conn.execute(f'create database "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(2)  # SIGINT, "fast" shutdown: SIGTERM would wait for clients
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(15)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgreSQL:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
