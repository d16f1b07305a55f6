"""One publication, one record: copies of a publication read from several places (a listing
entry and its page, a page and its PDF, a manifest row and a standalone PDF, the same folder in
two page templates) merged into one record that keeps the best of each.

Two records are copies when they are the same content (the same text, as the same PDF read
twice gives), or when they carry the same reference number or id and the same title and do
not state different dates. Editions stay apart: an update has its own reference number
("DHS/TSA/PIA-046(c)"), and two notices with the same number and different dates are
different publications.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..models import Record

# Below this many letters a text is too little to say two records are the same document.
_MIN_CONTENT = 400
_NOT_LETTERS = bytes(
    b for b in range(256) if not chr(b).isascii() or not chr(b).isalnum() or chr(b).isupper()
)


def merge_copies(records: Iterable[Record]) -> list[Record]:
    """`records` with the copies of each publication merged, in the order of first copies."""
    records = list(records)
    return [merge_records([records[i] for i in group]) for group in group_copies(records)]


def group_copies(records: Sequence[Record]) -> list[list[int]]:
    """The positions in `records` of each publication's copies, in the order of first copies.
    (An index that keeps every copy as read can group them with this, and show one.)"""
    groups: list[list[int]] = []
    by_key: dict[tuple[str, ...], int] = {}
    for i, record in enumerate(records):
        own = _own_keys(record)  # the costliest part (the text's digest): once per record
        keys = copy_keys(record, own)
        found = next((by_key[k] for k in keys if k in by_key), None)
        members = [records[j] for j in groups[found]] if found is not None else []
        # The same text is the same document whatever dates were read from it; a matching id
        # and title also need dates that agree.
        same_text = bool(keys) and keys[0][0] == "content" and keys[0] in by_key
        if (
            found is not None
            and not _same_source(members, record)
            and (same_text or _compatible(members, record))
        ):
            groups[found].append(i)
        else:
            found = len(groups)
            groups.append([i])
        for k in _known_by(record, own):
            by_key.setdefault(k, found)
    return groups


def copy_keys(
    record: Record, own: list[tuple[str, ...]] | None = None
) -> tuple[tuple[str, ...], ...]:
    """What `record` shares with a copy of it: its content, or its id and title. A document
    without a reference number also matches by title alone a copy that is only a title (a
    listing entry, a page without its PDF): two texts with one title may be two documents."""
    keys = [k for k in (_own_keys(record) if own is None else own) if k[0] != "title"]
    title = normalize_title(record.title)
    if title and not record.id.startswith("DHS/"):
        keys.append(("title", "untexted", title))
        if not record.pages:
            keys.append(("title", "texted", title))
    return tuple(keys)


def _own_keys(record: Record) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    content = content_fingerprint(record)
    if content:
        keys.append(("content", content))
    title = normalize_title(record.title)
    if title:
        keys.append(("id+title", record.id.lower(), title))
        # An extract of a document (its first page, saved apart) under the same title.
        first = _fingerprint(record.pages[0].text) if record.pages else ""
        if first:
            keys.append(("first page+title", first, title))
    return keys


def _known_by(record: Record, own: list[tuple[str, ...]] | None = None) -> list[tuple[str, ...]]:
    """The keys a later copy finds `record` by."""
    keys = list(_own_keys(record) if own is None else own)
    title = normalize_title(record.title)
    if title and not record.id.startswith("DHS/"):
        keys.append(("title", "texted" if record.pages else "untexted", title))
    return keys


def content_fingerprint(record: Record) -> str:
    """A digest of the record's text, its letters and digits only ("" when too short)."""
    return _fingerprint(record.body)


def _fingerprint(text: str) -> str:
    # Letters and digits a-z, 0-9 only: what is left of the lowered text once everything
    # else (spaces, punctuation, letters outside ASCII) is dropped, by bytes.translate, which
    # is ten times as fast as a regular expression over a long text.
    letters = text.lower().encode("ascii", "ignore").translate(None, _NOT_LETTERS)
    if len(letters) < _MIN_CONTENT:
        return ""
    return hashlib.sha1(letters).hexdigest()


def normalize_title(title: str) -> str:
    return re.sub(r"\W+", " ", title).strip().lower()


def _same_source(group: Sequence[Record], record: Record) -> bool:
    """Whether `record` comes from a file a record of `group` comes from: a file that lists
    one PDF under two ids (a manifest's rows) means two publications."""
    return any(r.source == record.source for r in group)


def _compatible(group: Sequence[Record], record: Record) -> bool:
    """Whether `record` may join `group`: no date of theirs differs from its date, and no two
    different reference numbers meet."""
    dates = [r.date for r in group if r.date]
    if record.date and not all(_same_day(record.date, d) for d in dates):
        return False
    references = {r.id for r in group if r.id.startswith("DHS/")}
    return not (record.id.startswith("DHS/") and references and record.id not in references)


def _same_day(a: str, b: str) -> bool:
    """Whether two ISO dates may be the same day: equal, or one says only the month ("July
    2021", read as its first day) and the other is a day of that month."""
    if a == b:
        return True
    return a[:7] == b[:7] and (a.endswith("-01") or b.endswith("-01"))


def merge_records(copies: Sequence[Record]) -> Record:
    """One record from copies of one publication, keeping the best of each: the first copy's
    metadata, completed by the others (a reference number over a slug, a date, a summary, the
    text with the most pages), and every source, attachment, link and warning."""
    if len(copies) == 1:
        return copies[0]
    first = copies[0]
    fullest = max(copies, key=lambda r: (len(r.pages), len(r.body)))
    summary = max((r.summary for r in copies), key=len)
    record_id = next((r.id for r in copies if r.id.startswith("DHS/")), first.id)
    main = next((r for r in copies if r.id == record_id), first)
    links = _union(link for r in copies for link in (r.url, *r.links))
    return replace(
        main,
        id=record_id,
        title=_best_title(copies),
        summary=summary,
        pages=fullest.pages,
        date=main.date or next((r.date for r in copies if r.date), None),
        sorns=_union(s for r in copies for s in r.sorns),
        attachments=_union(a for r in copies for a in r.attachments),
        url=main.url or (links[0] if links else ""),
        links=links if len(links) > 1 or any(r.links for r in copies) else main.links,
        warnings=_union(w for r in copies for w in r.warnings),
        details=tuple(dict(pair for r in reversed(copies) for pair in r.details).items()),
        sources=_union([main.source, *(s for r in copies for s in (r.source, *r.sources))]),
    )


def _best_title(copies: Sequence[Record]) -> str:
    """The first copy's title, unless it is only a file name's words and another has one."""
    titled = [r.title for r in copies if r.title and r.title != _stem_words(r.source)]
    return titled[0] if titled else copies[0].title


def _stem_words(source: str) -> str:
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("-", " ").replace("_", " ").strip()


def _union(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
