"""The search widget in a real browser: headless Chromium (Playwright) against `privsearch serve`.

One server per module over an index of the shared DHS corpus plus a publication whose title and
text are HTML. Every page's console must stay empty (errors, warnings, uncaught exceptions).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

import privsearch
from tests.conftest import DHS, TEST_LIMITS
from tests.pdfgen import write_text_pdf

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

CHROMIUM = Path("/usr/bin/chromium")
SHARED = Path(__file__).resolve().parents[2] / "shared"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_TITLE = "Privacy Impact Assessment for the <img src=x onerror=alert(1)> Zebrafish System"
HOSTILE_TEXT = "The zebrafish system stores <script>alert(2)</script> &amp; <b>bold</b> claims."
WIDGET = "privsearch-search"
# Set to a path (e.g. docs/widget.png) to save the demo page's screenshot there.
SCREENSHOT_TO = os.environ.get("PRIVSEARCH_WIDGET_SCREENSHOT")

pytestmark = [
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"the shared DHS corpus is not at {SHARED}"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_command(index: Path, port: int, origin: str) -> list[str]:
    from privsearch.cli import cli

    if "serve" in getattr(cli, "commands", {}):
        return [sys.executable, "-m", "privsearch", "serve", "--index", str(index),
                "--port", str(port), "--allow-origin", origin, "--rate-limit", "0"]  # fmt: skip
    # What `privsearch serve` runs, for a checkout whose command line does not have it yet.
    code = (
        "import sys; from pathlib import Path; from privsearch.http import serve; "
        "serve(Path(sys.argv[1]), port=int(sys.argv[2]), allow_origins=[sys.argv[3]], "
        "rate_limit=0)"
    )
    return [sys.executable, "-c", code, str(index), str(port), origin]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    extra = tmp_path_factory.mktemp("hostile")
    write_text_pdf(
        extra / "dhs-zz-pia-999.pdf",
        [f"{HOSTILE_TITLE}\nMarch 3, 2021\n{HOSTILE_TEXT}", "Page two: zebrafish again."],
        title=HOSTILE_TITLE,
    )
    path = tmp_path_factory.mktemp("widget-index")
    privsearch.build_index([DHS, extra], path, limits=TEST_LIMITS)
    return path


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A plain static site on another port: an agency page that embeds the widget."""
    root = tmp_path_factory.mktemp("agency-site")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serving(index: Path, origin: str, log_dir: Path) -> Iterator[str]:
    """`privsearch serve` over `index` on a free port, until the block ends: its base URL."""
    port = _free_port()
    log = (log_dir / "server.log").open("w+")
    proc = subprocess.Popen(
        _server_command(index, port, origin), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"privsearch serve did not start:\n{log.read()}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def base_url(index_dir: Path, other_origin: tuple[str, Path], tmp_path_factory) -> Iterator[str]:
    with serving(index_dir, other_origin[0], tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """Everything the page said on its console, uncaught errors, and any alert() it opened."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("console", lambda m: self.messages.append(f"console.{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.messages.append(f"uncaught: {e}"))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.messages.append(f"{dialog.type}(): {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = Console(page)
    page.console = console
    yield page
    context.close()
    assert console.messages == [], "the browser console was not empty"


def widget(page):
    return page.locator(WIDGET)


def search_box(page):
    return page.get_by_role("combobox", name="Search DHS privacy publications")


def suggestions(page):
    return page.get_by_role("listbox", name="Suggestions").get_by_role("option")


def results_shown(page):
    expect(page.locator(f"{WIDGET}[data-state=results]")).to_have_count(1)
    return page.locator(f"{WIDGET} .result")


def search_for(page, base_url: str, query: str, **params: str) -> None:
    query_string = "&".join(f"ps-{k}={v}" for k, v in {"q": query, **params}.items())
    page.goto(f"{base_url}/?{query_string}")
    results_shown(page)


# ---------------------------------------------------------------- tests


def test_demo_page_is_served_with_a_strict_policy(page, base_url: str) -> None:
    response = page.goto(base_url + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    box = search_box(page)
    expect(box).to_be_visible()
    # the widget's constructed stylesheet applies under that policy
    assert box.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"


def test_type_pick_a_suggestion_and_see_highlighted_results(page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = search_box(page)
    box.press_sequentially("facial recog", delay=20)
    options = suggestions(page)
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    assert "Facial Recognition" in options.all_inner_texts()
    options.filter(has_text=re.compile(r"^Facial Recognition$")).click()
    expect(box).to_have_value("Facial Recognition")
    expect(box).to_have_attribute("aria-expanded", "false")
    results = results_shown(page)
    expect(page.get_by_role("status")).to_contain_text("results for “Facial Recognition”")
    assert results.count() >= 3
    first = results.first
    expect(first.locator(".result-title")).to_contain_text("Facial Recognition")
    expect(first.locator(".tag").first).to_be_visible()  # component
    expect(first.locator("mark").first).to_be_visible()
    assert "facial" in first.locator("mark").first.inner_text().lower()
    expect(first.locator(".pages")).to_contain_text("page")
    assert "ps-q=Facial+Recognition" in page.url


def suggestion_group(page, name: str):
    return page.get_by_role("listbox", name="Suggestions").get_by_role("group", name=name)


def test_typing_shows_live_results_for_the_completed_word_before_enter(page, base_url) -> None:
    page.goto(base_url + "/")
    search_box(page).focus()
    page.keyboard.type("facial recog", delay=60)
    # Before Enter: the last word is read as the start of a word, not searched as "recog".
    results = results_shown(page)
    expect(page.get_by_role("status")).to_contain_text("results for “facial recog”")
    expect(results.first.locator(".result-title")).to_contain_text("ICE Use of Facial Recognition")
    marks = {m.lower() for m in results.first.locator("mark").all_inner_texts()}
    assert any("recognition" in m for m in marks) and "recog" not in marks
    expect(page.locator(f"{WIDGET} .did-you-mean")).to_be_hidden()
    expect(page.locator(f"{WIDGET} .notes")).not_to_contain_text("No document contains all")
    # The list: phrases, then documents to open.
    phrases = suggestion_group(page, "Suggestions").get_by_role("option")
    expect(phrases.first).to_have_text("Facial Recognition")
    documents = suggestion_group(page, "Documents").get_by_role("option")
    expect(documents.first).to_contain_text("ICE Use of Facial Recognition Services")
    assert "ps-q=facial+recog" in page.url and "prefix" not in page.url
    # A result opened now marks, on its page, the words the half-typed one stood for.
    search_box(page).press("Escape")  # the list closes; the box keeps what was typed
    results.first.locator(".result-title").click()
    text = page.get_by_role("dialog").locator(".page-text")
    expect(text.locator("mark", has_text=re.compile("recognition", re.I)).first).to_be_visible()


def test_arrow_keys_reach_a_document_and_enter_opens_it(page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = search_box(page)
    box.focus()
    page.keyboard.type("facial rec", delay=40)
    documents = suggestion_group(page, "Documents").get_by_role("option")
    expect(documents.first).to_be_visible()
    options = suggestions(page)
    texts = options.all_inner_texts()
    position = next(i for i, t in enumerate(texts) if "ICE Use of Facial Recognition" in t)
    for _ in range(position + 1):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active == f"suggestion-{position}"
    expect(options.nth(position)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_contain_text("Facial Recognition Services")
    expect(dialog).to_contain_text("DHS/ICE/PIA-054")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(box).to_be_focused()


def test_a_reference_number_is_offered_and_escape_closes_the_list(page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = search_box(page)
    box.focus()
    page.keyboard.type("PIA-05", delay=60)
    references = suggestion_group(page, "References").get_by_role("option")
    expect(references.first).to_be_visible()
    assert "DHS/ICE/PIA-054" in references.all_inner_texts()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_hidden()
    expect(box).to_have_value("PIA-05")
    box.press("ArrowDown")  # opens the list again
    expect(references.first).to_be_visible()
    references.filter(has_text=re.compile(r"^DHS/ICE/PIA-054$")).click()
    expect(box).to_have_value("DHS/ICE/PIA-054")
    expect(results_shown(page).first.locator(".id")).to_have_text("DHS/ICE/PIA-054")


def test_filter_by_component(page, base_url: str) -> None:
    search_for(page, base_url, "biometric")
    component = page.locator(f"{WIDGET} fieldset[data-facet=component]")
    cbp = component.get_by_role("checkbox", name=re.compile(r"^CBP\b"))
    cbp.check()
    expect(page).to_have_url(re.compile(r"ps-component=CBP"))
    results = results_shown(page)
    expect(results.first.locator(".tag").first).to_have_text("CBP")
    for tag in results.locator(".meta .tag:first-child").all_inner_texts():
        assert tag == "CBP"
    # the other components stay listed with their counts, so a second one can be added
    assert component.get_by_role("checkbox").count() > 1
    expect(cbp).to_be_checked()
    page.go_back()  # each filter change is a history entry
    expect(cbp).not_to_be_checked()
    expect(page).not_to_have_url(re.compile("ps-component"))
    expect(results.locator(".meta .tag:first-child").first).not_to_have_text("CBP")


def test_page_forward(page, base_url: str) -> None:
    search_for(page, base_url, "biometric")
    first_page = page.locator(f"{WIDGET} .result-title").all_inner_texts()
    assert len(first_page) == 10
    nav = page.get_by_role("navigation", name="Result pages")
    expect(nav.get_by_role("button", name="Page 1")).to_have_attribute("aria-current", "page")
    nav.get_by_role("button", name="Next page").click()
    expect(page.get_by_role("status")).to_contain_text("11–20 shown")
    expect(nav.get_by_role("button", name="Page 2")).to_have_attribute("aria-current", "page")
    second_page = page.locator(f"{WIDGET} .result-title").all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    assert "ps-page=2" in page.url
    # the first result of the new page has the focus, for keyboard users
    assert (
        page.evaluate(
            "document.querySelector('privsearch-search').shadowRoot.activeElement.textContent"
        )
        == second_page[0]
    )


def _focused(page) -> dict[str, str | None]:
    return page.evaluate(
        """() => {
          const e = document.querySelector('privsearch-search').shadowRoot.activeElement;
          return e && {role: e.getAttribute('role'), cls: e.className, text: e.textContent,
                       outline: getComputedStyle(e).outlineStyle};
        }"""
    )


def test_keyboard_only(page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    assert _focused(page)["role"] == "combobox"
    page.keyboard.type("facial recog", delay=20)
    box = search_box(page)
    expect(suggestions(page).first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    expect(suggestions(page).first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")  # closes the suggestions, keeps the text
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("facial recog")
    page.keyboard.press("ArrowDown")  # opens them again
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value(re.compile("^Facial Recognition"))
    results_shown(page)

    page.keyboard.press("ArrowDown")  # from the box into the results
    titles = page.locator(f"{WIDGET} .result-title").all_inner_texts()
    focused = _focused(page)
    assert focused["text"] == titles[0]
    assert focused["outline"] == "solid"  # visible focus
    page.keyboard.press("ArrowDown")
    assert _focused(page)["text"] == titles[1]
    page.keyboard.press("ArrowUp")
    assert _focused(page)["text"] == titles[0]

    page.keyboard.press("Enter")  # opens the document (the first has PDF pages)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    first_id = page.locator(f"{WIDGET} .result").first.get_attribute("data-id")
    expect(dialog.locator(".facts")).to_contain_text(first_id)
    expect(dialog.locator(".page-text mark").first).to_be_visible()
    page.keyboard.press("Escape")  # closes it, and the focus goes back to the result
    expect(dialog).to_be_hidden()
    assert _focused(page)["text"] == titles[0]

    page.keyboard.press("ArrowUp")  # above the first result: back in the box
    assert _focused(page)["role"] == "combobox"
    page.keyboard.press("Escape")  # no suggestions open: clears the search
    expect(box).to_have_value("")
    expect(page.locator(f"{WIDGET} .result")).to_have_count(0)


def test_document_text_is_never_markup(page, base_url: str) -> None:
    search_for(page, base_url, "zebrafish")
    hit = page.locator(f"{WIDGET} .result").first
    expect(hit.locator(".result-title")).to_have_text(HOSTILE_TITLE)
    expect(hit.locator(".snippet")).to_contain_text("<script>alert(2)</script>")
    expect(hit.locator(".snippet mark").first).to_have_text(re.compile("zebrafish", re.I))
    hit.locator(".result-title").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", level=2)).to_have_text(HOSTILE_TITLE)
    text = dialog.locator(".page-text")
    expect(text).to_contain_text("<script>alert(2)</script> &amp; <b>bold</b>")
    expect(text.locator("mark").first).to_be_visible()
    shadow = widget(page)
    for tag in ("img", "script", "b"):
        assert shadow.locator(tag).count() == 0, f"a <{tag}> element was made from document text"


def test_a_hit_opens_its_pdf_at_the_matching_page(page, base_url: str) -> None:
    search_for(page, base_url, "zebrafish")
    hit = page.locator(f"{WIDGET} .result").first
    link = hit.locator("a.pdf-link")
    expect(link).to_have_text("Open PDF at page 1")
    href = link.get_attribute("href")
    assert href == f"{base_url}/api/documents/dhs-zz-pia-999/pdf#page=1"
    assert link.get_attribute("target") == "_blank"
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    # the document panel links the PDF, and the page it shows in it
    hit.locator(".result-title").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("a.pdf-link").first).to_have_text("Open PDF")
    page_link = dialog.locator("a.pdf-page-link")
    expect(page_link).to_have_text("Open page 1 in the PDF")
    dialog.get_by_role("button", name="Page 2").click()
    expect(page_link).to_have_text("Open page 2 in the PDF")
    assert page_link.get_attribute("href").endswith("/pdf#page=2")


def test_a_hit_links_its_publication_page(page, base_url: str) -> None:
    search_for(page, base_url, '"Traveler Verification Service"')
    hit = page.locator(f"{WIDGET} .result[data-id='DHS/CBP/PIA-056']")
    link = hit.locator("a.publication-link")
    expect(link).to_have_attribute("href", "https://omb.report/icr/202305-1651-001/doc/131867701")
    expect(hit.locator("a.pdf-link")).to_have_count(1)


def test_url_runs_the_search(page, base_url: str) -> None:
    search_for(page, base_url, "biometric", component="CBP")
    expect(search_box(page)).to_have_value("biometric")
    expect(page.get_by_role("checkbox", name=re.compile(r"^CBP\b"))).to_be_checked()
    expect(page.get_by_role("status")).to_contain_text("for “biometric”")

    page.goto(base_url + "/?ps-q=biometric&ps-page=99")  # past the end: the last page
    nav = page.get_by_role("navigation", name="Result pages")
    expect(nav.locator("[aria-current=page]")).to_have_text("3")
    expect(page).to_have_url(re.compile(r"ps-page=3"))

    search_for(page, base_url, "biometric", sort="date")
    expect(page.get_by_role("combobox", name="Sort results")).to_have_value("date")
    dates = page.locator(f"{WIDGET} .result").evaluate_all(
        "items => items.map(i => i.querySelector('.meta span:nth-of-type(3)').textContent)"
    )
    assert dates[0] != "undated"

    page.goto(base_url + "/?ps-q=biometric")
    assert results_shown(page).count() == 10
    search_box(page).fill("facial recognition")
    expect(page).to_have_url(re.compile(r"ps-q=facial\+recognition"))


def test_a_late_answer_to_an_older_query_is_dropped(page, base_url: str) -> None:
    held = []
    page.route(
        re.compile(r".*/api/search\?q=biometric&.*"), lambda route: held.append(route)
    )  # answered later
    page.goto(base_url + "/")
    search_box(page).fill("biometric")
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the widget did not search for 'biometric'"
    search_box(page).fill("facial recognition")
    status = page.get_by_role("status")
    expect(status).to_contain_text("for “facial recognition”")
    with page.expect_event("requestfinished"):
        held[0].continue_()
    page.wait_for_timeout(100)
    expect(status).to_contain_text("for “facial recognition”")
    expect(page.locator(f"{WIDGET} .result-title").first).to_contain_text("Facial Recognition")


def test_did_you_mean_and_no_results(page, base_url: str) -> None:
    # A misspelling with a close word: its results are shown, and the words as typed offered.
    page.goto(base_url + "/?ps-q=biometic")
    results_shown(page)
    line = page.locator(f"{WIDGET} .did-you-mean")
    expect(line).to_have_text("Showing results for biometric; search instead for biometic")
    expect(page.locator(f"{WIDGET} .result-title").first).to_contain_text("Biometric")
    line.get_by_role("button", name="biometic").click()
    # As typed, no document holds the word: the correction is offered instead.
    expect(page.locator(f"{WIDGET}[data-state=empty]")).to_have_count(1)
    expect(page.locator(f"{WIDGET} .notes")).to_contain_text("Not found: biometic.")
    assert "ps-correct=false" in page.url
    expect(search_box(page)).to_have_value("biometic")
    line.get_by_role("button", name="biometric").click()
    results_shown(page)
    expect(search_box(page)).to_have_value("biometric")
    assert "ps-q=biometric" in page.url and "ps-correct" not in page.url
    expect(line).to_be_hidden()
    # A misspelled word among correct ones is corrected too.
    page.goto(base_url + "/?ps-q=biometirc+data+sharing")
    results_shown(page)
    expect(line).to_have_text(
        "Showing results for biometric data sharing; search instead for biometirc data sharing"
    )
    # Nothing close at all: the empty state.
    page.goto(base_url + "/?ps-q=qxzqxzqxz")
    expect(page.locator(f"{WIDGET}[data-state=empty]")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("No results for “qxzqxzqxz”")


def test_service_errors_are_shown_and_logged(page, base_url: str) -> None:
    page.route(
        re.compile(r".*/api/search\?.*"),
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"ok": false, "error": "internal error", "status": 500}',
        ),
    )
    page.goto(base_url + "/?ps-q=biometric")
    expect(page.locator(f"{WIDGET}[data-state=error]")).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("Search is unavailable: internal error")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    logged = page.console.messages
    assert "console.error: [privsearch] search failed: internal error" in logged
    # Chromium's own line about the failed request is the only other one
    assert all("[privsearch]" in m or "status of 500" in m for m in logged), logged
    logged.clear()


def test_embedded_in_a_page_from_another_origin(page, base_url: str, other_origin) -> None:
    origin, root = other_origin
    (root / "agency.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Agency</title>"
        '<link rel="icon" href="data:,">'
        f'<script src="{base_url}/widget.js" defer></script></head>'
        '<body><h1>Agency privacy</h1><privsearch-search component="CBP" per-page="3">'
        "</privsearch-search></body></html>"
    )
    page.goto(f"{origin}/agency.html")
    search_box(page).press_sequentially("biometric", delay=20)
    results = results_shown(page)
    expect(results).to_have_count(3)
    for tag in results.locator(".meta .tag:first-child").all_inner_texts():
        assert tag == "CBP"
    page.keyboard.press("Escape")  # the suggestions cover the first results
    results.first.locator(".result-title").click()
    expect(page.get_by_role("dialog").locator(".facts")).to_contain_text("CBP")
    assert page.url.startswith(origin) and "ps-q=biometric" in page.url


def test_demo_screenshot(page, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + "/?ps-q=facial+recognition")
    results_shown(page)
    search_box(page).blur()
    target = Path(SCREENSHOT_TO) if SCREENSHOT_TO else tmp_path / "widget.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000


# ---------------------------------------------------------------- browsing


def api_search(base_url: str, **params: str) -> dict:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base_url}/api/search?{query}", timeout=10) as response:
        return json.load(response)


def browsing(page):
    expect(page.locator(f"{WIDGET}[data-state=browse]")).to_have_count(1)
    return page.locator(f"{WIDGET} .result")


def shown_dates(page) -> list[str]:
    """The dates of the listed documents, as YYYY-MM-DD (they are shown as "Jul 21, 2025")."""
    texts = page.locator(f"{WIDGET} .result .meta span:nth-of-type(3)").all_inner_texts()
    return [datetime.strptime(t, "%b %d, %Y").date().isoformat() for t in texts]


def year_count(page, year: str) -> int:
    option = page.locator(f"{WIDGET} fieldset[data-facet=year] .facet-option", has_text=year)
    return int(option.locator(".count").inner_text())


def test_a_filter_with_an_empty_box_lists_documents_newest_first(page, base_url: str) -> None:
    page.goto(base_url + "/")
    component = page.locator(f"{WIDGET} fieldset[data-facet=component]")
    ice = component.get_by_role("checkbox", name=re.compile(r"^ICE\b"))
    expect(ice).to_be_visible()  # the filters are there before anything is typed
    expect(page.locator(f"{WIDGET} .result")).to_have_count(0)
    ice.check()
    results = browsing(page)
    expected = api_search(base_url, component="ICE")
    assert expected["total"] > 10
    expect(page.get_by_role("status")).to_have_text(
        f"Browsing {expected['total']} documents, newest first, 1–10 shown"
    )
    expect(results).to_have_count(10)
    assert [r.get_attribute("data-id") for r in results.all()] == [
        h["id"] for h in expected["results"]
    ]
    assert set(results.locator(".meta .tag:first-child").all_inner_texts()) == {"ICE"}
    dates = shown_dates(page)
    assert dates == sorted(dates, reverse=True) and dates[0] > dates[-1]
    expect(page.get_by_role("combobox", name="Sort results")).to_have_value("date")
    expect(page).to_have_url(re.compile(r"ps-component=ICE"))
    assert "ps-q" not in page.url
    # typing words searches within the filter; clearing them lists again
    box = page.get_by_role("combobox", name="Search DHS privacy publications")
    box.fill("facial recognition")
    expect(page.get_by_role("status")).to_contain_text("for “facial recognition”")
    box.fill("")
    browsing(page)
    # no filter left: back to the empty box, nothing listed
    ice.uncheck()
    expect(page.locator(f"{WIDGET}[data-state=idle]")).to_have_count(1)
    expect(page.locator(f"{WIDGET} .result")).to_have_count(0)


def test_year_facet_and_date_range_narrow_the_list(page, base_url: str) -> None:
    page.goto(base_url + "/?ps-component=ICE")
    browsing(page)
    everything = api_search(base_url, component="ICE")["total"]
    years = page.locator(f"{WIDGET} fieldset[data-facet=year]").get_by_role("checkbox")
    values = [y.get_attribute("value") for y in years.all()]
    dated = [v for v in values if v != "unknown"]
    assert len(dated) > 3
    # newest year first, the undated documents last
    assert values == sorted(dated, reverse=True) + ["unknown"] * ("unknown" in values)
    year = dated[1]
    count = year_count(page, year)
    assert 0 < count < everything
    years.nth(values.index(year)).check()
    browsing(page)
    expect(page.get_by_role("status")).to_contain_text(f"Browsing {count} document")
    expect(page).to_have_url(re.compile(rf"ps-year={year}"))
    assert {d[:4] for d in shown_dates(page)} == {year}
    # the other years stay listed with their counts, so a second one can be added
    assert years.count() == len(values)
    years.nth(values.index(year)).uncheck()
    expect(page.get_by_role("status")).to_contain_text(f"Browsing {everything} documents")

    dates = page.locator(f"{WIDGET} fieldset[data-facet=date]")
    dates.locator("input[name=since]").fill("2010-01-01")
    expect(page).to_have_url(re.compile(r"ps-since=2010-01-01"))
    dates.locator("input[name=until]").fill("2015-12-31")
    expect(page).to_have_url(re.compile(r"ps-until=2015-12-31"))
    within = api_search(base_url, component="ICE", since="2010-01-01", until="2015-12-31")
    assert 0 < within["total"] < everything
    expect(page.get_by_role("status")).to_contain_text(f"Browsing {within['total']} document")
    shown = shown_dates(page)
    assert shown and all("2010-01-01" <= d <= "2015-12-31" for d in shown)
    expect(page.locator(f"{WIDGET} .filters summary")).to_have_text("Filters (3 selected)")


# ---------------------------------------------------------------- sections and risks
#
# The shared corpus holds first pages only: its sections are abstracts, overviews and Federal
# Register preambles, and it states no risk. Full-length generated PIAs and SORNs, whose
# sections and risk/mitigation pairs are known by construction (structure.jsonl), fill the gap
# in an index of their own.


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight generated documents: four PIAs stating 10-18 risks each, three SORNs, a report."""
    from benchmarks.generate import generate

    out = tmp_path_factory.mktemp("generated")
    generate(out, docs=8, chars=30_000, seed=3)
    return out


@pytest.fixture(scope="module")
def truth(generated: Path) -> dict[str, dict]:
    """What each generated document holds, by its reference: sections and risks."""
    rows = (generated / "structure.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["reference"]: row for row in map(json.loads, rows)}


@pytest.fixture(scope="module")
def structured_url(generated: Path, other_origin, tmp_path_factory) -> Iterator[str]:
    index = tmp_path_factory.mktemp("generated-index")
    privsearch.build_index([generated], index, limits=TEST_LIMITS)
    with serving(index, other_origin[0], tmp_path_factory.mktemp("generated-server")) as url:
        yield url


def _words(text: str) -> str:
    return " ".join(text.split())


def _pages_of(truth_row: dict, key: str) -> tuple[int, int]:
    """The first and last page of the first section of kind `key` in a generated document."""
    parts = [s for s in truth_row["sections"] if s["level"] == 1]
    at = next(i for i, s in enumerate(parts) if s["key"] == key)
    following = parts[at + 1 :]
    return parts[at]["page"], following[0]["page"] if following else 10_000


def test_the_section_choice_narrows_results_and_labels_snippets(page, structured_url, truth):
    page.goto(structured_url + "/?ps-q=information")
    everywhere = api_search(structured_url, q="information")["total"]
    expect(page.get_by_role("status")).to_contain_text(f"{everywhere} results")
    choice = page.get_by_role("combobox", name="In section")
    expect(choice).to_have_value("")
    offered = choice.locator("option").all_inner_texts()
    assert offered[0] == "anywhere"
    assert {"Routine Uses", "Data Retention", "Categories of Records"} <= set(offered)
    choice.select_option("Routine Uses")
    expect(page).to_have_url(re.compile(r"ps-section=Routine\+Uses"))
    within = api_search(structured_url, q="information", section="Routine Uses")["total"]
    sorns = {reference for reference, row in truth.items() if row["doc_type"] == "SORN"}
    assert 0 < within <= len(sorns) < everywhere
    expect(page.get_by_role("status")).to_contain_text(f"{within} result")
    results = results_shown(page)
    expect(results).to_have_count(within)
    for result in results.all():
        reference = result.get_attribute("data-id")
        assert reference in sorns
        label = result.locator(".snippet-where").inner_text()
        number = int(re.fullmatch(r"Routine Uses, page (\d+)", label)[1])
        first, last = _pages_of(truth[reference], "routine_uses")
        assert first <= number <= last, (reference, label)
        expect(result.locator(".snippet")).to_contain_text(f"{label}: ")
    # the address keeps the choice; "anywhere" drops it
    page.reload()
    expect(choice).to_have_value("Routine Uses")
    expect(page.get_by_role("status")).to_contain_text(f"{within} result")
    choice.select_option("")
    expect(page.get_by_role("status")).to_contain_text(f"{everywhere} results")
    assert "ps-section" not in page.url
    # with the box empty, a section lists the documents that have one of its kind
    page.goto(structured_url + "/?ps-section=Data+Retention")
    listed = browsing(page)
    with_retention = {
        r for r, row in truth.items() if any(s["key"] == "retention" for s in row["sections"])
    }
    expect(listed).to_have_count(len(with_retention))
    assert {r.get_attribute("data-id") for r in listed.all()} == with_retention


def _most_risks(truth: dict[str, dict]) -> str:
    return max(truth, key=lambda reference: len(truth[reference]["risks"]))


def open_document(page, base_url: str, reference: str):
    """The panel of the document `reference`, opened from its search result."""
    page.goto(f"{base_url}/?ps-q={urllib.parse.quote_plus(reference)}")
    results_shown(page)
    page.locator(f"{WIDGET} .result[data-id='{reference}'] .result-title").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(".facts")).to_contain_text(reference)
    return dialog


def test_the_document_panel_lists_its_sections_with_their_pages(page, structured_url, truth):
    reference = _most_risks(truth)
    expected = truth[reference]["sections"]
    dialog = open_document(page, structured_url, reference)
    sections = dialog.get_by_text(f"Sections ({len(expected)})", exact=True)
    sections.click()  # folded until asked for
    links = dialog.locator(".doc-sections .section-link")
    expect(links).to_have_count(len(expected))
    pages = dialog.locator(".doc-sections .section-page").all_inner_texts()
    assert pages == [f"page {s['page']}" for s in expected]
    # the parts of the template at the top, their numbered questions inside them
    parts = [s for s in expected if s["level"] == 1]
    top = dialog.locator(".doc-sections > li > .section-link").all_inner_texts()
    assert [t.lower() for t in top] == [s["heading"].rstrip(":").lower() for s in parts]
    # a section's link opens its page in the panel, its text focused
    shown = int(dialog.locator(".page-nav [aria-current=page]").inner_text())
    target = next(s for s in reversed(parts) if s["page"] != shown)
    links.nth(expected.index(target)).click()
    current = dialog.locator(".page-nav [aria-current=page]")
    expect(current).to_have_text(str(target["page"]))
    expect(dialog.locator(".page-text")).to_be_focused()
    expect(dialog.locator(".page-text")).to_have_attribute(
        "aria-label", f"Page {target['page']} text"
    )


def test_the_document_panel_lists_its_risks_and_mitigations(page, structured_url, truth):
    reference = _most_risks(truth)
    expected = truth[reference]
    dialog = open_document(page, structured_url, reference)
    expect(dialog.locator(".risk-item")).to_have_count(len(expected["risks"]))
    dialog.get_by_text(f"Privacy risks ({len(expected['risks'])})", exact=True).click()
    parts = [s for s in expected["sections"] if s["level"] == 1]
    ends = [later["page"] for later in parts[1:]] + [10_000]

    def heading_of(risk: dict) -> str:
        """The first part of the risk's kind whose pages reach the risk's page (the truth, like
        the API, names the kind; two parts of the older template share one)."""
        return next(
            part["heading"].rstrip(":")
            for part, end in zip(parts, ends, strict=True)
            if part["key"] == risk["section"] and part["page"] <= risk["page"] <= end
        )

    items = dialog.locator(".risk-item")
    for item, risk in zip(items.all(), expected["risks"], strict=True):
        assert _words(item.locator(".risk").inner_text()) == _words(f"Privacy risk: {risk['risk']}")
        # a risk stated without a mitigation says so
        mitigation = risk["mitigation"] or "none stated."
        assert _words(item.locator(".mitigation").inner_text()) == _words(
            f"Mitigation: {mitigation}"
        )
        where = item.locator(".risk-where").inner_text()
        assert where.lower() == f"{heading_of(risk).lower()}, page {risk['page']}", where
    # each risk's page opens in the panel
    shown = int(dialog.locator(".page-nav [aria-current=page]").inner_text())
    at = next(i for i, r in enumerate(expected["risks"]) if r["page"] != shown)
    items.nth(at).get_by_role("button", name=f"page {expected['risks'][at]['page']}").click()
    current = dialog.locator(".page-nav [aria-current=page]")
    expect(current).to_have_text(str(expected["risks"][at]["page"]))
    # and the risk's words are on that page
    first_words = " ".join(expected["risks"][at]["risk"].split()[:4])
    expect(dialog.locator(".page-text")).to_contain_text(first_words)


# ---------------------------------------------------------------- privacy facets

PRIVACY_GROUPS = {
    "pii": "Personal information",
    "technology": "Technology",
    "retention": "Retention",
    "authority": "Legal authority",
    "exemption": "Privacy Act exemption",
}


def facet_group(page, key: str):
    return page.locator(f"{WIDGET} fieldset[data-facet={key}]")


def shown_counts(page, key: str) -> dict[str, int]:
    """The values a facet group shows (not those folded away) with their counts."""
    options = facet_group(page, key).locator(".facet-option:visible")
    return {
        option.locator("input").get_attribute("value"): int(option.locator(".count").inner_text())
        for option in options.all()
    }


def assert_most_frequent(shown: dict[str, int], counts: dict[str, int], n: int = 5) -> None:
    """`shown` is `n` (or all) of `counts` with their counts, none less frequent than one left
    out (values tied at the edge may be either)."""
    assert len(shown) == min(n, len(counts))
    assert all(counts[value] == count for value, count in shown.items()), shown
    assert sorted(shown.values(), reverse=True) == sorted(counts.values(), reverse=True)[:n]


def test_privacy_facet_groups_appear_with_counts_and_filter(page, base_url: str) -> None:
    everything = api_search(base_url, q="", per_page="1")["facets"]
    assert all(everything[key] for key in PRIVACY_GROUPS), "the facet finder found nothing"
    page.goto(base_url + "/")
    expect(facet_group(page, "pii")).to_be_visible()  # before anything is typed
    groups = page.locator(f"{WIDGET} .filter-groups > fieldset")
    order = [g.get_attribute("data-facet") for g in groups.all()]
    assert order == ["component", "type", "year", *PRIVACY_GROUPS]
    for key, label in PRIVACY_GROUPS.items():
        expect(facet_group(page, key).locator("legend")).to_have_text(label)
        assert_most_frequent(shown_counts(page, key), everything[key])
    # a value filters: the documents with it, newest first
    pii = facet_group(page, "pii")
    value = sorted(shown_counts(page, "pii").items(), key=lambda item: item[1])[0][0]
    pii.get_by_role("checkbox", name=re.compile("^" + re.escape(value))).check()
    listed = browsing(page)
    expected = api_search(base_url, pii=value)
    assert expected["total"] == everything["pii"][value]
    expect(page.get_by_role("status")).to_contain_text(f"Browsing {expected['total']} document")
    expect(page).to_have_url(re.compile("ps-pii=" + re.escape(urllib.parse.quote_plus(value))))
    assert [r.get_attribute("data-id") for r in listed.all()] == [
        h["id"] for h in expected["results"]
    ]
    # its own group is counted without it (its other values stay to add); the others with it
    assert_most_frequent(shown_counts(page, "pii"), everything["pii"])
    technology = expected["facets"].get("technology", {})
    assert expected["facets"]["technology"] != everything["technology"]
    if technology:
        assert_most_frequent(shown_counts(page, "technology"), technology)
    else:
        expect(facet_group(page, "technology")).to_have_count(0)
    expect(page.locator(f"{WIDGET} .filters summary")).to_have_text("Filters (1 selected)")
    # the address keeps the filter, words search within it
    page.goto(base_url + "/?ps-q=biometric&ps-pii=fingerprints")
    results = results_shown(page)
    within = api_search(base_url, q="biometric", pii="fingerprints")
    assert 0 < within["total"] < api_search(base_url, q="biometric")["total"]
    expect(page.get_by_role("status")).to_contain_text(f"{within['total']} result")
    # a value folded away in its group shows when it is ticked
    expect(pii.get_by_role("checkbox", name=re.compile(r"^fingerprints\b"))).to_be_checked()
    assert [r.get_attribute("data-id") for r in results.all()] == [
        h["id"] for h in within["results"]
    ]


def test_a_group_without_values_is_hidden(page, base_url: str) -> None:
    page.goto(base_url + "/?ps-exemption=(k)(6)")
    browsing(page)
    facets = api_search(base_url, exemption="(k)(6)")["facets"]
    empty = [key for key in PRIVACY_GROUPS if not facets.get(key)]
    assert empty, "every facet has a value for the (k)(6) documents"
    for key in PRIVACY_GROUPS:
        expect(facet_group(page, key)).to_have_count(0 if key in empty else 1)


def _focused_value(page) -> str:
    return page.evaluate(
        "document.querySelector('privsearch-search').shadowRoot.activeElement.value"
    )


def test_a_long_facet_group_folds_and_unfolds_by_keyboard(page, base_url: str) -> None:
    authorities = api_search(base_url, q="", per_page="1")["facets"]["authority"]
    assert len(authorities) > 6
    page.goto(base_url + "/")
    group = facet_group(page, "authority")
    more = group.get_by_role("button", name=f"Show {len(authorities) - 5} more")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(group.locator(".facet-option:visible")).to_have_count(5)
    first_five = set(shown_counts(page, "authority"))
    # by keyboard: from the fifth value, Tab reaches the button; Enter unfolds it
    group.locator(".facet-option:visible input").last.focus()
    page.keyboard.press("Tab")
    expect(more).to_be_focused()
    page.keyboard.press("Enter")
    toggle = group.locator("button[data-more]")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_text("Show fewer")
    expect(toggle).to_be_focused()
    expect(group.locator(".facet-option:visible")).to_have_count(len(authorities))
    assert shown_counts(page, "authority") == authorities
    # the last value, reached by keyboard, filters; the group is drawn again around the focus
    page.keyboard.press("Shift+Tab")
    last = _focused_value(page)
    assert last in authorities and last not in first_five
    page.keyboard.press("Space")
    browsing(page)
    expect(page).to_have_url(re.compile("ps-authority="))
    expect(group.get_by_role("checkbox", name=re.compile("^" + re.escape(last)))).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # Space folds it: the ticked value stays in sight with the first five
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(group.locator(".facet-option:visible")).to_have_count(6)
    expect(toggle).to_have_text(f"Show {len(authorities) - 6} more")
    # a group of five values or fewer has no button
    page.goto(base_url + "/")
    expect(facet_group(page, "exemption").locator(".facet-option")).to_have_count(
        len(api_search(base_url, q="", per_page="1")["facets"]["exemption"])
    )
    expect(facet_group(page, "exemption").get_by_role("button")).to_have_count(0)


def test_the_document_panel_facets_filter_the_search(page, base_url: str) -> None:
    search_for(page, base_url, "facial recognition")
    reference = "DHS/ICE/PIA-054"
    page.locator(f"{WIDGET} .result[data-id='{reference}'] .result-title").click()
    dialog = page.get_by_role("dialog")
    with urllib.request.urlopen(
        f"{base_url}/api/documents/{urllib.parse.quote(reference, safe='')}", timeout=10
    ) as response:
        facets = json.load(response)["facets"]
    assert "facial recognition" in facets["technology"]
    listed = dialog.locator(".doc-facets dt").all_inner_texts()
    assert listed == [label for key, label in PRIVACY_GROUPS.items() if facets.get(key)]
    for key, label in PRIVACY_GROUPS.items():
        for value in facets.get(key, []):
            button = dialog.get_by_role("button", name=f"{value}, filter by {label}")
            expect(button).to_have_attribute("aria-pressed", "false")
    # its sections, from the first page the shared corpus holds
    dialog.get_by_text("Sections (", exact=False).click()
    expect(dialog.locator(".doc-sections .section-link").first).to_have_text("Abstract")
    dialog.get_by_role("button", name="facial recognition, filter by Technology").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"ps-technology=facial\+recognition"))
    within = api_search(base_url, q="facial recognition", technology="facial recognition")
    expect(page.get_by_role("status")).to_contain_text(f"{within['total']} result")
    checkbox = facet_group(page, "technology").get_by_role(
        "checkbox", name=re.compile(r"^facial recognition\b")
    )
    expect(checkbox).to_be_checked()
    # opened again, the value shows as the filter in use; pressed again, it is dropped
    page.locator(f"{WIDGET} .result[data-id='{reference}'] .result-title").click()
    pressed = dialog.get_by_role("button", name="facial recognition, filter by Technology")
    expect(pressed).to_have_attribute("aria-pressed", "true")
    pressed.click()
    expect(checkbox).not_to_be_checked()
    assert "ps-technology" not in page.url


