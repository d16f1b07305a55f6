"""Full-length PIAs, PIA Updates and SORNs for the generated corpus, with the truth about them.

A document is laid out line by line (lines of at most `LINE_CHARS` characters, about
`PAGE_CHARS` characters a page under a running header), so each heading's page and offset in
the page text pypdf reads back are known by construction. Section bodies are recombined real
sentences; headings, numbered questions and risk labels follow the DHS PIA template (the
current one, or the older nine-section one) and the Federal Register's SORN layout.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

LINE_CHARS = 95
PAGE_CHARS = 4000
PAGE_LINES = 60  # the PDF writer shows 66 lines a page; the running header takes three
TEMPLATED = ("PIA", "PIA Update", "SORN")
HEADER_CHARS = 110  # about what a running header takes on a page

# (key, title, questions) of the current DHS template's Sections 1.0-8.0
CURRENT = (
    (
        "authorities",
        "Authorities and Other Requirements",
        (
            "What specific legal authorities and/or agreements permit and define the collection of "
            "information by the project in question?",
            "What Privacy Act System of Records Notice(s) (SORN(s)) apply to the information?",
            "Has a system security plan been completed for the information system(s) supporting "
            "the project?",
            "Does a records retention schedule approved by the National Archives and Records "
            "Administration (NARA) exist?",
        ),
    ),
    (
        "characterization",
        "Characterization of the Information",
        (
            "Identify the information the project collects, uses, disseminates, or maintains.",
            "What are the sources of the information and how is the information collected for "
            "the project?",
            "Does the project use information from commercial sources or publicly available data? "
            "If so, explain why and how this information is used.",
            "Discuss how accuracy of the data is ensured.",
        ),
    ),
    (
        "uses",
        "Uses of the Information",
        (
            "Describe how and why the project uses the information.",
            "Does the project use technology to conduct electronic searches, queries, or analyses "
            "in an electronic database to discover or locate a predictive pattern or an anomaly?",
            "Are there other components with assigned roles and responsibilities within the "
            "system?",
        ),
    ),
    (
        "notice",
        "Notice",
        (
            "How does the project provide individuals notice prior to the collection of "
            "information? If notice is not provided, explain why not.",
            "What opportunities are available for individuals to consent to uses, decline to "
            "provide information, or opt out of the project?",
        ),
    ),
    (
        "retention",
        "Data Retention by the Project",
        ("Explain how long and for what reason the information is retained.",),
    ),
    (
        "sharing",
        "Information Sharing",
        (
            "Is information shared outside of DHS as part of the normal agency operations? If so, "
            "identify the organization(s) and how the information is accessed and how it is to be "
            "used.",
            "Describe how the external sharing noted in the previous question is compatible with "
            "the SORN noted above.",
            "Does the project place limitations on re-dissemination?",
            "Describe how the project maintains a record of any disclosures outside of the "
            "Department.",
        ),
    ),
    (
        "redress",
        "Redress",
        (
            "What are the procedures that allow individuals to access their information?",
            "What procedures are in place to allow the subject individual to correct inaccurate or "
            "erroneous information?",
            "How does the project notify individuals about the procedures for correcting their "
            "information?",
        ),
    ),
    (
        "auditing",
        "Auditing and Accountability",
        (
            "How does the project ensure that the information is used in accordance with stated "
            "practices in this PIA?",
            "Describe what privacy training is provided to users either generally or specifically "
            "relevant to the project.",
            "What procedures are in place to determine which users may access the information and "
            "how does the project determine who has access?",
        ),
    ),
)

# the older template's Sections 1.0-9.0
OLDER = (
    (
        "characterization",
        "Characterization of the Information",
        (
            "What information is collected, used, disseminated, or maintained in the system?",
            "What are the sources of the information in the system?",
            "Why is the information being collected, used, disseminated, or maintained?",
            "How is the information collected?",
        ),
    ),
    (
        "uses",
        "Uses of the Information",
        (
            "Describe all the uses of information.",
            "What types of tools are used to analyze data and what type of data may be produced?",
        ),
    ),
    (
        "retention",
        "Retention",
        (
            "What information is retained?",
            "How long is information retained?",
        ),
    ),
    (
        "sharing",
        "Internal Sharing and Disclosure",
        (
            "With which internal organization(s) is the information shared, what information is "
            "shared and for what purpose?",
            "How is the information transmitted or disclosed?",
        ),
    ),
    (
        "sharing",
        "External Sharing and Disclosure",
        (
            "With which external organization(s) is the information shared, what information is "
            "shared, and for what purpose?",
            "How is the information shared outside the Department and what security measures "
            "safeguard its transmission?",
        ),
    ),
    (
        "notice",
        "Notice",
        (
            "Was notice provided to the individual prior to collection of information?",
            "Do individuals have the opportunity and/or right to decline to provide information?",
        ),
    ),
    (
        "redress",
        "Access, Redress and Correction",
        (
            "What are the procedures that allow individuals to gain access to their information?",
            "What are the procedures for correcting inaccurate or erroneous information?",
        ),
    ),
    (
        "auditing",
        "Technical Access and Security",
        (
            "What procedures are in place to determine which users may access the system and are "
            "they documented?",
            "Will Department contractors have access to the system?",
        ),
    ),
    (
        "technology",
        "Technology",
        (
            "What type of project is the program or system?",
            "What stage of development is the system in and what project development lifecycle "
            "was used?",
        ),
    ),
)

SORN_PREAMBLE = (
    ("agency", "AGENCY:", "Privacy Office, Department of Homeland Security."),
    ("action", "ACTION:", "Notice of a modified system of records."),
    ("summary", "SUMMARY:", None),
    ("dates", "DATES:", None),
    ("addresses", "ADDRESSES:", None),
    ("contact", "FOR FURTHER INFORMATION CONTACT:", None),
    ("supplementary", "SUPPLEMENTARY INFORMATION:", None),
)

SORN_BODY = (
    ("system_name", "SYSTEM NAME AND NUMBER:"),
    ("security_classification", "SECURITY CLASSIFICATION:"),
    ("system_location", "SYSTEM LOCATION:"),
    ("system_manager", "SYSTEM MANAGER(S):"),
    ("authority", "AUTHORITY FOR MAINTENANCE OF THE SYSTEM:"),
    ("purpose", "PURPOSE(S) OF THE SYSTEM:"),
    ("categories_of_individuals", "CATEGORIES OF INDIVIDUALS COVERED BY THE SYSTEM:"),
    ("categories_of_records", "CATEGORIES OF RECORDS IN THE SYSTEM:"),
    ("record_source_categories", "RECORD SOURCE CATEGORIES:"),
    (
        "routine_uses",
        "ROUTINE USES OF RECORDS MAINTAINED IN THE SYSTEM, INCLUDING CATEGORIES OF "
        "USERS AND PURPOSES OF SUCH USES:",
    ),
    ("storage", "POLICIES AND PRACTICES FOR STORAGE OF RECORDS:"),
    ("retrieval", "POLICIES AND PRACTICES FOR RETRIEVAL OF RECORDS:"),
    ("retention", "POLICIES AND PRACTICES FOR RETENTION AND DISPOSAL OF RECORDS:"),
    ("safeguards", "ADMINISTRATIVE, TECHNICAL, AND PHYSICAL SAFEGUARDS:"),
    ("record_access", "RECORD ACCESS PROCEDURES:"),
    ("contesting", "CONTESTING RECORD PROCEDURES:"),
    ("notification", "NOTIFICATION PROCEDURES:"),
    ("exemptions", "EXEMPTIONS PROMULGATED FOR THE SYSTEM:"),
    ("history", "HISTORY:"),
)


@dataclass(frozen=True)
class Layout:
    """What the title page and the running header of a document say."""

    doc_type: str
    reference: str
    title: str
    date: str
    component: str


@dataclass
class _Block:
    """A paragraph to lay out: its text, and what it is (a section, a risk label, or text)."""

    text: str
    section: dict[str, Any] | None = None  # key, level, number; the heading is its first line
    caption: str = ""  # a heading run into its paragraph ("SUMMARY:"): the heading printed
    risk: str = ""  # "risk" or "mitigation": a risk label's block
    risk_text: str = ""  # its text after the label
    body: bool = False  # a paragraph of body text


def templated_document(
    rng: random.Random, sentences: list[str], layout: Layout, target: int
) -> tuple[str, list[str], dict[str, Any], str]:
    """The title page, the body pages, the truth (sections, risks) and a summary of a PIA, PIA
    Update or SORN of about `target` characters."""
    contents: list[str] = []
    if layout.doc_type == "SORN":
        blocks, cover = _sorn_blocks(rng, layout), _sorn_cover(rng, layout)
    else:
        blocks, cover = _pia_blocks(rng, layout), _pia_cover(layout)
        if rng.random() < 0.2:  # a table of contents page, whose headings are no sections
            contents = [_contents(rng, blocks)]
    _fill(rng, sentences, blocks, target)
    pages, truth = _lay_out(blocks, layout, first_page=2 + len(contents))
    pages = contents + pages
    first_text = next(block.text for block in blocks if _is_body_text(block))
    return cover, pages, truth, first_text[:400]


def _contents(rng: random.Random, blocks: list[_Block]) -> str:
    """A table of contents listing the level-1 headings, with dotted leaders and page numbers
    or with page numbers only."""
    leaders = rng.random() < 0.5
    lines = ["Table of Contents"]
    page = 3
    for block in blocks:
        if block.section and block.section["level"] == 1:
            title = " ".join(block.text.split())
            page += rng.choice((0, 0, 1))
            dots = " " + "." * max(4, 80 - len(title)) + " " if leaders else " "
            lines.append(f"{title}{dots}{page}")
    return "\n".join(lines)


def _pia_cover(layout: Layout) -> str:
    return "\n".join(
        (
            layout.title,
            layout.reference,
            layout.date,
            "Contact Point",
            "Privacy Officer",
            f"{layout.component}, Department of Homeland Security",
            "(202) 343-1717",
            "Reviewing Official",
            "Chief Privacy Officer",
            "Department of Homeland Security",
            "(202) 343-1717",
        )
    )


def _sorn_cover(rng: random.Random, layout: Layout) -> str:
    return "\n".join(
        (
            f"[Federal Register Volume {rng.randint(68, 88)}, Number {rng.randint(1, 250)}]",
            "[Notices]",
            "DEPARTMENT OF HOMELAND SECURITY",
            "Office of the Secretary",
            f"[Docket No. DHS-{layout.date[:4] or '2020'}-{rng.randint(1, 99):04d}]",
            layout.title,
        )
    )


def _text() -> _Block:
    return _Block("", body=True)


def _pia_blocks(rng: random.Random, layout: Layout) -> list[_Block]:
    older = rng.random() < 0.25
    parts = OLDER if older else CURRENT
    style = rng.choice(("section", "number", "caps"))
    blocks = [_Block("Abstract", {"key": "abstract", "level": 1, "number": ""}), _text()]
    overview = "Introduction" if older else "Overview"
    blocks += [_Block(overview, {"key": "overview", "level": 1, "number": ""}), _text(), _text()]
    if layout.doc_type == "PIA Update":
        reason = "Reason for the PIA Update"
        blocks += [_Block(reason, {"key": "update_reason", "level": 1, "number": ""}), _text()]
    for n, (key, title, questions) in enumerate(parts, start=1):
        number = f"{n}.0"
        heading = {
            "section": f"Section {number} {title}",
            "number": f"{number} {title}",
            "caps": f"SECTION {number} {title.upper()}",
        }[style]
        if rng.random() < 0.15 and len(heading.split()) > 4:  # the heading over two lines
            heading = "{} {}\n{}".format(*heading.rsplit(" ", 2))
        blocks += [_Block(heading, {"key": key, "level": 1, "number": number}), _text()]
        for q, question in enumerate(questions, start=1):
            blocks += [_question(key, n, q, question), _text()]
        if rng.random() < 0.85:
            q = len(questions) + 1
            analysis = f"Privacy Impact Analysis: Related to {title}"
            blocks.append(_question(key, n, q, analysis))
            for _ in range(rng.choice((1, 1, 2, 3))):
                blocks.append(_Block("Privacy Risk:", risk="risk"))
                if rng.random() < 0.95:
                    blocks.append(_Block("Mitigation:", risk="mitigation"))
    if older:
        blocks += [_Block("Conclusion", {"key": "conclusion", "level": 1, "number": ""}), _text()]
    officials = {"key": "responsible_officials", "level": 1, "number": ""}
    blocks += [
        _Block("Responsible Official", dict(officials)),
        _Block(f"Privacy Officer, {layout.component}, Department of Homeland Security"),
        _Block("Approval Signature", dict(officials)),
        _Block("Original, signed copy on file with the DHS Privacy Office."),
    ]
    return blocks


def _question(key: str, part: int, n: int, question: str) -> _Block:
    number = f"{part}.{n}"
    return _Block(f"{number} {question}", {"key": key, "level": 2, "number": number})


def _sorn_blocks(rng: random.Random, layout: Layout) -> list[_Block]:
    blocks = []
    for key, caption, text in SORN_PREAMBLE:
        section = {"key": key, "level": 1, "number": ""}
        if key == "supplementary":
            blocks += [_Block(caption, section), _text(), _text()]
        else:
            blocks.append(_Block(f"{caption} {text}" if text else caption, section, caption))
    for key, caption in SORN_BODY:
        section = {"key": key, "level": 1, "number": ""}
        text = f"{layout.reference} {layout.title}." if key == "system_name" else ""
        blocks.append(_Block(f"{caption} {text}".strip(), section, caption))
        if key in ("routine_uses", "categories_of_records", "purpose"):
            blocks.append(_text())
    return blocks


def _fill(rng: random.Random, sentences: list[str], blocks: list[_Block], target: int) -> None:
    """Give the body paragraphs (and captions and risk labels waiting for text) recombined
    sentences, so that the whole comes to about `target` characters."""
    fixed = sum(len(block.text) + 1 for block in blocks if not _takes_text(block))
    fixed += (target // PAGE_CHARS + 1) * HEADER_CHARS
    open_blocks = [block for block in blocks if _takes_text(block)]
    share = max(40, (target - fixed) // max(1, len(open_blocks)))
    for block in open_blocks:
        words: list[str] = []
        size = len(block.text)
        while True:  # up to the sentence that ends nearest the share
            sentence = rng.choice(sentences)
            if words and size + len(sentence) // 2 > share:
                break
            words.append(sentence)
            size += len(sentence) + 1
        text = " ".join(words)
        block.risk_text = _as_read(text) if block.risk else ""
        block.text = f"{block.text} {text}".strip()


def _as_read(text: str) -> str:
    """ASCII text as pypdf reads it back from the PDF writer's Helvetica (standard encoding,
    whose quote characters are the typographic ones)."""
    return text.replace("'", "\u2019").replace("`", "\u2018")


def _takes_text(block: _Block) -> bool:
    return _is_body_text(block) or bool(block.risk) or block.text == block.caption != ""


def _is_body_text(block: _Block) -> bool:
    return block.body


def _header(layout: Layout, page: int) -> list[str]:
    if layout.doc_type == "SORN":
        return ["Federal Register / Notices", _cut(f"{layout.reference} {layout.title}"), str(page)]
    name = (
        "Privacy Impact Assessment Update"
        if layout.doc_type == "PIA Update"
        else ("Privacy Impact Assessment")
    )
    return [name, _cut(f"{layout.reference} {layout.title}"), f"Page {page}"]


def _cut(line: str, width: int = 80) -> str:
    return line[:width].rstrip()


def _lay_out(
    blocks: list[_Block], layout: Layout, first_page: int
) -> tuple[list[str], dict[str, Any]]:
    """The body pages as text, and where each heading and risk landed (the first body page
    being page `first_page` of the PDF)."""
    pages: list[list[str]] = []
    sections: list[dict[str, Any]] = []
    risks: list[dict[str, Any]] = []
    lines: list[str] = []
    size = 0  # characters of body text on the page
    offset = 0  # where the next line starts in the page's text

    def new_page() -> None:
        nonlocal lines, size, offset
        lines = _header(layout, len(pages) + 1)
        pages.append(lines)
        size = 0
        offset = sum(len(line) + 1 for line in lines)

    new_page()
    for block in blocks:
        for j, line in enumerate(wrap(block.text)):
            if size >= PAGE_CHARS or len(lines) >= PAGE_LINES:
                new_page()
            if j == 0:
                where = {"page": len(pages) + first_page - 1, "offset": offset}
                if block.section:
                    caption = block.caption
                    heading = caption if caption and line.startswith(caption) else line
                    sections.append({**block.section, **where, "heading": heading})
                if block.risk == "risk":
                    risk = {"section": _current_key(sections), "page": where["page"]}
                    risks.append({**risk, "risk": block.risk_text, "mitigation": ""})
                elif block.risk == "mitigation" and risks:
                    risks[-1]["mitigation"] = block.risk_text
            lines.append(line)
            size += len(line) + 1
            offset += len(line) + 1
    return ["\n".join(page) for page in pages], {"sections": sections, "risks": risks}


def wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    """`text` in lines of at most `width` characters, each paragraph (line) on its own."""
    return [line for paragraph in text.split("\n") for line in _wrap(paragraph, width)]


def _wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    lines, current, size = [], [], 0
    for word in text.split():
        if size + len(word) + (1 if current else 0) > width and current:
            lines.append(" ".join(current))
            current, size = [], 0
        current.append(word)
        size += len(word) + (1 if len(current) > 1 else 0)
    if current:
        lines.append(" ".join(current))
    return lines


def _current_key(sections: list[dict[str, Any]]) -> str:
    return sections[-1]["key"] if sections else ""
