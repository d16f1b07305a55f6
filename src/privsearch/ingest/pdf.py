"""PDF text extraction in worker processes that can be killed.

pypdf runs in a small pool of reusable worker processes. Each worker has an address-space
limit; a worker that runs past the per-file time limit or dies is killed and replaced, and the
file is reported as skipped. Text extraction reads content streams only: images are never decoded.
The workers run pypdf with faster equivalents of its hot spots (`pypdf_speedups`).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import logging
import multiprocessing
import os
import re
import signal
import stat
import threading
import time
import unicodedata
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, BinaryIO

from ..config import Limits
from . import pypdf_speedups

DEFAULT_LIMITS = Limits()

NO_TEXT_LAYER = "no text layer"


@dataclass(frozen=True)
class PdfText:
    """What one PDF yielded: page texts (numbered from 1), its own title metadata, warnings."""

    path: str
    pages: tuple[tuple[int, str], ...]
    page_count: int
    title: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def has_text(self) -> bool:
        return any(text.strip() for _, text in self.pages)


# --- text cleanup --------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# The part of "data-\n  base" after the hyphen; the part before is found by looking back.
_BREAK_TAIL = re.compile(r"-\n\s*([a-z]{2,})\b")
# blanks that are not one space (written to start with a class, which re scans for quickly)
_SPACE_RUN = re.compile(r"[ \t\f\v](?:[ \t\f\v]+|(?<=[\t\f\v]))")
_BLANK_LINES = re.compile(r"\n\n\n+")


def clean_text(text: str) -> str:
    """Normalize whitespace, drop control characters, join words hyphenated across lines.

    A line-end hyphen is removed only between two lowercase fragments, and only when the
    hyphenated form does not also occur inside a line (then it is a real compound: "e-mail").
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).replace("\u00a0", " ").replace("\u00ad", "")
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACE_RUN.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n")).strip()
    if "-\n" in text:
        text = _join_line_breaks(text)
    return _BLANK_LINES.sub("\n\n", text).strip() if "\n\n\n" in text else text


def _join_line_breaks(text: str) -> str:
    """Join "data-" and "base" across a line break into "database": two lowercase fragments,
    each a whole word, unless "data-base" occurs in the text (then the hyphen stays)."""
    out: list[str] = []
    done = 0  # the text before this is settled
    for match in _BREAK_TAIL.finditer(text):
        hyphen = start = match.start()
        while start > done and "a" <= text[start - 1] <= "z":
            start -= 1
        before = text[start - 1] if start else " "
        if start == hyphen or before.isalnum() or before == "_":  # not the start of a word
            continue
        first, second = text[start:hyphen], match.group(1)
        hyphenated = f"{first}-{second}"
        keep = len(first) < 2 or hyphenated in text
        out += [text[done:start], hyphenated if keep else first + second]
        done = match.end()
    return "".join(out) + text[done:] if out else text


# --- work done inside a worker process -----------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: the time limit still applies
        return
    # The limit is on what the worker may add to the address space it already has after
    # fork, so a large parent does not leave the worker unable to allocate at all. RLIMIT_AS
    # is inherited by anything the worker might start (an external image decoder included).
    try:
        with open("/proc/self/statm") as f:
            baseline = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        baseline = 0
    limit = baseline + megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _configure_pypdf(limits: Limits) -> None:
    """Apply our caps to pypdf's own decoding limits, and never run an external decoder.

    Text extraction does not need images; turning off jbig2dec keeps a JBIG2 "bomb" (a
    content stream declaring gigabyte bitmaps) from being decoded even where it is installed.
    """
    cap = limits.pdf_max_stream_bytes
    caps = {
        "maximum_declared_stream_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "zlib_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "image_maximum_buffer_size": cap,
        "jbig2dec_binary": None,
    }
    try:
        from pypdf import Configuration, overwrite_configuration
    except ImportError:  # pypdf < 7 keeps these as module constants
        from pypdf import filters

        for name, value in (
            ("MAX_DECLARED_STREAM_LENGTH", cap),
            ("MAX_ARRAY_BASED_STREAM_OUTPUT_LENGTH", cap),
            ("ZLIB_MAX_OUTPUT_LENGTH", cap),
            ("LZW_MAX_OUTPUT_LENGTH", cap),
            ("RUN_LENGTH_MAX_OUTPUT_LENGTH", cap),
            ("JBIG2_MAX_OUTPUT_LENGTH", cap),
            ("FLATE_MAX_BUFFER_SIZE", cap),
            ("JBIG2DEC_BINARY", None),
        ):
            if hasattr(filters, name):
                setattr(filters, name, value)
        return
    known = {f for f in getattr(Configuration, "__dataclass_fields__", {})}
    overwrite_configuration(**{k: v for k, v in caps.items() if k in known})


