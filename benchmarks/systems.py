"""The search systems compared, behind one small interface.

Every peer is fed the same `Record`s that privsearch's own ingest produces
(`privsearch.read_records`), so differences come from analysis and ranking, not extraction.
Each peer is set up as a competent user would set it up: field weights where the system takes
them, and where it ANDs the words, a second query ORing them when the first finds nothing (a
misspelled or absent word would otherwise empty the page). The weights of each peer are the
best of five settings (title/summary/body 10/5/1, 5/3/1, 3/2/1, 2/1.5/1, 1/1/1) on the tuning
part of the judged queries; FTS5 keeps 10/5/1, within 0.002 of its best.

Each system has
- `search(text, component, limit)` -> ids, best first (the quality benchmark), and
- `serve(text, component)` -> number of matches, doing what a results page needs: the top 10
  with a snippet each and facet counts (component, doc_type, year) over all matches (the
  latency benchmark).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import privsearch
from privsearch import Record

FACETS = ("component", "doc_type", "year")
SERVE_LIMIT = 10
TEXT_FIELDS = ("title", "summary", "body")
FTS5_WEIGHTS = (10.0, 5.0, 1.0)  # bm25() weights of title, summary, body
WHOOSH_BOOSTS = {"title": 2.0, "summary": 1.5, "body": 1.0}
TANTIVY_BOOSTS = {"title": 2.0, "summary": 1.5, "body": 1.0}


class System(Protocol):
    name: str

    def search(self, text: str, component: str | None = None, limit: int = 20) -> list[str]: ...

    def serve(self, text: str, component: str | None = None) -> int: ...

    def close(self) -> None: ...


def year_of(record: Record) -> str:
    return (record.date or "")[:4] or "unknown"


def words_of(text: str) -> list[str]:
    """The query's words, lowercased, without quotes or punctuation (peers' plain input)."""
    return re.findall(r"[a-z0-9]+", text.lower())


def _chunks(text: str) -> list[tuple[str, bool]]:
    """Split a query into quoted phrases and whitespace-separated chunks: (text, is_phrase)."""
    out: list[tuple[str, bool]] = []
    for match in re.finditer(r'"([^"]*)"|(\S+)', text):
        if match.group(1) is not None:
            if match.group(1).strip():
                out.append((match.group(1), True))
        else:
            out.append((match.group(2), False))
    return out


# -- privsearch --------------------------------------------------------------------------------


class Privsearch:
    """privsearch's own `Index.search`: ranking, facets, snippets and page hits, as shipped."""

    name = "privsearch"

    def __init__(self, index_dir: Path) -> None:
        self.ix = privsearch.open_index(index_dir)

    @staticmethod
    def build(paths: Sequence[Path], index_dir: Path) -> privsearch.IndexReport:
        return privsearch.build_index(list(paths), index_dir, rebuild=True)

    def search(self, text: str, component: str | None = None, limit: int = 20) -> list[str]:
        try:
            found = self.ix.search(text, component=component, per_page=limit)
        except privsearch.PrivsearchError:
            return []
        return [hit.id for hit in found.results]

    def serve(self, text: str, component: str | None = None) -> int:
        try:
            return self.ix.search(text, component=component, per_page=SERVE_LIMIT).total
        except privsearch.PrivsearchError:
            return 0

    def close(self) -> None:
        self.ix.close()


# -- SQLite FTS5 -------------------------------------------------------------------------------


def fts5_query(text: str, any_chunk: bool = False) -> str:
    """Each chunk (or quoted phrase) as an FTS5 string, phrases kept: ANDed (FTS5's implicit
    operator), or ORed with `any_chunk`."""
    parts = []
    for chunk, _ in _chunks(text):
        if words_of(chunk):
            parts.append('"' + chunk.replace('"', '""') + '"')
    return (" OR " if any_chunk else " ").join(parts)


