"""Pool the documents to judge: the top 20 of every system for each judged query.

    python -m benchmarks.pool [--corpus DIR] [--queries FILE...] [--out DIR]

Writes one review sheet per query that has unjudged pooled documents: each document's id,
type, component, date, title, summary and the passages where the query words occur, so a
person can grade it by its content. The script proposes; it never grades. Grades are written
into `queries/judged.jsonl` by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from .judged import load_queries
from .quality import DEFAULT_CORPUS, POOL_DEPTH, build_systems
from .systems import words_of


def _passages(text: str, words: list[str], limit: int = 4, width: int = 110) -> list[str]:
    out = []
    lowered = text.lower()
    for word in words:
        if len(word) < 3 and not word.isdigit():
            continue
        for match in re.finditer(r"\b" + re.escape(word[:6]), lowered):
            start = max(0, match.start() - width)
            out.append(" ".join(text[start : match.end() + width].split()))
            if len(out) >= limit:
                return out
            break
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--queries", type=Path, nargs="+", help="judged-queries files (default: queries/*.jsonl)"
    )
    parser.add_argument("--out", type=Path, default=Path("pool-review"))
    args = parser.parse_args(argv)
    queries = load_queries(args.queries)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="privsearch-pool-") as tmp:
        systems, records = build_systems(args.corpus, Path(tmp))
        by_id: dict[str, list] = {}
        for r in records:
            by_id.setdefault(r.id, []).append(r)
        for q in queries:
            pooled: dict[str, list[str]] = {}
            for text in [q.text, *q.pool_extra]:
                for name, system in systems.items():
                    for doc in system.search(text, q.component, POOL_DEPTH):
                        pooled.setdefault(doc, [])
                        if name not in pooled[doc]:
                            pooled[doc].append(name)
            todo = [d for d in pooled if d not in q.judgments]
            if not todo:
                continue
            words = words_of(" ".join([q.text, *q.pool_extra]))
            lines = [f"# {q.id} [{q.category}] {q.text!r} component={q.component} :: {q.note}"]
            lines.append(f"# {len(todo)} unjudged of {len(pooled)} pooled")
            for doc in sorted(todo):
                for r in by_id.get(doc, []):
                    meta = f"{r.doc_type} | {r.component} | {r.date} | {len(r.body)} chars"
                    lines.append(f"\n== {doc} | {meta}")
                    lines.append(f"   T: {r.title[:160]}")
                    if r.summary:
                        lines.append(f"   S: {r.summary[:300]}")
                    for p in _passages(r.body or r.summary, words):
                        lines.append(f"   > {p}")
            (args.out / f"{q.id}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"{q.id}: {len(todo)} to judge")
        for system in systems.values():
            system.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
