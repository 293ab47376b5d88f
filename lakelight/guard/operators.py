"""Presidio-style operators that remove PII from a text given its findings:

redact   "<EMAIL_ADDRESS>"
replace  a realistic fake of the same type from Faker (seeded; one input value always
         maps to the same fake within one Anonymizer)
hash     a salted SHA-256, as a short hex prefix (same value and salt, same hash)
mask     "*" for every character but the last four of cards, phones, IBANs and SSNs
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from faker import Faker

from lakelight.guard.finding import Finding, resolve_overlaps

__all__ = ["OPERATORS", "Anonymizer"]

OPERATORS = ("redact", "replace", "hash", "mask")
_FIRST_NAME = re.compile(r"first|given|fore|vorname|prenom|nombre", re.I)
_LAST_NAME = re.compile(r"last|sur|family|nachname|apellido", re.I)
_HASH_CHARS = 16
_KEEP_LAST = frozenset({"CREDIT_CARD", "PHONE_NUMBER", "IBAN_CODE", "US_SSN"})
_FAKERS: dict[str, Callable[[Faker], str]] = {
    "PERSON": lambda f: f.name(),
    "EMAIL_ADDRESS": lambda f: f.email(),
    "PHONE_NUMBER": lambda f: _phone(f),
    "CREDIT_CARD": lambda f: f.credit_card_number(),
    "US_SSN": lambda f: f.ssn(),
    "IBAN_CODE": lambda f: f.iban(),
    "IP_ADDRESS": lambda f: f.ipv4_public(),
    "STREET_ADDRESS": lambda f: f.street_address(),
    "DATE_OF_BIRTH": lambda f: f.date_of_birth(minimum_age=18, maximum_age=90).isoformat(),
}


# Real NANP area codes; 555-0100 to 555-0199 are reserved for fiction, so a fake number is
# well formed, valid to a parser, and reaches nobody.
_AREA_CODES = (202, 212, 305, 312, 415, 503, 617, 702, 713, 808, 919, 602, 404, 206, 720)


def _phone(f: Faker) -> str:
    area = f.random_element(_AREA_CODES)
    line = f.random_int(100, 199)
    return f.random_element((f"({area}) 555-{line:04d}", f"+1 {area}-555-{line:04d}"))


class Anonymizer:
    """Rewrites texts with one operator. ``replace`` and ``fake`` draw from a Faker seeded
    with `seed` (random when None); ``hash`` mixes in `salt`."""

    def __init__(
        self, operator: str = "redact", *, seed: int | None = None, salt: str = ""
    ) -> None:
        if operator not in OPERATORS:
            raise ValueError(f"Unknown operator {operator!r}; use one of {', '.join(OPERATORS)}")
        self.operator = operator
        self.salt = salt
        self._faker = Faker("en_US")
        if seed is not None:
            self._faker.seed_instance(seed)
        self._fakes: dict[tuple[str, str], str] = {}

    def fake(self, type: str, *, column: str | None = None) -> str:
        """A fresh Faker value of a PII type (used by synthesis); a person's column named
        for a first or a last name gets just that part."""
        make = _FAKERS.get(type)
        if make is None:
            raise ValueError(f"No fake values for PII type {type!r}; known: {', '.join(_FAKERS)}")
        if type == "PERSON" and column is not None:
            if _FIRST_NAME.search(column):
                return str(self._faker.first_name())
            if _LAST_NAME.search(column):
                return str(self._faker.last_name())
        return make(self._faker)

    def anonymize(self, text: str, findings: Sequence[Finding]) -> str:
        """`text` with every finding rewritten by the operator; overlapping findings keep the
        highest score, then the longest span."""
        for f in findings:
            if not 0 <= f.start <= f.end <= len(text):
                raise ValueError(f"Finding {f.start}:{f.end} lies outside a {len(text)}-char text")
        out = text
        for f in reversed(resolve_overlaps(findings)):
            out = out[: f.start] + self._operate(f.type, text[f.start : f.end]) + out[f.end :]
        return out

    def _operate(self, pii_type: str, value: str) -> str:
        if self.operator == "redact":
            return f"<{pii_type}>"
        if self.operator == "hash":
            digest = hashlib.sha256(f"{self.salt}{value}".encode()).hexdigest()
            return digest[:_HASH_CHARS]
        if self.operator == "mask":
            return _mask(pii_type, value)
        return self._replacement(pii_type, value)

    def _replacement(self, pii_type: str, value: str) -> str:
        key = (pii_type, value)
        if key not in self._fakes:
            if pii_type not in _FAKERS:
                return f"<{pii_type}>"
            fake = self.fake(pii_type)
            if pii_type == "PERSON" and len(value.split()) == 1:
                fake = self._faker.first_name()
            self._fakes[key] = fake
        return self._fakes[key]


def _mask(pii_type: str, value: str) -> str:
    """Keep separators and, for cards, phones, IBANs and SSNs, the last four alphanumerics."""
    keep = 4 if pii_type in _KEEP_LAST else 0
    chars = list(value)
    for i in range(len(chars) - 1, -1, -1):
        if not chars[i].isalnum():
            continue
        if keep:
            keep -= 1
        else:
            chars[i] = "*"
    return "".join(chars)
