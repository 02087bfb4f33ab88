"""The ``marshrut`` console command.

Every management command of the project is a subcommand: ``marshrut demo``, ``marshrut serve``,
``marshrut worker``, ``marshrut registry import FILE``, and Django's own (``marshrut migrate``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        # The demo is a local trial: development settings unless the caller chose otherwise.
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["marshrut", *args])
