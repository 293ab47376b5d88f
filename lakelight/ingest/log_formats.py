"""Log line formats: timestamp recognition, one parser per format family, and the generic
extraction of level, ip and user from a message.

A parser takes one physical line (no newline) and returns ``(format, fields, attrs)`` or None.
``fields`` holds standard field values (names in STANDARD_FIELDS); ``attrs`` the other keys of
a JSON or logfmt entry. Formats: ``syslog`` (RFC 3164 and its variants), ``rfc5424``,
``access_log``, ``nginx_error``, ``json``, ``logfmt``, ``timestamped`` (a leading timestamp,
optional level, message) and ``raw`` (nothing recognised: the whole line is the message).

Timestamps become ISO 8601 strings; an offset or zone is kept when the log states one, local
time is never converted. Syslog-style timestamps carry no year: they get YEARLESS_YEAR.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

# Year given to timestamps that have none (classic syslog "Feb 25 14:34:10"): a leap year, so
# Feb 29 exists, valid in Python, SQL databases and pandas, and far from any real log's year.
YEARLESS_YEAR = 1904

STANDARD_FIELDS = (
    "timestamp", "host", "program", "pid", "level", "ip", "user", "method", "path",
    "protocol", "status", "bytes", "referrer", "user_agent", "message",
)  # fmt: skip
INTEGER_FIELDS = frozenset({"pid", "status", "bytes"})

Parsed = tuple[str, dict[str, Any], dict[str, Any] | None]

# --- timestamps ---------------------------------------------------------------------------

_TZ = r"(?:Z|[+-]\d\d(?::?\d\d)?|UTC|GMT)(?!\w)"
_FRAC = r"(?:[.,](?P<{0}>\d{{1,9}}))?"
_TS = re.compile(
    # 2024-01-31T12:00:00.123+01:00, 2012/04/09 11:53:29, 2011.11.21 14:29:16, 2014:07:02-00:17:45
    r"(?P<iso>(?P<Y>\d{4})[-/.:](?P<m>\d\d)[-/.:](?P<d>\d\d)(?P<T>[T ]|-(?=\d)|\s+)"
    r"(?P<H>\d\d?):(?P<M>\d\d):(?P<S>\d\d)" + _FRAC.format("f") + rf"(?:\s?(?P<z>{_TZ}))?)"
    # Feb  5 14:34:10, Sat Jun 01 02:17:42 2013, apr 15, 2013 8:34:08 PM, [PDT Apr 16 21:05:29]
    r"|(?P<mon>(?:(?P<ptz>UTC|GMT|[A-Z]{1,3}[SD]?T)\s+)?(?P<dow>(?i:mon|tue|wed|thu|fri|sat|sun)"
    r"[a-z]*,?\s+)?(?P<b>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))(?i:[a-z]*)\.?"
    r"[\s-]+(?P<bd>\d\d?)(?:,?[\s-]+(?P<by>(?:19|20)\d\d|\d\d(?=\s)))?\s+(?P<bH>\d\d?):(?P<bM>\d\d)"
    r":(?P<bS>\d\d)" + _FRAC.format("bf") + r"(?:\s?(?P<bap>[AaPp][Mm])(?!\w))?"
    r"(?:(?:\s+(?P<btz>[A-Z]{3,4}))?\s+(?P<by2>(?:19|20)\d\d)(?![\w:]))?)"
    # 05/Mar/2007:14:39:21 +0100, 22-Jan-2013 22:28:21, 02/sept./2015:00:11:31
    r"|(?P<dmy>(?P<nd>\d\d?)[/\- ](?P<nb>[^\W\d_]{3,5})\.?[/\- ](?P<ny>\d{4})[: ](?P<nH>\d\d?)"
    r":(?P<nM>\d\d):(?P<nS>\d\d)" + _FRAC.format("nf") + rf"(?:\s?(?P<nz>{_TZ}))?)"
    # 11-06-2013 02:09:40 +0300 (day first), 06/27/2014 17:51:19 (month first), 08-03 07:56:53
    r"|(?P<num>(?P<a1>\d\d?)(?P<sp>[-/.])(?P<a2>\d\d?)(?:(?P=sp)(?P<a3>\d{4}|\d\d))?(?:\s+-\s+|\s+|:)"
    r"(?P<cH>\d\d?):(?P<cM>\d\d):(?P<cS>\d\d)"
    + _FRAC.format("cf")
    + rf"(?:\s?(?P<cap>[AaPp][Mm])(?!\w))?(?:\s?(?P<cz>{_TZ}))?)"
    # mysql 130324  0:04:00
    r"|(?P<my>(?P<yy>\d\d)(?P<ymo>[01]\d)(?P<ydd>[0-3]\d)\s+(?P<yH>\d\d?):(?P<yM>\d\d):(?P<yS>\d\d))"
    # glog I0101 12:00:00.123456
    r"|(?P<glog>(?P<glv>[IWEF])(?P<gmo>[01]\d)(?P<gdd>[0-3]\d) (?P<gH>\d\d):(?P<gM>\d\d)"
    r":(?P<gS>\d\d)\.(?P<gf>\d{6}))"
    # epoch seconds or milliseconds (2001-2065)
    r"|(?P<epoch>(?P<es>[1-3]\d{9}(?:\d{3})?)(?:\.(?P<ef>\d{1,9}))?(?![\d.]))"
    # daemontools TAI64N label
    r"|(?P<tai64>@(?P<tai>4000000[0-9a-f]{9})(?P<tain>[0-9a-f]{8})?(?:[0-9a-f]{8})?(?![0-9a-f]))"
)
# What may precede a timestamp: a syslog PRI, a short level (<W>, INFO, [WARN], Erlang's
# =INFO REPORT====), a bracket.
_PREFIX = re.compile(
    r"(?:<(?P<pri>\d{1,3})>|<(?P<alv>[A-Za-z]{1,9})>|(?P<plv>[A-Z]{4,8})\s+"
    r"|=(?P<elv>[A-Z]+) REPORT=+\s|\[(?P<blv>[A-Za-z]{1,9})\]\s*)?(?P<open>\[)?"
)
_PREFIX_FIRST = frozenset("<[=")
_TS_END = frozenset(" \t:|)]")

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # common abbreviations in other locales (Apache and Java logs follow the system locale)
    "fév": 2, "fev": 2, "mär": 3, "avr": 4, "abr": 4, "mai": 5, "mag": 5, "juin": 6, "giu": 6,
    "juil": 7, "lug": 7, "aoû": 8, "aou": 8, "ago": 8, "set": 9, "okt": 10, "ott": 10,
    "déc": 12, "dez": 12, "dic": 12, "ene": 1, "gen": 1,
}  # fmt: skip
_ZONES = {
    "Z": "Z", "UTC": "Z", "GMT": "Z", "UT": "Z", "EST": "-05:00", "EDT": "-04:00",
    "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00", "MDT": "-06:00", "PST": "-08:00",
    "PDT": "-07:00", "CET": "+01:00", "CEST": "+02:00", "EET": "+02:00", "EEST": "+03:00",
    "JST": "+09:00",
}  # fmt: skip
_MDAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TAI64_EPOCH = 2**62 + 10  # label of 1970-01-01T00:00:00Z, as daemontools' tai64nlocal reads it


def _month(name: str) -> int | None:
    key = name.lower().rstrip(".")
    return _MONTHS.get(key[:4]) or _MONTHS.get(key[:3])


def _zone(tz: str | None) -> str:
    if not tz:
        return ""
    tz = tz.strip()
    if tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        return f"{tz[0]}{digits[:2]}:{digits[2:4] or '00'}"
    return _ZONES.get(tz.upper(), "")


@lru_cache(maxsize=4096)
def _date(y: int, mo: int, d: int) -> str | None:
    """'YYYY-MM-DD', or None when there is no such day. Cached: a log repeats its dates."""
    if not (1 <= mo <= 12 and 1 <= d <= _MDAYS[mo] and y > 0):
        return None
    if mo == 2 and d == 29 and (y % 4 or (y % 100 == 0 and y % 400)):
        return None
    return "%04d-%02d-%02d" % (y, mo, d)  # noqa: UP031


def _iso(date: str | None, h: str, mi: str, s: str, frac: str | None, tz: str) -> str | None:
    """ISO text from a checked date and the time's digits as written (hour maybe one digit)."""
    if date is None:
        return None
    if len(h) == 1:
        h = "0" + h
    if h > "24" or mi > "59" or s > "60":
        return None
    return f"{date}T{h}:{mi}:{s}.{frac}{tz}" if frac else f"{date}T{h}:{mi}:{s}{tz}"


