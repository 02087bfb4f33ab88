#!/usr/bin/env python
"""Django's command-line utility for developers: development settings unless told otherwise.

Production runs `marshrut …` (the server through marshrut.wsgi) with its own environment.
"""

import os

from marshrut.cli import main

if __name__ == "__main__":
    os.environ.setdefault("DEBUG", "1")
    main()
