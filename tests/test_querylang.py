"""The query language parser: structure of valid queries, and a clear error for bad ones."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsearch import QuerySyntaxError
from privsearch.querylang import (
    MAX_QUERY_LENGTH,
    And,
    Fuzzy,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    is_plain,
    parse_query,
    quote_query,
)


def test_words_are_an_implicit_and():
    tree = parse_query("facial recognition")
    assert tree == And((Word("facial"), Word("recognition")))
    assert is_plain(tree)


def test_reference_numbers_keep_their_parentheses():
    assert parse_query("DHS/ICE/PIA-054(a)") == Word("DHS/ICE/PIA-054(a)")
    tree = parse_query("(DHS/ICE/PIA-054(a) OR PIA-055)")
    assert tree == Or((Word("DHS/ICE/PIA-054(a)"), Word("PIA-055")))


def test_operators_phrases_fields_prefix_fuzzy():
    tree = parse_query('"license plate" AND component:CBP NOT title:draft OR biomet* typo~2')
    assert tree == Or(
        (
            And(
                (
                    Phrase("license plate"),
                    Word("CBP", "component"),
                    Not(Word("draft", "title")),
                ),
                explicit=True,
            ),
            And((Prefix("biomet"), Fuzzy("typo", 2))),
        )
    )
    assert not is_plain(tree)


def test_field_applies_to_a_phrase_or_group():
    assert parse_query('title:"body worn"') == Phrase("body worn", "title")
    assert parse_query("title:(drone OR uas)") == Or((Word("drone", "title"), Word("uas", "title")))
    assert parse_query("type:SORN") == Word("SORN", "doc_type")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"facial recognition', "unbalanced quote at character 1"),
        ("(drones OR uas", "unbalanced parenthesis at character 1"),
        ("drones)", "unexpected ')' at character 7"),
        ("foo:bar", "unknown field 'foo'"),
        ("facial AND", "'AND' at character 8 needs a word on each side"),
        ("OR drones", "'OR' at character 1 needs a word on each side"),
        ("NOT drones", "a query cannot consist only of NOT terms"),
        ("*a*", "unsupported wildcard in '*a*'"),
        ("title:", "the field 'title' has no value"),
        ('""', 'an empty phrase ""'),
        ("   ", "the query is empty"),
    ],
)
def test_bad_queries_say_what_is_wrong(query, message):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_syntax_errors_offer_the_quote_escape():
    with pytest.raises(QuerySyntaxError) as info:
        parse_query("foo:bar")
    assert info.value.hint == 'Put the text in double quotes to search it literally, e.g. "foo:bar"'


def test_too_long_query():
    with pytest.raises(QuerySyntaxError, match="the limit is"):
        parse_query("a " * MAX_QUERY_LENGTH)


def test_quote_query_makes_any_text_parseable():
    assert quote_query('foo:bar (x "y') == '"foo:bar" "(x" "y"'
    assert parse_query(quote_query('foo:bar (x "y')) == And(
        (Phrase("foo:bar"), Phrase("(x"), Phrase("y"))
    )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_gives_a_tree_or_a_syntax_error(text):
    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        assert exc.message
