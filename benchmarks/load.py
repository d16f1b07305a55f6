"""Load test: `privsearch serve` on loopback under wrk, while a re-index runs.

Builds an index of ../shared/corpus/dhs, starts the server, and drives it with wrk (Debian's
`wrk`) at a fixed number of connections for a fixed time: a mix of searches (the judged queries
and variants, with and without filters), suggestions and document lookups. Meanwhile the
corpus is re-indexed again and again (`nice privsearch index --rebuild`), so the server must
keep answering while new index versions are committed (each one empties its answer cache).
Prints requests per second, latency percentiles and error counts. The timed run follows
--warmup seconds of the same load (a server that has been up a while); traffic goes to
127.0.0.1 only, and wrk stops after --seconds.

    python -m benchmarks.load --connections 50 --seconds 30

With --index DIR: uncached searches over an existing index, with no re-indexing. The server
(`privsearch serve --workers 2 --rate-limit 0`, a deployment on two cores) serves a copy of
DIR, and every request is a search it has not answered before, so its answer cache never
answers: --distinct searches made of the judged queries and of queries generated from the
index's own records (`benchmarks.speed.generated_queries`), each plain, on page 2, with
another component as filter and sorted by date, no two alike, shuffled. Each wrk thread
walks its own share of that list once, without wrapping; a run that uses its share up is
refused (pass a larger --distinct), and the server's access log is checked for repeats.
After --warmup seconds of the same load on searches of their own, one run of --seconds at
each of the --connections counts, each on the next searches of the list. Each run reports
requests/s, p50/p90/p95/p99 latency, non-2xx answers and socket errors, the load average
before it, and the server's CPU (all its processes) per request. With --split N (default
300), where that CPU goes: the first run's first N searches timed again in this process
through `Index.search` alone, and the server's CPU per request for one search answered from
its cache again and again (HTTP, routing and the cache lookup alone).

    python -m benchmarks.load --index /tmp/full/index --connections 2,8,32 --warmup 15
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import privsearch
from benchmarks.judged import load_queries
from benchmarks.speed import generated_queries

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "dhs"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _paths(limit: int = 400) -> list[str]:
    """Request paths: searches (plain, filtered, paged, by date), suggestions, documents."""
    texts = [q.text for q in load_queries()]
    paths: list[str] = []
    for n, text in enumerate(texts):
        q = urllib.parse.quote(text)
        paths.append(f"/api/search?q={q}")
        paths.append(f"/api/search?q={q}&page=2&sort=date")
        paths.append(f"/api/search?q={q}&component=CBP&component=ICE")
        paths.append(f"/api/suggest?q={urllib.parse.quote(text[: 3 + n % 6])}")
        if n % 3 == 0:
            paths.append("/api/documents/DHS%2FICE%2FPIA-054")
    return paths[:limit]


def _lua(paths: list[str]) -> str:
    quoted = ",\n".join(json.dumps(p) for p in paths)
    return f"""
