"""Generate a larger corpus from the real one: new multi-page documents with new ids.

    python -m benchmarks.generate OUT --docs 2000 --chars 50000 [--seed 1]

Each document recombines sentences of the real documents (`records.jsonl`) into a PDF of
about `--chars` characters (spread +-50%), about 4,000 characters a page, with a title page.
Its component, type and year are drawn together from a real record, so their distribution
follows the real corpus. PIAs and PIA Updates follow the DHS PIA template (`benchmarks/
templates.py`: Abstract, Overview, Sections 1.0-8.0 with their numbered questions and "Privacy
Risk:" / "Mitigation:" pairs, or the older nine-section template) and SORNs the Federal
Register layout, under running headers; their section bodies are recombined sentences too.
`OUT/manifest.jsonl` lists every document (id, title, summary, component, doc_type, date, pdf)
the way privsearch's manifest reader expects, and `OUT/structure.jsonl` the truth about each:
its sections (key, level, number, page, heading as printed, offset in the page's text) and
its risk/mitigation pairs, in the format of `benchmarks/structure/labels.jsonl` (the record's
id under `reference`, so that privsearch does not take the file for a manifest). The PDFs are
written by a small hand-rolled writer (one Helvetica text stream per page) that pypdf reads
back exactly.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.templates import TEMPLATED, Layout, templated_document, wrap
from tests.pdfgen import pdf_bytes, pdf_string

DEFAULT_RECORDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "records.jsonl"
PAGE_CHARS = 4000
_SENTENCE = re.compile(r"(?<=[.;:?!])\s+(?=[A-Z(])")
_ASCII = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "•": "*",
        "§": "Sec.",
        "…": "...",
        "\u00a0": " ",
        "™": "(TM)",
    }
)
_TITLE_PREFIX = {
    "PIA": "Privacy Impact Assessment for the",
    "PIA Update": "Privacy Impact Assessment Update for the",
    "SORN": "Privacy Act of 1974; System of Records:",
    "PCR": "Privacy Compliance Review of the",
    "Report": "Report to Congress on the",
    "Policy": "Privacy Policy Guidance on the",
    "Notice": "Notice of the",
}


@dataclass(frozen=True)
class Source:
    sentences: list[str]
    profiles: list[tuple[str, str, str]]  # (component, doc_type, year) of each real record
    title_words: list[str]
    # the sentences that cannot pass for a heading or a risk label wherever a line breaks:
    # the section bodies of templated documents are made of these, so that their truth holds
    plain_sentences: list[str] = field(default_factory=list)


_HEADING_LIKE = re.compile(
    r":|\b\d{1,2}\.\d|\b(?:Abstract|Overview|Introduction|Background|Conclusion|Risk|Mitigation"
    r"|ABSTRACT|OVERVIEW|INTRODUCTION|RISK|MITIGATION)\b|Reason for|Responsible Official"
    r"|Approval Signature|Contact Official|\.{3}"
)


def load_source(records_path: Path = DEFAULT_RECORDS) -> Source:
    sentences: list[str] = []
    profiles: list[tuple[str, str, str]] = []
    title_words: set[str] = set()
    for line in records_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        text = " ".join(f"{rec.get('summary') or ''} {rec.get('fulltext') or ''}".split())
        for sentence in _SENTENCE.split(text.translate(_ASCII)):
            if 40 <= len(sentence) <= 600:
                sentences.append(sentence)
        year = (rec.get("date") or "")[:4]
        profiles.append((rec.get("component") or "DHS", rec.get("doc_type") or "Other", year))
        title_words.update(w for w in re.findall(r"[A-Z][a-z]{3,}", rec.get("title") or ""))
    plain = [s for s in sentences if s.isascii() and not _HEADING_LIKE.search(s)]
    return Source(sentences, profiles, sorted(title_words), plain)


def write_pdf(path: Path, pages: list[str], title: str = "") -> None:
    """A text PDF whose page i shows pages[i], wrapped; pypdf extracts the text back."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        ops = ["BT", "/F1 9 Tf", "11 TL", "40 760 Td"]
        ops += [f"({pdf_string(line)}) Tj T*" for line in wrap(text)[:66]]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1", "replace")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    if title:
        objects.append(f"<< /Title ({pdf_string(title)}) >>".encode("latin-1", "replace"))
    path.write_bytes(pdf_bytes(objects, len(objects) if title else None))


