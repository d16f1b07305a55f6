"""The query language: words, "phrases", AND/OR/NOT, field:value, prefix*, typo~.

A small recursive-descent parser of our own rather than Whoosh's: Whoosh's parser never fails
(it silently turns bad syntax into an ErrorQuery or plain text) and reads the parentheses in
reference numbers such as `DHS/ICE/PIA-054(a)` as grouping. Here a parenthesis is grouping only
at the start of a word, and every mistake is a QuerySyntaxError with a hint.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import BadParameterError, QuerySyntaxError, QueryTooExpensiveError

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 64  # words, phrases and patterns in one query
# Groups and NOTs nested in one another. Parsing, planning and Whoosh walk the tree
# recursively, a few frames a level: 32 levels stay far below Python's recursion limit.
MAX_DEPTH = 32
# prefix* and typo~ words in one query: each is looked up in the term list of every field,
# which costs far more than a word (see queryplan.EXPANSION_BUDGET for the rest of their cost).
MAX_PATTERNS = 16
MAX_FUZZY_LENGTH = 32  # letters of a typo~ word: its automaton grows with its length

# field name as typed -> canonical field
FIELDS = {
    "title": "title",
    "summary": "summary",
    "body": "body",
    "text": "body",
    "sorn": "sorns",
    "sorns": "sorns",
    "component": "component",
    "type": "doc_type",
    "doc_type": "doc_type",
    "id": "id",
    "year": "year",
    "section": "section",
    "risk": "risk",
    "risks": "risk",
    "pii": "pii",
    "technology": "technology",
    "tech": "technology",
    "retention": "retention",
    "authority": "authority",
    "exemption": "exemption",
    "exemptions": "exemption",
    "cites": "cites",
}
TEXT_FIELDS = ("title", "summary", "body", "sorns")
_QUOTE_HINT = 'Put the text in double quotes to search it literally, e.g. "{text}"'
_FIELD_PREFIX = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)
_FIELD_GROUP = re.compile(r"[A-Za-z_]+:(?=\()")
_OPERATORS = {"AND", "OR", "NOT"}
_DATE_FORM = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Fuzzy:
    text: str
    distance: int = 1
    field: str | None = None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    explicit: bool = False  # the user wrote AND somewhere in this group


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Word | Phrase | Prefix | Fuzzy | And | Or | Not


# -- lexer ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # WORD, PHRASE, LPAREN, RPAREN, OP, FIELD
    text: str
    at: int


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in '"“”':
            end = _closing_quote(query, i + 1)
            if end < 0:
                raise QuerySyntaxError(
                    f"unbalanced quote at character {i + 1}",
                    'Close the phrase with a second " or remove the quote',
                )
            tokens.append(_Token("PHRASE", query[i + 1 : end], i))
            i = end + 1
        elif ch == "(":
            tokens.append(_Token("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(_Token("RPAREN", ch, i))
            i += 1
        elif (field := _FIELD_GROUP.match(query, i)) is not None:
            # `title:(a OR b)`: the field, then a group
            tokens.append(_word_token(field.group(0), i))
            i = field.end()
        else:
            start = i
            depth = 0
            while i < n and not query[i].isspace() and query[i] not in '"“”':
                if query[i] == "(":
                    depth += 1
                elif query[i] == ")":
                    if depth == 0:
                        break
                    depth -= 1
                i += 1
            tokens.append(_word_token(query[start:i], start))
    return tokens


def _closing_quote(query: str, start: int) -> int:
    for j in range(start, len(query)):
        if query[j] in '"“”':
            return j
    return -1


def _word_token(text: str, at: int) -> _Token:
    if text in _OPERATORS:
        return _Token("OP", text, at)
    match = _FIELD_PREFIX.match(text)
    if match and not text.startswith(("http:", "https:")):
        name = match.group(1).lower()
        if name not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise QuerySyntaxError(
                f"unknown field '{match.group(1)}' (fields: {known})",
                _QUOTE_HINT.format(text=text),
            )
        return _Token("FIELD", FIELDS[name] + ":" + match.group(2), at)
    return _Token("WORD", text, at)


# -- parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.pos = 0
        self.depth = 0  # groups and NOTs open around the current token

    def enter(self, token: _Token) -> None:
        """Count one more level of nesting, refusing it past MAX_DEPTH before recursing."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                f"the query nests groups or NOTs more than {MAX_DEPTH} levels deep "
                f"(at character {token.at + 1})",
                "Remove some of the parentheses",
            )

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.parse_or()
        token = self.peek()
        if token is not None:
            raise QuerySyntaxError(
                f"unexpected '{token.text}' at character {token.at + 1}",
                _QUOTE_HINT.format(text=self.query.replace('"', "")),
            )
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "OP" and token.text == "OR":
            self.take()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children: list[Node] = []
        explicit = False
        while (token := self.peek()) is not None:
            if token.kind == "RPAREN" or (token.kind == "OP" and token.text == "OR"):
                break
            if token.kind == "OP" and token.text == "AND":
                self.take()
                if not children:
                    raise self._dangling(token)
                explicit = True
                if self.peek() is None or self.peek().kind == "RPAREN":  # type: ignore[union-attr]
                    raise self._dangling(token)
                continue
            children.append(self.parse_unary())
        if not children:
            token = self.peek()
            if token is None:
                raise QuerySyntaxError("the query is empty", "Type one or more words to search for")
            raise (
                self._dangling(token)
                if token.kind == "OP"
                else QuerySyntaxError(
                    f"unexpected '{token.text}' at character {token.at + 1}",
                    _QUOTE_HINT.format(text=self.query.replace('"', "")),
                )
            )
        if all(isinstance(c, Not) for c in children):
            raise QuerySyntaxError(
                "a query cannot consist only of NOT terms",
                "Add a word to search for, e.g. biometrics NOT fingerprint",
            )
        return children[0] if len(children) == 1 else And(tuple(children), explicit)

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is not None and token.kind == "OP" and token.text == "NOT":
            self.take()
            if self.peek() is None or self.peek().kind in ("RPAREN", "OP"):  # type: ignore[union-attr]
                raise self._dangling(token)
            self.enter(token)
            node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_atom(field=None)

    def parse_atom(self, field: str | None) -> Node:
        token = self.take()
        if token.kind == "LPAREN":
            self.enter(token)
            node = self.parse_or()
            self.depth -= 1
            closing = self.peek()
            if closing is None or closing.kind != "RPAREN":
                raise QuerySyntaxError(
                    f"unbalanced parenthesis at character {token.at + 1}",
                    "Close the group with ) or quote the text",
                )
            self.take()
            return _with_field(node, field) if field else node
        if token.kind == "RPAREN":
            raise QuerySyntaxError(
                f"unbalanced parenthesis at character {token.at + 1}",
                "Remove the ) or quote the text",
            )
        if token.kind == "PHRASE":
            if not token.text.strip():
                raise QuerySyntaxError('an empty phrase ""', "Put words between the quotes")
            return Phrase(token.text, field)
        if token.kind == "FIELD":
            if field:
                raise QuerySyntaxError(
                    f"a field inside a field at character {token.at + 1}",
                    _QUOTE_HINT.format(text=token.text),
                )
            name, _, value = token.text.partition(":")
            if value:
                return _leaf(value, name, token.at)
            following = self.peek()
            if following is None or following.kind not in ("PHRASE", "LPAREN", "WORD"):
                raise QuerySyntaxError(
                    f"the field '{name}' has no value", f"Write it as {name}:VALUE, e.g. {name}:ICE"
                )
            return self.parse_atom(field=name)
        if token.kind == "WORD":
            return _leaf(token.text, field, token.at)
        raise self._dangling(token)

    def _dangling(self, token: _Token) -> QuerySyntaxError:
        return QuerySyntaxError(
            f"'{token.text}' at character {token.at + 1} needs a word on each side",
            f'Use lowercase "{token.text.lower()}" to search for the word itself',
        )