class Fts5:
    """SQLite FTS5, `tokenize='porter'`, bm25() with column weights 10, 5, 1; the words ANDed,
    then ORed when that finds nothing."""

    name = "sqlite-fts5"

    def __init__(self, db_path: Path) -> None:
        self.db = sqlite3.connect(str(db_path), check_same_thread=False)
        weights = ", ".join(str(w) for w in FTS5_WEIGHTS)
        self._rank = f"bm25(docs, {weights})"

    @staticmethod
    def build(records: Sequence[Record], db_path: Path) -> None:
        db_path.unlink(missing_ok=True)
        db = sqlite3.connect(str(db_path))
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, rid UNINDEXED, "
            "component UNINDEXED, doc_type UNINDEXED, year UNINDEXED, date UNINDEXED, "
            "tokenize='porter')"
        )
        db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (r.title, r.summary, r.body, r.id, r.component, r.doc_type, year_of(r), r.date)
                for r in records
            ),
        )
        db.commit()
        db.close()

    def _where(self, component: str | None) -> tuple[str, list[Any]]:
        return (
            ("docs MATCH ? AND component = ?", [component])
            if component
            else (
                "docs MATCH ?",
                [],
            )
        )

    def _match(self, text: str, component: str | None) -> str:
        """The AND query, or the OR query when the AND query matches nothing."""
        match = fts5_query(text)
        if not match:
            return ""
        where, args = self._where(component)
        found = self.db.execute(f"SELECT 1 FROM docs WHERE {where} LIMIT 1", [match, *args])
        return match if found.fetchone() else fts5_query(text, any_chunk=True)

    def search(self, text: str, component: str | None = None, limit: int = 20) -> list[str]:
        match = self._match(text, component)
        if not match:
            return []
        where, args = self._where(component)
        rows = self.db.execute(
            f"SELECT rid FROM docs WHERE {where} ORDER BY {self._rank} LIMIT ?",
            [match, *args, limit],
        )
        return [row[0] for row in rows]

    def serve(self, text: str, component: str | None = None) -> int:
        match = self._match(text, component)
        if not match:
            return 0
        where, args = self._where(component)
        self.db.execute(
            f"SELECT rid, title, snippet(docs, 2, '<mark>', '</mark>', '…', 24) FROM docs "
            f"WHERE {where} ORDER BY {self._rank} LIMIT {SERVE_LIMIT}",
            [match, *args],
        ).fetchall()
        groups = self.db.execute(
            f"SELECT component, doc_type, year, count(*) FROM docs WHERE {where} "
            "GROUP BY component, doc_type, year",
            [match, *args],
        ).fetchall()
        facets: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for component_value, doc_type, year, n in groups:
            facets["component"][component_value] += n
            facets["doc_type"][doc_type] += n
            facets["year"][year] += n
        return sum(facets["component"].values())

    def close(self) -> None:
        self.db.close()


# -- Whoosh defaults ---------------------------------------------------------------------------


