"""The ШНОР part of ``marshrut demo``: each part of the programme adds its own demo here."""

from __future__ import annotations

from typing import Any

from marshrut.orgs.models import Region
from marshrut.support.demo_cohort import build_cohort_demo
from marshrut.support.demo_documents import build_documents_demo
from marshrut.support.demo_risks import build_risks_demo
from marshrut.support.demo_stages import build_stages_demo


def build_demo(region: Region, stdout: Any) -> None:
    build_cohort_demo(region, stdout)
    build_risks_demo(region, stdout)
    build_documents_demo(region, stdout)
    build_stages_demo(region, stdout)
