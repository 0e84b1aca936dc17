"""A real MLflow tracking server for the tests that read runs from one (the loss-curve library
and `evaluate --training-log mlflow:RUN`), started once per session.

`mlflow server` on a SQLite store in a temporary directory, one worker, its background job
runner off (it starts a handful of queue consumers the tests do not need), on a free port of
127.0.0.1. The fixture waits for `/health`, and stops the server's whole process group at the
end: SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a running MLflow tracking server."""
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlflow", "server"),
            *("--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"),
            *("--default-artifact-root", str(root / "artifacts")),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(uri, server, root / "server.log")
        yield uri
    finally:
        _stop(server)
        log.close()


def _wait_until_healthy(uri: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"mlflow server exited with {server.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"mlflow server not healthy within {START_TIMEOUT_SECONDS} s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (uvicorn runs as its child), then SIGKILL."""
    for stop_signal in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, stop_signal)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=STOP_TIMEOUT_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue
