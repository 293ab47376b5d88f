"""Anonymizer: redact, replace, hash and mask over real findings."""

from __future__ import annotations

import re

import pytest

from lakelight.guard.finding import Finding
from lakelight.guard.operators import Anonymizer
from lakelight.guard.pii import PiiDetector

TEXT = (
    "I'm Debra Neal, card 4111 1111 1111 1111, mail debra.neal@example.com, "
    "call +1 202-555-0143, IBAN DE89 3704 0044 0532 0130 00."
)


@pytest.fixture(scope="module")
def findings(detector: PiiDetector) -> list[Finding]:
    found = detector.scan(TEXT)
    assert {f.type for f in found} == {
        "PERSON",
        "CREDIT_CARD",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "IBAN_CODE",
    }
    return found


def test_redact(findings: list[Finding]) -> None:
    assert Anonymizer().anonymize(TEXT, findings) == (
        "I'm <PERSON>, card <CREDIT_CARD>, mail <EMAIL_ADDRESS>, call <PHONE_NUMBER>, "
        "IBAN <IBAN_CODE>."
    )


def test_replace_is_seeded_consistent_and_realistic(
    detector: PiiDetector, findings: list[Finding]
) -> None:
    a = Anonymizer("replace", seed=1).anonymize(TEXT, findings)
    assert a == Anonymizer("replace", seed=1).anonymize(TEXT, findings)
    assert a != Anonymizer("replace", seed=2).anonymize(TEXT, findings)
    for f in findings:
        assert f.text not in a
    rescanned = {f.type for f in detector.scan(a)}
    assert {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE"} <= rescanned
    twice = "Debra Neal met Debra Neal"
    spans = [
        Finding("PERSON", 0, 10, 0.9, "Debra Neal"),
        Finding("PERSON", 15, 25, 0.9, "Debra Neal"),
    ]
    out = Anonymizer("replace", seed=3).anonymize(twice, spans)
    first, second = out.split(" met ")
    assert first == second != "Debra Neal"


def test_hash_is_salted_and_stable(findings: list[Finding]) -> None:
    a = Anonymizer("hash", salt="s1").anonymize(TEXT, findings)
    assert a == Anonymizer("hash", salt="s1").anonymize(TEXT, findings)
    assert a != Anonymizer("hash", salt="s2").anonymize(TEXT, findings)
    assert re.fullmatch(r"I'm [0-9a-f]{16}, card [0-9a-f]{16}, .*", a)


def test_mask_keeps_last_four_of_numbers(findings: list[Finding]) -> None:
    a = Anonymizer("mask").anonymize(TEXT, findings)
    assert "card **** **** **** 1111" in a
    assert "call +* ***-***-0143" in a
    assert "IBAN **** **** **** **** **30 00." in a  # the last four alphanumerics stay
    assert "Debra" not in a and "debra" not in a


def test_overlaps_keep_highest_score_then_longest() -> None:
    text = "call 4111111111111111 now"
    findings = [
        Finding("PHONE_NUMBER", 5, 15, 0.7, text[5:15]),
        Finding("CREDIT_CARD", 5, 21, 0.9, text[5:21]),
        Finding("US_SSN", 5, 21, 0.5, text[5:21]),
    ]
    assert Anonymizer().anonymize(text, findings) == "call <CREDIT_CARD> now"
    tie = [Finding("PERSON", 0, 4, 0.8, "call"), Finding("STREET_ADDRESS", 0, 21, 0.8, "")]
    assert Anonymizer().anonymize(text, tie) == "<STREET_ADDRESS> now"


def test_bad_use() -> None:
    with pytest.raises(ValueError, match="operator"):
        Anonymizer("shred")
    with pytest.raises(ValueError):
        Anonymizer().anonymize("short", [Finding("PERSON", 2, 40, 0.9, "x")])
    with pytest.raises(ValueError):
        Anonymizer().fake("SHOE_SIZE")
    assert Anonymizer().anonymize("", []) == ""


@pytest.mark.parametrize(
    "pii_type",
    [
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "US_SSN",
        "IBAN_CODE",
        "IP_ADDRESS",
        "STREET_ADDRESS",
        "DATE_OF_BIRTH",
    ],
)
def test_fakes_are_detected_as_their_type(detector: PiiDetector, pii_type: str) -> None:
    anonymizer = Anonymizer("replace", seed=4)
    context = {"DATE_OF_BIRTH": "birth_date", "PERSON": "full_name", "US_SSN": "ssn"}.get(pii_type)
    values = [anonymizer.fake(pii_type) for _ in range(20)]
    hits = sum(pii_type in {f.type for f in detector.scan(v, context=context)} for v in values)
    assert hits >= 17, (pii_type, values)
