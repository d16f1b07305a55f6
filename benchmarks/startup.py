"""Start-up: the wall time of one `privsearch search` and of `privsearch serve` until it answers.

    python -m benchmarks.startup [--repeats 15] [--index DIR] [--json FILE]

Both run as a user runs them, in a fresh process each time, on an index of the bundled
`corpus/` (built first when `--index` has none):

1. `privsearch search "facial recognition"` and the same with `--json`, printing to a pipe:
   the median, fastest and slowest wall time over `--repeats` runs, after one unmeasured run
   (so that Python's bytecode caches exist, as they do after the first search);
2. `privsearch serve` on a free port: from the start of the process to the first `200` from
   `/healthz`, then to the first search answered (`/api/search?q=facial+recognition`).

The modules a search imports are listed too (`-X importtime`, the ten slowest), since import
time is nearly all of a search's wall time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from .speed import machine

ROOT = Path(__file__).resolve().parents[1]
QUERY = "facial recognition"


def _privsearch() -> list[str]:
    found = shutil.which("privsearch", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "privsearch.cli"]


def _ensure_index(index: Path) -> None:
    if not (index / "privsearch.json").is_file():
        subprocess.run(
            [*_privsearch(), "index", str(ROOT / "corpus"), "--index", str(index)],
            check=True,
            capture_output=True,
        )


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def time_search(index: Path, repeats: int, *extra: str) -> dict[str, float]:
    """Median, fastest and slowest wall seconds of a whole `privsearch search` process."""
    command = [*_privsearch(), "search", QUERY, "--index", str(index), *extra]
    _wall(command)
    times = [_wall(command) for _ in range(repeats)]
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, deadline: float) -> float:
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter()
        except OSError:
            time.sleep(0.005)
    raise TimeoutError(url)


def time_serve(index: Path) -> dict[str, float]:
    """Seconds from starting `privsearch serve` to its first health answer and first search."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        [*_privsearch(), "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        healthy = _wait_for(f"{base}/healthz", started + 30)
        searched = _wait_for(f"{base}/api/search?q=facial+recognition", started + 30)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"ready": healthy - started, "first_search": searched - started}


def slowest_imports(index: Path, count: int = 10) -> list[tuple[str, float]]:
    """The modules whose import (with what they import) takes longest in one search."""
    probe = (
        "from privsearch.cli import cli\n"
        f"cli(['search', {QUERY!r}, '--index', {str(index)!r}], standalone_mode=False)\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[1].isdigit() and not parts[2].startswith(" "):
            rows.append((parts[2], int(parts[1]) / 1e6))
    return sorted(rows, key=lambda row: -row[1])[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--index", type=Path, default=Path("/tmp/privsearch-startup-index"))
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    _ensure_index(args.index)
    serve_runs = [time_serve(args.index) for _ in range(max(3, args.repeats // 5))]
    figures: dict[str, Any] = {
        "machine": machine(),
        "search": time_search(args.index, args.repeats),
        "search_json": time_search(args.index, args.repeats, "--json"),
        "serve_ready": statistics.median(r["ready"] for r in serve_runs),
        "serve_first_search": statistics.median(r["first_search"] for r in serve_runs),
        "slowest_imports": slowest_imports(args.index),
    }
    print(f"Machine: {figures['machine']}")
    for name in ("search", "search_json"):
        t = figures[name]
        print(f"{name}: median {t['median']:.3f} s (min {t['min']:.3f}, max {t['max']:.3f})")
    print(
        f"serve: ready in {figures['serve_ready']:.3f} s, first search answered at "
        f"{figures['serve_first_search']:.3f} s (medians of {len(serve_runs)})"
    )
    print("slowest imports (cumulative seconds):")
    for module, seconds in figures["slowest_imports"]:
        print(f"  {module:40} {seconds:.3f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