def _epoch(seconds: int, frac: str | None = None) -> str | None:
    if not 0 <= seconds < 32503680000:  # up to year 3000
        return None
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{stamp}.{frac}Z" if frac else stamp + "Z"


def _hour12(hour: str, ampm: str | None) -> str:
    if not ampm:
        return hour
    return str(int(hour) % 12 + (12 if ampm.lower() == "pm" else 0))


_GROUPS = {
    "iso": ("Y", "m", "d", "H", "M", "S", "f", "z"),
    "mon": ("by", "by2", "b", "bd", "bH", "bM", "bS", "bf", "bap", "btz", "ptz"),
    "dmy": ("ny", "nb", "nd", "nH", "nM", "nS", "nf", "nz"),
    "num": ("a1", "a2", "a3", "sp", "cH", "cM", "cS", "cf", "cap", "cz"),
    "my": ("yy", "ymo", "ydd", "yH", "yM", "yS"),
    "glog": ("gmo", "gdd", "gH", "gM", "gS", "gf"),
    "epoch": ("es", "ef"),
    "tai64": ("tai", "tain"),
}
# group numbers instead of names: one m.group(*numbers) call is much faster than one per name
_GROUP_NUMBERS = {kind: tuple(_TS.groupindex[n] for n in names) for kind, names in _GROUPS.items()}


