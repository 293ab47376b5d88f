"""The web page in a real browser: Debian's chromium driven by playwright (no browser
download) against `lakelight serve` in a subprocess over the API tests' real workspace
(Superstore sales open to all, Chinook's customers for group "support", its employees for
"hr"), plus a table of notes, one of whose rows is markup."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from lakelight.config import load_settings
from lakelight.workspace import Workspace
from tests.api.conftest import build
from tests.servers import serve

playwright_api = pytest.importorskip("playwright.sync_api")

MARKUP = "<img src=x onerror=alert(1)>"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Site:
    base: str
    home: Path
    keys: dict[str, str]
    shots: Path
    log: list[str]


def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("web")
    served = build(root)
    notes = served.root / "notes.csv"
    with notes.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            [["note_id", "note"], [1, MARKUP], [2, "Call the West region on Monday"]]
        )
    served.ws.ingest(str(notes), table="notes")
    keys = dict(served.keys)
    served.ws.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKELIGHT_")}
    env |= {
        "LAKELIGHT_HOME": str(root / "ws"),
        "LAKELIGHT_LLM_BACKEND": "none",
        "LAKELIGHT_API_RATE_LIMIT": "0",
    }
    proc, base = serve(env)
    log: list[str] = []
    try:
        yield Site(base, root / "ws", keys, root / "shots", log)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        log.append(err)
        for secret in keys.values():
            assert secret not in err  # keys never reach the server's log


@pytest.fixture(scope="session")
def browser(site: Site) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.dialogs, page.errors = dialogs, errors  # type: ignore[attr-defined]
    yield page
    context.close()


def sign_in(page: Any, site: Site, key: str) -> None:
    page.goto(site.base + "/")
    page.get_by_label("API key").fill(site.keys[key])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {key}").wait_for()
    assert site.keys[key] not in page.url


def ask(page: Any, question: str) -> Any:
    page.get_by_label("Question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator("#answer")
    answer.locator(".latency").wait_for()
    return answer


def shot(page: Any, site: Site, name: str) -> None:
    site.shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(site.shots / f"{name}.png"), full_page=True)


@pytest.mark.e2e
def test_ask_cite_rate_and_row_markup_stays_text(page: Any, site: Site) -> None:
    r = httpx.get(site.base + "/")
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "default-src 'none'" in policy
    sign_in(page, site, "support")

    answer = ask(page, "What is the email of customer Luís Gonçalves?")
    assert "luisg@embraer.com.br" in answer.locator(".text").inner_text()
    assert "Looked up" in answer.inner_text()
    citation = answer.locator("details.citation").first
    citation.locator("summary").click()  # open the cited row
    assert citation.locator("td", has_text="Gonçalves").first.is_visible()

    answer = ask(page, "What were the total sales in the West region?")
    assert "Computed" in answer.inner_text()
    assert "SELECT" in answer.locator("pre code").inner_text().upper()
    shot(page, site, "ask")

    page.get_by_role("button", name="No").click()  # 👎
    page.get_by_label("Comment (optional)").fill("the West figure looks low")
    page.get_by_role("button", name="Send rating").click()
    page.get_by_text("your rating is stored").wait_for()
    ws = Workspace(load_settings(home=str(site.home), llm_backend="none"))
    try:
        [stored] = ws.feedback.rated("support")
    finally:
        ws.close()
    assert stored["rating"] == -1 and stored["comment"] == "the West figure looks low"
    assert stored["question"] == "What were the total sales in the West region?"

    answer = ask(page, "What does note 1 say?")
    assert MARKUP in answer.inner_text()  # shown as text ...
    assert page.locator("#answer img").count() == 0  # ... never as an element
    assert page.locator("#recent li").count() == 3
    page.keyboard.press("Tab")
    assert page.dialogs == []  # type: ignore[attr-defined]

    answer = ask(page, "What is the favourite colour of the moon?")
    assert "does not say" in answer.inner_text()


@pytest.mark.e2e
def test_data_lists_only_readable_tables_with_profiles(page: Any, site: Site) -> None:
    sign_in(page, site, "support")
    tab = page.get_by_role("tab", name="Ask")
    tab.focus()
    page.keyboard.press("ArrowRight")  # tabs work from the keyboard
    assert page.get_by_role("tab", name="Data").get_attribute("aria-selected") == "true"
    page.locator("#data-status", has_text="table(s) you may read").wait_for()
    names = page.locator("#data details.table summary strong").all_inner_texts()
    assert sorted(names) == ["Customer", "notes", "sales"]  # Employee is group hr's
    assert "Employee" not in page.locator("#panel-data").inner_text()
    page.locator("#data details.table", has_text="Customer").locator("summary").click()
    profile = page.locator("#data details.table", has_text="Customer").inner_text()
    assert "country" in profile and "Brazil" in profile and "distinct" in profile
    shot(page, site, "data")


@pytest.mark.e2e
def test_synthesize_preview_csv_and_report(page: Any, site: Site) -> None:
    sign_in(page, site, "support")
    page.get_by_role("tab", name="Synthesize").click()
    page.locator("#synth-table option[value='sales']").wait_for(state="attached")
    assert page.locator("#synth-table option[value='Employee']").count() == 0
    page.get_by_label("Table").select_option("sales")
    page.get_by_label("Rows").fill("40")
    page.get_by_label("Conditions").fill("Region=West")
    page.get_by_role("button", name="Preview").click()
    page.locator("#synth-status", has_text="Made 40 rows").wait_for(timeout=120_000)
    regions = page.locator("#synth-preview-table tbody tr").count()
    assert regions == 20
    assert set(page.locator("#synth-preview-table tbody td:nth-child(7)").all_inner_texts()) == {
        "West"
    }
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("Ship Mode,") and len(text.splitlines()) == 41
    page.get_by_role("button", name="Quality report").click()
    page.locator("#synth-status", has_text="Quality report shown").wait_for(timeout=120_000)
    frame = page.frame_locator("#report")
    assert "quality report" in frame.locator("h1").inner_text()
    assert frame.locator(".card").count() > 0  # styled by its own (hash-allowed) stylesheet
    shot(page, site, "synthesize")
    page.locator("#report").screenshot(path=str(site.shots / "report.png"))
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert not [e for e in page.errors if "Content Security Policy" in e]  # type: ignore[attr-defined]
