"""Links between the documents of an index: which cite, cover, supersede, exempt or update which.

`build_graph(entries)` turns what the index stores of each document (its id, title, date and
type, its own Federal Register citation in `details`, and the references `structure/links.py`
found in it) into `Link`s between document ids. A target no document of the index has keeps
its id and is marked unresolved. Version families are the documents sharing a family id
(`DHS/CBP/PIA-007`, `(d)`, `(f)` ...) joined with the PIAs of the same system published before
it had an id (the 2008 ESTA PIA, the 2010 Watchlist Service PIAs): each version links to the
latest earlier one the index holds.

The index writes the graph beside itself after each commit (`GRAPH_FILE`, with the version of
the index it describes); `Index.graph()` reads it, or builds it once for a version that has none.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .models import Record, Reference
from .structure.links import version_rank

GRAPH_VERSION = 2

# a reference's kind -> (the link's kind from the citing document, from the cited one)
LINK_KINDS = {
    "cites": ("cites", "cited_by"),
    "covered_by_sorn": ("covered_by_sorn", "covers"),
    "supersedes": ("supersedes", "superseded_by"),
    "exemption_rule_for": ("exemption_rule_for", "exempted_by"),
    "version_of": ("version_of", "has_version"),
}
# every kind a document's links are grouped by, in the order they are shown
KIND_ORDER = (
    "covered_by_sorn",
    "covers",
    "version_of",
    "has_version",
    "supersedes",
    "superseded_by",
    "exemption_rule_for",
    "exempted_by",
    "cites",
    "cited_by",
)
KIND_TITLES = {
    "covered_by_sorn": "Covered by SORN",
    "covers": "Covers",
    "version_of": "Version of",
    "has_version": "Has version",
    "supersedes": "Supersedes",
    "superseded_by": "Superseded by",
    "exemption_rule_for": "Exemption rule for",
    "exempted_by": "Exempted by",
    "cites": "Cites",
    "cited_by": "Cited by",
}
_PIA_TYPES = ("PIA", "PIA Update")
_TITLE_OPENING = re.compile(
    r"^\s*(?:DHS/\S+\s+)?(?:privacy\s+impact\s+assessment|pia)(?:\s+update)?"
    r"(?:\s+(?:for|of|on))?(?:\s+the)?\s+",
    re.I,
)
_TRAILING_ACRONYM = re.compile(r"\s*\([^()]{1,20}\)\s*$")
_VERSION_LETTER = re.compile(r"\([a-z]\)$")
_ID_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})$")
_MIN_TITLE_KEY = 8  # characters: a shorter system name is too vague to join versions by


@dataclass(frozen=True)
class Node:
    """A document of the graph: one id (its newest edition when several share it)."""

    id: str
    title: str = ""
    doc_type: str = ""
    component: str = ""
    date: str | None = None
    citation: str = ""  # its own Federal Register citation, "85 FR 79999", when known


@dataclass(frozen=True)
class Entry:
    """What the graph needs of one stored document."""

    node: Node
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Link:
    """A link from one document to another (or to an id no document of the index has)."""

    kind: str  # a forward kind of LINK_KINDS: cites, covered_by_sorn, supersedes, ...
    source: str  # the citing document's id
    target: str  # the cited document's id, or the reference's target when unresolved
    resolved: bool
    text: str = ""  # the reference as printed ("" for a version found by the family)
    page: int = 0


_NODE_FIELDS = tuple(f.name for f in fields(Node))
_LINK_FIELDS = tuple(f.name for f in fields(Link))


@dataclass
class Graph:
    """The documents and the links between them."""

    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    # each document's links, either way: made at the first `related`, once `links` is complete
    _by_document: dict[str, list[Link]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def related(self, record_id: str) -> dict[str, list[dict[str, Any]]]:
        """The links of one document, both ways, grouped by kind in KIND_ORDER: each with the
        other document's id, title, date and type, and whether the index holds it."""
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for link in self._links_of(record_id):
            forward, backward = LINK_KINDS[link.kind]
            if link.source == record_id:
                groups[forward].append(self._other(link.target, link.resolved, link))
            if link.resolved and link.target == record_id and link.source != record_id:
                groups[backward].append(self._other(link.source, True, link))
        return {kind: _sorted(groups[kind]) for kind in KIND_ORDER if groups.get(kind)}

    def _links_of(self, record_id: str) -> list[Link]:
        """The links from or to `record_id`, in the order of `links`."""
        if self._by_document is None:
            by_document: dict[str, list[Link]] = defaultdict(list)
            for link in self.links:
                by_document[link.source].append(link)
                if link.resolved and link.target != link.source:
                    by_document[link.target].append(link)
            self._by_document = dict(by_document)
        return self._by_document.get(record_id, [])

    def _other(self, other_id: str, resolved: bool, link: Link) -> dict[str, Any]:
        node = self.nodes.get(other_id) if resolved else None
        return {
            "id": other_id,
            "title": node.title if node else "",
            "date": node.date if node else None,
            "doc_type": node.doc_type if node else "",
            "resolved": resolved,
            "text": link.text,
            "page": link.page,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [asdict(node) for node in self.nodes.values()],
            "links": [asdict(link) for link in self.links],
        }

    def to_rows(self) -> dict[str, Any]:
        """The graph as rows of values in field order: what the index's graph file keeps,
        written and read several times as fast as `to_dict`'s objects."""
        return {
            "nodes": [[getattr(n, f) for f in _NODE_FIELDS] for n in self.nodes.values()],
            "links": [[getattr(link, f) for f in _LINK_FIELDS] for link in self.links],
        }

    @classmethod
    def from_rows(cls, data: dict[str, Any]) -> Graph:
        nodes = (Node(*row) for row in data.get("nodes", []))
        return cls({n.id: n for n in nodes}, [Link(*row) for row in data.get("links", [])])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graph:
        nodes = {n["id"]: Node(**n) for n in data.get("nodes", [])}
        return cls(nodes, [Link(**link) for link in data.get("links", [])])