# pypdf quotes the raw bytes around a fault ("... starting with b'F' @1566: b' 132 Tm'"):
# unreadable to a user, and a way for a file to put its own text in the run summary.
_RAW_EXCERPT = re.compile(r"""\s*(?:starting with\s*)?b(?:'|").*$""", re.DOTALL)


def _one_line(exc: BaseException) -> str:
    """The exception's type and message on one short line, without quoted raw PDF bytes."""
    message = _RAW_EXCERPT.sub("", " ".join(str(exc).split())).rstrip(" :")[:200]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _failed_pages_note(failed: list[int], wanted: int, problems: list[str]) -> str:
    """One line for every page that failed: "3 of 19 pages failed to extract: 2, 12
    (PdfReadError: Invalid Elementary Object); 13 (PdfStreamError: ...)"."""
    by_reason: dict[str, list[int]] = {}
    for problem in problems:
        page, _, reason = problem.partition(": ")
        if page.startswith("page "):
            by_reason.setdefault(reason, []).append(int(page.removeprefix("page ")))
    groups = [f"{_page_list(pages)} ({reason})" for reason, pages in list(by_reason.items())[:5]]
    if len(by_reason) > 5:
        groups.append("...")
    return f"{len(failed)} of {wanted} pages failed to extract: " + "; ".join(groups)


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(str(n) for n in pages[:20])
    return shown + (f" and {len(pages) - 20} more" if len(pages) > 20 else "")


def _memory_reason(limits: Limits) -> str:
    return f"exceeded the memory limit of {limits.pdf_memory_mb} MB (pdf_memory_mb)"


def _root_cause(exc: BaseException) -> BaseException:
    """pypdf wraps some failures (a RecursionError in "Error reading PDF file"): unwrap them."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 10:
        if isinstance(cause, (MemoryError, RecursionError)):
            return cause
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return exc


def _describe(exc: BaseException, limits: Limits) -> str:
    """A failure in words a user can act on (pypdf's own text where it says more)."""
    exc = _root_cause(exc)
    kind = type(exc).__name__
    if isinstance(exc, MemoryError):
        return _memory_reason(limits)
    if isinstance(exc, RecursionError):
        return "objects nested too deeply"
    if kind == "LimitReachedError":
        text = str(exc).lower()
        if "limit reached while decompressing" in text or (
            str(limits.pdf_max_stream_bytes) in text and "length" in text
        ):
            return (
                f"a stream is over the decompressed size limit of "
                f"{limits.pdf_max_stream_bytes} bytes (pdf_max_stream_bytes)"
            )
        return "a safety limit was reached: " + " ".join(str(exc).split())[:200]
    if kind == "DependencyError":
        return f"needs an image decoder, which text extraction does not use ({_one_line(exc)})"
    return _one_line(exc)


_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
)


# A file without the header can still be a PDF that pypdf reads: it starts with objects.
_PDF_OBJECT = re.compile(rb"^(?:%[^\n]*\n)?\s*\d+\s+\d+\s+obj\b")


