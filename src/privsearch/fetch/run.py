"""One source's part of a fetch: its client and mirror, what it may skip, and its report."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .http import BudgetExhausted, Client, FetchError
from .mirror import STATE_DIR, Mirror

T = TypeVar("T")

ProgressCallback = Callable[[str, str], None]  # (source, what happened: "stored", "unchanged", ...)


@dataclass
class SourceReport:
    """What one source's fetch did; `privsearch fetch --json` prints it."""

    source: str
    url: str
    listing_pages: int = 0
    publications_seen: int = 0
    publications_fetched: int = 0  # complete now, and not before this run (or --full)
    files_stored: int = 0  # new or changed files written to the mirror
    files_unchanged: int = 0  # 304, or the same bytes again
    failed: list[dict[str, str]] = field(default_factory=list)  # {"url", "reason"}
    notes: list[str] = field(default_factory=list)
    complete: bool = False  # the walk reached its end (or the point where nothing is new)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class SourceRun:
    """The shared context of one source's fetch (thread-safe where its methods are called from
    the worker threads: download, done)."""

    def __init__(
        self,
        name: str,
        base: str,
        client: Client,
        mirror: Mirror,
        *,
        since: str | None = None,
        full: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.name, self.base = name, base.rstrip("/")
        self.client, self.mirror = client, mirror
        self.since, self.full = since, full
        self.report = SourceReport(name, self.base)
        self._progress = progress
        self._lock = threading.Lock()
        self._was_complete = mirror.get_meta(f"walk_complete:{name}:{self.base}") == "1"
        self._stopped = False  # --max-requests reached
        self._cut_short = False  # a listing page could not be had: the pages after it unseen
        self._unfinished: list[str] = []
        self.retry = json.loads(mirror.get_meta(self._unfinished_key) or "[]")
        # A walk in progress: if this run dies, the next one walks the whole listing again.
        mirror.set_meta(f"walk_complete:{name}:{self.base}", "0")

    # -- what to fetch -------------------------------------------------------------------------

    def wanted(self, key: str) -> bool:
        """Whether a publication must be fetched: not yet complete here, or --full."""
        return self.full or not self.mirror.is_done(key)

    def too_old(self, date: str | None) -> bool:
        return bool(self.since and date and date < self.since)

    def may_stop_early(self) -> bool:
        """Incremental: a page of publications already here ends the walk, if the last walk
        finished (so that everything after that page is here too)."""
        return self._was_complete and not self.full

    def note_stop(self, note: str) -> None:
        self.report.notes.append(note)

    def cut_short(self, reason: str) -> None:
        """A listing page was unusable: the walk ends there, and is not taken as complete."""
        self._cut_short = True
        self.report.failed.append({"url": self.base, "reason": reason})

    @property
    def _unfinished_key(self) -> str:
        return f"unfinished:{self.name}:{self.base}"

    def unfinished(self, item: str) -> None:
        """A publication this run could not complete: the next run tries it first, wherever
        the walk stops."""
        with self._lock:
            self._unfinished.append(item)

    def finish_walk(self) -> None:
        """The walk ended: remember what is left, and whether it saw every listing page (then
        the next run may stop at the first page of publications already here)."""
        unfinished = set(self._unfinished) | (set(self.retry) if self._stopped else set())
        self.mirror.set_meta(self._unfinished_key, json.dumps(sorted(unfinished)))
        if self._stopped or self._cut_short:
            return
        self.report.complete = True
        self.mirror.set_meta(f"walk_complete:{self.name}:{self.base}", "1")

    # -- requests ------------------------------------------------------------------------------

    def get_listing(
        self, url: str, *, expect: str = "html", optional: bool = False
    ) -> bytes | None:
        """A listing or API page: fetched conditionally and kept out of sight of the indexer;
        on a 304 the copy kept. None (with the failure reported) when it cannot be had; an
        `optional` listing the site does not publish (404, 410) is only noted."""
        # Named by a hash of the URL: API queries are long, and differ only at their end.
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
        relpath = f"{STATE_DIR}/listings/{self.name}/{digest}.{expect}"
        outcome = self._download(url, relpath, expect=expect, count=False, optional=optional)
        if outcome is None:
            return None
        if not outcome:
            self._cut_short = True
            return None
        return self.mirror.read(url)

    def get_json(self, url: str) -> Any:
        """A JSON answer, not kept; None (with the failure reported) when it cannot be had."""
        try:
            return json.loads(self.client.get(url, expect="json").body)
        except FetchError as exc:
            if isinstance(exc, BudgetExhausted):
                self._budget_spent(exc)
            else:
                self._fail(url, exc.reason)
        except ValueError:
            self._fail(url, "not JSON")
        return None

    def download(self, url: str, relpath: str, *, expect: str, count: bool = True) -> bool:
        """Fetch `url` into the mirror as `relpath` (conditionally); False if it failed."""
        return bool(self._download(url, relpath, expect=expect, count=count))

    def _download(
        self, url: str, relpath: str, *, expect: str, count: bool, optional: bool = False
    ) -> bool | None:
        """True if stored or still current, False if it failed, None if `optional` and not
        published."""
        etag, modified = self.mirror.validators(url)
        try:
            response = self.client.get(url, etag=etag, last_modified=modified, expect=expect)
        except FetchError as exc:
            if optional and exc.status in (404, 410):
                self.report.notes.append(f"{url}: not published ({exc.status})")
                return None
            if isinstance(exc, BudgetExhausted):
                self._budget_spent(exc)
            else:
                self._fail(url, exc.reason)
            return False
        if response.status == 304:
            self.mirror.not_modified(url, response.etag, response.last_modified)
            self._count("unchanged", count)
            return True
        changed = self.mirror.store(
            url, relpath, response.body, etag=response.etag, last_modified=response.last_modified
        )
        self._count("stored" if changed else "unchanged", count)
        return True

    def store(self, url: str, relpath: str, body: bytes) -> None:
        """Keep bytes this run made itself (a Federal Register document's metadata)."""
        changed = self.mirror.store(url, relpath, body)
        self._count("stored" if changed else "unchanged", True)

    def done(self, key: str) -> None:
        """A publication is complete in the mirror."""
        self.mirror.mark_done(key, self.name)
        with self._lock:
            self.report.publications_fetched += 1
        if self._progress:
            self._progress(self.name, "publication")

    def map(self, func: Callable[[T], None], items: Iterable[T]) -> None:
        """`func` over `items`, two at a time (the client keeps each host to two requests in
        flight and spaces them by the delay)."""
        items = list(items)
        if not items or self._stopped:
            return
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"fetch-{self.name}") as pool:
            for _ in pool.map(func, items):
                pass

    @property
    def stopped(self) -> bool:
        """--max-requests was reached: nothing more is asked for."""
        return self._stopped

    def _budget_spent(self, exc: FetchError) -> None:
        """--max-requests is reached: said once, not as a failure of every URL not asked."""
        with self._lock:
            if not self._stopped:
                self.report.notes.append(f"stopped: {exc.reason}; the next run goes on")
            self._stopped = True

    def _fail(self, url: str, reason: str) -> None:
        self.mirror.failed(url, reason)
        with self._lock:
            self.report.failed.append({"url": url, "reason": reason})
        if self._progress:
            self._progress(self.name, "failed")

    def _count(self, what: str, count: bool) -> None:
        if count:
            with self._lock:
                if what == "stored":
                    self.report.files_stored += 1
                else:
                    self.report.files_unchanged += 1
        if self._progress:
            self._progress(self.name, what)


def dumps(data: Any) -> bytes:
    """JSON as the mirror keeps it: stable key order, so unchanged data gives the same bytes."""
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")
