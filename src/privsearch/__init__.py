"""privsearch: full-text search over U.S. Department of Homeland Security privacy publications.

>>> import privsearch
>>> results = privsearch.open_index("index").search("facial recognition", component="ICE")
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    BadParameterError,
    IndexBusyError,
    IndexNotFoundError,
    IndexVersionError,
    IngestError,
    NoEarlierVersionError,
    NotComparableError,
    PrivsearchError,
    QuerySyntaxError,
    QueryTooExpensiveError,
    RecordNotFoundError,
    WatchFileError,
)
from .models import (  # noqa: E402
    Hit,
    Page,
    Record,
    Reference,
    Risk,
    SearchResults,
    Section,
    Skip,
    SuggestedDocument,
    Suggestions,
)

# The rest is imported on first use: a search needs neither the fetcher (httpx) nor the
# readers (pypdf, lxml) nor nltk's corpus tools, and importing them all would cost a command
# line search most of its time. Name -> (module, attribute).
_LAZY = {
    "FETCH_SOURCES": (".config", "FETCH_SOURCES"),
    "FetchReport": (".fetch", "FetchReport"),
    "MirrorBusyError": (".fetch", "MirrorBusyError"),
    "fetch": (".fetch", "fetch"),
    "Index": (".query", "Index"),
    "open_index": (".query", "open_index"),
    "IndexReport": (".index", "IndexReport"),
    "build_index": (".index", "build_index"),
    "read_records": (".ingest", "read_paths"),
    "UpdateReport": (".update", "UpdateReport"),
    "update": (".update", "update"),
    "evaluate": (".evaluate", "evaluate"),
    "describe_explanation": (".explain", "describe_explanation"),
    "propose_stopwords": (".analyze", "propose_stopwords"),
    "quote_query": (".querylang", "quote_query"),
    "check_date": (".querylang", "check_date"),
    "section_texts": (".structure", "section_texts"),
    "risk_rows": (".structure", "risk_rows"),
    "section_title": (".structure", "section_title"),
    "section_key": (".structure.sections", "section_key"),
    "Watch": (".watch", "Watch"),
    "add_watch": (".watch", "add_watch"),
    "check_watches": (".watch", "check_watches"),
    "list_watches": (".watch", "list_watches"),
    "remove_watch": (".watch", "remove_watch"),
    "Graph": (".graph", "Graph"),
    "graph_csv": (".graph", "graph_csv"),
    "graph_dot": (".graph", "graph_dot"),
    "LINK_KIND_TITLES": (".graph", "KIND_TITLES"),
    "check_graph": (".graph", "check_graph"),
    "CHECKS": (".graph", "CHECKS"),
    "DocumentDiff": (".diff", "DocumentDiff"),
    "diff_documents": (".diff", "diff_documents"),
    "diff_records": (".diff", "diff_records"),
}

if TYPE_CHECKING:
    from .analyze import propose_stopwords
    from .config import FETCH_SOURCES
    from .diff import DocumentDiff, diff_documents, diff_records
    from .evaluate import evaluate
    from .explain import describe_explanation
    from .fetch import FetchReport, MirrorBusyError, fetch
    from .graph import CHECKS, Graph, check_graph, graph_csv, graph_dot
    from .graph import KIND_TITLES as LINK_KIND_TITLES
    from .index import IndexReport, build_index
    from .ingest import read_paths as read_records
    from .query import Index, open_index
    from .querylang import check_date, quote_query
    from .structure import risk_rows, section_texts, section_title
    from .structure.sections import section_key
    from .update import UpdateReport, update
    from .watch import Watch, add_watch, check_watches, list_watches, remove_watch


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'privsearch' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name, __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """Keeps `privsearch.fetch`, `.update` and `.evaluate` the functions of those names.

    Importing a submodule binds its name in the package: the first `import privsearch.fetch`
    would otherwise replace the function `privsearch.fetch` by the module.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name, ("", ""))[0] == "." + name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "CHECKS",
    "FETCH_SOURCES",
    "BadParameterError",
    "DocumentDiff",
    "FetchReport",
    "Graph",
    "Hit",
    "Index",
    "IndexBusyError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexVersionError",
    "IngestError",
    "LINK_KIND_TITLES",
    "MirrorBusyError",
    "NoEarlierVersionError",
    "NotComparableError",
    "Page",
    "PrivsearchError",
    "QuerySyntaxError",
    "QueryTooExpensiveError",
    "Record",
    "RecordNotFoundError",
    "Reference",
    "Risk",
    "SearchResults",
    "Section",
    "Skip",
    "SuggestedDocument",
    "Suggestions",
    "UpdateReport",
    "Watch",
    "WatchFileError",
    "__version__",
    "add_watch",
    "build_index",
    "check_date",
    "check_watches",
    "describe_explanation",
    "diff_documents",
    "diff_records",
    "evaluate",
    "fetch",
    "list_watches",
    "check_graph",
    "describe_explanation",
    "evaluate",
    "fetch",
    "graph_csv",
    "graph_dot",
    "open_index",
    "propose_stopwords",
    "quote_query",
    "read_records",
    "remove_watch",
    "risk_rows",
    "section_key",
    "section_texts",
    "section_title",
    "update",
]
