"""Faster equivalents of pypdf's hot spots in text extraction, installed in the PDF workers.

Each gives pypdf's own result, byte for byte (the tests extract the shared PDFs both ways and
compare), and each is installed only where the pypdf in use has the code it replaces. One
difference was found, in randomly corrupted PDFs: where pypdf fails a page only because an
earlier page touched the same broken font, building the font once gives that page the text
pypdf gives it when read on its own.

- fonts: pypdf builds every font of a page again on each page, its ToUnicode map included; the
  fonts of one document are built once (`one_document`) and copied for each page. On the
  shared government PDFs (embedded fonts with ToUnicode maps) this is a third of the time.
  A font whose dictionary holds only names and numbers (the standard 14 fonts, as ReportLab
  writes them) depends on nothing else, and is built once for all documents.
- text strings: pypdf decodes a string shown in a font with a byte table by looking up each
  byte in turn; the font's table is made once and applied with `str.translate`. This one
  replaces a pypdf function whose common case it repeats, so it is installed only over the
  exact source it was written against (`_GET_TEXT_OPERANDS_SHA256`).
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
import hashlib
import inspect
import struct
from collections.abc import Callable, Iterator
from typing import Any

_DIGITS = bytes(range(ord("!"), ord("u") + 1))
_DIGIT_VALUE = bytes((byte - ord("!")) % 256 for byte in range(256))
# Fonts kept per document, at most: a page rarely uses more than a few, and a font with a large
# ToUnicode map can take megabytes (the workers run under a memory limit)
_MAX_FONTS = 128
_MAX_SHARED_FONTS = 256
# The source of pypdf 7.0-7.1's get_text_operands, whose common case ours repeats
_GET_TEXT_OPERANDS_SHA256 = "69fb76da3698971310b3ecb3e1531a156d493a5b949626608c344c25286db7b1"
_TABLE = "_privsearch_byte_table"  # on a Font: (its encoding, that as str.translate takes it)

_originals: list[tuple[Any, str, Any]] = []  # (owner, name, value) to put back
_fonts: dict[int, tuple[Any, Any]] = {}  # id(font dictionary) -> (it, its Font)
_shared_fonts: dict[tuple[Any, ...], Any] = {}  # a plain font dictionary's items -> its Font


def install() -> None:
    """Replace the hot spots in the pypdf of this process (once; `uninstall` undoes it)."""
    if not _originals:
        _install_font_cache()
        _install_text_operands()
        _install_encoding_tables()
        _install_ascii85()


def uninstall() -> None:
    while _originals:
        owner, name, value = _originals.pop()
        setattr(owner, name, value)
    _fonts.clear()
    _shared_fonts.clear()


def installed() -> list[str]:
    """What is replaced now, as "module.name"."""
    return [f"{_qualified(owner)}.{name}" for owner, name, _ in _originals]


def _qualified(owner: Any) -> str:
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}"
    return str(owner.__name__)


@contextlib.contextmanager
def one_document() -> Iterator[None]:
    """A document's fonts are kept for its pages and dropped after; only fonts whose
    dictionaries hold nothing but names and numbers are kept across documents."""
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
        from pypdf.generic import FloatObject, NameObject, NumberObject
        from pypdf.generic._font import Font
    except ImportError:
        return
    original = vars(Font).get("from_font_resource")
    if not isinstance(original, classmethod):
        return
    build: Callable[..., Any] = original.__func__
    plain = (NameObject, NumberObject, FloatObject)

    def built(cls: type, pdf_font_dict: Any) -> Any:
        items = []
        for key, value in pdf_font_dict.items():
            if type(value) not in plain:  # it may refer to other objects: this document's
                return _with_byte_table(build(cls, pdf_font_dict))
            items.append((key, type(value), value))
        shared = tuple(sorted(items))
        font = _shared_fonts.get(shared)
        if font is None:
            if len(_shared_fonts) >= _MAX_SHARED_FONTS:
                _shared_fonts.clear()
            font = _shared_fonts[shared] = _with_byte_table(build(cls, pdf_font_dict))
        return font

    def from_font_resource(cls: type, pdf_font_dict: Any) -> Any:
        # Keyed by identity: pypdf hands out one object per indirect font, and the cache holds
        # it, so its id is not reused while cached.
        cached = _fonts.get(id(pdf_font_dict))
        if cached is None or cached[0] is not pdf_font_dict:
            if len(_fonts) >= _MAX_FONTS:
                _fonts.clear()
            cached = _fonts[id(pdf_font_dict)] = (pdf_font_dict, built(cls, pdf_font_dict))
        # A copy: pypdf sets a page's space width on the Font it gets
        return copy.copy(cached[1])

    _replace(Font, "from_font_resource", classmethod(from_font_resource))


def _with_byte_table(font: Any) -> Any:
    """`font`, carrying the table that decodes its strings when its encoding maps bytes."""
    encoding = getattr(font, "encoding", None)
    if isinstance(encoding, dict):
        table = [encoding.get(byte, chr(byte)) for byte in range(256)]
        if all(type(text) is str for text in table):
            setattr(font, _TABLE, (encoding, table))
    return font


def _install_text_operands() -> None:
    try:
        from pypdf import _text_extraction
        from pypdf._text_extraction import _text_extractor
    except ImportError:
        return
    original = getattr(_text_extractor, "get_text_operands", None)
    if original is None or original is not getattr(_text_extraction, "get_text_operands", None):
        return
    try:
        source = inspect.getsource(original)
    except (OSError, TypeError):
        return
    if hashlib.sha256(source.encode()).hexdigest() != _GET_TEXT_OPERANDS_SHA256:
        return
    mult, orient = _text_extraction.mult, _text_extraction.orient

    def get_text_operands(
        operands: list[Any],
        cm_matrix: list[float],
        tm_matrix: list[float],
        font: Any,
        orientations: tuple[int, ...],
    ) -> tuple[str, bool, float]:
        """pypdf's, for bytes shown in a font with a byte table; anything else goes to it."""
        encoding, table = getattr(font, _TABLE, (None, None))
        if (
            encoding is None
            or font.encoding is not encoding  # (pypdf never replaces it; should it ever)
            or not operands
            or not isinstance(operands[0], bytes)
        ):
            return original(operands, cm_matrix, tm_matrix, font, orientations)
        if orient(mult(tm_matrix, cm_matrix)) not in orientations:
            return "", False, 0.0
        raw_characters = operands[0].decode("latin-1")  # chr() of each byte
        widths = 0.0
        width_cache: dict[str, float] = {}
        for char in raw_characters:  # pypdf's sum, in its order: the same float
            if char == font.space_char:
                widths += font.space_width
            else:
                if char not in width_cache:
                    width_cache[char] = font.get_text_width(char)
                widths += width_cache[char]
        return raw_characters.translate(table), False, widths

    _replace(_text_extractor, "get_text_operands", get_text_operands)


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
