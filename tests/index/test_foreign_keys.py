"""Foreign keys inferred from names and values, on CSV tables built from Chinook's real rows
(tests/warehouse.py): TPC-H, ERP and Lahman naming, and Chinook itself exported without keys."""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from lakelight.config import load_settings
from lakelight.index.catalog import Catalog, TableInfo, tables
from lakelight.index.foreign_keys import ORPHAN_SHARE, update_foreign_keys
from lakelight.index.indexes import Indexes
from lakelight.index.pipeline import run_ingest
from lakelight.ingest import open_source
from lakelight.records import ForeignKey
from tests import data, warehouse
from tests.chinook import load_chinook
from tests.lake import ingest
from tests.servers import server_database

Link = tuple[str, str, str, str, str]  # folder, table, column → table, ref_column

EXPECTED: set[Link] = {
    ("chinook", "Album", "artist_id", "Artist", "id"),
    ("chinook", "Invoice", "customer_id", "Customer", "id"),
    ("chinook", "InvoiceLine", "invoice_id", "Invoice", "id"),
    ("chinook", "InvoiceLine", "track_id", "Track", "id"),
    ("chinook", "PlaylistTrack", "playlist_id", "Playlist", "id"),
    ("chinook", "PlaylistTrack", "track_id", "Track", "id"),
    ("chinook", "Track", "album_id", "Album", "id"),
    ("chinook", "Track", "genre_id", "Genre", "id"),
    ("chinook", "Track", "mediatype_id", "MediaType", "id"),
    ("erp", "Order", "CustomerID", "Customer", "CustomerID"),
    ("lahman", "Batting", "playerID", "People", "playerID"),
    ("tpch", "customer", "c_nationkey", "nation", "n_nationkey"),
    ("tpch", "lineitem", "l_orderkey", "orders", "o_orderkey"),
    ("tpch", "lineitem", "l_partkey", "part", "p_partkey"),
    ("tpch", "nation", "n_regionkey", "region", "r_regionkey"),
    ("tpch", "orders", "o_custkey", "customer", "c_custkey"),
}


def folder_of(source: str) -> str:
    return Path(source).parent.name


def links(catalog: Catalog) -> set[Link]:
    return {
        (folder_of(t.source), t.name, fk.column, fk.table, fk.ref_column)
        for t in catalog.list_tables()
        for fk in t.foreign_keys
    }


def build(home: Path, *sources: Path | str, url: str | None = None) -> Catalog:
    catalog = Catalog(url or f"sqlite:///{home / 'catalog.db'}", home)
    for source in sources:
        ingest(catalog, str(source), home)
    update_foreign_keys(catalog)
    return catalog


def column_values(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8") as f:
        return {row[column] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Catalog, Path]]:
    """Chinook, TPC-H, ERP and Lahman tables, each from its own folder, in one catalog: the
    same names (customer, Customer) and the same id ranges (1..59) in several of them."""
    home = tmp_path_factory.mktemp("fk")
    folders = [
        warehouse.chinook_csvs(home / "chinook"),
        warehouse.tpch_csvs(home / "tpch"),
        warehouse.erp_csvs(home / "erp"),
        warehouse.lahman_csvs(home / "lahman"),
    ]
    catalog = build(home, *folders)
    yield catalog, home
    catalog.close()


def test_inferred_links_are_exactly_the_real_ones(lake: tuple[Catalog, Path]) -> None:
    catalog, _ = lake
    assert links(catalog) == EXPECTED
    by_name = {(folder_of(t.source), t.name): t for t in catalog.list_tables()}
    fk = next(f for f in by_name[("tpch", "orders")].foreign_keys)
    assert fk.origin == "inferred"
    assert fk.ref_source == by_name[("tpch", "customer")].source  # one source per CSV file


def test_inferred_links_join(lake: tuple[Catalog, Path]) -> None:
    """Each inferred link joins every non-null row to exactly one target row."""
    catalog, _ = lake
    infos = catalog.list_tables()
    with catalog.connect() as conn:
        for t in infos:
            for fk in t.foreign_keys:
                target = next(u for u in infos if u.source == fk.ref_source)
                col, ref = sa.column(fk.column), sa.column(fk.ref_column)
                src = sa.table(t.sql_name, col)
                dst = sa.table(target.sql_name, ref)
                present = conn.execute(
                    sa.select(sa.func.count()).select_from(src).where(col.is_not(None))
                ).scalar()
                joined = conn.execute(
                    sa.select(sa.func.count()).select_from(src.join(dst, ref == col))
                ).scalar()
                assert present and joined == present, (t.name, fk)


