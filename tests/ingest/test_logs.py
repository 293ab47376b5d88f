"""The log connector on fail2ban's real log fixtures and on small realistic logs."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lakelight.config import Settings, load_settings
from lakelight.ingest.log_events import EVENT_FIELDS
from lakelight.ingest.logs import LogTable, looks_like_log
from lakelight.ingest.timestamps import YEARLESS_YEAR
from lakelight.records import Record, Rejected
from tests import data

FAIL_JSON = re.compile(r"#\s*failJSON:\s*(\{.*\})\s*$")


def fixture_files() -> list[Path]:
    root = data.fail2ban_logs()
    return sorted(p for p in root.rglob("*") if p.is_file())


def open_table(path: Path, settings: Settings | None = None, label: str | None = None) -> LogTable:
    return LogTable(
        "fail2ban",
        path.name,
        label or path.name,
        lambda: open(path, encoding="utf-8", errors="replace"),
        settings or load_settings(),
    )


def text_table(text: str, settings: Settings | None = None, label: str = "app.log") -> LogTable:
    return LogTable("test", "app", label, lambda: io.StringIO(text), settings or load_settings())


def read_all(table: LogTable) -> tuple[list[Record], list[Rejected]]:
    records: list[Record] = []
    rejected: list[Rejected] = []
    for batch in table.batches():
        records += batch.records
        rejected += batch.rejected
    return records, rejected


def failjson_annotations(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, text, failJSON object) of each annotated log line."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines):
        m = FAIL_JSON.match(line)
        if not m:
            continue
        target = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip() and lines[j][0] != "#"),
            None,
        )
        if target is not None:
            yield target + 1, lines[target], json.loads(m.group(1))


def entry_containing(records: list[Record], line: int) -> Record:
    """The record whose entry holds a line: it starts there or the line was merged into it."""
    return max((r for r in records if r.fields["line"] <= line), key=lambda r: r.fields["line"])


# --- every fixture ------------------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_every_fixture_parses_without_losing_a_line(path: Path) -> None:
    table = open_table(path)
    records, rejected = read_all(table)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    content = [line for line in lines if line.strip() and not line.startswith("#")]
    assert len(content) == len(records) + len(rejected) + table.continuation_lines
    assert table.comments_skipped == sum(line.startswith("#") for line in lines)
    names = [c.name for c in table.schema.columns]
    assert table.schema.kind == "log" and table.schema.key_origin == "file_line"
    assert table.schema.primary_key == []
    assert {"message", "format", "file", "line", "extra", *EVENT_FIELDS} <= set(names)
    for record in records:
        assert list(record.fields) == names
        assert record.key == f"{path.name}:{record.fields['line']}"
        assert record.fields["file"] == path.name
        assert isinstance(record.fields["line"], int)
        for name in ("pid", "status", "bytes"):
            assert record.fields.get(name) is None or isinstance(record.fields[name], int)
        assert record.text.startswith(path.name)


def test_fixtures_are_mostly_recognised() -> None:
    formats: dict[str, int] = {}
    for path in fixture_files():
        for record in read_all(open_table(path))[0]:
            formats[record.fields["format"]] = formats.get(record.fields["format"], 0) + 1
    total = sum(formats.values())
    assert formats.get("raw", 0) < 0.03 * total
    assert {"syslog", "timestamped", "access_log", "nginx_error", "logfmt", "rfc5424"} <= set(
        formats
    )


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_files_look_like_logs(path: Path) -> None:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[:200]
    content = [line for line in lines if line.strip() and not line.startswith("#")]
    # a handful of fixtures hold only lines whose format is not a known log format
    if path.name not in {"counter-strike", "oracleims", "tine20", "zzz-sshd-obsolete-multiline"}:
        assert looks_like_log(lines), content[:3]


# --- ground truth from failJSON annotations ------------------------------------------------


def _time_matches(expected: str, parsed: str) -> bool:
    """fail2ban states local time. Where the log gave an offset it converts zones, so then
    only minutes and seconds must agree, within 10 s: for TAI64N labels daemontools subtracts
    the 10 s TAI offset that fail2ban ignores."""
    exp = [int(n) for n in re.findall(r"\d+", expected)[:6]]
    got = [int(n) for n in re.findall(r"\d+", parsed)[:6]]
    if re.search(r"(Z|[+-]\d\d:\d\d)$", parsed):
        return abs((exp[4] * 60 + exp[5]) - (got[4] * 60 + got[5])) <= 10
    return got[1:6] == exp[1:6] and got[0] in (exp[0], YEARLESS_YEAR)


def _check_annotations(path: Path) -> tuple[int, list[str]]:
    """Each annotated line's entry keeps the annotated address (in ip or in the message) and
    its timestamp agrees with the annotated time."""
    records, _ = read_all(open_table(path))
    checked, problems = 0, []
    for line, text, note in failjson_annotations(path):
        host = note.get("host")
        if not note.get("match") or not isinstance(host, str):
            continue
        record = entry_containing(records, line)
        fields = record.fields
        # fail2ban may take the address from an earlier line of the same session
        if host in text and fields["ip"] != host and host not in fields["message"]:
            problems.append(f"{record.key}: host {host} not in ip {fields['ip']} or message")
        stamp = fields.get("timestamp")
        if (
            note.get("time")
            and fields["line"] == line
            and not (stamp and _time_matches(note["time"], stamp))
        ):
            problems.append(f"{record.key}: time {note['time']} != {stamp}")
        checked += 1
    return checked, problems


@pytest.mark.parametrize(
    "path",
    [p for p in fixture_files() if re.match(r"(sshd|apache-|nginx-)", p.name)],
    ids=lambda p: p.name,
)
def test_failjson_ground_truth_sshd_apache_nginx(path: Path) -> None:
    checked, problems = _check_annotations(path)
    assert checked > 0
    assert problems == []


def test_failjson_ground_truth_across_all_fixtures() -> None:
    checked, problems = 0, []
    for path in fixture_files():
        n, found = _check_annotations(path)
        checked += n
        problems += found
    assert checked > 700
    assert len(problems) <= 0.02 * checked, problems


def test_annotated_hosts_land_in_the_ip_field() -> None:
    """For annotations naming an IP address, the parsed ip is usually that address."""
    hits = total = 0
    for path in fixture_files():
        records, _ = read_all(open_table(path))
        for line, text, note in failjson_annotations(path):
            host = note.get("host")
            if note.get("match") and isinstance(host, str) and re.fullmatch(r"[\d.]+", host):
                if host not in text:
                    continue
                total += 1
                hits += entry_containing(records, line).fields["ip"] == host
    assert total > 500
    assert hits >= 0.9 * total


# --- one format at a time, on real fixture lines -------------------------------------------


def records_of(name: str) -> list[Record]:
    return read_all(open_table(data.fail2ban_logs() / name))[0]


def test_rfc3164_syslog_fields() -> None:
    records = [r for r in records_of("sshd") if r.fields["format"] == "syslog"]
    assert len(records) > 100
    for r in records:
        f = r.fields
        assert f["program"] and f["timestamp"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*", f["timestamp"])
    yearless = [r for r in records if r.fields["timestamp"].startswith(f"{YEARLESS_YEAR}-")]
    assert yearless, "classic syslog timestamps have no year"
    assert any(r.fields["user"] and r.fields["ip"] for r in records)
    assert any(r.fields["level"] == "error" for r in records)  # "error: PAM: ..." messages


def test_syslog_priority_tags_give_the_level() -> None:
    levels = {r.fields["level"] for r in records_of("bsd/syslog-v.txt")}
    assert levels <= {"error", "info", "notice", "warning", "debug"} and "error" in levels
    assert {r.fields["level"] for r in records_of("bsd/syslog-vv.txt")} == {"info"}


def test_syslog_without_timestamp_or_host() -> None:
    journal = records_of("sshd-journal")
    assert all(r.fields["format"] == "syslog" and r.fields["host"] for r in journal)
    assert "timestamp" not in {c.name for c in open_table(
        data.fail2ban_logs() / "sshd-journal").schema.columns}  # fmt: skip
    hostless = [r for r in records_of("dropbear") if r.fields["host"] is None]
    assert hostless and all(r.fields["program"] == "dropbear" for r in hostless)


def test_tai64n_timestamps() -> None:
    tai = [
        r for r in records_of("dovecot") if r.fields["timestamp"].startswith("2010-09-16T05:50:50.")
    ]
    assert tai and all(r.fields["timestamp"].endswith("Z") for r in tai)
    assert any(r.fields["user"] == "martin@waschbuesch.de" for r in tai)


def test_access_logs_common_combined_and_extra_fields() -> None:
    for name in ("apache-badbots", "traefik-auth", "apache-pass", "openhab", "nginx-bad-request"):
        for r in records_of(name):
            f = r.fields
            assert f["format"] == "access_log"
            assert isinstance(f["status"], int) and f["ip"] and f["timestamp"]
            assert f["message"].startswith(f["ip"])
    combined = records_of("apache-badbots")[0].fields
    assert combined["method"] and combined["path"].startswith("/")
    assert combined["protocol"].startswith("HTTP/") and combined["user_agent"]
    assert combined["timestamp"].endswith("+01:00")
    assert any(r.fields["user"] == "username" for r in records_of("traefik-auth"))
    # openhab writes French month names: 02/sept./2015
    assert all(r.fields["timestamp"][:4] == "2015" for r in records_of("openhab"))


def test_nginx_error_log() -> None:
    for r in records_of("nginx-http-auth"):
        f = r.fields
        assert f["format"] == "nginx_error"
        assert isinstance(f["pid"], int) and f["level"] in {"error", "critical"} and f["ip"]
    assert any(r.fields["method"] == "GET" for r in records_of("nginx-http-auth"))


def test_logfmt_lines() -> None:
    table = open_table(data.fail2ban_logs() / "grafana")
    records, _ = read_all(table)
    names = {c.name for c in table.schema.columns}
    assert {"timestamp", "level", "ip", "message", "error"} <= names
    for r in records:
        assert r.fields["format"] == "logfmt"
        assert r.fields["level"] == "error"  # lvl=eror
        assert r.fields["message"] == "Invalid username or password"
        assert r.fields["timestamp"].endswith("+02:00")
    audit = records_of("selinux-ssh")
    assert all(r.fields["timestamp"] and r.fields["ip"] for r in audit)  # msg=audit(epoch:serial)


def test_generic_leading_timestamps() -> None:
    mysql = records_of("mysqld-auth")[0].fields  # 130324  0:04:00 [Warning] ...
    assert mysql["timestamp"] == "2013-03-24T00:04:00" and mysql["level"] == "warning"
    assert mysql["user"] == "root" and mysql["ip"]
    apache = records_of("apache-auth")[0].fields  # [Sat Jun 01 02:17:42 2013] [error] ...
    assert apache["timestamp"].startswith("2013-") and apache["level"] == "error"
    bitwarden = records_of("bitwarden")[0].fields  # 2019-11-26 01:04:49.008 +08:00 [WRN] ...
    assert bitwarden["timestamp"] == "2019-11-26T01:04:49.008+08:00"
    assert bitwarden["level"] == "warning"
    gitlab = records_of("gitlab")[0].fields
    assert gitlab["user"] == "admin" and gitlab["ip"]


def test_rfc5424_lines() -> None:
    rfc = [r for r in records_of("sshd") if r.fields["format"] == "rfc5424"]
    assert rfc and all(r.fields["host"] and r.fields["program"] for r in rfc)
    line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
    line += '[exampleSDID@32473 iut="3" eventSource="Application"] An application event'
    (record,), _ = read_all(text_table(line + "\n"))
    f = record.fields
    assert (f["timestamp"], f["host"], f["program"], f["level"]) == (
        "2003-10-11T22:14:15.003Z", "mymachine.example.com", "evntslog", "notice"
    )  # fmt: skip
    assert f["message"] == "An application event"
    assert f["msgid"] == "ID47" and 'iut="3"' in f["structured_data"]


# --- multi-line entries ---------------------------------------------------------------------

JAVA_LOG = """\
2024-03-01 10:15:30,120 INFO  [main] com.example.App - Starting service on port 8080
2024-03-01 10:15:31,004 ERROR [exec-1] com.example.Api - Request failed: user=alice from 10.1.2.3
java.lang.IllegalStateException: connection pool exhausted
\tat com.example.db.Pool.borrow(Pool.java:88)
\tat com.example.Api.handle(Api.java:42)
Caused by: java.net.SocketTimeoutException: connect timed out
\tat java.base/java.net.Socket.connect(Socket.java:633)
\t... 12 more
2024-03-01 10:15:32,500 WARN  [main] com.example.App - Retrying in 5s
"""

PYTHON_LOG = """\
2024-03-01 10:15:30,120 - worker - INFO - job 17 started
2024-03-01 10:15:30,900 - worker - ERROR - job 17 failed
Traceback (most recent call last):
  File "/srv/worker.py", line 41, in run
    result = step(payload)
  File "/srv/steps.py", line 12, in step
    raise ValueError("bad payload")