def related_payload(graph: Graph, record: Record) -> dict[str, Any]:
    """What `privsearch related --json` and `/api/documents/{id}/related` answer."""
    related = graph.related(record.id)
    return {
        "id": record.id,
        "title": record.title,
        "doc_type": record.doc_type,
        "date": record.date,
        "total": sum(len(rows) for rows in related.values()),
        "related": related,
    }


def build_graph(entries: Iterable[Entry]) -> Graph:
    """The graph of the documents `entries` describe (several entries may share an id)."""
    nodes, references = _merged(entries)
    graph = Graph(nodes)
    resolve = _resolver(nodes)
    predecessors = _predecessors(nodes)
    for node_id, refs in references.items():
        node = nodes[node_id]
        seen: set[tuple[str, str]] = set()
        if node_id in predecessors:
            named = next((r for r in refs if r.kind == "version_of"), None)
            text, page = (named.text, named.page) if named else ("", 0)
            graph.links.append(Link("version_of", node_id, predecessors[node_id], True, text, page))
            seen.add(("version_of", predecessors[node_id]))
        for ref in refs:
            kind = _link_kind(ref.kind, node.doc_type)
            if kind == "version_of" and node_id in predecessors:
                continue  # the family says which earlier version the index holds
            target = resolve(ref.target)
            if target == node_id:
                continue  # itself, under another form of its id
            key = (kind, target or ref.target)
            if key not in seen:
                seen.add(key)
                graph.links.append(
                    Link(kind, node_id, key[1], target is not None, ref.text, ref.page)
                )
    return graph


def _resolver(nodes: dict[str, Node]) -> Callable[[str], str | None]:
    """target -> the id of the document it names: by its own Federal Register citation, by id
    in any case, or, for a PIA, by the id written without "PIA" (the Watchlist Service update is
    filed as DHS/ALL-027(b)); None when no document of the index has it."""
    by_citation = {n.citation: n.id for n in nodes.values() if n.citation}
    by_id = {i.upper(): i for i in nodes}
    by_pia_key = {_id_key(i): i for i, n in nodes.items() if n.doc_type in _PIA_TYPES}

    def resolve(target: str) -> str | None:
        found = by_citation.get(target) or by_id.get(target.upper())
        if found is None and "/PIA-" in target:
            found = by_pia_key.get(_id_key(target))
        return found

    return resolve


def _merged(entries: Iterable[Entry]) -> tuple[dict[str, Node], dict[str, list[Reference]]]:
    """One node per id (its newest edition) with the references of all its editions."""
    nodes: dict[str, Node] = {}
    references: dict[str, list[Reference]] = defaultdict(list)
    for entry in entries:
        node = entry.node
        known = nodes.get(node.id)
        newest = node if known is None or (node.date or "") > (known.date or "") else known
        citation = node.citation or (known.citation if known else "")
        nodes[node.id] = Node(**{**asdict(newest), "citation": citation})
        references[node.id].extend(entry.references)
    for node_id in nodes:
        references.setdefault(node_id, [])
    return nodes, references


def _link_kind(reference_kind: str, doc_type: str) -> str:
    if reference_kind == "cites_sorn" and doc_type in _PIA_TYPES:
        return "covered_by_sorn"
    if reference_kind in ("cites_sorn", "cites_pia", "cites_fr"):
        return "cites"
    return reference_kind


def family_of(record_id: str) -> str:
    """A PIA's id without its version letter: `DHS/CBP/PIA-007(f)` -> `DHS/CBP/PIA-007`. Unlike
    `index.family_of` (which groups search results), a `-01` part stays: `DHS/ALL/PIA-061-1`
    and `-2` are separate assessments, not versions."""
    return _VERSION_LETTER.sub("", record_id)


