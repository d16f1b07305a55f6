"""The shapes of the HTTP API's answers, for validation and the OpenAPI description."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    ok: bool = Field(False, description="Always false")
    error: str = Field(description="What went wrong and, where it helps, how to fix it")
    status: int = Field(description="The HTTP status, repeated")


class HitBody(BaseModel):
    id: str
    title: str
    component: str
    doc_type: str
    date: str | None
    score: float
    snippet: str = Field(description="HTML-escaped text; matches in <mark>...</mark>")
    pages: list[int] = Field(description="PDF page numbers where the query matched")
    source: str = Field(description="The file it was read from, relative to the indexed folder")
    attachments: list[str] = Field(
        default_factory=list, description="The PDFs read into it, relative to the indexed folder"
    )
    url: str = Field(description="The publication's address on the web; empty when unknown")
    pdf: str | None = Field(
        None, description="The API path of its PDF (/api/documents/{id}/pdf); null: no PDF"
    )
    pdf_page_url: str | None = Field(
        None, description="`pdf` opened at the first matching page (#page=N); null otherwise"
    )
    versions: list[str]
    section: str = Field(
        "", description='The section the snippet comes from ("Routine Uses"); empty: none known'
    )
    snippet_page: int = Field(0, description="The page the snippet comes from (0: the summary)")


class SearchBody(BaseModel):
    query: str
    total: int
    page: int
    per_page: int
    pages: int = Field(description="Pages of `per_page` results; a `page` past them is empty")
    took_ms: float
    suggestion: str | None = Field(
        description="A corrected query: the one the results are for when `corrected_from` "
        'is set, else a "did you mean"'
    )
    corrected_from: str | None = Field(
        None,
        description="The query as typed, when the results are for its correction "
        "(`suggestion`); search it as typed with correct=false",
    )
    not_found: list[str] = Field(
        default_factory=list,
        description="Typed words no document holds, left out of the search",
    )
    notes: list[str]
    results: list[HitBody]
    facets: dict[str, dict[str, int]]


class ContributionBody(BaseModel):
    field: str = Field(description="The field matched: title, summary, body, sorns, ids, ...")
    terms: list[str] = Field(
        description="The index term(s): one word, a phrase's words, or a pattern and the words "
        "it matched here (index terms are stemmed: licens, plate, reader)"
    )
    kind: str = Field(description="word, phrase, pattern or reference")
    weight: float = Field(description="The boost the term carries in this field")
    count: int = Field(description="Times the term occurs in the field (0: not counted)")
    score: float = Field(description="What it adds to the result's score")
    origin: str = Field(
        description='"typed", or where it came from: "synonym of ...", "expansion of ...", '
        '"another form of ...", "completion of the last word" (with prefix=true)'
    )


class ExplainBody(BaseModel):
    score: float = Field(description="The sum of the parts: the result's score")
    matches: list[ContributionBody]
    proximity_bonus: float = Field(description="What the words standing close together add")
    proximity: list[ContributionBody]
    notes: list[str] = Field(description="Corrections and words left out of the search")


class ExplainedHitBody(HitBody):
    explain: ExplainBody


class ExplainedSearchBody(SearchBody):
    results: list[ExplainedHitBody]  # type: ignore[assignment]


class SuggestedDocumentBody(BaseModel):
    id: str
    title: str
    doc_type: str
    component: str
    date: str | None


class SuggestBody(BaseModel):
    query: str
    suggestions: list[str] = Field(
        description="Phrases from the titles that start with the query (or with its last "
        "words, after the words before them as typed), whole and in their proper case"
    )
    documents: list[SuggestedDocumentBody] = Field(
        description="Documents whose title holds the typed words, the last maybe half-typed, "
        "or whose reference number starts with the query: those with the words side by side "
        "first, then the newest"
    )
    references: list[str] = Field(
        description="Reference numbers with a part that starts with the query "
        "(PIA-05: DHS/ICE/PIA-054), for a query of one word with a digit, slash or hyphen"
    )


class FacetsBody(BaseModel):
    total: int
    component: dict[str, int]
    doc_type: dict[str, int]
    year: dict[str, int]
    pii: dict[str, int] = Field(default_factory=dict)
    technology: dict[str, int] = Field(default_factory=dict)
    retention: dict[str, int] = Field(default_factory=dict)
    authority: dict[str, int] = Field(default_factory=dict)
    exemption: dict[str, int] = Field(default_factory=dict)
    section: dict[str, int] = Field(
        default_factory=dict,
        description="Documents with a section of each kind, by the section's title",
    )


class SectionBody(BaseModel):
    key: str = Field(description="The kind of section: routine_uses, retention, overview, ...")
    title: str = Field(description="The heading as printed")
    page: int = Field(description="The page it starts on")
    level: int = Field(description="1: a part of the template; 2: a numbered question in one")
    number: str = Field(description='The printed number ("2.1"); empty when unnumbered')


class RiskBody(BaseModel):
    risk: str
    mitigation: str = Field(description="Empty when the document states none")
    section: str = Field(description="The key of the section it is stated in")
    section_title: str = Field("", description='That section\'s title ("Information Sharing")')
    page: int


class RiskRowBody(BaseModel):
    id: str
    title: str
    component: str
    doc_type: str
    date: str | None
    section: str = Field(description="The title of the section it is stated in")
    page: int
    risk: str
    mitigation: str


class RisksBody(BaseModel):
    query: str
    documents: int = Field(description="Documents listed (those that state a risk)")
    risks: list[RiskRowBody]


class PageRef(BaseModel):
    number: int
    chars: int
    pdf: str | None = Field(
        None, description="The API path of the PDF holding the page (add #page=N); null: text"
    )


class EditionBody(BaseModel):
    id: str
    title: str
    date: str | None
    doc_type: str
    component: str
    pages: int = Field(description="Pages of text")


class ParagraphChangeBody(BaseModel):
    change: str = Field(description="added, removed or changed")
    text: str = Field(description="The paragraph in the document (empty when removed)")
    page: int | None = Field(description="Its page in the document (null when removed)")
    other_text: str = Field(description="The paragraph in the other document (empty when added)")
    other_page: int | None = Field(description="Its page there (null when added)")
    words_added: list[str] = Field(description="A changed paragraph's new words, run by run")
    words_removed: list[str] = Field(description="Its words no longer there, run by run")
    segments: list[dict[str, str]] = Field(
        description='A changed paragraph in order, as runs {"op": "same" | "added" | '
        '"removed", "text": words}; empty for an added or removed one',
    )


class SectionChangeBody(BaseModel):
    key: str = Field(
        description='The kind of section ("front": before the first section; "document": '
        "the whole text, when a side has no recognised section)"
    )
    title: str
    change: str = Field(description="added, removed (the whole section) or changed")
    heading: str = Field(description="The heading as the document prints it")
    page: int | None = Field(description="Where it starts in the document")
    other_heading: str
    other_page: int | None = Field(description="Where it starts in the other document")
    paragraphs: list[ParagraphChangeBody]


class DiffBody(BaseModel):
    document: EditionBody
    other: EditionBody = Field(description="What the document is compared with")
    by_section: bool = Field(description="False: compared as wholes (a side has no sections)")
    summary: dict[str, int] = Field(
        description="sections_changed, sections_unchanged, paragraphs_added, "
        "paragraphs_removed, paragraphs_changed"
    )
    sections: list[SectionChangeBody] = Field(description="The sections that differ, in order")
    unchanged_sections: list[str]


class DocumentBody(BaseModel):
    id: str
    title: str
    summary: str
    component: str
    doc_type: str
    date: str | None
    sorns: list[str]
    source: str = Field(description="The file it was read from, relative to the indexed folder")
    attachments: list[str] = Field(description="Its PDFs, relative to the indexed folder")
    url: str = Field(description="The publication's address on the web; empty when unknown")
    pdf: str | None = Field(
        None, description="The API path of its PDF (/api/documents/{id}/pdf); null: no PDF"
    )
    pdfs: list[str] = Field(
        default_factory=list, description="The API path of each of its PDFs (`pdf` first)"
    )
    links: list[str] = Field(
        default_factory=list, description="Every address the publication is published at"
    )
    details: dict[str, str] = Field(
        default_factory=dict,
        description="What a source states: a Federal Register notice's document_number, "
        "citation, federal_register_type, action, docket_ids, notice_title",
    )
    warnings: list[str]
    pages: list[PageRef]
    versions: list[str]
    sections: list[SectionBody] = Field(
        default_factory=list, description="Its sections, in order; empty: none recognised"
    )
    facets: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Its privacy facets: pii, technology, retention, authority, exemption",
    )
    risks: list[RiskBody] = Field(
        default_factory=list, description="The privacy risks it states, with their mitigations"
    )
    references: list[ReferenceBody] = Field(
        default_factory=list, description="The references it makes to other documents"
    )
    previous_version: EditionBody | None = Field(
        None,
        description="The latest earlier edition of its family with text, which "
        "/api/documents/{id}/diff compares it with; null: none in the index",
    )


class ReferenceBody(BaseModel):
    kind: str = Field(
        description="cites_sorn, cites_pia, cites_fr, exemption_rule_for, supersedes or version_of"
    )
    target: str = Field(description='The id or citation referred to ("DHS/ALL-047", "85 FR 79999")')
    text: str = Field(description="The reference as printed")
    page: int = Field(description="The first page it is on")


class RelatedDocumentBody(BaseModel):
    id: str = Field(description="The other document's id, or the target's id when unresolved")
    title: str = Field(description="Empty when the index does not hold it")
    date: str | None
    doc_type: str
    resolved: bool = Field(description="Whether the index holds the other document")
    text: str = Field(description="The reference as printed; empty for a version by family")
    page: int = Field(description="The page of the reference (0: none)")


class RelatedBody(BaseModel):
    id: str
    title: str
    doc_type: str
    date: str | None
    total: int = Field(description="Links listed, all kinds together")
    related: dict[str, list[RelatedDocumentBody]] = Field(
        description="By kind, in this order when present: covered_by_sorn, covers, version_of, "
        "has_version, supersedes, superseded_by, exemption_rule_for, exempted_by, cites, cited_by"
    )


class PageBody(BaseModel):
    id: str
    page: int
    pages: int
    text: str
    html: str = Field(description="The text HTML-escaped, the query's matches in <mark>")


class HealthBody(BaseModel):
    ok: bool
    records: int
    indexed_at: str | None
    version: str


def errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The `responses=` entry documenting JSON errors with these statuses."""
    return {status: {"model": ErrorBody} for status in statuses}


