"""Pattern recognizers: precompiled regexes whose matches are confirmed by a checksum, a
parser or the words around them before they become findings. Each takes the text and the
PII type its column name announces (or None) and returns findings with raw scores."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from lakelight.guard.checksums import IBAN_LENGTHS, card_issuer, iban_valid, luhn_valid, ssn_valid
from lakelight.guard.finding import Finding, SpanIndex

__all__ = ["find_phones", "has_context", "scan_patterns"]

_WINDOW = 48  # characters before a match searched for context words

_CONTEXT_WORDS: dict[str, re.Pattern[str]] = {
    t: re.compile(r"\b(?:" + words + r")\b", re.IGNORECASE)
    for t, words in {
        "PHONE_NUMBER": r"phone|tel|telephone|mobile|cell|call|fax|desk|office|contact|"
        r"whatsapp|sms|text me|reach",
        "CREDIT_CARD": r"card|credit|debit|visa|master\s?card|amex|discover|cc|pan",
        "US_SSN": r"ssn|ssns|social security|social|national id|taxpayer|tin",
        "IBAN_CODE": r"iban|account|transfer|bank|wire",
        "DATE_OF_BIRTH": r"born|birth|birthday|dob|d\.o\.b|date of birth|birthdate",
    }.items()
}


def has_context(pii_type: str, text: str, start: int, hint: str | None) -> bool:
    """The column is of `pii_type`, or a context word for it appears shortly before `start`."""
    if hint == pii_type:
        return True
    words = _CONTEXT_WORDS.get(pii_type)
    return bool(words and words.search(text, max(0, start - _WINDOW), start))


def _glued(text: str, start: int, end: int) -> bool:
    """The span is part of a longer identifier (CA-2016-152156, FUR-10001798, v1.2.3.4,
    key=4111…x): a letter, digit or joiner+alphanumeric touches either side."""
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before == "_":
            return True
        if before in "-/._#" and start > 1 and text[start - 2].isalnum():
            return True
    if end < len(text):
        after = text[end]
        if after.isalnum() or after == "_":
            return True
        if after in "-/_" and end + 1 < len(text) and text[end + 1].isdigit():
            return True
        if after == "." and end + 1 < len(text) and text[end + 1].isdigit():
            return True
    return False


# --- email -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[^\W_](?:[\w.%+'-]{0,63})@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)


def find_emails(text: str, hint: str | None) -> list[Finding]:
    if "@" not in text:
        return []
    return [
        Finding("EMAIL_ADDRESS", m.start(), m.end(), 0.95, m.group())
        for m in _EMAIL.finditer(text)
        if ".." not in m.group()
    ]


# --- credit cards --------------------------------------------------------------------------

_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){11,18}(?![\w-])")


def find_cards(text: str, hint: str | None) -> list[Finding]:
    found = []
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = raw.replace(" ", "").replace("-", "")
        if "  " in raw or "--" in raw or len(set(digits)) < 2 or not luhn_valid(digits):
            continue
        context = has_context("CREDIT_CARD", text, m.start(), hint)
        if card_issuer(digits):
            score = 1.0 if context else 0.9
        elif context:
            score = 0.6  # Luhn-valid and called a card, but no known issuer's prefix
        else:
            continue
        found.append(Finding("CREDIT_CARD", m.start(), m.end(), score, raw))
    return found


# --- US social security numbers ----------------------------------------------------------

_SSN_SEPARATED = re.compile(r"(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])")
_SSN_BARE = re.compile(r"(?<![\w-])\d{9}(?![\w-])")


def find_ssns(text: str, hint: str | None) -> list[Finding]:
    found = []
    for m in _SSN_SEPARATED.finditer(text):
        if not ssn_valid(m.group(1) + m.group(3) + m.group(4)):
            continue
        context = has_context("US_SSN", text, m.start(), hint)
        score = 0.95 if context else (0.7 if m.group(2) == "-" else 0.45)
        found.append(Finding("US_SSN", m.start(), m.end(), score, m.group()))
    for m in _SSN_BARE.finditer(text):
        if ssn_valid(m.group()) and has_context("US_SSN", text, m.start(), hint):
            found.append(Finding("US_SSN", m.start(), m.end(), 0.8, m.group()))
    return found


# --- IBAN --------------------------------------------------------------------------------

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})(\d{2}) ?[A-Z0-9]")


def find_ibans(text: str, hint: str | None) -> list[Finding]:
    found = []
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1))
        if length is None:
            continue
        chars: list[str] = []
        i = m.start()
        while i < len(text) and len(chars) < length:
            ch = text[i]
            if ch.isascii() and ch.isalnum():
                chars.append(ch.upper())
            elif not (ch == " " and chars and i + 1 < len(text) and text[i + 1].isalnum()):
                break
            i += 1
        if len(chars) != length or (i < len(text) and text[i].isalnum()):
            continue
        if iban_valid("".join(chars)):
            found.append(Finding("IBAN_CODE", m.start(), i, 0.95, text[m.start() : i]))
    return found


# --- IP addresses ------------------------------------------------------------------------

_IPV4 = re.compile(r"(?<![\w.:-])(?:\d{1,3}\.){3}\d{1,3}(?![\w-]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::?[0-9A-Fa-f]{1,4}){1,7}|:?)"
    r"(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?:%\w+)?(?![\w:])"
)
_VERSION_WORDS = re.compile(r"(?:\bv|version|release|build|ver\.?|rev\.?)\s*$", re.IGNORECASE)


def find_ips(text: str, hint: str | None) -> list[Finding]:
    found = []
    if "." in text:
        for m in _IPV4.finditer(text):
            raw = m.group()
            if any(len(part) > 1 and part[0] == "0" for part in raw.split(".")):
                continue  # 01.02.2023-style dates and zero-padded counters
            try:
                ipaddress.IPv4Address(raw)
            except ValueError:
                continue
            if _VERSION_WORDS.search(text, max(0, m.start() - 12), m.start()):
                continue
            found.append(Finding("IP_ADDRESS", m.start(), m.end(), 0.9, raw))
    if "::" in text or text.count(":") >= 5:
        for m in _IPV6.finditer(text):
            raw = m.group().split("%", 1)[0]
            if raw.count(":") < 2:
                continue
            try:
                ipaddress.IPv6Address(raw)
            except ValueError:
                continue
            if "::" not in raw and raw.count(":") < 7:
                continue
            if re.fullmatch(r"[\d:]+", raw) and raw.count(":") < 7:
                continue  # 10::30 and other colon-separated counters, not addresses
            found.append(Finding("IP_ADDRESS", m.start(), m.start() + len(raw), 0.9, raw))
    return found


# --- phone numbers -----------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d")
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \t().\-/]*\d\)?")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")


def find_phones(text: str, hint: str | None, taken: Sequence[Finding] = ()) -> list[Finding]:
    """Phone numbers valid for their country: +-prefixed from anywhere, others as US
    numbers. The parser only sees digit runs that no other finding holds."""
    found = []
    index = SpanIndex((f.start, f.end) for f in taken)
    for c in _PHONE_CANDIDATE.finditer(text):
        digits = len(_DIGIT_RUN.findall(c.group()))
        if not 7 <= digits <= 17 or index.overlaps(c.start(), c.end()):
            continue
        found.extend(_phones_in(text, c.start(), c.group(), hint))
    return found


def _phones_in(text: str, offset: int, piece: str, hint: str | None) -> list[Finding]:
    found = []
    for m in PhoneNumberMatcher(piece, "US", leniency=Leniency.VALID, max_tries=20):
        raw = m.raw_string
        start, end = offset + m.start, offset + m.end
        if _glued(text, start, end) or _DATE_LIKE.match(raw):
            continue
        context = has_context("PHONE_NUMBER", text, start, hint)
        separated = any(not ch.isdigit() for ch in raw)
        international = raw.startswith("+") or raw.startswith("00")
        if not separated:
            score = 0.75 if context else 0.4  # a bare digit run is an id as often as a phone
        elif international:
            score = 0.9 if context else 0.8
        else:
            score = 0.9 if context else 0.7
        if m.number.country_code != 1 and not international:
            continue  # only +-prefixed numbers leave the default region
        if phonenumbers.number_type(m.number) == phonenumbers.PhoneNumberType.UNKNOWN:
            continue
        found.append(Finding("PHONE_NUMBER", start, end, score, raw))
    return found


# --- street addresses --------------------------------------------------------------------

# USPS street suffixes (Publication 28, appendix C1), their common abbreviations, and the
# European words used the same way.
_SUFFIXES = (
    "St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Terr|Pkwy|Cir|Hwy|Sq|Trl|Cres|Close|Aly|Plz|Hts|Pt|"
    "Xing|Expy|Fwy|Tpke|Jct|Ctr|Centre|Rte|Str|Allee|Straße|Strasse|Weg|Platz|Gasse|Laan|"
    "Straat|Vej|Gade|Esplanade|Parade|Quay|Rise|Wharf|Bvd|Hwy|Mt|"
    "Alley|Avenue|Branch|Bridge|Brook|Brooks|Burg|Burgs|Bypass|Camp|Canyon|Cape|Causeway|"
    "Center|Centers|Circle|Circles|Cliff|Cliffs|Club|Common|Corner|Corners|Course|Court|"
    "Courts|Cove|Coves|Creek|Crescent|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Drive|"
    "Drives|Estate|Estates|Expressway|Extension|Extensions|Fall|Falls|Ferry|Field|Fields|"
    "Flat|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Freeway|Garden|Gardens|"
    "Gateway|Glen|Glens|Green|Greens|Grove|Groves|Harbor|Harbors|Haven|Heights|Highway|"
    "Hill|Hills|Hollow|Inlet|Island|Islands|Isle|Junction|Junctions|Key|Keys|Knoll|Knolls|"
    "Lake|Lakes|Land|Landing|Lane|Light|Lights|Loaf|Lock|Locks|Lodge|Loop|Mall|Manor|"
    "Manors|Meadow|Meadows|Mews|Mill|Mills|Mission|Motorway|Mount|Mountain|Mountains|Neck|"
    "Orchard|Oval|Overpass|Park|Parks|Parkway|Parkways|Pass|Passage|Path|Pike|Pine|Pines|"
    "Place|Plain|Plains|Plaza|Point|Points|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|"
    "Rapids|Rest|Ridge|Ridges|River|Road|Roads|Route|Row|Rue|Run|Shoal|Shoals|Shore|Shores|"
    "Skyway|Spring|Springs|Spur|Spurs|Square|Squares|Station|Stravenue|Stream|Street|"
    "Streets|Summit|Terrace|Throughway|Trace|Track|Trafficway|Trail|Tunnel|Turnpike|"
    "Underpass|Union|Unions|Valley|Valleys|Via|Viaduct|View|Views|Village|Villages|Ville|"
    "Vista|Walk|Walks|Wall|Way|Ways|Well|Wells"
)
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Room|Rm|Bldg|Building|#)\.?\s*#?\w{1,6})"
_CITY_STATE_ZIP = (
    r"(?:,\s*[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})?(?:,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
)
_STREET_WORD = r"(?:[A-Z][\w'’.-]*|\d{1,3}(?:st|nd|rd|th)?|of|de|la|the|van|von|du|del|di)"
_STREET_EN = re.compile(
    r"(?<![\w.,-])\d{1,6}[A-Za-z]?(?:-\d{1,4})?(?:,\s*|\s+)"
    r"(?:(?:North|South|East|West|N|S|E|W|NE|NW|SE|SW)\.?\s+)?"
    rf"{_STREET_WORD}(?:[ \t]+{_STREET_WORD}){{0,4}}?[ \t]+(?i:{_SUFFIXES})\b\.?"
    r"(?:\s+(?:North|South|East|West|N|S|E|W|NE|NW|SE|SW)\b\.?)?"
    rf"{_UNIT}?{_CITY_STATE_ZIP}"
)
_STREET_ROMANCE = re.compile(
    r"(?<![\w-])(?:Rua|Avenida|Av\.|Calle|C/|Carrer|Paseo|Plaza|Pra[çc]a|Travessa|Largo|Via|"
    r"Viale|Corso|Piazza|Rue|Avenue|Boulevard|Chemin|All[ée]e|Ulica|ul\.)\s+"
    r"(?:(?:de|da|do|das|dos|del|della|di|la|le|les|des|du|d')\s+)*"
    r"[A-ZÀ-Þ][\w'’.-]*(?:\s+(?:de|da|do|del|di|la|[A-ZÀ-Þ][\w'’.-]*)){0,4},?\s+"
    r"(?:n[º°o]\.?\s*)?\d{1,5}[A-Za-z]?\b"
)
_STREET_NUMBER_FIRST = re.compile(
    r"(?<![\w.,-])\d{1,5}(?:\s?(?:bis|ter|[A-Za-z]))?,?\s+"
    r"(?:rue|boulevard|bd|avenue|av\.|all[ée]e|chemin|place|impasse|quai|route|cours|via|"
    r"viale|piazza|calle|rua)\s+"
    r"(?:(?:de|du|des|la|le|les|d'|di|del|della|da|do)\s+)*[\w'’.-]+"
    r"(?:[ \t]+[A-ZÀ-Þ][\w'’.-]*){0,3}",
    re.IGNORECASE,
)
_COMPOUND = (
    r"[A-ZÀ-Þ][\w-]*(?i:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|damm|ufer|laan|straat|"
    r"gracht|plein|kade|singel|vej|gade|gatan|gata|vägen|veien|katu|utca|ulica|cesta)"
)
_STREET_COMPOUND = re.compile(
    rf"(?<![\w-])(?:{_COMPOUND}\s+\d{{1,5}}[a-z]{{0,2}}\b|\d{{1,5}}[a-z]?\s+(?:[A-ZÀ-Þ][\w'.-]*\s+)"
    rf"{{0,2}}{_COMPOUND}\b)"
)
_STREET_NAME_SUFFIX_NUMBER = re.compile(
    rf"(?<![\w-])[A-ZÀ-Þ][\w'’.-]*(?:\s+[A-ZÀ-Þ][\w'’.-]*){{0,2}}\s+(?:{_SUFFIXES})\s+"
    r"\d{1,5}[a-z]{0,2}\b"
)
# Continental form: street words, house number, then postcode and town ("Vahtra 56, 50801
# Tartu", "Na Výsluní 272, 348 06 Primda").
_NOT_STREETS = (
    r"(?!(?:Chapter|Version|Page|Section|Room|Vol|Volume|No|Part|Act|Season|Episode|Article|"
    r"Figure|Table|Step|Level|Issue|Item|Line|Verse|Psalm|Rule|Box)\b)"
)
_STREET_POSTCODE = re.compile(
    r"(?<![\w-])" + _NOT_STREETS + r"[A-ZÀ-Þ][\w'’.-]*(?:\s+[\w'’.-]+){0,3}\s+\d{1,5}[a-zA-Z]?\.?,"
    r"\s+(?:[A-Z]{1,2}-?)?(?!(?:19|20)\d\d\b)\d{3,5}(?:[ -]\d{2,3})?\s+"
    r"[A-ZÀ-Þ][\w'’-]+(?:[ -][A-ZÀ-Þ][\w'’-]+){0,2}"
)


def find_street_addresses(text: str, hint: str | None) -> list[Finding]:
    found = []
    for pattern, score in (
        (_STREET_EN, 0.8),
        (_STREET_ROMANCE, 0.7),
        (_STREET_NUMBER_FIRST, 0.7),
        (_STREET_COMPOUND, 0.7),
        (_STREET_POSTCODE, 0.6),
        (_STREET_NAME_SUFFIX_NUMBER, 0.7),
    ):
        for m in pattern.finditer(text):
            raw = m.group().rstrip(" ,")
            found.append(Finding("STREET_ADDRESS", m.start(), m.start() + len(raw), score, raw))
    return found


# --- dates of birth ----------------------------------------------------------------------

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?:19|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)?\d\d"
    rf"|{_MONTHS}\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"
    rf"|(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+(?:19|20)\d\d"
    r")(?:(?=T\d)|(?![\w/-]|\.\d))",
    re.IGNORECASE,
)


def find_dates_of_birth(text: str, hint: str | None) -> list[Finding]:
    """Dates that are a date of birth by their column or by a word like 'born' before them;
    any other date is not PII."""
    if hint != "DATE_OF_BIRTH" and not _CONTEXT_WORDS["DATE_OF_BIRTH"].search(text):
        return []
    return [
        Finding("DATE_OF_BIRTH", m.start(), m.end(), 0.85, m.group())
        for m in _DATE.finditer(text)
        if has_context("DATE_OF_BIRTH", text, m.start(), hint)
    ]


_RECOGNIZERS: tuple[Callable[[str, str | None], list[Finding]], ...] = (
    find_emails,
    find_cards,
    find_ssns,
    find_ibans,
    find_ips,
    find_street_addresses,
    find_dates_of_birth,
)


def scan_patterns(text: str, hint: str | None = None) -> list[Finding]:
    """Every pattern recognizer's findings in `text` (overlaps not yet resolved); phone
    numbers are looked for only where no checksum-confirmed finding already is."""
    found = [f for recognize in _RECOGNIZERS for f in recognize(text, hint)]
    if sum(ch.isdigit() for ch in text) >= 7:
        taken = [f for f in found if f.type != "STREET_ADDRESS"]
        found.extend(find_phones(text, hint, taken))
    return found
