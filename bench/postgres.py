"""A throwaway PostgreSQL cluster for the homeserver of a benchmark (`--postgres`).

Production homeservers run on PostgreSQL (Synapse keeps SQLite for tests):
several database connections, where SQLite has one on which every request's
queries take turns. Needs PostgreSQL's server programs (`initdb`, `pg_ctl`) on
the PATH and `psycopg2` in the environment (`pip install psycopg2-binary`);
as root, the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from bot.sandbox.homeserver import free_port


class Postgres:
    """One cluster in `directory`, listening on a Unix socket there and a loopback port."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.data = directory / "data"
        self.port = free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._pg_ctl = shutil.which("pg_ctl") or "pg_ctl"

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as, *command], check=True, capture_output=True)

    def start(self) -> None:
        """Create the cluster and a `synapse` database (C collation, as Synapse asks)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._as:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            for parent in self.dir.parents:  # the socket's folder must be reachable
                if parent == Path("/tmp") or parent == Path("/"):
                    break
                parent.chmod(parent.stat().st_mode | 0o011)
        initdb = shutil.which("initdb") or "initdb"
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C")  # fmt: skip
        options = f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self._pg_ctl, "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "postgres.log"), "-w", "start")  # fmt: skip
        create = "CREATE DATABASE synapse TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
        self._run("psql", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-c", create)

    def stop(self) -> None:
        """Stop the cluster (fast shutdown)."""
        subprocess.run([*self._as, self._pg_ctl, "-D", str(self.data), "-m", "fast", "stop"],
                       capture_output=True)  # fmt: skip

    def synapse_database(self) -> str:
        """The `database:` block of homeserver.yaml for this cluster."""
        return (
            "database:\n  name: psycopg2\n  args:\n    user: postgres\n"
            f"    database: synapse\n    host: 127.0.0.1\n    port: {self.port}\n"
            "    cp_min: 5\n    cp_max: 10\n"
        )
