"""The PDF workers' faster pypdf code gives pypdf's own results: the same text from real PDFs,
the same bytes or the same error from the ASCII85 decoder."""

from __future__ import annotations

import base64
import copy
import functools
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privsearch.config import Limits
from privsearch.ingest import pypdf_speedups
from privsearch.ingest.pdf import PdfPool, clean_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
PDFS = SHARED / "pdfs"
CORPUS_DOCS = SHARED / "corpus" / "dhs" / "docs"
# multi-page documents whose fonts carry ToUnicode maps, which pypdf builds on every page
GOVERNMENT = ("ca1-opinion-20-1507-calvary-chapel.pdf", "azd-district-court-order.pdf")
WHITESPACE = b" \n\r\t\x00\x0c"  # what pypdf's ASCII85 filter ignores


@pytest.fixture
def speedups() -> Iterator[None]:
    pypdf_speedups.install()
    yield
    pypdf_speedups.uninstall()


FONTS = "pypdf.generic._font.Font.from_font_resource"
TEXT_OPERANDS = "pypdf._text_extraction._text_extractor.get_text_operands"


def _require_speedup(name: str) -> None:
    """Skip unless this pypdf has the code that speedup `name` replaces."""
    pypdf_speedups.install()
    try:
        available = name in pypdf_speedups.installed()
    finally:
        pypdf_speedups.uninstall()
    if not available:
        pytest.skip(f"{name} is not replaced on this pypdf version")


def _outcome(call):  # type: ignore[no-untyped-def]
    try:
        return "ok", call()
    except Exception as exc:
        return type(exc), str(exc)


def _sample_pdfs() -> list[Path]:
    if not PDFS.is_dir() or not CORPUS_DOCS.is_dir():
        pytest.skip(f"shared test data not found at {SHARED}")
    return [
        *sorted(CORPUS_DOCS.glob("*.pdf"))[:30],  # ReportLab's: ASCII85, standard fonts
        *(PDFS / "government" / name for name in GOVERNMENT),
        *sorted((PDFS / "robustness").glob("font_*.pdf")),  # CID, Type3, odd encodings
    ]


def _page_texts(path: Path) -> list[object]:
    from pypdf import PdfReader

    with warnings.catch_warnings(), pypdf_speedups.one_document():
        warnings.simplefilter("ignore")
        try:
            return [_outcome(page.extract_text) for page in PdfReader(path, strict=False).pages]
        except Exception as exc:
            return [(type(exc), str(exc))]


# --- text extraction -------------------------------------------------------------------------


def test_the_same_text_from_real_pdfs_with_and_without() -> None:
    pdfs = _sample_pdfs()
    before = {path.name: _page_texts(path) for path in pdfs}
    pypdf_speedups.install()
    try:
        after = {path.name: _page_texts(path) for path in pdfs}
    finally:
        pypdf_speedups.uninstall()
    assert after == before
    pages = sum(len(texts) for texts in before.values())
    assert pages > len(pdfs)  # multi-page documents among them
    assert sum(1 for texts in before.values() for kind, text in texts if kind == "ok" and text)


def test_fonts_are_built_once_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader
    from pypdf.generic._font import Font

    _require_speedup(FONTS)

    path = PDFS / "government" / GOVERNMENT[0]
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    built: list[int] = []  # the font dictionaries pypdf's own code built a Font from
    build = vars(Font)["from_font_resource"].__func__

    def counted(cls: type, font: object) -> object:
        built.append(id(font))
        return build(cls, font)

    monkeypatch.setattr(Font, "from_font_resource", classmethod(counted))
    without = _page_texts(path)
    builds_without, built[:] = len(built), []
    pypdf_speedups.install()
    try:
        assert _page_texts(path) == without
        builds_with, fonts = len(built), len(set(built))
        with pypdf_speedups.one_document():
            font = next(iter(PdfReader(path).pages[0]["/Resources"]["/Font"].values()))
            first, again = (Font.from_font_resource(font.get_object()) for _ in range(2))
    finally:
        pypdf_speedups.uninstall()
    assert len(without) > 10
    assert builds_with == fonts < builds_without / 2
    assert first == again and first is not again  # a copy for each page
    assert pypdf_speedups._fonts == {}  # dropped with the document


