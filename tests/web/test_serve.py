"""``marshrut serve`` as an administrator starts it: the console script of the environment.

The server runs as a separate process on a free port of the loopback, with a PATH that does not
hold the environment's ``bin`` (a systemd unit or cron gives none), against a SQLite database of
its own in a temporary directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "marshrut"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, timeout: float) -> bytes:
    """One plain HTTP/1.0 request; the whole answer, or socket.timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    }
    venv_bin = str(SCRIPT.parent)
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep) if p and p != venv_bin
    )
    # DEBUG serves static files from the finders, so the page renders without collectstatic.
    env.update(MARSHRUT_VAR_DIR=str(tmp_path / "var"), DEBUG="1")
    # The package under test is this checkout, whichever one the environment was installed from.
    env["PYTHONPATH"] = str(ROOT)
    subprocess.run([str(SCRIPT), "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"marshrut serve stopped with {proc.returncode}:\n{out}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("marshrut serve did not listen within 30 s")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_starts_without_the_environment_on_path(server: int) -> None:
    answer = _get(server, "/accounts/login/", timeout=10)
    assert answer.split(b"\r\n", 1)[0].endswith(b" 200 OK"), answer[:200]
    assert "Вход".encode() in answer


def test_stalled_clients_do_not_starve_the_server(server: int) -> None:
    # Fifty clients send the start of a request and then nothing: a slow-loris on a bad network.
    stalled = []
    try:
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", server), timeout=5)
            s.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            stalled.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        answer = _get(server, "/accounts/login/", timeout=10)
        elapsed = time.monotonic() - started
    finally:
        for s in stalled:
            s.close()
    assert answer.split(b"\r\n", 1)[0].endswith(b" 200 OK"), answer[:200]
    assert elapsed < 3, f"the login page took {elapsed:.1f} s behind stalled clients"