def _whoosh_schema() -> Any:
    from whoosh import fields
    from whoosh.analysis import StemmingAnalyzer

    return fields.Schema(
        rid=fields.ID(stored=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        summary=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        component=fields.ID(stored=True, sortable=True),
        doc_type=fields.ID(stored=True, sortable=True),
        year=fields.ID(stored=True, sortable=True),
    )


class WhooshDefaults:
    """Whoosh's default analysis and scoring (StemmingAnalyzer, BM25F) with a MultifieldParser
    over the text fields boosted 2, 1.5, 1; the words ANDed (its default), then ORed when that
    finds nothing."""

    name = "whoosh-defaults"

    def __init__(self, index_dir: Path) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser, OrGroup

        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        fields = list(TEXT_FIELDS)
        self.parser = MultifieldParser(fields, self.ix.schema, fieldboosts=WHOOSH_BOOSTS)
        # The grouping Whoosh's documentation suggests for OR: documents with more of the
        # words score higher.
        self.any_parser = MultifieldParser(
            fields, self.ix.schema, fieldboosts=WHOOSH_BOOSTS, group=OrGroup.factory(0.9)
        )

    @staticmethod
    def build(records: Sequence[Record], index_dir: Path) -> None:
        from whoosh import index

        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir(parents=True)
        ix = index.create_in(str(index_dir), _whoosh_schema())
        writer = ix.writer()
        for r in records:
            writer.add_document(
                rid=r.id,
                title=r.title,
                summary=r.summary,
                body=r.body,
                component=r.component,
                doc_type=r.doc_type,
                year=year_of(r),
            )
        writer.commit()

    def _filter(self, component: str | None) -> Any:
        from whoosh import query

        return query.Term("component", component) if component else None

    def _query(self, text: str, component: str | None) -> Any:
        """The AND query, or the OR query when the AND query matches nothing."""
        q = self.parser.parse(text)
        if self.searcher.search(q, limit=1, filter=self._filter(component)).is_empty():
            return self.any_parser.parse(text)
        return q

    def search(self, text: str, component: str | None = None, limit: int = 20) -> list[str]:
        q = self._query(text, component)
        hits = self.searcher.search(q, limit=limit, filter=self._filter(component))
        return [hit["rid"] for hit in hits]

    def serve(self, text: str, component: str | None = None) -> int:
        q = self._query(text, component)
        hits = self.searcher.search(
            q, limit=SERVE_LIMIT, filter=self._filter(component), groupedby=list(FACETS)
        )
        for hit in hits:
            hit.highlights("body")
        for name in FACETS:
            hits.groups(name)
        return len(hits)

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


# -- grep --------------------------------------------------------------------------------------


class Grep:
    """Documents containing every query word (whole words, any case), newest first."""

    name = "grep"

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = list(records)
        self.texts = [f"{r.title}\n{r.summary}\n{r.body}".lower() for r in self.records]
        self.words = [set(words_of(t)) for t in self.texts]
        self.order = sorted(
            range(len(self.records)), key=lambda i: self.records[i].date or "", reverse=True
        )

    def _matches(self, text: str, component: str | None) -> list[int]:
        needed = set(words_of(text))
        if not needed:
            return []
        return [
            i
            for i in self.order
            if needed <= self.words[i]
            and (component is None or self.records[i].component == component)
        ]

    def search(self, text: str, component: str | None = None, limit: int = 20) -> list[str]:
        return [self.records[i].id for i in self._matches(text, component)[:limit]]

    def serve(self, text: str, component: str | None = None) -> int:
        matches = self._matches(text, component)
        first = words_of(text)[0] if matches else ""
        for i in matches[:SERVE_LIMIT]:
            at = self.texts[i].find(first)
            self.texts[i][max(0, at - 80) : at + 80]
        for name in FACETS:
            Counter(
                year_of(self.records[i]) if name == "year" else getattr(self.records[i], name)
                for i in matches
            )
        return len(matches)

    def close(self) -> None:
        pass


# -- tantivy (optional) ------------------------------------------------------------------------


def tantivy_available() -> bool:
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def _tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("rid", stored=True, tokenizer_name="raw")
    for name in ("title", "summary", "body"):
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    for name in FACETS:
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    return builder.build()


class Tantivy:
    """tantivy's Python bindings: the `en_stem` tokenizer, BM25, its default (OR) parser with
    field boosts title 2, summary 1.5, body 1."""

    name = "tantivy"

    def __init__(self, index_dir: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.schema = _tantivy_schema()
        self.ix = tantivy.Index(self.schema, path=str(index_dir))
        self.ix.reload()
        self.searcher = self.ix.searcher()

    @staticmethod
    def build(records: Sequence[Record], index_dir: Path) -> None:
        import tantivy

        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir(parents=True)
        ix = tantivy.Index(_tantivy_schema(), path=str(index_dir))
        writer = ix.writer()
        for r in records:
            writer.add_document(
                tantivy.Document(
                    rid=r.id,
                    title=r.title,
                    summary=r.summary,
                    body=r.body,
                    component=r.component,
                    doc_type=r.doc_type,
                    year=year_of(r),
                )
            )
        writer.commit()
        writer.wait_merging_threads()

    def _query(self, text: str, component: str | None) -> Any:
        # The query language treats - : ( ) as syntax; feed it words and quoted phrases.
        parts = []
        for chunk, is_phrase in _chunks(text):
            words = words_of(chunk)
            if words:
                parts.append(
                    '"' + " ".join(words) + '"' if is_phrase or len(words) > 1 else words[0]
                )
        if not parts:
            return None
        q = self.ix.parse_query(
            " ".join(parts), list(TEXT_FIELDS), field_boosts=dict(TANTIVY_BOOSTS)
        )
        if component:
            t = self.tantivy
            q = t.Query.boolean_query(
                [
                    (t.Occur.Must, q),
                    (t.Occur.Must, t.Query.term_query(self.schema, "component", component)),
                ]
            )
        return q

    def search(self, text: str, component: str | None = None, limit: int = 20) -> list[str]:
        q = self._query(text, component)
        if q is None:
            return []
        hits = self.searcher.search(q, limit=limit).hits
        return [self.searcher.doc(address)["rid"][0] for _, address in hits]

    def serve(self, text: str, component: str | None = None) -> int:
        q = self._query(text, component)
        if q is None:
            return 0
        result = self.searcher.search(q, limit=SERVE_LIMIT)
        snippets = self.tantivy.SnippetGenerator.create(self.searcher, q, self.schema, "body")
        for _, address in result.hits:
            snippets.snippet_from_doc(self.searcher.doc(address)).to_html()
        self.searcher.aggregate(
            q, {name: {"terms": {"field": name, "size": 100}} for name in FACETS}
        )
        return result.count or 0

    def close(self) -> None:
        pass


# -- building all peers ------------------------------------------------------------------------


def peer_names() -> list[str]:
    names = ["sqlite-fts5", "whoosh-defaults", "grep"]
    if tantivy_available():
        names.append("tantivy")
    return names


def build_peer(name: str, records: Sequence[Record], workdir: Path) -> None:
    if name == "sqlite-fts5":
        Fts5.build(records, workdir / "fts5.db")
    elif name == "whoosh-defaults":
        WhooshDefaults.build(records, workdir / "whoosh")
    elif name == "tantivy":
        Tantivy.build(records, workdir / "tantivy")
    elif name != "grep":
        raise ValueError(f"unknown peer {name}")


def open_peer(name: str, records: Sequence[Record], workdir: Path) -> System:
    if name == "sqlite-fts5":
        return Fts5(workdir / "fts5.db")
    if name == "whoosh-defaults":
        return WhooshDefaults(workdir / "whoosh")
    if name == "tantivy":
        return Tantivy(workdir / "tantivy")
    if name == "grep":
        return Grep(records)
    raise ValueError(f"unknown peer {name}")


def peer_paths(name: str, workdir: Path) -> list[Path]:
    """What a peer keeps on disk (for the size figures)."""
    return {
        "sqlite-fts5": [workdir / "fts5.db"],
        "whoosh-defaults": [workdir / "whoosh"],
        "tantivy": [workdir / "tantivy"],
    }.get(name, [])