def test_a_page_is_not_lost_to_a_font_an_earlier_page_broke(tmp_path: Path) -> None:
    """A corrupt font file ("endstream" misspelt): pypdf fails the second page once the first
    has touched that font, though the second page read on its own extracts. Built once for the
    document, the font gives the second page the text pypdf gives it on its own."""
    from pypdf import PdfReader

    _require_speedup(FONTS)
    source = PDFS / "government" / "ca2-clerk-notice.pdf"
    if not source.is_file():
        pytest.skip(f"{source} is not present")
    data = bytearray(source.read_bytes())
    data[data.index(b"endstream\nendobj\n3 0 obj") + 2] = ord("/")
    path = tmp_path / "broken-font.pdf"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = _outcome(PdfReader(path, strict=False).pages[1].extract_text)
    pypdf_speedups.install()
    try:
        texts = _page_texts(path)
    finally:
        pypdf_speedups.uninstall()
    assert alone[0] == "ok" and len(alone[1]) > 1000
    assert texts[1] == alone
    assert texts[0][0] == "ok"


def test_the_font_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document with more fonts than the cache holds: the same text, the cache never over."""
    _require_speedup(FONTS)
    path = PDFS / "government" / GOVERNMENT[0]
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    without = _page_texts(path)
    monkeypatch.setattr(pypdf_speedups, "_MAX_FONTS", 3)
    sizes: list[int] = []
    store = pypdf_speedups._fonts
    monkeypatch.setattr(pypdf_speedups, "_fonts", _Recorded(store, sizes))
    pypdf_speedups.install()
    try:
        assert _page_texts(path) == without
    finally:
        pypdf_speedups.uninstall()
    assert sizes and max(sizes) <= 3


class _Recorded(dict):  # type: ignore[type-arg]
    """A dict that notes its size after each insertion."""

    def __init__(self, store: dict, sizes: list[int]) -> None:  # type: ignore[type-arg]
        super().__init__(store)
        self.sizes = sizes

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self.sizes.append(len(self))


def test_uninstall_puts_pypdf_back() -> None:
    from pypdf import filters
    from pypdf._text_extraction import _text_extractor
    from pypdf.generic._font import Font

    original = vars(Font)["from_font_resource"], _text_extractor.get_text_operands
    pypdf_speedups.install()
    pypdf_speedups.install()  # once only
    installed = pypdf_speedups.installed()
    assert len(installed) == len(set(installed))
    assert set(installed) <= {
        "pypdf._text_extraction._text_extractor.encoding_dict_from_named_encoding",
        TEXT_OPERANDS,
        "pypdf.filters.a85decode",
        FONTS,
        "pypdf.generic._font.encoding_dict_from_named_encoding",
    }
    assert filters.a85decode is pypdf_speedups.a85decode
    pypdf_speedups.uninstall()
    assert pypdf_speedups.installed() == []
    assert filters.a85decode is base64.a85decode
    assert (vars(Font)["from_font_resource"], _text_extractor.get_text_operands) == original


def test_text_operands_only_over_the_source_they_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf's function changed (another version): its own stays in place."""
    _require_speedup(TEXT_OPERANDS)
    monkeypatch.setattr(pypdf_speedups, "_GET_TEXT_OPERANDS_SHA256", "0" * 64)
    pypdf_speedups.install()
    try:
        installed = pypdf_speedups.installed()
    finally:
        pypdf_speedups.uninstall()
    assert TEXT_OPERANDS not in installed
    assert FONTS in installed


def test_plain_fonts_are_built_once_for_all_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf.generic._font import Font

    if not CORPUS_DOCS.is_dir():
        pytest.skip(f"{CORPUS_DOCS} is not present")
    _require_speedup(FONTS)
    pdfs = sorted(CORPUS_DOCS.glob("*.pdf"))[:10]
    built: list[str] = []
    build = vars(Font)["from_font_resource"].__func__

    def counted(cls: type, font: object) -> object:
        built.append(str(font["/BaseFont"]))  # type: ignore[index]
        return build(cls, font)

    monkeypatch.setattr(Font, "from_font_resource", classmethod(counted))
    without = [_page_texts(path) for path in pdfs]
    builds_without, built[:] = len(built), []
    pypdf_speedups.install()
    try:
        assert [_page_texts(path) for path in pdfs] == without
    finally:
        pypdf_speedups.uninstall()
    assert builds_without >= 3 * len(pdfs)  # ReportLab's three standard fonts in each
    assert sorted(built) == sorted(set(built))  # each once, for all ten documents


