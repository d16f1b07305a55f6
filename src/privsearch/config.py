"""Settings: explicit arguments > PRIVSEARCH_* environment variables > defaults.

This is the only module that reads the environment.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import PrivsearchError

_ENV_PREFIX = "PRIVSEARCH_"
FETCH_SOURCES = ("dhs", "federal-register")  # where `privsearch fetch` gets publications


@dataclass(frozen=True)
class Limits:
    """Caps that keep one hostile input file from taking a run down.

    Each field can be set with the environment variable PRIVSEARCH_<FIELD> (upper case), e.g.
    PRIVSEARCH_PDF_MEMORY_MB=512. SECURITY.md says what each one guards against.
    """

    pdf_timeout: float = 60.0  # seconds for one PDF, in a worker process that can be killed
    pdf_max_pages: int = 2000  # pages read per PDF; the rest are left out with a warning
    pdf_max_chars: int = 5_000_000  # extracted characters kept per PDF
    pdf_max_bytes: int = 200 * 1024 * 1024  # larger files are skipped unread
    pdf_max_stream_bytes: int = 75_000_000  # one stream, decompressed (pypdf's own default)
    pdf_memory_mb: int = 1024  # address-space limit of a PDF worker, above what it starts with
    html_max_bytes: int = 10 * 1024 * 1024  # larger pages, text listings, manifests are skipped
    workers: int = 0  # 0 = one per core; PDF workers, and index writers for a large run
    index_memory_mb: int = 256  # postings the run's writers hold in memory together, then spill
    parallel_index_mb: float = 0.25  # text a run reads before it indexes in worker processes
    manifest_max_rows: int = 50_000  # rows read per manifest; the rest are left out
    run_max_records: int = 200_000  # records one run adds; the sources after are left unread
    # PDFs a page or manifest links outside the folders being indexed are read only if set
    allow_outside_links: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(f.default, bool):
                if not isinstance(value, bool):
                    raise PrivsearchError(f"limit {f.name} must be true or false, not {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise PrivsearchError(f"limit {f.name} must be a number, not {value!r}")
            if not (value > 0 or (value == 0 and f.name == "workers")):
                raise PrivsearchError(f"limit {f.name} must be positive, not {value!r}")


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus_dir: Path = Path("corpus")
    mirror_dir: Path = Path("mirror")
    limits: Limits = Limits()


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    if isinstance(like, Path):
        return Path(value)
    return value


def load_settings(**overrides: Any) -> Settings:
    """Build settings; `overrides` (e.g. from CLI flags) win over the environment."""
    limits = Limits()
    for f in fields(Limits):
        name = f"{_ENV_PREFIX}{f.name.upper()}"
        raw = os.environ.get(name)
        if raw:
            try:
                value = _coerce(raw, getattr(limits, f.name))
            except ValueError:
                kind = type(getattr(limits, f.name)).__name__
                raise PrivsearchError(
                    f"{name}={raw!r} is not a valid {'whole number' if kind == 'int' else 'number'}"
                ) from None
            try:
                limits = replace(limits, **{f.name: value})
            except PrivsearchError as exc:
                raise PrivsearchError(f"{name}={raw!r}: {exc.message}") from None
    settings = Settings(limits=limits)
    for name in ("index_dir", "corpus_dir", "mirror_dir"):
        raw = os.environ.get(f"{_ENV_PREFIX}{name.upper()}")
        if raw:
            settings = replace(settings, **{name: Path(raw)})
    limit_overrides = {k: v for k, v in overrides.items() if hasattr(limits, k) and v is not None}
    if limit_overrides:
        settings = replace(settings, limits=replace(settings.limits, **limit_overrides))
    folders = ("index_dir", "corpus_dir", "mirror_dir")
    top = {k: v for k, v in overrides.items() if k in folders and v is not None}
    return replace(settings, **top) if top else settings


_SERVE_ENV = f"{_ENV_PREFIX}SERVE"


def export_serve_options(options: dict[str, Any]) -> None:
    """Hand `privsearch serve`'s options to the worker processes uvicorn starts."""
    os.environ[_SERVE_ENV] = json.dumps(options)


def serve_options() -> dict[str, Any]:
    """The options `export_serve_options` handed over ({} when there are none)."""
    return dict(json.loads(os.environ.get(_SERVE_ENV, "{}")))


FACET_FILE_ENV = {"pii": f"{_ENV_PREFIX}PII_FILE", "technology": f"{_ENV_PREFIX}TECHNOLOGY_FILE"}


def facet_files() -> dict[str, Path]:
    """Users' own taxonomy files for the privacy facets, by facet, from PRIVSEARCH_PII_FILE and
    PRIVSEARCH_TECHNOLOGY_FILE (each added to the shipped list of that facet)."""
    return {
        facet: Path(os.environ[env]) for facet, env in FACET_FILE_ENV.items() if os.environ.get(env)
    }