def _reference(n: int, component: str, doc_type: str) -> str:
    if doc_type in ("PIA", "PIA Update"):
        return f"DHS/{component}/PIA-{900 + n}"
    if doc_type == "SORN":
        return f"DHS/{component}-{900 + n}"
    return f"generated-{n:05d}"


def _pages(rng: random.Random, source: Source, chars: int) -> list[str]:
    pages: list[str] = []
    current: list[str] = []
    size = total = 0
    while total < chars:
        sentence = rng.choice(source.sentences)
        current.append(sentence)
        size += len(sentence) + 1
        total += len(sentence) + 1
        if size >= PAGE_CHARS:
            pages.append(" ".join(current))
            current, size = [], 0
    if current:
        pages.append(" ".join(current))
    return pages


def generate(
    out: Path, docs: int, chars: int, *, seed: int = 1, source: Source | None = None
) -> dict[str, float]:
    """Write `docs` documents of about `chars` characters under `out`; returns counts."""
    started = time.perf_counter()
    source = source or load_source()
    rng = random.Random(seed)
    (out / "pdf").mkdir(parents=True, exist_ok=True)
    rows, truths = [], []
    pages_written = text_chars = 0
    for n in range(1, docs + 1):
        component, doc_type, year = rng.choice(source.profiles)
        reference = _reference(n, component, doc_type)
        topic = " ".join(rng.sample(source.title_words, rng.randint(2, 5)))
        title = f"{_TITLE_PREFIX.get(doc_type, 'Document on the')} {topic}"
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if year else ""
        target = max(200, int(chars * rng.uniform(0.5, 1.5)))
        pdf = out / "pdf" / f"gen-{n:05d}.pdf"
        if doc_type in TEMPLATED:
            layout = Layout(doc_type, reference, title, date, component)
            cover, body, truth, summary = templated_document(
                rng, source.plain_sentences, layout, target
            )
            truths.append({"slug": pdf.stem, "reference": reference, "doc_type": doc_type, **truth})
        else:
            body = _pages(rng, source, target)
            cover = f"{title}\n{reference}\n{date}\nContact Point: Privacy Office"
            summary = body[0]
            truths.append(
                {
                    "slug": pdf.stem,
                    "reference": reference,
                    "doc_type": doc_type,
                    "sections": [],
                    "risks": [],
                }
            )
        write_pdf(pdf, [cover, *body], title=title)
        summary = " ".join(summary.split(". ")[:2])[:400]
        rows.append(
            {
                "id": reference,
                "title": title,
                "summary": summary,
                "component": component,
                "doc_type": doc_type,
                "date": date,
                "pdf": f"pdf/{pdf.name}",
            }
        )
        pages_written += 1 + len(body)
        text_chars += len(title) + len(summary) + sum(len(p) for p in body)
    (out / "manifest.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
    )
    (out / "structure.jsonl").write_text(
        "".join(json.dumps(truth) + "\n" for truth in truths), encoding="utf-8"
    )
    return {
        "docs": docs,
        "pages": pages_written,
        "text_mb": text_chars / 1e6,
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=50_000, help="mean characters per document")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--records", type=Path, default=DEFAULT_RECORDS)
    args = parser.parse_args(argv)
    if not args.records.exists():
        print(f"no records at {args.records}", file=sys.stderr)
        return 2
    stats = generate(
        args.out, args.docs, args.chars, seed=args.seed, source=load_source(args.records)
    )
    print(
        f"wrote {stats['docs']} documents, {stats['pages']} pages, {stats['text_mb']:.1f} MB of "
        f"text to {args.out} in {stats['seconds']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
