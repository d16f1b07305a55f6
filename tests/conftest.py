"""Shared fixtures: indexes built once per test session from real data."""

from __future__ import annotations

from pathlib import Path

import pytest

import privsearch
from privsearch.config import Limits

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "corpus"
DHS = SHARED / "corpus" / "dhs"
DHS_B = SHARED / "corpus" / "dhs-b"
EXPECTED = SHARED / "corpus" / "expected.jsonl"
GOVERNMENT_PDFS = SHARED / "pdfs" / "government"
# Kept short so the slowest real-world PDFs cannot stall the suite.
TEST_LIMITS = Limits(pdf_timeout=20.0)


def require_shared() -> None:
    if not DHS.is_dir():
        pytest.skip(f"the shared DHS corpus is not at {DHS} (only present beside the repository)")


def build_shared_index(factory: pytest.TempPathFactory, name: str, paths: list[Path]) -> Path:
    """An index of `paths` (shared data, skipped when absent) in a new temporary folder."""
    require_shared()
    path = factory.mktemp(name)
    privsearch.build_index(paths, path, limits=TEST_LIMITS)
    return path


@pytest.fixture(scope="session")
def dhs_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of ../shared/corpus/dhs, built once."""
    return build_shared_index(tmp_path_factory, "dhs-index", [DHS])


@pytest.fixture(scope="session")
def dhs(dhs_index: Path) -> privsearch.Index:
    with privsearch.open_index(dhs_index) as ix:
        yield ix


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled corpus/ (present in every checkout)."""
    path = tmp_path_factory.mktemp("bundled-index")
    privsearch.build_index([CORPUS], path, limits=TEST_LIMITS)
    return path


@pytest.fixture(scope="session")
def mixed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An analyst's mixed collection: ../shared/corpus/dhs plus ../shared/pdfs/government."""
    return build_shared_index(tmp_path_factory, "mixed-index", [DHS, GOVERNMENT_PDFS])


@pytest.fixture(scope="session")
def mixed(mixed_index: Path) -> privsearch.Index:
    with privsearch.open_index(mixed_index) as ix:
        yield ix
