"""Generate the per-schema eval sets, every gold computed from the data (deterministic).

    .venv/bin/python benchmarks/questions/generate_sets.py               # every set
    .venv/bin/python benchmarks/questions/generate_sets.py --set lahman  # one set

Writes ``benchmarks/questions/<set>.jsonl``. The sets and their data are described in
``benchmarks/evalsets.py`` and ``benchmarks/questions/README.md``; ``heldout_movies`` is held
out of the tuning loop (``tpch`` was, until it was used for tuning). ``lakelight.jsonl`` and
``adversarial.jsonl`` come from ``generate.py``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.evalsets import SETS  # noqa: E402
from benchmarks.questions.generate import PREFIX, QuestionSet  # noqa: E402

MODULES = {
    "heldout_movies": "gen_movies",
    "tpch": "gen_tpch",
    "chinook_pascal": "gen_chinook_pascal",
    "lahman": "gen_lahman",
    "logs_fail2ban": "gen_logs",
}


def builder(name: str) -> Callable[[], QuestionSet]:
    module = importlib.import_module(f"benchmarks.questions.{MODULES[name]}")
    return module.build  # type: ignore[no-any-return]


def generate(name: str, out: Path) -> Counter[str]:
    qs = builder(name)()
    qs.items.sort(key=lambda item: list(PREFIX).index(item["kind"]))
    dupes = [q for q, c in Counter(i["question"] for i in qs.items).items() if c > 1]
    if dupes:
        raise AssertionError(f"{name}: duplicate questions: {dupes}")
    out.mkdir(parents=True, exist_ok=True)
    qs.write(out / f"{name}.jsonl")
    return qs.counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the per-schema eval sets.")
    parser.add_argument("--set", choices=SETS, action="append", help="only this set (repeatable)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the .jsonl files")
    args = parser.parse_args(argv)
    for name in args.set or SETS:
        counts = generate(name, args.out)
        kinds = ", ".join(f"{k} {n}" for k, n in counts.items())
        print(f"{name}.jsonl: {sum(counts.values())} questions ({kinds})")


if __name__ == "__main__":
    main()