local paths = {{
{quoted}
}}
local i = math.random(#paths)
request = function()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i])
end
"""


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)
    raise SystemExit("the server did not answer /healthz")


def _parse_wrk(output: str) -> dict[str, float]:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    def millis(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": number(r"(\d+) requests in"),
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": millis("50"),
        "p90_ms": millis("90"),
        "p99_ms": millis("99"),
        "non_2xx": number(r"Non-2xx or 3xx responses: (\d+)"),
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


def _wrk(threads: int, connections: int, seconds: int, script: Path, url: str) -> list[str]:
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]


def run(
    connections: int, seconds: int, threads: int, reindex: bool, workers: int, warmup: int
) -> dict[str, float]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if not CORPUS.is_dir():
        raise SystemExit(f"the shared corpus is not at {CORPUS}")
    work = Path(tempfile.mkdtemp(prefix="privsearch-load-"))
    privsearch = [sys.executable, "-m", "privsearch"]
    index_dir = work / "index"
    subprocess.run(
        [*privsearch, "index", str(CORPUS), "--index", str(index_dir)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            *privsearch,
            "serve",
            "--index",
            str(index_dir),
            "--port",
            str(port),
            "--rate-limit",
            "0",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    reindexes = 0
    try:
        _wait_ready(url, server)
        script = work / "paths.lua"
        script.write_text(_lua(_paths()))
        if warmup:  # a server that has been up a while: not timed
            subprocess.run(
                _wrk(threads, connections, warmup, script, url),
                stdout=subprocess.DEVNULL,
                check=True,
            )
        wrk = subprocess.Popen(
            _wrk(threads, connections, seconds, script, url), stdout=subprocess.PIPE, text=True
        )
        while reindex and wrk.poll() is None:
            # Re-indexing is a batch job: at a lower priority than the server, as a deployment
            # would run it.
            subprocess.run(
                [
                    "nice",
                    "-n",
                    "10",
                    *privsearch,
                    "index",
                    str(CORPUS),
                    "--index",
                    str(index_dir),
                    "--rebuild",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            reindexes += 1
        output, _ = wrk.communicate(timeout=seconds + 60)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    figures = _parse_wrk(output)
    figures.update(
        connections=connections,
        seconds=seconds,
        reindexes=reindexes,
        workers=workers,
        warmup=warmup,
    )
    print(output)
    return figures


# -- all-distinct searches over an existing index (--index) -------------------------------------

VARIANTS = ("plain", "page 2", "component", "by date")


@dataclass(frozen=True)
class SearchRequest:
    """One search as the API takes it; its path is what wrk sends."""

    text: str
    component: str | None = None
    page: int = 1
    sort: str | None = None

    def path(self) -> str:
        params: list[tuple[str, str | int]] = [("q", self.text)]
        if self.component:
            params.append(("component", self.component))
        if self.page != 1:
            params.append(("page", self.page))
        if self.sort:
            params.append(("sort", self.sort))
        return "/api/search?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    def search_kwargs(self) -> dict[str, Any]:
        """The same search as `Index.search` keyword arguments (besides the query)."""
        return {"component": self.component, "page": self.page, "sort": self.sort}


def _variants(text: str, component: str | None, other: str) -> list[SearchRequest]:
    """The query as given, its page 2, with another component filter, and newest first."""
    return [
        SearchRequest(text, component),
        SearchRequest(text, component, page=2),
        SearchRequest(text, other),
        SearchRequest(text, component, sort="date"),
    ]


def distinct_searches(
    index_dir: Path, count: int, seed: int = 18
) -> tuple[list[SearchRequest], str]:
    """`count` searches, no two alike, in a random order, and a line saying what they are made
    of: the judged queries and queries generated from the index's own records
    (`benchmarks.speed.generated_queries`), each in the four `VARIANTS`."""
    with privsearch.open_index(index_dir) as ix:
        records = list(ix.records())
    components = sorted({r.component for r in records if r.component})
    judged = [(q.text, q.component) for q in load_queries()]
    wanted = -(-count // len(VARIANTS)) - len(judged)
    generated = generated_queries(records, max(wanted, 0) + 50, exclude=set(judged))
    rng = random.Random(seed)
    searches: dict[SearchRequest, None] = {}  # insertion-ordered set
    for text, component in judged + generated:
        other = rng.choice([c for c in components if c != component])
        searches.update(dict.fromkeys(_variants(text, component, other)))
    chosen = list(searches)[:count]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} distinct searches could be made, not {count}")
    rng.shuffle(chosen)
    bases = len({s.text for s in chosen})
    made_of = (
        f"{len(chosen)} distinct searches: {bases} distinct query texts ({len(judged)} judged "
        f"queries, the rest generated from the index's records), each plain, page 2, with a "
        f"component filter and sorted by date"
    )
    return chosen, made_of


# Each wrk thread walks its own share of the paths file once (lines k, k + T, k + 2T, ... for
# thread k of T), so no path is sent twice; a thread whose share is used up stops, and `done`
# says so, since wrk would then divide fewer requests by the whole run's time.
_WALK_ONCE_LUA = """
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local file, total = args[1], tonumber(args[2])
  paths = {}
  local n = 0
  for line in io.lines(file) do
    n = n + 1
    if (n - id) % total == 0 then paths[#paths + 1] = line end
  end
  used = 0
  ran_out = 0
end

function request()
  if used >= #paths then
    ran_out = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  used = used + 1
  return wrk.format("GET", paths[used])
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("walk thread %d used %d ran_out %d\\n",
      t:get("id"), t:get("used"), t:get("ran_out")))
  end
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("walk latency p%d %d us\\n", p, latency:percentile(p)))
  end
  io.write(string.format("walk latency max %d us\\n", latency.max))
