"""Company tables that declare no keys, as CSV files built from Chinook's real rows:

- ``chinook_csvs``: the 11 Chinook tables exported as they are (``Album.artist_id`` …);
- ``tpch_csvs``: TPC-H naming (``c_custkey``, ``o_custkey``, ``l_orderkey`` + ``l_linenumber``)
  over Chinook's customers (nations from their countries), invoices (orders), invoice lines
  (line items), tracks (parts) and artists (suppliers, with address history: not unique);
- ``erp_csvs``: ``Order.CustomerID`` → ``Customer.CustomerID`` with Northwind-style codes;
- ``lahman_csvs``: ``Batting.playerID`` → ``People.playerID`` (Lahman's baseball naming).
"""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.chinook import build_metadata, fixture

REGIONS = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
_REGION_OF = {
    "USA": "AMERICA",
    "Canada": "AMERICA",
    "Brazil": "AMERICA",
    "Argentina": "AMERICA",
    "Chile": "AMERICA",
    "India": "ASIA",
    "Australia": "ASIA",
}
_SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]
_SHIP_MODES = ["AIR", "MAIL", "RAIL", "SHIP", "TRUCK"]


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.hour == value.minute == 0 else value.isoformat()
    return "" if value is None else value


def chinook_csvs(folder: Path) -> Path:
    """The Chinook tables as ``<Table>.csv`` files: no declared keys."""
    for name, rows in build_metadata()[1].items():
        write_csv(folder / f"{name}.csv", rows)
    return folder


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def tpch_tables(
    drop_customer: int | None = None, drop_part: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """region, nation, customer, orders, lineitem, part and supplier rows (TPC-H naming);
    ``drop_*`` leaves one customer or part out, so the rows pointing at it point nowhere."""
    f = fixture()
    countries = sorted({v["country"] for _, v in f["customer"]})
    nation = {c: i for i, c in enumerate(countries)}
    totals: Counter[int] = Counter()
    for _, inv in f["invoice"]:
        totals[inv["customer"]] += inv["total"]
    region = [
        {"r_regionkey": i, "r_name": name, "r_comment": f"{name.lower()} markets"}
        for i, name in enumerate(REGIONS)
    ]
    nations = [
        {
            "n_nationkey": nation[c],
            "n_name": c.upper(),
            "n_regionkey": REGIONS.index(_REGION_OF.get(c, "EUROPE")),
            "n_comment": f"customers in {c}",
        }
        for c in countries
    ]
    customer = [
        {
            "c_custkey": pk,
            "c_name": f"Customer#{pk:09d}",
            "c_address": v["address"],
            "c_nationkey": nation[v["country"]],
            "c_phone": v["phone"],
            "c_acctbal": round(totals[pk], 2),
            "c_mktsegment": _SEGMENTS[pk % 5],
            "c_comment": v["company"] or "",
        }
        for pk, v in f["customer"]
        if pk != drop_customer
    ]
    orders = [
        {
            "o_orderkey": pk,
            "o_custkey": v["customer"],
            "o_orderstatus": "F",
            "o_totalprice": v["total"],
            "o_orderdate": v["invoicedate"][:10],
            "o_clerk": f"Clerk#{pk % 8 + 1:09d}",
        }
        for pk, v in f["invoice"]
    ]
    album_artist = {pk: v["artist"] for pk, v in f["album"]}
    track = dict(f["track"])
    lines: defaultdict[int, int] = defaultdict(int)
    lineitem = []
    for pk, v in sorted(f["invoiceline"], key=lambda r: (r[1]["invoice"], r[0])):
        lines[v["invoice"]] += 1
        lineitem.append(
            {
                "l_orderkey": v["invoice"],
                "l_partkey": v["track"],
                "l_suppkey": album_artist[track[v["track"]]["album"]],
                "l_linenumber": lines[v["invoice"]],
                "l_quantity": v["quantity"],
                "l_extendedprice": round(v["unit_price"] * v["quantity"], 2),
                "l_shipmode": _SHIP_MODES[pk % 5],
            }
        )
    part = [
        {
            "p_partkey": pk,
            "p_name": v["name"],
            "p_mfgr": f"Manufacturer#{v['genre'] % 5 + 1}",
            "p_size": v["milliseconds"] // 60000,
            "p_retailprice": v["unit_price"],
        }
        for pk, v in f["track"]
        if pk != drop_part
    ]
    supplier = []  # one row per address an artist had: s_suppkey repeats
    for pk, v in f["artist"]:
        for since in (2007, 2010) if pk % 2 == 0 else (2007,):
            supplier.append(
                {
                    "s_suppkey": pk,
                    "s_name": f"Supplier#{pk:09d}",
                    "s_contact": v["name"],
                    "s_since": since,
                }
            )
    return {
        "region": region,
        "nation": nations,
        "customer": customer,
        "orders": orders,
        "lineitem": lineitem,
        "part": part,
        "supplier": supplier,
    }


def tpch_csvs(folder: Path, drop_customer: int | None = None, drop_part: int | None = None) -> Path:
    for name, rows in tpch_tables(drop_customer, drop_part).items():
        write_csv(folder / f"{name}.csv", rows)
    return folder


def erp_csvs(folder: Path) -> Path:
    """``Customer`` keyed by five-letter codes (``GONLU``), ``Order`` pointing at them."""
    f = fixture()
    codes: dict[int, str] = {}
    for pk, v in f["customer"]:
        code = _ascii(v["lastname"][:3] + v["firstname"][:2]).upper().ljust(5, "X")
        while code in codes.values():
            code = code[:4] + chr(ord(code[4]) + 1)
        codes[pk] = code
    customers = [
        {
            "CustomerID": codes[pk],
            "CompanyName": v["company"] or f"{v['firstname']} {v['lastname']}",
            "ContactName": f"{v['firstname']} {v['lastname']}",
            "Country": v["country"],
        }
        for pk, v in f["customer"]
    ]
    orders = [
        {
            "OrderID": 10247 + pk,
            "CustomerID": codes[v["customer"]],
            "OrderDate": v["invoicedate"][:10],
            "Total": round(v["total"]),
            "Quantity": sum(1 for _, line in f["invoiceline"] if line["invoice"] == pk),
        }
        for pk, v in f["invoice"]
    ]
    write_csv(folder / "Customer.csv", customers)
    write_csv(folder / "Order.csv", orders)
    return folder


def lahman_csvs(folder: Path) -> Path:
    """``People`` (customers and employees, keyed by ``playerID``) and ``Batting`` (one row
    per invoice: player, year, stint in that year)."""
    f = fixture()
    ids: dict[tuple[str, int], str] = {}
    people = []
    for model in ("customer", "employee"):
        for pk, v in f[model]:
            base = _ascii(v["lastname"][:5] + v["firstname"][:2]).lower().replace(" ", "")
            n = 1
            while f"{base}{n:02d}" in ids.values():
                n += 1
            ids[(model, pk)] = f"{base}{n:02d}"
            people.append(
                {
                    "playerID": ids[(model, pk)],
                    "nameFirst": v["firstname"],
                    "nameLast": v["lastname"],
                    "birthCountry": v["country"],
                }
            )
    stints: Counter[tuple[str, int]] = Counter()
    batting = []
    for pk, v in f["invoice"]:
        player, year = ids[("customer", v["customer"])], int(v["invoicedate"][:4])
        stints[(player, year)] += 1
        batting.append(
            {
                "playerID": player,
                "yearID": year,
                "stint": stints[(player, year)],
                "teamID": _ascii(v["billingcountry"])[:3].upper(),
                "G": sum(1 for _, line in f["invoiceline"] if line["invoice"] == pk),
                "H": round(v["total"]),
            }
        )
    write_csv(folder / "People.csv", people)
    write_csv(folder / "Batting.csv", batting)
    return folder
