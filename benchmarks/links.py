"""How well the references between documents are found, and what finding them costs.

    python -m benchmarks.links                      # quality against links/labels.jsonl
    python -m benchmarks.links --generated /tmp/gen-links   # cost, on a generated corpus

Quality: every record of `../shared/corpus/dhs` is read; the references `structure/links.py`
finds in it are compared with the hand labels (`links/labels.jsonl` and the wholly held-out
`links/labels-held-out-2.jsonl`, rules in `links/LABELS.md`)
as (document, kind, target) triples. `version_of` is scored on the graph built over the whole
corpus (which earlier version the corpus holds is a property of the corpus, not of one
document). Precision and recall per kind and overall on the tuning part; the held-out part is
printed as totals only, and no per-document result of it is ever printed. `--show` lists the
tuning part's misses and wrong finds.

Cost: the records of a corpus written by `benchmarks.generate` are read once; then, in this
process, the CPU seconds of `structure()` without the references (sections, facets, risks) and
of the references alone, per MB of text; the CPU seconds (all processes) and wall time of an
indexing run of that corpus; and the CPU seconds of building the graph of that index and
writing it beside it (what each indexing run adds after its commit).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import privsearch
from benchmarks.link_labels import (
    DEFAULT_CORPUS,
    HELD_OUT_2_LABELS,
    KINDS,
    read_corpus,
    read_labels,
    records_by_slug,
)
from privsearch.graph import Entry, Graph, Node, build_graph
from privsearch.models import Record
from privsearch.structure.links import citation_key, find_references

Triple = tuple[str, str, str]  # (slug, kind, target)


def corpus_graph(records: Iterable[Record], found: dict[int, tuple]) -> Graph:
    """The graph over every record, as the index builds it from the stored references."""
    entries = []
    for record in records:
        citation = citation_key(record.detail("citation"))
        node = Node(record.id, record.title, record.doc_type, record.component, record.date,
                    citation)  # fmt: skip
        entries.append(Entry(node, found[id(record)]))
    return build_graph(entries)


def found_triples(label: dict[str, Any], record: Record, references: tuple, graph: Graph) -> set:
    """What privsearch finds for one labelled document: its references but `version_of`, and
    the `version_of` links of the graph (whose target is the id, or slug, of the record)."""
    slug = label["slug"]
    out = {(slug, r.kind, r.target) for r in references if r.kind != "version_of"}
    out |= {
        (slug, "version_of", link.target)
        for link in graph.links
        if link.source == record.id and link.kind == "version_of"
    }
    return out


def labelled_triples(label: dict[str, Any]) -> set[Triple]:
    return {(label["slug"], link["kind"], link["target"]) for link in label["links"]}


def counts(found: set[Triple], wanted: set[Triple]) -> dict[str, Counter]:
    """True positives, false positives and misses by kind."""
    out = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for triple in found & wanted:
        out["tp"][triple[1]] += 1
    for triple in found - wanted:
        out["fp"][triple[1]] += 1
    for triple in wanted - found:
        out["fn"][triple[1]] += 1
    return out


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def figures(tally: dict[str, Counter], kinds: Iterable[str]) -> dict[str, Any]:
    tp, fp, fn = (sum(tally[k][kind] for kind in kinds) for k in ("tp", "fp", "fn"))
    return {"tp": tp, "fp": fp, "fn": fn, "precision": ratio(tp, tp + fp),
            "recall": ratio(tp, tp + fn)}  # fmt: skip


def quality(corpus: Path, show: int = 0) -> dict[str, Any]:
    expected, records = read_corpus(corpus)
    by_slug = records_by_slug(expected, records, corpus)
    found = {id(record): find_references(record) for record in records}
    graph = corpus_graph(records, found)
    parts: dict[str, dict[str, set[Triple]]] = {
        part: {"found": set(), "wanted": set()} for part in ("tuning", "held-out", "held-out 2")
    }
    documents = Counter()
    labelled = [(label, label["split"]) for label in read_labels()]
    if HELD_OUT_2_LABELS.is_file():
        labelled += [(label, "held-out 2") for label in read_labels(HELD_OUT_2_LABELS)]
    for label, name in labelled:
        record = by_slug[label["slug"]]
        parts[name]["found"] |= found_triples(label, record, found[id(record)], graph)
        parts[name]["wanted"] |= labelled_triples(label)
        documents[name] += 1
    tuning = counts(parts["tuning"]["found"], parts["tuning"]["wanted"])
    result = {
        "tuning": {
            "documents": documents["tuning"],
            "by_kind": {kind: figures(tuning, [kind]) for kind in KINDS},
            "overall": figures(tuning, KINDS),
        },
        # totals only: no per-kind or per-document figure of a held-out part
        "held_out": held_out_totals(parts, documents, ("held-out",)),
        "held_out_2": held_out_totals(parts, documents, ("held-out 2",)),
        "held_out_all": held_out_totals(parts, documents, ("held-out", "held-out 2")),
    }
    if show:
        wrong = sorted(parts["tuning"]["found"] - parts["tuning"]["wanted"])
        missed = sorted(parts["tuning"]["wanted"] - parts["tuning"]["found"])
        result["tuning_errors"] = {"wrong": wrong[:show], "missed": missed[:show]}
    return result


def held_out_totals(
    parts: dict[str, dict[str, set[Triple]]], documents: Counter, names: Iterable[str]
) -> dict[str, Any]:
    """The overall figures of held-out parts together: nothing per kind or per document."""
    names = list(names)
    found = set().union(*(parts[name]["found"] for name in names))
    wanted = set().union(*(parts[name]["wanted"] for name in names))
    return {
        "documents": sum(documents[name] for name in names),
        "overall": figures(counts(found, wanted), KINDS),
    }


def cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def cpu_with_children() -> float:
    """This process's CPU seconds and those of its ended children (PDF readers, writers)."""
    return cpu() + cpu(resource.RUSAGE_CHILDREN)


