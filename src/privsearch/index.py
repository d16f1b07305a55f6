"""The Whoosh index on disk: its schema, its writer, and the `privsearch.json` beside it.

This is the only module that touches Whoosh's schema and writer. A run reads only new or
changed sources (by content hash), replaces their records, and commits once: Whoosh swaps its
table of contents atomically, so a run that dies midway leaves the previous index searchable.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pickle
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from queue import Empty, Full, Queue
from typing import TYPE_CHECKING, Any

from whoosh import columns, fields, index
from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer
from whoosh.system import pack_uint
from whoosh.util.filelock import try_for
from whoosh.writing import CLEAR, PostingPool, SegmentWriter

from . import __version__, analyze, expansion, filelock
from .config import Limits
from .errors import IndexBusyError, IndexNotFoundError, IndexVersionError, PrivsearchError
from .models import Page, Record, Reference, Risk, Section, Skip
from .structure import FACET_SEPARATOR, PRIVACY_FACETS, section_marks, structure
from .structure.links import citation_key, reference_targets

if TYPE_CHECKING:  # the readers (pypdf, lxml) are imported by the functions that index
    from .graph import Graph
    from .ingest import SourceResult
    from .ingest.pdf import PdfPool

# 2: links and details; 3: title terms for learned expansions; 4: sections, privacy facets, risks;
# 5: references to other documents (`cites`)
SCHEMA_VERSION = 5
META_FILE = "privsearch.json"
COPIES_FILE = "copies.json"  # which editions are copies of one publication (write_copies)
STEMS_FILE = "stems.json"  # the stems of the indexed words (write_stems)
GRAPH_FILE = "graph.json"  # the links between the documents (write_graph)
_WRITER_TIMEOUT = 5.0  # seconds to wait for another writer before reporting the index busy

_SPELLING_CHARS = 20_000  # of a body, read for the spelling vocabulary
_VERSION_SUFFIX = re.compile(r"(\(\w{1,3}\)|-\d{1,2})$")
_REFERENCE_TAIL = re.compile(r"^DHS/(?:[^/]+/)?")


_SPELLING_WORD = r"[A-Za-z][a-z]{2,}"
_SPELLING_WORD_RE = re.compile(_SPELLING_WORD)


def _spelling_analyzer() -> Analyzer:
    """Plain lowercase words, unstemmed: the vocabulary "did you mean" draws from."""
    return RegexTokenizer(_SPELLING_WORD) | LowercaseFilter()


class Text(fields.TEXT):
    """A TEXT field with privsearch's analyzer, indexed through `analyze.index_positions`:
    the same postings as Whoosh's token stream gives, at a fraction of the cost.

    `phrases` (runs of terms) are also recorded each as a term of its own where they occur
    (`analyze.phrase_positions`). The set is part of the schema, saved with each version of
    the index, so a search knows which phrases every segment of it holds as terms.
    """

    phrases: frozenset[tuple[str, ...]] = frozenset()  # of an index written without them: none

    def __init__(self, phrases: Iterable[tuple[str, ...]] = (), **kwargs: Any) -> None:
        super().__init__(analyzer=analyze.build_analyzer(), **kwargs)
        self.phrases = frozenset(phrases)

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost, encode = self.format.field_boost, self.format.encode
        marks = getattr(value, "marks", ())
        positions = analyze.index_positions(value, marks)
        if self.phrases:
            positions.update(analyze.phrase_positions(positions, self.phrases))
        for term, poses in positions.items():
            # A section mark (where a section is) or a phrase term (where a phrase is):
            # not words of the text, so they add nothing to its length.
            if term[0] < " ":
                yield term.encode("utf-8"), 0, 0.0, encode(poses)
            else:
                yield term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses)


class MarkedText(str):
    """A text to index with `Text`, and the terms that mark where its sections start and end:
    (character offset, term) pairs, sorted (see `structure.section_marks`)."""

    marks: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(cls, text: str, marks: Sequence[tuple[int, str]]) -> str:
        if not marks:
            return text
        marked = cls(text)
        marked.marks = tuple(marks)
        return marked


class SpellingWords(fields.TEXT):
    """The unstemmed words of a text with their frequencies, for "did you mean"."""

    def __init__(self) -> None:
        super().__init__(analyzer=_spelling_analyzer(), phrase=False)

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        # Accents go, as the analyzer drops them: "conversación" is the word conversacion,
        # not "conversaci" and "n".
        if not value.isascii():
            value = _NOT_ASCII.sub(_uncombined, unicodedata.normalize("NFKD", value))
        for word, freq in Counter(map(str.lower, _SPELLING_WORD_RE.findall(value))).items():
            yield word.encode("utf-8"), freq, freq * boost, pack_uint(freq)


class _ChunkedPool(PostingPool):
    """Whoosh's pool of a segment's postings, its runs on disk written and read a few
    thousand postings at a time rather than one pickle call each (a tenth of a writer's time
    when the postings outgrow `index_memory_mb`)."""

    _CHUNK = 4096

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        postings = iter(items)
        while chunk := list(islice(postings, self._CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


class _FieldLengths:
    """A new segment's per-document reader whose `doc_field_length` reads each field's
    lengths once for all its documents: Whoosh asks for them once per posting it writes."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[tuple[str, int], list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._lengths.get((fieldname, default))
        if lengths is None:
            read, count = self._reader.doc_field_length, self._reader.doc_count_all()
            lengths = [read(n, fieldname, default) for n in range(count)]
            self._lengths[fieldname, default] = lengths
        return lengths[docnum]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class _SegmentWriter(SegmentWriter):
    """Whoosh's writer of one segment, writing the same segment faster (`_ChunkedPool`,
    `_FieldLengths`)."""

    def __init__(self, ix: index.Index, *, limitmb: float, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = _ChunkedPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def per_document_reader(self) -> Any:
        return _FieldLengths(super().per_document_reader())


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _uncombined(match: re.Match[str]) -> str:
    """A character not ASCII, or nothing if it is a combining mark (an accent, decomposed)."""
    char = match.group()
    return "" if unicodedata.combining(char) else char


def build_schema() -> fields.Schema:
    """The schema of a new index (or of a rebuilt one): its text fields record the phrases
    the synonym groups search for as terms."""
    phrases = analyze.indexed_phrases()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        id=fields.ID(stored=True, sortable=True),
        ids=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        family=fields.ID(stored=True, sortable=True),
        edition=fields.ID(sortable=True),
        family_ids=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        title=Text(phrases, stored=True),
        title_text=fields.COLUMN(columns.VarBytesColumn()),
        title_terms=fields.COLUMN(columns.VarBytesColumn()),
        summary=Text(phrases, stored=True),
        body=Text(phrases),
        sorns=Text(phrases, stored=True),
        spell=SpellingWords(),
        component=fields.ID(stored=True, sortable=True),
        doc_type=fields.ID(stored=True, sortable=True),
        date=fields.ID(stored=True, sortable=True),
        year=fields.ID(stored=True, sortable=True),
        source=fields.ID(stored=True),
        url=fields.STORED,
        links=fields.STORED,
        details=fields.STORED,
        attachments=fields.STORED,
        pages=fields.STORED,
        page_count=fields.NUMERIC(stored=True, sortable=True),
        warnings=fields.STORED,
        sections=fields.STORED,
        facets=fields.STORED,
        risks=fields.STORED,
        references=fields.STORED,
        cites=fields.KEYWORD(lowercase=True, commas=True, scorable=False),
        **{name: fields.KEYWORD(commas=True, scorable=False) for name in PRIVACY_FACETS},
        **{facet_column(name): fields.COLUMN(columns.VarBytesColumn()) for name in PRIVACY_FACETS},
    )


