"""The CPU time of a first build: user + system seconds of every process it runs.

    python -m benchmarks.build_cpu CORPUS NAME=SRC [NAME=SRC ...] [--rounds 2] [--workdir DIR]

Each version (`SRC`: the `src` folder of a checkout) builds its own index of CORPUS from scratch
(`privsearch index CORPUS --rebuild`), in turns, `--rounds` times. CPU seconds are read where a
shared machine leaves them comparable, unlike wall time: the run's own, its PDF readers' and its
writer processes'. The writers are children of multiprocessing's fork server, which outlives
the run and would be reaped by init, their time lost; this process makes itself their
subreaper (Linux), reaps them, and so counts them.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> None:
    """Orphaned descendants (the fork server and its writers) become this process's children."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap_orphans() -> None:
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def build(src: Path, corpus: Path, index_dir: Path) -> dict[str, float]:
    """Wall, user and system seconds of `privsearch index CORPUS --rebuild` with `src`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src.resolve()), str(src.parent)]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "privsearch", "index", str(corpus), "--index", str(index_dir),
         "--rebuild", "--json"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - started
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {
        "wall_s": round(wall, 1),
        "user_s": round(user, 1),
        "sys_s": round(system, 1),
        "cpu_s": round(user + system, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("versions", nargs="+", help="NAME=SRC, SRC a checkout's src/")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("build-cpu-work"))
    args = parser.parse_args(argv)
    _become_subreaper()
    args.workdir.mkdir(parents=True, exist_ok=True)
    versions = dict(v.split("=", 1) for v in args.versions)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in versions}
    for _ in range(args.rounds):
        for name, src in versions.items():
            figures = build(Path(src), args.corpus, args.workdir / f"index-{name}")
            figures["load_after"] = round(os.getloadavg()[0], 2)
            runs[name].append(figures)
            print(name, figures, file=sys.stderr, flush=True)
    result: dict[str, Any] = {
        name: {"runs": figures, "cpu_median_s": statistics.median(f["cpu_s"] for f in figures)}
        for name, figures in runs.items()
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
