"""The web tier: the login page under ``wrk``, and behind clients that send half a request.

    .venv/bin/python bench/bench_web.py [--stalled 50] [--seconds 10] [-- command to serve on {port}]

Builds a fresh SQLite database in a temporary directory (static files collected once under
``var/bench-static``), starts
``marshrut serve`` (or the command given after ``--``, ``{port}`` replaced) on a free port of the
loopback, then: opens ``--stalled`` connections that send the start of a request and stall, times a
normal request to the login page behind them, closes them, and runs ``wrk -t2 -c16`` on the login
page with keep-alive and with ``Connection: close`` (what a proxy without upstream keep-alive
sends). ``wrk`` is Debian's package of that name.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARSHRUT = Path(sys.executable).parent / "marshrut"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def behind_stalled(port: int, stalled: int) -> str:
    held = []
    try:
        for _ in range(stalled):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            held.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
                s.sendall(b"GET /accounts/login/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                status = s.recv(64).split(b"\r\n", 1)[0].decode()
            return f"{status} через {time.monotonic() - started:.3f} с"
        except OSError as exc:
            return f"нет ответа за {time.monotonic() - started:.1f} с ({exc})"
    finally:
        for s in held:
            s.close()


def wrk(port: int, seconds: int, *headers: str) -> str:
    if not shutil.which("wrk"):
        return "wrk не установлен (apt-get install wrk)"
    argv = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{seconds}s",
        *headers,
        f"http://127.0.0.1:{port}/accounts/login/",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latency = re.search(r"Latency\s+(\S+)", out)
    return f"{rate.group(1) if rate else '?'} запросов/с, задержка {latency.group(1) if latency else '?'}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stalled", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            MARSHRUT_VAR_DIR=f"{tmp}/var",
            # Collected once and kept: compressing the static files takes minutes on 2 cores.
            STATIC_ROOT=str(ROOT / "var" / "bench-static"),
            SECRET_KEY="bench-only-" + "k" * 50,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            DEBUG="0",
            PYTHONPATH=str(ROOT),
        )
        for step in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([str(MARSHRUT), *step], cwd=ROOT, env=env, check=True)
        port = free_port()
        argv = [a.replace("{port}", str(port)) for a in args.command] or [
            str(MARSHRUT),
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
        ]
        server = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("сервер не запустился")
                    time.sleep(0.5)
            print("сервер:", " ".join(argv))
            print(
                f"страница входа за {args.stalled} зависшими клиентами:",
                behind_stalled(port, args.stalled),
            )
            print("wrk, keep-alive:", wrk(port, args.seconds))
            print("wrk, Connection: close:", wrk(port, args.seconds, "-H", "Connection: close"))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
