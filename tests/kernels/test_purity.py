"""The domain kernels import nothing from Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import marshrut.kernels


def test_kernels_do_not_import_django() -> None:
    modules = [
        f"marshrut.kernels.{m.name}" for m in pkgutil.iter_modules(marshrut.kernels.__path__)
    ]
    assert modules
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + (
            "print(sorted(name for name in sys.modules if name == 'django' or name.startswith('django.')))"
        )
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
