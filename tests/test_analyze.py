"""The analyzer: compounds, stop words, stemming, synonyms, and a Whoosh round trip."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields, qparser
from whoosh.filedb.filestore import RamStorage

from privsearch import analyze as analysis
from privsearch.analyze import (
    ANALYZER_VERSION,
    SynonymMatch,
    analyze,
    build_analyzer,
    find_synonyms,
    is_stopword,
    propose_stopwords,
    stem,
    tokens_with_offsets,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
RECORDS = SHARED / "corpus" / "records.jsonl"
needs_corpus = pytest.mark.skipif(
    not RECORDS.exists(), reason=f"shared corpus not found at {RECORDS}"
)


def _records() -> list[dict]:
    with RECORDS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _query_terms(text: str) -> list[str]:
    return analyze(text, mode="query", removestops=False)


# --- compounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, index_terms, query_terms",
    [
        (
            "DHS/ICE/PIA-043",
            ["dhs/ice/pia-043", "dhs", "ice", "pia-043", "pia", "043"],
            ["dhs/ice/pia-043"],
        ),
        ("PIA-043", ["pia-043", "pia", "043"], ["pia-043"]),
        (
            "DHS/ICE/PIA-054(a)",
            [
                "dhs/ice/pia-054(a)",
                "dhs/ice/pia-054",
                "dhs",
                "ice",
                "pia-054(a)",
                "pia-054",
                "pia",
                "054",
            ],
            ["dhs/ice/pia-054(a)"],
        ),
        ("83 FR 48645", ["83", "fr", "48645"], ["83", "fr", "48645"]),
        ("Form I-94", ["form", "i-94", "i", "94"], ["form", "i-94"]),
        # a short prefix is also closed up ("EVerify", "USVISIT"), stemmed like a plain word
        ("E-Verify", ["e-verify", "everifi", "e", "verifi"], ["e-verify"]),
        ("US-VISIT", ["us-visit", "usvisit", "us", "visit"], ["us-visit"]),
        ("COVID-19", ["covid-19", "covid", "19"], ["covid-19"]),
        ("8 U.S.C. § 1367", ["8", "usc", "section", "1367"], ["8", "usc", "section", "1367"]),
        ("9/11", ["9/11", "9", "11"], ["9/11"]),
        ("5 U.S.C. 552a(k)(1)", ["5", "usc", "552a(k)(1)", "552a(k)", "552a"], None),
    ],
)
def test_compounds_whole_and_by_parts(text, index_terms, query_terms):
    assert analyze(text) == index_terms
    if query_terms is not None:
        assert _query_terms(text) == query_terms


@pytest.mark.parametrize(
    "text, whole",
    [
        ("DHS/ICE/PIA \u2013 024", "dhs/ice/pia-024"),  # en dash set off by spaces
        ("PIA\u2014024", "pia-024"),
        ("DHS/USCIS--013", "dhs/uscis-013"),  # the Federal Register's typewriter dash
        ("DHS/USCIS\u2013011", "dhs/uscis-011"),
        ("PIA\u2010043", "pia-043"),  # Unicode hyphen
    ],
)
def test_dash_variants_fold_to_a_hyphen(text, whole):
    assert _query_terms(text) == [whole]
    assert "pia-043" in analyze("DHS/ALL/PIA\u2011043")


def test_dashes_between_words_do_not_join_them():
    assert _query_terms("Services\u2014DHS will") == ["servic", "dhs", "will"]
    assert _query_terms("pages \u2013 193") == ["page", "193"]


def test_parts_share_the_position_of_their_compound():
    tokens = [
        (t.text, t.pos) for t in build_analyzer()("See DHS/ICE/PIA-043 system", positions=True)
    ]
    assert tokens == [
        ("see", 0),
        ("dhs/ice/pia-043", 1),
        ("dhs", 1),
        ("ice", 1),
        ("pia-043", 1),
        ("pia", 1),
        ("043", 1),
        ("system", 2),
    ]


def test_offsets_point_at_the_original_text():
    text = "The DHS\u2019s E-Verify PIA (DHS/USCIS/PIA-030(b)) caf\u00e9 \u201cU.S.C.\u201d"
    tokens = tokens_with_offsets(text)
    for _term, start, end in tokens:
        assert 0 <= start < end <= len(text)
    spans = {term: text[start:end] for term, start, end in tokens}
    assert spans["dhs"] == "DHS"  # the possessive is not part of the word
    assert spans["e-verify"] == "E-Verify"
    assert spans["verifi"] == "Verify"
    assert spans["dhs/uscis/pia-030(b)"] == "DHS/USCIS/PIA-030(b)"
    assert spans["pia-030"] == "PIA-030"
    assert spans["cafe"] == "caf\u00e9"
    assert spans["usc"] == "U.S.C."


def test_normalization_folds_case_accents_quotes_and_possessives():
    assert analyze("R\u00c9SUM\u00c9 na\u00efve") == analyze("resume naive")
    assert analyze("\ufb01ngerprint") == analyze("fingerprint")  # NFKC: the "fi" ligature
    assert analyze("CBP\u2019s agency's Department\u02b9s") == ["cbp", "agenc", "department"]
    assert analyze("\u201cdon\u2019t\u201d") == analyze("don't") == ["dont"]
    assert analyze("1,000,000 records") == ["1000000", "record"]


def test_overlong_compounds_are_searched_by_their_words():
    url = "https://www.govinfo.gov/content/pkg/FR-2025-01-13/pdf/2024-31357.pdf/and/more/words/x"
    index_terms = analyze(url)
    assert "fr-2025-01-13" in index_terms and "govinfo" in index_terms
    assert all(len(term) <= 64 for term in index_terms)
    query_terms = analyze(url, mode="query")
    assert "govinfo" in query_terms and set(query_terms) <= set(index_terms)
    assert analyze("x" * 200) == []


def test_the_analyzer_survives_pickling():
    # Whoosh stores the schema, analyzer included, in the index's table of contents.
    analyzer = pickle.loads(pickle.dumps(build_analyzer()))
    assert analyzer == build_analyzer()
    terms = [t.text for t in analyzer("E-Verify checks")]
    assert terms == ["e-verify", "everifi", "e", "verifi", "check"]


def test_one_letter_words_are_kept():
    assert analyze("a b c") == ["a", "b", "c"]
    assert _query_terms("Schedule A") == ["schedul", "a"]


# --- stop words ---------------------------------------------------------------------------------


def test_index_keeps_stop_words_and_queries_drop_them():
    text = "the use of force by the officers"
    assert analyze(text) == ["the", "use", "of", "forc", "by", "the", "offic"]
    assert analyze(text, mode="query") == ["use", "forc", "offic"]
    assert analyze(text, mode="query", removestops=False) == analyze(text)


def test_words_whoosh_would_drop_survive():
    assert analyze("us may will not no all it", mode="query") == [
        "us",
        "may",
        "will",
        "not",
        "no",
        "all",
        "it",
    ]
    assert analyze("US-VISIT", mode="query") == ["us-visit"]


def test_domain_stop_words_are_dropped_from_word_queries_only():
    assert analyze("DHS drone policy", mode="query") == ["drone", "polici"]
    assert analyze("Department of Homeland Security", mode="query") == ["secur"]
    assert "dhs" in analyze("DHS drone policy")
    assert analyze("DHS/ALL-004 DHS-wide", mode="query") == ["dhs/all-004", "dhs-wide"]


def test_is_stopword_on_analyzed_terms():
    assert is_stopword("the") and is_stopword("dhs") and is_stopword("dont")
    for term in ["privacy", "privaci", "us", "may", "will", "not", "act", "record", "i"]:
        assert not is_stopword(term)


def test_query_parser_drops_stop_words_from_words_and_keeps_them_in_phrases():
    schema = fields.Schema(body=fields.TEXT(analyzer=build_analyzer(), phrase=True))
    parser = qparser.QueryParser("body", schema)
    words = parser.parse("use of force")
    assert [t for _, t in words.iter_all_terms()] == ["use", "forc"]
    phrase = parser.parse('"use of force"')
    assert phrase.words == ["use", "of", "forc"]
    assert parser.parse("the") is not None  # an all-stop-word query parses, to nothing
    assert parser.parse("DHS/ICE/PIA-043").text == "dhs/ice/pia-043"


# --- stemming -----------------------------------------------------------------------------------


def test_stemming_is_memoized():
    analysis._STEMS.clear()
    assert stem("assessments") == "assess"
    assert analysis._STEMS["assessments"] == "assess"
    analysis._STEMS["assessments"] = "sentinel"  # a second call must not stem again
    assert stem("assessments") == "sentinel"
    analysis._STEMS.clear()
    assert stem("assessments") == "assess"


def test_acronyms_numbers_and_compounds_are_not_stemmed():
    # Snowball would make these "ua", "at", "tec", "usci", "sevi", "adi".
    assert analyze("UAS ATS TECS USCIS SEVIS ADIS") == [
        "uas",
        "ats",
        "tecs",
        "uscis",
        "sevis",
        "adis",
    ]
    assert analyze("uas", mode="query") == ["uas"]  # compared case-insensitively
    assert analyze("OPS") == ["ops"]  # from components.tsv
    assert analyze("FRT UAV") == ["frt", "uav"]  # from synonyms.txt
    assert analyze("1990s") == ["1990s"]
    assert analyze("E-Verify")[0] == "e-verify"
    assert analyze("Privacy Impact Assessments") == ["privaci", "impact", "assess"]


def test_every_component_abbreviation_is_an_acronym_with_synonyms():
    rows = analysis._data_lines("components.tsv")
    abbreviations = [row.split("\t")[0] for row in rows if not row.startswith("ALL\t")]
    table, _ = analysis._synonym_table()
    for abbreviation in abbreviations:
        terms = tuple(_query_terms(abbreviation))
        assert len(terms) == 1 and terms[0] == abbreviation.lower()
        assert terms in table, f"{abbreviation} has no synonym group"


# --- synonyms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, span, expected",
    [
        ("facial recognition", (0, 2), ["FRT", "face recognition", "facial comparison"]),
        ("FRT", (0, 1), ["facial recognition technology", "facial recognition"]),
        # LPR has two meanings (tests/test_vocabulary.py): the other forms never search for it
        ("automated license plate reader", (0, 4), ["ALPR", "license plate reader"]),
        ("ALPR", (0, 1), ["automated license plate reader", "ANPR"]),
        ("drones", (0, 1), ["UAS", "unmanned aircraft system", "UAV"]),
        ("uas", (0, 1), ["drone"]),
        ("body-worn camera", (0, 2), ["BWC", "body worn camera"]),
        ("PII", (0, 1), ["personally identifiable information"]),
        ("SPII", (0, 1), ["sensitive personally identifiable information"]),
        ("system of records notice", (0, 4), ["SORN"]),
        ("PIA", (0, 1), ["privacy impact assessment"]),
        ("privacy compliance review", (0, 3), ["PCR"]),
        ("FOIA", (0, 1), ["freedom of information act"]),
        ("DPIAC", (0, 1), ["data privacy and integrity advisory committee"]),
        ("biometric", (0, 1), []),  # biometrics and biometric share a stem: nothing to add
        ("stingray", (0, 1), ["cell-site simulator", "cell site simulator"]),
        ("ESTA", (0, 1), ["electronic system for travel authorization"]),
        ("E-Verify", (0, 1), ["E Verify"]),
        ("Customs and Border Protection", (0, 4), ["CBP", "U.S. Customs Service"]),
        ("USCIS", (0, 1), ["CIS", "citizenship and immigration services"]),
        ("S&T", (0, 1), ["science and technology directorate"]),
    ],
)
def test_synonym_groups(query, span, expected):
    terms = _query_terms(query)
    matches = find_synonyms(terms)
    if not expected:
        assert all(not m.alternatives for m in matches)
        return
    assert [(m.start, m.end) for m in matches] == [span]
    alternatives = matches[0].alternatives
    assert tuple(terms[span[0] : span[1]]) not in alternatives
    for phrase in expected:
        assert tuple(_query_terms(phrase)) in alternatives


def test_synonyms_prefer_the_longest_span_and_never_overlap():
    terms = _query_terms("retention of automated license plate reader data from UAS")
    matches = find_synonyms(terms)
    assert [(m.start, m.end) for m in matches] == [(2, 6), (8, 9)]
    assert all(isinstance(m, SynonymMatch) for m in matches)
    assert find_synonyms([]) == []
    assert find_synonyms(_query_terms("nothing here matches")) == []


# --- maintaining the stop word lists -----------------------------------------------------------


def test_propose_stopwords_by_document_frequency():
    texts = [
        "The travelers submit biometric data under the program.",
        "The travelers share passenger data with partners.",
        "The travelers' data is kept for seven years; drones are rare.",
    ]
    proposals = propose_stopwords(texts, min_df=0.6)
    # "the" is a stop word already; nothing is stemmed, so the words fit the list as they are
    assert proposals == [("data", 1.0), ("travelers", 1.0)]
    assert propose_stopwords(texts, min_df=0.0, limit=3)[0][1] == 1.0
    assert len(propose_stopwords(texts, min_df=0.0, limit=3)) == 3
    assert propose_stopwords([]) == []


@needs_corpus
def test_propose_stopwords_on_real_records():
    texts = [r["fulltext"] for r in _records() if r["doc_type"] == "SORN"][:40]
    proposals = propose_stopwords(texts, min_df=0.5, limit=100)
    words = [word for word, _ in proposals]
    # the Federal Register header every notice carries
    assert {"fr", "online", "publishing"} <= set(words)
    shares = [share for _, share in proposals]
    assert shares == sorted(shares, reverse=True) and min(shares) >= 0.5
    for word in words:
        assert sum(word in text.lower() for text in texts) >= 20
    # stop words already, or reviewed and kept searchable
    assert not {"the", "homeland", "notice", "privacy", "records"} & set(words)
    assert "stingray" not in words and "biometric" not in words


def test_analyzer_version_is_a_stable_string():
    assert isinstance(ANALYZER_VERSION, str) and ANALYZER_VERSION
    assert ANALYZER_VERSION == analysis.ANALYZER_VERSION


# --- a Whoosh round trip ------------------------------------------------------------------------

DOCUMENTS = {
    "everify": "Privacy Impact Assessment for E-Verify, the employment eligibility program.",
    "ice043": "The DHS/ICE/PIA-043 system was announced at 83 FR 48645 in 2018.",
    "force": "This policy governs the use of force by law enforcement officers.",
    "vawa": "Protected by 8 U.S.C. \u00a7 1367 since 1996.",
    "decoy": (
        "Officers verify force readiness; use it wisely. 83 pages, FR notices, 48645 words. "
        "Assessment of privacy impact and E. Verify as needed."
    ),
}


@pytest.fixture(scope="module")
def searcher():
    schema = fields.Schema(
        id=fields.ID(stored=True), body=fields.TEXT(analyzer=build_analyzer(), phrase=True)
    )
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        for doc_id, body in DOCUMENTS.items():
            writer.add_document(id=doc_id, body=body)
    with index.searcher() as searcher:
        yield searcher, qparser.QueryParser("body", schema)


@pytest.mark.parametrize(
    "query, expected",
    [
        ('"E-Verify"', {"everify"}),
        ("E-Verify", {"everify"}),
        ("verify", {"everify", "decoy"}),
        ('"privacy impact assessment for E-Verify"', {"everify"}),
        ("PIA-043", {"ice043"}),
        ("DHS/ICE/PIA-043", {"ice043"}),
        ('"DHS/ICE/PIA-043 system"', {"ice043"}),
        ('"83 FR 48645"', {"ice043"}),
        ('"use of force"', {"force"}),
        ("use of force", {"force", "decoy"}),
        ("Section 1367", {"vawa"}),
        ('"8 U.S.C. \u00a7 1367"', {"vawa"}),
        ('"Section 1367"', {"vawa"}),
    ],
)
def test_round_trip(searcher, query, expected):
    searcher, parser = searcher
    hits = searcher.search(parser.parse(query), limit=None)
    assert {hit["id"] for hit in hits} == expected


@needs_corpus
def test_round_trip_on_real_records():
    schema = fields.Schema(
        id=fields.ID(stored=True), body=fields.TEXT(analyzer=build_analyzer(), phrase=True)
    )
    index = RamStorage().create_index(schema)
    records = [r for r in _records() if "E-Verify" in r["fulltext"] or "1367" in r["fulltext"]]
    records += [r for r in _records() if r["id"].startswith(("DHS/ALL/PIA-04", "DHS/TSA/PIA"))]
    with index.writer() as writer:
        for record in records:
            writer.add_document(id=record["id"], body=record["title"] + "\n" + record["fulltext"])
    parser = qparser.QueryParser("body", schema)
    with index.searcher() as searcher:

        def ids(query: str) -> set[str]:
            return {hit["id"] for hit in searcher.search(parser.parse(query), limit=None)}

        assert "uscis-e-verify-program-pia-2010-05-04" in ids('"E-Verify Program"')
        assert "pcr-section-1367-privacy-incidents-2019-02-04" in ids('"Section 1367"')
        assert {"DHS/ALL/PIA-043", "DHS/TSA/PIA-043"} <= ids("PIA-043")
        assert "DHS/TSA/PIA-043" not in ids("DHS/ALL/PIA-043")


# --- the indexing fast path --------------------------------------------------------------------


def _positions_from_tokens(text: str) -> dict[str, list[int]]:
    """Term -> positions as Whoosh's Positions format collects them from the token stream."""
    positions: dict[str, list[int]] = {}
    for token in build_analyzer()(text, mode="index", positions=True):
        positions.setdefault(token.text, []).append(token.pos)
    return positions