ValueError: bad payload
2024-03-01 10:15:31,000 - worker - INFO - job 18 started
"""


@pytest.mark.parametrize(("text", "lines"), [(JAVA_LOG, [1, 2, 9]), (PYTHON_LOG, [1, 2, 9])])
def test_stack_traces_stay_in_one_record(tmp_path: Path, text: str, lines: list[int]) -> None:
    path = tmp_path / "app.log"
    path.write_text(text)
    table = open_table(path, label="logs/app.log")
    records, rejected = read_all(table)
    assert [r.fields["line"] for r in records] == lines and not rejected
    assert [r.key for r in records] == [f"logs/app.log:{n}" for n in lines]
    failed = records[1].fields
    assert failed["level"] == "error"
    assert failed["message"].count("\n") == 6
    assert failed["message"].endswith(text.splitlines()[7])
    assert table.continuation_lines == 6
    assert records[0].fields["level"] == "info" and records[2].fields["level"] in {
        "warning",
        "info",
    }
    if text is JAVA_LOG:
        assert failed["user"] == "alice" and failed["ip"] == "10.1.2.3"


def test_indented_continuation_after_a_comment_and_closing_brace() -> None:
    text = "Jun 22 20:37:04 server app[402]: dump={\n# note\n    a = 1;\n}\n"
    text += "Jun 22 20:37:05 server app[402]: next\n"
    records, _ = read_all(text_table(text))
    assert [r.fields["line"] for r in records] == [1, 5]
    assert records[0].fields["message"] == "dump={\n    a = 1;\n}"


def test_java_util_logging_two_line_entries() -> None:
    records = records_of("guacamole")
    first = records[0].fields
    assert first["level"] == "warning" and "\nWARNING: Authentication attempt" in first["message"]
    assert first["ip"] == "192.0.2.0"


# --- kept, rejected, empty -----------------------------------------------------------------


def test_unknown_lines_are_kept_as_raw() -> None:
    text = "Feb 25 14:34:10 belka sshd[31602]: Accepted password for bob from 10.0.0.7\n"
    text += "just some words no parser knows\n\n"
    text += "~~~ 42 ~~~\n"
    records, rejected = read_all(text_table(text, label="mixed"))
    assert not rejected
    raw = [r for r in records if r.fields["format"] == "raw"]
    assert [r.key for r in raw] == ["mixed:2", "mixed:4"]
    assert raw[0].fields["message"] == "just some words no parser knows"
    assert raw[0].fields["file"] == "mixed" and raw[0].fields["line"] == 2


def test_nul_and_overlong_lines_are_rejected_neighbours_kept() -> None:
    settings = load_settings(max_cell_bytes=200)
    lines = [
        "2024-01-01 00:00:01 INFO first",
        "2024-01-01 00:00:02 INFO bad \x00 byte",
        "2024-01-01 00:00:03 INFO " + "x" * 500,
        "2024-01-01 00:00:04 INFO " + "é" * 150,  # 150 chars, 300 bytes
        "2024-01-01 00:00:05 INFO last",
    ]
    table = text_table("\n".join(lines) + "\n", settings, label="big")
    records, rejected = read_all(table)
    assert [r.fields["line"] for r in records] == [1, 5]
    assert [r.location for r in rejected] == ["big:2", "big:3", "big:4"]
    assert "NUL" in rejected[0].reason and "LAKELIGHT_MAX_CELL_BYTES" in rejected[1].reason


def test_a_stack_trace_stops_growing_at_the_cell_limit() -> None:
    settings = load_settings(max_cell_bytes=120)
    text = "2024-01-01 00:00:01 ERROR boom\n" + "".join(
        f"\tat frame{i}(X.java:1)\n" for i in range(20)
    )
    table = text_table(text, settings)
    records, rejected = read_all(table)
    assert not rejected
    assert all(len(r.fields["message"].encode()) <= 120 for r in records)
    assert len(records) + table.continuation_lines == 21


def test_empty_and_comment_only_files() -> None:
    empty = text_table("")
    assert read_all(empty) == ([], []) and empty.comments_skipped == 0
    assert [c.name for c in empty.schema.columns] == [
        "message", *EVENT_FIELDS, "format", "file", "line", "extra"
    ]  # fmt: skip
    comments = text_table("# a\n\n# b\n")
    assert read_all(comments) == ([], [])
    assert comments.comments_skipped == 2


def test_batches_hold_at_most_read_batch_size_records() -> None:
    text = "".join(f"2024-01-01 00:00:{i % 60:02d} INFO event {i}\n" for i in range(25))
    table = text_table(text, load_settings(read_batch_size=10))
    sizes = [len(b.records) for b in table.batches()]
    assert sizes == [10, 10, 5]


# --- JSON lines ------------------------------------------------------------------------------


def test_json_lines_map_common_keys_and_keep_the_others() -> None:
    rows = [
        {"@timestamp": "2024-05-01T12:00:00.5Z", "level": "warn", "message": "slow query",
         "host": "db1", "client_ip": "10.0.0.9", "duration_ms": 812, "tags": ["db"]},
        {"ts": 1714564800.25, "lvl": 30, "msg": "ok", "duration_ms": 3, "http": {"method": "GET",
         "status_code": 200}},
    ]  # fmt: skip
    late = {"time": "2024-05-01 12:00:02", "severity": "ERROR", "msg": "late", "trace_id": "abc",
            "duration_ms": "n/a"}  # fmt: skip
    settings = load_settings()
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    text += "".join(
        json.dumps({"msg": f"filler {i}", "ts": 1714564800 + i}) + "\n" for i in range(1000)
    )
    text += json.dumps(late) + "\n"
    table = text_table(text, settings)
    columns = {c.name: c.type for c in table.schema.columns}
    assert columns["timestamp"] == "datetime" and columns["duration_ms"] == "integer"
    assert "trace_id" not in columns and columns["tags"] == "string"
    records, _ = read_all(table)
    first, second, last = records[0].fields, records[1].fields, records[-1].fields
    assert first["timestamp"] == "2024-05-01T12:00:00.5Z"
    assert (first["level"], first["host"], first["ip"]) == ("warning", "db1", "10.0.0.9")
    assert first["duration_ms"] == 812 and json.loads(first["tags"]) == ["db"]
    assert second["timestamp"].startswith("2024-05-01T12:00:00.25") and second["level"] == "info"
    assert second["method"] == "GET" and second["status"] == 200
    assert last["level"] == "error" and last["message"] == "late"
    assert json.loads(last["extra"]) == {"trace_id": "abc", "duration_ms": "n/a"}
    assert all(r.fields["format"] == "json" for r in records)


def test_json_key_clashing_with_a_tail_column_is_renamed() -> None:
    table = text_table(json.dumps({"time": "2024-01-01T00:00:00Z", "msg": "x", "line": 7}) + "\n")
    (record,), _ = read_all(table)
    assert record.fields["line"] == 1 and record.fields["log_line"] == 7


# --- detection and text ----------------------------------------------------------------------


def test_looks_like_log_says_no_to_tables_and_prose() -> None:
    assert not looks_like_log(["id,name,created", "1,ann,2024-01-01 10:00:00", "2,bob,2024-01-02"])
    assert not looks_like_log(["2024-01-01 10:00:00,ann,3", "2024-01-02 11:00:00,bob,4"])
    assert not looks_like_log(["It was a bright cold day in April.", "The clocks struck."])
    assert not looks_like_log([json.dumps({"id": i, "created": "2024-01-01"}) for i in range(5)])
    assert not looks_like_log([])
    assert looks_like_log([json.dumps({"time": "2024-01-01T00:00:00Z", "msg": "hi"})] * 3)
    assert looks_like_log(JAVA_LOG.splitlines()) and looks_like_log(PYTHON_LOG.splitlines())
    assert looks_like_log(["# header", "", "Feb 25 14:34:10 belka sshd[31602]: hi"])


def test_record_text_leads_with_the_message_and_leaves_out_bookkeeping() -> None:
    (record,), _ = read_all(text_table("Feb 25 14:34:10 belka sshd[31602]: Failed password\n"))
    text = record.text
    assert text.startswith("app") and text.index("Failed password") < text.index("belka")
    assert "sshd" in text and "31602" in text
    assert "format:" not in record.text and "line:" not in record.text
    assert "file:" not in record.text


def test_open_errors_become_source_errors() -> None:
    from lakelight.errors import SourceError

    def broken() -> io.StringIO:
        raise OSError("disk on fire")

    with pytest.raises(SourceError, match=r"broken\.log"):
        LogTable("s", "t", "broken.log", broken, load_settings())


HOSTILE_LINES = {
    "long word": "a" * 200_000,
    "logfmt then a long word": "a=1 " + "b" * 200_000,
    "unterminated quote": 'a=1 b="' + "x" * 200_000,
    "dotted name": "a." * 100_000 + "xError",
    "spaces after a date": "Jan 5" + " " * 200_000 + "x",
    "structured data": "<1>1 - - - - - [" + 'a="' * 60_000,
    "many colons": "1:" * 100_000,
}


@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_hostile_lines_parse_in_linear_time(line: str) -> None:
    """Log lines are untrusted: no pattern may backtrack quadratically on them."""
    start = time.perf_counter()
    records, _ = read_all(text_table("2024-01-01 00:00:00 INFO first\n" + line + "\n"))
    assert len(records) >= 1
    assert time.perf_counter() - start < 5  # linear is well under a second; quadratic, hours


def test_a_standard_field_first_seen_after_the_sample_goes_to_extra() -> None:
    lines = [f"2024-01-01 00:00:00 INFO tick {i}" for i in range(1200)]
    lines.append("2024-01-01 00:00:01 WARN connection from 10.9.8.7 refused")
    table = text_table("\n".join(lines) + "\n")
    assert table.schema.column("ip") is None
    records, _ = read_all(table)
    assert "ip" not in records[-1].fields
    assert json.loads(records[-1].fields["extra"]) == {"ip": "10.9.8.7"}
    assert records[0].fields["extra"] is None