def facet_column(name: str) -> str:
    """The column holding a privacy facet's values, joined by FACET_SEPARATOR."""
    return f"{name}_values"


# -- identifiers ------------------------------------------------------------------------------


def family_of(record_id: str) -> str:
    """The id shared by a document and its updates: `DHS/CBP/PIA-001(c)` -> `DHS/CBP/PIA-001`."""
    if not record_id.startswith("DHS/"):
        return record_id
    return _VERSION_SUFFIX.sub("", record_id)


def id_variants(record_id: str) -> list[str]:
    """Ways a user may type a reference number: whole, without `DHS/`, without the component."""
    if not record_id.startswith("DHS/"):
        return [record_id]
    variants = [record_id, record_id[len("DHS/") :], _REFERENCE_TAIL.sub("", record_id)]
    return list(dict.fromkeys(v for v in variants if v))


def _record_key(record: Record, position: int) -> str:
    return f"{record.source}#{position}"


def _document(record: Record, position: int) -> dict[str, Any]:
    """The fields of `record` to index, but for its body and what `structure` finds in it:
    `_structured` adds those where the document is written (in the writer processes of a
    large run), from the pages, so that the text is not sent there twice."""
    family = family_of(record.id)
    return {
        "key": _record_key(record, position),
        "id": record.id,
        "ids": ",".join(id_variants(record.id)),
        "family": family,
        "edition": edition_of(record.id, record.date),
        "family_ids": ",".join(id_variants(family)),
        "title": record.title,
        "title_text": record.title.encode("utf-8"),
        expansion.TITLE_TERMS: expansion.title_terms(record.title),
        "summary": record.summary,
        "sorns": "\n".join(record.sorns),
        "component": record.component,
        "doc_type": record.doc_type,
        "date": record.date or "",
        "year": (record.date or "")[:4] or "unknown",
        "source": record.source,
        "url": record.url,
        "links": list(record.links),
        "details": [list(pair) for pair in record.details],
        "attachments": list(record.attachments),
        "pages": [[p.number, p.text, p.attachment] for p in record.pages],
        "page_count": len(record.pages),
        "warnings": list(record.warnings),
    }


