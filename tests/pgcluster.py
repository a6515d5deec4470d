"""A throwaway PostgreSQL + PostGIS cluster for tests and benchmarks.

``initdb`` into a temporary folder and ``pg_ctl start`` on a free TCP port of
127.0.0.1 with password (scram) authentication. PostgreSQL refuses to run as
root, so under root (as in CI containers) the server runs as the ``postgres``
system user (made by the Debian package) or, failing that, as ``nobody``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "riskmap_admin"
SUPERPASSWORD = "admin-pw-for-tests"


def find_bindir() -> Path | None:
    """The folder with initdb/pg_ctl of the newest installed PostgreSQL with PostGIS."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        version = Path(initdb).parent.parent.name
        share = Path(f"/usr/share/postgresql/{version}/extension/postgis.control")
        if share.exists():
            candidates.append(Path(initdb).parent)
    found = shutil.which("initdb")
    if not candidates and found:
        candidates.append(Path(found).parent)
    return sorted(candidates)[-1] if candidates else None


def _free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> str | None:
    """The unprivileged user to run the server as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no postgres/nobody user to run the server")


@dataclass
class Cluster:
    """A running throwaway cluster; ``url(db)`` gives a connection URL."""

    root: Path
    bindir: Path
    port: int
    run_as: str | None

    @classmethod
    def start(cls, bindir: Path | None = None) -> Cluster:
        """initdb + start; raise RuntimeError when PostgreSQL is not installed."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries (initdb) not found")
        root = Path(tempfile.mkdtemp(prefix="riskmap-pg-"))
        cluster = cls(root, bindir, _free_port(), _server_user())
        try:
            cluster._init()
            cluster._pg_ctl("start", "-w", "-t", "60", "-l", str(root / "log"))
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def _run(self, *cmd: str) -> None:
        """Run a server binary as the server user."""
        argv = [str(self.bindir / cmd[0]), *cmd[1:]]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, cwd=self.root)

    def _init(self) -> None:
        """initdb with a superuser password; sockets in the cluster folder."""
        pwfile = self.root / "pw"
        pwfile.write_text(SUPERPASSWORD + "\n")
        if self.run_as:
            info = pwd.getpwnam(self.run_as)
            os.chmod(self.root, 0o700)
            os.chown(self.root, info.pw_uid, info.pw_gid)
            os.chown(pwfile, info.pw_uid, info.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile),
            "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync",
        )  # fmt: skip
        conf = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\nfsync = off\n"
            "shared_buffers = 32MB\nmax_connections = 60\n"
            "full_page_writes = off\nsynchronous_commit = off\n"
        )
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write(conf)

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.root / "data"

    def _pg_ctl(self, *args: str) -> None:
        """pg_ctl on this cluster."""
        self._run("pg_ctl", "-D", str(self.data), *args)

    def url(self, db: str = "postgres", user: str = SUPERUSER, **query: str) -> str:
        """postgresql://USER@127.0.0.1:PORT/DB[?k=v...] (no password in it)."""
        tail = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://{user}@127.0.0.1:{self.port}/{db}" + (
            f"?{tail}" if tail else ""
        )

    def sql(self, statement: str, db: str = "postgres") -> list[tuple]:
        """Run one statement as the superuser (autocommit); return its rows."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, dbname=db, user=SUPERUSER,
            password=SUPERPASSWORD, autocommit=True,
        ) as conn:  # fmt: skip
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def stop(self) -> None:
        """Stop the server (fast) and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("stop", "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)
