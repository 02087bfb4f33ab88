"""What the console log says about refused requests: one line each, a traceback only for a 500."""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse

from tests.conftest import World


def _console() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if h.get_name() == "console")


def _written(record: logging.LogRecord) -> str:
    """The text the configured console handler writes for the record."""
    handler = _console()
    assert handler.filter(record)
    return handler.format(record)


def test_a_404_403_and_refused_host_are_one_short_line_each(world: World, caplog: Any) -> None:
    head = world.client("head")
    caplog.set_level(logging.WARNING)
    assert head.get("/no-such-page/").status_code == 404
    assert head.get(reverse("plans:measure_create")).status_code == 403
    assert head.get("/", HTTP_HOST="evil.example").status_code == 400

    lines = [
        _written(r)
        for r in caplog.records
        if r.name.startswith(("django.request", "django.security"))
    ]
    assert len(lines) == 3
    assert lines[0] == "Not Found: /no-such-page/"
    assert lines[1].startswith("Forbidden (Permission denied): /plans/")
    assert "evil.example" in lines[2]
    for line in lines:
        assert "\n" not in line and "Traceback" not in line


def test_a_server_error_keeps_its_traceback(caplog: Any) -> None:
    try:
        raise ValueError("сломалось")
    except ValueError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=True, extra={"status_code": 500}
        )
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    written = _written(record)
    assert written.startswith("Internal Server Error: /x\nTraceback")
    assert "ValueError: сломалось" in written