end
"""


def _walked(output: str, threads: int) -> tuple[int, bool]:
    """The number of lines of the paths file the run went through (past the last one sent),
    and whether a thread ran out of paths."""
    through, ran_out = 0, False
    for match in re.finditer(r"^walk thread (\d+) used (\d+) ran_out (\d)$", output, re.M):
        k, used, out = (int(g) for g in match.groups())
        if used:
            through = max(through, k + (used - 1) * threads)
        ran_out = ran_out or out == 1
    return through, ran_out


def _walk_latency(output: str) -> dict[str, float]:
    found = re.findall(r"^walk latency (p\d+|max) (\d+) us$", output, re.M)
    return {f"{name}_ms": int(us) / 1000 for name, us in found}


def _tree_pids(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return pids


def _tree_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of `pid` and its descendants so far (the server's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in _tree_pids(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _access_log(log: Path) -> dict[str, Any]:
    """The server's access log: API requests, how many repeat an earlier one, by status."""
    found = re.findall(r'"GET (/api/\S+) HTTP/1\.1" (\d{3})', log.read_text(errors="replace"))
    paths = [path for path, _ in found]
    return {
        "searches_sent": len(paths),
        "searches_repeated": len(paths) - len(set(paths)),
        "statuses": dict(Counter(status for _, status in found)),
    }


