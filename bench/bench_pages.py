"""Logged-in pages under ``wrk``, against the login page on the same servers.

    .venv/bin/python bench/bench_pages.py [--processes 2] [--threads 8] [--connections 50]
                                          [--seconds 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_pages .venv/bin/python bench/bench_pages.py

Builds the demo region (``marshrut demo --no-server``) in a fresh SQLite database in a temporary
directory, or in the PostgreSQL database of ``DATABASE_URL`` (emptied first: give
it a bench database). Then starts ``--processes`` instances of ``marshrut serve`` as
docs/deploy.md deploys them (one port each, ``--threads`` threads each, ``DEBUG=0``), logs in as
the regional operator and runs ``wrk`` with ``--connections`` connections, one wrk thread per
server process (the Lua script points each thread at its own port, as the proxy's upstream
would): first on the login page, then rotating the logged-in pages — the region dashboard, the
school list, a campaign's status, the largest plan and the execution page — with the session
cookie. Prints requests/s, p50/p95/p99 latency and errors for each, and the ratio of the logged-in
pages to the login page (goal: ≥ 50 %, p95 < 300 ms, no errors). ``wrk`` is Debian's package.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
MARSHRUT = Path(sys.executable).parent / "marshrut"

LUA = r"""
local ports = {%(ports)s}
local paths = {%(paths)s}
local cookie = "%(cookie)s"
local counter = 1
function setup(thread)
  local i = (counter - 1) %% #ports + 1
  thread.addr = wrk.lookup("127.0.0.1", ports[i])[1]
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  n = offset
end
function request()
  n = n + 1
  local path = paths[(n %% #paths) + 1]
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%f %%f %%f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.errors.status, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""

PATHS_SCRIPT = r"""
import json
from django.db.models import Count
from marshrut.diagnostics.models import Campaign, Result
from marshrut.plans.models import Plan
campaign = Campaign.objects.filter(
    pk__in=Result.objects.values("campaign_id")).order_by("-year", "-opens_on").first()
plan = Plan.objects.annotate(n=Count("items")).order_by("-n").first()
print("PATHS " + json.dumps({
    "dashboard": f"/analytics/?campaign={campaign.pk}",
    "schools": "/registry/schools/",
    "campaign": f"/diagnostics/campaigns/{campaign.pk}/",
    "plan": f"/plans/{plan.pk}/",
    "execution": "/plans/execution/",
    "_plan_items": plan.n,
    "_schools": Result.objects.filter(campaign=campaign, scope="overall").count(),
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_in(port: int, username: str, password: str) -> str:
    """The session cookie of a fresh login through the login form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    body = page.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not (csrf_cookie and token):
        sys.exit("на странице входа нет CSRF-токена")
    conn.request(
        "POST",
        "/accounts/login/",
        body=urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie.group(1)}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    session = re.search(r"sessionid=([^;]+)", answer.getheader("Set-Cookie") or "")
    if answer.status != 302 or not session:
        sys.exit(f"вход не удался: {answer.status}")
    return f"sessionid={session.group(1)}"


def weigh(port: int, path: str, cookie: str) -> tuple[int, int, float]:
    """Status, size in bytes and time of one request (the page's weight without static files)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    answer = conn.getresponse()
    size = len(answer.read())
    return answer.status, size, time.perf_counter() - started


def wrk(
    ports: list[int], paths: list[str], cookie: str, connections: int, seconds: int, tmp: str
) -> dict[str, float]:
    script = Path(tmp) / "pages.lua"
    script.write_text(
        LUA
        % {
            "ports": ", ".join(f'"{p}"' for p in ports),
            "paths": ", ".join(json.dumps(p) for p in paths),
            "cookie": cookie,
        }
    )
    argv = [
        "wrk",
        f"-t{len(ports)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{ports[0]}/",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    found = re.search(r"RESULT (.+)", out)
    if not found:
        sys.exit("wrk не вывел итог:\n" + out)
    requests, errors, bad_status, duration, p50, p95, p99 = found.group(1).split()
    return {
        "rate": int(requests) / (int(duration) / 1e6),
        "errors": int(errors) + int(bad_status),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


def show(name: str, r: dict[str, float]) -> str:
    return (
        f"{name}: {r['rate']:.0f} запросов/с, p50 {r['p50']:.0f} мс, p95 {r['p95']:.0f} мс, "
        f"p99 {r['p99']:.0f} мс, ошибок {r['errors']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk не установлен (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update(
            MARSHRUT_VAR_DIR=f"{tmp}/var",
            # Collected once and kept: compressing the static files takes minutes on 2 cores.
            STATIC_ROOT=str(ROOT / "var" / "bench-static"),
            SECRET_KEY="bench-only-" + "k" * 50,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            DEBUG="0",
            PYTHONPATH=str(ROOT),
        )
        run = [str(MARSHRUT)]
        if "DATABASE_URL" in env:
            subprocess.run([*run, "flush", "--noinput", "-v0"], cwd=ROOT, env=env, check=False)
        for step in (
            ["migrate", "-v0"],
            ["collectstatic", "--noinput", "-v0"],
            ["demo", "--no-server"],
        ):
            subprocess.run([*run, *step], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        found = subprocess.run(
            [*run, "shell", "-c", PATHS_SCRIPT],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        pages = json.loads(found.split("PATHS ", 1)[1])
        print(
            f"данные: демо-регион, {pages.pop('_schools')} школ с результатами в кампании, "
            f"план из {pages.pop('_plan_items')} пунктов"
        )
        ports = [free_port() for _ in range(args.processes)]
        servers = [
            subprocess.Popen(
                [*run, "serve", "--bind", f"127.0.0.1:{port}", "--threads", str(args.threads)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        try:
            deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
            for port in ports:
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            sys.exit("сервер не запустился")
                        time.sleep(0.5)
            print(
                f"серверы: {args.processes} × `marshrut serve --threads {args.threads}` "
                f"(waitress, DEBUG=0), порты {', '.join(map(str, ports))}; "
                f"wrk -t{args.processes} -c{args.connections} -d{args.seconds}s"
            )
            cookie = log_in(ports[0], "operator", "marshrut-demo")
            for name, path in pages.items():
                weigh(ports[0], path, cookie)  # the first request fills caches
                status, size, took = weigh(ports[0], path, cookie)
                print(f"  {name} {path}: {status}, {size / 1024:.0f} КБ, {took * 1000:.0f} мс")
                if status != 200:
                    sys.exit(f"страница {path} ответила {status}")
            login = wrk(ports, ["/accounts/login/"], "", args.connections, args.seconds, tmp)
            print(show("страница входа", login))
            for name, path in pages.items():
                alone = wrk(ports, [path], cookie, args.connections, max(8, args.seconds // 2), tmp)
                print("  " + show(name, alone))
            mixed = wrk(ports, list(pages.values()), cookie, args.connections, args.seconds, tmp)
            print(show("страницы после входа вперемешку", mixed))
            print(
                f"отношение к странице входа: {mixed['rate'] / login['rate']:.2f} "
                f"(цель ≥ 0,50); p95 {mixed['p95']:.0f} мс (цель < 300); "
                f"ошибок {mixed['errors']:.0f} (цель 0)"
            )
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