def _id_key(record_id: str) -> str:
    """An id as references are matched to it: any case, with or without "PIA" between the
    component and the number (the Watchlist Service update is filed as DHS/ALL-027(b))."""
    return record_id.upper().replace("/PIA-", "-").replace("/", "-")


def title_key(title: str) -> str:
    """The name of the system a PIA's title is about: "Privacy Impact Assessment Update for the
    Electronic System for Travel Authorization (ESTA)" -> "electronic system for travel
    authorization"."""
    name = _TRAILING_ACRONYM.sub("", _TITLE_OPENING.sub("", title))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def families(nodes: dict[str, Node]) -> list[list[str]]:
    """The version families with more than one member: PIAs sharing an id but for the version
    letter, and the PIAs without an id whose title names the same system as one of them. When
    the title is that of several families, those without an id join the one whose oldest
    dated version is oldest: the nearest in time."""
    groups: dict[str, set[str]] = defaultdict(set)
    for node in nodes.values():
        if node.id.startswith("DHS/") and node.doc_type in _PIA_TYPES:
            groups[family_of(node.id)].add(node.id)
    by_title: dict[str, set[str]] = defaultdict(set)
    for node in nodes.values():
        key = title_key(node.title) if node.doc_type in _PIA_TYPES else ""
        if len(key) >= _MIN_TITLE_KEY:
            by_title[key].add(node.id)
    for members in by_title.values():
        loose = {m for m in members if not m.startswith("DHS/")}
        family_ids = {family_of(m) for m in members if m.startswith("DHS/")}
        if family_ids:
            groups[min(family_ids, key=lambda f: _oldest(nodes, groups[f]))] |= loose
        elif len(loose) > 1:
            groups["title:" + min(loose)] |= loose
    return [sorted(m) for m in groups.values() if len(m) > 1]


def _oldest(nodes: dict[str, Node], members: Iterable[str]) -> tuple[str, str]:
    dates = [nodes[m].date for m in members if nodes[m].date]
    return (min(dates) if dates else "9999", min(members))


def _predecessors(nodes: dict[str, Node]) -> dict[str, str]:
    """Each version's latest earlier version in its family."""
    out: dict[str, str] = {}
    for members in families(nodes):
        ordered = _in_version_order([nodes[m] for m in members])
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            out[later.id] = earlier.id
    return out


def _in_version_order(members: list[Node]) -> list[Node]:
    """A family's documents oldest first: those with an id by their version letter (a base id,
    then `(a)`, `(b)` ...; the dates of listing entries are not to be trusted over it), and
    each one without an id after the last of them dated before it."""
    ordered = sorted((m for m in members if m.id.startswith("DHS/")), key=_version_key)
    for loose in sorted((m for m in members if not m.id.startswith("DHS/")), key=_date_key):
        date = _date_of(loose)
        earlier = [i for i, m in enumerate(ordered) if m.date and date and m.date < date]
        ordered.insert(earlier[-1] + 1 if earlier else 0, loose)
    return ordered


def _version_key(node: Node) -> tuple[int, str, str]:
    return (version_rank(node.id), node.date or "9999", node.id)


def _date_of(node: Node) -> str:
    """A document's date, or the one its id ends with (`dhs-watchlist-service-pia-2010-07-14`)."""
    found = _ID_DATE.search(node.id)
    return node.date or (found.group(1) if found else "")


def _date_key(node: Node) -> tuple[str, str]:
    return (_date_of(node) or "9999", node.id)


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {(r["id"], r["resolved"]): r for r in rows}
    return sorted(unique.values(), key=lambda r: (not r["resolved"], r["date"] or "", r["id"]))


# -- export ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "kind", "source", "source_title", "target", "target_title", "resolved", "text", "page",
)  # fmt: skip


def graph_rows(graph: Graph) -> Iterator[dict[str, Any]]:
    """One row per link, with both documents' titles."""
    for link in graph.links:
        source, target = graph.nodes.get(link.source), graph.nodes.get(link.target)
        yield {
            "kind": link.kind,
            "source": link.source,
            "source_title": source.title if source else "",
            "target": link.target,
            "target_title": target.title if target and link.resolved else "",
            "resolved": link.resolved,
            "text": " ".join(link.text.split()),
            "page": link.page,
        }


def graph_csv(graph: Graph) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(graph_rows(graph))
    return out.getvalue()