# -- feeds: /api/search.atom and /api/search.json ------------------------------------------------


class AtomResponse(Response):
    """An Atom 1.0 document (RFC 4287)."""

    media_type = "application/atom+xml"


class JSONFeedResponse(JSONResponse):
    """A JSON Feed 1.1 document (for the OpenAPI description: the route sends its bytes)."""

    media_type = "application/feed+json"


class FeedAuthorBody(BaseModel):
    name: str


class FeedAttachmentBody(BaseModel):
    url: str = Field(description="The document's PDF, at the first page that matched when known")
    mime_type: str


class FeedItemBody(BaseModel):
    id: str = Field(description="The document's address in the API")
    url: str = Field(description="Its publication page, else its PDF, else its API address")
    title: str
    content_html: str = Field(description="The snippet that matched: escaped text, <mark>s")
    summary: str | None = Field(None, description="The document's summary; left out if none")
    date_published: str | None = Field(None, description="RFC 3339; left out when undated")
    tags: list[str] = Field(description="Its component and type")
    attachments: list[FeedAttachmentBody] | None = Field(None, description="Its PDF, if any")


class JSONFeedBody(BaseModel):
    version: str = Field(description="https://jsonfeed.org/version/1.1")
    title: str = Field(description="The query and filters the feed follows")
    home_page_url: str = Field(description="The same search on the landing page")
    feed_url: str = Field(description="The feed's own address")
    language: str
    authors: list[FeedAuthorBody]
    items: list[FeedItemBody] = Field(description="The matching documents, newest first")


_ERROR_REASONS = {400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


def json_errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The JSON errors of a route whose answers are not JSON (a feed): `errors` would document
    them in the route's own media type."""
    schema = {"$ref": "#/components/schemas/ErrorBody"}  # ErrorBody: the other routes' errors
    return {
        status: {
            "description": _ERROR_REASONS.get(status, "Error"),
            "content": {"application/json": {"schema": schema}},
        }
        for status in statuses
    }


def feed_responses(media_type: str, model: type[BaseModel] | None = None) -> dict[int | str, Any]:
    """The `responses=` entry of a feed route: the feed in `media_type` (described by `model`
    when it is JSON, else as text), its errors as JSON."""
    success: dict[str, Any] = {"description": f"The feed ({media_type})"}
    if model is None:
        success["content"] = {media_type: {"schema": {"type": "string"}}}
    else:
        success["model"] = model
    return {200: success, **json_errors(400, 429)}