def _structured(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with its body, and the sections, privacy facets and risks `structure` finds
    in its record: run where the document is written, so that a large run finds them on
    every core."""
    read = Record(
        id=document["id"],
        title=document["title"],
        summary=document["summary"],
        pages=tuple(Page(n, text, att) for n, text, att in document["pages"]),
        component=document["component"],
        doc_type=document["doc_type"],
        details=tuple((str(k), str(v)) for k, v in document["details"]),
    )
    # A source's identifiers (a notice's document number and citation) are searchable too.
    body = _with_details(read)
    record = structure(read)
    return {
        **document,
        "body": MarkedText.of(body, section_marks(record)),
        # "Did you mean" needs the vocabulary, not every occurrence: the opening of a long
        # body holds nearly all of its words, at a fraction of the cost of reading it twice.
        "spell": "\n".join([read.title, read.summary, body[:_SPELLING_CHARS]]),
        "sections": _joined_rows(
            (s.key, s.title, s.page, s.offset, s.attachment, s.level, s.number)
            for s in record.sections
        ),
        "facets": [list(pair) for pair in record.facets],
        "risks": _joined_rows(
            (r.risk, r.mitigation, r.section, r.page, r.attachment, r.offset, r.length)
            for r in record.risks
        ),
        **_facet_values(record),
        "references": _joined_rows(
            (r.kind, r.target, _one_cell(r.text), r.page) for r in record.references
        ),
        "cites": ",".join(_cited_terms(record)),
    }


_ROW, _CELL = "\x1e", "\x1f"  # between the rows of a stored table, and their cells


def _joined_rows(rows: Iterable[tuple[Any, ...]]) -> str:
    """Rows of values stored as one string: Whoosh stores a string far faster than lists of
    lists (at full scale the sections and risks as lists cost each writer 1.7 s more)."""
    return _ROW.join(_CELL.join(str(value) for value in row) for row in rows)


def _split_rows(stored: str | None) -> list[list[str]]:
    """The rows `_joined_rows` stored."""
    return [row.split(_CELL) for row in stored.split(_ROW)] if stored else []


def _section_of(cells: list[str]) -> Section:
    key, title, page, offset, attachment, level, number = cells
    return Section(key, title, int(page), int(offset), attachment, int(level), number)


def _risk_of(cells: list[str]) -> Risk:
    risk, mitigation, section, page, attachment, offset, length = cells
    return Risk(risk, mitigation, section, int(page), attachment, int(offset), int(length))


def _one_cell(text: str) -> str:
    """`text` without the characters that separate stored rows and cells."""
    return text.replace(_ROW, " ").replace(_CELL, " ")


def _reference_of(cells: list[str]) -> Reference:
    kind, target, text, page = cells
    return Reference(kind, target, text, int(page))


def _cited_terms(record: Record) -> list[str]:
    """The terms `cites:` finds the record by: every target it refers to, in its forms."""
    terms = (t for r in record.references for t in reference_targets(r.target))
    return list(dict.fromkeys(t.replace(",", " ") for t in terms))


def _facet_values(record: Record) -> dict[str, Any]:
    """Each privacy facet's values: as terms to filter by, and as a column to count."""
    out: dict[str, Any] = {}
    for name in PRIVACY_FACETS:
        values = [v.replace(",", " ") for v in record.facet(name)]
        out[name] = ",".join(values)
        out[facet_column(name)] = FACET_SEPARATOR.join(values).encode("utf-8")
    return out


def record_from_stored(stored: dict[str, Any]) -> Record:
    """Rebuild a Record from a document's stored fields."""
    return Record(
        id=stored["id"],
        title=stored.get("title", ""),
        summary=stored.get("summary", ""),
        pages=tuple(Page(n, text, att) for n, text, att in stored.get("pages", [])),
        component=stored.get("component", "DHS"),
        doc_type=stored.get("doc_type", "Other"),
        date=stored.get("date") or None,
        sorns=tuple(s for s in stored.get("sorns", "").split("\n") if s),
        source=stored.get("source", ""),
        attachments=tuple(stored.get("attachments", [])),
        url=stored.get("url", ""),
        warnings=tuple(stored.get("warnings", [])),
        links=tuple(stored.get("links", [])),
        details=tuple((str(k), str(v)) for k, v in stored.get("details", [])),
        sections=tuple(_section_of(cells) for cells in _split_rows(stored.get("sections"))),
        facets=tuple((str(k), str(v)) for k, v in stored.get("facets", [])),
        risks=tuple(_risk_of(cells) for cells in _split_rows(stored.get("risks"))),
        references=stored_references(stored),
    )


def stored_references(stored: dict[str, Any]) -> tuple[Reference, ...]:
    """The references a document's stored fields hold."""
    return tuple(_reference_of(cells) for cells in _split_rows(stored.get("references")))


_SEARCHABLE_DETAILS = ("document_number", "citation", "docket_ids")


def _with_details(record: Record) -> str:
    extra = [record.detail(name) for name in _SEARCHABLE_DETAILS if record.detail(name)]
    return "\n\n".join([record.body, *extra]) if extra else record.body


# -- metadata beside the index -----------------------------------------------------------------


def _analyzer_settings() -> dict[str, Any]:
    return {"analyzer_version": analyze.ANALYZER_VERSION, "schema_version": SCHEMA_VERSION}


def read_meta(index_dir: Path) -> dict[str, Any]:
    path = index_dir / META_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexVersionError(
            f"{path} is unreadable ({exc}); rebuild the index with `privsearch index --rebuild`"
        ) from exc


def _write_meta(index_dir: Path, meta: dict[str, Any], name: str = META_FILE) -> None:
    """Write privsearch.json atomically, so a crash leaves the old one."""
    write_json(index_dir / name, meta, indent=1, sort_keys=True, ensure_ascii=True)


def _write_compact(index_dir: Path, data: dict[str, Any], name: str) -> None:
    """Write a large JSON file atomically, without indentation: encoded by the C encoder
    (`json.dump` to a file, or with an indent, encodes in Python)."""
    write_json(index_dir / name, data, indent=None)


def write_json(
    path: Path,
    data: Any,
    *,
    indent: int | None,
    sort_keys: bool = False,
    ensure_ascii: bool = False,
) -> None:
    """Write `data` as JSON to `path` atomically (a temporary file beside it, fsync, rename):
    a crash leaves the old file. Without `indent`, no spaces after separators either."""
    separators = None if indent is not None else (",", ":")
    text = json.dumps(
        data, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators
    )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- copies of one publication ----------------------------------------------------------------


def edition_of(record_id: str, date: str | None) -> str:
    """The key of one edition of a publication: its id and date."""
    return f"{record_id}|{date or ''}"


def write_copies(ix: Any, index_dir: Path) -> int:
    """Record which editions in the index are copies of one publication, read from different
    sources (a listing entry and its page, the same notice in two folders), so that searches
    show each publication once; return how many editions were joined to another.

    The index keeps every copy as read, so that a changed source replaces its own records
    only; the copies are found again (`ingest.group_copies`, the rule `read_records` merges
    by) over every document after each change, and written to COPIES_FILE with the version
    of the index they describe.
    """
    from .ingest import group_copies

    with ix.searcher() as searcher:
        reader = searcher.reader()
        generation = reader.generation()
        records = _StoredRecords(reader)
        groups = group_copies(records)
        every_edition = records.editions()
    parent: dict[str, str] = {}

    def root(edition: str) -> str:
        while parent.get(edition, edition) != edition:
            edition = parent[edition]
        return edition

    for group in groups:
        editions = sorted({every_edition[i] for i in group})
        for edition in editions[1:]:
            parent[root(edition)] = root(editions[0])
    members: dict[str, list[str]] = {}
    for edition in set(every_edition):
        members.setdefault(root(edition), []).append(edition)
    copies: dict[str, str] = {}
    for editions in members.values():
        if len(editions) > 1:
            # The group is known by a dated edition: its date is the publication's.
            key = min(editions, key=lambda e: (e.endswith("|"), e))
            copies.update({e: key for e in editions if e != key})
    _write_meta(index_dir, {"generation": generation, "copies": copies}, COPIES_FILE)
    return len(copies)


class _StoredRecords(Sequence[Record]):
    """The records of a reader's documents, each rebuilt from its stored fields when asked
    for: a pass over them holds one document's text at a time, not the whole index's (at full
    scale, 520 MB more for the run that writes the copies)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.docnums = list(reader.all_doc_ids())
        self._editions: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.docnums)

    def __getitem__(self, i: int) -> Record:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        record = record_from_stored(self.reader.stored_fields(self.docnums[i]))
        self._editions[i % len(self)] = edition_of(record.id, record.date)
        return record

    def editions(self) -> list[str]:
        """Each record's edition, in order (a record is read for it only if no pass has)."""
        return [self._edition(i) for i in range(len(self))]

    def _edition(self, i: int) -> str:
        if i not in self._editions:
            self[i]  # reading a record notes its edition
        return self._editions[i]


def write_graph(ix: Any, index_dir: Path) -> int:
    """Write the links between the documents of this version of the index to GRAPH_FILE (see
    `privsearch.graph`); return how many links it holds."""
    with ix.searcher() as searcher:
        graph = graph_of_reader(searcher.reader())
        generation = searcher.reader().generation()
    from .graph import GRAPH_VERSION

    data = {"generation": generation, "version": GRAPH_VERSION, **graph.to_rows()}
    _write_compact(index_dir, data, GRAPH_FILE)
    return len(graph.links)


def graph_of_reader(reader: Any) -> Graph:
    """The graph of the documents `reader` holds, from their stored ids and references."""
    from .graph import Entry, Node, build_graph

    def entry(stored: dict[str, Any]) -> Entry:
        details = dict(stored.get("details", []))
        node = Node(
            id=stored["id"],
            title=stored.get("title", ""),
            doc_type=stored.get("doc_type", ""),
            component=stored.get("component", ""),
            date=stored.get("date") or None,
            citation=citation_key(str(details.get("citation", ""))),
        )
        return Entry(node, stored_references(stored))

    return build_graph(entry(stored) for _, stored in reader.iter_docs())


def read_graph(index_dir: Path, generation: int) -> Graph | None:
    """The graph GRAPH_FILE holds, if it describes this version of the index; else None."""
    from .graph import GRAPH_VERSION, Graph

    try:
        data = json.loads((index_dir / GRAPH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generation") != generation:
        return None
    if data.get("version") != GRAPH_VERSION:
        return None
    try:
        return Graph.from_rows(data)
    except (KeyError, TypeError):
        return None


def write_stems(ix: Any, index_dir: Path) -> int:
    """Write the stems of the words a search is likely to meet (the indexed words as typed,
    the shipped word lists) to STEMS_FILE, so that a search needs no stemmer; return how many.

    A word missing from the table is stemmed as usual, at the cost of loading nltk.
    """
    with ix.searcher() as searcher:
        words = [word.decode("utf-8") for word in searcher.reader().lexicon("spell")]
    stems = analyze.stems_of([*words, *analyze.listed_words()])
    _write_meta(index_dir, {"analyzer": analyze.ANALYZER_VERSION, "stems": stems}, STEMS_FILE)
    return len(stems)


def read_stems(index_dir: Path) -> dict[str, str]:
    """The table write_stems made, if it is there and made by this analyzer; else empty."""
    try:
        data = json.loads((index_dir / STEMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("analyzer") != analyze.ANALYZER_VERSION:
        return {}
    stems = data.get("stems")
    return stems if isinstance(stems, dict) else {}


def read_copies(index_dir: Path, generation: int) -> dict[str, str] | None:
    """Edition -> the edition it is a copy of, for this version of the index; None when
    COPIES_FILE describes another version (it is written just after each commit)."""
    data = _copies_data(index_dir)
    if data is None:
        return {}  # none (an empty index), or unreadable: every copy shows
    if data.get("generation") != generation:
        return None
    copies = data.get("copies", {})
    return {str(k): str(v) for k, v in copies.items()} if isinstance(copies, dict) else {}


def _copies_data(index_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((index_dir / COPIES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def index_exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and index.exists_in(str(index_dir))


def open_whoosh(index_dir: Path) -> index.Index:
    """Open an existing index for reading, refusing one built with other analysis settings."""
    index_dir = Path(index_dir)
    if not index_exists(index_dir):
        raise IndexNotFoundError(
            f"no index at {index_dir}; build one with `privsearch index PATH --index {index_dir}`"
        )
    _check_compatible(index_dir, read_meta(index_dir))
    return index.open_dir(str(index_dir))


def _is_compatible(meta: dict[str, Any]) -> bool:
    expected = _analyzer_settings()
    return {k: meta.get(k) for k in expected} == expected


def _check_compatible(index_dir: Path, meta: dict[str, Any]) -> None:
    expected = _analyzer_settings()
    found = {k: meta.get(k) for k in expected}
    if found != expected:
        raise IndexVersionError(
            f"the index at {index_dir} was built with other analysis settings ({found}, this "
            f"version uses {expected}); re-index with `privsearch index --rebuild PATH`"
        )


# -- building ----------------------------------------------------------------------------------


@dataclass
class IndexReport:
    """What one indexing run did; `privsearch index --json` prints it."""

    index_dir: str
    records: int = 0  # records in the index after the run
    records_added: int = 0
    records_removed: int = 0
    pages: int = 0  # pages of text in the records this run added (as `stats` counts them)
    index_pages: int = 0  # pages of text in the index after the run
    sources_read: int = 0
    sources_unchanged: int = 0
    sources_removed: int = 0
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False
    # the records this run added: {"change": "new" | "changed", id, title, date, ...}
    changes: list[dict[str, Any]] = field(default_factory=list)
    # the saved searches (watch.py) this run's new or changed records match, and which ones
    watches: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data.pop("changes")  # `privsearch update` reports them
        data["skipped"] = [{"path": s.path, "reason": s.reason} for s in self.skipped]
        data["seconds"] = round(self.seconds, 3)
        return data


ProgressCallback = Callable[[str, int, int], None]  # (event, done, total)


def build_index(
    paths: Sequence[Path],
    index_dir: Path,
    *,
    rebuild: bool = False,
    limits: Limits | None = None,
    progress: ProgressCallback | None = None,
) -> IndexReport:
    """Index `paths` (files or directory trees) into `index_dir`, incrementally unless `rebuild`.

    Sources not under `paths` that a previous run indexed are kept; sources under `paths` that
    are gone are dropped.
    """
    limits = limits or Limits()
    started = time.perf_counter()
    index_dir = Path(index_dir)
    _check_writable(index_dir)
    from .ingest.html import worker_for_run
    from .ingest.pdf import PdfPool

    with _run_lock(index_dir):
        try:
            with worker_for_run(), PdfPool(limits) as pool:  # one pool: PDFs start during the scan
                return _build(paths, index_dir, rebuild, limits, progress, started, pool)
        except OSError as exc:
            raise _write_error(index_dir, exc) from exc


def _build(
    paths: Sequence[Path],
    index_dir: Path,
    rebuild: bool,
    limits: Limits,
    progress: ProgressCallback | None,
    started: float,
    pool: PdfPool,
) -> IndexReport:
    from .ingest import read_sources, scan_sources

    report = IndexReport(index_dir=str(index_dir), rebuilt=rebuild)
    meta = read_meta(index_dir)
    compatible = index_exists(index_dir) and bool(meta) and _is_compatible(meta)
    if not rebuild and index_exists(index_dir) and meta:
        _check_compatible(index_dir, meta)
    known: dict[str, dict[str, str]] = dict(meta.get("sources", {})) if compatible else {}
    skips: dict[str, list[list[str]]] = dict(meta.get("skipped", {})) if compatible else {}
    if rebuild:
        known, skips = {}, {}
    elif compatible and _sources_outdated(index_dir, meta):
        known = _read_again(known)

    plan = scan_sources(list(paths), _known_under(known, paths), limits=limits, pool=pool)
    report.skipped.extend(plan.skipped)
    report.sources_unchanged = len(plan.unchanged)
    # Files skipped by an earlier run and unchanged since are still left out: say so again.
    for source in plan.unchanged:
        report.skipped.extend(Skip(path, reason) for path, reason in skips.get(source, []))

    # A rebuild of a compatible index clears it in the same commit that adds the new records,
    # so until that commit readers keep the old generation. An incompatible index is unusable
    # anyway and is recreated.
    if compatible:
        ix = index.open_dir(str(index_dir))
    else:
        ix = index.create_in(str(index_dir), build_schema())
        # Settings first, so that a run killed before its commit leaves an empty index that
        # opens, rather than one refused for lack of settings.
        _write_meta(index_dir, {**_analyzer_settings(), "records": 0, "sources": {}})
    # Whoosh's writer lock, taken by us rather than by the writer: a writer that fails while
    # it sets up (its first file on a full disk) would otherwise keep the lock.
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=_WRITER_TIMEOUT, delay=0.1):
        raise IndexBusyError(
            f"the index at {index_dir} is being written by another process; try again when it "
            "finishes"
        )
    try:
        _remove_orphan_segments(ix)
        try:
            writer = _SegmentWriter(ix, _lk=False, limitmb=limits.index_memory_mb)
        except BaseException:
            _remove_unused_files(ix)
            raise
        if rebuild:  # every record is written again: with the phrases of today's synonyms
            writer.schema = build_schema()
        sink = _Writers(ix, writer, limits)
        try:
            for source in plan.removed:
                report.records_removed += writer.delete_by_term("source", source)
                known.pop(source, None)
                skips.pop(source, None)
                report.sources_removed += 1
            total = len(plan.to_read)
            added: dict[str, int] = {}  # source -> records added in this run
            change: dict[str, str] = {}  # source -> "new" or "changed"
            incomplete: set[str] = set()  # sources cut short by run_max_records
            for result in _prefetched(read_sources(plan, limits=limits, pool=pool)):
                source = result.source
                if source not in added:  # its first result: replace what the index held
                    change[source] = "changed" if source in known else "new"
                    report.records_removed += writer.delete_by_term("source", source)
                    report.sources_read += 1
                    added[source] = 0
                    known[source] = {}
                    skips[source] = []
                added[source] += _add_result(sink, result, report, added[source])
                report.changes.extend(changed_record(r, change[source]) for r in result.records)
                known[source].update(result.files)
                if result.incomplete:
                    incomplete.add(source)
                skips[source] += [[skip.path, skip.reason] for skip in result.skipped]
                if progress:
                    progress("read", len(added), total)
            for source in added:
                if source in incomplete or not known[source] and not added[source]:
                    del known[source]  # read again by the next run
                if not skips[source]:
                    del skips[source]
            if added or plan.removed or rebuild:
                sink.commit(mergetype=CLEAR if rebuild else None)
            else:  # nothing changed: no new version for searchers to move to
                writer.cancel()
                _remove_orphan_segments(ix)  # Whoosh's cancel keeps its empty segment's files
        except BaseException:
            sink.kill()
            with contextlib.suppress(Exception):
                writer.cancel()
            if not getattr(writer, "is_closed", True):  # cancel failed midway (a full disk)
                _close_quietly(writer)
            _remove_unused_files(ix)  # and keep no half-written segment
            raise
    finally:
        with contextlib.suppress(Exception):
            lock.release()

    with ix.searcher() as searcher:
        report.records = searcher.doc_count()
        report.index_pages = _pages_in(searcher.reader())
        generation = searcher.reader().generation()
    # A file is skipped once in the summary, though both the scan and the read find it out.
    report.skipped = list(dict.fromkeys(report.skipped))
    meta = {
        **_analyzer_settings(),
        "privsearch_version": __version__,
        "records": report.records,
        "indexed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sources": known,
        "skipped": skips,
        # The version the list describes: a run killed between its commit and this write
        # leaves a list that does not match the index, and the next run reads everything.
        "generation": generation,
        # The folders and files given to each run: the API shows paths relative to them.
        "roots": _roots(meta.get("roots", []) if compatible and not rebuild else [], paths),
    }
    try:
        # The list of sources right after the commit: until it is written, the list on disk
        # is the previous run's, and a run killed meanwhile leaves files the new version does
        # not hold listed as read. The copies (checked against the version they describe)
        # and the stems (a cache: a word missing from it is stemmed as usual) follow.
        _write_meta(index_dir, meta)
        if (_copies_data(index_dir) or {}).get("generation") != generation:
            write_copies(ix, index_dir)
            write_stems(ix, index_dir)
            write_graph(ix, index_dir)
    except OSError as exc:  # the records are committed; the old list of sources stays
        raise PrivsearchError(
            f"the index at {index_dir} was updated, but {META_FILE} could not be written "
            f"({exc.strerror or exc}); the next run reads the new and changed files again"
        ) from exc
    report.watches = _watched_changes(index_dir, report)
    report.seconds = time.perf_counter() - started
    return report


def _watched_changes(index_dir: Path, report: IndexReport) -> list[dict[str, Any]]:
    """The saved searches this run's new or changed records match, noted for `watch check`.
    The records are committed already: a saved searches file that cannot be used is a
    warning, not a failed run, and is left as it is."""
    from .watch import record_run

    try:
        return [found.to_dict() for found in record_run(index_dir, report.changes)]
    except PrivsearchError as exc:
        report.warnings.append(exc.message)
    except OSError as exc:
        report.warnings.append(f"the saved searches could not be updated: {exc.strerror or exc}")
    return []


def _roots(previous: list[str], paths: Sequence[Path]) -> list[str]:
    """The indexed folders: this run's `paths`, resolved, and those of earlier runs."""
    return sorted({*previous, *(str(Path(p).resolve()) for p in paths)})


def write_records(
    records: Iterable[Record], index_dir: Path, *, limits: Limits | None = None
) -> int:
    """Replace the index at `index_dir` by one holding `records`, read already; return how
    many it holds. Indexing alone, as `build_index` does it: benchmarks time it."""
    limits = limits or Limits()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _run_lock(index_dir):
        ix = index.create_in(str(index_dir), build_schema())
        writer = _SegmentWriter(ix, limitmb=limits.index_memory_mb)
        sink = _Writers(ix, writer, limits)
        try:
            count = 0
            for count, record in enumerate(records, start=1):
                sink.add(_document(record, count))
            sink.commit(mergetype=None)
        except BaseException:
            sink.kill()
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        write_copies(ix, index_dir)
        write_stems(ix, index_dir)
        write_graph(ix, index_dir)
        _write_meta(index_dir, {**_analyzer_settings(), "records": count, "sources": {}})
        return count


def _sources_outdated(index_dir: Path, meta: dict[str, Any]) -> bool:
    """Whether the list of sources describes another version than the index's latest (a run
    was killed after its commit, before it wrote the list). Lists without a version (older
    indexes) are trusted."""
    if "generation" not in meta:
        return False
    ix = index.open_dir(str(index_dir))
    try:
        return ix.latest_generation() != meta["generation"]
    finally:
        ix.close()


def _read_again(known: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Every known source, marked to be read again; a source gone since is still removed."""
    return {source: {} for source in known}


def _known_under(known: dict[str, dict[str, str]], paths: Sequence[Path]) -> dict[str, dict]:
    """The previously indexed sources that lie under the paths of this run."""
    roots = [str(Path(p).resolve()) for p in paths]
    return {
        source: files
        for source, files in known.items()
        if any(source == root or source.startswith(root.rstrip("/") + "/") for root in roots)
    }


def changed_record(record: Record, change: str) -> dict[str, Any]:
    """What a run reports of a new or changed record (`IndexReport.changes`, saved searches)."""
    return {
        "change": change, "id": record.id, "title": record.title, "date": record.date,
        "component": record.component, "doc_type": record.doc_type, "url": record.url,
        "source": record.source,
    }  # fmt: skip


def _pages_in(reader: Any) -> int:
    """Pages of text in the index, counted as `stats` counts them (stored page_count)."""
    if not reader.has_column("page_count"):
        return 0
    column = reader.column_reader("page_count")
    return sum(column[n] for n in reader.all_doc_ids())


def _add_result(sink: _Writers, result: SourceResult, report: IndexReport, first: int) -> int:
    """Add a result's records, numbered from `first` within their source; return how many."""
    report.skipped.extend(result.skipped)
    for position, record in enumerate(result.records, start=first):
        # Pages of text as the index stores them: a PDF's, a manifest row's inline text, a
        # Federal Register document's, the same way `stats` counts them.
        report.pages += len(record.pages)
        sink.add(_document(record, position))
        report.records_added += 1
        report.warnings.extend(f"{record.source}: {w}" for w in record.warnings)
    return len(result.records)


def _text_chars(document: dict[str, Any]) -> int:
    """The characters of text `document` holds: its pages, summary and title."""
    pages = sum(len(text) for _, text, _ in document["pages"])
    return pages + len(document["summary"]) + len(document["title"])


def _sendable(document: dict[str, Any]) -> dict[str, Any]:
    """`document` as it is sent to a writer process: its pages' text as UTF-8 bytes.

    Pickling a string that is not ASCII keeps its UTF-8 form in the string for good: a
    caller's records, pickled as they are, would grow by their whole text (120 MB at full
    scale). Encoding them here makes a copy that goes with the batch.
    """
    pages = [[n, text.encode("utf-8", "surrogatepass"), att] for n, text, att in document["pages"]]
    return {**document, "pages": pages}


def _received(document: dict[str, Any]) -> dict[str, Any]:
    """The document `_sendable` sent, its pages' text decoded."""
    pages = [[n, text.decode("utf-8", "surrogatepass"), att] for n, text, att in document["pages"]]
    return {**document, "pages": pages}


class _Writers:
    """Where a run's documents go: the run's own Whoosh writer for a small run; for a run that
    reads `limits.parallel_index_mb` of text or more, worker processes that each write one new
    segment, so that analysis and posting lists are built on every core.

    The run's writer still makes the deletions and the single commit that publishes every
    segment at once; until then readers see the previous generation.
    """

    _BATCH_CHARS_MIN = 100_000  # text per batch sent to a worker, at least

    def __init__(self, ix: index.Index, writer: SegmentWriter, limits: Limits) -> None:
        self.ix, self.writer, self.limits = ix, writer, limits
        self.processes = limits.workers or os.cpu_count() or 1
        self._threshold = limits.parallel_index_mb * 1_000_000
        self._seen = 0  # characters of text added
        self._batch: list[dict[str, Any]] = []
        self._batch_chars = 0
        self._workers: list[_SegmentWorker] = []
        self._jobs: Any = None

    def add(self, document: dict[str, Any]) -> None:
        if self.processes < 2:
            self.writer.add_document(**_structured(document))
            return
        # Held back until the run proves large enough to be worth the processes; a small run
        # is written by the run's own writer at the end.
        chars = _text_chars(document)
        self._seen += chars
        self._batch.append(_sendable(document))
        self._batch_chars += chars
        if self._seen >= self._threshold and self._batch_chars >= self._BATCH_CHARS_MIN:
            self._send_batch()

    def _send_batch(self) -> None:
        if not self._workers:
            ctx = _writer_context()
            self._jobs = ctx.Queue(maxsize=2 * self.processes)
            limitmb = worker_memory_mb(self.limits, self.processes)
            self._workers = [
                _SegmentWorker(ctx, self._jobs, self.ix, self.writer.schema, limitmb)
                for _ in range(self.processes)
            ]
        self._put(self._batch)
        self._batch, self._batch_chars = [], 0

    def _put(self, job: list[dict[str, Any]] | None) -> None:
        while True:  # a worker that died would never take the job: do not wait for it
            try:
                self._jobs.put(job, timeout=1.0)
                return
            except Full:
                for worker in self._workers:
                    worker.check()

    def commit(self, mergetype: Any) -> None:
        """Collect the workers' segments and publish them with the run's own, atomically."""
        if self._batch and not self._workers:
            for document in self._batch:
                self.writer.add_document(**_structured(_received(document)))
        elif self._batch:
            self._send_batch()
        segments = []
        if self._workers:
            for _ in self._workers:
                self._put(None)
            segments = [s for s in (w.result() for w in self._workers) if s is not None]
            self._jobs.close()
        writer = self.writer
        if not segments:
            writer.commit(mergetype=mergetype, optimize=False)
            return
        # What SegmentWriter.commit does, with the workers' segments added to the table of
        # contents (as Whoosh's own multiprocessing writer does).
        final = writer._merge_segments(mergetype, False, None)  # noqa: SLF001
        if writer._added:  # noqa: SLF001
            final.append(writer._finalize_segment())  # noqa: SLF001
        else:
            writer._close_segment()  # noqa: SLF001
        writer._commit_toc(final + segments)  # noqa: SLF001
        writer._finish()  # noqa: SLF001

    def kill(self) -> None:
        """Stop every worker at once; their unpublished segments are removed with the rest."""
        for worker in self._workers:
            worker.kill()
        if self._jobs is not None:
            self._jobs.cancel_join_thread()  # batches nobody will read must not block the exit
            self._jobs.close()


def _writer_context() -> Any:
    """How to start the writer processes: from a fork server (else spawned), never forked from
    the run. A forked writer shares the pages of the run's memory until the run writes to
    them, and the run writes to the page of each record it sends (its reference counts): a
    run holding its records (a caller's list) would then hold much of them twice (about 90 MB
    more at full scale)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def worker_memory_mb(limits: Limits, processes: int) -> float:
    """The postings each of a run's `processes` writers keeps in memory: `index_memory_mb` is
    the run's, shared between them, so that more writers do not take more memory."""
    return limits.index_memory_mb / processes


class _SegmentWorker:
    """One worker process writing the documents it takes from the queue into one segment."""

    def __init__(
        self, ctx: Any, jobs: Any, ix: index.Index, schema: fields.Schema, limitmb: float
    ) -> None:
        self.conn, child = ctx.Pipe()
        folder = ix.storage.folder
        self.process = ctx.Process(
            target=_segment_worker_main,
            args=(jobs, child, self.conn, folder, ix.indexname, schema, limitmb),
            daemon=True,
        )
        self.process.start()
        child.close()

    def check(self) -> None:
        """Raise if the worker has ended: while it is sent documents, it never should."""
        if self.process.exitcode is not None:
            self.result()  # raises the error the worker reported, if it could
            raise self._ended_early()

    def result(self) -> Any:
        """The segment this worker wrote (None if it received no documents)."""
        try:
            status, value = self.conn.recv()  # a worker that died reads as end of file
        except (EOFError, OSError):
            self.process.join(timeout=5)
            raise self._ended_early() from None
        self.process.join(timeout=5)
        if status == "oserror":  # a full disk, say: reported like the run's own writes
            raise OSError(*value)
        if status != "ok":
            raise PrivsearchError(f"indexing failed in a writer process: {value}")
        return value

    def _ended_early(self) -> PrivsearchError:
        from .ingest.pdf import exit_reason

        return PrivsearchError(
            f"indexing failed: a writer process ended early ({exit_reason(self.process.exitcode)})"
        )

    def kill(self) -> None:
        from .ingest.pdf import kill_worker

        kill_worker(self.process, self.conn)


def _segment_worker_main(
    jobs: Any,
    conn: Any,
    parent_end: Any,
    folder: str,
    indexname: str,
    schema: fields.Schema,
    limitmb: float,
) -> None:
    """In a worker process: add each batch of documents to a new segment until told to stop,
    then hand the finished (not yet published) segment back. `schema` is the run's writer's
    (a rebuild's may differ from the one on disk in the phrases it records)."""
    # So that the run's end, even by kill -9, reads here as the end of both pipes: the queue's
    # write end and the result pipe's other end stay with the run alone.
    parent_end.close()
    jobs._writer.close()  # noqa: SLF001 - multiprocessing offers no public way
    parent = os.getppid()
    writer = _SegmentWriter(index.open_dir(folder, indexname), _lk=False, limitmb=limitmb)
    writer.schema = schema
    try:
        while True:
            try:
                batch = jobs.get(timeout=1.0)
            except Empty:
                # The run sends nothing on `conn`: readable means closed. A forked worker
                # shares the run's descriptors, so it also watches its parent instead.
                if conn.poll() or os.getppid() != parent:
                    raise EOFError from None
                continue
            if batch is None:
                break
            for document in batch:
                writer.add_document(**_structured(_received(document)))
        # Not writer.cancel()/commit(): both would also remove the temporary folder that every
        # writer of the run shares.
        segment = writer._finalize_segment() if writer._added else None  # noqa: SLF001
        conn.send(("ok", segment))
    except BaseException as exc:
        with contextlib.suppress(Exception):
            writer._close_segment()  # noqa: SLF001
        if isinstance(exc, EOFError):  # the run is gone: nothing will publish this segment
            return
        with contextlib.suppress(Exception):
            if isinstance(exc, OSError) and exc.errno:
                conn.send(("oserror", (exc.errno, exc.strerror or str(exc))))
            else:
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
        if not isinstance(exc, Exception):
            raise


_PREFETCH = 64  # results read ahead of the writer


def _prefetched(results: Iterator[SourceResult]) -> Iterator[SourceResult]:
    """The same results, read in a background thread.

    Reading drives the PDF worker processes; without this, they would wait while this thread
    analyzes and writes the records of the previous result.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=_PREFETCH)
    stop = threading.Event()

    def produce() -> None:
        try:
            for result in results:
                while not stop.is_set():
                    try:
                        queue.put(("result", result), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    break
            queue.put(("done", None))
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put(("error", exc))
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="privsearch-read", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "result":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.1)
        thread.join()


_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO}


def _write_error(index_dir: Path, exc: OSError) -> PrivsearchError:
    """One line for a failed write; the previous index is still the one readers see."""
    what = exc.strerror or str(exc) or type(exc).__name__
    code = errno.errorcode.get(exc.errno or 0, "")
    if exc.errno not in _WRITE_ERRNOS:
        return PrivsearchError(f"indexing failed: {what}{f' [{code}]' if code else ''}")
    return PrivsearchError(
        f"cannot write to the index folder {index_dir}: {what}{f' [{code}]' if code else ''}; "
        "the previous index is unchanged"
    )


def _close_quietly(writer: Any) -> None:
    """Close the files of a writer whose cancel failed (a full disk), so that the space of the
    deleted ones comes back while this process lives on."""
    parts = [getattr(writer, "perdocwriter", None), getattr(writer, "fieldwriter", None)]
    for part in parts:
        for value in list(vars(part).values()) if part is not None else []:
            for handle in (getattr(value, "file", None), value):
                if hasattr(handle, "close") and hasattr(handle, "write"):
                    with contextlib.suppress(Exception):
                        handle.close()
    with contextlib.suppress(Exception):
        writer.pool.cleanup()
    with contextlib.suppress(Exception):
        writer._tempstorage.destroy()  # noqa: SLF001


def _remove_unused_files(ix: index.Index) -> None:
    """After a failed run: drop its half-written segment and temporary files (we hold the
    run lock, so no other writer owns them)."""
    with contextlib.suppress(Exception):
        toc = ix._read_toc()  # noqa: SLF001 - whoosh offers no public "current segments"
        index.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
    with contextlib.suppress(Exception):
        shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)


def _remove_orphan_segments(ix: index.Index) -> None:
    """Delete the files of segments that no table of contents on disk names: the empty
    segment Whoosh's cancel leaves behind (one per run that changes nothing), and segments of
    a run killed before its commit. Called with the run lock and Whoosh's write lock held, so
    no writer owns them; no reader opens a segment that no table of contents names. Files of
    the current generation, and of any older one whose table of contents is still there (a
    reader may have it open), are kept."""
    storage, name = ix.storage, ix.indexname
    toc_pattern = index.TOC._pattern(name)  # noqa: SLF001 - Whoosh's own file names
    segment_pattern = index.TOC._segment_pattern(name)  # noqa: SLF001
    try:
        files = list(storage)
        generations = [int(m.group(1)) for f in files if (m := toc_pattern.match(f))]
        named = {
            segment.segment_id()
            for generation in generations
            for segment in index.TOC.read(storage, name, generation, schema=ix.schema).segments
        }
    except Exception:  # a table of contents that cannot be read: leave everything as it is
        return
    if not generations:
        return
    for filename in files:
        match = segment_pattern.match(filename)
        if match and not filename.startswith(".") and match.group(1) not in named:
            with contextlib.suppress(OSError):
                storage.delete_file(filename)


@contextlib.contextmanager
def _run_lock(index_dir: Path) -> Iterator[None]:
    """One indexing run per folder at a time, from reading privsearch.json to rewriting it.

    Whoosh's own lock covers only its writer; without this, a second run could read the
    settings before the first commits and then write back a stale list of sources.
    """
    if not filelock.AVAILABLE:  # not on this platform: Whoosh's writer lock still applies
        yield
        return
    try:
        handle = open(index_dir / ".privsearch-lock", "a+b")  # noqa: SIM115
    except OSError as exc:
        raise _write_error(index_dir, exc) from exc
    with handle:
        if not filelock.wait_for_lock(handle, _WRITER_TIMEOUT):
            raise IndexBusyError(
                f"the index at {index_dir} is being written by another process; try again "
                "when it finishes"
            )
        try:
            yield
        finally:
            filelock.release(handle)


def _check_writable(index_dir: Path) -> None:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        # A probe of its own: two runs starting at once must not remove each other's.
        with tempfile.NamedTemporaryFile(dir=index_dir, prefix=".privsearch-write-test-"):
            pass
    except OSError as exc:
        raise PrivsearchError(
            f"cannot write to the index folder {index_dir}: {exc.strerror}"
        ) from exc