def _serve_index(index_dir: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [
                sys.executable, "-m", "privsearch", "serve", "--index", str(index_dir),
                "--port", str(port), "--rate-limit", "0", "--workers", str(workers),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def _index_search_cpu_ms(
    index_dir: Path, warm: list[SearchRequest], timed: list[SearchRequest]
) -> float:
    """CPU ms per `Index.search` in this process, one at a time, over `timed`, after an
    untimed pass over `warm`."""
    with privsearch.open_index(index_dir) as ix:
        for s in warm:
            ix.search(s.text, **s.search_kwargs())
        started = time.process_time()
        for s in timed:
            ix.search(s.text, **s.search_kwargs())
        return (time.process_time() - started) * 1000 / len(timed)


def _cached_request_cpu_ms(pid: int, url: str, path: str, threads: int) -> float:
    """The server's CPU ms per request for one search asked again and again, answered from
    its cache after the first time: the HTTP, routing and cache lookup alone (5 s of wrk at
    two connections)."""
    before = _tree_cpu_seconds(pid)
    output = subprocess.run(
        ["wrk", f"-t{threads}", "-c2", "-d5s", url + path],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout  # fmt: skip
    return (_tree_cpu_seconds(pid) - before) * 1000 / max(_parse_wrk(output)["requests"], 1)


def run_distinct(
    index_dir: Path,
    connections: list[int],
    seconds: int,
    threads: int,
    workers: int,
    warmup: int,
    count: int,
    split: int,
) -> dict[str, Any]:
    """wrk at each of `connections` against `privsearch serve` over a copy of `index_dir`,
    every request a search the server has not answered before. Unless `split` is 0, where
    the server's CPU goes: the first `split` searches of the first timed run timed again in
    this process (`Index.search` alone), and one search answered again and again from the
    server's cache (HTTP alone)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    searches, made_of = distinct_searches(index_dir, count)
    print(made_of, file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="privsearch-load-"))
    copy = work / "index"
    shutil.copytree(index_dir, copy)  # the server never writes into the index given
    script = work / "walk.lua"
    script.write_text(_WALK_ONCE_LUA)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    server = _serve_index(copy, port, workers, log)
    paths = [s.path() for s in searches]
    offset, runs, sent = 0, [], []  # sent: each wrk run's searches
    try:
        _wait_ready(url, server)

        def walk(conns: int, duration: int) -> dict[str, Any]:
            nonlocal offset
            rest = work / "paths.txt"
            rest.write_text("".join(p + "\n" for p in paths[offset:]))
            load_before = os.getloadavg()[0]
            cpu_before = _tree_cpu_seconds(server.pid)
            command = _wrk(threads, conns, duration, script, url)
            output = subprocess.run(
                [*command, "--", str(rest), str(threads)],
                stdout=subprocess.PIPE, text=True, check=True,
            ).stdout  # fmt: skip
            cpu = _tree_cpu_seconds(server.pid) - cpu_before
            through, ran_out = _walked(output, threads)
            if ran_out:
                raise SystemExit(
                    f"the {count} distinct searches ran out at {conns} connections; "
                    "pass a larger --distinct"
                )
            sent.append(searches[offset : offset + through])
            offset += through
            figures = _parse_wrk(output)
            figures.update(_walk_latency(output))
            figures.update(
                connections=conns,
                seconds=duration,
                load_average_before=round(load_before, 2),
                server_cpu_ms_per_request=cpu * 1000 / max(figures["requests"], 1),
            )
            return figures

        if warmup:  # the same kind of load, on searches of its own, not timed
            walk(max(connections), warmup)
        for conns in connections:
            figures = walk(conns, seconds)
            print(json.dumps(figures), file=sys.stderr)
            runs.append(figures)
        served = _access_log(log)  # before the cached run, which asks one search again
        if split:
            http_only = _cached_request_cpu_ms(server.pid, url, searches[0].path(), threads)
    finally:
        server.terminate()
        server.wait(timeout=20)
    result: dict[str, Any] = {
        "index": str(index_dir),
        "workers": workers,
        "threads": threads,
        "distinct": made_of,
        **served,
        "runs": runs,
    }
    if split:
        warm = sent[0][:50] if warmup else searches[-50:]
        timed = sent[-len(runs)][:split]
        result["split"] = {
            "searches": len(timed),
            "index_search_cpu_ms": _index_search_cpu_ms(copy, warm, timed),
            "server_cpu_ms_per_request": runs[0]["server_cpu_ms_per_request"],
            "server_cpu_ms_per_cached_request": http_only,
        }
    shutil.rmtree(work, ignore_errors=True)
    return result


def _connection_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("connections must be at least 1")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--connections",
        type=_connection_counts,
        default=None,
        help="open connections (default 50); with --index, a list: 4,16,64",
    )
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--no-reindex", action="store_true", help="no re-index during the run")
    parser.add_argument(
        "--warmup", type=int, default=5, help="seconds of the same load before the timed run"
    )
    parser.add_argument(
        "--index",
        type=Path,
        help="serve (a copy of) this index, every request a search not answered before",
    )
    parser.add_argument(
        "--distinct", type=int, default=20_000, help="with --index: distinct searches to make"
    )
    parser.add_argument(
        "--split",
        type=int,
        default=300,
        help="with --index: time the first run's first N searches in-process too (0: no)",
    )
    args = parser.parse_args()
    if args.index is not None:
        result = run_distinct(
            args.index,
            args.connections or [4, 16, 64],
            args.seconds,
            args.threads,
            args.workers,
            args.warmup,
            args.distinct,
            args.split,
        )
        print(json.dumps(result, indent=2))
        errors = sum(r["non_2xx"] + r["socket_errors"] for r in result["runs"])
        return 0 if errors == 0 and result["searches_repeated"] == 0 else 1
    connections = args.connections or [50]
    if len(connections) != 1:
        parser.error("one --connections without --index")
    figures = run(
        connections[0],
        args.seconds,
        args.threads,
        not args.no_reindex,
        args.workers,
        args.warmup,
    )
    print(json.dumps(figures, indent=2))
    return 0 if figures["non_2xx"] == 0 and figures["socket_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
