"""Log line formats: one parser per format family, and LineParser, which tries them in turn.

A parser takes one physical line (no newline) and returns ``(format, fields, attrs)`` or None.
``fields`` holds standard field values (names in ``log_fields.STANDARD_FIELDS``); ``attrs`` the
other keys of a JSON or logfmt entry. Formats: ``syslog`` (RFC 3164 and its variants),
``rfc5424``, ``access_log``, ``nginx_error``, ``json``, ``logfmt``, ``timestamped`` (a leading
timestamp, optional level, message) and ``raw`` (nothing recognised: the whole line is the
message). Timestamps are read by ``timestamps``; levels, ip, user and structured keys by
``log_fields``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from lakelight.ingest.log_fields import (
    LEVEL_LETTERS,
    LEVEL_WORDS,
    REQUEST,
    is_ip,
    map_structured,
    normalize_level,
    split_level,
    syslog_severity,
)
from lakelight.ingest.timestamps import TIMESTAMP, epoch_iso, parse_timestamp, timestamp_iso

Parsed = tuple[str, dict[str, Any], dict[str, Any] | None]

# What may precede a timestamp: a syslog PRI, a short level (<W>, INFO, [WARN], Erlang's
# =INFO REPORT====), a bracket.
_PREFIX = re.compile(
    r"(?:<(?P<pri>\d{1,3})>|<(?P<alv>[A-Za-z]{1,9})>|(?P<plv>[A-Z]{4,8})\s+"
    r"|=(?P<elv>[A-Z]+) REPORT=+\s|\[(?P<blv>[A-Za-z]{1,9})\]\s*)?(?P<open>\[)?"
)
_PREFIX_FIRST = frozenset("<[=")
_TS_END = frozenset(" \t:|)]")


def _flatten(obj: dict[str, Any], out: dict[str, Any], prefix: str = "", depth: int = 0) -> None:
    for key, value in obj.items():
        if isinstance(value, dict) and value and depth < 3:
            _flatten(value, out, f"{prefix}{key}.", depth + 1)
        else:
            out[f"{prefix}{key}"] = value


# --- parsers ----------------------------------------------------------------------------------

# The body of a double-quoted string with backslash escapes, as an "unrolled loop": several
# times faster in Python's regex engine than (?:[^"\\]|\\.)*, which branches at every character.
_QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'

_SYSLOG_HEAD = re.compile(
    r"\s+(?:<(?P<fs>[\w.]+)>\s+)?(?:(?P<host>\w[\w.\-]*)\s+)?"
    r"(?P<prog>[A-Za-z_][\w.\-/]*(?:\([\w.\-/:]*\))?)(?:\s?\[(?P<pid>\d+)\]:?|:)(?:\s+|$)"
)
_NGINX_ERROR = re.compile(r"\s+\[(?P<lv>[a-z]+)\] (?P<pid>\d+)#\d+: ")
_NGINX_CLIENT = re.compile(r", client: ([^,\s]+)")
_NGINX_REQUEST = re.compile(r', request: "([^"]*)"')
_NGINX_REFERRER = re.compile(r', referrer: "([^"]*)"')
_SEPARATOR = re.compile(r"(?:\s*[:|]|\s+-(?=\s))?\s*")
_PID_SCAN = re.compile(r"\[pid (\d+)|\bpid=(\d+)")


def _syslog_style(m: re.Match[str]) -> bool:
    """Timestamps syslog daemons write: 'Feb  5 14:34:10', RFC 3339 with offset, TAI64N."""
    kind = m.lastgroup
    if kind == "mon":
        return m.group("dow") is None and m.group("by2") is None
    return kind == "tai64" or (kind == "iso" and m.group("T") == "T" and m.group("z") is not None)


def parse_timestamped(line: str) -> Parsed | None:
    """Lines led by a timestamp: syslog (RFC 3164 and variants), nginx error, or generic."""
    pri = lead = opened = None
    if line[:1] in _PREFIX_FIRST or line[:2].isupper():
        p = _PREFIX.match(line)
        assert p is not None  # every part of the prefix is optional
        m = TIMESTAMP.match(line, p.end())
        if m is not None:
            pri, alv, plv, elv, blv, opened = p.groups()
            lead = alv or blv or plv or elv
        elif p.end():  # what looked like a prefix may start the timestamp itself
            m = TIMESTAMP.match(line)
    else:
        m = TIMESTAMP.match(line)
    if m is None:
        return None
    end = m.end()
    if opened:
        if not line.startswith("]", end):
            return None
        end += 1
    elif end < len(line) and line[end] not in _TS_END:
        return None
    iso = timestamp_iso(m)
    if iso is None:
        return None
    fields: dict[str, Any] = {"timestamp": iso}
    kind = m.lastgroup
    if lead:
        fields["level"] = normalize_level(lead, letters=True)
        if fields["level"] is None:
            return None
    elif kind == "glog":
        fields["level"] = LEVEL_LETTERS[m.group("glv").lower()]
    h = _SYSLOG_HEAD.match(line, end)
    if h is not None:
        facility, host, prog, pid = h.groups()
        # "host prog:" without a [pid] is only trusted after a syslog-style timestamp; after
        # others it too often is plain text ("2024-01-01 12:00:00 Connection closed: ...").
        if (pid or pri or _syslog_style(m)) and prog.lower() not in LEVEL_WORDS:
            fields["host"] = host
            fields["program"] = prog
            fields["message"] = line[h.end() :]
            if pid:
                fields["pid"] = int(pid)
            if "level" not in fields:
                fields["level"] = syslog_severity(facility or pri)
            return "syslog", fields, None
    n = _NGINX_ERROR.match(line, end)
    if n is not None:
        msg = line[n.end() :]
        fields.update(level=normalize_level(n.group("lv")), pid=int(n.group("pid")), message=msg)
        if c := _NGINX_CLIENT.search(msg):
            fields["ip"] = c.group(1)
        if (r := _NGINX_REQUEST.search(msg)) and (req := REQUEST.fullmatch(r.group(1))):
            fields.update((k, v) for k, v in req.groupdict().items() if v)
        if r := _NGINX_REFERRER.search(msg):
            fields["referrer"] = r.group(1)
        return "nginx_error", fields, None
    rest = line[_SEPARATOR.match(line, end).end() :]  # type: ignore[union-attr]
    level, pid, msg = split_level(rest)
    if level is not None and "level" not in fields:
        fields["level"] = level
        rest = msg
    if pri and "level" not in fields:
        fields["level"] = syslog_severity(pri)
    if pid is None and (ps := _PID_SCAN.search(rest, 0, 80)):
        pid = ps.group(1) or ps.group(2)
    if pid is not None:
        fields["pid"] = int(pid)
    # a header line with nothing but punctuation after its timestamp: its message follows
    fields["message"] = rest if rest.strip("=-*#:|[]() ") else ""
    return "timestamped", fields, None


_ACCESS = re.compile(
    r"(?P<remote>\S+)\s+\S+\s+(?P<user>\S+)(?:\s+\S+)?\s+\[(?P<ts>[^\]]{10,40})\]"
    rf"(?:\s+[^\s\"]+)?\s+\"(?P<req>{_QUOTED})\"\s+(?P<status>\d{{3}}|-)"
    r"(?:\s+(?P<bytes>\d+|-)(?=\s|$))?"
    rf"(?:\s+\"(?P<ref>{_QUOTED})\"\s+\"(?P<ua>{_QUOTED})\")?"
)


def parse_access(line: str) -> Parsed | None:
    """Apache/nginx common and combined logs, with any trailing fields (vhost, traefik, timing).
    The message is the whole line: every part of it is also in its own field."""
    if '"' not in line or " [" not in line:
        return None
    m = _ACCESS.match(line)
    if m is None:
        return None
    remote, user, req, status, size, ref, ua = m.group(
        "remote", "user", "req", "status", "bytes", "ref", "ua"
    )
    fields: dict[str, Any] = {"timestamp": parse_timestamp(m.group("ts")), "message": line}
    if is_ip(remote):
        fields["ip"] = remote
    if user != "-":
        fields["user"] = user
    if r := REQUEST.fullmatch(req):
        fields.update((k, v) for k, v in r.groupdict().items() if v)
    if status != "-":
        fields["status"] = int(status)
    if size and size != "-":
        fields["bytes"] = int(size)
    if ref and ref != "-":
        fields["referrer"] = ref
    if ua and ua != "-":
        fields["user_agent"] = ua
    return "access_log", fields, None


def parse_json(line: str) -> Parsed | None:
    """A JSON object per line; nested objects are flattened to dotted keys."""
    if not line.startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    flat: dict[str, Any] = {}
    _flatten(obj, flat)
    fields, attrs = map_structured(flat)
    return "json", fields, attrs


_AUDIT = re.compile(
    r"\baudit\((\d{10})(?:\.(\d+))?:\d+\)"
)  # Linux audit: msg=audit(1373330716.415:4063)
_LOGFMT_KEY = re.compile(r"[A-Za-z_@][\w.@/-]*=")
# a key starts where a word starts: without the lookbehind a long run of word characters
# would be rescanned from each of its positions (quadratic time on hostile input)
_LOGFMT_PAIR = re.compile(rf"(?<![\w.@/-])([A-Za-z_@][\w.@/-]*+)=(\"{_QUOTED}\"|'[^']*'|[^\s\"']*)")


def parse_logfmt(line: str) -> Parsed | None:
    """key=value pairs (logfmt, audit logs). When text outside the pairs or a repeated key
    would be lost, the message is the whole line."""
    if not _LOGFMT_KEY.match(line):
        return None
    pairs: dict[str, Any] = {}
    strict, pos = True, 0
    for m in _LOGFMT_PAIR.finditer(line):
        key, value = m.groups()
        if not strict or line[pos : m.start()].strip() or key in pairs:
            strict = False
        pos = m.end()
        if value[:1] == '"':
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        elif value[:1] == "'":
            value = value[1:-1]
        pairs.setdefault(key, value)
    if len(pairs) < 2:
        return None
    fields, attrs = map_structured(pairs)
    if "timestamp" not in fields and (audit := _AUDIT.search(line, 0, 120)):
        fields["timestamp"] = epoch_iso(int(audit.group(1)), audit.group(2))
    if not strict or line[pos:].strip() or "message" not in fields:
        fields["message"] = line
    return "logfmt", fields, attrs


_RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>\d{1,2} (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    rf"(?P<msgid>\S+) (?P<sd>-|(?:\[[^\]\"\\]*(?:(?:\\.|\"{_QUOTED}\")[^\]\"\\]*)*\])+)"
    r"(?: (?P<msg>.*))?"
)


def parse_rfc5424(line: str) -> Parsed | None:
    if not line.startswith("<"):
        return None
    m = _RFC5424.fullmatch(line)
    if m is None:
        return None
    ts, host, app, procid, msgid, sd, msg = m.group(
        "ts", "host", "app", "procid", "msgid", "sd", "msg"
    )
    fields: dict[str, Any] = {
        "level": syslog_severity(m.group("pri")),
        "message": (msg or "").lstrip("\ufeff"),
    }
    if ts != "-":
        fields["timestamp"] = parse_timestamp(ts)
    if host != "-":
        fields["host"] = host
    if app != "-":
        fields["program"] = app
    if procid.isdigit():
        fields["pid"] = int(procid)
    attrs = {k: v for k, v in (("msgid", msgid), ("structured_data", sd)) if v != "-"}
    return "rfc5424", fields, attrs or None


_SYSLOG_NO_TS = re.compile(
    r"(?:(?P<host>\w[\w.\-]*)\s+)?(?P<prog>[A-Za-z_][\w.\-/]*(?:\([\w.\-/:]*\))?)\[(?P<pid>\d+)\]:\s"
)


def parse_syslog_no_timestamp(line: str) -> Parsed | None:
    """'host prog[pid]: msg' as printed by journalctl without time; the message's own leading
    timestamp, if any, becomes the entry's."""
    m = _SYSLOG_NO_TS.match(line)
    if m is None:
        return None
    fields: dict[str, Any] = {"host": m.group("host"), "program": m.group("prog")}
    fields["pid"] = int(m.group("pid"))
    msg = line[m.end() :]
    inner = parse_timestamped(msg)
    if inner is not None and inner[0] == "timestamped":
        fields.update(inner[1])
    else:
        fields["message"] = msg
    return "syslog", fields, None


PARSERS: tuple[Callable[[str], Parsed | None], ...] = (
    parse_timestamped,
    parse_access,
    parse_json,
    parse_logfmt,
    parse_rfc5424,
    parse_syslog_no_timestamp,
)


class LineParser:
    """Parses lines with the known formats, trying the format of the previous line first.
    The formats are disjoint enough that the order only changes speed, not results."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def parse(self, line: str) -> Parsed:
        first = PARSERS[self._last]
        parsed = first(line)
        if parsed is not None:
            return parsed
        for i, parser in enumerate(PARSERS):
            if parser is not first and (parsed := parser(line)) is not None:
                self._last = i
                return parsed
        return "raw", {"message": line}, None
