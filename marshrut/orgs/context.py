"""The region a request works in: the one rule for every page, export, command and endpoint.

A user works in the regions where they hold a capability (``Region.objects.for_user``). Which of
them a request means is said explicitly — ``?region=<code>`` in the URL, or the region remembered
in the session by the switcher in the page header — and never guessed: with several regions and
none chosen, the user is asked. A region outside the user's is a 404, whichever way it is named.

The middleware below puts the chosen region on ``request.region`` and switches Django's current
time zone to the region's for the request, so ``timezone.localdate()`` and the templates' dates
follow the region's clocks. Code that works on an object of a known region (a plan, a campaign)
asks that region instead: :func:`region_today`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from marshrut.lib.cache import cached, code_digest, generations
from marshrut.orgs import access, roles
from marshrut.orgs.models import TIME_ZONES, Region, RegionQuerySet
from marshrut.orgs.roles import Cap

SESSION_KEY = "marshrut_region"
PARAM = "region"
# Every role reads the schools of its node, so this capability gives all the user's regions.
ANY_ROLE = Cap.SCHOOL_VIEW


class RegionChoiceNeeded(Exception):
    """The user works in several regions for this capability and has not said which."""

    def __init__(self, regions: list[Region]) -> None:
        codes = ", ".join(f"{r.code} ({r.name})" for r in regions)
        super().__init__(f"Укажите регион: {PARAM}=КОД. Ваши регионы: {codes}.")
        self.regions = regions


def user_regions(user: Any) -> RegionQuerySet:
    """All the regions the user works in, whatever the role: those the switcher offers."""
    return Region.objects.for_user(user, ANY_ROLE).order_by("name")


@dataclass(frozen=True)
class Frame:
    """What every page's frame needs to know about the user, read once per change of it."""

    memberships: list[Any]
    regions: list[Region]
    can: dict[str, bool]
    roles: list[str]


# The frame changes with the code that computes it (roles and their capabilities among it).
FRAME_CODE = code_digest(
    [Path(access.__file__), Path(roles.__file__), Path(__file__).with_name("models.py")]
)
_FRAME_ATTR = "_marshrut_frame"


def user_frame(user: Any) -> Frame:
    """The user's memberships, regions and capabilities, from the cache while nobody's roles and
    no region, municipality or school changed (the ``people`` and ``registry`` generations).

    Memberships are dated, so today's date is part of the key too.
    """
    found = getattr(user, _FRAME_ATTR, None)
    if found is not None:
        return found  # type: ignore[no-any-return]

    def compute() -> Frame:
        access.forget(user)
        return Frame(
            memberships=access.memberships(user),
            regions=list(user_regions(user)),
            can={cap.name.lower(): bool(access.grant(user, cap)) for cap in Cap},
            roles=access.roles_of(user),
        )

    parts = (
        FRAME_CODE,
        user.pk,
        user.is_superuser,
        user.is_active,
        timezone.localdate(),
        generations("people", "registry"),
    )
    found = cached("orgs.frame", parts, compute)
    access.remember(user, found.memberships)
    setattr(user, _FRAME_ATTR, found)
    return found


def _chosen(request: HttpRequest, mine: list[Region]) -> Region | None:
    """The region named in the URL or remembered in the session; 404 outside the user's."""
    code = request.GET.get(PARAM, "").strip()
    session = getattr(request, "session", None)
    by_code = {r.code: r for r in mine}
    if code:
        region = by_code.get(code)
        if region is None:
            raise Http404("region outside the user's")
        if session is not None:
            session[SESSION_KEY] = region.code
        return region
    remembered = session.get(SESSION_KEY) if session is not None else None
    if remembered:
        region = by_code.get(remembered)
        if region is not None:
            return region
        del session[SESSION_KEY]  # type: ignore[union-attr]
    return mine[0] if len(mine) == 1 else None


