"""The fast searches of the structure finders find exactly what the plain expressions find.

Each fast path (a search led by one character or one letter, a search tried only where a
match may start) stands in for a plain expression; these tests hold them to it on every
document of the shared DHS corpus and on the texts where they could part.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import privsearch
from privsearch.models import Page, Record
from privsearch.structure import citations, facets, links, taxonomy
from privsearch.structure.taxonomy import read_lines

from .conftest import DHS, require_shared

# the expressions as they were written before the fast paths
_NOT_ABBREVIATION = facets._NOT_ABBREVIATION
PLAIN_SENTENCE_END = re.compile(
    r"[.?!]" + _NOT_ABBREVIATION + r"[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9•])|\n\s*\n"
)
PLAIN_CLAUSE_BREAK = re.compile(r"[.;?!]" + _NOT_ABBREVIATION + r"(?=\s)|\n\s*\n|•")

PLAIN_ID_NUMBER = re.compile(r"\d{3}(?!\d)")
PLAIN_LINK_SENTENCE_END = re.compile(
    r"(?<![A-Z])(?<!No)(?<!Vol)(?<!Reg)(?<!Fed)(?<!Sec)(?<!seq)\.\s+(?=[A-Z(\"“])"
)
PLAIN_FR_SPELLED = re.compile(
    r"\bVolume\s+(?P<volume>\d{1,3}),\s*Number\s+\d+;\s*Pages?\s+(?P<page>\d{1,6})"
)

# texts where a fast path could part from its expression: a unit run into a number word or
# into another unit, a citation anchor that ends where another starts, a dotless i, a title
# at the very start
EDGE_TEXTS = [
    "kept for twentyyears, ayear, dayear and 5-year; seven (7) years; 3.5 mos. or a day",
    "permanently; permanent records; one hundred  \n days; 12-\nmonths; ninety-nine weeks",
    "under 42 U.S.C.F.R 5 and U S C 1; CFR part 5; E.O. 12333; Executive\nOrder 9; P.L. 1-2",
    "of Title 8; of\n title 5; oftitle 3; f title 2; Title 1 of  Title 9",
    "The system does not collect, neıther stores nor uses; it can't. No. none; cannot",
    "Mr. Smith left. U.S. policy applies; e.g. this.\n\n• a bullet! And? Yes",
    "DHS/ALL-0470, ALL–047 PIA – 056 DHS/ALL\n026 x/1234 N-565 a-12 ２０１９ -１２３ 123-456",
    ".No. 5. Vol. 2. Fed. Reg. A. Sec. seq.  The. (x).\n“Y",
    "Volume 65, Number 70; Pages 19477-78 xVolume 1, Number 2; Page 3 _Volume 4, Number 5; Page 6",
    "SUPERSEDES; Rescission; retirement; replaced; rescinding; supersed; retir",
]


@pytest.fixture(scope="module")
def bodies() -> list[str]:
    require_shared()
    records: list[Record] = privsearch.read_records([DHS])
    return [record.body for record in records] + EDGE_TEXTS


def spans(matches) -> list[tuple[int, int]]:
    return [match.span() for match in matches]


class _Text:
    """What `facets._periods` reads of a document."""

    def __init__(self, body: str) -> None:
        self.body, self.lowered = body, body.lower()


def test_periods_are_those_of_the_period_expression(bodies: list[str]) -> None:
    found = 0
    for body in bodies:
        plain = spans(facets._PERIOD.finditer(body))
        assert spans(facets._periods(_Text(body), 0, len(body))) == plain
        found += len(plain)
    assert found > 20  # the corpus holds first pages: few periods, but some


def test_citation_anchors_are_those_of_the_one_expression(bodies: list[str]) -> None:
    found = 0
    for body in bodies:
        plain = spans(citations._CITATION_ANCHOR.finditer(body))
        assert spans(citations._anchors(body)) == plain
        assert spans(citations._title_anchors(body)) == spans(
            citations._TITLE_ANCHOR.finditer(body)
        )
        found += len(plain)
    assert found > 80
    assert [m.group() for m in citations._anchors(EDGE_TEXTS[2])][:2] == ["U.S.C", "U S C"]


def test_sentence_and_clause_breaks_are_those_of_the_plain_expressions(
    bodies: list[str],
) -> None:
    for body in bodies:
        assert facets._SENTENCE_END.split(body) == PLAIN_SENTENCE_END.split(body)
        assert spans(facets._CLAUSE_BREAK.finditer(body)) == spans(
            PLAIN_CLAUSE_BREAK.finditer(body)
        )


def test_a_negation_is_found_where_the_ignorecase_expression_finds_one(
    bodies: list[str],
) -> None:
    clauses = [c for body in bodies for c in PLAIN_CLAUSE_BREAK.split(body)]
    negated = [bool(facets._NEGATION.search(c)) for c in clauses]
    assert [bool(facets._HAS_NEGATION.search(c)) for c in clauses] == negated
    assert sum(negated) > 50
    assert facets._HAS_NEGATION.search("neıther") and facets._HAS_NEGATION.search("CAN'T")
    assert not facets._HAS_NEGATION.search("knot snot anon. no.")


def _plain_scan(path: Path, anchors: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """A taxonomy's alternatives in file order (and its anchors after them), not grouped by
    their first letter: the alternation the compiled scan stands for."""
    forms = [taxonomy._scan_form(taxonomy._any_whitespace(p)) for _, p, _, _ in read_lines(path)]
    forms += [taxonomy._any_whitespace(p) for _, p in anchors]
    alternatives = [a for form in forms for a in taxonomy.top_level_alternatives(form)]
    return re.compile(rf"{taxonomy.BEFORE_A_WORD}(?:{'|'.join(alternatives)})(?!\w)")


@pytest.mark.parametrize("name", ["pii", "technology"])
def test_the_grouped_scan_finds_what_the_plain_alternation_finds(
    bodies: list[str], name: str
) -> None:
    anchors = facets._ANCHORS if name == "technology" else ()
    plain = _plain_scan(facets._DATA_DIR / f"{name}.tsv", anchors)
    grouped = getattr(facets.load_taxonomies(), name).scan
    found = 0
    for body in bodies:
        lowered = body.lower()
        expected = spans(plain.finditer(lowered))
        assert spans(grouped.finditer(lowered)) == expected
        found += len(expected)
    assert found > 100


def _ids_let_through(text: str, numbers: re.Pattern[str]) -> list[int]:
    return [m.start() for m in numbers.finditer(text) if links._separator_before(text, m.start())]


def test_id_numbers_are_those_the_plain_search_lets_through(bodies: list[str]) -> None:
    found = 0
    for body in bodies:
        plain = _ids_let_through(body, PLAIN_ID_NUMBER)
        assert _ids_let_through(body, links._NUMBER) == plain
        found += len(plain)
    assert found > 500
    edge = EDGE_TEXTS[6]
    numbers = [edge[at : at + 3] for at in _ids_let_through(edge, links._NUMBER)]
    assert numbers == ["047", "056", "026", "565"]


def test_reference_sentence_ends_and_citations_are_those_of_the_plain_expressions(
    bodies: list[str],
) -> None:
    volumes = 0
    for body in bodies:
        assert spans(links._SENTENCE_END.finditer(body)) == spans(
            PLAIN_LINK_SENTENCE_END.finditer(body)
        )
        spelled = spans(PLAIN_FR_SPELLED.finditer(body))
        assert spans(links._FR_SPELLED.finditer(body)) == spelled
        volumes += len(spelled)
    assert volumes >= 2
    assert [m["volume"] for m in links._FR_SPELLED.finditer(EDGE_TEXTS[8])] == ["65"]
    edge = EDGE_TEXTS[7]  # no sentence ends after "No", "Vol", "Fed", "Reg", "A", "Sec", "seq"
    assert [edge[m.start() - 1] for m in links._SENTENCE_END.finditer(edge)] == list("52e)")


def test_a_page_holds_a_supersedes_word_where_the_expression_finds_one(
    bodies: list[str],
) -> None:
    words = links._lowercase_supersede_words()
    lowered = [body.lower() for body in bodies]
    found = [words.search(text) is not None for text in lowered]
    assert [links._holds_supersede_word(text) for text in lowered] == found
    assert sum(found) > 10
    assert links._supersede_stems() == ("supersed", "rescind", "rescission", "replac", "retir")


def test_the_pages_of_the_lowercased_body_are_the_lowercased_pages() -> None:
    require_shared()
    # a word at a page's very end or start: a page read a character off would miss it
    edges = [
        Record("a", "a", pages=(Page(1, "it"), Page(2, "We Retire"), Page(3, "Rescinds it"))),
        Record("b", "b", pages=(Page(1, "İ retire"), Page(2, "SUPERSEDED"))),  # "İ" lowercases
    ]
    says = []
    for record in privsearch.read_records([DHS]) + edges:
        asked = [True] * len(record.pages)
        one_by_one = links._pages_saying_supersedes(record, None, asked)
        assert links._pages_saying_supersedes(record, record.body.lower(), asked) == one_by_one
        says += one_by_one
    assert 10 < sum(says) < len(says)
    assert says[-5:] == [False, True, True, True, True]
    record = edges[0]
    assert links._pages_saying_supersedes(record, record.body.lower(), [True, False, True]) == [
        False,
        False,
        True,
    ]


PLAIN_PRIVACY_TERMS = re.compile(
    r"p(?:rivacy\s+impact|ersonally\s+identifiable|ersonal\s+information|ii\b)|"
    r"systems?\s+of\s+records"
)


def test_a_body_speaks_of_privacy_where_the_one_expression_finds_a_term(
    bodies: list[str],
) -> None:
    edges = [
        "piix personalinformation systemsof records privacyimpact",
        "a pii.",
        "personally\nidentifiable",
        "systems of  records",
    ]
    lowered = [body.lower() for body in bodies] + edges
    expected = [PLAIN_PRIVACY_TERMS.search(text) is not None for text in lowered]
    assert [any(t.search(text) for t in facets._PRIVACY_TERMS) for text in lowered] == expected
    assert expected[-4:] == [False, True, True, True]
    assert sum(expected) > 100


PLAIN_DEPARTMENT = re.compile(r"DHS|Department\s+of\s+Homeland|(?<!of )Homeland")
PLAIN_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z&.]*")
PLAIN_NOT_ABOUT_COLLECTION = re.compile(
    r"routine\s+use|comment|discriminat|\byour?\b|\bfoia\b|privacy\s+office\b"
)
LETTER_LED_EDGES = [
    "Secretary of Homeland Security, Homeland Security, of  Homeland; Department of\nHomeland",
    "xA A.B Ab&c _Q 9Z (DHS/ICE)-001 é É",
    "you your youth yourself ayou _you foia foias xfoia 'foia' you",
]


def test_the_letter_led_searches_find_what_the_plain_expressions_find(
    bodies: list[str],
) -> None:
    texts = bodies + LETTER_LED_EDGES
    for text in texts:
        assert spans(links._DEPARTMENT.finditer(text)) == spans(PLAIN_DEPARTMENT.finditer(text))
        assert spans(links._CAPITALISED.finditer(text)) == spans(PLAIN_CAPITALISED.finditer(text))
        lowered = text.lower()
        assert spans(facets._NOT_ABOUT_COLLECTION.finditer(lowered)) == spans(
            PLAIN_NOT_ABOUT_COLLECTION.finditer(lowered)
        )
    departments = [m.group() for m in links._DEPARTMENT.finditer(LETTER_LED_EDGES[0])]
    assert departments == ["Homeland", "Homeland", "Department of\nHomeland"]  # not "of H"
    words = [m.group() for m in facets._NOT_ABOUT_COLLECTION.finditer(LETTER_LED_EDGES[2])]
    assert words == ["you", "your", "foia", "foia", "you"]


PLAIN_FR_WORDS = [
    re.compile(words + links._FR_PAGE)
    for words in (r"FR", r"Fed\.?\s*Reg\.?", r"Federal\s+Register")
]
FR_EDGES = [
    "80 FR 24,269; 73 Fed. Reg. 12345; 71 Federal Register 38408; 7 FedReg 1; 9 Fed.Reg. 22",
    "72 Federal  Register\n9; 6 Fed Reg 4 Federal Register 5 Federal Fed. Reg. 3 NFR 1",
]


def test_federal_register_words_are_those_of_one_expression_per_way_of_writing(
    bodies: list[str],
) -> None:
    found = 0
    for text in bodies + FR_EDGES:
        plain = sorted(m.span() for words in PLAIN_FR_WORDS for m in words.finditer(text))
        fast = sorted(m.span() for words in links._FR_WORDS.values() for m in words.finditer(text))
        assert fast == plain
        found += len(plain)
    assert found > 30
    assert [c[2] for c in links._citations_in(FR_EDGES[0])] == [
        "80 FR 24269",
        "73 FR 12345",
        "71 FR 38408",
        "7 FR 1",
        "9 FR 22",
    ]


# pieces of the texts the fast searches are about, put together in any order
_PIECES = st.sampled_from(
    ["DHS", "/", "-", "\u2013", "--", " ", "  ", "\n", "\t", ".", ",", ";", "(", ")", "A", "Z",
     "é", "É", "_", "x", "ALL", "CBP", "PIA", "1", "12", "123", "2019", "０", "Homeland", "of ",
     "Department of ", "Volume ", "Number ", "; Pages ", "FR ", "Fed. Reg. ", "Federal Register",
     "No", "Vol", "Sec", "seq", "you", "your", "foia", "routine use", "pii", "privacy impact",
     "system of records", "personal information", "supersed", "Supersedes", "rescission",
     "replaced", "retire", "ſ", "K", "CBP-", "ALL\u2013", "PIA \u2013 ", "ALL ", "ALL\n",
     "(DHS/CBP)-", "Agency--", "x/", "a ", "Federal Register 12", "Fed Reg 1,234",
     "Volume 65, Number 70; Pages 19"]
)  # fmt: skip
_TEXTS = st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=60)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_the_fast_searches_find_what_the_plain_ones_find_in_any_text(text: str) -> None:
    assert _ids_let_through(text, links._NUMBER) == _ids_let_through(text, PLAIN_ID_NUMBER)
    for fast, plain in (
        (links._SENTENCE_END, PLAIN_LINK_SENTENCE_END),
        (links._FR_SPELLED, PLAIN_FR_SPELLED),
        (links._DEPARTMENT, PLAIN_DEPARTMENT),
        (links._CAPITALISED, PLAIN_CAPITALISED),
    ):
        assert spans(fast.finditer(text)) == spans(plain.finditer(text))
    fr = sorted(m.span() for words in links._FR_WORDS.values() for m in words.finditer(text))
    assert fr == sorted(m.span() for words in PLAIN_FR_WORDS for m in words.finditer(text))
    lowered = text.lower()
    assert spans(facets._NOT_ABOUT_COLLECTION.finditer(lowered)) == spans(
        PLAIN_NOT_ABOUT_COLLECTION.finditer(lowered)
    )
    privacy = PLAIN_PRIVACY_TERMS.search(lowered) is not None
    assert any(term.search(lowered) for term in facets._PRIVACY_TERMS) == privacy
    supersedes = links._lowercase_supersede_words().search(lowered) is not None
    assert links._holds_supersede_word(lowered) == supersedes
