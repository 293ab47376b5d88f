"""Event fields of log entries, on fail2ban's real log fixtures: counts per (action, outcome)
against counts taken from the raw files with plain regexes and against fail2ban's own
``failJSON`` labels."""

from __future__ import annotations

import io
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

import pytest
import sqlalchemy as sa

from lakelight.config import load_settings
from lakelight.ingest.log_event_rules import RULES, candidates, words
from lakelight.ingest.log_events import ACTIONS, CATEGORIES, EVENT_FIELDS, classify_event
from lakelight.ingest.logs import LogTable
from lakelight.ingest.rows import is_null
from lakelight.records import Record
from lakelight.workspace import Workspace
from tests import data
from tests.lake import ingest

FAIL_JSON = re.compile(r"#\s*failJSON:\s*(\{.*\})\s*$")


def fixture(name: str) -> Path:
    return data.fail2ban_logs() / name


def records_of(name: str) -> list[Record]:
    path = fixture(name)

    def open_text() -> TextIO:
        return open(path, encoding="utf-8", errors="replace")

    table = LogTable("fail2ban", path.name, path.name, open_text, load_settings())
    return [r for batch in table.batches() for r in batch.records]


def text_records(text: str) -> list[Record]:
    table = LogTable("test", "app", "app.log", lambda: io.StringIO(text), load_settings())
    return [r for batch in table.batches() for r in batch.records]


def raw_lines(name: str) -> list[str]:
    """The file's log lines: not blank, not comments."""
    lines = fixture(name).read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def count_raw(name: str, pattern: str, unless: str | None = None) -> int:
    """Raw lines matching ``pattern`` (and not ``unless``)."""
    return sum(
        bool(re.search(pattern, line)) and not (unless and re.search(unless, line))
        for line in raw_lines(name)
    )


def events(records: list[Record]) -> Counter[tuple[Any, ...]]:
    return Counter((r.fields["event_action"], r.fields["event_outcome"]) for r in records)


def methods(records: list[Record], action: str, outcome: str) -> Counter[Any]:
    return Counter(
        r.fields["auth_method"]
        for r in records
        if (r.fields["event_action"], r.fields["event_outcome"]) == (action, outcome)
    )


# --- counts per class, against the raw files --------------------------------------------------


@pytest.mark.parametrize("name", ["sshd", "sshd-journal"])
def test_sshd_logins_sessions_and_refusals(name: str) -> None:
    records = records_of(name)
    got = events(records)
    accepted = count_raw(name, r"Accepted \w+ for ")
    assert accepted == 4  # the question lakelight got wrong: 4 successful logins, not 49
    assert got["login", "success"] == accepted
    failed = count_raw(name, r"Failed \S+ for |[Aa]uthentication (?:failure|error)(?!s)")
    assert got["login", "failure"] == failed
    failures = methods(records, "login", "failure")
    assert failures["password"] == count_raw(name, r"Failed password for ")
    assert failures["publickey"] == count_raw(name, r"Failed publickey for ")
    assert failures["keyboard-interactive"] == count_raw(name, r"Failed keyboard-interactive")
    assert failures["hostbased"] == count_raw(name, r"Failed hostbased for ")
    assert methods(records, "login", "success") == Counter(
        m.group(1) for line in raw_lines(name) if (m := re.search(r"Accepted (\w+) for ", line))
    )
    assert got["invalid user", "failure"] == count_raw(
        name, r"\]: (?:input_userauth_request: )?[Ii]nvalid user |User not known to the"
    )
    assert got["session opened", "success"] == count_raw(name, r"session opened for user ")
    assert got["too many failures", "failure"] == count_raw(
        name, r"Too many authentication failures|maximum authentication attempts exceeded"
    )
    assert got["access denied", "failure"] == count_raw(
        name, r"not allowed because|LOGIN REFUSED|refused connect from"
    )
    assert got["bad protocol", "failure"] == count_raw(
        name,
        r"Did not receive identification|Bad protocol version|kex_exchange_identification"
        r"|banner exchange",
    )
    assert got["disconnect", "failure"] == count_raw(name, r"Received disconnect .*Auth fail")
    categories = {r.fields["event_category"] for r in records if r.fields["event_action"]}
    assert categories == {"authentication", "network"}