def sniff(head: bytes) -> str:
    """What a file that is not a PDF looks like, for the skip reason."""
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")) or (
        b"<html" in head.lower()
    ):
        return "HTML"
    if b"\x00" in head:
        return "binary data"
    return "text"


class _LimitsHit(logging.Handler):
    """The safety limits pypdf reached but only logged: it reads past a Form XObject whose
    stream is a zip bomb with a warning, which would leave the page looking textless."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        values = record.args if isinstance(record.args, dict) else {}
        if not values and record.args and isinstance(record.args[0], dict):
            values = record.args[0]
        exc = values.get("exception") if isinstance(values, dict) else None
        if isinstance(exc, BaseException) and len(self.errors) < 10:
            cause = _root_cause(exc)
            if type(cause).__name__ == "LimitReachedError" or isinstance(cause, MemoryError):
                self.errors.append(cause)


_LIMITS_HIT = _LimitsHit()


def _extract(path: str, limits: Limits) -> dict[str, Any]:
    """Read one PDF with pypdf, page by page. Returns a plain dict (it crosses a pipe)."""
    try:
        handle = _open_regular(path)
    except OSError as exc:
        return {"ok": False, "reason": f"cannot read file ({(exc.strerror or str(exc)).lower()})"}
    except ValueError as exc:
        return {"ok": False, "reason": str(exc)}
    with handle:
        return _extract_from(handle, limits)


def _open_regular(path: str) -> BinaryIO:
    """The file at `path`, opened as it is now: not through a link, never waiting (a FIFO
    swapped in since the scan is refused, not blocked on), and a regular file. ValueError says
    why not."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ValueError("not a regular file (symbolic link)") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError("not a regular file")
    return os.fdopen(fd, "rb")


