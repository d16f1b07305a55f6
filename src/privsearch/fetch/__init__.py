"""Fetch: documents from where they are published into a local mirror that `index` reads.

    report = fetch(["dhs", "federal-register"], Path("mirror"), delay=1.0)

`http.py` is the one client (robots.txt, politeness, retries, conditional requests, checks
that a body is whole), `mirror.py` keeps files atomically with a state file, and one module
per source turns its pages and API answers into mirror files. Nothing here knows the index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import FETCH_SOURCES as SOURCES
from ..errors import BadParameterError
from .dhs import fetch_dhs
from .federal_register import fetch_federal_register
from .http import USER_AGENT, Client
from .mirror import Mirror, MirrorBusyError
from .run import ProgressCallback, SourceReport, SourceRun

__all__ = [
    "DEFAULT_URLS",
    "SOURCES",
    "FetchReport",
    "MirrorBusyError",
    "SourceReport",
    "fetch",
]

DEFAULT_URLS = {"dhs": "https://www.dhs.gov", "federal-register": "https://www.federalregister.gov"}
_WALKERS: dict[str, Callable[[SourceRun], None]] = {
    "dhs": fetch_dhs,
    "federal-register": fetch_federal_register,
}


@dataclass
class FetchReport:
    """What one fetch did, source by source; `privsearch fetch --json` prints it."""

    mirror: str
    sources: list[SourceReport] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    retries: int = 0
    disallowed: int = 0
    seconds: float = 0.0
    user_agent: str = USER_AGENT

    @property
    def failed(self) -> list[dict[str, str]]:
        return [failure for source in self.sources for failure in source.failed]

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "sources"}
        data["seconds"] = round(self.seconds, 3)
        data["sources"] = [source.to_dict() for source in self.sources]
        return data


def check_base_url(url: str) -> str:
    """A source's base URL, without a trailing slash; BadParameterError if it is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadParameterError(f"not an http(s) address: {url!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def check_since(value: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD), or YYYY / YYYY-MM meaning its first day."""
    if not value:
        return None
    text = value.strip()
    padded = {4: text + "-01-01", 7: text + "-01"}.get(len(text), text)
    try:
        return date.fromisoformat(padded).isoformat()
    except ValueError:
        raise BadParameterError(
            f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)"
        ) from None


def fetch(
    sources: Sequence[str],
    mirror_dir: Path,
    *,
    urls: dict[str, str] | None = None,
    since: str | None = None,
    delay: float = 1.0,
    max_requests: int | None = None,
    full: bool = False,
    timeout: float = 30.0,
    max_bytes: int = 200 * 1024 * 1024,
    progress: ProgressCallback | None = None,
) -> FetchReport:
    """Bring `mirror_dir` up to date with `sources` (both run at once, each host politely)."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise BadParameterError(f"unknown source {unknown[0]!r} (sources: {', '.join(SOURCES)})")
    if delay < 0:
        raise BadParameterError("the delay cannot be negative")
    bases = {name: check_base_url((urls or {}).get(name) or DEFAULT_URLS[name]) for name in SOURCES}
    since = check_since(since)
    started = time.perf_counter()
    report = FetchReport(mirror=str(mirror_dir))
    hosts = {urlsplit(bases[name]).netloc for name in sources}
    with Mirror(Path(mirror_dir)) as mirror, Client(
        delay=delay, max_requests=max_requests, allowed_hosts=hosts, timeout=timeout,
        max_bytes=max_bytes,
    ) as client:  # fmt: skip
        runs = [
            SourceRun(name, bases[name], client, mirror, since=since, full=full, progress=progress)
            for name in dict.fromkeys(sources)
        ]
        _run_all(runs)
        stats = client.stats
    report.sources = [run.report for run in runs]
    report.requests = stats.get("requests", 0)
    report.bytes = stats.get("bytes", 0)
    report.not_modified = stats.get("not_modified", 0)
    report.retries = stats.get("retries", 0)
    report.disallowed = stats.get("disallowed", 0)
    report.seconds = time.perf_counter() - started
    return report


def _run_all(runs: list[SourceRun]) -> None:
    """Each source in a thread of its own; the first error is raised once all have ended."""
    errors: list[BaseException] = []

    def walk(run: SourceRun) -> None:
        try:
            _WALKERS[run.name](run)
        except BaseException as exc:  # raised in the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=walk, args=(run,), name=f"fetch-{run.name}") for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
