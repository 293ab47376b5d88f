"""Real tables in a catalog built by the real ingest path without embeddings: Superstore,
Chinook, fail2ban logs and ISLP's Default, in SQLite or any database URL."""

from __future__ import annotations

from pathlib import Path

from lakelight.config import load_settings
from lakelight.index.catalog import Catalog
from lakelight.index.foreign_keys import update_foreign_keys
from lakelight.index.pipeline import describe_table
from lakelight.ingest import open_source
from tests import data
from tests.chinook import load_chinook

LOG_SOURCES = ("sshd", "nginx-botsearch", "nginx-bad-request", "apache-auth", "nginx-http-auth")


def ingest(catalog: Catalog, source: str, home: Path) -> None:
    """The catalog side of ``pipeline._ingest_table``: schema, rows, materialized table,
    profile; no embeddings."""
    for stream in open_source(source, load_settings(home=home)):
        info, _ = catalog.ensure_table(stream.schema)
        for batch in stream.batches():
            catalog.write(info, batch.records, [], [])
        describe_table(catalog, info)
    update_foreign_keys(catalog)


def build_lake(url: str, home: Path) -> Catalog:
    """Superstore, the 11 Chinook tables and a few fail2ban logs in one catalog at ``url``."""
    home.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(url, home)
    ingest(catalog, str(data.superstore_csv()), home)
    chinook = home / "chinook.db"
    load_chinook(f"sqlite:///{chinook}")
    ingest(catalog, f"sqlite:///{chinook}", home)
    for name in LOG_SOURCES:
        ingest(catalog, str(data.fail2ban_logs() / name), home)
    return catalog
