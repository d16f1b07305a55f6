"""privsearch: full-text search over U.S. Department of Homeland Security privacy publications.

>>> import privsearch
>>> results = privsearch.open_index("index").search("facial recognition", component="ICE")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .analyze import propose_stopwords  # noqa: E402
from .errors import (  # noqa: E402
    BadParameterError,
    IndexBusyError,
    IndexNotFoundError,
    IndexVersionError,
    IngestError,
    PrivsearchError,
    QuerySyntaxError,
    QueryTooExpensiveError,
    RecordNotFoundError,
)
from .evaluate import evaluate  # noqa: E402
from .explain import describe_explanation  # noqa: E402
from .fetch import SOURCES as FETCH_SOURCES  # noqa: E402
from .fetch import FetchReport, MirrorBusyError, fetch  # noqa: E402
from .index import IndexReport, build_index  # noqa: E402
from .ingest import read_paths as read_records  # noqa: E402
from .models import Hit, Page, Record, SearchResults, Skip  # noqa: E402
from .query import Index, open_index  # noqa: E402
from .querylang import quote_query  # noqa: E402
from .update import UpdateReport, update  # noqa: E402

__all__ = [
    "FETCH_SOURCES",
    "BadParameterError",
    "FetchReport",
    "Hit",
    "Index",
    "IndexBusyError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexVersionError",
    "IngestError",
    "MirrorBusyError",
    "Page",
    "PrivsearchError",
    "QuerySyntaxError",
    "QueryTooExpensiveError",
    "Record",
    "RecordNotFoundError",
    "SearchResults",
    "Skip",
    "UpdateReport",
    "__version__",
    "build_index",
    "describe_explanation",
    "evaluate",
    "fetch",
    "open_index",
    "propose_stopwords",
    "quote_query",
    "read_records",
    "update",
]