def test_totals_and_quantities_do_not_link(lake: tuple[Catalog, Path]) -> None:
    """Integer measures whose values all fall inside real key ranges still link nowhere."""
    catalog, home = lake
    customer_ids = column_values(home / "chinook" / "Customer.csv", "id")
    nation_keys = column_values(home / "tpch" / "nation.csv", "n_nationkey")
    assert column_values(home / "erp" / "Order.csv", "Total") <= customer_ids
    assert column_values(home / "erp" / "Order.csv", "Quantity") <= customer_ids
    assert column_values(home / "tpch" / "lineitem.csv", "l_quantity") <= nation_keys
    assert column_values(home / "lahman" / "Batting.csv", "H") <= customer_ids
    measures = {
        ("erp", "Order", "Total"),
        ("erp", "Order", "Quantity"),
        ("tpch", "lineitem", "l_quantity"),
        ("tpch", "lineitem", "l_linenumber"),
        ("lahman", "Batting", "H"),
        ("lahman", "Batting", "G"),
        ("lahman", "Batting", "stint"),
    }
    assert not {link[:3] for link in links(catalog)} & measures


def test_no_link_to_a_table_that_is_not_unique(lake: tuple[Catalog, Path]) -> None:
    """lineitem.l_suppkey holds supplier keys, but supplier repeats them (address history)."""
    catalog, home = lake
    tpch = home / "tpch"
    assert column_values(tpch / "lineitem.csv", "l_suppkey") <= column_values(
        tpch / "supplier.csv", "s_suppkey"
    )
    supplier = next(t for t in catalog.list_tables() if t.name == "supplier")
    assert supplier.key_origin == "row_number"
    assert ("tpch", "lineitem", "l_suppkey") not in {link[:3] for link in links(catalog)}


def test_own_keys_and_self_links_are_left_out(lake: tuple[Catalog, Path]) -> None:
    """c_custkey is customer's own key, though Chinook's Customer.id holds the same 1..59;
    a part of a composite key may link (l_orderkey of lineitem's l_orderkey/l_linenumber)."""
    catalog, _ = lake
    for t in catalog.list_tables():
        for fk in t.foreign_keys:
            assert t.primary_key != [fk.column]
            assert not (fk.table == t.name and fk.ref_source in (None, t.source))


def test_a_few_orphans_link_by_the_key_name_and_many_do_not(tmp_path: Path) -> None:
    """Customer 30 and part 2 are left out of their tables, so a few orders and line items
    point nowhere, as in real extracts: a column spelled as the target's key still links
    (part 2 is one of 1,984 parts sold, inside the key range: only the anti-join counts it).
    When more than ORPHAN_SHARE of the rows point nowhere, it is no link."""
    folder = warehouse.tpch_csvs(tmp_path / "tpch", drop_customer=30, drop_part=2)
    sold = column_values(folder / "lineitem.csv", "l_partkey")
    assert "2" in sold and len(sold) < len(column_values(folder / "part.csv", "p_partkey"))
    with (folder / "orders.csv").open(encoding="utf-8") as f:
        orders = list(csv.DictReader(f))
    orphaned = sum(o["o_custkey"] == "30" for o in orders)
    assert 0 < orphaned <= ORPHAN_SHARE * len(orders)
    catalog = build(tmp_path, folder)
    found = {link[:3] for link in links(catalog)}
    assert {("tpch", "orders", "o_custkey"), ("tpch", "lineitem", "l_partkey")} <= found
    assert ("tpch", "lineitem", "l_orderkey") in found
    catalog.close()

    stray = tmp_path / "stray" / "tpch"
    shutil.copytree(folder, stray)
    many = max(orphaned, int(ORPHAN_SHARE * len(orders)) + 1)
    for o in orders[:many]:
        o["o_custkey"] = str(900_000 + int(o["o_orderkey"]))  # keys no customer has
    warehouse.write_csv(stray / "orders.csv", orders)
    catalog = build(tmp_path / "s", stray)
    found = {link[:3] for link in links(catalog)}
    assert ("tpch", "orders", "o_custkey") not in found
    assert ("tpch", "customer", "c_nationkey") in found
    catalog.close()


