"""scan_target over files and text, and `lakelight guard scan` through Typer's runner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakelight.cli import app
from lakelight.errors import SourceError
from lakelight.guard.pii import PiiDetector
from lakelight.guard.scan import looks_like_path, scan_target

COLUMNS = ["GivenName", "Surname", "EmailAddress", "Occupation", "Company"]


@pytest.fixture()
def people_csv(tmp_path: Path, identities: list[dict[str, str]]) -> Path:
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(identities[:20])
    return path


def test_csv_records_with_column_context(detector: PiiDetector, people_csv: Path) -> None:
    found = scan_target(str(people_csv), detector)
    emails = [f for f in found if f["column"] == "EmailAddress"]
    assert [f["row"] for f in emails] == list(range(1, 21))
    assert all(f["type"] == "EMAIL_ADDRESS" for f in emails)
    names = {(f["row"], f["column"]) for f in found if f["type"] == "PERSON"}
    assert {(r, c) for r in range(1, 21) for c in ("GivenName", "Surname")} <= names
    assert set(found[0]) == {"row", "column", "type", "start", "end", "score"}  # no PII text


def test_header_is_never_flagged(detector: PiiDetector, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("debra.neal@example.com,Debra Neal\nblue,7\n", encoding="utf-8")
    assert scan_target(str(path), detector) == []


def test_json_lines_and_array(detector: PiiDetector, tmp_path: Path) -> None:
    rows = [
        {"email": "ana@example.org", "note": "call +1 202-555-0143", "n": 3},
        {"email": None, "meta": {"ip": "10.1.2.3"}},
    ]
    lines = tmp_path / "rows.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    array = tmp_path / "rows.json"
    array.write_text(json.dumps(rows), encoding="utf-8")
    expected = [
        (1, "email", "EMAIL_ADDRESS"),
        (1, "note", "PHONE_NUMBER"),
        (2, "meta", "IP_ADDRESS"),
    ]
    for path in (lines, array):
        found = scan_target(str(path), detector)
        assert [(f["row"], f["column"], f["type"]) for f in found] == expected


def test_bad_json_is_a_source_error(detector: PiiDetector, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(SourceError, match="line 2"):
        scan_target(str(path), detector)


def test_text_file_line_by_line(detector: PiiDetector, fail2ban_logs: Path) -> None:
    log = next(p for p in sorted(fail2ban_logs.rglob("*")) if p.is_file())
    found = scan_target(str(log), detector)
    assert found and all("line" in f for f in found)
    assert {f["type"] for f in found} >= {"IP_ADDRESS"}


def test_raw_text_and_paths(detector: PiiDetector, tmp_path: Path) -> None:
    found = scan_target("mail me at ana@example.org", detector)
    assert [(f["type"], f["start"], f["end"]) for f in found] == [("EMAIL_ADDRESS", 11, 26)]
    assert scan_target("ana@example.org", detector)[0]["type"] == "EMAIL_ADDRESS"
    assert looks_like_path("data/people.csv") and looks_like_path("./x")
    assert not looks_like_path("ana@example.com") and not looks_like_path("two words.csv")
    with pytest.raises(SourceError, match="does not exist"):
        scan_target(str(tmp_path / "missing.csv"), detector)
    with pytest.raises(SourceError, match="folder"):
        scan_target(str(tmp_path) + "/", detector)


def test_binary_file(detector: PiiDetector, tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 50 + b"\nssn 536-22-8726\n")
    found = scan_target(str(path), detector)
    assert [f["type"] for f in found] == ["US_SSN"]


runner = CliRunner()


def test_cli_json(people_csv: Path) -> None:
    result = runner.invoke(app, ["guard", "scan", str(people_csv), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["EMAIL_ADDRESS"] == 20
    assert sum(data["counts"].values()) == len(data["findings"])


def test_cli_table_and_text() -> None:
    result = runner.invoke(app, ["guard", "scan", "card 4111 1111 1111 1111, ip 10.0.0.7"])
    assert result.exit_code == 0, result.output
    assert "CREDIT_CARD" in result.stdout and "IP_ADDRESS" in result.stdout
    assert "4111" not in result.stdout
    clean = runner.invoke(app, ["guard", "scan", "nothing to see"])
    assert clean.exit_code == 0 and "No PII found." in clean.stdout


def test_cli_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["guard", "scan", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert len(result.output.strip().splitlines()) == 1