def test_the_feed_link_follows_the_current_search(page, base_url: str) -> None:
    feedparser = pytest.importorskip("feedparser")
    page.goto(base_url + "/")
    feed = page.get_by_role("link", name="Feed of this search (Atom, newest first)")
    expect(feed).to_be_hidden()  # nothing searched yet
    search_for(page, base_url, "facial recognition")
    expect(feed).to_be_visible()
    expect(feed).to_have_attribute("type", "application/atom+xml")
    expect(feed).to_have_attribute("href", f"{base_url}/api/search.atom?q=facial+recognition")
    facet_group(page, "component").get_by_role("checkbox", name=re.compile(r"^ICE\b")).check()
    href = f"{base_url}/api/search.atom?q=facial+recognition&component=ICE"
    expect(feed).to_have_attribute("href", href)
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(answer.body())
    assert parsed.bozo is False and parsed.entries
    assert all({t.term for t in e.tags} >= {"ICE"} for e in parsed.entries)
    published = [e.published for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    # a search that finds nothing yet still has a feed: new documents may come
    search_box(page).fill("zyxwvut")
    search_box(page).press("Enter")
    expect(page.locator(f"{WIDGET}[data-state=empty]")).to_have_count(1)
    expect(feed).to_be_visible()
    expect(feed).to_have_attribute("href", re.compile(r"api/search\.atom\?q=zyxwvut"))
    # no words, the filter alone: the newest ICE documents
    search_box(page).fill("")
    search_box(page).press("Enter")
    expect(feed).to_have_attribute("href", f"{base_url}/api/search.atom?component=ICE")
    facet_group(page, "component").get_by_role("checkbox", name=re.compile(r"^ICE\b")).uncheck()
    expect(page.locator(f"{WIDGET}[data-state=idle]")).to_have_count(1)
    expect(feed).to_be_hidden()


def test_the_document_panel_compares_with_the_previous_version(page, base_url: str) -> None:
    search_for(page, base_url, "Somalia Libya Yemen")
    page.locator(f"{WIDGET} .result[data-id='DHS/CBP/PIA-007(f)'] .result-title").click()
    dialog = page.get_by_role("dialog")
    compare = dialog.get_by_text("Compare with previous version (DHS/CBP/PIA-007(d), Nov 3, 2014)")
    expect(compare).to_be_visible()
    compare.click()
    changes = dialog.locator(".changes")
    expect(changes.locator(".changes-summary")).to_have_text(
        re.compile(r"^\d+ sections changed, .* since DHS/CBP/PIA-007\(d\) \(Nov 3, 2014\)\.$")
    )
    abstract = changes.locator(".changed-section").filter(
        has=page.locator("h3", has_text="Abstract")
    )
    expect(abstract.locator("h3")).to_have_text("Abstract (page 2)")
    item = abstract.locator("li").first
    # a text label, then the words in <ins> and <del>, each with a label a screen reader reads
    expect(item.locator(".change-label")).to_have_text("Changed, page 2 (was page 2):")
    expect(item.locator("ins", has_text="February 17, 2016,")).to_have_text(
        "[added: February 17, 2016,]"
    )
    expect(item.locator("del", has_text="June 5, 2013,")).to_have_text("[removed: June 5, 2013,]")
    expect(item.locator("ins .visually-hidden").first).to_have_text("[added: ")
    # a removed paragraph of the Overview: its label and its text in <del>
    removed = changes.locator("li", has_text="Removed, was page 2:")
    expect(removed.locator("del")).to_have_text(
        "ESTA is a web-based system that DHS/CBP developed in 2008 to determine the eli"
    )
    # the first version of the family offers no comparison
    page.keyboard.press("Escape")
    search_for(page, base_url, '"Watchlist Service"')
    page.locator(
        f"{WIDGET} .result[data-id='dhs-watchlist-service-pia-2010-07-14'] .result-title"
    ).click()
    expect(dialog.locator(".facts")).to_contain_text("dhs-watchlist-service-pia-2010-07-14")
    expect(dialog.get_by_text("Compare with previous version")).to_have_count(0)
