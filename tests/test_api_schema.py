"""The API against its own OpenAPI description (schemathesis, over a real server): generated
requests never get a 5xx, every answer has a documented status and the documented shape."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(index: Path, *options: str) -> Iterator[str]:
    """`privsearch serve` on a free loopback port, until the block ends; yields its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "privsearch",
            "serve",
            "--index",
            str(index),
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"the server did not start: {proc.stderr.read()}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(bundled_index: Path) -> Iterator[str]:
    with serving(bundled_index, "--rate-limit", "0") as url:
        yield url


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is not installed")
def test_api_conforms_to_its_schema(server, tmp_path):
    result = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{server}/openapi.json",
            "--checks",
            "all",
            # A query can be schema-valid and still bad query syntax: a 400, by design.
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "40",
            "--generation-deterministic",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "generated" in result.stdout


def test_serve_with_two_worker_processes(bundled_index):
    with serving(bundled_index, "--workers", "2") as url:
        health = json.loads(urllib.request.urlopen(f"{url}/healthz", timeout=5).read())
        assert health["records"] > 0
        for _ in range(6):  # answered by either process
            found = json.loads(
                urllib.request.urlopen(f"{url}/api/search?q=facial+recognition", timeout=5).read()
            )
            assert found["results"][0]["id"] == "DHS/ICE/PIA-054"
