"""PiiDetector on real identities (presidio-evaluator's FakeNameGenerator set, Chinook's
customers and employees), on checksummed numbers, and on hard negatives that must not fire."""

from __future__ import annotations

import random
import time

import phonenumbers
import pytest
from faker import Faker

from lakelight.config import Settings
from lakelight.guard.checksums import card_issuer, iban_valid, luhn_valid, ssn_valid
from lakelight.guard.pii import Finding, PiiDetector
from tests import chinook


def types(findings: list[Finding]) -> list[str]:
    return [f.type for f in findings]


def share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


# --- the Finding shape ---------------------------------------------------------------------


def test_finding_is_frozen_with_dict_form(detector: PiiDetector) -> None:
    text = "Write to ana.pereira@example.org today"
    (f,) = detector.scan(text)
    assert f.as_dict() == {
        "type": "EMAIL_ADDRESS",
        "start": 9,
        "end": 32,
        "score": f.score,
        "text": "ana.pereira@example.org",
    }
    assert text[f.start : f.end] == f.text
    with pytest.raises(AttributeError):
        f.score = 0.1  # type: ignore[misc]


# --- e-mail, phone, names on the FakeNameGenerator identities -----------------------------


def test_every_identity_email_is_found_in_a_sentence(
    detector: PiiDetector, identities: list[dict[str, str]]
) -> None:
    texts = [f"Please send my portfolio to {r['EmailAddress']} today." for r in identities]
    found = detector.scan_many(texts)
    hits = sum(
        any(f.type == "EMAIL_ADDRESS" and f.text == r["EmailAddress"] for f in fs)
        for r, fs in zip(identities, found, strict=True)
    )
    assert hits == len(identities)


def test_international_phone_numbers_of_identities(
    detector: PiiDetector, identities: list[dict[str, str]]
) -> None:
    numbers = []
    for r in identities:
        try:
            n = phonenumbers.parse(r["TelephoneNumber"], r["Country"])
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(n):
            numbers.append(
                phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            )
    assert len(numbers) > 2000
    found = detector.scan_many([f"You can call {n} after six." for n in numbers])
    hits = sum(
        any(f.type == "PHONE_NUMBER" and f.text == n for f in fs)
        for n, fs in zip(numbers, found, strict=True)
    )
    assert share(hits, len(numbers)) > 0.97


def test_us_numbers_without_country_code(detector: PiiDetector) -> None:
    for text in ("Call me at (202) 555-0143.", "fax 415-555-2671", "tel. 212.555.0198"):
        assert "PHONE_NUMBER" in types(detector.scan(text)), text


def test_name_columns_make_values_persons(
    detector: PiiDetector, identities: list[dict[str, str]]
) -> None:
    for r in identities[:300]:
        found = detector.scan_record(
            {"GivenName": r["GivenName"], "Surname": r["Surname"], "Occupation": r["Occupation"]}
        )
        assert types(found["GivenName"]) == ["PERSON"]
        assert types(found["Surname"]) == ["PERSON"]
        assert found["GivenName"][0].text == r["GivenName"].strip()
        assert "Occupation" not in found


def test_ner_finds_full_names_in_sentences(
    detector: PiiDetector, identities: list[dict[str, str]]
) -> None:
    rows = identities[:400]
    texts = [
        f"The account is under my partner's name {r['GivenName']} {r['Surname']}." for r in rows
    ]
    found = detector.scan_many(texts)
    hits = sum(
        any(f.type == "PERSON" and r["Surname"] in f.text for f in fs)
        for r, fs in zip(rows, found, strict=True)
    )
    assert share(hits, len(rows)) > 0.7


def test_titles_and_greetings_are_trimmed_off_names(detector: PiiDetector) -> None:
    found = detector.scan("Hello, this is Mr. Peverell Racine. Who are you?")
    assert [(f.type, f.text) for f in found] == [("PERSON", "Peverell Racine")]


def test_street_part_of_an_address_is_not_a_person(detector: PiiDetector) -> None:
    found = detector.scan("Please send it to 1659 Hoog St, Brakpan.")
    assert types(found) == ["STREET_ADDRESS"]


def test_english_street_addresses_of_identities(
    detector: PiiDetector, identities: list[dict[str, str]]
) -> None:
    english = [
        r["StreetAddress"]
        for r in identities
        if r["Country"] in ("US", "GB", "AU", "NZ", "ZA", "CA") and r["StreetAddress"][:1].isdigit()
    ]
    assert len(english) > 200
    found = detector.scan_many([f"I moved, my new address is {a}." for a in english])
    hits = sum(
        any(f.type == "STREET_ADDRESS" and a in f.text for f in fs)
        for a, fs in zip(english, found, strict=True)
    )
    assert share(hits, len(english)) > 0.9


def test_address_forms() -> None:
    d = PiiDetector(Settings(home=".unused"), use_ner=False)
    for text in (
        "123 Main Street, Apt 4B, Springfield, IL 62704",
        "Avenida Noruega 42",
        "Calle Mayor 12",
        "94 boulevard Amiral Courbet",
        "Mattenstrasse 108",
        "Vahtra 56, 50801 Tartu",
        "11120 Jasper Ave NW",
    ):
        assert types(d.scan(f"Ship it to {text} please")) == ["STREET_ADDRESS"], text


# --- checksummed numbers -------------------------------------------------------------------

TEST_CARDS = {
    "4111 1111 1111 1111": "visa",
    "4012888888881881": "visa",
    "5555-5555-5555-4444": "mastercard",
    "2221000000000009": "mastercard",
    "2720 9999 9999 9996": "mastercard",
    "3782 822463 10005": "amex",
    "6011111111111117": "discover",
    "3530111333300000": "jcb",
    "30569309025904": "diners",
}


@pytest.mark.parametrize("number", TEST_CARDS)
def test_cards_of_every_issuer(detector: PiiDetector, number: str) -> None:
    digits = number.replace(" ", "").replace("-", "")
    assert luhn_valid(digits) and card_issuer(digits) == TEST_CARDS[number]
    (f,) = detector.scan(f"Please block card no {number} now")
    assert (f.type, f.text) == ("CREDIT_CARD", number)


def test_faker_cards_are_found() -> None:
    fake = Faker("en_US")
    fake.seed_instance(3)
    d = PiiDetector(Settings(home=".unused"), use_ner=False)
    for card_type in ("visa16", "visa13", "mastercard", "amex", "discover", "diners"):
        number = fake.credit_card_number(card_type)
        assert types(d.scan(f"My card {number} is lost")) == ["CREDIT_CARD"], number


def test_non_luhn_16_digit_numbers_are_not_cards(detector: PiiDetector) -> None:
    rng = random.Random(11)
    misses = 0
    for _ in range(300):
        digits = rng.choice("3456") + "".join(rng.choices("0123456789", k=15))
        if luhn_valid(digits):
            continue
        misses += bool(detector.scan(f"Reference {digits} was attached."))
    assert misses == 0


def test_ssn_rules(detector: PiiDetector) -> None:
    assert types(detector.scan("Here's my SSN: 536-22-8726")) == ["US_SSN"]
    assert types(detector.scan("His social security number is 536 22 8726")) == ["US_SSN"]
    for bad in ("000-12-3456", "666-12-3456", "912-12-3456", "536-00-8726", "536-22-0000"):
        assert not ssn_valid(bad.replace("-", ""))
        assert detector.scan(f"SSN {bad}") == [], bad
    # 123-45-6789 is the SSA's textbook example, never a person's number
    assert detector.scan("SSN 123-45-6789") == []


def test_bare_nine_digits_are_an_ssn_only_with_context(detector: PiiDetector) -> None:
    assert detector.scan("Batch 536228726 shipped") == []
    assert types(detector.scan("ssn 536228726")) == ["US_SSN"]
    assert types(detector.scan("536228726", context="ssn")) == ["US_SSN"]


def test_faker_ssns(detector: PiiDetector) -> None:
    fake = Faker("en_US")
    fake.seed_instance(5)
    for _ in range(50):
        ssn = fake.ssn()
        assert types(detector.scan(f"His social security number is {ssn}")) == ["US_SSN"], ssn


