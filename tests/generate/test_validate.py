"""Validators on their own: each rule rejects what it should, with its reason, and nothing
else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lakelight.generate.conditions import Condition
from lakelight.generate.plan import ColumnPlan
from lakelight.generate.validate import Validators

PLANS = [
    ColumnPlan("id", "key", "integer"),
    ColumnPlan("email", "pii", "string", pii_type="EMAIL_ADDRESS"),
    ColumnPlan("joined", "categorical", "string"),
    ColumnPlan("tier", "categorical", "string"),
    ColumnPlan("spend", "numeric", "float"),
    ColumnPlan("visits", "numeric", "integer"),
]
REAL = pd.DataFrame(
    {
        "id": range(1, 41),
        "email": [f"user{i}@example.com" for i in range(40)],
        "joined": [f"2024-0{1 + i % 9}-1{i % 10}" for i in range(40)],
        "tier": ["gold", "silver", "bronze", "silver"] * 10,
        "spend": [10.0 + i * 2.5 for i in range(40)],
        "visits": [1 + i % 7 for i in range(40)],
    }
)


def test_each_rule_names_its_reason() -> None:
    validators = Validators(PLANS, REAL, [Condition("tier", "!=", "bronze")])
    good = {"id": 99, "email": "new@example.org", "joined": REAL["joined"][2], "tier": "gold"}
    rows = pd.DataFrame(
        [
            {**good, "spend": 20.0, "visits": 3},
            {**good, "spend": 500.0, "visits": 3},  # out of range
            {**good, "tier": "platinum", "spend": 20.0, "visits": 3},  # never seen
            {**good, "tier": "bronze", "spend": 20.0, "visits": 3},  # breaks the condition
            {**good, "email": "not an email", "spend": 21.0, "visits": 3},
            {**good, "joined": "soon", "spend": 22.0, "visits": 3},  # not a date
            {**good, "spend": 23.0, "visits": 3.5},  # not an integer
            {**good, "spend": None, "visits": 3},  # empty, never in real rows
            {**good, "spend": 20.0, "visits": 3},  # duplicate of the first
        ]
    )
    reasons = validators.check(rows)
    assert reasons == [
        None,
        "spend: outside the real range",
        "tier: value never seen",
        "breaks condition tier!=bronze",
        "email: not an email address",
        "joined: not a date",
        "visits: not an integer",
        "spend: empty, as no real row is",
        "duplicate of another synthetic row",
    ]


def test_duplicates_are_caught_across_chunks() -> None:
    validators = Validators(PLANS, REAL)
    row = {"id": 1, "email": "a@b.io", "joined": REAL["joined"][0], "tier": "gold", "spend": 12.5}
    seen: set[int] = set()
    first = validators.check(pd.DataFrame([{**row, "visits": 2}]), seen)
    again = validators.check(pd.DataFrame([{**row, "id": 2, "visits": 2}]), seen)
    assert first == [None] and again == ["duplicate of another synthetic row"]


def test_orders_between_columns_are_learned_and_kept(superstore_csv: Path) -> None:
    real = pd.read_csv(superstore_csv)
    plans = [ColumnPlan(n, "numeric", "float") for n in ("Sales", "Quantity", "Discount", "Profit")]
    validators = Validators(plans, real)
    assert validators.orders == [("Profit", "Sales")]  # never above; the rest are unordered
    rows = pd.DataFrame(
        {"Sales": [100.0, 20.0], "Quantity": [2, 2], "Discount": [0.0, 0.0], "Profit": [10.0, 30.0]}
    )
    assert validators.check(rows) == [None, "Profit above Sales, as in no real row"]
