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
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.judged import load_queries

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--no-reindex", action="store_true", help="no re-index during the run")
    parser.add_argument(
        "--warmup", type=int, default=5, help="seconds of the same load before the timed run"
    )
    args = parser.parse_args()
    figures = run(
        args.connections,
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