@settings(max_examples=300, deadline=None)
@given(
    shown=st.binary(max_size=40),
    differences=st.dictionaries(
        st.integers(min_value=0, max_value=255), st.sampled_from(["", "ff", "\u2019", "x", " "])
    ),
    tm=st.sampled_from([[1, 0, 0, 1, 0, 0], [0, 1, -1, 0, 0, 0], [-1, 0, 0, -1, 5, 5]]),
    orientations=st.sampled_from([(0, 90, 180, 270), (0,), (90, 270)]),
)
def test_text_operands_as_pypdf_decodes_them(
    shown: bytes,
    differences: dict[int, str],
    tm: list[float],
    orientations: tuple[int, ...],
) -> None:
    """A string shown in a font whose encoding maps bytes: the same text and the same width."""
    _require_speedup(TEXT_OPERANDS)
    from pypdf._text_extraction import _text_extractor, get_text_operands
    from pypdf.generic import ByteStringObject
    from pypdf.generic._font import Font, FontDescriptor

    encoding = {**dict.fromkeys(range(32, 127), "?"), **differences}
    font = Font(
        name="Test",
        encoding=encoding,
        font_descriptor=FontDescriptor(),
        character_map={},
        character_widths={"default": 500, "a": 333, " ": 250},
        space_width=250,
    )
    cm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    operands = [ByteStringObject(shown)]
    expected = get_text_operands(operands, cm, tm, font, orientations)
    pypdf_speedups.install()
    try:
        fast = _text_extractor.get_text_operands
        assert fast is not get_text_operands
        got = fast(operands, cm, tm, pypdf_speedups._with_byte_table(copy.copy(font)), orientations)
    finally:
        pypdf_speedups.uninstall()
    assert got == expected


def test_encoding_tables_are_fresh_copies(speedups: None) -> None:
    from pypdf import _codecs
    from pypdf._text_extraction import _text_extractor

    table = _text_extractor.encoding_dict_from_named_encoding("cp1252")
    assert table == _codecs.encoding_dict_from_named_encoding("cp1252")
    assert table[0x80] == "\u20ac"
    table[0x80] = "changed"  # as a font's /Differences do
    assert _text_extractor.encoding_dict_from_named_encoding("cp1252")[0x80] == "\u20ac"


def test_the_pool_extracts_what_pypdf_does() -> None:
    path = PDFS / "government" / GOVERNMENT[0]
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    expected = [clean_text(text) for kind, text in _page_texts(path) if kind == "ok"]
    with PdfPool(Limits(workers=1)) as pool:
        [(_, result)] = list(pool.extract([str(path)]))
    assert not isinstance(result, str)
    assert [text for _, text in result.pages] == expected


# --- ASCII85 ---------------------------------------------------------------------------------


def _decoded_both_ways(encoded: bytes, adobe: bool) -> tuple[object, object]:
    """(privsearch's result, the standard library's): the bytes, or the error and its text."""
    return tuple(  # type: ignore[return-value]
        _outcome(functools.partial(decode, encoded, adobe=adobe, ignorechars=WHITESPACE))
        for decode in (pypdf_speedups.a85decode, base64.a85decode)
    )


@pytest.mark.parametrize(
    "encoded",
    [
        b'<~87cURD]i,"Ebo80~>',
        b'87cURD]i,"Ebo80~>',
        b"z!!!!!z~>",  # zero groups
        b"87c z~>",  # "z" inside a group
        b's8W-"~>',  # over 2**32 - 1
        b"s8W-!~>",  # the largest group
        b'87cURD]i,"Ebo8',  # no end marker
        b'87cU\nRD]\ti,"E\x00bo80~>',  # whitespace anywhere
        b'87cURD]i,"Ebo80v~>',  # not a digit
        b"8~>",  # one digit: nothing
        b"~>",
        b"",
    ],
)
def test_ascii85_known_cases(encoded: bytes) -> None:
    for adobe in (True, False):
        fast, standard = _decoded_both_ways(encoded, adobe)
        assert fast == standard


@settings(max_examples=400, deadline=None)
@given(
    data=st.binary(max_size=64),
    adobe=st.booleans(),
    wrap=st.integers(min_value=0, max_value=12),
    noise=st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(b" \n\x00zuy!~<>v\xffs")), max_size=3
    ),
    cut=st.none() | st.integers(min_value=0),
)
def test_ascii85_matches_the_standard_library(
    data: bytes, adobe: bool, wrap: int, noise: list[tuple[int, int]], cut: int | None
) -> None:
    encoded = bytearray(base64.a85encode(data, adobe=adobe, wrapcol=wrap))
    for at, byte in noise:
        encoded.insert(at % (len(encoded) + 1), byte)
    if cut is not None:
        del encoded[cut % (len(encoded) + 1) :]
    for as_adobe in (adobe, not adobe):
        fast, standard = _decoded_both_ways(bytes(encoded), as_adobe)
        assert fast == standard