def test_apache_auth_failures() -> None:
    name = "apache-auth"
    records = records_of(name)
    got = events(records)
    assert got["invalid user", "failure"] == count_raw(name, r"user .*not found")
    password = count_raw(name, r"[Pp]assword [Mm]ismatch")
    assert methods(records, "login", "failure")["password"] == password
    digest = count_raw(
        name, r"invalid nonce|realm mismatch|unknown algorithm|invalid qop|wrong authentication"
    )
    assert got["login", "failure"] == password + digest
    denied = count_raw(name, r"client denied by|Authorization of user .* failed|authorization fail")
    assert got["access denied", "failure"] == denied
    assert got["bad request", "failure"] == count_raw(name, r"provided via SNI")
    by_action = {r.fields["event_action"]: r.fields["event_category"] for r in records}
    assert by_action["access denied"] == "web" and by_action["login"] == "authentication"


def test_nginx_http_auth_failures() -> None:
    name = "nginx-http-auth"
    records = records_of(name)
    got = events(records)
    assert methods(records, "login", "failure") == {
        "password": count_raw(name, r'user "[^"]*": password mismatch')
    }
    assert got["invalid user", "failure"] == count_raw(name, r'user "[^"]*" was not found in')
    assert got["handshake failed", "failure"] == count_raw(name, r"SSL_do_handshake\(\) failed")
    assert got[None, None] == count_raw(name, r"connect\(\) failed \(111: ")


def test_nginx_rate_limiting() -> None:
    name = "nginx-limit-req"
    records = records_of(name)
    limited = [r for r in records if r.fields["event_action"] == "rate limited"]
    assert len(limited) == count_raw(name, r"limiting requests, excess:") > 0
    assert {(r.fields["event_category"], r.fields["event_outcome"]) for r in limited} == {
        ("web", "failure")
    }


@pytest.mark.parametrize("name", ["apache-noscript", "apache-botsearch", "nginx-botsearch"])
def test_probes_for_files_that_do_not_exist(name: str) -> None:
    records = records_of(name)
    missing = [r for r in records if r.fields["event_action"] == "file not found"]
    expected = count_raw(
        name,
        r"File does not exist|not found or unable to stat|[Pp]rimary script unknown"
        r"|No such file or directory|\" 404 \d",
    )
    assert len(missing) == expected > 0
    assert {r.fields["event_category"] for r in missing} == {"web"}
    access = [r for r in missing if r.fields["format"] == "access_log"]
    assert all(r.fields["http_status_class"] == "4xx" for r in access)


def test_dovecot_logins() -> None:
    name = "dovecot"
    got = events(records_of(name))
    assert got["login", "failure"] == count_raw(
        name,
        r"auth failed|authentication failure|pam_authenticate\(\) failed: (?:Authentication "
        r"failure|Permission denied)|[Pp]assword mismatch|invalid credentials",
    )
    assert got["invalid user", "failure"] == count_raw(name, r"[Uu]nknown user|User not known")
    assert got["access denied", "failure"] == count_raw(name, r"tried to use (?:disabled|disal)")


def test_postfix_rejections_and_sasl_failures() -> None:
    name = "postfix"
    records = records_of(name)
    got = events(records)
    assert got["login", "failure"] == count_raw(name, r"SASL \S+ authentication failed")
    assert methods(records, "login", "failure") == Counter(
        {
            "password": count_raw(name, r"SASL (?i:login|plain) authentication failed"),
            "cram-md5": count_raw(name, r"SASL CRAM-MD5 authentication failed"),
        }
    )
    assert got["relay denied", "failure"] == count_raw(name, r"Relay access denied")
    assert got["blocked", "failure"] == count_raw(name, r"blocked using ")
    assert got["unknown recipient", "failure"] == count_raw(
        name, r"reject: RCPT .*(?:User unknown|undeliverable address)"
    )
    assert got["probe", "failure"] == count_raw(name, r"reject: VRFY ")
    assert got["message rejected", "failure"] == count_raw(
        name,
        r"reject: ",
        unless=r"Relay access denied|blocked using|reject: VRFY|User unknown|undeliverable",
    )
    assert got["bad protocol", "failure"] == count_raw(
        name, r"improper command pipelining|too many errors after|PREGREET|COMMAND COUNT LIMIT"
    )
    assert got["disconnect", "unknown"] == count_raw(
        name, r"lost connection after|disconnect from|HANGUP after|COMMAND TIME LIMIT"
    )
    assert {r.fields["event_category"] for r in records} == {"mail", "authentication"}


