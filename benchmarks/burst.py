"""Ordinary searches under a burst of expensive ones: `privsearch serve` on loopback.

Builds an index of ../shared/corpus/dhs in a temporary folder, starts the server on a free
port of 127.0.0.1, and measures the latency of ordinary searches (the judged queries, each
with a page and page size drawn at random, so that the answer cache rarely helps) from one
client sending them one after another: first alone, then while --clients other clients send
expensive queries in a loop (64 typo~ words, 16 typo~2 words, broad prefixes, typo~ on long
words, a thousand-letter word, groups nested 300 deep), each drawn afresh so that none is
answered from the cache. Every loop stops by itself once the ordinary searches are done.

    python -m benchmarks.burst --requests 300 --clients 4
    python -m benchmarks.burst --src /path/to/other/checkout/src   # the same, on other code
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from benchmarks.judged import load_queries
from benchmarks.load import CORPUS, _free_port, _wait_ready

WORDS = (
    "privacy biometric border customs immigration security system records enforcement "
    "information retention sharing facial recognition surveillance identity"
).split()
PREFIXES = "co re in de pr st se ex ma pa ac di su po tr ca".split()


def expensive_query(rnd: random.Random) -> str:
    """One expensive query, different each time."""

    def word(n: int) -> str:
        return "".join(rnd.choice(string.ascii_lowercase) for _ in range(n))

    kind = rnd.randrange(6)
    if kind == 0:
        return " ".join(f"{word(rnd.randint(4, 9))}~2" for _ in range(64))
    if kind == 1:
        return " ".join(f"{w}~2" for w in rnd.sample(WORDS, 16))
    if kind == 2:
        return " OR ".join(f"{p}*" for p in rnd.sample(PREFIXES, rnd.randint(4, 16)))
    if kind == 3:
        return " ".join(f"{word(32)}~2" for _ in range(16))
    if kind == 4:
        return word(1000)
    return "(" * 300 + word(8) + ")" * 300


def _get(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def _ordinary(base: str, requests: int, seed: int) -> tuple[list[float], Counter[int]]:
    rnd = random.Random(seed)
    texts = [q.text for q in load_queries()]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    for _ in range(requests):
        params = {"q": rnd.choice(texts), "page": rnd.randint(1, 3), "per_page": rnd.randint(5, 30)}
        status, ms = _get(f"{base}/api/search?{urllib.parse.urlencode(params)}")
        statuses[status] += 1
        latencies.append(ms)
    return latencies, statuses


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
    }


def run(requests: int, clients: int, workers: int, src: Path | None) -> dict[str, object]:
    if not CORPUS.is_dir():
        raise SystemExit(f"the shared corpus is not at {CORPUS}")
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    work = Path(tempfile.mkdtemp(prefix="privsearch-burst-"))
    privsearch = [sys.executable, "-m", "privsearch"]
    index_dir = work / "index"
    subprocess.run(
        [*privsearch, "index", str(CORPUS), "--index", str(index_dir)],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*privsearch, "serve", "--index", str(index_dir), "--host", "127.0.0.1"]
        + ["--port", str(port), "--rate-limit", "0", "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    stop = threading.Event()
    expensive: list[tuple[int, float]] = []

    def burst(seed: int) -> None:
        rnd = random.Random(seed)
        deadline = time.monotonic() + 600  # a loop that ends even if the measuring one hangs
        while not stop.is_set() and time.monotonic() < deadline:
            q = urllib.parse.quote(expensive_query(rnd))
            expensive.append(_get(f"{base}/api/search?q={q}"))

    try:
        _wait_ready(base, server)
        _ordinary(base, 30, seed=99)  # warm up: not timed
        idle, idle_statuses = _ordinary(base, requests, seed=1)
        threads = [threading.Thread(target=burst, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the burst under way before the first timed request
        busy, busy_statuses = _ordinary(base, requests, seed=2)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    idle_figures, busy_figures = _summary(idle), _summary(busy)
    return {
        "requests": requests,
        "clients": clients,
        "workers": workers,
        "idle": idle_figures,
        "burst": busy_figures,
        "p95_ratio": round(busy_figures["p95_ms"] / idle_figures["p95_ms"], 2),
        "ordinary_statuses": dict(idle_statuses + busy_statuses),
        "expensive": {
            "requests": len(expensive),
            "statuses": dict(Counter(s for s, _ in expensive)),
            **_summary([ms for _, ms in expensive] or [0.0]),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="ordinary searches per phase")
    parser.add_argument("--clients", type=int, default=4, help="clients sending expensive queries")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--src", type=Path, help="a src/ folder to run the server from")
    args = parser.parse_args()
    figures = run(args.requests, args.clients, args.workers, args.src)
    print(json.dumps(figures, indent=2))
    return 0 if figures["p95_ratio"] <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