def _leaf(text: str, field: str | None, at: int) -> Node:
    if text.endswith("*") and len(text) > 1 and "*" not in text[:-1] and "?" not in text:
        stem = text[:-1]
        if len(stem.strip("*?")) < 2:
            raise _wildcard_error(text)
        return Prefix(stem, field)
    if "*" in text or "?" in text:
        raise _wildcard_error(text)
    match = re.match(r"^(.+?)~([12])?$", text)
    if match:
        return Fuzzy(match.group(1), int(match.group(2) or 1), field)
    return Word(text, field)


def _wildcard_error(text: str) -> QuerySyntaxError:
    return QuerySyntaxError(
        f"unsupported wildcard in '{text}': only a trailing * after two or more letters works",
        _QUOTE_HINT.format(text=text),
    )


def _with_field(node: Node, field: str) -> Node:
    if isinstance(node, (Word, Phrase, Prefix, Fuzzy)):
        return type(node)(**{**node.__dict__, "field": node.field or field})
    if isinstance(node, And):
        return And(tuple(_with_field(c, field) for c in node.children), node.explicit)
    if isinstance(node, Or):
        return Or(tuple(_with_field(c, field) for c in node.children))
    return Not(_with_field(node.child, field))


def parse_query(query: str) -> Node:
    """Parse a query string into a tree, or raise QuerySyntaxError saying what to change."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"the query is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}",
            "Shorten it",
        )
    if not query.strip():
        raise QuerySyntaxError("the query is empty", "Type one or more words to search for")
    tree = _Parser(query).parse()
    found = list(leaves(tree))
    if len(found) > MAX_TERMS:
        raise QueryTooExpensiveError(
            f"the query has {len(found)} terms; the limit is {MAX_TERMS}. Search for fewer words"
        )
    patterns = [leaf for leaf in found if isinstance(leaf, (Prefix, Fuzzy))]
    if len(patterns) > MAX_PATTERNS:
        raise QueryTooExpensiveError(
            f"the query has {len(patterns)} prefix* and typo~ words; the limit is "
            f"{MAX_PATTERNS}. Search for fewer of them"
        )
    for leaf in patterns:
        if isinstance(leaf, Fuzzy) and len(leaf.text) > MAX_FUZZY_LENGTH:
            raise QueryTooExpensiveError(
                f"'{leaf.text[:20]}...~' is {len(leaf.text)} characters long; typo~ matching "
                f"works on words of at most {MAX_FUZZY_LENGTH}. Remove the ~"
            )
    return tree


def leaves(node: Node) -> Iterator[Node]:
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from leaves(child)
    elif isinstance(node, Not):
        yield from leaves(node.child)
    else:
        yield node


def has_patterns(node: Node) -> bool:
    """True if the query holds a prefix* or typo~ word."""
    return any(isinstance(leaf, (Prefix, Fuzzy)) for leaf in leaves(node))


def quote_query(query: str) -> str:
    """Escape a query so that every word is searched literally (the --quote option)."""
    words = [w.replace('"', "").replace("“", "").replace("”", "") for w in query.split()]
    return " ".join(f'"{w}"' for w in words if w)


def is_plain(node: Node) -> bool:
    """True for a bag of unfielded words (implicit AND): eligible for proximity and fallback."""
    if isinstance(node, Word):
        return node.field is None
    return (
        isinstance(node, And)
        and not node.explicit
        and all(isinstance(c, Word) and c.field is None for c in node.children)
    )


def check_date(value: str, name: str = "date") -> str:
    """`value` when it is a real date written YYYY, YYYY-MM or YYYY-MM-DD; otherwise a
    BadParameterError naming the option (`name`) and what is wrong: `2019-13`, `2019-02-30` and
    `20x9` are refused, not read as some other date or matched against nothing."""
    match = _DATE_FORM.match(value)
    if match is None:
        raise BadParameterError(f"invalid {name} '{value}': use {DATE_FORMS}")
    year, month, day = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise BadParameterError(f"invalid {name} '{value}': there is no month {month}")
    if day is not None:
        try:
            datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise BadParameterError(
                f"invalid {name} '{value}': {year}-{month} has no day {day}"
            ) from None
    return value
