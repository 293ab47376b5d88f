"""Fresh databases on the PostgreSQL and MariaDB servers running on this machine.

The servers are expected to be running: an unreachable one fails the tests that need it.
Admin URLs can be overridden with LAKELIGHT_TEST_PG_URL and LAKELIGHT_TEST_MYSQL_URL (read at
import time, as conftest clears LAKELIGHT_* for every test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

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
