"""The guard on what `ask` lets out: per-source policy over answers and citations, with the
real embedding model, catalog and PII detector."""

from __future__ import annotations

from pathlib import Path

from lakelight.config import load_settings
from lakelight.guard.policy import OutputGuard
from lakelight.rag.answer import Asker
from lakelight.workspace import Workspace
from tests.chinook import load_chinook


def test_card_numbers_never_leave_and_sensitive_sources_lose_all_pii(tmp_path: Path) -> None:
    payments = tmp_path / "payments.csv"
    payments.write_text(
        "payment_id,customer,card,amount\n"
        "1,Ana Silva,4111 1111 1111 1111,12.50\n"
        "2,Tom Berg,5500 0000 0000 0004,80.00\n"
        "3,Li Wei,3400 000000 00009,7.25\n",
        encoding="utf-8",
    )
    chinook = tmp_path / "chinook.db"
    load_chinook(f"sqlite:///{chinook}")
    ws = Workspace(load_settings(home=str(tmp_path / "ws"), llm_backend="none"))
    try:
        ws.ingest(str(payments), table="payments")
        ws.ingest(f"sqlite:///{chinook}", table="Customer")

        answer = ws.ask("What is the card of payment 2?")
        text = answer.answer + str([c.row for c in answer.citations])
        assert "5500 0000 0000 0004" not in text and "0004" not in answer.answer
        assert answer.redacted.get("CREDIT_CARD", 0) >= 1
        assert "<CREDIT_CARD>" in text
        assert any(c.row["customer"] == "Tom Berg" for c in answer.citations)  # names may leave
        hits = ws.search("Tom Berg card", 3)
        assert hits and all("0000 0004" not in str(h.row) for h in hits)
        assert any(h.row["card"] == "<CREDIT_CARD>" for h in hits)

        question = "What is the email of customer Luís Gonçalves?"
        open_answer = ws.ask(question)
        assert "luisg@embraer.com.br" in open_answer.answer  # not sensitive: allowed out

        strict = load_settings(
            home=str(tmp_path / "ws"),
            llm_backend="none",
            guard_sensitive_sources=["sqlite:///*chinook.db"],
        )
        guarded = Asker(
            strict,
            ws.catalog,
            ws.retriever,
            None,
            lambda: OutputGuard(strict, ws.pii_detector, ws.catalog),
        ).ask(question)
        leaked = guarded.answer + str([c.row for c in guarded.citations])
        assert "luisg@embraer.com.br" not in leaked and "Gonçalves" not in leaked
        assert guarded.redacted.get("EMAIL_ADDRESS", 0) >= 1
        assert guarded.citations and guarded.citations[0].row["country"] == "Brazil"
    finally:
        ws.close()


def test_hash_salt_is_secret_and_stable(tmp_path: Path) -> None:
    from lakelight.guard.policy import SALT_FILE, hash_salt

    settings = load_settings(home=str(tmp_path / "ws"))
    first = hash_salt(settings)
    assert len(first) == 32 and hash_salt(settings) == first
    assert (tmp_path / "ws" / SALT_FILE).stat().st_mode & 0o077 == 0
    assert hash_salt(load_settings(home=str(tmp_path / "ws"), guard_hash_salt="s3")) == "s3"
