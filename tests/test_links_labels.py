"""The hand labels of links between documents (`benchmarks/links/labels.jsonl` and the wholly
held-out `benchmarks/links/labels-held-out-2.jsonl`) are well-formed and agree with the shared
corpus: kinds and target shapes, each text on its page, the sample and split rules, and `in_corpus`
exactly when a corpus record has the target id or citation."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))

from benchmarks import link_labels as links  # noqa: E402
from benchmarks.structure import sample_group, split_by_rule  # noqa: E402
from privsearch.models import Record  # noqa: E402

LABELS = links.read_labels()
LINKS = [(label, link) for label in LABELS for link in label["links"]]
HELD_OUT_2 = links.read_labels(links.HELD_OUT_2_LABELS)
# both files: every check of a label or a link against the corpus applies to each
ALL_LABELS = LABELS + HELD_OUT_2
ALL_LINKS = [(label, link) for label in ALL_LABELS for link in label["links"]]


def link_id(item: tuple[dict, dict]) -> str:
    label, link = item
    return f"{label['slug']}:{link['kind']}:{link['target']}"


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], list[Record]]:
    if not (CORPUS / "expected.jsonl").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS} (only present beside the repository)")
    return links.read_corpus(CORPUS)


@pytest.fixture(scope="module")
def expected_rows(corpus) -> dict[str, dict]:
    return {row["slug"]: row for row in corpus[0]}


@pytest.fixture(scope="module")
def records(corpus) -> dict[str, Record]:
    return links.records_by_slug(corpus[0], corpus[1], CORPUS)


@pytest.fixture(scope="module")
def corpus_targets(corpus) -> set[str]:
    return links.in_corpus_targets(corpus[1])


# -- the file -----------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ALL_LABELS, ids=lambda label: label["slug"])
def test_label_has_the_documented_fields(label):
    assert set(label) == {"slug", "id", "doc_type", "split", "links", "note"}
    assert isinstance(label["note"], str)
    for link in label["links"]:
        assert set(link) == {"kind", "target", "text", "page", "in_corpus"}
        assert isinstance(link["page"], int) and isinstance(link["in_corpus"], bool)


@pytest.mark.parametrize("item", ALL_LINKS, ids=link_id)
def test_kind_and_target_shape_are_valid(item):
    _, link = item
    assert link["kind"] in links.KINDS
    assert links.target_shape_ok(link["kind"], link["target"]), link["target"]


@pytest.mark.parametrize("label", ALL_LABELS, ids=lambda label: label["slug"])
def test_no_link_to_itself_and_one_link_per_target(label):
    pairs = [(link["kind"], link["target"]) for link in label["links"]]
    assert all(target != label["id"] for _, target in pairs)
    assert len(pairs) == len(set(pairs))


def test_the_sample_holds_enough_links_in_each_split():
    """At least 100 links in all, and at least 80 on which precision and recall can be measured
    apart from the version families (which come from ids, not from reading)."""
    counts = Counter(link["kind"] for _, link in LINKS)
    assert sum(counts.values()) >= links.LINK_TARGET
    assert sum(counts.values()) - counts["version_of"] >= 80
    splits = Counter(label["split"] for label, _ in LINKS)
    assert splits["tuning"] > 0 and splits["held-out"] > 0


@pytest.mark.parametrize("label", LABELS, ids=lambda label: label["slug"])
def test_split_follows_the_held_out_rule(label):
    assert label["split"] == split_by_rule(label["slug"])


def test_slugs_are_unique_and_no_document_is_in_both_files():
    slugs = [label["slug"] for label in ALL_LABELS]
    assert len(slugs) == len(set(slugs))


def test_the_second_sample_is_wholly_held_out():
    assert HELD_OUT_2 and {label["split"] for label in HELD_OUT_2} == {"held-out"}


# -- against the shared corpus ------------------------------------------------------------------


@pytest.mark.parametrize("label", ALL_LABELS, ids=lambda label: label["slug"])
def test_label_is_its_rows_id_and_type(label, expected_rows):
    row = expected_rows[label["slug"]]
    assert (label["id"], label["doc_type"]) == (row["id"], row["doc_type"])


@pytest.mark.parametrize("item", ALL_LINKS, ids=link_id)
def test_text_occurs_on_its_page(item, records):
    label, link = item
    pages = {page.number: page.text for page in records[label["slug"]].pages}
    assert link["page"] in pages
    assert link["text"] in pages[link["page"]]


@pytest.mark.parametrize("item", ALL_LINKS, ids=link_id)
def test_in_corpus_is_true_exactly_when_a_record_has_the_target(item, corpus_targets):
    _, link = item
    assert link["in_corpus"] == (link["target"] in corpus_targets)


def test_documents_are_the_rule_walk_up_to_the_hundredth_link(corpus, records):
    """The labelled documents are the walk of `sample_walk` in order: all of pass 0, then on
    until the document that brings the links to 100, and not one document more."""
    walk = links.sample_walk(corpus[0], records)
    slugs = [label["slug"] for label in LABELS]
    assert slugs == walk[: len(slugs)]
    first_pass = len(links.sample_passes(corpus[0], records)[0])
    assert len(slugs) >= first_pass
    before_last = sum(len(label["links"]) for label in LABELS[:-1])
    assert before_last < links.LINK_TARGET <= before_last + len(LABELS[-1]["links"])


def test_the_second_sample_is_the_rest_of_the_walk(corpus, records):
    """The second file holds, in walk order, every document the walk reaches after the one where
    the first file stops: the rest of pass 2, then passes 3 and 4 (only the other types have
    them). A file stopped early would be a prefix; this one is the whole of it."""
    rest = links.walk_after(corpus[0], records, LABELS[-1]["slug"])
    assert [label["slug"] for label in HELD_OUT_2] == rest
    passes = links.sample_passes(corpus[0], records)
    assert len(rest) == sum(len(slugs) for slugs in passes) - len(LABELS)
    later_passes = set(passes[3] + passes[4])
    assert {
        sample_group(label["doc_type"]) for label in HELD_OUT_2 if label["slug"] in later_passes
    } == {"other"}


def test_version_links_point_at_an_earlier_member_of_the_same_family(expected_rows):
    """A version_of target with a DHS id shares the document's id up to the version letter."""
    for label, link in ALL_LINKS:
        target = link["target"]
        if link["kind"] != "version_of" or not target.startswith("DHS/"):
            continue
        family = target.split("(")[0]
        assert label["id"].replace(" – ", "-").startswith(family), (label["id"], target)
        assert label["id"] != target