def current_region(request: HttpRequest, cap: Cap, user: Any = None) -> Region:
    """The region in which this request reads or creates things with the capability.

    The chosen region (URL or session) if the capability holds there; otherwise the user's only
    region for the capability; otherwise the user is asked (:class:`RegionChoiceNeeded`, which
    the middleware answers with a choice page; an API answers it with 400 and its message). 403
    when the capability holds nowhere, or when the URL names one of the user's regions where it
    does not hold; 404 for a region that is not the user's.

    ``user``: for requests the middleware did not know the user of (an API token); then
    ``?region=КОД`` is checked here.
    """
    user = request.user if user is None else user
    regions = Region.objects.for_user(user, cap).order_by("name")
    chosen = getattr(request, "region", None)
    code = request.GET.get(PARAM, "").strip()
    if chosen is None and code:
        chosen = user_regions(user).filter(code=code).first()
        if chosen is None:
            raise Http404("region outside the user's")
    if chosen is not None and regions.filter(pk=chosen.pk).exists():
        return chosen
    if chosen is not None and code:
        raise PermissionDenied
    allowed = list(regions)
    if not allowed:
        raise PermissionDenied
    if len(allowed) == 1:
        return allowed[0]
    raise RegionChoiceNeeded(allowed)


def holds_on_region(user: Any, cap: Cap, region: Region | int) -> bool:
    """Whether the capability holds on the whole region (a regional role, or above the regions)."""
    region_id = region if isinstance(region, int) else region.pk
    return access.grant(user, cap).covers(region_id, None, None)


def in_region(request: HttpRequest, qs: Any, path: str = "region") -> Any:
    """A list narrowed to the chosen region; every region of the user's when none is chosen."""
    region = getattr(request, "region", None)
    return qs if region is None else qs.filter(**{path: region})


def region_today(region: Region | int | None) -> dt.date:
    """«Today» in a region: by its clocks, not the server's. None: the request's current zone."""
    if region is None:
        return timezone.localdate()
    if isinstance(region, int):
        zone = Region.objects.values_list("time_zone", flat=True).get(pk=region)
        return timezone.localtime(timezone.now(), Region(time_zone=zone).tz).date()
    return region.today()


def by_region_date(
    region_path: str, make: Callable[[dt.date], Q], at: dt.datetime | None = None
) -> Q:
    """A filter that applies ``make(today)`` with each row's own region's «today».

    At any instant Russia's eleven zones show at most two dates, so this is at most two branches:
    ``(region in the zones showing D1 and make(D1)) or (… D2 …)``.
    """
    now = at or timezone.now()
    zones_by_day: dict[dt.date, list[str]] = {}
    for zone, _label in TIME_ZONES:
        zones_by_day.setdefault(timezone.localtime(now, ZoneInfo(zone)).date(), []).append(zone)
    q = Q(pk__in=[])
    for day, zones in zones_by_day.items():
        q |= Q(**{f"{region_path}__time_zone__in": zones}) & make(day)
    return q


@contextmanager
def in_zone(region: Region) -> Iterator[None]:
    """Work on a region outside a request (a command, a task) by its clocks."""
    with timezone.override(region.tz):
        yield


def command_region(code: str | None) -> Region:
    """The region a command works on: ``--region CODE``, required when there are several."""
    regions = list(Region.objects.order_by("code"))
    listing = ", ".join(f"{r.code} ({r.name})" for r in regions)
    if code:
        region = next((r for r in regions if r.code == code), None)
        if region is None:
            raise CommandError(
                f"Нет региона с кодом «{code}». Коды регионов: {listing or 'регионов нет'}."
            )
        return region
    if len(regions) == 1:
        return regions[0]
    if not regions:
        raise CommandError("В базе нет ни одного региона: сначала загрузите реестр.")
    raise CommandError(f"В базе несколько регионов: укажите --region КОД. Коды: {listing}.")


class RegionMiddleware:
    """Puts the chosen region on ``request.region`` and the request in the region's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        region = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # From the cache: the switcher lists these, and the choice is checked against them.
            mine = user_frame(user).regions
            request.my_regions = mine  # type: ignore[attr-defined]
            region = _chosen(request, mine)
        request.region = region  # type: ignore[attr-defined]
        if region is not None:
            timezone.activate(region.tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RegionChoiceNeeded):
            return None
        query = request.GET.copy()
        query.pop(PARAM, None)
        choices = []
        for r in exception.regions:
            query[PARAM] = r.code
            choices.append((r, f"{request.path}?{query.urlencode()}"))
        return render(
            request,
            "web/region_choose.html",
            {"choices": choices, "was_post": request.method == "POST"},
            status=400 if request.method == "POST" else 200,
        )


def region_context(request: HttpRequest) -> dict[str, Any]:
    """The current region and the user's regions, for the header's switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    mine = getattr(request, "my_regions", None)
    return {
        "current_region": getattr(request, "region", None),
        "my_regions": mine
        if mine is not None
        else SimpleLazyObject(lambda: list(user_regions(user))),
    }