def _extract_from(handle: BinaryIO, limits: Limits) -> dict[str, Any]:
    """What `_extract` returns, for the PDF open as `handle`."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    size = os.fstat(handle.fileno()).st_size
    if size == 0:
        return {"ok": False, "reason": "empty file"}
    if size > limits.pdf_max_bytes:
        return {"ok": False, "reason": f"too large ({size} bytes; limit {limits.pdf_max_bytes})"}
    head = handle.read(1024)
    handle.seek(0)
    if b"%PDF-" not in head and not _PDF_OBJECT.search(head):
        return {
            "ok": False,
            "reason": f"not a PDF (no %PDF header; the file looks like {sniff(head)})",
        }
    try:
        # Read whole, as pypdf itself reads a file given by its path.
        reader = PdfReader(io.BytesIO(handle.read()), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return {"ok": False, "reason": "encrypted (password required)"}
            except (FileNotDecryptedError, NotImplementedError) as exc:
                return {"ok": False, "reason": f"encrypted ({_one_line(exc)})"}
        page_count = len(reader.pages)
    except MemoryError:
        return {"ok": False, "reason": _memory_reason(limits)}
    except (PdfReadError, Exception) as exc:  # noqa: B014 - any parser failure is a corrupt file
        return {"ok": False, "reason": f"corrupt PDF ({_describe(exc, limits)})"}

    title = ""
    with contextlib.suppress(Exception):
        meta = reader.metadata
        if meta and meta.title:
            title = " ".join(str(meta.title)[:2000].split())[:500]

    pages: list[tuple[int, str]] = []
    problems: list[str] = []
    failed: list[int] = []
    chars = 0
    wanted = min(page_count, limits.pdf_max_pages)
    limited: list[str] = []  # what pypdf left out of pages it read, past a safety limit
    for number in range(1, wanted + 1):
        _LIMITS_HIT.errors.clear()
        try:
            raw = reader.pages[number - 1].extract_text() or ""
        except Exception as exc:  # one bad page must not lose the others (MemoryError too)
            failed.append(number)
            problems.append(f"page {number}: {_describe(exc, limits)}")
            continue
        if _LIMITS_HIT.errors and len(limited) < 5:
            limited.append(f"page {number}: {_describe(_LIMITS_HIT.errors[0], limits)}")
        text = clean_text(raw)
        if chars + len(text) > limits.pdf_max_chars:
            text = text[: max(0, limits.pdf_max_chars - chars)]
            pages.append((number, text))
            problems.append(f"text truncated at {limits.pdf_max_chars} characters")
            break
        chars += len(text)
        pages.append((number, text))
    notes: list[str] = []
    if failed:
        notes.append(_failed_pages_note(failed, wanted, problems))
    notes.extend(p for p in problems if not p.startswith("page "))
    if page_count > wanted:
        notes.append(f"only the first {wanted} of {page_count} pages read (limit pdf_max_pages)")
    if limited and not any(text for _, text in pages) and not failed:
        first = limited[0].partition(": ")[2]
        return {"ok": False, "reason": f"no page could be extracted: {first}"}
    notes.extend(note.replace(": ", ": some text left out: ", 1) for note in limited)
    if pages and not any(text for _, text in pages):
        notes.append(NO_TEXT_LAYER)
    if not pages and failed:
        first = problems[0].partition(": ")[2]
        if all(p.partition(": ")[2] == first for p in problems if p.startswith("page ")):
            return {"ok": False, "reason": f"no page could be extracted: {first}"}
        return {"ok": False, "reason": f"no page could be extracted: {problems[0]}"}
    return {
        "ok": True,
        "pages": pages,
        "page_count": page_count,
        "title": title,
        "warnings": notes,
    }


def _worker_main(conn: Connection, limits: Limits) -> None:
    warnings.simplefilter("ignore")
    # pypdf's warnings are not shown; the limits it reached while reading past them are kept.
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.setLevel(logging.WARNING)
    pypdf_log.propagate = False
    pypdf_log.handlers[:] = [_LIMITS_HIT]
    _configure_pypdf(limits)  # imports pypdf before the memory limit counts against it
    pypdf_speedups.install()
    # What the worker inherited stays put: the collector neither scans it nor copies its pages
    gc.freeze()
    _limit_memory(limits.pdf_memory_mb)
    parent = os.getppid()
    while True:
        try:
            # A forked worker shares the run's end of its pipe, so the run's end (kill -9
            # included) may not read here as the pipe's end: it watches its parent as well.
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            path = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if path is None:
            return
        try:
            with pypdf_speedups.one_document():
                result = _extract(path, limits)
        except Exception as exc:  # the worker itself must survive any one file
            result = {"ok": False, "reason": f"unreadable ({_describe(exc, limits)})"}
        try:
            conn.send(result)
        except Exception as exc:  # e.g. the result could not be pickled
            conn.send({"ok": False, "reason": f"unreadable ({_one_line(exc)})"})


# --- the pool, in the parent ---------------------------------------------------------------


def worker_context() -> multiprocessing.context.BaseContext:
    """How to start a worker process from this one."""
    # fork is the cheapest start, but forking a multi-threaded process can deadlock the child.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process and the files sent to it, in the order it reads them: the first is
    being read, the others wait in its pipe."""

    def __init__(self, ctx: multiprocessing.context.BaseContext, limits: Limits) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, limits), daemon=True)
        self.process.start()
        child.close()
        self.queue: deque[str] = deque()
        self.deadline = 0.0  # for the file being read
        self.full = False  # takes no more files (its pipe is broken)

    def kill(self) -> None:
        kill_worker(self.process, self.conn)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()


