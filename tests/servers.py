"""Fresh databases on the PostgreSQL and MariaDB servers running on this machine, and
`lakelight serve` started as a subprocess on a free loopback port.

The servers are expected to be running: an unreachable one fails the tests that need it.
Admin URLs can be overridden with LAKELIGHT_TEST_PG_URL and LAKELIGHT_TEST_MYSQL_URL (read at
import time, as conftest clears LAKELIGHT_* for every test)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa

SERVERS = {
    "postgresql": (
        os.environ.get(
            "LAKELIGHT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        "LAKELIGHT_TEST_PG_URL",
        'CREATE DATABASE "{name}"',
        'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    ),
    "mariadb": (
        os.environ.get("LAKELIGHT_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
        "LAKELIGHT_TEST_MYSQL_URL",
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
        "DROP DATABASE IF EXISTS `{name}`",
    ),
}


@contextmanager
def server_database(kind: str) -> Iterator[str]:
    """The URL of a new, empty database on a running server; dropped afterwards."""
    admin_url, env, create, drop = SERVERS[kind]
    name = f"lakelight_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    problem = ""
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(create.format(name=name))
    except sa.exc.OperationalError as exc:
        problem = str(exc.orig).strip().splitlines()[0]
    if problem:
        pytest.fail(
            f"{kind} is not reachable at {admin.url!r}: start it or point the tests at one "
            f"with {env} ({problem})"
        )
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(drop.format(name=name))


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(
    env: dict[str, str], stdout: int = subprocess.DEVNULL
) -> tuple[subprocess.Popen[str], str]:
    """`lakelight serve` with ``env``, once its /healthz answers: (the process, its base URL).
    Its stderr is a pipe (the access log); one that does not come up is stopped and fails."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lakelight.cli", "serve", "--port", str(port)],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    raise AssertionError(f"the server did not come up: {err.strip().splitlines()[-1:]}")
