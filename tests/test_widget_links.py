"""The document panel's related documents in a real browser: grouped by kind, each held by the
index a link that opens its own panel (the ESTA PIAs of the shared corpus)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from tests.test_widget import (  # noqa: E402,F401  (fixtures shared with the widget's tests)
    WIDGET,
    base_url,
    browser,
    expect,
    index_dir,
    other_origin,
    page,
    pytestmark,
    search_for,
)


def related(server: str, record_id: str) -> dict:
    path = urllib.parse.quote(record_id, safe="")
    with urllib.request.urlopen(f"{server}/api/documents/{path}/related", timeout=10) as r:
        return json.load(r)


def test_the_document_panel_lists_related_documents_that_open(page, base_url) -> None:  # noqa: F811
    search_for(page, base_url, "ESTA")
    page.locator(f"{WIDGET} .result[data-id='DHS/CBP/PIA-007(f)'] .result-title").click()
    dialog = page.get_by_role("dialog")
    links = related(base_url, "DHS/CBP/PIA-007(f)")
    part = dialog.locator(".doc-related")
    expect(part.locator("summary")).to_have_text(f"Related documents ({links['total']})")
    part.locator("summary").click()
    assert part.locator("dt").all_inner_texts() == ["Version of", "Has version"]
    earlier = part.get_by_role("button", name="DHS/CBP/PIA-007(d): Privacy Impact Assessment")
    expect(earlier).to_have_count(1)
    earlier.click()
    # the earlier version's own panel, which lists the later one it came from
    expect(dialog.locator(".facts dd").first).to_have_text("DHS/CBP/PIA-007(d)")
    later = dialog.locator(".doc-related")
    later.locator("summary").click()
    title = "Privacy Impact Assessment Update for the Electronic System for Travel Authorization"
    expect(later.get_by_role("button", name=f"DHS/CBP/PIA-007(f): {title} (ESTA)")).to_have_count(1)
    earliest = related(base_url, "DHS/CBP/PIA-007(d)")["related"]["version_of"]
    assert [v["id"] for v in earliest] == ["cbp-esta-pia-2008-06-02"]
