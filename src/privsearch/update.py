"""Update: fetch the sources into the mirror, index the mirror, and say what is new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Limits
from .fetch import FetchReport, fetch
from .fetch.run import ProgressCallback
from .index import IndexReport, build_index


@dataclass
class UpdateReport:
    """A fetch, the indexing run after it, and the records that are new or changed."""

    fetch: FetchReport
    index: IndexReport

    @property
    def changes(self) -> list[dict[str, Any]]:
        return self.index.changes

    @property
    def watches(self) -> list[dict[str, Any]]:
        """The saved searches the new or changed records match (`privsearch watch`)."""
        return self.index.watches

    def to_dict(self) -> dict[str, Any]:
        index = self.index.to_dict()
        index.pop("watches")  # beside the changes they come from
        return {
            "fetch": self.fetch.to_dict(),
            "index": index,
            "changes": self.changes,
            "watches": self.watches,
        }


def update(
    sources: Sequence[str],
    mirror_dir: Path,
    index_dir: Path,
    *,
    limits: Limits | None = None,
    progress: ProgressCallback | None = None,
    **fetch_options: Any,
) -> UpdateReport:
    """Fetch `sources` into `mirror_dir`, then index it into `index_dir` incrementally.

    The index is updated even when some files could not be fetched: what was fetched whole is
    indexed, and the failures are in the fetch report.
    """
    fetched = fetch(sources, mirror_dir, progress=progress, **fetch_options)
    indexed = build_index([Path(mirror_dir)], index_dir, limits=limits)
    return UpdateReport(fetched, indexed)
