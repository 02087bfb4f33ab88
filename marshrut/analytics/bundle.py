"""Writes the Vega bundle (Vega, Vega-Lite, Vega-Embed) that the pages load from our own server.

vl-convert carries the libraries; bundling takes seconds, so it is done once at install time
(``scripts/install.sh`` runs ``python -m marshrut.analytics.bundle``), not on a request.
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[2] / "build" / "vega"


def build(target: Path = TARGET) -> Path:
    import vl_convert

    target.mkdir(parents=True, exist_ok=True)
    path = target / "vega-bundle.js"
    stamp = target / "version.txt"
    version = f"{vl_convert.get_vega_version()} {vl_convert.get_vega_embed_version()}"
    if path.exists() and stamp.exists() and stamp.read_text() == version:
        return path
    path.write_text(vl_convert.javascript_bundle(None), encoding="utf-8")  # type: ignore[arg-type]  # None: the default snippet
    stamp.write_text(version)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
