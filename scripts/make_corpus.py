"""Build the bundled sample corpus in corpus/ from the seed listing page.

The seed page (a text rendering of the DHS Privacy Office publications listing) stays in
corpus/ as it is: the listing ingester reads it. For each listed Privacy Impact Assessment this
script also writes a short PDF laid out like a DHS PIA (a title page with the reference number,
then the abstract: the listing's summary), so that the bundled corpus exercises PDF ingestion,
page numbers and reference-number lookup with no network. Nothing is invented: every word in
the PDFs comes from the seed page.

Run from the repository root (needs the `dev` extra for reportlab):
    python scripts/make_corpus.py
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

import privsearch

ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "dhs-privacy-publications-library.txt"
SEED = ROOT.parent / "shared" / "seeds" / SEED_NAME
CORPUS = ROOT / "corpus"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _pia_title(record: privsearch.Record) -> str:
    name = record.title.replace(record.id, "").strip(" -–")
    return f"Privacy Impact Assessment for the {name}"


def _write_pdf(record: privsearch.Record, path: Path) -> None:
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        str(path),
        pagesize=LETTER,
        title=_pia_title(record),
        author="DHS Privacy Office",
        subject=record.id,
        # A fixed date keeps the files byte-for-byte reproducible.
        invariant=1,
    )
    story = [
        Spacer(1, 120),
        Paragraph(escape(_pia_title(record)), styles["Title"]),
        Spacer(1, 24),
        Paragraph(escape(record.id), styles["Heading2"]),
        Spacer(1, 48),
        Paragraph("U.S. Department of Homeland Security", styles["Normal"]),
        PageBreak(),
        Paragraph("Abstract", styles["Heading2"]),
        Paragraph(escape(record.summary), styles["BodyText"]),
    ]
    doc.build(story)


def main() -> int:
    seed = SEED if SEED.exists() else CORPUS / SEED_NAME
    if not seed.exists():
        print(f"seed listing not found at {SEED}", file=sys.stderr)
        return 1
    CORPUS.mkdir(exist_ok=True)
    if seed != CORPUS / SEED_NAME:
        shutil.copyfile(seed, CORPUS / SEED_NAME)
    pdf_dir = CORPUS / "pdfs"
    pdf_dir.mkdir(exist_ok=True)
    written = 0
    for record in privsearch.read_records([CORPUS / SEED_NAME]):
        if "/PIA-" not in record.id or not record.summary:
            continue
        _write_pdf(record, pdf_dir / f"{_slug(record.id)}.pdf")
        written += 1
    print(f"wrote {written} PDFs to {pdf_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