def test_a_new_table_links_both_ways(tmp_path: Path) -> None:
    """customer arrives after orders (orders now point at it) and before nation (it points at
    nation); a re-ingest keeps the inferred links until inference runs again."""
    full = warehouse.tpch_csvs(tmp_path / "all")
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.db'}", tmp_path)
    tpch = tmp_path / "tpch"
    tpch.mkdir()
    for name in ("orders", "customer", "nation"):
        shutil.copy(full / f"{name}.csv", tpch / f"{name}.csv")
        ingest(catalog, str(tpch / f"{name}.csv"), tmp_path)
        update_foreign_keys(catalog)
        if name == "orders":
            assert links(catalog) == set()
        if name == "customer":
            assert links(catalog) == {("tpch", "orders", "o_custkey", "customer", "c_custkey")}
    assert links(catalog) == {
        ("tpch", "orders", "o_custkey", "customer", "c_custkey"),
        ("tpch", "customer", "c_nationkey", "nation", "n_nationkey"),
    }
    (again,) = open_source(str(tpch / "orders.csv"), load_settings(home=tmp_path))
    catalog.ensure_table(again.schema)  # a re-ingest writes the declared keys (none) again
    assert ("tpch", "orders", "o_custkey", "customer", "c_custkey") in links(catalog)
    catalog.close()


def test_declared_keys_win_and_old_rows_read(lake: tuple[Catalog, Path], tmp_path: Path) -> None:
    """Chinook in SQLite declares its keys: inference adds none on top; rows stored before
    origins were kept read as declared. As CSV files, the same tables infer every declared
    link whose column names its table (support_rep_id and reports_to_id name none)."""
    db = tmp_path / "chinook.db"
    load_chinook(f"sqlite:///{db}")
    catalog = build(tmp_path, f"sqlite:///{db}")
    infos = catalog.list_tables()
    fks = [fk for t in infos for fk in t.foreign_keys]
    assert len(fks) == 11 and {fk.origin for fk in fks} == {"declared"}
    with catalog.connect() as conn:
        stored = conn.execute(sa.select(tables.c.foreign_keys)).scalars().all()
    assert all(len(row) == 3 for fk_rows in stored for row in fk_rows or [])
    album = next(t for t in infos if t.name == "Album")
    assert album.foreign_keys == [ForeignKey("artist_id", "Artist", "id")]
    catalog.close()

    from_csv = {link[1:] for link in links(lake[0]) if link[0] == "chinook"}
    declared = {(t.name, f.column, f.table, f.ref_column) for t in infos for f in t.foreign_keys}
    assert from_csv <= declared
    assert {d[1] for d in declared - from_csv} == {"support_rep_id", "reports_to_id"}


def test_postgresql_catalog(tmp_path: Path) -> None:
    folder = warehouse.tpch_csvs(tmp_path / "tpch")
    with server_database("postgresql") as url:
        catalog = build(tmp_path, folder, url=url)
        try:
            assert links(catalog) == {link for link in EXPECTED if link[0] == "tpch"}
        finally:
            catalog.close()


class HashEmbedder:
    """Vectors from text hashes: enough to run the pipeline without the model."""

    dim, model_id = 8, "hash@8"

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:32], np.uint8) for t in texts]
        vectors = np.asarray(rows, np.float32)[:, : self.dim] + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_ingest_runs_inference_over_the_catalog(tmp_path: Path) -> None:
    """Through run_ingest: nation's run links customer, ingested before it."""
    folder = warehouse.tpch_csvs(tmp_path / "tpch")
    settings = load_settings(home=tmp_path / "ws")
    catalog = Catalog(settings.catalog, settings.home)
    indexes = Indexes(settings, catalog, HashEmbedder())  # type: ignore[arg-type]
    for name in ("customer", "nation"):
        path = str(folder / f"{name}.csv")
        run_ingest(path, open_source(path, settings), catalog, indexes)
    customer: TableInfo = next(t for t in catalog.list_tables() if t.name == "customer")
    assert customer.primary_key == ["c_custkey"]
    assert customer.naming and customer.naming["prefix"] == "c_"
    assert customer.foreign_keys == [
        ForeignKey("c_nationkey", "nation", "n_nationkey", "inferred", str(folder / "nation.csv"))
    ]
    indexes.close()
    catalog.close()


