"""axe-core in Chromium on the pages people see: the landing page (its privacy facet groups
unfolded too), a results page, an open document (with its facets, sections and risks shown) and
the embed page must report no WCAG 2.1 A/AA or best-practice violation.

axe-core comes from the npm registry: `.ci/run` installs it into `.ci/node_modules`
(`npm install --prefix .ci axe-core@4`); `PRIVSEARCH_AXE_JS` may name another copy of
`axe.min.js`. Without it these tests skip, saying so.
"""

# ruff: noqa: F811 - the tests take the widget tests' fixtures (imported below) as arguments

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_widget import (  # noqa: F401 - the fixtures, as the widget tests use them
    CHROMIUM,
    WIDGET,
    Console,
    base_url,
    browser,
    generated,
    index_dir,
    open_document,
    other_origin,
    results_shown,
    structured_url,
    sync_api,
    truth,
)

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = Path(
    os.environ.get("PRIVSEARCH_AXE_JS", ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js")
)
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
expect = sync_api.expect

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.skipif(not AXE_JS.is_file(), reason=f"axe-core is not at {AXE_JS} (see .ci/run)"),
]


@pytest.fixture
def page(browser) -> Iterator[object]:
    # The pages' Content-Security-Policy allows no inline script; axe is injected as one.
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = Console(page)
    yield page
    context.close()
    assert console.messages == [], "the browser console was not empty"


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now: `rule (impact): the first target`."""
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 3).join(', ')}`)",
        RULES,
    )
    return list(found)


def test_landing_page(page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator(f"{WIDGET}[data-state=idle]")).to_have_count(1)
    expect(page.get_by_role("heading", name="What the index holds")).to_be_visible()
    # the filters, counted over every document, show before anything is typed
    expect(page.locator(f"{WIDGET} input[type=checkbox][value=ICE]")).to_be_visible()
    found = violations(page)
    assert not found, "\n".join(found)


def test_results_page(page, base_url: str) -> None:
    page.goto(base_url + "/?ps-q=facial+recognition")
    expect(results_shown(page).first).to_be_visible()
    expect(page.get_by_role("heading", name="What the index holds")).to_be_hidden()
    found = violations(page)
    assert not found, "\n".join(found)


def test_an_open_document(page, base_url: str) -> None:
    page.goto(base_url + "/?ps-q=facial+recognition")
    results_shown(page).first.locator(".result-title").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    found = violations(page)
    assert not found, "\n".join(found)


def test_embed_page(page, base_url: str) -> None:
    page.goto(base_url + "/embed")
    # the example there is set to CBP, so it opens on the list of CBP's publications
    expect(page.locator(f"{WIDGET}[data-state=browse]")).to_have_count(1)
    found = violations(page)
    assert not found, "\n".join(found)


def test_the_open_suggestion_list(page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="Search DHS privacy publications")
    box.focus()
    page.keyboard.type("facial rec", delay=40)
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox.get_by_role("group", name="Documents")).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    found = violations(page)
    assert not found, "\n".join(found)


def test_the_filters_unfolded_and_a_section_chosen(page, base_url: str) -> None:
    page.goto(base_url + "/?ps-q=privacy&ps-section=Abstract")
    expect(results_shown(page).first.locator(".snippet-where")).to_contain_text("Abstract")
    expect(page.get_by_role("combobox", name="In section")).to_have_value("Abstract")
    more = page.locator(f"{WIDGET} fieldset[data-facet=authority] button[data-more]")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    found = violations(page)
    assert not found, "\n".join(found)


def test_an_open_document_with_its_sections_and_risks(page, structured_url: str, truth) -> None:
    reference = max(truth, key=lambda r: len(truth[r]["risks"]))
    dialog = open_document(page, structured_url, reference)
    for part in dialog.locator("details.doc-part summary").all():
        part.click()
    expect(dialog.locator(".risk-item").first).to_be_visible()
    expect(dialog.locator(".section-link").first).to_be_visible()
    found = violations(page)
    assert not found, "\n".join(found)


def test_an_open_document_compared_with_its_previous_version(page, base_url: str) -> None:
    page.goto(base_url + "/?ps-q=Somalia+Libya+Yemen")
    results_shown(page).first.locator(".result-title").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Compare with previous version").click()
    expect(dialog.locator(".changed-section ins").first).to_be_visible()
    found = violations(page)
    assert not found, "\n".join(found)