class PdfPool:
    """Up to `limits.workers` PDF extractions at a time, each under the per-file limits.

    Use as a context manager; `extract(paths)` yields (path, PdfText or skip reason) as each
    file completes. Each worker has its next file waiting in its pipe while it reads one, so
    it never waits for the caller between files; the time limit counts from when a worker
    starts a file. Files can be read ahead, before they are asked for: `prefetch(path)` queues
    one and `pump()`, called now and then, keeps the workers busy without waiting for them.
    """

    DEPTH = 2  # files in flight per worker
    READ_AHEAD = 256  # files read ahead and not yet asked for, at most
    READ_AHEAD_CHARS = 16_000_000  # no more files are started while results hold this much

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        import pypdf  # noqa: F401 - imported once here; forked workers start with it

        from .html import set_worker_limits

        # Pages are parsed in a worker of their own, under the same per-file limits.
        set_worker_limits(limits.pdf_timeout, limits.pdf_memory_mb)
        self.limits = limits
        self.size = max(1, limits.workers or os.cpu_count() or 1)
        self._idle: list[_Worker] = []
        self._busy: dict[Connection, _Worker] = {}
        self._pending: deque[str] = deque()  # not yet sent to a worker
        self._done: dict[str, PdfText | str] = {}  # finished, not yet handed over
        self._done_chars = 0  # their text
        self._queued: set[str] = set()  # pending, in a worker, or done

    def __enter__(self) -> PdfPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._drop_all()
        while self._idle:
            self._idle.pop().stop()

    def prefetch(self, path: str) -> None:
        """Queue `path` to be read before it is asked for, unless READ_AHEAD files are."""
        if path not in self._queued and len(self._queued) < self.READ_AHEAD:
            self._pending.append(path)
            self._queued.add(path)

    def pump(self) -> None:
        """Send queued files to idle workers and keep what finished; never waits."""
        self._collect(wait_up_to=0.0)
        if self._done_chars < self.READ_AHEAD_CHARS:
            self._start()

    def extract(self, paths: Iterable[str]) -> Iterator[tuple[str, PdfText | str]]:
        wanted = list(dict.fromkeys(paths))
        remaining = set(wanted)
        # Files read ahead that nobody asks for are not started.
        self._queued.difference_update(p for p in self._pending if p not in remaining)
        self._pending = deque(p for p in self._pending if p in remaining)
        for path in wanted:
            if path not in self._queued:
                self._pending.append(path)
                self._queued.add(path)
        try:
            while remaining:
                # Every worker gets its next files before any result is handed over: the
                # caller's work on a result must not leave a worker waiting.
                self._start()
                done = [p for p in self._done if p in remaining]
                if not done:
                    self._collect(wait_up_to=None)
                    self._start()
                    done = [p for p in self._done if p in remaining]
                for path in done:
                    remaining.discard(path)
                    self._queued.discard(path)
                    result = self._done.pop(path)
                    self._done_chars -= _chars(result)
                    yield path, result
        finally:
            if remaining:  # the caller stopped early: nothing of this call is wanted now
                self._drop_all()

    def _drop_all(self) -> None:
        for worker in self._busy.values():
            worker.kill()
        self._busy.clear()
        self._pending.clear()
        self._done.clear()
        self._done_chars = 0
        self._queued.clear()

    def _start(self) -> None:
        """Send files until every worker has DEPTH in flight, one each to all workers first;
        files refused unread are done at once."""
        for depth in range(1, self.DEPTH + 1):
            while self._pending:
                worker = self._worker_with_room(depth)
                if worker is None:
                    break
                path = self._pending.popleft()
                reason = self._precheck(path)
                if reason:
                    self._keep(path, reason)
                    continue
                if worker.queue:
                    try:
                        worker.conn.send(path)
                    except OSError:  # it has just died: _collect reports its file
                        worker.full = True
                        self._pending.appendleft(path)
                        continue
                else:
                    worker = self._send_first(worker, path)
                    worker.deadline = time.monotonic() + self.limits.pdf_timeout
                worker.queue.append(path)
                self._busy[worker.conn] = worker

    def _worker_with_room(self, depth: int) -> _Worker | None:
        """A busy worker with fewer than `depth` files, else an idle or new one (up to size)."""
        for worker in self._busy.values():
            if len(worker.queue) < depth and not worker.full:
                return worker
        if len(self._busy) < self.size:
            return self._idle.pop() if self._idle else _Worker(worker_context(), self.limits)
        return None

    def _send_first(self, worker: _Worker, path: str) -> _Worker:
        try:
            worker.conn.send(path)
        except OSError:  # a stale idle worker: replace it once
            worker.kill()
            worker = _Worker(worker_context(), self.limits)
            worker.conn.send(path)
        return worker

    def _precheck(self, path: str) -> str | None:
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            return f"cannot read file ({(exc.strerror or str(exc)).lower()})"
        if size > self.limits.pdf_max_bytes:
            return f"too large ({size} bytes; limit {self.limits.pdf_max_bytes})"
        return None

    def _collect(self, wait_up_to: float | None) -> None:
        """Keep the results that are in, waiting for the first one at most `wait_up_to`
        seconds (None: until the first result or deadline). Files waiting behind one that
        killed its worker go back to the front of the queue."""
        if not self._busy:
            return
        wait_for = max(0.0, min(w.deadline for w in self._busy.values()) - time.monotonic())
        if wait_up_to is not None:
            wait_for = min(wait_for, wait_up_to)
        for conn in wait(list(self._busy), timeout=wait_for):
            worker = self._busy[conn]  # type: ignore[index]
            path = worker.queue.popleft()
            try:
                result = worker.conn.recv()
            except (EOFError, OSError):
                self._lose(worker)
                self._keep(path, _crash_reason(worker.process.exitcode))
                continue
            self._keep(path, _to_pdf_text(path, result))
            if worker.queue:  # it has started on the next one
                worker.deadline = time.monotonic() + self.limits.pdf_timeout
            else:
                del self._busy[conn]  # type: ignore[arg-type]
                self._idle.append(worker)
        now = time.monotonic()
        for worker in list(self._busy.values()):
            if worker.deadline <= now:
                path = worker.queue.popleft()
                self._lose(worker)
                self._keep(path, f"timed out after {self.limits.pdf_timeout:g} s")

    def _keep(self, path: str, result: PdfText | str) -> None:
        self._done[path] = result
        self._done_chars += _chars(result)

    def _lose(self, worker: _Worker) -> None:
        """Kill a worker; the files it had not started are read by another."""
        del self._busy[worker.conn]
        worker.kill()
        self._pending.extendleft(reversed(worker.queue))
        worker.queue.clear()