@pytest.mark.parametrize(
    "text",
    [
        "See 8 U.S.C. § 1367 and DHS/ICE/PIA-054(a), e.g. 1,000,000 records.",
        "PIA – 024 and DHS– 2017 and DHS\u00a0–\u00a02017 but not pia – 024 or AB \t– 1",
        "Services/Service reports/report don't O'Neill's Departmentʹs café naïve",
        "www.dhs.gov 5.33 end.Next DHS/USCIS--013 Services—011 " + "x" * 70,
        "",
        "   \n\t ",
    ],
)
def test_index_positions_agree_with_the_token_stream(text):
    assert analysis.index_positions(text) == _positions_from_tokens(text)


@needs_corpus
def test_index_positions_agree_with_the_token_stream_on_real_records():
    for record in _records()[:120]:
        for text in (record["title"], record["fulltext"]):
            assert analysis.index_positions(text) == _positions_from_tokens(text), record["id"]


_FRAGMENT = st.tuples(
    st.sampled_from(
        ["PIA", "DHS", "024", "a", "Services", "U.S.", "§", "1,000", "(a)", "don't", "ʹs", "é"]
    ),
    st.sampled_from([" ", " – ", "-", "/", ".", ",", "\u00a0–\u00a0", "", "\n", "--", "—"]),
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENT, max_size=12).map("".join) | st.text())
def test_index_positions_agree_with_the_token_stream_on_any_text(text):
    assert analysis.index_positions(text) == _positions_from_tokens(text)


