"""Faster equivalents of three pypdf hot spots, installed in the PDF worker processes.

Each gives pypdf's own result, byte for byte (the tests extract the shared PDFs both ways and
compare), and each is installed only where the pypdf in use has the code it replaces:

- fonts: pypdf builds every font of a page again on each page, its ToUnicode map included; the
  fonts of one document are built once (`one_document`) and copied for each page. On the
  shared government PDFs (embedded fonts with ToUnicode maps) this is a third of the time.
- named encodings: each page's text state starts from a 256-entry cp1252 table decoded byte by
  byte; the table is decoded once and copied.
- ASCII85 (ReportLab's PDFs): the standard library decodes one byte at a time; this decodes
  five at a time, and hands anything it would reject to the standard library (same error).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import struct
from collections.abc import Callable, Iterator
from typing import Any

_DIGITS = bytes(range(ord("!"), ord("u") + 1))
_DIGIT_VALUE = bytes((byte - ord("!")) % 256 for byte in range(256))
_MAX_FONTS = 10_000  # cached fonts, at most, should a caller never end a document

_originals: list[tuple[Any, str, Any]] = []  # (owner, name, value) to put back
_fonts: dict[int, tuple[Any, Any]] = {}  # id(font dictionary) -> (it, its Font)


def install() -> None:
    """Replace the hot spots in the pypdf of this process (once; `uninstall` undoes it)."""
    if not _originals:
        _install_font_cache()
        _install_encoding_tables()
        _install_ascii85()


def uninstall() -> None:
    while _originals:
        owner, name, value = _originals.pop()
        setattr(owner, name, value)
    _fonts.clear()


def installed() -> list[str]:
    """What is replaced now, as "module.name"."""
    return [f"{_qualified(owner)}.{name}" for owner, name, _ in _originals]


def _qualified(owner: Any) -> str:
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}"
    return str(owner.__name__)


@contextlib.contextmanager
def one_document() -> Iterator[None]:
    """Fonts are shared between the pages of one document, never across documents."""
    _fonts.clear()
    try:
        yield
    finally:
        _fonts.clear()


def _replace(owner: Any, name: str, value: Any) -> None:
    original = vars(owner)[name] if isinstance(owner, type) else getattr(owner, name)
    _originals.append((owner, name, original))
    setattr(owner, name, value)


def _install_font_cache() -> None:
    try:
        from pypdf.generic._font import Font
    except ImportError:
        return
    original = vars(Font).get("from_font_resource")
    if not isinstance(original, classmethod):
        return
    build: Callable[..., Any] = original.__func__

    def from_font_resource(cls: type, pdf_font_dict: Any) -> Any:
        # Keyed by identity: pypdf hands out one object per indirect font, and the cache holds
        # it, so its id is not reused while cached.
        cached = _fonts.get(id(pdf_font_dict))
        if cached is None or cached[0] is not pdf_font_dict:
            if len(_fonts) >= _MAX_FONTS:
                _fonts.clear()
            cached = _fonts[id(pdf_font_dict)] = (pdf_font_dict, build(cls, pdf_font_dict))
        # A copy: pypdf sets a page's space width on the Font it gets
        return copy.copy(cached[1])

    _replace(Font, "from_font_resource", classmethod(from_font_resource))


def _install_encoding_tables() -> None:
    try:
        from pypdf import _codecs
        from pypdf._text_extraction import _text_extractor
        from pypdf.generic import _font
    except ImportError:
        return
    original = getattr(_codecs, "encoding_dict_from_named_encoding", None)
    if original is None:
        return
    table = functools.lru_cache(maxsize=64)(original)

    def encoding_dict_from_named_encoding(encoding: str) -> dict[int, str]:
        try:
            return dict(table(encoding))  # a copy: a font's /Differences change its own
        except TypeError:  # not hashable: whatever pypdf does with it
            return original(encoding)

    for module in (_text_extractor, _font):
        if getattr(module, "encoding_dict_from_named_encoding", None) is original:
            _replace(module, "encoding_dict_from_named_encoding", encoding_dict_from_named_encoding)


def _install_ascii85() -> None:
    try:
        from pypdf import filters
    except ImportError:
        return
    if getattr(filters, "a85decode", None) is base64.a85decode:
        _replace(filters, "a85decode", a85decode)


def a85decode(
    b: Any, *, foldspaces: bool = False, adobe: bool = False, ignorechars: Any = b" \t\n\r\v"
) -> bytes:
    """`base64.a85decode`, five characters at a time; the same result or the same error."""

    def standard() -> bytes:
        return base64.a85decode(b, foldspaces=foldspaces, adobe=adobe, ignorechars=ignorechars)

    if not isinstance(b, bytes) or not isinstance(ignorechars, bytes):
        return standard()
    data = b
    if adobe:
        if not data.endswith(b"~>"):
            return standard()
        data = data[2:-2] if data.startswith(b"<~") else data[:-2]
    digits = data.translate(None, ignorechars)
    # "z" and "y" stand for four bytes each and must not split a group; other bytes are errors
    if ignorechars.translate(None, _DIGITS) != ignorechars or digits.translate(None, _DIGITS):
        return standard()
    padding = -len(digits) % 5
    values = (digits + b"u" * padding).translate(_DIGIT_VALUE)
    groups = zip(values[0::5], values[1::5], values[2::5], values[3::5], values[4::5], strict=True)
    words = [(((c0 * 85 + c1) * 85 + c2) * 85 + c3) * 85 + c4 for c0, c1, c2, c3, c4 in groups]
    try:
        decoded = struct.pack(f">{len(words)}I", *words)
    except struct.error:  # a group over 2**32 - 1
        return standard()
    return decoded[:-padding] if padding else decoded
