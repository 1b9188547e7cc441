"""What the tests of several processes share: one fresh PostgreSQL database at 127.0.0.1:5432,
migrated once per run and dropped at its end, whichever database the rest of the suite uses."""

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

import psycopg
import pytest

from tests.core.test_serve import environment

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@dataclass
class Postgres:
    name: str
    url: str
    admin: psycopg.Connection

    def backends(self) -> list[int]:
        """The server processes of the connections open to this database now."""
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name]
        ).fetchall()
        return sorted(row[0] for row in rows)

    def terminate_backends(self) -> None:
        """End every connection to this database, as a restart of PostgreSQL would."""
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [self.name],
        )


@pytest.fixture(scope="session")
def ops_postgres(tmp_path_factory):
    try:
        admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"These tests need PostgreSQL at {POSTGRES}: {error}")
    name = f"tertulia_ops_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    database = Postgres(name, f"{POSTGRES}/{name}", admin)
    try:
        env = {**environment(tmp_path_factory.mktemp("ops-migrate")), "DATABASE_URL": database.url}
        subprocess.run(
            [sys.executable, "-m", "tertulia", "migrate", "--no-input", "-v", "0"],
            env=env,
            check=True,
            timeout=180,
        )
        yield database
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