def graph_dot(graph: Graph) -> str:
    """The graph in Graphviz's DOT language: documents as boxes, unresolved targets dashed."""
    lines = ["digraph privsearch {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    linked = {link.source for link in graph.links} | {link.target for link in graph.links}
    for node in graph.nodes.values():
        if node.id in linked:
            lines.append(f"  {_dot_id(node.id)} [label={_dot_id(_dot_label(node))}];")
    for target in sorted({link.target for link in graph.links if not link.resolved}):
        lines.append(f"  {_dot_id(target)} [style=dashed];")
    for link in graph.links:
        lines.append(f"  {_dot_id(link.source)} -> {_dot_id(link.target)} [label={link.kind}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_label(node: Node) -> str:
    title = node.title if len(node.title) <= 60 else node.title[:57] + "..."
    return f"{node.id}\n{title}" if title else node.id


def _dot_id(text: str) -> str:
    return json.dumps(text)  # a double-quoted string with DOT's escapes for quotes and newlines


def counts(graph: Graph) -> dict[str, int]:
    """How many links of each kind, and how many are unresolved."""
    out: dict[str, int] = defaultdict(int)
    for link in graph.links:
        out[link.kind] += 1
        out["unresolved"] += not link.resolved
    return dict(out)


# -- oversight checks --------------------------------------------------------------------------

CHECKS = {
    "sorn_not_in_index": "PIA covered by a SORN the index does not hold",
    "sorn_superseded": "PIA covered by a SORN that another document supersedes",
    "sorn_not_cited": "SORN no PIA in the index names",
    "pia_not_updated": "PIA family whose newest version is older than the limit",
    "pia_older_than_sorn": "PIA family whose newest version predates its SORN's last notice",
}
CHECK_COLUMNS = ("check", "id", "title", "date", "other", "detail")


def check_graph(graph: Graph, today: str, older_than_years: float = 3.0) -> list[dict[str, Any]]:
    """Findings for oversight, one row per document and problem (CHECKS says what each is):
    `today` is the ISO date the age of a PIA is counted to."""
    covers = _links_by(graph, "covered_by_sorn")
    superseded = {
        link.target for link in graph.links if link.kind == "supersedes" and link.resolved
    }
    newest = _newest_versions(graph)
    rows: list[dict[str, Any]] = []
    for pia, links in sorted(covers.items()):
        for link in links:
            if not link.resolved:
                rows.append(_finding(graph, "sorn_not_in_index", pia, link.target))
            elif link.target in superseded:
                rows.append(_finding(graph, "sorn_superseded", pia, link.target))
    cited = {link.target for links in covers.values() for link in links if link.resolved}
    for node in sorted(graph.nodes.values(), key=lambda n: n.id):
        if node.doc_type == "SORN" and node.id not in cited:
            rows.append(_finding(graph, "sorn_not_cited", node.id))
    limit = _years_before(today, older_than_years)
    for latest in sorted(set(newest.values())):
        date = graph.nodes[latest].date
        if date and date < limit:
            rows.append(_finding(graph, "pia_not_updated", latest,
                                 detail=f"newest version {date}, before {limit}"))  # fmt: skip
        for sorn in _family_sorns(covers, newest, latest):
            sorn_date = graph.nodes[sorn].date
            if date and sorn_date and date < sorn_date:
                rows.append(_finding(graph, "pia_older_than_sorn", latest, sorn,
                                     f"newest version {date}, SORN of {sorn_date}"))  # fmt: skip
    return rows


def _links_by(graph: Graph, kind: str) -> dict[str, list[Link]]:
    out: dict[str, list[Link]] = defaultdict(list)
    for link in graph.links:
        if link.kind == kind:
            out[link.source].append(link)
    return out


def _newest_versions(graph: Graph) -> dict[str, str]:
    """Each PIA's id -> the newest version of its family (itself when it has none)."""
    later = {link.target: link.source for link in graph.links
             if link.kind == "version_of" and link.resolved}  # fmt: skip
    out: dict[str, str] = {}
    for node in graph.nodes.values():
        if node.doc_type in _PIA_TYPES:
            current, seen = node.id, {node.id}
            while current in later and later[current] not in seen:
                current = later[current]
                seen.add(current)
            out[node.id] = current
    return out


def _family_sorns(covers: dict[str, list[Link]], newest: dict[str, str], latest: str) -> set[str]:
    """The SORNs (in the index) any version of the family ending in `latest` names."""
    members = [pia for pia, last in newest.items() if last == latest]
    return {link.target for m in members for link in covers.get(m, []) if link.resolved}


def _finding(graph: Graph, check: str, record_id: str, other: str = "",
             detail: str = "") -> dict[str, Any]:  # fmt: skip
    node = graph.nodes.get(record_id)
    return {
        "check": check,
        "id": record_id,
        "title": node.title if node else "",
        "date": node.date if node else None,
        "other": other,
        "detail": detail or CHECKS[check],
    }


def _years_before(today: str, years: float) -> str:
    """The ISO date `years` before `today` (whole days; a year of 365.25 days)."""
    from datetime import date, timedelta

    return (date.fromisoformat(today) - timedelta(days=round(365.25 * years))).isoformat()
