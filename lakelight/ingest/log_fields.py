"""Standard fields of log entries and how they are found: level names normalised, the ip and
user a message is about, and the keys of structured (JSON, logfmt) entries mapped to standard
fields."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any

from lakelight.ingest.timestamps import parse_timestamp

STANDARD_FIELDS = (
    "timestamp", "host", "program", "pid", "level", "ip", "user", "method", "path",
    "protocol", "status", "bytes", "referrer", "user_agent", "message",
)  # fmt: skip
INTEGER_FIELDS = frozenset({"pid", "status", "bytes"})

# --- levels ---------------------------------------------------------------------------------

LEVEL_WORDS = {
    "trace": "trace", "trc": "trace", "verbose": "trace", "vrb": "trace", "finest": "trace",
    "finer": "trace", "debug": "debug", "dbg": "debug", "dbug": "debug", "fine": "debug",
    "info": "info", "inf": "info", "information": "info", "informational": "info",
    "config": "info", "notice": "notice", "ntc": "notice", "note": "notice", "warn": "warning",
    "wrn": "warning", "warning": "warning", "error": "error", "err": "error", "eror": "error",
    "erro": "error",
    "severe": "error", "crit": "critical", "critical": "critical", "crt": "critical",
    "alert": "alert", "emerg": "emergency", "emergency": "emergency", "panic": "emergency",
    "fatal": "fatal", "ftl": "fatal",
}  # fmt: skip
LEVEL_LETTERS = {"t": "trace", "d": "debug", "i": "info", "n": "notice", "w": "warning",
                 "e": "error", "c": "critical", "f": "fatal", "v": "trace"}  # fmt: skip
_SYSLOG_SEVERITY = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
# pino / bunyan numeric levels
_NUMERIC_LEVELS = {10: "trace", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "fatal"}


def normalize_level(value: Any, *, letters: bool = False) -> str | None:
    """Canonical level name (trace, debug, info, notice, warning, error, critical, alert,
    emergency, fatal) of a level word, syslog severity number or pino number; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if 0 <= value <= 7:
            return _SYSLOG_SEVERITY[value]
        return _NUMERIC_LEVELS.get(value)
    if not isinstance(value, str) or len(value) > 16:
        return None
    word = value.strip().lower()
    if word.isdigit():
        return normalize_level(int(word))
    if len(word) == 1:
        return LEVEL_LETTERS.get(word) if letters else None
    if word.startswith("log") and word[3:].isdigit():  # stunnel's LOG3
        return normalize_level(int(word[3:]))
    return LEVEL_WORDS.get(word)


def syslog_severity(tag: str | None) -> str | None:
    """Level from a syslog PRI number ('13') or facility.severity tag ('auth.info', '4.3')."""
    if not tag:
        return None
    if tag.isdigit():
        return _SYSLOG_SEVERITY[int(tag) % 8]
    return normalize_level(tag.rsplit(".", 1)[-1])


# A level leading a message: [error], [core:info], <W>, ERROR, Warning:, NOTICE[1638], WARN (4):
_LEVEL_HEAD = re.compile(
    r"(?:\[(?:[\w-]*:)?(?P<a>[A-Za-z]+\d?)\]|<(?P<b>[A-Za-z]+)>|(?P<c>[A-Za-z]+\d?)"
    r"(?:\[(?P<pid>\d+)[\d:]*\]|\s\(\d+\))?(?P<colon>\s*:)?)(?=\s|$|\[)\s*"
)
# A level a little further in: a level word, whole, that is bracketed ([SMTP Error], [Note],
# [ID 1 auth.info]), upper case (... NOTICE [x] ...) or followed by ": " (error: ...) unless it
# is also a plain word ("fine: ...").
# Literal alternatives let the regex engine skip quickly to candidate positions.
_LEVEL_TOKEN = re.compile("|".join(sorted(LEVEL_WORDS, key=len, reverse=True)) + "|log[0-7]")
_PLAIN_WORDS = frozenset({"fine", "finer", "finest", "config", "note", "inf"})
_LEVEL_SCAN_CHARS = 60
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def split_level(message: str) -> tuple[str | None, int | None, str]:
    """(level, pid, rest) when the message starts with a level token; else (None, None, message)."""
    m = _LEVEL_HEAD.match(message)
    if m is None:
        return None, None, message
    word = m.group("a") or m.group("b")
    if word is not None:
        level = normalize_level(word, letters=True)
    else:
        word = m.group("c")
        level = normalize_level(word) if (word.isupper() or m.group("colon")) else None
    if level is None:
        return None, None, message
    pid = m.group("pid")
    return level, int(pid) if pid else None, message[m.end() :]