def _ts_iso(m: re.Match[str]) -> str | None:
    """ISO 8601 text of a _TS match, None when its parts are not a real date."""
    kind = m.lastgroup
    if kind is None:
        return None
    parts = m.group(*_GROUP_NUMBERS[kind])
    if kind == "iso":
        y, mo, d, h, mi, s, frac, tz = parts
        return _iso(_date(int(y), int(mo), int(d)), h, mi, s, frac, _zone(tz))
    if kind == "mon":
        year, year2, month, d, h, mi, s, frac, ampm, tz, tz2 = parts
        year = year or year2
        y = (int(year) + (2000 if len(year) == 2 else 0)) if year else YEARLESS_YEAR
        date = _date(y, _MONTHS[month.lower()], int(d))
        return _iso(date, _hour12(h, ampm), mi, s, frac, _zone(tz or tz2))
    if kind == "dmy":
        y, month, d, h, mi, s, frac, tz = parts
        mo = _month(month)
        return _iso(_date(int(y), mo, int(d)), h, mi, s, frac, _zone(tz)) if mo else None
    if kind == "num":
        a1, a2, year, sep, h, mi, s, frac, ampm, tz = parts
        a, b = int(a1), int(a2)
        y = int(year) if year else YEARLESS_YEAR
        y += 2000 if y < 70 else 1900 if y < 100 else 0
        # a is the day: slashes and year-less dates read month first (US, ISO order) unless
        # impossible; dashes and dots read day first
        if ((sep == "/" or not year) and a <= 12) or b > 12:
            a, b = b, a
        return _iso(_date(y, b, a), _hour12(h, ampm), mi, s, frac, _zone(tz))
    if kind == "my":
        yy, mo, d, h, mi, s = parts
        return _iso(_date(2000 + int(yy), int(mo), int(d)), h, mi, s, None, "")
    if kind == "glog":
        mo, d, h, mi, s, frac = parts
        return _iso(_date(YEARLESS_YEAR, int(mo), int(d)), h, mi, s, frac, "")
    if kind == "epoch":
        digits, frac = parts
        if len(digits) == 13:
            return _epoch(int(digits[:10]), digits[10:])
        return _epoch(int(digits), frac)
    label, nanos = parts  # tai64
    return _epoch(int(label, 16) - _TAI64_EPOCH, f"{int(nanos, 16):09d}" if nanos else None)