_DASH_FRAGMENT = st.tuples(
    st.sampled_from(["PIA", "DHS", "AB", "a", "024", "1", "Z", ""]),
    st.sampled_from(["-", "\u2013", "\u2014", "--", " ", "\u00a0", "\t", "\n", ""]),
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(_DASH_FRAGMENT, max_size=10).map("".join) | st.text())
def test_spaced_dashes_are_closed_as_the_expression_closes_them(text):
    # The expression is tried only at the dashes before a digit; it finds what a search of the
    # whole text finds.
    whole = analysis._SPACED_DASH_RE.sub(analysis._close_dash, text)
    assert analysis._closed_dashes(text) == whole


@needs_corpus
def test_spaced_dashes_are_closed_as_the_expression_closes_them_on_real_records():
    for record in _records():
        text = record["fulltext"]
        whole = analysis._SPACED_DASH_RE.sub(analysis._close_dash, text)
        assert analysis._closed_dashes(text) == whole, record["id"]


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_analyze_never_raises(text):
    for mode in ("index", "query"):
        for term in analyze(text, mode=mode):
            assert term
    for _term, start, end in tokens_with_offsets(text):
        assert 0 <= start < end <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1))
def test_query_terms_are_index_terms(text):
    # Whatever a query asks for (whole compounds, stems), the same text indexed contains it.
    assert set(analyze(text, mode="query", removestops=False)) <= set(analyze(text))


