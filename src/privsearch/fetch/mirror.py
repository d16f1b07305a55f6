"""The local mirror: files written atomically, and a state file saying where each came from.

    MIRROR/
      .privsearch/state.sqlite   one row per URL: file, ETag, Last-Modified, sha256, when, outcome
      .privsearch/lock           held by the one fetch that writes this mirror
      .privsearch/listings/      listing pages and API pages (read again on a 304, not indexed)
      dhs/                       the DHS website, by URL path (dhs/publication/<slug>.html, ...)
      dhs/.privsearch-site       the site's address, so the ingester can resolve /site/paths
      federal-register/          <document_number>.json (API metadata) and .txt (full text)

A file is written to a temporary file in `.privsearch/tmp/`, flushed to disk, then renamed
into place, and only then recorded in the state: a fetch killed at any moment leaves whole
files, and the next one asks again for whatever the state does not vouch for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import filelock
from ..errors import PrivsearchError
from ..ingest.site import SITE_MARKER

STATE_DIR = ".privsearch"
_LOCK_WAIT = 5.0  # seconds a second fetch waits for the first before saying the mirror is busy


class MirrorBusyError(PrivsearchError):
    """Another fetch is writing this mirror."""

    status = 409


@dataclass(frozen=True)
class Entry:
    """What the state says of one URL."""

    url: str
    path: str  # relative to the mirror root; "" when nothing was stored
    etag: str | None
    last_modified: str | None
    sha256: str
    fetched_at: str
    outcome: str  # "ok" (stored whole), "unchanged" (304 or same bytes), or a failure reason


_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
  url TEXT PRIMARY KEY, path TEXT NOT NULL, etag TEXT, last_modified TEXT,
  sha256 TEXT NOT NULL, fetched_at TEXT NOT NULL, outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS done (
  key TEXT PRIMARY KEY, source TEXT NOT NULL, fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Mirror:
    """A mirror folder and its state; use as a context manager to hold the mirror's lock."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._state_dir = self.root / STATE_DIR
        self._db: sqlite3.Connection | None = None
        self._lock_file: object = None
        self._guard = threading.Lock()

    # -- opening and locking -------------------------------------------------------------------

    def __enter__(self) -> Mirror:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, wait: float = _LOCK_WAIT) -> None:
        """Take the mirror's lock (or raise MirrorBusyError), clear leftovers, open the state."""
        try:
            (self._state_dir / "tmp").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrivsearchError(
                f"cannot write to the mirror folder {self.root}: {exc.strerror or exc}"
            ) from exc
        self._lock(wait)
        # Temporary files of a fetch that was killed: never renamed, so never part of the mirror.
        shutil.rmtree(self._state_dir / "tmp", ignore_errors=True)
        (self._state_dir / "tmp").mkdir(exist_ok=True)
        db = sqlite3.connect(self._state_dir / "state.sqlite", check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        handle = self._lock_file
        self._lock_file = None
        if handle is not None:
            handle.close()  # type: ignore[attr-defined]  # closing releases the flock

    def _lock(self, wait: float) -> None:
        if not filelock.AVAILABLE:  # not on this platform: one fetch at a time is up to the user
            return
        handle = open(self._state_dir / "lock", "a+b")  # noqa: SIM115 - held until close()
        try:
            locked = filelock.wait_for_lock(handle, wait)
        except OSError:
            handle.close()
            raise
        if not locked:
            handle.close()
            raise MirrorBusyError(
                f"the mirror at {self.root} is being fetched by another process; try again "
                "when it finishes"
            )
        self._lock_file = handle

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the mirror is not open")
        return self._db

    # -- the state -----------------------------------------------------------------------------

    def entry(self, url: str) -> Entry | None:
        """The state of `url`; None if never fetched. A stored file that has since gone from
        disk is forgotten, so that it is fetched again in full."""
        with self._guard:
            row = self.db.execute(
                "SELECT url, path, etag, last_modified, sha256, fetched_at, outcome "
                "FROM files WHERE url = ?",
                (url,),
            ).fetchone()
        if row is None:
            return None
        entry = Entry(*row)
        if entry.path and not (self.root / entry.path).is_file():
            return None
        return entry

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) to make a request for `url` conditional, if its file is here."""
        entry = self.entry(url)
        if entry is None or not entry.path or entry.outcome not in ("ok", "unchanged"):
            return None, None
        return entry.etag, entry.last_modified

    def read(self, url: str) -> bytes | None:
        """The stored bytes for `url`, or None."""
        entry = self.entry(url)
        if entry is None or not entry.path:
            return None
        try:
            return (self.root / entry.path).read_bytes()
        except OSError:
            return None

    def store(
        self,
        url: str,
        relpath: str,
        body: bytes,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> bool:
        """Write `body` as `relpath` atomically and record it; True if the file changed."""
        sha = hashlib.sha256(body).hexdigest()
        target = self.root / relpath
        previous = self.entry(url)
        changed = not (previous and previous.sha256 == sha and previous.path == relpath)
        if changed or _sha256_of(target) != sha:  # the file on disk is what the state says
            self._write_atomically(target, body)
        self._record(url, relpath, etag, last_modified, sha, "ok" if changed else "unchanged")
        return changed

    def not_modified(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Record a 304: the stored file is still current."""
        entry = self.entry(url)
        if entry is None:
            return
        self._record(
            url, entry.path, etag or entry.etag, last_modified or entry.last_modified,
            entry.sha256, "unchanged",
        )  # fmt: skip

    def failed(self, url: str, reason: str) -> None:
        """Record a failure; a file stored earlier for `url` stays as it was."""
        entry = self.entry(url)
        if entry is not None:  # keep what we have and its validators; note the failure
            return
        self._record(url, "", None, None, "", reason)

    def _record(
        self, url: str, path: str, etag: str | None, modified: str | None, sha: str, outcome: str
    ) -> None:
        with self._guard, self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                (url, path, etag, modified, sha, _now(), outcome),
            )

    def is_done(self, key: str) -> bool:
        """Whether a publication (page and attachments, or notice and text) is complete here."""
        with self._guard:
            row = self.db.execute("SELECT 1 FROM done WHERE key = ?", (key,)).fetchone()
        return row is not None

    def mark_done(self, key: str, source: str) -> None:
        with self._guard, self.db:
            self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?, ?)", (key, source, _now()))

    def unmark_done(self, key: str) -> None:
        with self._guard, self.db:
            self.db.execute("DELETE FROM done WHERE key = ?", (key,))

    def get_meta(self, key: str) -> str | None:
        with self._guard:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._guard, self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def counts(self) -> dict[str, int]:
        """Files by outcome, for `privsearch fetch --json`."""
        with self._guard:
            rows = self.db.execute("SELECT outcome, COUNT(*) FROM files GROUP BY outcome")
            return {outcome: n for outcome, n in rows}

    # -- files ---------------------------------------------------------------------------------

    def _write_atomically(self, target: Path, body: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._state_dir / "tmp", prefix="part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def write_site_marker(self, folder: str, base_url: str) -> None:
        """Say which site `folder` mirrors, so that links like /sites/x.pdf resolve inside it."""
        body = json.dumps({"url": base_url.rstrip("/")}).encode()
        target = self.root / folder / SITE_MARKER
        if not target.is_file() or target.read_bytes() != body:
            self._write_atomically(target, body)


def _sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@contextlib.contextmanager
def opened(root: Path) -> Iterator[Mirror]:
    """Open the mirror at `root`, holding its lock until the block ends."""
    mirror = Mirror(root)
    mirror.open()
    try:
        yield mirror
    finally:
        mirror.close()
