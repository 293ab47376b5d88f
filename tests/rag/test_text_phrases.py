"""A question's words found in real log messages as the messages write them: other forms of
a word, stop words skipped, negations always met; contractions read as their negation."""

from __future__ import annotations

import pytest

from lakelight.rag.aggregate_parse import parse_question
from lakelight.rag.text_phrases import TextPhrases, same_word
from tests import data


@pytest.fixture(scope="module")
def sshd() -> TextPhrases:
    lines = (data.fail2ban_logs() / "sshd").read_text(encoding="utf-8").splitlines()
    return TextPhrases(line for line in lines if line and not line.startswith("#"))


def _words(text: str) -> list[str]:
    return [t.norm for t in parse_question(text).toks]


@pytest.mark.parametrize(
    ("a", "b"),
    [("relaying", "relay"), ("verification", "verify"), ("permitted", "permit"),
     ("failure", "failed"), ("user", "user")],
)  # fmt: skip
def test_forms_of_one_word_meet(a: str, b: str) -> None:
    assert same_word(a, b) and same_word(b, a)


@pytest.mark.parametrize(
    ("a", "b"), [("internet", "international"), ("auth", "author"), ("not", "now"), ("ip", "id")]
)
def test_other_words_do_not(a: str, b: str) -> None:
    assert not same_word(a, b)


def test_phrase_comes_back_as_the_messages_write_it(sshd: TextPhrases) -> None:
    assert sshd.find(_words("too many authentication failures")) == (
        "too many authentication failures"
    )
    # "it is" skipped in the question; a word no message has there ("user") is no match
    assert sshd.find(_words("because it is listed in DenyUsers")) == ("because listed in denyusers")
    assert sshd.find(_words("because the user is listed in DenyUsers")) is None
    assert sshd.find(_words("users that aren't listed in AllowUsers")) is None  # "users" ≠ root
    assert sshd.find(_words("isn't listed in AllowUsers")) == "not listed in allowusers"


def test_a_negation_is_met_never_skipped(sshd: TextPhrases) -> None:
    # "listed in DenyUsers" lines exist; none says "not listed in DenyUsers"
    assert sshd.find(_words("not listed in DenyUsers")) is None
    assert sshd.find(_words("listed in DenyUsers")) == "listed in denyusers"


def test_nothing_found_from_stop_words_or_absent_words(sshd: TextPhrases) -> None:
    assert sshd.find(_words("the is of")) is None
    assert sshd.find(_words("quantum entanglement")) is None


def test_contractions_read_as_negations() -> None:
    q = parse_question("How many requests for files that don't exist? It can't be, it won't")
    norms = [t.norm for t in q.toks]
    assert norms[norms.index("file") : norms.index("exist") + 1] == [
        "file", "that", "do", "not", "exist"
    ]  # fmt: skip
    assert "can" in norms and "will" in norms and "t" not in norms
    assert [q.toks[i].norm for i in q.negations()] == ["not", "not", "not"]
    assert parse_question("How many orders weren't shipped?").negations()
    assert not parse_question("How many are not equal to 3?").negations()  # a comparison