def test_ibans(detector: PiiDetector) -> None:
    for iban in ("DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "NL91ABNA0417164300"):
        (f,) = detector.scan(f"My IBAN is {iban}.")
        assert (f.type, f.text) == ("IBAN_CODE", iban)
    assert not iban_valid("DE89370400440532013001")  # checksum off by one
    assert detector.scan("My IBAN is DE89370400440532013001.") == []
    assert detector.scan("My IBAN is DE8937040044053201300.") == []  # one char short


def test_faker_ibans_of_many_countries(detector: PiiDetector) -> None:
    fake = Faker(["de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT", "en_GB", "pl_PL"])
    fake.seed_instance(9)
    for _ in range(40):
        iban = fake.iban()
        assert types(detector.scan(f"transfer to {iban} please")) == ["IBAN_CODE"], iban


def test_ip_addresses(detector: PiiDetector) -> None:
    for ip in ("192.168.10.4", "8.8.8.8", "2001:db8::ff00:42:8329", "fe80::1"):
        (f,) = detector.scan(f"keep getting address {ip} blocked")
        assert (f.type, f.text) == ("IP_ADDRESS", ip)
    found = detector.scan("Jan 12 06:25:43 sshd[2341]: Failed from 10.0.0.7 port 51234 ssh2")
    assert [(f.type, f.text) for f in found] == [("IP_ADDRESS", "10.0.0.7")]


# --- dates of birth need context -----------------------------------------------------------


def test_dates_are_birthdays_only_with_context(detector: PiiDetector) -> None:
    assert types(detector.scan("She was born on 3/29/1982.")) == ["DATE_OF_BIRTH"]
    assert types(detector.scan("DOB: 1956-02-28")) == ["DATE_OF_BIRTH"]
    assert types(detector.scan("date of birth March 29, 1982")) == ["DATE_OF_BIRTH"]
    assert detector.scan("The order shipped on 3/29/1982.") == []
    assert types(detector.scan("6/11/1957", context="Birthday")) == ["DATE_OF_BIRTH"]
    assert detector.scan("6/11/1957", context="order_date") == []


# --- hard negatives and bad input ----------------------------------------------------------

HARD_NEGATIVES = [
    "Order CA-2016-152156 shipped on 2016-11-08.",
    "SKU FUR-BO-10001798 is back in stock at $261.96.",
    "Request 123e4567-e89b-12d3-a456-426614174000 completed in 42 ms.",
    "Job finished at 2024-03-05T12:34:56Z with exit code 0.",
    "Upgraded from v2.3.11 to version 3.12.4 and then 1.2.3.",
    "Reference 4111111111111112 was attached to the shipment.",
    "The print edition has ISBN 978-3-16-148410-0 and costs EUR 12.99.",
    "Invoice total: $1,299.99 for 12 units at $108.33 each.",
    "nginx[4412]: listening on port 8080, worker 12 started",
    "Ticket #4410092 was merged into #4410093 by the triage bot.",
    "Sensor reading 21.55 C at lat 52.5200, lon 13.4050 at 12:30:45.",
    "Tracking number 1Z999AA10123456784 is out for delivery.",
    "Part 202-555-0143-77 replaces the old gasket.",
    "Build 2024.11.305 passed 4312 tests in 3m12s.",
    "MAC 00:1A:2B:3C:4D:5E joined the network.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_do_not_fire(detector: PiiDetector, text: str) -> None:
    assert detector.scan(text) == []


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\x00\x01\x02\xff", "😀" * 50])
def test_empty_and_odd_input(detector: PiiDetector, text: str) -> None:
    assert detector.scan(text) == []


def test_binary_garbage(detector: PiiDetector) -> None:
    garbage = random.Random(1).randbytes(20_000).decode("latin-1")
    found = detector.scan(garbage)
    assert all(0 <= f.start < f.end <= len(garbage) for f in found)
    assert all(garbage[f.start : f.end] == f.text for f in found)


def test_huge_text_is_scanned_to_the_end(detector: PiiDetector) -> None:
    filler = "The quarterly numbers were fine and nothing else happened. " * 40_000  # 2.4 MB
    text = filler + "Write to Debra Neal at debra.neal@example.com or call +1 202-555-0143."
    t0 = time.perf_counter()
    found = detector.scan(text)
    assert time.perf_counter() - t0 < 20
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(types(found))
    assert all(text[f.start : f.end] == f.text for f in found)


def test_scores_and_min_score(detector: PiiDetector) -> None:
    text = "Call +1 202-555-0143 or mail ana@example.org; card 4111 1111 1111 1111"
    found = detector.scan(text)
    assert all(0 <= f.score <= 1 for f in found)
    strict = PiiDetector(Settings(home=".unused", guard_min_score=0.96), use_ner=False)
    assert types(strict.scan(text)) == ["CREDIT_CARD"]


def test_scan_many_matches_scan_and_checks_lengths(detector: PiiDetector) -> None:
    texts = ["mail ana@example.org", "nothing here", "ssn 536228726"]
    assert detector.scan_many(texts) == [detector.scan(t) for t in texts]
    with pytest.raises(ValueError):
        detector.scan_many(texts, ["a"])


# --- records: column names as context, never as findings ---------------------------------


def test_column_names_are_never_flagged(detector: PiiDetector) -> None:
    row = {"Debra Neal": "blue", "ana@example.org": "7", "4111 1111 1111 1111": None}
    assert detector.scan_record(row) == {}


def test_known_pii_columns_take_the_whole_value(detector: PiiDetector) -> None:
    found = detector.scan_record(
        {"nick": "  bo  ", "note": "", "code": "x7"}, {"nick": "PERSON", "note": "PERSON"}
    )
    assert list(found) == ["nick"]
    assert found["nick"][0].as_dict() == {
        "type": "PERSON",
        "start": 2,
        "end": 4,
        "score": found["nick"][0].score,
        "text": "bo",
    }


def test_non_string_values(detector: PiiDetector) -> None:
    found = detector.scan_record({"ssn": 536228726, "amount": 12.5, "ok": True, "n": None})
    assert types(found["ssn"]) == ["US_SSN"]
    assert set(found) == {"ssn"}


def test_chinook_customers(detector: PiiDetector) -> None:
    customers = [fields for _, fields in chinook.fixture()["customer"]]
    assert len(customers) == 59
    per_column: dict[str, int] = {}
    for row in customers:
        for column in detector.scan_record(row):
            per_column[column] = per_column.get(column, 0) + 1
            assert column not in ("country", "state", "support_rep", "postalcode"), (column, row)
    assert per_column["email"] == 59
    assert per_column["firstname"] == 59 and per_column["lastname"] == 59
    assert per_column["phone"] >= 55
    assert per_column.get("address", 0) >= 30


def test_chinook_employee_birthdates(detector: PiiDetector) -> None:
    for _, row in chinook.fixture()["employee"]:
        found = detector.scan_record(row)
        assert types(found["birthdate"]) == ["DATE_OF_BIRTH"]
        assert "hiredate" not in found


def test_many_findings_in_one_text_stay_fast(detector: PiiDetector) -> None:
    text = "Debra Neal lives at 12 Main St, ssn 536-22-8726, ip 10.0.0.7. " * 5000
    t0 = time.perf_counter()
    found = detector.scan(text)
    assert time.perf_counter() - t0 < 10
    assert sum(f.type == "US_SSN" for f in found) == 5000
    assert sum(f.type == "STREET_ADDRESS" for f in found) == 5000


def test_column_names_decide_ambiguous_values(detector: PiiDetector) -> None:
    found = detector.scan_record(
        {
            "TelephoneNumber": "84 23 30",
            "StreetAddress": "Karu põik 61",
            "MothersMaiden": "Kubíková",
            "NationalID": "190641-4941",
            "City": "Jordan",
            "Company": "Simple Solutions",
            "Occupation": "Desk clerk",
        }
    )
    assert {k: types(v) for k, v in found.items()} == {
        "TelephoneNumber": ["PHONE_NUMBER"],
        "StreetAddress": ["STREET_ADDRESS"],
        "MothersMaiden": ["PERSON"],
    }


def test_identity_rows_scan_clean(detector: PiiDetector, identities: list[dict[str, str]]) -> None:
    """Every PII column of the identities is found, and the descriptive ones stay quiet."""
    quiet = ("Gender", "NameSet", "Title", "City", "State", "StateFull", "Country", "CountryFull")
    quiet += ("Occupation", "Company", "CCType", "Age", "Username")
    counts: dict[str, int] = {}
    for row in identities[:500]:
        for column in detector.scan_record(row):
            counts[column] = counts.get(column, 0) + 1
    for column in ("GivenName", "Surname", "EmailAddress", "TelephoneNumber", "Birthday"):
        assert counts.get(column, 0) == 500, column
    assert counts.get("StreetAddress", 0) >= 495
    noise = sum(counts.get(c, 0) for c in quiet)
    assert noise <= 5, {c: counts[c] for c in quiet if c in counts}
