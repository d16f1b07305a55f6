"""Small frozen dataclasses passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    """The text of one page of an attached or standalone PDF (numbers start at 1)."""

    number: int
    text: str
    attachment: str = ""  # the PDF's path; "" when the record has a single body source


@dataclass(frozen=True)
class Section:
    """Where a section of a document starts: its heading, page and offset in that page's text.

    A section runs until the next section of the same or a higher level starts. Level 1 is a
    part of the document's template ("Routine Uses", "5.0 Data Retention"); level 2 a numbered
    question inside one ("2.1 What information is collected ..."), which keeps its part's key.
    """

    key: str  # the template part, e.g. "routine_uses", "retention" (see structure/sections.py)
    title: str  # the heading as printed
    page: int  # Page.number of the page it starts on
    offset: int  # where the heading starts in that page's text
    attachment: str = ""  # Page.attachment of that page
    level: int = 1
    number: str = ""  # the printed number, "2.0", "2.1"; "" when unnumbered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Risk:
    """A privacy risk a PIA states, with the mitigation it gives for it."""

    risk: str
    mitigation: str
    section: str  # the key of the section it is stated in ("" when none is known)
    page: int  # Page.number of the page the risk statement starts on
    attachment: str = ""
    offset: int = 0  # where its "Privacy Risk:" label starts in that page's text
    length: int = 0  # characters from there to the end of its mitigation (of Record.body)


@dataclass(frozen=True)
class Reference:
    """A reference one document makes to another (see structure/links.py for the kinds)."""

    kind: str  # cites_sorn, cites_pia, cites_fr, exemption_rule_for, supersedes, version_of
    target: str  # the normalised id or citation: "DHS/ALL-047", "DHS/CBP/PIA-056", "85 FR 79999"
    text: str  # the reference as printed on its page
    page: int  # Page.number of the first page it is on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Record:
    """One publication, as ingested."""

    id: str
    title: str
    summary: str = ""
    pages: tuple[Page, ...] = ()
    component: str = "DHS"
    doc_type: str = "Other"
    date: str | None = None  # ISO 8601, YYYY-MM-DD
    sorns: tuple[str, ...] = ()
    source: str = ""  # the file (or URL) the record was read from
    attachments: tuple[str, ...] = ()  # PDFs read into this record
    url: str = ""  # the publication's address on the web, when known
    warnings: tuple[str, ...] = ()
    # every address the publication is published at (`url` first): its DHS page, its Federal
    # Register notice, ...
    links: tuple[str, ...] = ()
    # identifiers and facts a source states, e.g. a Federal Register notice's document number,
    # citation ("85 FR 79999"), type, action, docket ids and own title: (name, value) pairs
    details: tuple[tuple[str, str], ...] = ()
    # every file a copy of the publication was read from, `source` first, when copies (a
    # listing entry and its page, a manifest row and a PDF) were merged into this record
    sources: tuple[str, ...] = ()
    # what is inside the document, added by `structure`: its sections in document order, its
    # privacy facets as (facet, value) pairs ("pii", "Social Security number"), and the privacy
    # risks it states with their mitigations
    sections: tuple[Section, ...] = ()
    facets: tuple[tuple[str, str], ...] = ()
    risks: tuple[Risk, ...] = ()
    # the references it makes to other documents, added by `structure` (structure/links.py)
    references: tuple[Reference, ...] = ()

    @property
    def body(self) -> str:
        return "\n\n".join(page.text for page in self.pages)

    def detail(self, name: str) -> str:
        """The value of one of `details` ("" when absent)."""
        return next((value for key, value in self.details if key == name), "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pages"] = [asdict(page) for page in self.pages]
        data["sorns"] = list(self.sorns)
        data["attachments"] = list(self.attachments)
        data["warnings"] = list(self.warnings)
        data["links"] = list(self.links)
        data["details"] = dict(self.details)
        data["sources"] = list(self.sources)
        data["sections"] = [asdict(section) for section in self.sections]
        data["facets"] = facet_lists(self.facets)
        data["risks"] = [asdict(risk) for risk in self.risks]
        data["references"] = [asdict(reference) for reference in self.references]
        return data

    def facet(self, name: str) -> tuple[str, ...]:
        """The values of one privacy facet, in the order found."""
        return tuple(value for key, value in self.facets if key == name)


def facet_lists(facets: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """(facet, value) pairs as {facet: [values]}."""
    out: dict[str, list[str]] = {}
    for name, value in facets:
        out.setdefault(name, []).append(value)
    return out


@dataclass(frozen=True)
class Skip:
    """A file left out of a run, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    title: str
    component: str
    doc_type: str
    date: str | None
    score: float
    snippet: str  # HTML-escaped text with <mark>...</mark> around matches
    pages: tuple[int, ...]  # PDF page numbers where the query matched
    source: str
    url: str = ""
    versions: tuple[str, ...] = ()  # other ids of the same family, with --collapse
    explain: dict[str, Any] | None = None  # the parts of the score, with explain=True
    attachments: tuple[str, ...] = ()  # the PDFs read into the record
    page_file: str = ""  # the PDF holding pages[0]; "" when the record has one body source
    section: str = ""  # the title of the section the snippet comes from ("Routine Uses")
    snippet_page: int = 0  # the page the snippet comes from (0: the summary, or none matched)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pages"] = list(self.pages)
        data["versions"] = list(self.versions)
        data["attachments"] = list(self.attachments)
        del data["page_file"]
        if self.explain is None:
            del data["explain"]
        return data


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, the facet counts over all matches, and a suggestion."""

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    results: tuple[Hit, ...]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # a corrected query: "did you mean" it, or, with `corrected_from`, what the results are for
    suggestion: str | None = None
    notes: tuple[str, ...] = ()
    corrected_from: str | None = None  # the query as typed, when the results are for `suggestion`
    not_found: tuple[str, ...] = ()  # typed words no document holds, left out of the search

    @property
    def pages(self) -> int:
        """How many pages of `per_page` results there are."""
        return -(-self.total // self.per_page)

    @property
    def past_the_end(self) -> bool:
        """Whether `page` comes after the last page of results (and so holds none)."""
        return self.total > 0 and self.page > self.pages

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "corrected_from": self.corrected_from,
            "not_found": list(self.not_found),
            "notes": list(self.notes),
            "results": [hit.to_dict() for hit in self.results],
            "facets": self.facets,
        }


@dataclass(frozen=True)
class SuggestedDocument:
    """A document offered while a query is typed: enough to show it and to open it."""

    id: str
    title: str
    doc_type: str
    component: str
    date: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Suggestions:
    """What a half-typed query may become: phrases from the titles, documents whose title
    holds the typed words, and reference numbers that start with them."""

    query: str
    phrases: tuple[str, ...] = ()
    documents: tuple[SuggestedDocument, ...] = ()
    references: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "suggestions": list(self.phrases),
            "documents": [d.to_dict() for d in self.documents],
            "references": list(self.references),
        }
