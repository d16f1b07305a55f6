"""Saved searches: what is new or changed in an index that matches a query someone watches.

The saved searches live beside the index, in `watches.json`, with the changes of the indexing
runs that some saved search has not been checked against yet. An indexing run records its new
and changed records there (only when there are saved searches) and says which of them each
saved search matches; `check_watches` lists, per saved search, the matching records of every
run since it was last checked, then marks them seen.

A record matches a saved search when `Index.records(query, **filters)` gives it: exactly the
records `privsearch search` finds for the same words and filters. A new or changed record is
known by its id and source, as the indexing run reports it (`IndexReport.changes`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import filelock
from .errors import BadParameterError, IndexBusyError, WatchFileError

WATCH_FILE = "watches.json"
_LOCK_FILE = ".watches-lock"
_FORMAT = 1
_LOCK_TIMEOUT = 10.0  # seconds to wait for another process changing the saved searches
_NAME_LENGTH = 40
_NAME = re.compile(r"[A-Za-z][\w.-]{0,39}")  # a letter, then up to _NAME_LENGTH - 1 more
# The filters of `Index.records`, in the order the CLI and the docs list them.
FILTER_NAMES = (
    "component", "doc_type", "year", "since", "until", "section",
    "pii", "technology", "retention", "authority", "exemption",
)  # fmt: skip
_SINGLE_VALUED = ("since", "until")


@dataclass(frozen=True)
class Watch:
    """One saved search: its number and name, the query and filters, and the last indexing run
    it was checked against (`seen`)."""

    number: int
    name: str
    query: str
    filters: dict[str, Any]
    created: str
    seen: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "name": self.name, "query": self.query,
            "filters": self.filters, "created": self.created, "seen": self.seen,
        }  # fmt: skip

    def describe(self) -> str:
        return describe_search(self.query, self.filters)


def describe_search(query: str, filters: dict[str, Any]) -> str:
    """A query and its filters as one line: `"facial recognition" component=ICE type=PIA`."""
    parts = [json.dumps(query, ensure_ascii=False)] if query.strip() else []
    for name, value in filters.items():
        values = [value] if isinstance(value, str) else value
        shown = "type" if name == "doc_type" else name  # as the CLI and the API call it
        parts += [f"{shown}={v}" for v in values]
    return " ".join(parts)


@dataclass(frozen=True)
class WatchMatches:
    """The new or changed records one saved search matches."""

    watch: Watch
    documents: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.watch.number,
            "name": self.watch.name,
            "query": self.watch.query,
            "filters": self.watch.filters,
            "search": self.watch.describe(),
            "documents": self.documents,
        }


# -- the file --------------------------------------------------------------------------------


def _path(index_dir: Path) -> Path:
    return Path(index_dir) / WATCH_FILE


def _empty() -> dict[str, Any]:
    return {"format": _FORMAT, "next_number": 1, "last_run": 0, "watches": [], "runs": []}


def _read(index_dir: Path) -> dict[str, Any]:
    """The file's content; a fresh one when there is none; WatchFileError when it is corrupt."""
    path = _path(index_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _empty()
    except (OSError, UnicodeDecodeError) as exc:
        raise WatchFileError(f"cannot read the saved searches in {path}: {exc}") from exc
    try:
        data = json.loads(text)
        _check_shape(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise WatchFileError(
            f"the saved searches in {path} are not readable ({exc}); fix or remove the file"
        ) from exc
    return data


def _check_shape(data: Any) -> None:
    """Raise ValueError unless `data` is a saved searches file this version reads."""
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError(f"not a format {_FORMAT} file")
    for key in ("next_number", "last_run"):
        if not isinstance(data.get(key), int):
            raise ValueError(f"{key!r} is not a number")
    if not isinstance(data.get("watches"), list) or not isinstance(data.get("runs"), list):
        raise ValueError("'watches' or 'runs' is not a list")
    for entry in data["watches"]:
        _watch(entry)
    for run in data["runs"]:
        if not isinstance(run.get("run"), int) or not isinstance(run.get("changes"), list):
            raise ValueError("a run without its number or changes")
        for change in run["changes"]:
            if len(change) != 3 or not all(isinstance(part, str) for part in change):
                raise ValueError("a change is not [id, source, change]")


def _watch(entry: dict[str, Any]) -> Watch:
    watch = Watch(
        number=entry["number"],
        name=entry["name"],
        query=entry["query"],
        filters=entry["filters"],
        created=entry.get("created", ""),
        seen=entry["seen"],
    )
    if not isinstance(watch.number, int) or not isinstance(watch.seen, int):
        raise ValueError("a saved search's number is not a number")
    if not isinstance(watch.query, str) or not isinstance(watch.filters, dict):
        raise ValueError("a saved search's query or filters are not text and a mapping")
    return watch


def _write(index_dir: Path, data: dict[str, Any]) -> None:
    """Write the file atomically: a crash keeps the old one."""
    from .index import write_json

    write_json(_path(index_dir), data, indent=1)


@contextlib.contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """One process at a time reads and rewrites the saved searches."""
    if not filelock.AVAILABLE:
        yield
        return
    with open(Path(index_dir) / _LOCK_FILE, "a+b") as handle:
        if not filelock.wait_for_lock(handle, _LOCK_TIMEOUT):
            raise IndexBusyError(
                f"the saved searches of {index_dir} are being changed by another process; "
                "try again when it finishes"
            )
        try:
            yield
        finally:
            filelock.release(handle)


# -- saved searches ----------------------------------------------------------------------------


def list_watches(index_dir: Path) -> list[Watch]:
    """The saved searches of the index at `index_dir`, by number."""
    return [_watch(entry) for entry in _read(index_dir)["watches"]]


def add_watch(
    index_dir: Path, query: str = "", *, name: str | None = None, **filters: Any
) -> Watch:
    """Save a search of `query` and `filters` (those of `Index.search`) for the index at
    `index_dir`; it will report what is new or changed from the next indexing run on.

    The query is checked as `search` checks it: QuerySyntaxError or BadParameterError when it
    is wrong. `name` defaults to the query's words (`facial-recognition`).
    """
    from .query import Index

    filters = _clean_filters(filters)
    if not query.strip() and not filters:
        raise BadParameterError("a saved search needs words or at least one filter")
    if name is not None:
        _check_name(name)
    with Index(index_dir) as ix:
        ix.search(query, per_page=1, **filters)  # raises what `search` would
    with _locked(index_dir):
        data = _read(index_dir)
        taken = {entry["name"] for entry in data["watches"]}
        if name is not None and name in taken:
            raise BadParameterError(f"a saved search is named {name!r} already")
        watch = Watch(
            number=data["next_number"],
            name=name or _free_name(_name_from(query, filters), taken),
            query=query,
            filters=filters,
            created=_now(),
            seen=data["last_run"],  # runs before it was saved are not news to it
        )
        data["next_number"] += 1
        data["watches"].append(watch.to_dict())
        _write(index_dir, data)
    return watch


def remove_watch(index_dir: Path, name: str) -> Watch:
    """Remove the saved search with this name or number; BadParameterError when none has it."""
    with _locked(index_dir):
        data = _read(index_dir)
        watch = _find(data, name)
        data["watches"] = [e for e in data["watches"] if e["number"] != watch.number]
        _forget_seen_runs(data)
        _write(index_dir, data)
    return watch


def check_watches(index_dir: Path, names: Sequence[str] = ()) -> list[WatchMatches]:
    """For each saved search (or those named), the new or changed records it matches since it
    was last checked, newest first; then mark them seen."""
    from .query import Index

    with _locked(index_dir):
        data = _read(index_dir)
        chosen = [_find(data, n) for n in names] if names else _watches_in(data)
        if not chosen:
            return []
        with Index(index_dir) as ix:
            found = [
                WatchMatches(w, _matching(ix, w, _changes_since(data["runs"], w.seen)))
                for w in chosen
            ]
        numbers = {w.number for w in chosen}
        for entry in data["watches"]:
            if entry["number"] in numbers:
                entry["seen"] = data["last_run"]
        _forget_seen_runs(data)
        _write(index_dir, data)
    return found


def record_run(index_dir: Path, changes: Sequence[dict[str, Any]]) -> list[WatchMatches]:
    """Note an indexing run's new or changed records for the saved searches of `index_dir`,
    and return the ones each saved search matches (those with none left out). Nothing is
    written when the index has no saved searches."""
    from .query import Index

    keys = [[c["id"], c["source"], c["change"]] for c in changes]
    if not keys or not _path(index_dir).exists():
        return []
    with _locked(index_dir):
        data = _read(index_dir)
        if not data["watches"]:
            return []
        data["last_run"] += 1
        data["runs"].append({"run": data["last_run"], "at": _now(), "changes": keys})
        _write(index_dir, data)
        with Index(index_dir) as ix:
            found = [WatchMatches(w, _matching(ix, w, keys)) for w in _watches_in(data)]
    return [m for m in found if m.documents]


def _watches_in(data: dict[str, Any]) -> list[Watch]:
    return [_watch(entry) for entry in data["watches"]]


# -- matching ---------------------------------------------------------------------------------


def _changes_since(runs: list[dict[str, Any]], seen: int) -> list[list[str]]:
    """The changes of the runs after `seen`; a record changed twice counts once, as its latest
    change, except that a record new since then stays new."""
    latest: dict[tuple[str, str], list[str]] = {}
    for run in runs:
        if run["run"] <= seen:
            continue
        for record_id, source, change in run["changes"]:
            earlier = latest.get((record_id, source))
            kept = "new" if earlier and earlier[2] == "new" else change
            latest[(record_id, source)] = [record_id, source, kept]
    return list(latest.values())


def _matching(ix: Any, watch: Watch, changes: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """The records among `changes` ([id, source, change]) that the saved search finds, newest
    first."""
    from .index import changed_record

    wanted = {(record_id, source): change for record_id, source, change in changes}
    if not wanted:
        return []
    found = [
        changed_record(record, wanted[(record.id, record.source)])
        for record in ix.records(query=watch.query, **watch.filters)
        if (record.id, record.source) in wanted
    ]
    return sorted(found, key=lambda d: (d["date"] or "", d["id"]), reverse=True)


def _forget_seen_runs(data: dict[str, Any]) -> None:
    """Drop the runs every saved search has been checked against (all, with none left)."""
    oldest = min((entry["seen"] for entry in data["watches"]), default=data["last_run"])
    data["runs"] = [run for run in data["runs"] if run["run"] > oldest]


# -- names and filters --------------------------------------------------------------------------


def _clean_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters given (not empty), as lists, except the dates; unknown names refused."""
    unknown = sorted(set(filters) - set(FILTER_NAMES))
    if unknown:
        raise BadParameterError(f"unknown filter {unknown[0]!r}; use {', '.join(FILTER_NAMES)}")
    cleaned: dict[str, Any] = {}
    for name in FILTER_NAMES:
        value = filters.get(name)
        if not value:
            continue
        if name in _SINGLE_VALUED:
            cleaned[name] = str(value)
        else:
            cleaned[name] = [value] if isinstance(value, str) else [str(v) for v in value]
    return cleaned


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise BadParameterError(
            f"a saved search's name is a letter and up to {_NAME_LENGTH - 1} letters, digits, "
            f"'-', '_' or '.': not {name!r}"
        )


def _name_from(query: str, filters: dict[str, Any]) -> str:
    """`facial-recognition` for "facial recognition"; from the filters when there are no
    words (`component-ice`)."""
    words = re.findall(r"[a-z0-9]+", query.lower())
    if not words:
        values = [v if isinstance(v, str) else " ".join(v) for v in filters.values()]
        words = re.findall(r"[a-z0-9]+", " ".join(values).lower())
    name = "-".join(words)[:_NAME_LENGTH].strip("-")
    return name if name[:1].isalpha() else f"search-{name}".strip("-")


def _free_name(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`, ... when another saved search has it."""
    if name not in taken:
        return name
    n = 2
    while f"{name}-{n}" in taken:
        n += 1
    return f"{name}-{n}"


def _find(data: dict[str, Any], name: str) -> Watch:
    """The saved search with this name, or number (`3` or `#3`)."""
    number = name.lstrip("#")
    for watch in _watches_in(data):
        if watch.name == name or (number.isdigit() and watch.number == int(number)):
            return watch
    names = ", ".join(f"#{w.number} {w.name}" for w in _watches_in(data)) or "none"
    raise BadParameterError(f"no saved search is named {name!r} (saved: {names})")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
