"""The `lakelight` command: parse flags, call the Workspace, format the result. Library errors
become one-line messages here and nowhere else."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lakelight.config import Settings, load_settings
from lakelight.errors import ConfigError, LakelightError
from lakelight.index.pipeline import IngestReport, reason_kind
from lakelight.ingest import Format
from lakelight.workspace import Workspace

app = typer.Typer(
    name="lakelight",
    help="Cited answers and guarded synthetic records over your tables and logs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)
T = TypeVar("T")


@contextmanager
def _workspace() -> Iterator[Workspace]:
    with _workspace_from(load_settings()) as ws:
        yield ws


@contextmanager
def _workspace_from(settings: Settings) -> Iterator[Workspace]:
    ws = Workspace(settings)
    try:
        yield ws
    finally:
        ws.close()


def _run(fn: Callable[[], T]) -> T:
    """Run a command body; a LakelightError becomes `Error: message` and exit status 1."""
    try:
        return fn()
    except LakelightError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("Interrupted: what finished is kept; run the same command again to complete it.")
        raise typer.Exit(130) from None


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@app.command()
def ingest(
    source: Annotated[
        str, typer.Argument(help="Path, folder, glob, fsspec URL or SQLAlchemy URL.")
    ],
    table: Annotated[
        str | None, typer.Option(help="Table name (SQL table, or one table over many files).")
    ] = None,
    query: Annotated[str | None, typer.Option(help="A SELECT to read (SQL sources).")] = None,
    format: Annotated[
        Format | None, typer.Option("--format", help="Force the source format.")
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(
            "--groups",
            help="Groups that may read it, comma-separated (default: kept; new sources: all).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
) -> None:
    """Read a source into the catalog and both indexes; unchanged rows cost nothing."""

    def body() -> None:
        with _workspace() as ws:
            quiet = as_json or (not out.is_terminal and os.environ.get("LAKELIGHT_PROGRESS") != "1")
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(bar_width=None),
                TextColumn("{task.completed:,} rows"),
                TimeElapsedColumn(),
                console=err,
                disable=quiet,
                transient=True,
            ) as bar:
                tasks: dict[str, Any] = {}

                def progress(table_name: str, done: int) -> None:
                    if table_name not in tasks:
                        tasks[table_name] = bar.add_task(table_name, total=None)
                    bar.update(tasks[table_name], completed=done)

                report = ws.ingest(
                    source,
                    table=table,
                    query=query,
                    format=format,
                    progress=progress,
                    groups=None if groups is None else groups.split(","),
                )
            if as_json:
                _dump(report.as_dict())
            else:
                _print_report(report.as_dict())
            if not report.ok:
                raise typer.Exit(1)

    _run(body)


def _print_report(report: dict[str, Any]) -> None:
    grid = Table(title=f"Ingested {report['source']}", title_justify="left")
    for name in ("table", "read", "new", "changed", "unchanged", "removed", "rejected"):
        grid.add_column(name, justify="left" if name == "table" else "right")
    for t in report["tables"]:
        grid.add_row(t["table"], *(f"{t[n]:,}" for n in IngestReport.COUNTS))
    out.print(grid)
    counts = ", ".join(f"{report[n]:,} {n}" for n in IngestReport.COUNTS)
    out.print(f"Total: {counts}")
    for t in report["tables"]:
        if t["error"]:
            err.print(
                f"[bold red]Error[/] in {t['table']}: {t['error']}", highlight=False, soft_wrap=True
            )
        for reason, n in t["reasons"].items():
            example = next((r for r in t["rejects"] if reason_kind(r["reason"]) == reason), None)
            where = f" (first at {example['at']}: {example['reason']})" if example else ""
            err.print(
                f"Rejected {n:,} row(s) of {t['table']}: {reason}{where}",
                highlight=False,
                soft_wrap=True,
            )


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What to look for: words, ids, codes, IPs, names.")],
    k: Annotated[int, typer.Option("--k", min=1, max=1000, help="How many rows.")] = 10,
    table: Annotated[list[str] | None, typer.Option(help="Only these tables (repeatable).")] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only these sources (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Hybrid (vector + keyword) search over every ingested row."""

    def body() -> None:
        with _workspace() as ws:
            hits = ws.search(text, k, tables=table, sources=source)
        if as_json:
            _dump([h.as_dict() for h in hits])
            return
        if not hits:
            out.print("No rows found.")
        for n, hit in enumerate(hits, 1):
            fields = "; ".join(f"{k}={v}" for k, v in hit.row.items() if v not in (None, ""))
            out.print(
                f"[bold]{n}. {hit.table}[/] [dim]key {hit.key} · score {hit.score:.4f}[/]",
                highlight=False,
            )
            out.print(f"   {fields[:400]}", highlight=False, soft_wrap=True)

    _run(body)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A plain-language question about your data.")],
    table: Annotated[str | None, typer.Option(help="Answer from this table only.")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Extractive answers only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Answer a question with citations to the rows used (SQL for figures)."""

    def body() -> None:
        with _workspace() as ws:
            answer = ws.ask(question, table=table, use_llm=not no_llm)
        if as_json:
            _dump(answer.as_dict())
            return
        out.print(answer.answer, highlight=False, soft_wrap=True)
        if answer.sql:
            out.print(f"[dim]SQL:[/] {answer.sql}", highlight=False, soft_wrap=True)
        for n, c in enumerate(answer.citations, 1):
            fields = "; ".join(f"{k}={v}" for k, v in c.row.items() if v not in (None, ""))
            out.print(f"[{n}] {c.table} {c.key}: {fields[:300]}", highlight=False, soft_wrap=True)

    _run(body)


@app.command()
def synth(
    table: Annotated[str, typer.Option("--table", help="The table to draw examples from.")],
    n: Annotated[int, typer.Option("--n", help="How many synthetic rows to make.")],
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help='Condition "col=value" (also != > >= < <=); repeatable.'),
    ] = None,
    like: Annotated[
        str | None, typer.Option("--like", help="Examples are the rows nearest this text.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed, the same rows.")] = 0,
    mode: Annotated[
        str, typer.Option("--mode", help="auto, stats (statistical model) or llm (whole rows).")
    ] = "auto",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write rows to FILE.csv or FILE.jsonl.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the quality report as HTML.")
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label", help="Downstream check: train on synthetic vs real, test on held-out rows."
        ),
    ] = None,
    privacy: Annotated[
        str | None,
        typer.Option(
            "--privacy",
            help="low, balanced (default), high, or the DCR protection to aim for (0-1).",
        ),
    ] = None,
    messiness: Annotated[
        bool,
        typer.Option(
            "--messiness", help="Misspellings and outliers at the rates the real rows have."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Make new records like real example rows: validated, PII-free, never near-copies."""
    from lakelight.generate.output import plain_rows
    from lakelight.generate.synthesize import SynthRequest

    def body() -> None:
        if mode not in ("auto", "stats", "llm"):
            raise LakelightError(f"--mode must be auto, stats or llm, not {mode!r}")
        request = SynthRequest(
            table,
            n,
            list(where or []),
            like,
            seed,
            mode,  # type: ignore[arg-type]
            label,
            privacy,
            messiness,
        )
        with _workspace() as ws:
            to_stdout = out_file is None and not as_json
            run, kept = ws.synth(
                request,
                out=out_file,
                stream=sys.stdout if to_stdout else None,
                report=report,
                keep_rows=out_file is None and as_json,
            )
        summary = run.summary
        if as_json:
            if kept:
                summary["rows"] = [r for chunk in kept for r in plain_rows(chunk)]
            _dump(summary)
            return
        _print_synth_summary(summary, err if to_stdout else out)

    _run(body)


def _print_synth_summary(s: dict[str, Any], console: Console) -> None:
    console.print(
        f"Made {s['generated']:,} of {s['requested']:,} rows like {s['examples']['rows']:,} "
        f"real rows of {s['table']} ({s['examples']['chosen_by']}) in {s['seconds']:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    for label, part in (
        ("Rejected by validators", "rejected"),
        ("Blocked by the guard", "blocked"),
    ):
        for reason, count in sorted(s[part]["by_reason"].items(), key=lambda kv: -kv[1]):
            console.print(f"  {label}: {count:,} ({reason})", highlight=False)
    q = s.get("quality") or {}
    if q.get("overall") is not None:
        shapes = q["column_shapes"]["score"]
        trends = q["column_pair_trends"]["score"]
        console.print(
            f"Quality {q['overall']:.3f} (column shapes {shapes:.3f}, pair trends "
            f"{trends if trends is None else round(trends, 3)})",
            highlight=False,
        )
    _print_privacy(s.get("privacy") or {}, q, console)
    _print_messiness(s.get("messiness") or {}, q.get("missing") or {}, console)
    down = q.get("downstream") or {}
    for metric in ("macro_f1", "r2"):
        real, syn = down.get("real", {}).get(metric), down.get("synthetic", {}).get(metric)
        if real is not None and syn is not None:
            console.print(
                f"Downstream ({down['label']}, {metric}): trained on synthetic {syn:.3f}, "
                f"on real {real:.3f}, tested on {down['holdout_rows']:,} held-out rows",
                highlight=False,
            )
    for warning in s["warnings"]:
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    for key in ("out", "report"):
        if key in s:
            console.print(f"Wrote {s[key]}", highlight=False)


def _print_privacy(p: dict[str, Any], q: dict[str, Any], console: Console) -> None:
    """The privacy level, what the run reached, and the trade-off table per level."""
    base = (q.get("privacy") or {}).get("dcr_baseline_protection") or {}
    if "level" not in p or base.get("score") is None:
        return
    console.print(
        f"Privacy {p['level']}: DCR baseline protection {base['score']:.3f}, exact copies "
        f"{q['privacy']['exact_copies']}",
        highlight=False,
    )
    rows = p.get("tradeoff") or []
    if not rows:
        return
    grid = Table(
        "level", "quality", "protection", "downstream", title=f"pilots of {p['pilot_rows']:,} rows"
    )
    for row in rows:
        grid.add_row(
            row["level"] + (" (this run)" if row["level"] == p["level"] else ""),
            *(
                f"{row[k]:.3f}" if row[k] is not None else "—"
                for k in ("quality", "protection", "downstream")
            ),
        )
    console.print(grid)


def _print_messiness(m: dict[str, Any], missing: dict[str, Any], console: Console) -> None:
    """What was injected at the real rates, and how far null shares are from the real ones."""
    for kind, columns in (m.get("injected") or {}).items():
        top = sorted(columns.items(), key=lambda kv: -kv[1])[:5]
        console.print(
            f"Injected {kind}: {sum(columns.values()):,} cells ("
            + ", ".join(f"{c} {n:,}" for c, n in top)
            + (", …" if len(columns) > 5 else "")
            + ")",
            highlight=False,
            soft_wrap=True,
        )
    rows = missing.get("rows") or []
    if rows:
        worst = rows[0]
        console.print(
            f"Empty cells, real vs synthetic: largest gap {missing['worst_gap']:.1%} "
            f"({worst['column']}, {worst['stratum']}: {worst['real']:.1%} vs "
            f"{worst['synthetic']:.1%}) over {missing['total_rows']:,} column × stratum shares",
            highlight=False,
            soft_wrap=True,
        )


@app.command(name="eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help="JSON lines: question, answer, keys?.")],
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Extractive answers only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score answers on a question set: accuracy per kind, citations, don't-knows, latency."""
    from lakelight.rag.evaluate import load_questions, run_eval

    def body() -> None:
        items = load_questions(questions)
        with _workspace() as ws:
            report = run_eval(items, lambda q: ws.ask(q, use_llm=not no_llm))
        if as_json:
            _dump(report)
            return
        grid = Table("kind", "accuracy")
        for kind, acc in report["summary"]["accuracy_by_kind"].items():
            grid.add_row(kind, f"{acc:.0%}")
        out.print(grid)
        for name, value in report["summary"].items():
            if name != "accuracy_by_kind":
                out.print(f"{name}: {value}", highlight=False)

    _run(body)


sources_app = typer.Typer(help="The sources ingested so far, and who may read them.")
app.add_typer(sources_app, name="sources")


@sources_app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The sources ingested so far (with `grant`: change who may read one)."""
    if ctx.invoked_subcommand is not None:
        return

    def body() -> None:
        with _workspace() as ws:
            rows = ws.sources()
        if as_json:
            _dump(rows)
            return
        grid = Table("source", "groups", "tables", "rows", "updated")
        for r in rows:
            grid.add_row(
                r["source"],
                ", ".join(r["groups"]) or "(all)",
                str(r["tables"]),
                f"{r['rows']:,}",
                str(r["updated_at"])[:19],
            )
        out.print(grid)

    _run(body)


@sources_app.command("grant")
def sources_grant(
    source: Annotated[str, typer.Argument(help="A source URI, or an fnmatch pattern of them.")],
    groups: Annotated[
        str, typer.Option("--groups", help='Groups that may read it, comma-separated; "" for all.')
    ],
) -> None:
    """Set the groups that may read a source (admins read everything)."""

    def body() -> None:
        with _workspace() as ws:
            changed = ws.grant(source, groups.split(","))
        who = groups.strip() or "every key"
        for uri in changed:
            out.print(f"{uri}: readable by {who}", highlight=False, soft_wrap=True)

    _run(body)


@app.command()
def tables(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Tables with their schema and per-column profile."""

    def body() -> None:
        with _workspace() as ws:
            infos = ws.tables()
        data = [t.as_dict() for t in infos]
        if as_json:
            _dump(data)
            return
        for t in data:
            out.print(
                f"[bold]{t['table']}[/] ({t['kind']}, {t['rows']:,} rows, SQL table "
                f"{t['sql_table']}, key {t['key']}) from {t['source']}",
                highlight=False,
            )
            for fk in t["foreign_keys"]:
                elsewhere = f" in {fk['source']}" if fk["source"] != t["source"] else ""
                out.print(
                    f"  {fk['column']} → {fk['table']}.{fk['ref_column']}{elsewhere} "
                    f"({fk['origin']})",
                    highlight=False,
                    soft_wrap=True,  # a long source path stays copyable
                )
            grid = Table("column", "type", "nulls", "distinct", "range / top values")
            for name, p in t["columns"].items():
                if "top" in p:
                    summary = ", ".join(f"{v} ({n})" for v, n in p["top"][:3])
                else:
                    summary = f"{p.get('min')} … {p.get('max')}"
                grid.add_row(
                    name,
                    p["type"],
                    str(p.get("nulls", "")),
                    str(p.get("distinct", "")),
                    summary[:80],
                )
            out.print(grid)

    _run(body)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (LAKELIGHT_API_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on (LAKELIGHT_API_PORT).")
    ] = None,
) -> None:
    """Run the HTTP API (FastAPI under uvicorn); every route but /healthz needs a key."""
    import logging

    import uvicorn

    from lakelight.api import create_app

    def body() -> None:
        settings = load_settings(api_host=host, api_port=port)
        handler = logging.StreamHandler(sys.stderr)
        access = logging.getLogger("lakelight.access")
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
        with _workspace_from(settings) as ws:
            uvicorn.run(
                create_app(ws),
                host=settings.api_host,
                port=settings.api_port,
                access_log=False,  # lakelight.access logs each request as JSON instead
                log_level="info",
            )

    _run(body)


keys_app = typer.Typer(help="API keys of `lakelight serve`.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="A name for the key (who holds it).")],
    groups: Annotated[
        str, typer.Option("--groups", help="Groups it reads as, comma-separated.")
    ] = "",
    scopes: Annotated[
        str, typer.Option("--scopes", help="read, ingest, admin (comma-separated).")
    ] = "read",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Make an API key; the key is printed once, only its hash is stored."""

    def body() -> None:
        with _workspace() as ws:
            key, secret = ws.create_key(name, groups, scopes)
        if as_json:
            _dump(key.shown_once(secret))
            return
        out.print(secret, highlight=False)
        err.print(
            f"Key {key.name!r} (groups: {', '.join(key.groups) or 'none'}; scopes: "
            f"{', '.join(key.scopes)}). It is shown only now: store it safely.",
            highlight=False,
        )

    _run(body)


@keys_app.command("list")
def keys_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The API keys: names, groups, scopes, when made or revoked (never the keys)."""

    def body() -> None:
        with _workspace() as ws:
            keys = [k.as_dict() for k in ws.keys.list()]
        if as_json:
            _dump(keys)
            return
        grid = Table("name", "groups", "scopes", "created", "revoked")
        for k in keys:
            grid.add_row(
                k["name"],
                ", ".join(k["groups"]),
                ", ".join(k["scopes"]),
                k["created_at"],
                k["revoked_at"] or "",
            )
        out.print(grid)

    _run(body)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key: requests with it get 401 from now on."""

    def body() -> None:
        with _workspace() as ws:
            ws.keys.revoke(name)
        out.print(f"Revoked key {name!r}.", highlight=False)

    _run(body)


slack_app = typer.Typer(help="The Slack bot: who reads as which groups, and Socket Mode.")
app.add_typer(slack_app, name="slack")


@slack_app.callback(invoke_without_command=True)
def slack_main(
    ctx: typer.Context,
    socket: Annotated[
        bool,
        typer.Option(
            "--socket",
            help="Run the bot over Socket Mode (LAKELIGHT_SLACK_APP_TOKEN): no public URL.",
        ),
    ] = False,
) -> None:
    """Over HTTP the bot runs inside `lakelight serve`; --socket runs it on its own."""
    if ctx.invoked_subcommand is not None:
        return
    if not socket:
        out.print(ctx.get_help())
        return

    def body() -> None:
        from lakelight.slack import slack_problem

        settings = load_settings()
        problem = slack_problem(settings, socket=True)
        if problem:
            raise ConfigError(f"Socket Mode needs its tokens: {problem}")
        from lakelight.slack.socket_mode import run_socket_mode

        with _workspace_from(settings) as ws:
            err.print("Answering in Slack over Socket Mode; Ctrl-C stops.", highlight=False)
            run_socket_mode(ws)

    _run(body)


def _slack_map(kind: str, slack_id: str, groups: str) -> None:
    def body() -> None:
        with _workspace() as ws:
            mapped = (ws.slack_map_user if kind == "user" else ws.slack_map_channel)(
                slack_id, groups
            )
        if mapped:
            out.print(f"Slack {kind} {slack_id} reads as: {','.join(mapped)}", highlight=False)
        else:
            out.print(f"Slack {kind} {slack_id} is unmapped: open sources only.", highlight=False)

    _run(body)


@slack_app.command("map-user")
def slack_map_user(
    user_id: Annotated[str, typer.Argument(help="The Slack member id, e.g. U0123ABC.")],
    groups: Annotated[
        str, typer.Option("--groups", help='Groups, comma-separated; "" removes the mapping.')
    ],
) -> None:
    """The lakelight groups a Slack user reads as (unmapped: open sources only)."""
    _slack_map("user", user_id, groups)


@slack_app.command("map-channel")
def slack_map_channel(
    channel_id: Annotated[str, typer.Argument(help="The Slack channel id, e.g. C0456DEF.")],
    groups: Annotated[
        str, typer.Option("--groups", help='Groups, comma-separated; "" removes the mapping.')
    ],
) -> None:
    """The groups answers posted in a channel may use: they narrow, never widen, the asker's."""
    _slack_map("channel", channel_id, groups)


@slack_app.command("list")
def slack_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The mapped Slack users and channels, with their groups."""

    def body() -> None:
        with _workspace() as ws:
            mappings = ws.slack_mappings()
        if as_json:
            _dump(mappings)
            return
        grid = Table("kind", "id", "groups", "updated")
        for kind in ("users", "channels"):
            for m in mappings[kind]:
                grid.add_row(kind[:-1], m["id"], ", ".join(m["groups"]), m["updated_at"])
        out.print(grid)

    _run(body)


feedback_app = typer.Typer(
    help="Ratings people gave answers (👍/👎 in the API, the web page, Slack).",
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line.")] = False,
) -> None:
    """Every rating, oldest first: question, answer, route, cited rows, caller, scope, rating,
    comment."""

    def body() -> None:
        with _workspace() as ws:
            rows = list(ws.feedback_export())
        if jsonl:
            for r in rows:
                sys.stdout.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
            return
        grid = Table("when", "caller", "rating", "route", "question", "comment")
        for r in rows:
            grid.add_row(
                r["created_at"],
                r["caller"],
                "+1" if r["rating"] > 0 else "-1",
                r["route"] or "",
                r["question"][:80],
                (r["comment"] or "")[:60],
            )
        out.print(grid)
        out.print(f"{len(rows):,} rating(s).", highlight=False)

    _run(body)


@feedback_app.command("stats")
def feedback_stats(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many of each.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The most-downvoted questions and rows: what the data team should fix."""

    def body() -> None:
        with _workspace() as ws:
            stats = ws.feedback_stats(limit)
        if as_json:
            _dump(stats)
            return
        out.print(
            f"{stats['ratings']:,} rating(s): {stats['up']:,} up, {stats['down']:,} down.",
            highlight=False,
        )
        questions = Table("down", "up", "question", "route", "latest comments")
        for q in stats["questions"]:
            questions.add_row(
                str(q["down"]),
                str(q["up"]),
                q["question"][:80],
                ", ".join(q["routes"]),
                " | ".join(c[:60] for c in q["comments"]),
            )
        rows = Table("down", "up", "table", "key", "source")
        for r in stats["rows"]:
            rows.add_row(str(r["down"]), str(r["up"]), r["table"], r["key"], r["source"])
        out.print("Most-downvoted questions", style="bold")
        out.print(questions)
        out.print("Most-downvoted rows", style="bold")
        out.print(rows)

    _run(body)


guard_app = typer.Typer(help="Find and remove PII.", no_args_is_help=True)
app.add_typer(guard_app, name="guard")


@guard_app.command("scan")
def guard_scan(
    target: Annotated[
        str, typer.Argument(help="A CSV, JSON lines, JSON or text file, or the text itself.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """PII findings (type, span, score, where) in a file or a text; never the PII itself."""

    def body() -> None:
        with _workspace() as ws:
            scan = ws.scan_pii(target)
        findings, counts = scan["findings"], scan["counts"]
        if as_json:
            _dump(scan)
            return
        if not findings:
            out.print("No PII found.")
            return
        grid = Table("type", "span", "score", "where")
        for f in findings:
            where = (
                f"row {f['row']}, {f['column']}"
                if "row" in f
                else (f"line {f['line']}" if "line" in f else "text")
            )
            grid.add_row(f["type"], f"{f['start']}-{f['end']}", f"{f['score']:.2f}", where)
        out.print(grid)
        out.print(", ".join(f"{n:,} {t}" for t, n in counts.items()), highlight=False)

    _run(body)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