def parse_timestamp(value: Any) -> str | None:
    """ISO 8601 text of a whole value that is a timestamp (text in any known format, or epoch
    seconds, milliseconds, microseconds or nanoseconds as a number); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        for scale in (1, 1_000, 1_000_000, 1_000_000_000):
            seconds = value / scale
            if seconds < 4102444800:  # before 2100: this scale fits
                frac = f"{seconds % 1:.6f}"[2:].rstrip("0") if seconds % 1 else None
                return _epoch(int(seconds), frac) if seconds > 0 else None
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _TS.match(text)
    if m is None or m.end() != len(text):
        return None
    return _ts_iso(m)


# --- levels ---------------------------------------------------------------------------------

_LEVEL_WORDS = {
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
_LEVEL_LETTERS = {"t": "trace", "d": "debug", "i": "info", "n": "notice", "w": "warning",
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
        return _LEVEL_LETTERS.get(word) if letters else None
    if word.startswith("log") and word[3:].isdigit():  # stunnel's LOG3
        return normalize_level(int(word[3:]))
    return _LEVEL_WORDS.get(word)


# A level leading a message: [error], [core:info], <W>, ERROR, Warning:, NOTICE[1638], WARN (4):
_LEVEL_HEAD = re.compile(
    r"(?:\[(?:[\w-]*:)?(?P<a>[A-Za-z]+\d?)\]|<(?P<b>[A-Za-z]+)>|(?P<c>[A-Za-z]+\d?)"
    r"(?:\[(?P<pid>\d+)[\d:]*\]|\s\(\d+\))?(?P<colon>\s*:)?)(?=\s|$|\[)\s*"
)
# A level a little further in: a level word, whole, that is bracketed ([SMTP Error], [Note],
# [ID 1 auth.info]), upper case (... NOTICE [x] ...) or followed by ": " (error: ...) unless it
# is also a plain word ("fine: ...").
# Literal alternatives let the regex engine skip quickly to candidate positions.
_LEVEL_TOKEN = re.compile("|".join(sorted(_LEVEL_WORDS, key=len, reverse=True)) + "|log[0-7]")
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
_REQUEST = re.compile(r"(?P<method>[A-Z][A-Z_-]*) (?P<path>\S+)(?: (?P<protocol>[A-Z]+/[\d.]+))?")


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
        if key == "request" and isinstance(value, str) and (m := _REQUEST.fullmatch(value)):
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


def _severity(tag: str | None) -> str | None:
    """Level from a syslog PRI number ('13') or facility.severity tag ('auth.info', '4.3')."""
    if not tag:
        return None
    if tag.isdigit():
        return _SYSLOG_SEVERITY[int(tag) % 8]
    return normalize_level(tag.rsplit(".", 1)[-1])


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
        m = _TS.match(line, p.end())
        if m is not None:
            pri, alv, plv, elv, blv, opened = p.groups()
            lead = alv or blv or plv or elv
        elif p.end():  # what looked like a prefix may start the timestamp itself
            m = _TS.match(line)
    else:
        m = _TS.match(line)
    if m is None:
        return None
    end = m.end()
    if opened:
        if not line.startswith("]", end):
            return None
        end += 1
    elif end < len(line) and line[end] not in _TS_END:
        return None
    iso = _ts_iso(m)
    if iso is None:
        return None
    fields: dict[str, Any] = {"timestamp": iso}
    kind = m.lastgroup
    if lead:
        fields["level"] = normalize_level(lead, letters=True)
        if fields["level"] is None:
            return None
    elif kind == "glog":
        fields["level"] = _LEVEL_LETTERS[m.group("glv").lower()]
    h = _SYSLOG_HEAD.match(line, end)
    if h is not None:
        facility, host, prog, pid = h.groups()
        # "host prog:" without a [pid] is only trusted after a syslog-style timestamp; after
        # others it too often is plain text ("2024-01-01 12:00:00 Connection closed: ...").
        if (pid or pri or _syslog_style(m)) and prog.lower() not in _LEVEL_WORDS:
            fields["host"] = host
            fields["program"] = prog
            fields["message"] = line[h.end() :]
            if pid:
                fields["pid"] = int(pid)
            if "level" not in fields:
                fields["level"] = _severity(facility or pri)
            return "syslog", fields, None
    n = _NGINX_ERROR.match(line, end)
    if n is not None:
        msg = line[n.end() :]
        fields.update(level=normalize_level(n.group("lv")), pid=int(n.group("pid")), message=msg)
        if c := _NGINX_CLIENT.search(msg):
            fields["ip"] = c.group(1)
        if (r := _NGINX_REQUEST.search(msg)) and (req := _REQUEST.fullmatch(r.group(1))):
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
        fields["level"] = _severity(pri)
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
    if r := _REQUEST.fullmatch(req):
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
        fields["timestamp"] = _epoch(int(audit.group(1)), audit.group(2))
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
        "level": _severity(m.group("pri")),
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