def scan_level(message: str) -> str | None:
    """A level named near the start of a message (syslog 'error: ...', 'x: NOTICE [y] ...')."""
    head = message[:_LEVEL_SCAN_CHARS]
    low = head.lower()
    for m in _LEVEL_TOKEN.finditer(low):
        start, end = m.span()
        if (start and low[start - 1] in _WORD_CHARS) or low[end : end + 1] in _WORD_CHARS:
            continue  # part of a longer word
        after = low[end : end + 2]
        word = head[start:end]
        if (
            after[:1] == "]"
            or (word.isupper() and len(word) >= 3)
            or (after in (":", ": ") and low[start:end] not in _PLAIN_WORDS)
        ):
            return normalize_level(word)
    return None


# --- ip and user ----------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|[01]?\d?\d)"
_IPV4_VALID = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
# Candidates start with a digit or hex digit and nothing else, which keeps the scan fast; what
# may not precede an address is checked in code.
_IPV4 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)")
_IPV6 = re.compile(
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![0-9A-Fa-f])"
)
_IP_EDGE = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.:")
_IP_KEYWORD = re.compile(
    r"(?i:from|client|rhost|rip|ip|addr|address|host|src|source|remote|peer|relay|attacker)"
    r"[\s=:\[(<'\"]{1,3}$"
)
_IP_SCAN_CHARS = 2000


def _valid_v6(text: str) -> str | None:
    if "::" not in text and text.count(":") != 7:
        return None
    for candidate in (text, text.rsplit(":", 1)[0]):  # the last group may be a port
        try:
            addr = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        if candidate.strip(":"):
            mapped = addr.ipv4_mapped
            return str(mapped) if mapped else candidate
    return None


def is_ip(text: str) -> bool:
    if _IPV4_VALID.fullmatch(text):
        return True
    return ":" in text and _valid_v6(text) == text


def find_ip(text: str) -> str | None:
    """The IPv4/IPv6 address a message is about: the first one after a word like 'from',
    'client' or 'rhost=', else the first one. IPv4-mapped IPv6 addresses are unwrapped."""
    head = text[:_IP_SCAN_CHARS]
    found: list[tuple[int, str]] = []
    for m in _IPV4.finditer(head):
        start = m.start()
        ip = m.group()
        if (not start or head[start - 1] not in _IP_EDGE) and _IPV4_VALID.fullmatch(ip):
            found.append((start, ip))
    if "::" in head or head.count(":") >= 7:
        for m in _IPV6.finditer(head):
            start = m.start()
            if (not start or head[start - 1] not in _IP_EDGE) and (ip6 := _valid_v6(m.group())):
                found.append((start, ip6))
        found.sort()
    if len(found) > 1:
        for start, ip in found:
            if _IP_KEYWORD.search(head, max(0, start - 14), start):
                return ip
    return found[0][1] if found else None


# How messages name a user. Each pattern starts at a keyword that _USER_KEY finds; matching
# lower-cased text; the value is cut from the original text.
_VALUE = r"['\"<\[]?([\w.@\\-][^\s'\"<>\[\],;:=]*+)(?!=)"
_USER_KEY = re.compile(r"user|for |login|logon|account|acct|uname|usr")
_USER_AT = re.compile(
    rf"(?:for|user(?:name)?) +(?:user +)?{_VALUE}['\">\]]? +from\b"  # for root from 1.2.3.4
    rf"|(?:user(?:[\s_-]?name)?|login|logon|account|acct|uname|usr)={_VALUE}"  # user=<x>
    rf"|(?:user(?:[\s_-]?name)?|account) *: *{_VALUE}"  # User Name: x, user: "x"
    rf"|user +{_VALUE}['\"]?:\s"  # user x: password mismatch
    rf"|user +{_VALUE}['\">\]]? +(?:not found|unknown|denied|failed|doesn't|does not|was not)"
    rf"|(?:login|logon) +(?:as|for) +{_VALUE}"  # login as x
    rf"|for user +{_VALUE}"  # for user 'root'@'1.2.3.4'
)
_USER_AFTER = re.compile(rf"user (?!from\b|for\b){_VALUE}")  # after invalid, illegal, ...
_USER_ADJECTIVES = (
    "invalid ", "illegal ", "unknown ", "nonexistent ", "non-existent ", "bad ", "authenticating ",
)  # fmt: skip
# words the patterns catch that are not names ("unknown user or password", "user not found")
_NOT_USERS = frozenset(re.split(r"\s+", """
    - ? a an the and or no not is was has from for to with by unknown invalid user name found
    authentication password login client
""".strip()))  # fmt: skip
_USER_SCAN_CHARS = 600


