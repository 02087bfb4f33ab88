"""The demo exactly as the README starts it: ``marshrut demo`` with nothing else run by hand.

One demo per module, built fresh in a temporary ``MARSHRUT_VAR_DIR`` with no environment (what
``scripts/demo.sh`` execs after installing); the operator uploads a results file made from the
campaign's own template, previews and applies it, builds the school sheets archive — all done by
the worker the demo started — and Ctrl+C (SIGINT) stops the server and its worker together.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from marshrut.orgs.demo import DEMO_PASSWORD
from tests import demo_site as demo
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

BUILD_TIMEOUT = 300  # seconds: the demo build took ~21 s alone on the 2-core CI machine


@dataclass
class Demo:
    url: str
    var: Path
    process: subprocess.Popen[bytes]
    log: Path
    started_in: float

    def worker_pid(self) -> int:
        found = re.search(r"Обработчик фоновых задач запущен \(процесс (\d+)\)", self.output())
        assert found, self.output()[-2000:]
        return int(found.group(1))

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    var = tmp_path_factory.mktemp("demo")
    port = demo.free_port()
    log = var / "demo.log"
    clock = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            demo.command("demo", "--addr", f"127.0.0.1:{port}"),
            env=demo.env(var),
            cwd=demo.ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    running = Demo(url, var, process, log, 0.0)
    try:
        demo.wait_until(
            lambda: answers(url) or process.poll() is not None, BUILD_TIMEOUT, "демо", 0.5
        )
        assert process.poll() is None, running.output()[-3000:]
        running.started_in = time.monotonic() - clock
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def login(page: Any, site: Demo, username: str) -> None:
    page.goto(f"{site.url}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def test_the_demo_prints_the_logins_and_starts_its_worker(site: Demo) -> None:
    output = site.output()
    assert "operator" in output and DEMO_PASSWORD in output
    pid = site.worker_pid()
    os.kill(pid, 0)  # alive


def test_operator_uploads_results_previews_applies_and_the_worker_finishes(
    site: Demo, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    results = tmp_path / "результаты.xlsx"
    pk = demo.shell(
        site.var,
        f"from tests.demo_site import results_file; print(results_file(2026, '{results}'))",
    )
    login(page, site, "operator")
    page.goto(f"{site.url}/diagnostics/campaigns/{pk}/")
    page.get_by_role("link", name="Загрузить результаты из файла").click()
    page.get_by_label("Файл с результатами").set_input_files(str(results))
    page.get_by_role("button", name="Проверить файл").click()
    # The worker checks the file in the background; the page polls until the preview is ready.
    expect(page.locator("[data-testid=status]")).to_have_text(
        "проверен, ждёт применения", timeout=60_000
    )
    expect(page.locator("[data-testid=counts]")).to_contain_text("172")
    screenshot(page, "demo-import-preview")
    page.get_by_role("button", name="Применить: загрузить результаты").click()
    expect(page.locator("[data-testid=status]")).to_have_text("загружен", timeout=60_000)
    expect(page.locator("body")).to_contain_text("Результаты загружены")
    expect(page.locator("[data-testid=job-hint]")).to_have_count(0)
    screenshot(page, "demo-import-applied")
    imported = demo.query(
        site.var,
        "SELECT count(*) FROM diagnostics_submission WHERE campaign_id = ? AND source = 'import'",
        int(pk),
    )
    assert imported == [(172,)]


def test_operator_builds_the_school_sheets_archive(site: Demo, page: Any) -> None:
    from playwright.sync_api import expect

    (pk,) = demo.query(site.var, "SELECT id FROM diagnostics_campaign WHERE year = 2024")[0]
    login(page, site, "operator")
    page.goto(f"{site.url}/analytics/campaigns/{pk}/report/")
    page.get_by_role("link", name="Листы результатов школ (ZIP)").click()
    page.get_by_label("Для каких школ").select_option(label="город Северогорск")
    page.get_by_role("button", name="Сформировать ZIP").click()
    download_link = page.locator("[data-testid=download]")
    expect(download_link).to_be_visible(timeout=120_000)
    with page.expect_download() as info:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    names = archive.namelist()
    assert names and all(n.endswith(".pdf") for n in names)
    screenshot(page, "demo-sheets-done")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie has stopped running and only waits to be reaped (by init, once orphaned).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_ctrl_c_stops_the_server_and_its_worker(site: Demo) -> None:
    worker = site.worker_pid()
    site.process.send_signal(signal.SIGINT)
    assert site.process.wait(timeout=30) == 0
    demo.wait_until(lambda: gone(worker), 20, "обработчик задач остановился вместе с демо", 0.2)
    assert not answers(site.url)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_stopped_or_killed_demo_leaves_no_worker_behind(
    site: Demo, sig: signal.Signals, tmp_path: Path
) -> None:
    # The same demo started again (its data is kept and not duplicated), then stopped by the
    # service manager (SIGTERM) or killed outright (SIGKILL): its worker must not outlive it.
    port = demo.free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            demo.command("demo", "--addr", f"127.0.0.1:{port}"),
            env=demo.env(site.var),
            cwd=demo.ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    again = Demo(f"http://127.0.0.1:{port}", site.var, process, log, 0.0)
    try:
        demo.wait_until(lambda: answers(again.url), BUILD_TIMEOUT, "демо снова отвечает", 0.5)
        worker = again.worker_pid()
        process.send_signal(sig)
        process.wait(timeout=30)
        demo.wait_until(lambda: gone(worker), 20, "обработчик задач остановился вместе с демо", 0.2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
