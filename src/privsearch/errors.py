"""Every exception privsearch raises, in one place.

Each carries the HTTP status an API would answer with, so the edges (CLI, HTTP) translate
them once.
"""

from __future__ import annotations

from pathlib import Path


class PrivsearchError(Exception):
    """Base class: anything privsearch reports to a user."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IngestError(PrivsearchError):
    """One input file could not be read; the run skips it and says why."""

    status = 422

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class IndexNotFoundError(PrivsearchError):
    """No index exists at the given location."""

    status = 404


class IndexVersionError(PrivsearchError):
    """The index was built by another analyzer or schema version."""

    status = 409


class IndexBusyError(PrivsearchError):
    """Another process is writing the index."""

    status = 409


class RecordNotFoundError(PrivsearchError):
    """No record has the requested id."""

    status = 404


class QuerySyntaxError(PrivsearchError):
    """The query cannot be parsed; `hint` says how to fix or quote it."""

    status = 400

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message}. {hint}" if hint else message)
        self.reason = message
        self.hint = hint


class BadParameterError(PrivsearchError):
    """A search option (filter, page, sort) has an invalid value."""

    status = 400


class QueryTooExpensiveError(BadParameterError):
    """The query would take too long: too many terms, too broad a prefix, out of time."""

    status = 400


class WatchFileError(PrivsearchError):
    """The saved searches' file beside an index cannot be read as one; it is left as it is."""

    status = 500


class NoEarlierVersionError(RecordNotFoundError):
    """A document's changes were asked for and the index holds no earlier version of it."""


class NotComparableError(PrivsearchError):
    """A document cannot be compared with another: it has no text (only a listing entry)."""

    status = 422
