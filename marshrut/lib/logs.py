"""Logging of Маршрут: what the console handler of settings.LOGGING writes."""

from __future__ import annotations

import logging


class ShortClientErrors(logging.Filter):
    """One line, no traceback, for an answer in the 4xx range.

    Django logs every 403, 404 and refused host with the exception that produced it; those are the
    visitor's mistakes, not ours, and a scan of the site would bury the real 500s under
    tracebacks. The record keeps its message, its status and its request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
