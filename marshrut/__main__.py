"""``python -m marshrut …`` is the ``marshrut`` command, without depending on PATH."""

from marshrut.cli import main

main()
