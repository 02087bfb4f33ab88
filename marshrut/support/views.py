"""The ШНОР programme's front page: the year's cohort at a glance and the way to each part."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.roles import Cap
from marshrut.support.models import Participation


def programme_year(request: HttpRequest, region: object) -> int:
    """The year the pages show: ``?year=`` or the region's current year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return region.today().year  # type: ignore[attr-defined]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    cohort = Participation.objects.for_user(request.user).in_region(region).of_year(year)
    return render(
        request,
        "support/home.html",
        {
            "region": region,
            "year": year,
            "in_cohort": cohort.current().count(),
            "left": cohort.filter(left_on__isnull=False).count(),
            "tab": "home",
        },
    )