def _word_count(text: str) -> int:
    return len({p for positions in analysis.index_positions(text).values() for p in positions})


def test_a_mark_inside_a_spaced_dash_goes_to_the_start_of_the_joined_word():
    marked = analysis.index_positions("see PIA – 1,000 now", [(7, "\x01m")])
    assert marked["\x01m"] == [1] and marked["pia-1"] == [1] and marked["000"] == [2]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_FRAGMENT, max_size=12).map("".join) | st.text(),
    st.lists(st.integers(min_value=0, max_value=200), max_size=4),
)
def test_section_marks_leave_the_words_where_they_were(text, offsets):
    """A section mark takes the position of the first word at or after its offset (moved back
    to the start of a word it falls inside) and moves no word."""
    marks = [(offset, f"\x01m{i}") for i, offset in enumerate(sorted(offsets))]
    marked = analysis.index_positions(text, marks)
    plain = analysis.index_positions(text)
    assert {t: p for t, p in marked.items() if not t.startswith("\x01")} == plain
    for offset, term in marks:
        cut = min(offset, len(text))
        if cut < len(text) and not text[cut].isspace():
            while cut > 0 and not text[cut - 1].isspace():
                cut -= 1
        words_before = _word_count(text[:cut])
        if words_before + _word_count(text[cut:]) > _word_count(text):
            words_before -= 1  # the cut splits a word ("PIA – 024"): the mark goes to its start
        assert words_before in marked[term]
