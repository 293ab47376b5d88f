"""Timestamps in log lines: the formats logs write them in, matched by one regex, turned into
ISO 8601 text. An offset or zone is kept when the log states one; local time is never
converted. Timestamps without a year (classic syslog) get YEARLESS_YEAR."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

# Year given to timestamps that have none (classic syslog "Feb 25 14:34:10"): a leap year, so
# Feb 29 exists, valid in Python, SQL databases and pandas, and far from any real log's year.
YEARLESS_YEAR = 1904

_TZ = r"(?:Z|[+-]\d\d(?::?\d\d)?|UTC|GMT)(?!\w)"
_FRAC = r"(?:[.,](?P<{0}>\d{{1,9}}))?"
TIMESTAMP = re.compile(
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


def epoch_iso(seconds: int, frac: str | None = None) -> str | None:
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
_GROUP_NUMBERS = {
    kind: tuple(TIMESTAMP.groupindex[n] for n in names) for kind, names in _GROUPS.items()
}


def timestamp_iso(m: re.Match[str]) -> str | None:
    """ISO 8601 text of a TIMESTAMP match, None when its parts are not a real date."""
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
            return epoch_iso(int(digits[:10]), digits[10:])
        return epoch_iso(int(digits), frac)
    label, nanos = parts  # tai64
    return epoch_iso(int(label, 16) - _TAI64_EPOCH, f"{int(nanos, 16):09d}" if nanos else None)


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
                return epoch_iso(int(seconds), frac) if seconds > 0 else None
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = TIMESTAMP.match(text)
    if m is None or m.end() != len(text):
        return None
    return timestamp_iso(m)
