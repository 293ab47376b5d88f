"""tpch: questions over the TPC-H subset of ``benchmarks/evalsets.py`` (held out until it was
used for tuning; ``heldout_movies`` is the held-out set now).

Column names carry a table prefix and abbreviations (``c_acctbal``, ``o_totalprice``,
``l_shipmode``); no key or foreign key is declared. Lookups name rows the way people write them
("order 12,039", "customer #42", "line 3 of order 12,039", ``Customer#000000137``). Every gold
is a SQL query over an in-memory SQLite copy; aggregates are computed again with pandas.
Record keys are what lakelight detects (``c_custkey``; ``l_orderkey/l_linenumber``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from benchmarks.evalsets import tpch_tables
from benchmarks.questions.setkit import (
    Db,
    QuestionSet,
    close,
    comma,
    money,
    num,
    same,
    top_n,
    unique_top,
)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if col.endswith("date") or col.endswith("comment"):
            continue
        converted = pd.to_numeric(out[col], errors="coerce")
        if converted.notna().all():
            out[col] = converted
    return out


def build() -> QuestionSet:
    frames = {name: _typed(df) for name, df in tpch_tables().items()}
    db = Db(frames)
    f = frames
    qs = QuestionSet()

    def rowid(table: str, where: str, *args: Any) -> int:
        return int(db.value(f'SELECT rowid FROM "{table}" WHERE {where}', *args))

    def key(table: str, where: str, *args: Any) -> str:
        return db.key(table, rowid(table, where, *args))

    def lookup(question: str, answer: str, keys: list[str], table: str, kind: str = "lookup"):
        qs.add(kind, "lookup", question, answer, keys=keys, table=table)

    cust = "c_custkey = ?"
    order = "o_orderkey = ?"
    line = "l_orderkey = ? AND l_linenumber = ?"

    # --- lookups -------------------------------------------------------------------------------
    lookup(
        "What's the phone number of customer #42?",
        db.value(f"SELECT c_phone FROM customer WHERE {cust}", 42),
        [key("customer", cust, 42)],
        "customer",
    )
    name = db.value(f"SELECT c_name FROM customer WHERE {cust}", 137)
    same(name, "Customer#000000137", "zero-padded customer name")
    lookup(
        f"What is the account balance of {name}?",
        money(db.value("SELECT c_acctbal FROM customer WHERE c_name = ?", name)),
        [key("customer", "c_name = ?", name)],
        "customer",
    )
    lookup(
        "Which market segment is customer 77 in?",
        db.value(f"SELECT c_mktsegment FROM customer WHERE {cust}", 77),
        [key("customer", cust, 77)],
        "customer",
    )
    lookup(
        f"What was the total price of order {comma(10245)}?",
        money(db.value(f"SELECT o_totalprice FROM orders WHERE {order}", 10245)),
        [key("orders", order, 10245)],
        "orders",
    )
    lookup(
        f"When was order {comma(12039)} placed?",
        db.value(f"SELECT o_orderdate FROM orders WHERE {order}", 12039),
        [key("orders", order, 12039)],
        "orders",
    )
    mode = db.value(f"SELECT l_shipmode FROM lineitem WHERE {line}", 12039, 3)
    lookup(
        f"What ship mode was used for line 3 of order {comma(12039)}?",
        mode,
        [key("lineitem", line, 12039, 3)],
        "lineitem",
    )
    lookup(
        f"How many units were on line 5 of order {comma(12039)}?",
        num(db.value(f"SELECT l_quantity FROM lineitem WHERE {line}", 12039, 5)),
        [key("lineitem", line, 12039, 5)],
        "lineitem",
    )
    part_name = db.value("SELECT p_name FROM part WHERE p_partkey = ?", 450)
    same(db.value("SELECT COUNT(*) FROM part WHERE p_name = ?", part_name), 1, "part name unique")
    lookup(
        f"What's the retail price of the part called '{part_name}'?",
        money(db.value("SELECT p_retailprice FROM part WHERE p_name = ?", part_name)),
        [key("part", "p_name = ?", part_name)],
        "part",
    )
    supplier = "Supplier#000000023"
    lookup(
        f"What is the phone number of supplier {supplier}?",
        db.value("SELECT s_phone FROM supplier WHERE s_name = ?", supplier),
        [key("supplier", "s_name = ?", supplier)],
        "supplier",
    )
    ps = "ps_partkey = ? AND ps_suppkey = ?"
    lookup(
        "How many units of part 450 does supplier 80 have available?",
        num(db.value(f"SELECT ps_availqty FROM partsupp WHERE {ps}", 450, 80)),
        [key("partsupp", ps, 450, 80)],
        "partsupp",
    )

    # --- joins (no foreign key is declared) --------------------------------------------------
    def join(question: str, answer: str, keys: list[str], table: str) -> None:
        lookup(question, answer, keys, table, kind="join")

    nation_of = (
        "SELECT n_name, n.rowid FROM customer c JOIN nation n ON c.c_nationkey = n.n_nationkey "
        "WHERE c.c_custkey = ?"
    )
    country, nrow = db.one(nation_of, 42)
    join(
        "Which country is customer #42 in?",
        country,
        [key("customer", cust, 42), db.key("nation", nrow)],
        "customer",
    )
    region, rrow = db.one(
        "SELECT r_name, r.rowid FROM customer c JOIN nation n ON c.c_nationkey = n.n_nationkey "
        "JOIN region r ON n.n_regionkey = r.r_regionkey WHERE c.c_name = ?",
        "Customer#000000101",
    )
    join(
        "Which region is Customer#000000101 in?",
        region,
        [key("customer", "c_name = ?", "Customer#000000101"), db.key("region", rrow)],
        "customer",
    )
    buyer, crow = db.one(
        "SELECT c_name, c.rowid FROM orders o JOIN customer c ON o.o_custkey = c.c_custkey "
        "WHERE o.o_orderkey = ?",
        10245,
    )
    join(
        f"Which customer placed order {comma(10245)}?",
        buyer,
        [key("orders", order, 10245), db.key("customer", crow)],
        "orders",
    )
    sname, srow = db.one(
        "SELECT s_name, s.rowid FROM lineitem l JOIN supplier s ON l.l_suppkey = s.s_suppkey "
        f"WHERE {line}",
        12039,
        1,
    )
    join(
        f"Which supplier shipped line 1 of order {comma(12039)}?",
        sname,
        [key("lineitem", line, 12039, 1), db.key("supplier", srow)],
        "lineitem",
    )
    pname, prow = db.one(
        "SELECT p_name, p.rowid FROM lineitem l JOIN part p ON l.l_partkey = p.p_partkey "
        f"WHERE {line}",
        12039,
        2,
    )
    join(
        f"What is the name of the part on line 2 of order {comma(12039)}?",
        pname,
        [key("lineitem", line, 12039, 2), db.key("part", prow)],
        "lineitem",
    )
    scountry, nrow = db.one(
        "SELECT n_name, n.rowid FROM supplier s JOIN nation n ON s.s_nationkey = n.n_nationkey "
        "WHERE s.s_name = ?",
        supplier,
    )
    join(
        f"In which country is {supplier} based?",
        scountry,
        [key("supplier", "s_name = ?", supplier), db.key("nation", nrow)],
        "supplier",
    )
    oregion, crow = db.one(
        "SELECT r_name, c.rowid FROM orders o JOIN customer c ON o.o_custkey = c.c_custkey "
        "JOIN nation n ON c.c_nationkey = n.n_nationkey "
        "JOIN region r ON n.n_regionkey = r.r_regionkey WHERE o.o_orderkey = ?",
        10080,
    )
    join(
        f"Which region does the customer of order {comma(10080)} live in?",
        oregion,
        [key("orders", order, 10080), db.key("customer", crow)],
        "orders",
    )
    phone, crow = db.one(
        "SELECT c_phone, c.rowid FROM orders o JOIN customer c ON o.o_custkey = c.c_custkey "
        "WHERE o.o_orderkey = ?",
        10017,
    )
    join(
        f"What's the phone number of the customer who placed order {comma(10017)}?",
        phone,
        [key("orders", order, 10017), db.key("customer", crow)],
        "orders",
    )

    # --- aggregates: SQL, then pandas --------------------------------------------------------
    def agg(question: str, sql: str, check: Any, fmt: Any = str, table: str | None = None):
        value = db.value(sql)
        if isinstance(value, str):
            same(value, check, question)
        else:
            close(value, check, question)
        qs.add("aggregate", "aggregate", question, fmt(value), table=table)

    c, o, li, p = f["customer"], f["orders"], f["lineitem"], f["part"]
    nation, region_df, supp = f["nation"], f["region"], f["supplier"]
    agg(
        "How many customers are in the building market segment?",
        "SELECT COUNT(*) FROM customer WHERE c_mktsegment = 'BUILDING'",
        int((c["c_mktsegment"] == "BUILDING").sum()),
        table="customer",
    )
    agg(
        "What's the average account balance of customers in the machinery segment?",
        "SELECT AVG(c_acctbal) FROM customer WHERE c_mktsegment = 'MACHINERY'",
        c.loc[c["c_mktsegment"] == "MACHINERY", "c_acctbal"].mean(),
        money,
        "customer",
    )
    top = o.loc[o["o_totalprice"].idxmax()]
    same(int((o["o_totalprice"] == top["o_totalprice"]).sum()), 1, "one highest total price")
    agg(
        "Which order has the highest total price?",
        "SELECT o_orderkey FROM orders ORDER BY o_totalprice DESC LIMIT 1",
        int(top["o_orderkey"]),
        table="orders",
    )
    agg(
        "What is the highest total price of any order?",
        "SELECT MAX(o_totalprice) FROM orders",
        o["o_totalprice"].max(),
        money,
        "orders",
    )
    agg(
        "How many orders have status F (fulfilled)?",
        "SELECT COUNT(*) FROM orders WHERE o_orderstatus = 'F'",
        int((o["o_orderstatus"] == "F").sum()),
        table="orders",
    )
    agg(
        "How many line items have return flag R?",
        "SELECT COUNT(*) FROM lineitem WHERE l_returnflag = 'R'",
        int((li["l_returnflag"] == "R").sum()),
        table="lineitem",
    )
    modes = li.groupby("l_shipmode").size().to_dict()
    agg(
        "Which ship mode is used most often?",
        "SELECT l_shipmode FROM lineitem GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1",
        unique_top(modes, "ship modes"),
        table="lineitem",
    )
    geo = c.merge(nation, left_on="c_nationkey", right_on="n_nationkey").merge(
        region_df, left_on="n_regionkey", right_on="r_regionkey"
    )
    agg(
        "Which region has the most customers?",
        "SELECT r_name FROM customer JOIN nation ON c_nationkey = n_nationkey "
        "JOIN region ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY COUNT(*) DESC LIMIT 1",
        unique_top(geo.groupby("r_name").size().to_dict(), "customers by region"),
        table="customer",
    )
    by_country = supp.merge(nation, left_on="s_nationkey", right_on="n_nationkey")
    by_country = by_country.groupby("n_name").size().to_dict()
    agg(
        "Which country has the most suppliers?",
        "SELECT n_name FROM supplier JOIN nation ON s_nationkey = n_nationkey "
        "GROUP BY n_name ORDER BY COUNT(*) DESC LIMIT 1",
        unique_top(by_country, "suppliers by country"),
        table="supplier",
    )
    top3 = top_n(by_country, 3, "suppliers by country")
    sql3 = [
        r[0]
        for r in db.rows(
            "SELECT n_name FROM supplier JOIN nation ON s_nationkey = n_nationkey "
            "GROUP BY n_name ORDER BY COUNT(*) DESC LIMIT 3"
        )
    ]
    same(sorted(top3), sorted(sql3), "top 3 countries by suppliers")
    qs.add(
        "aggregate",
        "aggregate",
        "Which 3 countries have the most suppliers?",
        top3[0],
        answers=top3,
        table="supplier",
    )
    germany = geo[geo["n_name"] == "GERMANY"]
    agg(
        "How many customers do we have in Germany?",
        "SELECT COUNT(*) FROM customer JOIN nation ON c_nationkey = n_nationkey "
        "WHERE n_name = 'GERMANY'",
        len(germany),
        table="customer",
    )
    agg(
        "How many orders were placed in 1995?",
        "SELECT COUNT(*) FROM orders WHERE o_orderdate BETWEEN '1995-01-01' AND '1995-12-31'",
        int(o["o_orderdate"].str.startswith("1995").sum()),
        table="orders",
    )
    agg(
        "What was the total value of orders placed in March 1996?",
        "SELECT SUM(o_totalprice) FROM orders "
        "WHERE o_orderdate BETWEEN '1996-03-01' AND '1996-03-31'",
        o.loc[o["o_orderdate"].str.startswith("1996-03"), "o_totalprice"].sum(),
        money,
        "orders",
    )
    agg(
        "How many urgent orders are there?",
        "SELECT COUNT(*) FROM orders WHERE o_orderpriority = '1-URGENT'",
        int((o["o_orderpriority"] == "1-URGENT").sum()),
        table="orders",
    )
    agg(
        "How many line items arrived after their commit date?",
        "SELECT COUNT(*) FROM lineitem WHERE l_receiptdate > l_commitdate",
        int((li["l_receiptdate"] > li["l_commitdate"]).sum()),
        table="lineitem",
    )
    agg(
        "How many customers have a negative account balance?",
        "SELECT COUNT(*) FROM customer WHERE c_acctbal < 0",
        int((c["c_acctbal"] < 0).sum()),
        table="customer",
    )
    agg(
        f"How many parts have a retail price above {comma(1500)}?",
        "SELECT COUNT(*) FROM part WHERE p_retailprice > 1500",
        int((p["p_retailprice"] > 1500).sum()),
        table="part",
    )
    household = o.merge(c, left_on="o_custkey", right_on="c_custkey")
    agg(
        "How many orders came from customers in the household segment?",
        "SELECT COUNT(*) FROM orders JOIN customer ON o_custkey = c_custkey "
        "WHERE c_mktsegment = 'HOUSEHOLD'",
        int((household["c_mktsegment"] == "HOUSEHOLD").sum()),
        table="orders",
    )

    # --- unanswerable: checked absent first --------------------------------------------------
    def none(question: str, table: str | None = None) -> None:
        qs.add("unanswerable", "none", question, None, table=table)

    every = [col.lower() for col in db.all_columns()]
    for word in ("email", "mail", "credit", "limit"):
        if any(word in col for col in every):
            raise AssertionError(f"a column holds {word!r}")
    none("What's the email address of customer #42?", "customer")
    none("What's the credit limit of customer #137?", "customer")
    same(db.rows("SELECT 1 FROM customer WHERE c_name = 'Customer#000009999'"), [], "no #9999")
    none("What's the phone number of Customer#000009999?", "customer")
    same(db.rows("SELECT 1 FROM orders WHERE o_orderkey = 99999"), [], "no order 99,999")
    none(f"What was the total price of order {comma(99999)}?", "orders")
    return qs
