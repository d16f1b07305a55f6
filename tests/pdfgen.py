"""Write small, valid text PDFs for tests (one Helvetica text stream per page)."""

from __future__ import annotations

import textwrap
from pathlib import Path


def pdf_string(text: str) -> str:
    """`text` as the inside of a PDF literal string: backslashes and parentheses escaped."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(text: str) -> bytes:
    lines = [ln for para in text.split("\n") for ln in (textwrap.wrap(para, 90) or [""])]
    ops = ["BT", "/F1 10 Tf", "12 TL", "50 750 Td"]
    ops += [f"({pdf_string(line)}) Tj T*" for line in lines[:60]]
    ops.append("ET")
    return "\n".join(ops).encode("latin-1", "replace")


def write_text_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    """A PDF whose page i shows pages[i]; pypdf extracts the text back."""
    objects: list[bytes] = []
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        stream = _content(text)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info = None
    if title:
        objects.append(f"<< /Title ({pdf_string(title)}) >>".encode("latin-1", "replace"))
        info = len(objects)
    path.write_bytes(pdf_bytes(objects, info))
    return path


def pdf_bytes(objects: list[bytes], info: int | None = None) -> bytes:
    """A PDF of `objects` (object 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R"
    trailer += f" /Info {info} 0 R >>" if info else " >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