def _chars(result: PdfText | str) -> int:
    return sum(len(text) for _, text in result.pages) if isinstance(result, PdfText) else 0


def _crash_reason(code: int | None) -> str:
    return f"extraction crashed (worker {exit_reason(code)})"


def exit_reason(code: int | None) -> str:
    """How a worker process ended: "killed by SIGKILL", "exit code 1"."""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def kill_worker(process: Any, conn: Any) -> None:
    """Kill a worker process now, wait for it, and close its pipe."""
    with contextlib.suppress(Exception):
        process.kill()
    process.join(timeout=5)
    with contextlib.suppress(Exception):
        conn.close()


def _to_pdf_text(path: str, result: dict[str, Any]) -> PdfText | str:
    if not result.get("ok"):
        return str(result.get("reason") or "unreadable")
    return PdfText(
        path=path,
        pages=tuple((int(n), str(t)) for n, t in result["pages"]),
        page_count=int(result["page_count"]),
        title=str(result.get("title") or ""),
        warnings=tuple(result.get("warnings") or ()),
    )


def extract_pdf(path: Path | str, limits: Limits = DEFAULT_LIMITS) -> PdfText | str:
    """Extract one PDF in a worker process: its text, or the reason it was skipped."""
    with PdfPool(Limits(**{**limits.__dict__, "workers": 1})) as pool:
        for _, result in pool.extract([str(path)]):
            return result
    return "not read"
