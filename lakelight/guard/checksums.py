"""Check digits and issuer tables that turn digit runs into PII findings: Luhn and card
issuer prefixes, IBAN mod-97 with per-country lengths, and the SSA's rules for US SSNs."""

from __future__ import annotations

__all__ = ["IBAN_LENGTHS", "card_issuer", "iban_valid", "luhn_valid", "ssn_valid"]

# (issuer, prefix ranges as (low, high) over the first len(low) digits, allowed lengths)
_ISSUERS: tuple[tuple[str, tuple[tuple[str, str], ...], frozenset[int]], ...] = (
    ("amex", (("34", "34"), ("37", "37")), frozenset({15})),
    ("visa", (("4", "4"),), frozenset({13, 16, 19})),
    ("mastercard", (("51", "55"), ("2221", "2720")), frozenset({16})),
    (
        "discover",
        (("6011", "6011"), ("644", "649"), ("65", "65"), ("622126", "622925")),
        frozenset(range(16, 20)),
    ),
    ("jcb", (("3528", "3589"),), frozenset(range(16, 20))),
    ("jcb", (("2131", "2131"), ("1800", "1800")), frozenset({15})),
    ("diners", (("300", "305"), ("36", "36"), ("38", "39")), frozenset(range(14, 20))),
    (
        "maestro",
        (
            ("5018", "5018"),
            ("5020", "5020"),
            ("5038", "5038"),
            ("5893", "5893"),
            ("56", "58"),
            ("6304", "6304"),
            ("6759", "6759"),
            ("6761", "6763"),
        ),
        frozenset(range(12, 20)),
    ),
)

# ISO 13616 registry: IBAN length by country code.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

# Numbers the SSA voided after they were printed in public (the Woolworth wallet card, a 1940s
# advertisement) and the textbook example: they are never a person's number, and they are
# what test data and documentation use, so flagging them only adds noise.
_VOID_SSNS = frozenset({"078051120", "219099999", "123456789"})


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check digit of a string of digits holds."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_issuer(digits: str) -> str | None:
    """The card network whose prefix and length `digits` fits, or None."""
    n = len(digits)
    for issuer, ranges, lengths in _ISSUERS:
        if n not in lengths:
            continue
        for low, high in ranges:
            if low <= digits[: len(low)] <= high:
                return issuer
    return None


def iban_valid(compact: str) -> bool:
    """An IBAN without spaces has its country's length and a mod-97 remainder of 1."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def ssn_valid(digits: str) -> bool:
    """Nine digits that the SSA could have issued: area not 000, 666 or 9xx, group not 00,
    serial not 0000, and not one of the publicly voided numbers."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in _VOID_SSNS
