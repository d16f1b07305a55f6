"""Fetch: crawl the offline replica of both sources into a mirror, re-fetch it, index it.

    python -m benchmarks.fetch [--repeats 3] [--workdir DIR] [--json FILE]

The replica (`../shared/site`: the DHS website and the Federal Register API, 348 records) is
served by its own `serve.py` in a subprocess on a free port, a fresh server for every run (its
faults are sent on first requests only). Every fetch and the indexing run in a fresh process of
their own, so peak RSS (VmHWM) and CPU time (`time.process_time` around the call) are theirs;
the server's CPU time is read from /proc/<pid>/stat before and after. All fetches use
`delay=0`, so they measure the crawler and the replica, not politeness.

1. a first fetch into an empty mirror, faults off, `--repeats` times (medians reported);
2. the same with `--faults` (503/429 with Retry-After, cut-short PDFs), and the wall time spent
   waiting before retries (the client's sleeps: their sum over threads, and the time at least
   one thread was waiting);
3. a re-fetch of the unchanged mirror, incremental (the default) and `full=True`, with the
   server's count of PDFs sent whole (`pdf_200`) before and after;
4. the first fetch once more from a server answering with TCP_NODELAY (below): the crawler's
   own speed when the replica's ~40 ms a response is out of the way;
5. `privsearch.build_index` over the mirror, for context.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from .speed import machine

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT.parent / "shared" / "site"
SOURCES = ["dhs", "federal-register"]


# -- the replica's server ----------------------------------------------------------------------


# serve.py as it is, but answering with TCP_NODELAY: it writes a response's headers and body
# separately, and on loopback Nagle's algorithm then holds the body until the client's delayed
# ACK, about 40 ms later.
_NODELAY = (
    "import sys; sys.path.insert(0, sys.argv[1]); import serve\n"
    "make = serve.make_handler\n"
    "def nodelay(rep):\n"
    "    handler = make(rep); handler.disable_nagle_algorithm = True; return handler\n"
    "serve.make_handler = nodelay; sys.argv = sys.argv[1:]; serve.main()"
)


class Server:
    """The replica's `serve.py` in a subprocess on a free port."""

    def __init__(self, faults: bool = False, nodelay: bool = False) -> None:
        run = ["-c", _NODELAY, str(SITE)] if nodelay else [str(SITE / "serve.py")]
        command = [sys.executable, *run, str(SITE / "replica"), "--port", "0"]
        self.process = subprocess.Popen(
            command + (["--faults"] if faults else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # connections the crawler leaves open when it ends
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().split(" on ")[-1].strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the replica's server did not start: {self.url!r}")

    def stats(self) -> dict[str, int]:
        """The server's counters (GET /__stats)."""
        with urllib.request.urlopen(f"{self.url}/__stats") as answer:
            return json.loads(answer.read())

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """End the server (ours only) and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


def request_floor_ms(url: str, n: int = 30) -> float:
    """Median milliseconds of one small GET to the server, one at a time, kept alive."""
    import httpx

    times = []
    with httpx.Client() as client:
        for _ in range(n):
            started = time.perf_counter()
            client.get(f"{url}/robots.txt")
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# -- children: one fetch or indexing run each --------------------------------------------------


def _vm(field: str) -> float:
    """A /proc/self/status memory figure (VmHWM: peak RSS, VmRSS: RSS now) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _counting_client(waits: list[tuple[float, float]], clients: list[Any]) -> type:
    """The fetch's Client, its sleeps recorded as (start, end) (with delay=0 every sleep is a
    wait before a retry: Retry-After or backoff) and itself kept in `clients`."""
    from privsearch.fetch.http import Client

    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        started = time.perf_counter()
        time.sleep(seconds)
        with lock:
            waits.append((started, time.perf_counter()))

    class CountingClient(Client):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(sleep=sleep, **kwargs)
            clients.append(self)

    return CountingClient


def _union_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of (start, end) intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _child_fetch(task: dict[str, Any]) -> dict[str, Any]:
    """One `privsearch.fetch` of both sources from the replica."""
    import privsearch

    waits: list[tuple[float, float]] = []
    clients: list[Any] = []
    fetch_module = importlib.import_module("privsearch.fetch")
    fetch_module.Client = _counting_client(waits, clients)  # type: ignore[attr-defined]
    rss_before = _vm("VmRSS")
    cpu, started = time.process_time(), time.perf_counter()
    report = privsearch.fetch(
        SOURCES,
        Path(task["mirror"]),
        urls=dict.fromkeys(SOURCES, task["url"]),
        delay=0,
        full=task["full"],
    )
    return {
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "seconds": report.seconds,
        "requests": report.requests,
        "bytes": report.bytes,
        "not_modified": report.not_modified,
        "retries": report.retries,
        "by_status": clients[0].stats["by_status"],
        "failed": len(report.failed),
        "stored": sum(s.files_stored for s in report.sources),
        "publications": sum(s.publications_fetched for s in report.sources),
        "waits": len(waits),
        "wait_sum": sum(end - start for start, end in waits),
        "wait_union": _union_seconds(waits),
        "peak_rss_mb": _vm("VmHWM"),
        "rss_before_mb": rss_before,
    }


def _child_index(task: dict[str, Any]) -> dict[str, Any]:
    """`privsearch.build_index` over the mirror into a new index."""
    import privsearch

    cpu, started = time.process_time(), time.perf_counter()
    report = privsearch.build_index([Path(task["mirror"])], Path(task["index"]))
    return {
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "records": report.records,
        "pages": report.pages,
        "skipped": len(report.skipped),
        "peak_rss_mb": _vm("VmHWM"),
    }


def _run_child(task: dict[str, Any], server: Server | None = None) -> dict[str, Any]:
    """`task` in a fresh process; with `server`, also the server's CPU seconds meanwhile."""
    server_cpu = server.cpu_seconds() if server else 0.0
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.fetch", "--child"],
        cwd=ROOT,
        input=json.dumps(task),
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{task['kind']} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if server:
        result["server_cpu"] = server.cpu_seconds() - server_cpu
        result["server"] = server.stats()
    return result


def _fetch(url: str, mirror: Path, server: Server, full: bool = False) -> dict[str, Any]:
    task = {"kind": "fetch", "url": url, "mirror": str(mirror), "full": full}
    return _run_child(task, server)


# -- the runs ----------------------------------------------------------------------------------


def measure(workdir: Path, repeats: int, log: Any) -> dict[str, Any]:
    """Every figure of the report, from fresh servers and processes."""
    result: dict[str, Any] = {"first": []}
    for nodelay in (False, True):
        server = Server(nodelay=nodelay)
        try:
            result["floor_ms" + ("_nodelay" if nodelay else "")] = request_floor_ms(server.url)
        finally:
            server.stop()
    for i in range(repeats):
        log(f"first fetch, faults off ({i + 1}/{repeats})")
        server = Server()
        mirror = workdir / f"mirror-{i}"
        result["first"].append(_fetch(server.url, mirror, server))
        if i < repeats - 1:
            server.stop()
    try:  # the mirror knows its sources by URL: the re-fetches ask the same server
        log("re-fetch of the unchanged mirror: incremental, then full")
        result["pdf_200_before"] = server.stats()["pdf_200"]
        result["again"] = _fetch(server.url, mirror, server)
        result["again_full"] = _fetch(server.url, mirror, server, full=True)
    finally:
        server.stop()

    for name, faults, nodelay in [("faults", True, False), ("nodelay", False, True)]:
        log(f"first fetch, {name}")
        server = Server(faults=faults, nodelay=nodelay)
        try:
            result[name] = _fetch(server.url, workdir / f"mirror-{name}", server)
        finally:
            server.stop()

    log("indexing the mirror")
    result["index"] = _run_child(
        {"kind": "index", "mirror": str(mirror), "index": str(workdir / "index")}
    )
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def format_report(r: dict[str, Any]) -> str:
    """The figures as Markdown: one table and a few sentences."""
    first = {k: _median(r["first"], k) for k in r["first"][0] if k not in ("server", "by_status")}
    faults, again, full, ix = r["faults"], r["again"], r["again_full"], r["index"]
    nodelay = r["nodelay"]

    def row(name: str, f: dict[str, Any]) -> str:
        mb = f["bytes"] / 1e6
        return (
            f"| {name} | {f['requests']:.0f} | {f['requests'] / f['seconds']:.0f} | "
            f"{mb:.2f} | {mb / f['seconds']:.2f} | {f['seconds']:.1f} | {f['cpu']:.1f} | "
            f"{f['server_cpu']:.1f} | {f['peak_rss_mb']:.0f} | {f['not_modified']:.0f} | "
            f"{f['retries']:.0f} |"
        )

    walls = ", ".join(f"{x['seconds']:.1f}" for x in r["first"])
    pdfs_full = full["server"]["pdf_200"] - again["server"]["pdf_200"]
    pdfs_again = again["server"]["pdf_200"] - r["pdf_200_before"]
    return "\n".join(
        [
            "| run | requests | requests/s | MB down | MB/s | wall s | our CPU s | server CPU s "
            "| peak RSS MB | 304s | retries |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            row(f"first fetch, faults off (median of {len(r['first'])})", first),
            row("first fetch, faults on", faults),
            row("first fetch, faults off, server with TCP_NODELAY", nodelay),
            row("re-fetch, unchanged mirror (incremental)", again),
            row("re-fetch, `full=True`", full),
            "",
            f"First fetch, faults off: wall seconds of the runs {walls}; "
            f"{first['publications']:.0f} publications, {first['stored']:.0f} files stored, "
            f"{first['failed']:.0f} failed; our CPU {first['cpu'] / first['requests'] * 1000:.1f}"
            f" ms per request; RSS before the fetch {first['rss_before_mb']:.0f} MB. "
            f"One small GET to the replica, one at a time: {r['floor_ms']:.1f} ms (median of "
            f"30); {r['floor_ms_nodelay']:.1f} ms with TCP_NODELAY.",
            "",
            f"Faults on: the server sent {faults['server']['faults_sent']} faults and saw "
            f"{faults['server']['refetched_after_fault']} faulted paths asked again; "
            f"{faults['retries']} retries, {faults['failed']} failed, "
            f"{faults['stored']} files stored. Waiting before retries: "
            f"{faults['waits']} sleeps, {faults['wait_sum']:.1f} s summed over threads, "
            f"{faults['wait_union']:.1f} s of wall time with at least one thread waiting, "
            f"of {faults['seconds']:.1f} s ({faults['wait_union'] / faults['seconds']:.0%}); "
            f"{faults['seconds'] - first['seconds']:+.1f} s against the fault-free median.",
            "",
            f"Re-fetch: incremental {again['requests']} requests, {again['bytes'] / 1e3:.0f} kB, "
            f"{again['seconds']:.2f} s, PDFs sent whole {pdfs_again}; `full=True` "
            f"{full['requests']} requests, {full['not_modified']} of them 304, "
            f"{full['bytes'] / 1e3:.0f} kB, {full['seconds']:.1f} s (HTTP statuses "
            f"{full['by_status']}), PDFs sent whole "
            f"{pdfs_full} (server pdf_200 {again['server']['pdf_200']} before, "
            f"{full['server']['pdf_200']} after).",
            "",
            f"Indexing the mirror (`build_index`, new index): {ix['records']} records, "
            f"{ix['pages']} PDF pages, {ix['skipped']} skipped, {ix['wall']:.1f} s "
            f"(CPU of the main process {ix['cpu']:.1f} s), peak RSS {ix['peak_rss_mb']:.0f} MB.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fault-free first fetches")
    parser.add_argument("--workdir", type=Path, help="where mirrors and the index go (temp)")
    parser.add_argument("--json", type=Path, help="write every figure as JSON here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        task = json.loads(sys.stdin.read())
        run = _child_fetch if task["kind"] == "fetch" else _child_index
        print(json.dumps(run(task)))
        return 0
    if not (SITE / "serve.py").is_file():
        print(f"the site replica is not at {SITE}", file=sys.stderr)
        return 2
    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="privsearch-fetch-")) if own_tmp else args.workdir
    if not own_tmp:
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    try:
        print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
        print(f"Code: {commit or 'unknown'}; date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
        result = measure(workdir, max(1, args.repeats), lambda m: print(m, file=sys.stderr))
        print()
        print(format_report(result))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
