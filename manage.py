#!/usr/bin/env python
"""Django's command-line utility; ``marshrut`` is the same with a friendlier name."""

from marshrut.cli import main

if __name__ == "__main__":
    main()