def cost(generated: Path) -> dict[str, Any]:
    """CPU seconds of the structure step with and without the references, and of the graph."""
    from privsearch.index import graph_of_reader, open_whoosh, write_graph
    from privsearch.structure.facets import find_facets
    from privsearch.structure.risks import find_risks
    from privsearch.structure.sections import find_sections

    records = list(privsearch.read_records([generated]))
    mb = sum(len(p.text) for r in records for p in r.pages) / 1e6
    started = cpu()
    for record in records:
        body = record.body
        sections = find_sections(record, body)
        find_facets(record, sections, body=body)
        find_risks(record, sections, body)
    without = cpu() - started
    started = cpu()
    references = sum(len(find_references(record)) for record in records)
    links_only = cpu() - started
    with tempfile.TemporaryDirectory() as folder:
        index_dir = Path(folder)
        started, wall = cpu_with_children(), time.perf_counter()
        privsearch.build_index([generated], index_dir)
        build_cpu = cpu_with_children() - started  # every process of the run
        build_wall = time.perf_counter() - wall
        ix = open_whoosh(index_dir)
        started = cpu()
        with ix.searcher() as searcher:
            graph = graph_of_reader(searcher.reader())
        graph_cpu = cpu() - started
        started = cpu()
        write_graph(ix, index_dir)  # built again, and written
        graph_written_cpu = cpu() - started
        graph_file_mb = (index_dir / "graph.json").stat().st_size / 1e6
    return {
        "records": len(records),
        "mb": round(mb, 2),
        "references": references,
        "links": len(graph.links),
        "structure_without_links_s": round(without, 2),
        "references_s": round(links_only, 2),
        "structure_ms_per_mb": round(1000 * without / mb, 1),
        "references_ms_per_mb": round(1000 * links_only / mb, 1),
        "references_share_of_structure": ratio(round(1000 * links_only), round(1000 * without)),
        "build_wall_s": round(build_wall, 2),
        "build_cpu_s": round(build_cpu, 2),
        "references_share_of_build_cpu": ratio(round(1000 * links_only), round(1000 * build_cpu)),
        "graph_build_s": round(graph_cpu, 2),
        "graph_build_and_write_s": round(graph_written_cpu, 2),
        "graph_share_of_build_wall": ratio(
            round(1000 * graph_written_cpu), round(1000 * build_wall)
        ),
        "graph_file_mb": round(graph_file_mb, 2),
    }


HELD_OUT_PARTS = (
    ("held-out part", "held_out"),
    ("second held-out sample", "held_out_2"),
    ("held-out, both", "held_out_all"),
)


def print_quality(result: dict[str, Any]) -> None:
    tuning = result["tuning"]
    print(f"tuning part: {tuning['documents']} documents")
    print(f"{'kind':20} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}")
    for kind, f in [*tuning["by_kind"].items(), ("overall", tuning["overall"])]:
        print(f"{kind:20} {f['tp']:4} {f['fp']:4} {f['fn']:4} {_p(f['precision']):>10} "
              f"{_p(f['recall']):>8}")  # fmt: skip
    print()
    for name, key in HELD_OUT_PARTS:
        held = result[key]
        f = held["overall"]
        print(f"{name}: {held['documents']} documents, totals only: "
              f"{f['tp']} found right, {f['fp']} wrong, {f['fn']} missed; "
              f"precision {_p(f['precision'])}, recall {_p(f['recall'])}")  # fmt: skip
    for name, triples in result.get("tuning_errors", {}).items():
        for triple in triples:
            print(f"tuning {name}: {triple}")


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--generated", type=Path, help="a corpus of benchmarks.generate: cost")
    parser.add_argument("--show", type=int, default=0, help="list tuning misses and wrong finds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = cost(args.generated) if args.generated else quality(args.corpus, args.show)
    if args.json or args.generated:
        print(json.dumps(result, indent=1))
    else:
        print_quality(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