def test_mysqld_access_denied_is_a_failed_login() -> None:
    name = "mysqld-auth"
    records = records_of(name)
    assert events(records) == {("login", "failure"): count_raw(name, r"Access denied for user")}
    assert methods(records, "login", "failure") == {
        "password": count_raw(name, r"using password: YES"),
        "no password": count_raw(name, r"using password: NO"),
    }
    assert {r.fields["event_category"] for r in records} == {"authentication"}


def test_web_access_lines_by_status() -> None:
    for name in ("apache-badbots", "traefik-auth", "openhab", "nginx-bad-request", "sogo-auth"):
        for r in records_of(name):
            f = r.fields
            if f["format"] != "access_log":
                continue
            status = f["status"]
            assert f["event_category"] == "web"
            assert f["http_status_class"] == f"{status // 100}xx"
            assert f["event_outcome"] == ("success" if status < 400 else "failure")
            expected = {400: "bad request", 401: "access denied", 403: "access denied"}
            assert f["event_action"] == expected.get(status, "request")


# --- against fail2ban's own labels ----------------------------------------------------------


def annotated(name: str) -> list[tuple[dict[str, Any], Record]]:
    """(failJSON label, record) for each labelled line that starts an entry."""
    lines = fixture(name).read_text(encoding="utf-8", errors="replace").splitlines()
    by_line = {r.fields["line"]: r for r in records_of(name)}
    found = []
    for i, line in enumerate(lines):
        if m := FAIL_JSON.match(line):
            target = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip() and lines[j][0] != "#"),
                None,
            )
            if target is not None and target + 1 in by_line:
                found.append((json.loads(m.group(1)), by_line[target + 1]))
    return found


AUTH_FILTERS = (
    "apache-auth", "nginx-http-auth", "nginx-limit-req", "apache-noscript", "apache-botsearch",
    "mysqld-auth", "courier-auth", "cyrus-imap", "proftpd", "vsftpd", "roundcube-auth",
    "dropbear", "pam-generic", "named-refused", "monit", "lighttpd-auth", "webmin-auth",
)  # fmt: skip


@pytest.mark.parametrize("name", AUTH_FILTERS)
def test_lines_fail2ban_bans_for_are_failures(name: str) -> None:
    matched = [r for note, r in annotated(name) if note.get("match")]
    assert matched
    assert [r.key for r in matched if r.fields["event_outcome"] != "failure"] == []


@pytest.mark.parametrize("name", ["sshd", "dovecot", "postfix"])
def test_lines_fail2ban_matches_are_all_classified(name: str) -> None:
    """These filters also match connection-level lines (ddos/aggressive modes): each gets an
    event, and only logins fail2ban tracks (sshd's "Accepted") are successes."""
    matched = [r for note, r in annotated(name) if note.get("match")]
    assert len(matched) > 30
    assert [r.key for r in matched if r.fields["event_action"] is None] == []
    successes = {
        r.fields["event_action"] for r in matched if r.fields["event_outcome"] == "success"
    }
    assert successes <= {"login"}


# --- unknown and bad input ------------------------------------------------------------------

JAVA_TRACE = """\
2024-03-01 10:15:31,004 ERROR [exec-1] com.example.Api - Request failed: pool exhausted
java.lang.IllegalStateException: connection pool exhausted
\tat com.example.db.Pool.borrow(Pool.java:88)
Caused by: java.net.SocketTimeoutException: connect timed out
"""


def test_unknown_lines_keep_their_fields_and_get_no_event() -> None:
    text = "It was a bright cold day in April, and the clocks were striking thirteen.\n"
    text += "2024-01-01 00:00:00 INFO cache warmed in 12 ms\n" + JAVA_TRACE
    records = text_records(text)
    assert [r.fields["format"] for r in records] == ["raw", "timestamped", "timestamped"]
    for r in records:
        assert all(r.fields[name] is None for name in EVENT_FIELDS)
        assert "event_" not in r.text
    assert records[0].fields["message"].startswith("It was a bright cold day")
    assert records[2].fields["level"] == "error"
    assert records[2].fields["message"].endswith("connect timed out")


