"""What a column's name says about its values: ``customer_email`` holds email addresses,
``FirstName`` person names, ``dob`` dates of birth. Names are split into lowercase words
(snake_case, camelCase, spaces, dashes) and matched word by word, never by substring, so
``hostname`` and ``address_id`` say nothing."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["NAME_WORDS", "column_hint", "name_words", "non_person_column"]

_SPLIT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

# Head words (the last word: English compounds end in their head) that make a column an
# identifier, a count, a flag or an attribute about PII rather than PII itself: address_id,
# email_domain, phone_type, ip_country, email_verified.
_DESCRIPTORS = frozenset(
    "id ids key uuid code count counts type types kind flag flags format valid verified status "
    "hash hashed len length prefix suffix domain country region provider carrier city state zip "
    "zipcode postcode postal ext extension consent optin opt bounced source label category "
    "template url uri".split()
)
# Qualifiers that make an "address" something other than a street address.
_NOT_STREET = frozenset("mac web url memory wallet bitcoin btc eth hardware hw mail".split())
_NOT_PII_JOINED = frozenset({"username", "hostname", "filename", "nickname", "pathname"})
# Words that, beside "name", make it a person's name (first_name, customer_name).
_PERSON_OWNERS = frozenset(
    "first last given family full middle maiden sur fore legal real display person customer "
    "contact author employee client patient owner manager rep representative mother mothers "
    "father applicant member student buyer seller recipient sender guest passenger emergency "
    "billing shipping account holder card cardholder beneficiary signer".split()
)
# Single words that name a person column on their own.
_PERSON_WORDS = frozenset(
    "surname surnames firstname lastname givenname fullname forename forenames maiden".split()
)
# Words naming a column of things that are not people (its short values skip name search).
_NON_PERSON = frozenset(
    "city town state country region province county district company companies organization "
    "organisation org employer business brand product products item title category genre "
    "department occupation job profession industry sector street".split()
)
# Words that name a person column only when the values look like names (checked by caller).
NAME_WORDS = frozenset("name names customer contact author employee".split())

_TYPE_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("EMAIL_ADDRESS", frozenset({"email", "emails", "mail", "emailaddress"})),
    (
        "PHONE_NUMBER",
        frozenset({"phone", "phones", "telephone", "tel", "mobile", "cell", "fax", "msisdn"}),
    ),
    ("US_SSN", frozenset({"ssn", "ssns", "social"})),
    ("IBAN_CODE", frozenset({"iban", "ibans"})),
    ("CREDIT_CARD", frozenset({"ccnumber", "pan", "creditcard"})),
    ("IP_ADDRESS", frozenset({"ip", "ipv4", "ipv6", "ipaddress"})),
    ("DATE_OF_BIRTH", frozenset({"dob", "birth", "birthday", "birthdate", "born"})),
    ("STREET_ADDRESS", frozenset({"address", "addresses", "street", "streetaddress", "addr"})),
)


def name_words(column: str) -> tuple[str, ...]:
    """``CustomerEmail`` -> ("customer", "email"); ``cc_number`` -> ("cc", "number")."""
    return tuple(w.lower() for w in _SPLIT.findall(column))


@lru_cache(maxsize=4096)
def column_hint(column: str) -> str | None:
    """The PII type a column's name announces, or None. ``name`` alone, ``customer`` and the
    like return "PERSON?": a person only if the values look like names."""
    words = name_words(column)
    if not words:
        return None
    joined = "".join(words)
    wordset = set(words)
    if "ssn" in wordset or {"national", "id"} <= wordset or {"social", "security"} <= wordset:
        return "US_SSN"
    head = next((w for w in reversed(words) if not w.isdigit()), "")
    if head in _DESCRIPTORS or joined in _NOT_PII_JOINED:
        return None
    if "address" in wordset and wordset & _NOT_STREET and not wordset & {"email", "ip"}:
        return None
    if wordset & _PERSON_WORDS or joined in _PERSON_WORDS:
        return "PERSON"
    if "name" in wordset and len(words) > 1 and wordset - {"name"} <= _PERSON_OWNERS:
        return "PERSON"
    if wordset & {"card", "cc", "credit"} and (
        wordset & {"number", "num", "pan", "credit"} or wordset == {"cc"}
    ):
        return "CREDIT_CARD"
    for pii_type, words_for_type in _TYPE_WORDS:
        if wordset & words_for_type or joined in words_for_type:
            return pii_type
    if len(words) == 1 and words[0] in NAME_WORDS:
        return "PERSON?"
    return None


@lru_cache(maxsize=4096)
def non_person_column(column: str) -> bool:
    """The column names a kind of thing that is not a person: city, company, job title."""
    words = set(name_words(column))
    return bool(words & _NON_PERSON) and column_hint(column) not in ("PERSON", "PERSON?")