def find_user(text: str) -> str | None:
    """The user name a message names ('invalid user X', 'for X from', 'user=<X>',
    "for user 'X'@'host'", 'username=X', 'login as X', ...)."""
    head = text[:_USER_SCAN_CHARS]
    low = head.lower()
    if len(low) != len(head):  # rare case-folding that changes length: keep offsets aligned
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in head)
    for key in _USER_KEY.finditer(low):
        start = key.start()
        if start and (low[start - 1] in _WORD_CHARS or low[start - 1] == ":"):
            continue  # inside a longer word
        m = _USER_AT.match(low, start)
        if m is None and low.endswith(_USER_ADJECTIVES, 0, start):
            m = _USER_AFTER.match(low, start)
        if m is not None:
            user = head[slice(*m.span(m.lastindex or 0))]
            if user.lower() not in _NOT_USERS and not is_ip(user):
                return user
    return None


# --- key mapping for structured entries (JSON, logfmt) -------------------------------------

_KEY_NAMES = {
    "timestamp": "time timestamp ts t datetime eventtime timelocal logtime asctime timegenerated",
    "level": "level lvl severity loglevel levelname priority l",
    "message": "msg message m log shortmessage event",
    "host": "host hostname hostnm computername",
    "program": "program app appname application service servicename logger loggername name "
    "component syslogidentifier ident comm processname",
    "pid": "pid processid processpid",
    "ip": "ip ipaddress remoteaddr remoteip clientip clientaddr srcip sourceip peerip realip",
    "user": "user username usr uname login remoteuser acct",
    "method": "method httpmethod requestmethod verb",
    "path": "path url uri requesturi requestpath urlpath urloriginal",
    "protocol": "protocol serverprotocol httpversion proto",
    "status": "status statuscode httpstatus responsecode responsestatus",
    "bytes": "bytes bodybytessent bytessent size responsesize bytesout",
    "referrer": "referrer referer httpreferer httpreferrer",
    "user_agent": "useragent httpuseragent agent ua useragentoriginal",
}
_KEY_MAP = {alias: field for field, names in _KEY_NAMES.items() for alias in names.split()}
_NON_ALNUM = re.compile(r"[^a-z0-9]")
REQUEST = re.compile(r"(?P<method>[A-Z][A-Z_-]*) (?P<path>\S+)(?: (?P<protocol>[A-Z]+/[\d.]+))?")


@lru_cache(maxsize=4096)
def standard_name(key: str) -> str | None:
    """The standard field a structured key stands for ('@timestamp', 'remote_addr', 'log.level')."""
    return _KEY_MAP.get(_NON_ALNUM.sub("", key.lower()))


def _standard_value(name: str, value: Any, key: str) -> Any:
    """The value converted for a standard field, or None when it does not fit."""
    if name == "timestamp":
        return parse_timestamp(value)
    if name == "level":
        level = normalize_level(value)
        if level is None and isinstance(value, str) and len(value) <= 16 and "l" in key.lower():
            return value.strip().lower() or None  # an unknown word under a key named level
        return level
    if name in INTEGER_FIELDS:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return int(value) if isinstance(value, str) and value.isdigit() else None
    if isinstance(value, str):
        return value if value not in ("-", "") else None
    if name == "user" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def map_structured(pairs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a structured entry's keys into standard fields and other attributes. Nested keys
    ('http.request.method') also map by their last part when the standard field is still free."""
    fields: dict[str, Any] = {}
    attrs: dict[str, Any] = {}
    for key, value in pairs.items():
        if value is None or value == "":
            continue
        name = standard_name(key)
        if name is not None and name not in fields:
            converted = _standard_value(name, value, key)
            if converted is not None:
                fields[name] = converted
                continue
        if key == "request" and isinstance(value, str) and (m := REQUEST.fullmatch(value)):
            for part, text in m.groupdict().items():
                if text and part not in fields:
                    fields[part] = text
        attrs[key] = value
    for key in [k for k in attrs if "." in k]:
        name = standard_name(key.rsplit(".", 1)[1])
        if name is not None and name not in fields:
            converted = _standard_value(name, attrs[key], key)
            if converted is not None:
                fields[name] = converted
                del attrs[key]
    if isinstance(msg := fields.get("message"), str):
        fields["message"] = msg.rstrip("\r\n")  # docker's json-file keeps the newline
    return fields, attrs