def test_the_first_line_decides_not_the_stack_trace() -> None:
    text = "2024-03-01 10:15:31,004 ERROR [main] App - job 7 crashed\n"
    text += "java.lang.RuntimeException: Access denied for user 'app'@'db' (using password: YES)\n"
    (record,) = text_records(text)
    assert record.fields["event_action"] is None


@pytest.mark.parametrize(
    "head",
    [
        "Failed passw",  # cut short
        "Accepted publickey for",
        "Access denied for user 'ro",
        "sshd[\udcff\udcfe]: Failed password for \udcff from \x00\x01\x7f port",
        "Failed password for r\u00f6\u00f6t\ufffd\ufffd from 10.0.0.1",
        "\ufeff\u202e\u0000 user  not found: ",
        "",
        "type=USER_LOGIN",
        "type=USER_LOGIN res=failed op=",
    ],
)
def test_odd_bytes_and_truncated_lines_do_not_crash(head: str) -> None:
    event = classify_event("syslog", {"program": "sshd\udcff", "message": head}, head)
    assert event is None or set(event) <= set(EVENT_FIELDS)


def test_odd_bytes_through_the_connector() -> None:
    raw = b"Feb 25 14:34:10 belka sshd[31602]: Failed password for r\xff\xfe from 10.0.0.7 port"
    raw += b" 22 ssh2\nFeb 25 14:34:11 belka sshd[31602]: Accepted passw"  # cut short

    def open_text() -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace")

    table = LogTable("t", "t", "t.log", open_text, load_settings())
    first, second = (r for b in table.batches() for r in b.records)
    assert (first.fields["event_action"], first.fields["auth_method"]) == ("login", "password")
    assert "\ufffd" in first.fields["message"]
    assert second.fields["event_action"] is None  # cut before it says what was accepted
    assert second.fields["message"] == "Accepted passw"


def test_hostile_lines_classify_in_linear_time() -> None:
    lines = [
        "failed " * 40_000,
        "user " * 40_000 + "not found",
        "registration from " + "x" * 200_000,
        "authorization of user " * 10_000,
        "x" * 200_000 + " failed password for",
    ]
    start = time.perf_counter()
    for line in lines:
        classify_event("syslog", {"message": line}, line)
    assert time.perf_counter() - start < 2


# --- the mechanism --------------------------------------------------------------------------


def test_every_rule_speaks_the_vocabulary() -> None:
    for rule in RULES:
        assert rule.action in ACTIONS, rule
        assert rule.outcome in ("success", "failure", "unknown"), rule
        assert rule.category is None or rule.category in CATEGORIES, rule
        assert rule.key == rule.key.lower() and rule.key, rule
        literal = re.sub(r"\\.|\(\?P<", "", rule.pattern.pattern) if rule.pattern else ""
        assert literal == literal.lower(), rule  # patterns match lower-cased text
    assert set(ACTIONS.values()) <= set(CATEGORIES)
    assert all(a == a.lower() and len(a.split()) <= 3 for a in ACTIONS)


def test_no_label_reads_as_null() -> None:
    """Record text and profiles skip values such as "none" or "n/a": no label may be one."""
    labels = {*ACTIONS, *CATEGORIES, "success", "failure", "unknown"}
    for name in ("sshd", "mysqld-auth", "dovecot", "postfix", "cyrus-imap"):
        labels |= {r.fields["auth_method"] for r in records_of(name)} - {None}
    assert "no password" in labels and not [v for v in labels if is_null(v)]
    head = "Failed none for invalid user x from 192.0.2.1 port 22 ssh2"
    event = classify_event("syslog", {"program": "sshd"}, head)
    assert event is not None and event["auth_method"] == "no password"


