"""The programmes app's part of ``marshrut demo``."""

from __future__ import annotations

from typing import Any

from marshrut.orgs.models import Region
from marshrut.programmes.demo_interviews import build_interviews_demo
from marshrut.programmes.demo_programmes import build_programmes_demo


def build_demo(region: Region, stdout: Any) -> None:
    build_programmes_demo(region, stdout)
    build_interviews_demo(region, stdout)