def _lahman_seasons(folder: Path, shift: int = 0) -> Path:
    """Real Lahman Teams and Batting rows of 2016-2017 as CSV files; ``shift`` moves the
    batting seasons, so their (yearID, teamID) pairs are no team's."""
    import pandas as pd

    folder.mkdir(parents=True)
    teams = pd.read_csv(data.lahman_csv("Teams"))
    batting = pd.read_csv(data.lahman_csv("Batting"))
    teams = teams[teams.yearID.isin([2016, 2017])][["yearID", "teamID", "name", "park", "W"]]
    batting = batting[batting.yearID.isin([2016, 2017])][["playerID", "yearID", "teamID", "HR"]]
    teams.to_csv(folder / "Teams.csv", index=False)
    batting.assign(yearID=batting.yearID + shift).to_csv(folder / "Batting.csv", index=False)
    return folder


def test_a_key_of_two_columns_links_with_both(tmp_path: Path) -> None:
    """Teams is keyed by season and team: Batting's teamID links to it with yearID alongside,
    the join keeps both, and seasons no team played link nothing."""
    folder = _lahman_seasons(tmp_path / "lahman")
    catalog = build(tmp_path, folder)
    tables_by_name = {t.name: t for t in catalog.list_tables()}
    assert tables_by_name["Teams"].primary_key == ["yearID", "teamID"]
    (fk,) = tables_by_name["Batting"].foreign_keys
    assert (fk.column, fk.table, fk.ref_column, fk.also) == (
        "teamID", "Teams", "teamID", (("yearID", "yearID"),)
    )  # fmt: skip
    batting, teams = tables_by_name["Batting"], tables_by_name["Teams"]
    with catalog.connect() as conn:
        joined = conn.execute(
            sa.text(
                f'SELECT COUNT(*) FROM "{batting.sql_name}" b JOIN "{teams.sql_name}" t '
                'ON b."teamID" = t."teamID" AND b."yearID" = t."yearID"'
            )
        ).scalar()
    assert joined == batting.row_count  # every batting row finds its one season's team
    catalog.close()

    moved = build(tmp_path / "moved", _lahman_seasons(tmp_path / "moved" / "lahman", shift=10))
    assert next(t for t in moved.list_tables() if t.name == "Batting").foreign_keys == []
    moved.close()


def test_a_declared_key_of_two_columns_keeps_both(tmp_path: Path) -> None:
    db = tmp_path / "league.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    team = "CREATE TABLE team (year INTEGER, code TEXT, name TEXT, PRIMARY KEY (year, code))"
    player = (
        "CREATE TABLE player (id INTEGER PRIMARY KEY, year INTEGER, code TEXT, "
        "FOREIGN KEY (year, code) REFERENCES team (year, code))"
    )
    with engine.begin() as conn:
        conn.execute(sa.text(team))
        conn.execute(sa.text(player))
        conn.execute(sa.text("INSERT INTO team VALUES (2016, 'BOS', 'Boston Red Sox')"))
        conn.execute(sa.text("INSERT INTO player VALUES (1, 2016, 'BOS')"))
    engine.dispose()
    catalog = build(tmp_path, f"sqlite:///{db}")
    (fk,) = next(t for t in catalog.list_tables() if t.name == "player").foreign_keys
    assert (fk.column, fk.table, fk.ref_column, fk.origin) == ("year", "team", "year", "declared")
    assert fk.also == (("code", "code"),)
    catalog.close()


def test_a_table_keyed_like_another_extends_it(tmp_path: Path) -> None:
    """Lahman's real People split in two files of one folder, both keyed by ``playerID``:
    the birth details of the players born since 1980 extend the names. Chinook's tables,
    each keyed by an ``id`` counted up from 1, never link by their own keys."""
    import pandas as pd

    people = pd.read_csv(data.lahman_csv("People"))
    folder = tmp_path / "lahman"
    folder.mkdir()
    people[["playerID", "nameFirst", "nameLast", "weight", "height"]].to_csv(
        folder / "names.csv", index=False
    )
    born = people[people.birthYear >= 1980][["playerID", "birthYear", "birthCountry"]]
    born.to_csv(folder / "births.csv", index=False)
    # the same columns for fewer players: alike, so it extends the names, not the births
    born[born.birthYear >= 1990].to_csv(folder / "births_late.csv", index=False)
    chinook = warehouse.chinook_csvs(tmp_path / "chinook")
    catalog = build(tmp_path, folder, chinook)
    found = links(catalog)
    assert ("lahman", "births", "playerID", "names", "playerID") in found
    assert ("lahman", "names", "playerID", "births", "playerID") not in found
    assert ("lahman", "births_late", "playerID", "names", "playerID") in found
    assert {link for link in found if link[0] == "chinook"} == {
        link for link in EXPECTED if link[0] == "chinook"
    }
    catalog.close()