def test_the_word_index_finds_every_rule_a_plain_scan_would() -> None:
    """``candidates`` skips rules whose word is not in the message; on every fixture line that
    gives what trying every rule in order gives."""
    checked = 0
    for path in sorted(p for p in data.fail2ban_logs().rglob("*") if p.is_file()):
        for line in raw_lines(str(path.relative_to(data.fail2ban_logs()))):
            low = line.lower()
            scan = [r for r in RULES if r.key in low and (not r.pattern or r.pattern.search(low))]
            indexed = [r for r in candidates(words(low)) if r.key in low]
            indexed = [r for r in indexed if not r.pattern or r.pattern.search(low)]
            assert indexed == scan, line
            checked += bool(scan)
    assert checked > 900


def test_category_follows_the_program_that_logs() -> None:
    named = "Jul 24 14:16:55 ns named[1]: client 1.2.3.4#53: query 'x.com/A/IN' denied\n"
    apache = "[Sat Jun 01 02:17:42 2013] [error] [client 1.2.3.4] client denied by server "
    apache += "configuration: /x\n"
    mail = "Jul 24 14:16:55 mx postfix/smtpd[1]: warning: x[1.2.3.4]: SASL PLAIN authentication"
    mail += " failed: x\n"
    got = [
        (r.fields["event_category"], r.fields["event_action"])
        for r in text_records(named + apache + mail)
    ]
    assert got == [
        ("network", "access denied"), ("web", "access denied"), ("authentication", "login")
    ]  # fmt: skip


def test_service_starts_are_only_read_from_service_managers() -> None:
    systemd = "Jul 24 14:16:55 box systemd[1]: Started Session 4 of user root.\n"
    rails = 'Jul 24 14:16:56 box rails[77]: Started GET "/" for 10.0.0.1 at 2024-07-24\n'
    first, second = text_records(systemd + rails)
    assert (first.fields["event_category"], first.fields["event_action"]) == ("process", "start")
    assert second.fields["event_action"] is None


def test_structured_web_entries_are_read_by_status() -> None:
    rows = [{"time": "2024-05-01T12:00:00Z", "method": "GET", "path": "/x", "status": s}
            for s in (200, 404, 429, 503)]  # fmt: skip
    records = text_records("".join(json.dumps(r) + "\n" for r in rows))
    assert [(r.fields["event_action"], r.fields["http_status_class"]) for r in records] == [
        ("request", "2xx"), ("file not found", "4xx"), ("rate limited", "4xx"),
        ("request", "5xx"),
    ]  # fmt: skip


def test_event_columns_follow_message_in_every_log_table() -> None:
    for name in ("sshd", "apache-badbots", "grafana", "sshd-journal"):
        records = records_of(name)
        names = list(records[0].fields)
        start = names.index("message") + 1
        assert names[start : start + len(EVENT_FIELDS)] == list(EVENT_FIELDS)
    (record,) = text_records("Feb 25 14:34:10 belka sshd[1]: Accepted password for bob from x\n")
    assert "event_action: login" in record.text and "event_outcome: success" in record.text
    assert "auth_method: password" in record.text and "http_status_class" not in record.text


# --- end to end -----------------------------------------------------------------------------


def test_ingested_log_table_counts_events_in_sql(tmp_path: Path) -> None:
    ws = Workspace(load_settings(home=str(tmp_path / "ws")))
    try:
        ingest(ws.catalog, str(fixture("sshd")), tmp_path / "ws")
        (info,) = ws.tables()
        assert {c.name for c in info.columns} >= set(EVENT_FIELDS)
        with ws.catalog.connect() as conn:
            rows = conn.execute(
                sa.text(
                    f'SELECT event_outcome, COUNT(*) FROM "{info.sql_name}" '
                    "WHERE event_action = 'login' GROUP BY event_outcome"
                )
            ).all()
            total = conn.execute(sa.text(f'SELECT COUNT(*) FROM "{info.sql_name}"')).scalar()
            unknown = conn.execute(
                sa.text(f'SELECT COUNT(*) FROM "{info.sql_name}" WHERE event_action IS NULL')
            ).scalar()
    finally:
        ws.close()
    by_outcome = dict(rows)
    assert by_outcome["success"] == count_raw("sshd", r"Accepted \w+ for ")
    failed = count_raw("sshd", r"Failed \S+ for |[Aa]uthentication (?:failure|error)(?!s)")
    assert by_outcome["failure"] == failed
    assert total == len(records_of("sshd")) and 0 < unknown < total
