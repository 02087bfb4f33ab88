"""The home page and the health check."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from marshrut.notify import queue
from marshrut.orgs import access
from marshrut.orgs.context import PARAM, SESSION_KEY, in_region
from marshrut.orgs.models import Membership, Municipality, Person, School
from marshrut.orgs.roles import Cap, Role
from marshrut.web.pages import cached_body, digest, zone_dates

# What the home body reads: the work queue's sources (marshrut/notify/queue.py) and the figures.
QUEUE_TABLES = (
    "people",
    "registry",
    "plans",
    "diagnostics",
    "programmes",
    "support",
    "imports",
    "practices",
)
HOME_CODE = digest("notify", "diagnostics", "plans", "programmes", "support", "events", "practices")


def _figures(request: HttpRequest, user: Any) -> dict[str, Any]:
    """The region's figures, for those who work on a whole region (not a school or municipality)."""
    g = access.grant(user, Cap.SCHOOL_VIEW)
    if not (g.everything or g.regions):
        return {}
    schools = in_region(request, School.objects.for_user(user).active(), "municipality__region")
    figures = schools.aggregate(
        total=Count("id"),
        rural=Count("id", filter=Q(settlement=School.Settlement.RURAL)),
        shnor=Count("id", filter=Q(is_shnor=True)),
        rip=Count("id", filter=Q(is_rip=True)),
        pilot=Count("id", filter=Q(is_pilot=True)),
    )
    coordinators = None
    if access.grant(user, Cap.PERSON_VIEW):
        coordinators = (
            Membership.objects.active()
            .filter(role=Role.MUNICIPAL_COORDINATOR, person__in=Person.objects.for_user(user))
            .count()
        )
    return {
        "figures": figures,
        "municipality_count": in_region(request, Municipality.objects.for_user(user)).count(),
        "coordinator_count": coordinators,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """«Что сделать сейчас»: the user's work queue; the region's figures below for operators."""
    user: Any = request.user

    def context() -> dict[str, Any]:
        tasks = queue.tasks_for(user)
        return {
            "tasks": tasks,
            "groups": queue.grouped(tasks),
            "overdue": sum(1 for t in tasks if t.overdue),
            **_figures(request, user),
        }

    # Keyed by the user (a curator's visits are their own), «today» in every zone and every
    # table the sources read: a change anywhere in them renders the queue again.
    body = cached_body(
        request,
        "web.home",
        code=HOME_CODE,
        tables=QUEUE_TABLES,
        parts=(user.pk, zone_dates()),
        template="web/_home_body.html",
        context=context,
    )
    return render(
        request,
        "web/home.html",
        {
            "body": body,
            "person": getattr(user, "person", None),
            "memberships": Membership.objects.active()
            .filter(person__user=user)
            .select_related("region", "municipality", "school")
            .prefetch_related("schools"),
        },
    )


@login_required
def region_switch(request: HttpRequest) -> HttpResponse:
    """The header's switcher: a region named here was checked and remembered by the middleware
    (404 outside the user's regions); an empty choice forgets it («all my regions»)."""
    if not request.GET.get(PARAM):
        request.session.pop(SESSION_KEY, None)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    # The page stays; a region named in its own address would undo the choice.
    parts = urlsplit(target)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in (PARAM, "page")])
    return redirect(urlunsplit(("", "", parts.path, query, parts.fragment)))


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
