"""Speed and size: ingest, indexing, query latency, index size and peak memory, at four scales.

    python -m benchmarks.speed [--scales 1x,10x,full] [--workdir DIR] [--profile] [--smoke]

Scales: `1x` is the real corpus (`../shared/corpus/dhs`); `10x` is ten times as many generated
documents of the same length; `full` is about the whole DHS library: 2,000 generated documents
of about 50,000 characters (~100 MB of text); `4x` is four times that (8,000 documents, ~400 MB,
not run by default: generating it takes a while). Generated corpora are kept in `--workdir` and
reused. Every figure of a scale comes from the same run, on the same machine, so the ratios
against the peers are like for like.

Each build and each serving process runs in its own subprocess, so its peak memory
(`ru_maxrss`) is its own. The peak of a run's processes together (the run, its PDF workers and
its index writers; proportional set sizes, so shared pages count once) is sampled from /proc
every 50 ms.

Ingest (`privsearch.read_records`) and bare pypdf are each timed in fresh processes, in turn;
where an ingest takes under SHORT_RUN seconds (1x), both are timed up to REPEATS times and the
medians are reported, since one run of under a second varies by several percent. The first
bare run also times pypdf on one core with and without the speedups privsearch's PDF workers
install (`privsearch.ingest.pypdf_speedups`); the bare figures are pypdf's own.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pickle
import pstats
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from .generate import DEFAULT_RECORDS, generate, load_source
from .quality import DEFAULT_CORPUS
from .systems import FACETS, Fts5, Grep, Privsearch, Tantivy, WhooshDefaults, peer_names

ROOT = Path(__file__).resolve().parents[1]
SCALES = {  # name -> (documents, mean characters per document); None = the real corpus
    "1x": None,
    "10x": (3480, 2200),
    "full": (2000, 50_000),
    "4x": (8000, 50_000),
}
SMOKE_SCALE = (24, 3000)
SHORT_RUN = 5.0  # seconds: an ingest this short is timed again, up to REPEATS runs
REPEATS = 5
_WORD = re.compile(r"\w+")
_QUERY_STOP = set(
    "the and for that with this are from have has its will not was were been such which their "
    "they other any all may also into under each more than these those when where who whom what "
    "does shall only about would could should there then them some used uses using use".split()
)


def _mb(n: float) -> float:
    return n / 1e6


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB.

    For this process, Linux's VmHWM: getrusage's ru_maxrss survives fork and exec, so a child
    started by a parent holding a large corpus would report the parent's peak.
    """
    if who == resource.RUSAGE_SELF:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def _du(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# -- children: one build or serving process each -----------------------------------------------


def _child(task: dict[str, Any]) -> dict[str, Any]:
    kind = task["kind"]
    if kind == "build":
        return _child_build(task)
    if kind == "index":
        return _child_index(task)
    if kind == "serve":
        return _child_serve(task)
    if kind == "pypdf":
        return _child_pypdf(task)
    if kind == "ingest":
        return _child_ingest(task)
    raise ValueError(kind)


def _child_ingest(task: dict[str, Any]) -> dict[str, Any]:
    """privsearch's ingest stage alone, files to records, in a fresh process."""
    import privsearch

    started = time.perf_counter()
    records = privsearch.read_records([Path(task["corpus"])])
    return {"seconds": time.perf_counter() - started, "records": len(records)}


def _child_build(task: dict[str, Any]) -> dict[str, Any]:
    """privsearch.build_index end to end, then again over the unchanged corpus."""
    import privsearch

    corpus, index_dir = Path(task["corpus"]), Path(task["index_dir"])
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    first = privsearch.build_index([corpus], index_dir, rebuild=True)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = privsearch.build_index([corpus], index_dir)
    again_s = time.perf_counter() - started
    return {
        "seconds": first_s,
        "rerun_seconds": again_s,
        "records": first.records,
        "pages": first.pages,
        "skipped": len(first.skipped),
        "rerun_read": again.sources_read,
        "maxrss_mb": _maxrss_mb(),
        "workers_maxrss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
    }


def index_privsearch_records(
    records: list[Any], index_dir: Path, limits: dict[str, Any] | None = None
) -> None:
    """privsearch's indexing of already extracted records: what build_index does after
    reading, without reading any file; `limits` are `Limits` fields other than the defaults."""
    from privsearch import index as pindex
    from privsearch.config import Limits

    shutil.rmtree(index_dir, ignore_errors=True)
    pindex.write_records(records, index_dir, limits=Limits(**(limits or {})))


def _child_index(task: dict[str, Any]) -> dict[str, Any]:
    with open(task["records"], "rb") as handle:
        records = pickle.load(handle)
    if task.get("limit"):
        records = records[: task["limit"]]
    name, workdir = task["system"], Path(task["workdir"])
    builders = {
        "privsearch": lambda: index_privsearch_records(
            records, workdir / "privsearch-indexonly", task.get("limits")
        ),
        "whoosh-defaults": lambda: WhooshDefaults.build(records, workdir / "whoosh"),
        "sqlite-fts5": lambda: Fts5.build(records, workdir / "fts5.db"),
        "tantivy": lambda: Tantivy.build(records, workdir / "tantivy"),
    }
    rss_before = _maxrss_mb()
    profile = cProfile.Profile() if task.get("profile") else None
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    if profile:
        profile.enable()
    builders[name]()
    if profile:
        profile.disable()
    seconds = time.perf_counter() - started
    out = {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu_before,
        "maxrss_mb": _maxrss_mb(),
        "loaded_rss_mb": rss_before,
    }
    if profile:
        out["profile"] = _profile_text(profile)
    return out


def _cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for (its writers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _open_system(name: str, workdir: Path, privsearch_dir: Path, records_path: Path) -> Any:
    if name == "privsearch":
        return Privsearch(privsearch_dir)
    if name == "whoosh-defaults":
        return WhooshDefaults(workdir / "whoosh")
    if name == "sqlite-fts5":
        return Fts5(workdir / "fts5.db")
    if name == "tantivy":
        return Tantivy(workdir / "tantivy")
    if name == "grep":
        with open(records_path, "rb") as handle:
            return Grep(pickle.load(handle))
    raise ValueError(name)


def _child_serve(task: dict[str, Any]) -> dict[str, Any]:
    system = _open_system(
        task["system"], Path(task["workdir"]), Path(task["privsearch_dir"]), Path(task["records"])
    )
    for text, component in task["warmup"]:
        system.serve(text, component)
    profile = cProfile.Profile() if task.get("profile") else None
    latencies: list[float] = []
    matches = 0
    deadline = time.perf_counter() + task["budget"]
    for text, component in task["queries"]:
        if profile:
            profile.enable()
        started = time.perf_counter()
        matches += system.serve(text, component)
        latencies.append((time.perf_counter() - started) * 1000)
        if profile:
            profile.disable()
        if time.perf_counter() > deadline:
            break
    system.close()
    out = {"latencies_ms": latencies, "matches": matches, "maxrss_mb": _maxrss_mb()}
    if profile:
        out["profile"] = _profile_text(profile)
    return out


def _extract(path: str) -> tuple[int, int]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    pages = chars = 0
    for page in reader.pages:
        chars += len(page.extract_text() or "")
        pages += 1
    return pages, chars


def _child_pypdf(task: dict[str, Any]) -> dict[str, Any]:
    """pypdf's bare extract_text over the PDFs: one core for `budget` seconds, then all cores
    over the same files."""
    files: list[str] = task["files"]
    done: list[str] = []
    pages = 0
    started = time.perf_counter()
    for path in files:
        pages += _extract(path)[0]
        done.append(path)
        if time.perf_counter() - started > task["budget"]:
            break
    one_core = time.perf_counter() - started
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        all_pages = sum(p for p, _ in pool.map(_extract, done, chunksize=4))
    all_cores = time.perf_counter() - started
    result = {
        "files": len(done),
        "pages": pages,
        "one_core_pages_per_s": pages / one_core,
        "all_cores_pages_per_s": all_pages / all_cores,
    }
    if task.get("speedups"):
        result.update(_pypdf_with_and_without_speedups(done))
    return result


def _pypdf_with_and_without_speedups(files: list[str]) -> dict[str, float]:
    """One core, pypdf imported: bare, then as privsearch's workers run it (pypdf_speedups)."""
    from privsearch.ingest import pypdf_speedups

    seconds = {}
    for name in ("bare", "speedups"):
        if name == "speedups":
            pypdf_speedups.install()
        started = time.perf_counter()
        for path in files:
            with pypdf_speedups.one_document():
                _extract(path)
        seconds[name] = time.perf_counter() - started
    pypdf_speedups.uninstall()
    return {"warm_bare_seconds": seconds["bare"], "warm_speedups_seconds": seconds["speedups"]}


def _profile_text(profile: cProfile.Profile, top: int = 30) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def _run_child(task: dict[str, Any]) -> dict[str, Any]:
    """Run `task` in a child process; its result, with `tree_peak_mb`: the peak of the memory
    of the child and every process it started together (sampled from here every 50 ms)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.speed", "--child"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0]
    peaks: dict[int, int] = {}  # each process's own peak
    cpu: dict[int, float] = {}  # each process's CPU seconds, when last seen
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            now = _tree_pss(proc.pid)
            peak[0] = max(peak[0], sum(now.values()))
            for pid, pss in now.items():
                peaks[pid] = max(peaks.get(pid, 0), pss)
                cpu[pid] = _cpu_of(pid, cpu.get(pid, 0.0))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate(json.dumps(task))
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{task['kind']} {task.get('system', '')} failed:\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["tree_peak_mb"] = peak[0] / 1e6
    result["tree_cpu_seconds"] = sum(cpu.values())
    result["process_peaks_mb"] = {
        "main" if pid == proc.pid else str(pid): pss / 1e6 for pid, pss in peaks.items()
    }
    return result


def _cpu_of(pid: int, default: float) -> float:
    """The CPU seconds process `pid` has used (`default` once it has ended): a sample taken
    every 50 ms misses at most that much of each process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return default
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _tree_pss(pid: int) -> dict[int, int]:
    """Memory of `pid` and each of its descendants now, in bytes (none once it has ended):
    each process's proportional set size, so pages that forked processes share count once."""
    found: dict[int, int] = {}
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            found[current] = _pss(current)
            for thread in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (thread / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (its resident size where PSS is unknown)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# -- queries -----------------------------------------------------------------------------------


def generated_queries(
    records: list[Any], n: int, seed: int = 7, exclude: set[tuple[str, str | None]] | None = None
) -> list[tuple[str, str | None]]:
    """`n` distinct queries: 1-3 words of mid document frequency, some quoted two-word phrases
    taken from the text, a fifth of them with a component filter."""
    rng = random.Random(seed)
    df: Counter[str] = Counter()
    sample = records if len(records) <= 2000 else rng.sample(records, 2000)
    for r in sample:
        df.update({w for w in _WORD.findall(f"{r.title} {r.summary} {r.body[:20000]}".lower())})
    lo, hi = max(2, len(sample) // 200), len(sample) * 0.4
    vocab = sorted(
        w
        for w, c in df.items()
        if lo <= c <= hi and w.isalpha() and len(w) >= 4 and w not in _QUERY_STOP
    )
    components = sorted({r.component for r in records})
    texts = [r.body for r in sample if len(r.body) > 200]
    seen = set(exclude or ())
    out: list[tuple[str, str | None]] = []
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        roll = rng.random()
        if roll < 0.1 and texts:
            words = _WORD.findall(rng.choice(texts))
            content = [
                i
                for i, w in enumerate(words[:-1])
                if w.lower() in df
                and len(w) > 3
                and words[i + 1].isalpha()
                and len(words[i + 1]) > 3
            ]
            if not content:
                continue
            i = rng.choice(content)
            text = f'"{words[i].lower()} {words[i + 1].lower()}"'
        else:
            k = 1 if roll < 0.4 else 2 if roll < 0.85 else 3
            text = " ".join(rng.sample(vocab, k))
        component = rng.choice(components) if rng.random() < 0.2 else None
        if (text, component) in seen:
            continue
        seen.add((text, component))
        out.append((text, component))
    return out


# -- one scale ---------------------------------------------------------------------------------


def prepare_corpus(scale: str, workdir: Path, smoke: bool) -> Path:
    if smoke:
        out = workdir / "corpus-smoke"
        docs, chars = SMOKE_SCALE
    elif SCALES[scale] is None:
        return DEFAULT_CORPUS
    else:
        docs, chars = SCALES[scale]  # type: ignore[misc]
        out = workdir / f"corpus-{scale}"
    if not (out / "manifest.jsonl").exists():
        stats = generate(out, docs, chars, source=load_source(DEFAULT_RECORDS))
        print(
            f"  generated {docs} documents, {stats['pages']} pages, {stats['text_mb']:.1f} MB text "
            f"in {stats['seconds']:.1f} s",
            file=sys.stderr,
        )
    return out


def measure_scale(
    scale: str, workdir: Path, *, smoke: bool, n_generated: int, budget: float, profile: bool
) -> dict[str, Any]:
    import privsearch

    from .judged import load_queries

    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    corpus = prepare_corpus(scale, workdir, smoke)
    work = workdir / f"run-{'smoke' if smoke else scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result: dict[str, Any] = {
        "scale": "smoke" if smoke else scale,
        "corpus": str(corpus),
        "loadavg_before": os.getloadavg()[0],
    }

    log(f"[{result['scale']}] pypdf bare extraction and privsearch ingest, in turn")
    pdfs = sorted(str(p) for p in corpus.rglob("*.pdf"))
    random.Random(3).shuffle(pdfs)
    bare_runs: list[dict[str, Any]] = []
    ingest_runs: list[float] = []
    while True:  # short runs are noisy: repeat them, alternating, and keep the medians
        bare_runs.append(
            _run_child(
                {
                    "kind": "pypdf",
                    "files": pdfs,
                    "budget": 3.0 if smoke else 25.0,
                    "speedups": not bare_runs,
                }
            )
        )
        ingest_runs.append(_run_child({"kind": "ingest", "corpus": str(corpus)})["seconds"])
        if smoke or len(ingest_runs) >= REPEATS or ingest_runs[0] > SHORT_RUN:
            break
    result["pypdf"] = {
        **bare_runs[0],
        **{
            key: statistics.median(run[key] for run in bare_runs)
            for key in ("one_core_pages_per_s", "all_cores_pages_per_s")
        },
    }
    result["pypdf_runs"] = bare_runs
    result["read_records_seconds"] = statistics.median(ingest_runs)
    result["read_records_runs"] = ingest_runs

    log(f"[{result['scale']}] privsearch build_index end to end (and a re-run)")
    privsearch_dir = work / "privsearch"
    result["build"] = _run_child(
        {"kind": "build", "corpus": str(corpus), "index_dir": str(privsearch_dir)}
    )
    result["build"]["index_bytes"] = _du([privsearch_dir])

    log(f"[{result['scale']}] reading records for the peers")
    records = privsearch.read_records([corpus])
    text_bytes = sum(len(f"{r.title}{r.summary}{r.body}".encode()) for r in records)
    tokens = sum(len(_WORD.findall(f"{r.title} {r.summary} {r.body}")) for r in records)
    result.update(records=len(records), text_bytes=text_bytes, tokens=tokens)
    records_path = work / "records.pickle"
    with open(records_path, "wb") as handle:
        pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)

    systems = ["privsearch", *[p for p in peer_names() if p != "grep"]]
    sizes = {
        "privsearch": [work / "privsearch-indexonly"],
        "whoosh-defaults": [work / "whoosh"],
        "sqlite-fts5": [work / "fts5.db"],
        "tantivy": [work / "tantivy"],
    }
    result["index"] = {}
    for name in systems:
        log(f"[{result['scale']}] indexing with {name}")
        figures = _run_child(
            {"kind": "index", "system": name, "records": str(records_path), "workdir": str(work)}
        )
        figures["index_bytes"] = _du(sizes[name])
        result["index"][name] = figures
    if profile:
        log(f"[{result['scale']}] profiling privsearch indexing")
        limit = max(50, len(records) // 8)
        prof = _run_child(
            {
                "kind": "index",
                "system": "privsearch",
                "records": str(records_path),
                "workdir": str(work),
                "profile": True,
                "limit": limit,
            }
        )
        (workdir / f"profile-index-{result['scale']}.txt").write_text(prof["profile"])

    judged = [(q.text, q.component) for q in load_queries()]
    if smoke:
        judged = judged[:5]
    generated = generated_queries(records, n_generated + 20, exclude=set(judged))
    warmup, generated = generated[:20], generated[20:]
    queries = judged + generated
    random.Random(5).shuffle(queries)
    result["queries"] = len(queries)
    result["serve"] = {}
    for name in ["privsearch", *peer_names()]:
        log(f"[{result['scale']}] serving {len(queries)} queries with {name}")
        out = _run_child(
            {
                "kind": "serve",
                "system": name,
                "workdir": str(work),
                "privsearch_dir": str(privsearch_dir),
                "records": str(records_path),
                "warmup": warmup,
                "queries": queries,
                "budget": budget,
            }
        )
        lat = out.pop("latencies_ms")
        out.update(
            n=len(lat),
            p50=_percentile(lat, 0.5),
            p95=_percentile(lat, 0.95),
            p99=_percentile(lat, 0.99),
            mean=sum(lat) / len(lat),
        )
        result["serve"][name] = out
    if profile:
        log(f"[{result['scale']}] profiling privsearch search")
        prof = _run_child(
            {
                "kind": "serve",
                "system": "privsearch",
                "workdir": str(work),
                "privsearch_dir": str(privsearch_dir),
                "records": str(records_path),
                "warmup": warmup,
                "queries": queries[:200],
                "budget": budget,
                "profile": True,
            }
        )
        (workdir / f"profile-search-{result['scale']}.txt").write_text(prof["profile"])
    if not smoke:
        shutil.rmtree(work, ignore_errors=True)
    return result


# -- report ------------------------------------------------------------------------------------


def format_scale(r: dict[str, Any]) -> str:
    cores = os.cpu_count() or 1
    b, p = r["build"], r["pypdf"]
    mb_text = _mb(r["text_bytes"])
    lines = [
        f"### Scale {r['scale']}: {r['records']} records, {b['pages']} PDF pages, "
        f"{mb_text:.1f} MB of extracted text, {r['tokens']:,} tokens",
        "",
        "**Ingest** (PDF pages per second)",
        "",
        "| what | pages/s | per core |",
        "|---|---|---|",
        f"| privsearch ingest: files to records, `read_records` ({cores} cores) | "
        f"{b['pages'] / r['read_records_seconds']:.0f} "
        f"| {b['pages'] / r['read_records_seconds'] / cores:.0f} |",
        f"| privsearch build_index: ingest and index, end to end ({cores} cores) | "
        f"{b['pages'] / b['seconds']:.0f} | {b['pages'] / b['seconds'] / cores:.0f} |",
        f"| pypdf extract_text, bare, 1 core ({p['pages']} pages) | "
        f"{p['one_core_pages_per_s']:.0f} | {p['one_core_pages_per_s']:.0f} |",
        f"| pypdf extract_text, bare, {cores} processes | {p['all_cores_pages_per_s']:.0f} | "
        f"{p['all_cores_pages_per_s'] / cores:.0f} |",
        "",
        f"privsearch's workers run pypdf with faster equivalents of its hot spots "
        f"(`pypdf_speedups`: the same text): on the same files, on one core, pypdf imported, "
        f"{p['warm_bare_seconds']:.2f} s bare, {p['warm_speedups_seconds']:.2f} s with them "
        f"({1 - p['warm_speedups_seconds'] / p['warm_bare_seconds']:.0%} less).",
        "",
        f"Per core, against bare pypdf on one core: ingest "
        f"**{b['pages'] / r['read_records_seconds'] / cores / p['one_core_pages_per_s']:.0%}** "
        f"(target >= 80%); against bare pypdf on every core (the same {cores} processes, "
        f"per core): "
        f"{b['pages'] / r['read_records_seconds'] / p['all_cores_pages_per_s']:.0%}; "
        f"ingest and index together "
        f"{b['pages'] / b['seconds'] / cores / p['one_core_pages_per_s']:.0%}. "
        f"First build {b['seconds']:.1f} s; re-run over the unchanged corpus "
        f"{b['rerun_seconds']:.2f} s = **{b['seconds'] / b['rerun_seconds']:.0f}x** faster "
        f"(target >= 20x). Peak RSS of the build: main process {b['maxrss_mb']:.0f} MB, the "
        f"largest worker {b['workers_maxrss_mb']:.0f} MB, all its processes together "
        f"{b.get('tree_peak_mb', float('nan')):.0f} MB (proportional set size). "
        f"privsearch.read_records alone, in a fresh process: {r['read_records_seconds']:.2f} s"
        + (
            f" (the median of {len(r['read_records_runs'])} runs: "
            + ", ".join(f"{x:.2f}" for x in r["read_records_runs"])
            + " s; bare pypdf's figures are the medians of as many runs, taken in turn)"
            if len(r.get("read_records_runs", [])) > 1
            else ""
        )
        + ". Load average before the scale: "
        f"{r.get('loadavg_before', float('nan')):.2f}.",
        "",
        "**Indexing** the same extracted records (no PDF reading)",
        "",
        "| system | seconds | records/s | tokens/s | MB text/s | index MB | index MB per MB text "
        "| peak RSS MB (records loaded) | all processes, peak PSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in r["index"].items():
        lines.append(
            f"| {name} | {f['seconds']:.1f} | {r['records'] / f['seconds']:.0f} | "
            f"{r['tokens'] / f['seconds']:,.0f} | {mb_text / f['seconds']:.2f} | "
            f"{_mb(f['index_bytes']):.1f} | {f['index_bytes'] / r['text_bytes']:.2f} | "
            f"{f['maxrss_mb']:.0f} ({f.get('loaded_rss_mb', float('nan')):.0f}) | "
            f"{f.get('tree_peak_mb', float('nan')):.0f} |"
        )
    if "whoosh-defaults" in r["index"]:
        ratio = r["index"]["whoosh-defaults"]["seconds"] / r["index"]["privsearch"]["seconds"]
        lines += [
            "",
            f"privsearch indexing speed / Whoosh defaults: **{ratio:.2f}x** "
            "(target >= 1.0). privsearch's full index from build_index: "
            f"{_mb(b['index_bytes']):.1f} MB.",
        ]
    lines += [
        "",
        f"**Query latency**, warm, {r['queries']} distinct queries (judged + generated), top 10 "
        "with snippets and facet counts over all matches",
        "",
        "| system | queries timed | p50 ms | p95 ms | p99 ms | mean ms | p95 / privsearch p95 "
        "| serving peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ours = r["serve"]["privsearch"]["p95"]
    for name, s in r["serve"].items():
        lines.append(
            f"| {name} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
            f"{s['mean']:.1f} | {s['p95'] / ours:.2f} | {s['maxrss_mb']:.0f} |"
        )
    if "sqlite-fts5" in r["serve"]:
        ratio = ours / r["serve"]["sqlite-fts5"]["p95"]
        lines += ["", f"privsearch p95 / SQLite FTS5 p95: **{ratio:.1f}x** (target <= 2x)."]
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{int(mem.split()[1]) / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    import platform

    return f"{os.cpu_count()} cores (nproc), {cpu}, {ram}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1x,10x,full")
    parser.add_argument("--workdir", type=Path, help="where corpora and indexes go (default: temp)")
    parser.add_argument("--queries", type=int, default=500, help="generated queries per scale")
    parser.add_argument(
        "--budget",
        type=float,
        default=150.0,
        help="seconds of timed queries per system and scale, at most",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile privsearch's indexing "
        "and search; the top functions go to WORKDIR/profile-*.txt",
    )
    parser.add_argument("--smoke", action="store_true", help="a tiny generated corpus, 20 queries")
    parser.add_argument("--json", type=Path, help="write every figure as JSON here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(sys.stdin.read()))))
        return 0
    if not DEFAULT_RECORDS.exists():
        print(f"the shared corpus is not at {DEFAULT_RECORDS}", file=sys.stderr)
        return 2
    scales = ["1x"] if args.smoke else [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {unknown}; choose from {list(SCALES)}")
    n_generated = 15 if args.smoke else args.queries
    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="privsearch-speed-")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        print(f"Machine: {machine()}")
        print(f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
        if "tantivy" not in peer_names():
            print("tantivy is not installed: skipped (pip install tantivy to compare with it)")
        for scale in scales:
            r = measure_scale(
                scale,
                workdir,
                smoke=args.smoke,
                n_generated=n_generated,
                budget=5.0 if args.smoke else args.budget,
                profile=args.profile,
            )
            results.append(r)
            print()
            print(format_scale(r), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
        if args.profile:
            print(f"\nProfiles: {workdir}/profile-*.txt")
    finally:
        if own_tmp and not args.profile:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


_ = FACETS

if __name__ == "__main__":
    raise SystemExit(main())
