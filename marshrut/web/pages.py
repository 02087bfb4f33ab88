"""Page bodies served from the cache, keyed by everything they show (see marshrut/lib/cache.py).

A page's template is split in two: the frame (``base.html``: menu, region switcher, messages,
the user's name) is rendered on every request; the body — the part under the page's title — is
rendered once per change of what it shows and kept in the cache. Its key holds

* the generations of the tables it reads (``lib.cache.generations``: every write to them, bulk
  or not, in whichever module, gives a new one in the same transaction);
* the user's scope: the roles they hold on which nodes — two people with the same roles on the
  same nodes see the same body, nobody sees a body computed for another scope;
* the region chosen in the switcher, the query string, the language (``lib.cache.key``), «today»
  where the body says what is overdue or open, and the digest of the templates and code.

The CSRF token is per session: a body is rendered with a placeholder in its place, and the
placeholder is replaced by this request's token on the way out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from marshrut.lib.cache import cached, code_digest, generations
from marshrut.orgs.context import user_frame
from marshrut.orgs.models import TIME_ZONES

CSRF_PLACEHOLDER = "marshrut-csrf-token-placeholder"

_PACKAGE = Path(__file__).resolve().parents[1]


def digest(*apps: str) -> str:
    """The digest of the templates, Python modules and translations of some apps and the web."""
    paths: list[Path] = []
    for app in (*apps, "web", "lib", "orgs"):
        folder = _PACKAGE / app
        paths += [*folder.glob("*.py"), *folder.glob("templates/**/*.html")]
        paths += [*folder.glob("templatetags/*.py")]
    paths += list((_PACKAGE / "locale").glob("**/*.po"))
    return code_digest(set(paths))


_zone_dates: dict[dt.datetime, tuple[dt.date, ...]] = {}


def zone_dates() -> tuple[dt.date, ...]:
    """Today in each of Russia's zones: the key of a body that shows what is overdue across
    regions, each by its own day (two dates at most at any instant).

    Every Russian zone is a whole number of hours from UTC, so the dates hold for a UTC hour:
    computed once an hour (checked at both ends of the hour, should a zone ever be otherwise).
    """
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    dates = _zone_dates.get(hour)
    if dates is None:
        dates, last = (
            tuple(timezone.localtime(t, ZoneInfo(zone)).date() for zone, _label in TIME_ZONES)
            for t in (hour, hour + dt.timedelta(minutes=59, seconds=59))
        )
        if dates != last:
            return tuple(
                timezone.localtime(timezone.now(), ZoneInfo(zone)).date()
                for zone, _label in TIME_ZONES
            )
        _zone_dates.clear()
        _zone_dates[hour] = dates
    return dates


def scope(user: Any) -> tuple[Any, ...]:
    """What decides which rows a user sees: superuser or not, and the roles held on which nodes."""
    return (
        user.is_superuser,
        user.is_active,
        tuple(
            sorted(
                (
                    m.role,
                    tuple(sorted(m.district_regions)) if m.district_regions is not None else None,
                    m.region_id,
                    m.municipality_id,
                    m.school_id,
                    tuple(sorted(m.assigned)),
                )
                for m in user_frame(user).memberships
            )
        ),
    )


def cached_body(
    request: HttpRequest,
    namespace: str,
    *,
    code: str,
    tables: Iterable[str],
    parts: tuple[Any, ...],
    template: str,
    context: Callable[[], dict[str, Any]],
) -> SafeString:
    """The body rendered from ``template`` with ``context()``, once per change of its key.

    ``tables``: the generation groups the body reads (``lib.cache.GROUPS``); ``parts``: what else
    it depends on beyond the user's scope, the chosen region and the query string.
    """
    region = getattr(request, "region", None)
    key = (
        code,
        generations(*tables),
        scope(request.user),
        region.pk if region is not None else None,
        tuple(sorted(request.GET.lists())),
        parts,
    )

    def render() -> str:
        values = context()
        values["csrf_token"] = CSRF_PLACEHOLDER
        return str(render_to_string(template, values, request))

    body = cached(namespace, key, render)
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(body)
