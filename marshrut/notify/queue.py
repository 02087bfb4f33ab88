"""The work queue of a person: what to do now, across every role they hold.

``tasks_for(user)`` asks every registered *task source* (:func:`source`) for the tasks of the
user's roles and returns them overdue first, then by due date. A source is a plain function
``(who) -> Iterable[Task]`` that reads its app's tables in a fixed number of queries, whatever the
number of schools (counts grouped in the database, never a query per school), and returns only
what is still to be done: a task whose work is done is simply not found again.

The sources here cover the questionnaire, the roadmaps, the development programmes, ШНОР, the
interviews and decisions, the imports and the events. Another app adds its own with one line —
see :data:`SOURCES` (the practices library's moderation is expected there).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from marshrut.lib.plural import plural
from marshrut.orgs import access
from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import ROLES, Cap, Node, Role

# «This week»: the items and stages due within this many days from today count as due now.
WEEK_DAYS = 7
# How far ahead a visit, an interview or an event is worth showing.
AHEAD_DAYS = 14
# How far ahead a stage's documents, a decision's date are worth showing.
SOON_DAYS = 30


@dataclass(frozen=True)
class Task:
    """One thing to do: what, how many, by when, and where to do it.

    ``key`` is stable for the same task from one day to the next (the calendar's UID):
    the kind, the node it belongs to and, for a task about one object, the object.
    """

    key: str
    kind: str
    title: str
    url: str
    role: str
    node: str
    detail: str = ""
    due: dt.date | None = None
    overdue: bool = False
    count: int = 1

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role

    @property
    def group(self) -> str:
        """The heading the home page groups tasks under: the role and where it is held."""
        return f"{self.role_label} — {self.node}" if self.node else self.role_label

    def sort_key(self) -> tuple[Any, ...]:
        return (not self.overdue, self.due is None, self.due or dt.date.max, self.title, self.key)


@dataclass(frozen=True)
class Held:
    """One role of the user on one node, with the names the tasks show."""

    role: str
    node: Node
    region_id: int | None
    municipality_id: int | None
    school_id: int | None
    assigned: frozenset[int]
    label: str

    @property
    def caps(self) -> frozenset[Cap]:
        return ROLES[self.role].caps


@dataclass
class Who:
    """The person whose queue is built: their roles, their regions' «today», their names."""

    user: Any
    fixed_today: dt.date | None
    held: list[Held]
    zones: dict[int, str]  # region id → time zone
    school_region: dict[int, int]  # school id → region id (schools of the user's roles)
    municipality_region: dict[int, int]
    person_id: int | None
    now: dt.datetime = field(default_factory=timezone.now)

    def roles(self, *roles: str) -> list[Held]:
        return [h for h in self.held if h.role in roles]

    def with_cap(self, cap: Cap, *nodes: Node) -> list[Held]:
        return [h for h in self.held if cap in h.caps and (not nodes or h.node in nodes)]

    def today(self, region_id: int | None = None) -> dt.date:
        """«Today» in a region (the first of the user's regions when none is named)."""
        if self.fixed_today is not None:
            return self.fixed_today
        zone = self.zones.get(region_id or 0) or next(iter(self.zones.values()), None)
        if zone is None:
            return timezone.localdate()
        return timezone.localtime(self.now, ZoneInfo(zone)).date()

    @cached_property
    def one_day(self) -> dt.date | None:
        """The date that is «today» in all of the user's regions, if there is one."""
        if self.fixed_today is not None:
            return self.fixed_today
        days = {self.today(r) for r in self.zones} or {timezone.localdate()}
        return days.pop() if len(days) == 1 else None

    def on(self, region_path: str, make: Callable[[dt.date], Q]) -> Q:
        """``make(today)``; for a user across zones that show two dates, each row by its own."""
        day = self.one_day
        return make(day) if day is not None else by_region_date(region_path, make, self.now)

    def school_today(self, school_id: int) -> dt.date:
        return self.today(self.school_region.get(school_id))

    def municipality_today(self, municipality_id: int) -> dt.date:
        return self.today(self.municipality_region.get(municipality_id))


Source = Callable[[Who], Iterable[Task]]

#: The registry of task sources, in the order their tasks are gathered. An app adds its own
#: with ``register(function)``; see the practices placeholder at the end of this module.
SOURCES: list[Source] = []


def register(func: Source) -> Source:
    """Add a task source (usable as a decorator)."""
    if func not in SOURCES:
        SOURCES.append(func)
    return func


def who_is(user: Any, today: dt.date | None = None) -> Who:
    """Read the user's roles, the names of their nodes and their regions' zones (3 queries)."""
    memberships = access.memberships(user)
    schools: set[int] = set()
    municipalities: set[int] = set()
    regions: set[int] = set()
    for m in memberships:
        if m.school_id:
            schools.add(m.school_id)
        schools.update(m.assigned)
        if m.municipality_id:
            municipalities.add(m.municipality_id)
        if m.region_id:
            regions.add(m.region_id)
    school_rows = {
        pk: (name, mun, reg)
        for pk, name, mun, reg in School.objects.filter(pk__in=schools).values_list(
            "pk", "short_name", "municipality_id", "municipality__region_id"
        )
    }
    mun_rows = {
        pk: (name, reg)
        for pk, name, reg in Municipality.objects.filter(pk__in=municipalities).values_list(
            "pk", "name", "region_id"
        )
    }
    regions |= {r for _n, _m, r in school_rows.values()} | {r for _n, r in mun_rows.values()}
    region_rows = {
        pk: (name, zone)
        for pk, name, zone in Region.objects.filter(pk__in=regions).values_list(
            "pk", "name", "time_zone"
        )
    }
    held: list[Held] = []
    for m in memberships:
        spec = ROLES.get(m.role)
        if spec is None or spec.node == Node.COUNTRY:
            continue
        if spec.node == Node.SCHOOL:
            label = school_rows.get(m.school_id or 0, ("", 0, 0))[0]
        elif spec.node == Node.MUNICIPALITY:
            label = mun_rows.get(m.municipality_id or 0, ("", 0))[0]
        elif spec.node == Node.ASSIGNED:
            label = plural(
                len(m.assigned), "закреплённая школа", "закреплённые школы", "закреплённых школ"
            )
        else:
            label = region_rows.get(m.region_id or 0, ("", ""))[0]
        held.append(
            Held(
                role=m.role,
                node=spec.node,
                region_id=m.region_id,
                municipality_id=m.municipality_id,
                school_id=m.school_id,
                assigned=m.assigned,
                label=label,
            )
        )
    person = getattr(user, "person", None) if user.is_authenticated else None
    return Who(
        user=user,
        fixed_today=today,
        held=held,
        zones={pk: zone for pk, (_name, zone) in region_rows.items()},
        school_region={pk: reg for pk, (_n, _m, reg) in school_rows.items()},
        municipality_region={pk: reg for pk, (_n, reg) in mun_rows.items()},
        person_id=person.pk if person is not None else None,
    )


def tasks_for(user: Any, today: dt.date | None = None) -> list[Task]:
    """Everything the user has to do now, overdue first, then by due date."""
    if not user.is_authenticated or not user.is_active:
        return []
    who = who_is(user, today)
    if not who.held:
        return []
    tasks = [task for func in SOURCES for task in func(who)]
    return sorted(tasks, key=Task.sort_key)


def grouped(tasks: list[Task]) -> list[tuple[str, list[Task]]]:
    """The tasks under their headings (role and node), a heading with overdue tasks first."""
    groups: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        groups[task.group].append(task)
    return sorted(groups.items(), key=lambda kv: (not any(t.overdue for t in kv[1]), kv[0]))


# Tasks whose dates the calendar feed already carries one by one (each control date of an item).
PER_ITEM_KINDS = frozenset({"plans.overdue", "plans.week"})


def calendar_tasks(user: Any, today: dt.date | None = None) -> tuple[list[Task], str]:
    """The dated tasks of the user's queue for the calendar feed, and the zone of their region.

    The roadmap items' tasks are left out: the feed lists each of their control dates itself.
    """
    if not user.is_authenticated or not user.is_active:
        return [], ""
    who = who_is(user, today)
    tasks = [
        task
        for func in SOURCES
        for task in func(who)
        if task.due is not None and task.kind not in PER_ITEM_KINDS
    ]
    zone = (
        next(iter(sorted(set(who.zones.values()))), "") if len(set(who.zones.values())) == 1 else ""
    )
    return sorted(tasks, key=Task.sort_key), zone


# --- helpers -------------------------------------------------------------------------------------


def _url(name: str, *args: Any, **query: Any) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _d(day: dt.date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# --- school: the questionnaire -------------------------------------------------------------------


@register
def questionnaire(who: Who) -> Iterable[Task]:
    """The open questionnaire of each of the user's schools, and what the coordinator returned.

    One query. A questionnaire counts while the school can act on it: its campaign's window (or
    a reopening) is open and it is not sent; a returned one names the answers returned since the
    school last sent it (the flags returned in earlier rounds are history).
    """
    from marshrut.diagnostics.models import EDITABLE, Flag, Status, Submission

    held = {h.school_id: h for h in who.with_cap(Cap.DIAGNOSTICS_FILL, Node.SCHOOL)}
    if not held:
        return []
    this_round = Q(flags__resolution=Flag.Resolution.RETURNED) & (
        Q(submitted_at__isnull=True) | Q(flags__resolved_at__gte=F("submitted_at"))
    )

    def window(day: dt.date) -> Q:
        return Q(campaign__opens_on__lte=day, campaign__closes_on__gte=day) | Q(
            reopened_until__gte=day
        )

    rows = (
        Submission.objects.filter(school_id__in=held, status__in=EDITABLE)
        .filter(who.on("campaign__region", window))
        .annotate(
            returned=Count("flags", filter=this_round),
            no_evidence=Count("flags", filter=this_round & Q(flags__rule=Flag.Rule.NO_EVIDENCE)),
        )
        .select_related("campaign")
        .order_by("campaign__closes_on", "pk")
    )
    tasks = []
    for sub in rows:
        h = held[sub.school_id]
        today = who.school_today(sub.school_id)
        campaign = sub.campaign
        until = campaign.closes_on
        if sub.reopened_until and (today > campaign.closes_on or sub.reopened_until > until):
            until = sub.reopened_until
        url = reverse("diagnostics:submission", args=[sub.pk])
        if sub.status == Status.RETURNED:
            returned = sub.returned  # type: ignore[attr-defined]
            if returned:
                title = "Исправить анкету самодиагностики: координатор вернул " + plural(
                    returned, "ответ", "ответа", "ответов"
                )
            else:
                title = "Исправить анкету самодиагностики, возвращённую координатором"
            detail = [f"«{campaign.title}»"]
            if sub.no_evidence:  # type: ignore[attr-defined]
                detail.append(
                    "нужны подтверждающие документы к "
                    + plural(sub.no_evidence, "ответу", "ответам", "ответам")  # type: ignore[attr-defined]
                )
            if sub.review_comment:
                detail.append(f"замечание: {sub.review_comment[:200]}")
            detail.append(f"отправить снова до {_d(until)}")
            tasks.append(
                Task(
                    key=f"diagnostics-returned-{sub.pk}",
                    kind="diagnostics.returned",
                    title=title,
                    detail="; ".join(detail),
                    due=until,
                    overdue=until < today,
                    count=max(returned, 1),
                    url=url,
                    role=h.role,
                    node=h.label,
                )
            )
        else:
            left = sub.applicable - sub.answered
            tasks.append(
                Task(
                    key=f"diagnostics-fill-{sub.pk}",
                    kind="diagnostics.fill",
                    title=(
                        "Заполнить и отправить анкету самодиагностики"
                        if sub.answered
                        else "Начать анкету самодиагностики"
                    ),
                    detail=(
                        f"«{campaign.title}»: заполнено {sub.progress} % "
                        f"({sub.answered} из {sub.applicable}), приём до {_d(until)}"
                    ),
                    due=until,
                    overdue=until < today,
                    count=left if left > 0 else 1,
                    url=url,
                    role=h.role,
                    node=h.label,
                )
            )
    return tasks


# --- roadmaps: items due at the user's own level; a school roadmap returned -----------------------


@register
def roadmap_items(who: Who) -> Iterable[Task]:
    """Overdue items and items due this week in the plans the user reports on (one query)."""
    from marshrut.plans.models import Level, PlanItem

    held = who.with_cap(Cap.PLAN_REPORT, Node.SCHOOL, Node.MUNICIPALITY, Node.REGION)
    if not held:
        return []
    q = Q(pk__in=[])
    by_node: dict[tuple[str, int], Held] = {}
    for h in held:
        if h.node == Node.SCHOOL and h.school_id:
            q |= Q(plan__level=Level.SCHOOL, plan__school_id=h.school_id)
            by_node.setdefault((Level.SCHOOL, h.school_id), h)
        elif h.node == Node.MUNICIPALITY and h.municipality_id:
            q |= Q(plan__level=Level.MUNICIPALITY, plan__municipality_id=h.municipality_id)
            by_node.setdefault((Level.MUNICIPALITY, h.municipality_id), h)
        elif h.node == Node.REGION and h.region_id:
            q |= Q(plan__level=Level.REGION, plan__region_id=h.region_id)
            by_node.setdefault((Level.REGION, h.region_id), h)

    def overdue(day: dt.date) -> Q:
        return Q(next_due_on__lt=day)

    def this_week(day: dt.date) -> Q:
        return Q(next_due_on__gte=day, next_due_on__lte=day + dt.timedelta(days=WEEK_DAYS))

    late = who.on("plan__region", overdue)
    soon = who.on("plan__region", this_week)
    rows = (
        PlanItem.objects.open()
        .in_force()
        .filter(q)
        .filter(late | soon)
        .values("plan__level", "plan__region_id", "plan__municipality_id", "plan__school_id")
        .annotate(
            late=Count("id", filter=late),
            soon=Count("id", filter=soon),
            late_from=Min("next_due_on", filter=late),
            soon_from=Min("next_due_on", filter=soon),
            handed=Count("id", filter=late & Q(parent__isnull=False)),
        )
        .order_by()
    )
    tasks = []
    for r in rows:
        level = r["plan__level"]
        node_id = {
            Level.SCHOOL: r["plan__school_id"],
            Level.MUNICIPALITY: r["plan__municipality_id"],
            Level.REGION: r["plan__region_id"],
        }[level]
        h = by_node[(level, node_id)]
        extra = {"level": level}
        if level == Level.MUNICIPALITY:
            extra["municipality"] = node_id
        if r["late"]:
            detail = f"самый ранний срок — {_d(r['late_from'])}"
            if r["handed"]:
                detail += "; из них переданы из дорожной карты выше: " + str(r["handed"])
            tasks.append(
                Task(
                    key=f"plans-overdue-{level}-{node_id}",
                    kind="plans.overdue",
                    title="Просрочены мероприятия дорожной карты: "
                    + plural(r["late"], "мероприятие", "мероприятия", "мероприятий"),
                    detail=detail + "; отметьте исполнение или перенесите срок",
                    due=r["late_from"],
                    overdue=True,
                    count=r["late"],
                    url=_url("plans:item_list", status="overdue", **extra),
                    role=h.role,
                    node=h.label,
                )
            )
        if r["soon"]:
            tasks.append(
                Task(
                    key=f"plans-week-{level}-{node_id}",
                    kind="plans.week",
                    title="Срок на этой неделе: "
                    + plural(r["soon"], "мероприятие", "мероприятия", "мероприятий")
                    + " дорожной карты",
                    detail=f"ближайший срок — {_d(r['soon_from'])}",
                    due=r["soon_from"],
                    count=r["soon"],
                    url=_url("plans:item_list", status="soon", **extra),
                    role=h.role,
                    node=h.label,
                )
            )
    return tasks


@register
def roadmap_reviews(who: Who) -> Iterable[Task]:
    """A school's roadmap returned with remarks; the schools' roadmaps waiting for the
    municipality's approval (one query)."""
    from marshrut.plans.models import Level, Plan

    schools = {h.school_id: h for h in who.with_cap(Cap.PLAN_MANAGE, Node.SCHOOL)}
    municipalities = {
        h.municipality_id: h for h in who.with_cap(Cap.PLAN_APPROVE, Node.MUNICIPALITY)
    }
    if not schools and not municipalities:
        return []
    plans = Plan.objects.filter(level=Level.SCHOOL).filter(
        Q(school_id__in=schools, status=Plan.Status.RETURNED)
        | Q(municipality_id__in=municipalities, status=Plan.Status.SUBMITTED)
    )
    tasks = []
    waiting: dict[int, int] = defaultdict(int)
    for pk, title, status, school_id, municipality_id in plans.values_list(
        "pk", "title", "status", "school_id", "municipality_id"
    ).order_by("pk"):
        if status == Plan.Status.RETURNED and school_id in schools:
            h = schools[school_id]
            tasks.append(
                Task(
                    key=f"plans-returned-{pk}",
                    kind="plans.returned",
                    title="Доработать дорожную карту школы по замечаниям",
                    detail=f"«{title}» возвращена на доработку",
                    url=reverse("plans:plan_detail", args=[pk]),
                    role=h.role,
                    node=h.label,
                )
            )
        if status == Plan.Status.SUBMITTED and municipality_id in municipalities:
            waiting[municipality_id] += 1
    for municipality_id, n in waiting.items():
        h = municipalities[municipality_id]
        tasks.append(
            Task(
                key=f"plans-review-{municipality_id}",
                kind="plans.review",
                title="Согласовать дорожные карты школ: " + plural(n, "ждёт", "ждут", "ждут"),
                detail=plural(n, "карта отправлена", "карты отправлены", "карт отправлено")
                + " на согласование",
                count=n,
                url=reverse("plans:roadmap_list"),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


# --- development programmes ----------------------------------------------------------------------


@register
def programmes(who: Who) -> Iterable[Task]:
    """A programme returned with remarks or due to be presented; programmes waiting for the
    municipality's review (one query)."""
    from marshrut.programmes.models import Programme

    schools = {h.school_id: h for h in who.with_cap(Cap.PLAN_MANAGE, Node.SCHOOL)}
    municipalities = {
        h.municipality_id: h for h in who.with_cap(Cap.PLAN_APPROVE, Node.MUNICIPALITY)
    }
    if not schools and not municipalities:
        return []
    rows = (
        Programme.objects.filter(
            Q(school_id__in=schools, status__in=Programme.EDITABLE)
            | Q(school__municipality_id__in=municipalities, status=Programme.Status.SUBMITTED)
        )
        .annotate(remarks=Count("sections__comments", filter=Q(sections__comments__resolved=False)))
        .values(
            "pk", "title", "status", "submit_by", "school_id", "school__municipality_id", "remarks"
        )
        .order_by("pk")
    )
    tasks = []
    waiting: dict[int, int] = defaultdict(int)
    for r in rows:
        school_id = r["school_id"]
        if r["status"] == Programme.Status.SUBMITTED:
            waiting[r["school__municipality_id"]] += 1
            continue
        h = schools.get(school_id)
        if h is None:
            continue
        today = who.school_today(school_id)
        due = r["submit_by"]
        url = reverse("programmes:programme_detail", args=[r["pk"]])
        if r["status"] == Programme.Status.RETURNED:
            n = r["remarks"]
            tasks.append(
                Task(
                    key=f"programme-returned-{r['pk']}",
                    kind="programmes.returned",
                    title="Доработать программу развития: "
                    + (
                        plural(
                            n, "замечание не учтено", "замечания не учтены", "замечаний не учтено"
                        )
                        if n
                        else "возвращена с замечаниями"
                    ),
                    detail=f"«{r['title']}»" + (f"; представить до {_d(due)}" if due else ""),
                    due=due,
                    overdue=bool(due and due < today),
                    count=max(n, 1),
                    url=url,
                    role=h.role,
                    node=h.label,
                )
            )
        elif due is not None:
            tasks.append(
                Task(
                    key=f"programme-submit-{r['pk']}",
                    kind="programmes.submit",
                    title="Представить программу развития на рассмотрение",
                    detail=f"«{r['title']}»: представить до {_d(due)}",
                    due=due,
                    overdue=due < today,
                    url=url,
                    role=h.role,
                    node=h.label,
                )
            )
    for municipality_id, n in waiting.items():
        h = municipalities.get(municipality_id)
        if h is None:
            continue
        tasks.append(
            Task(
                key=f"programme-review-{municipality_id}",
                kind="programmes.review",
                title="Рассмотреть программы развития школ: " + plural(n, "ждёт", "ждут", "ждут"),
                detail=plural(
                    n, "программа представлена", "программы представлены", "программ представлено"
                )
                + " на рассмотрение",
                count=n,
                url=_url("programmes:programme_list", status=Programme.Status.SUBMITTED),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


# --- municipality: the questionnaire in its schools ----------------------------------------------


@register
def municipal_campaign(who: Who) -> Iterable[Task]:
    """Schools that have not started the open questionnaire; sent ones waiting for verification,
    with their open flags (one query)."""
    from marshrut.diagnostics.models import Flag, Status, Submission

    held = {h.municipality_id: h for h in who.with_cap(Cap.DIAGNOSTICS_VERIFY, Node.MUNICIPALITY)}
    if not held:
        return []

    def window(day: dt.date) -> Q:
        return Q(campaign__opens_on__lte=day, campaign__closes_on__gte=day)

    is_open = who.on("campaign__region", window)
    rows = (
        Submission.objects.filter(school__municipality_id__in=held)
        .filter(
            (Q(status=Status.NOT_STARTED) & is_open) | Q(status=Status.SUBMITTED),
        )
        .values(
            "campaign_id",
            "campaign__title",
            "campaign__closes_on",
            "school__municipality_id",
            "status",
        )
        .annotate(
            n=Count("id", distinct=True),
            open_flags=Count("flags", filter=Q(flags__resolution=Flag.Resolution.OPEN)),
        )
        .order_by("campaign__closes_on", "campaign_id")
    )
    tasks = []
    sent: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        municipality_id = r["school__municipality_id"]
        h = held[municipality_id]
        if r["status"] == Status.SUBMITTED:
            sent[municipality_id][0] += r["n"]
            sent[municipality_id][1] += r["open_flags"]
            continue
        closes = r["campaign__closes_on"]
        tasks.append(
            Task(
                key=f"diagnostics-not-started-{r['campaign_id']}-{municipality_id}",
                kind="diagnostics.not_started",
                title="Не приступили к анкете самодиагностики: "
                + plural(r["n"], "школа", "школы", "школ"),
                detail=f"«{r['campaign__title']}», приём до {_d(closes)}",
                due=closes,
                count=r["n"],
                url=_url(
                    "diagnostics:campaign_detail",
                    r["campaign_id"],
                    municipality=municipality_id,
                    status=Status.NOT_STARTED,
                ),
                role=h.role,
                node=h.label,
            )
        )
    for municipality_id, (n, flags) in sent.items():
        h = held[municipality_id]
        tasks.append(
            Task(
                key=f"diagnostics-verify-{municipality_id}",
                kind="diagnostics.verify",
                title="Проверить отправленные анкеты: " + plural(n, "анкета", "анкеты", "анкет"),
                detail="открытых замечаний проверки: " + str(flags)
                if flags
                else "замечаний проверки нет: подтвердите анкеты",
                count=n,
                url=reverse("diagnostics:verification"),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


@register
def handed_down(who: Who) -> Iterable[Task]:
    """Items handed down to the municipality's roadmap that nobody has started (one query)."""
    from marshrut.plans.models import ItemStatus, Level, PlanItem

    held = {h.municipality_id: h for h in who.with_cap(Cap.PLAN_REPORT, Node.MUNICIPALITY)}
    if not held:
        return []
    rows = (
        PlanItem.objects.in_force()
        .filter(
            plan__level=Level.MUNICIPALITY,
            plan__municipality_id__in=held,
            parent__isnull=False,
            status=ItemStatus.PLANNED,
        )
        .values("plan__municipality_id")
        .annotate(n=Count("id"), first=Min("next_due_on"))
        .order_by()
    )
    tasks = []
    for r in rows:
        municipality_id = r["plan__municipality_id"]
        h = held[municipality_id]
        tasks.append(
            Task(
                key=f"plans-handed-{municipality_id}",
                kind="plans.handed_down",
                title="Переданы из региональной дорожной карты и не начаты: "
                + plural(r["n"], "мероприятие", "мероприятия", "мероприятий"),
                detail="назначьте исполнителей и отметьте начало работы",
                count=r["n"],
                url=_url(
                    "plans:item_list",
                    level=Level.MUNICIPALITY,
                    municipality=municipality_id,
                    status=ItemStatus.PLANNED,
                ),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


# --- interviews and management decisions ---------------------------------------------------------


@register
def interviews(who: Who) -> Iterable[Task]:
    """The school's interview; the municipality's interviews ahead and protocols not written
    (one query)."""
    from marshrut.programmes.models import InterviewProtocol, InterviewSlot

    schools = {h.school_id: h for h in who.roles(Role.SCHOOL_HEAD, Role.SCHOOL_COORDINATOR)}
    municipalities = {
        h.municipality_id: h for h in who.with_cap(Cap.INTERVIEW_MANAGE, Node.MUNICIPALITY)
    }
    if not schools and not municipalities:
        return []

    def ahead(day: dt.date) -> Q:
        return Q(on__gte=day, on__lte=day + dt.timedelta(days=AHEAD_DAYS))

    def past(day: dt.date) -> Q:
        return Q(on__lt=day, on__gte=day - dt.timedelta(days=365))

    region = "school__municipality__region"
    has_protocol = Exists(InterviewProtocol.objects.filter(slot=OuterRef("pk")))
    slots = (
        InterviewSlot.objects.filter(
            Q(school_id__in=schools) | Q(municipality_id__in=municipalities)
        )
        .filter(
            who.on(region, ahead) | (who.on(region, past) & Q(municipality_id__in=municipalities))
        )
        .annotate(has_protocol=has_protocol)
        .select_related("school")
        .order_by("on", "starts_at", "pk")
    )
    tasks = []
    upcoming: dict[int, list[Any]] = defaultdict(list)
    missing: dict[int, list[Any]] = defaultdict(list)
    for slot in slots:
        today = (
            who.municipality_today(slot.municipality_id)
            if slot.municipality_id in municipalities
            else who.school_today(slot.school_id)
        )
        if slot.on >= today:
            if slot.school_id in schools:
                h = schools[slot.school_id]
                where = slot.place or ("видеовстреча" if slot.link else "")
                tasks.append(
                    Task(
                        key=f"interview-{slot.pk}",
                        kind="interviews.school",
                        title=f"Собеседование по результатам: {_d(slot.on)} в {slot.starts_at:%H:%M}",
                        detail=", ".join(
                            p for p in ("подготовьте команду и материалы", where) if p
                        ),
                        due=slot.on,
                        url=reverse("programmes:interview_round_detail", args=[slot.round_id]),
                        role=h.role,
                        node=h.label,
                    )
                )
            if slot.municipality_id in municipalities:
                upcoming[slot.municipality_id].append(slot)
        elif slot.municipality_id in municipalities and not slot.has_protocol:  # type: ignore[attr-defined]
            missing[slot.municipality_id].append(slot)
    for municipality_id, found in upcoming.items():
        h = municipalities[municipality_id]
        first = found[0]
        tasks.append(
            Task(
                key=f"interviews-ahead-{municipality_id}",
                kind="interviews.ahead",
                title="Собеседования со школами в ближайшие две недели: " + str(len(found)),
                detail=f"первое — {_d(first.on)} в {first.starts_at:%H:%M}, {first.school.short_name}",
                due=first.on,
                count=len(found),
                url=reverse("programmes:interview_round_detail", args=[first.round_id]),
                role=h.role,
                node=h.label,
            )
        )
    for municipality_id, found in missing.items():
        h = municipalities[municipality_id]
        first = found[0]
        tasks.append(
            Task(
                key=f"interviews-protocol-{municipality_id}",
                kind="interviews.protocol",
                title="Оформить протоколы проведённых собеседований: " + str(len(found)),
                detail=f"самое раннее — {_d(first.on)}, {first.school.short_name}",
                due=first.on,
                overdue=True,
                count=len(found),
                url=reverse("programmes:interview_protocol", args=[first.pk]),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


@register
def decisions(who: Who) -> Iterable[Task]:
    """Open management decisions about the user's node: overdue, and due within 30 days
    (one query). The region's operator sees the whole register's; a municipality its own; a
    school the decisions about it."""
    from marshrut.programmes.models import Decision
    from marshrut.programmes.models.decisions import Subject

    q = Q(pk__in=[])
    nodes: dict[tuple[str, int], Held] = {}
    for h in who.held:
        if h.role == Role.OPERATOR and h.region_id:
            q |= Q(region_id=h.region_id)
            nodes.setdefault(("region", h.region_id), h)
        elif h.role == Role.MUNICIPAL_COORDINATOR and h.municipality_id:
            q |= Q(subject=Subject.MUNICIPALITY, municipality_id=h.municipality_id)
            nodes.setdefault(("municipality", h.municipality_id), h)
        elif h.role == Role.SCHOOL_HEAD and h.school_id:
            q |= Q(subject=Subject.SCHOOL, school_id=h.school_id)
            nodes.setdefault(("school", h.school_id), h)
    if not nodes:
        return []

    def late(day: dt.date) -> Q:
        return Q(due_on__lt=day)

    def soon(day: dt.date) -> Q:
        return Q(due_on__gte=day, due_on__lte=day + dt.timedelta(days=SOON_DAYS))

    is_late, is_soon = who.on("region", late), who.on("region", soon)
    rows = (
        Decision.objects.open()
        .filter(q)
        .filter(is_late | is_soon)
        .values("region_id", "subject", "municipality_id", "school_id")
        .annotate(
            late=Count("id", filter=is_late),
            soon=Count("id", filter=is_soon),
            late_from=Min("due_on", filter=is_late),
            soon_from=Min("due_on", filter=is_soon),
        )
        .order_by()
    )
    totals: dict[tuple[str, int], list[Any]] = {}
    for r in rows:
        for node in (
            ("region", r["region_id"]),
            ("municipality", r["municipality_id"]),
            ("school", r["school_id"]),
        ):
            if node not in nodes:
                continue
            if node[0] == "municipality" and r["subject"] != Subject.MUNICIPALITY:
                continue
            if node[0] == "school" and r["subject"] != Subject.SCHOOL:
                continue
            t = totals.setdefault(node, [0, 0, None, None])
            t[0] += r["late"]
            t[1] += r["soon"]
            if r["late_from"] and (t[2] is None or r["late_from"] < t[2]):
                t[2] = r["late_from"]
            if r["soon_from"] and (t[3] is None or r["soon_from"] < t[3]):
                t[3] = r["soon_from"]
    tasks = []
    for (kind, node_id), (n_late, n_soon, late_from, soon_from) in totals.items():
        h = nodes[(kind, node_id)]
        extra = {"municipality": node_id} if kind == "municipality" else {}
        if n_late:
            tasks.append(
                Task(
                    key=f"decisions-overdue-{kind}-{node_id}",
                    kind="decisions.overdue",
                    title="Просрочено исполнение управленческих решений: " + str(n_late),
                    detail=f"самый ранний срок — {_d(late_from)}; отчитайтесь об исполнении",
                    due=late_from,
                    overdue=True,
                    count=n_late,
                    url=_url("programmes:decision_list", status="overdue", **extra),
                    role=h.role,
                    node=h.label,
                )
            )
        if n_soon:
            tasks.append(
                Task(
                    key=f"decisions-soon-{kind}-{node_id}",
                    kind="decisions.soon",
                    title="Срок исполнения управленческих решений в ближайшие 30 дней: "
                    + str(n_soon),
                    detail=f"ближайший срок — {_d(soon_from)}",
                    due=soon_from,
                    count=n_soon,
                    url=_url("programmes:decision_list", **extra),
                    role=h.role,
                    node=h.label,
                )
            )
    return tasks


# --- the region: the campaign, late municipalities, imports ---------------------------------------


@register
def regional_campaign(who: Who) -> Iterable[Task]:
    """Each open campaign's progress and the municipalities behind it (one query).

    A municipality is late when the share of its schools that sent the questionnaire is below
    the share of the campaign's window that has passed.
    """
    from marshrut.diagnostics.models import DONE, Submission

    held = {
        h.region_id: h for h in who.roles(Role.OPERATOR, Role.DEPARTMENT) if h.region_id is not None
    }
    if not held:
        return []

    def window(day: dt.date) -> Q:
        return Q(campaign__opens_on__lte=day, campaign__closes_on__gte=day)

    rows = (
        Submission.objects.filter(campaign__region_id__in=held)
        .filter(who.on("campaign__region", window))
        .values(
            "campaign_id",
            "campaign__title",
            "campaign__region_id",
            "campaign__opens_on",
            "campaign__closes_on",
            "school__municipality_id",
            "school__municipality__name",
        )
        .annotate(total=Count("id"), sent=Count("id", filter=Q(status__in=DONE)))
        .order_by("campaign_id", "school__municipality__name")
    )
    campaigns: dict[int, dict[str, Any]] = {}
    for r in rows:
        c = campaigns.setdefault(
            r["campaign_id"],
            {"row": r, "total": 0, "sent": 0, "late": []},
        )
        c["total"] += r["total"]
        c["sent"] += r["sent"]
        opens, closes = r["campaign__opens_on"], r["campaign__closes_on"]
        today = who.today(r["campaign__region_id"])
        passed = ((today - opens).days + 1) / ((closes - opens).days + 1)
        if r["total"] and r["sent"] / r["total"] < passed:
            c["late"].append(r["school__municipality__name"])
    tasks = []
    for campaign_id, c in campaigns.items():
        r = c["row"]
        h = held[r["campaign__region_id"]]
        closes = r["campaign__closes_on"]
        left = c["total"] - c["sent"]
        url = reverse("diagnostics:campaign_detail", args=[campaign_id])
        tasks.append(
            Task(
                key=f"campaign-progress-{campaign_id}",
                kind="diagnostics.progress",
                title=f"Кампания «{r['campaign__title']}»: отправлено "
                f"{c['sent']} из {plural(c['total'], 'анкеты', 'анкет', 'анкет')} "
                f"({_percent(c['sent'], c['total'])} %)",
                detail=f"не отправили {plural(left, 'школа', 'школы', 'школ')}; приём до {_d(closes)}",
                due=closes,
                count=left,
                url=url,
                role=h.role,
                node=h.label,
            )
        )
        if c["late"]:
            names = ", ".join(c["late"][:3]) + (" и др." if len(c["late"]) > 3 else "")
            n = len(c["late"])
            tasks.append(
                Task(
                    key=f"campaign-late-{campaign_id}",
                    kind="diagnostics.late",
                    title="Отстают от графика кампании: "
                    + plural(n, "муниципалитет", "муниципалитета", "муниципалитетов"),
                    detail=f"«{r['campaign__title']}»: {names}",
                    due=closes,
                    count=n,
                    url=url,
                    role=h.role,
                    node=h.label,
                )
            )
    return tasks


@register
def imports_to_apply(who: Who) -> Iterable[Task]:
    """Uploaded files checked and waiting to be applied, in the operator's regions (one query)."""
    from marshrut.lib.imports import ImportBatch, importers

    held = {h.region_id: h for h in who.roles(Role.OPERATOR) if h.region_id is not None}
    if not held:
        return []
    kinds = {i.kind: i for i in importers()}
    scope = Q(pk__in=[])
    for importer in kinds.values():
        scope |= Q(kind=importer.kind) & importer.scope(who.user)
    rows = (
        ImportBatch.objects.filter(scope, region_id__in=held, status=ImportBatch.Status.CHECKED)
        .values("pk", "kind", "filename", "region_id", "created_at")
        .order_by("created_at")[:50]
    )
    tasks = []
    for r in rows:
        importer = kinds[r["kind"]]
        h = held[r["region_id"]]
        tasks.append(
            Task(
                key=f"import-{r['pk']}",
                kind="imports.checked",
                title=f"Просмотреть и применить загрузку «{r['filename']}»",
                detail=f"{importer.label}: файл проверен "
                f"{timezone.localtime(r['created_at']):%d.%m.%Y}, ждёт применения",
                url=reverse(importer.urls["page"], args=[r["pk"]]),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


# --- ШНОР: the school's stages and documents, visits, reviews ------------------------------------


@register
def shnor_school(who: Who) -> Iterable[Task]:
    """Documents a cohort school still owes for this year's stages, and its documents returned
    with remarks (three queries)."""
    from marshrut.support.models import Participation
    from marshrut.support.models.documents import Document
    from marshrut.support.models.stages import Stage, StageSubmission, SubmissionStatus

    held = {h.school_id: h for h in who.with_cap(Cap.SHNOR_SUBMIT, Node.SCHOOL)}
    if not held:
        return []
    year = who.today().year
    members = Participation.objects.of_year(year).current().filter(school_id__in=held)
    stages = list(
        Stage.objects.filter(
            year=year,
            region_id__in=members.values("school__municipality__region_id"),
        )
        .annotate(required=Count("documents"))
        .filter(required__gt=0)
        .order_by("control_on", "number")
    )
    tasks: list[Task] = []
    if stages:
        done = {
            (r["school_id"], r["stage_id"]): r["n"]
            for r in StageSubmission.objects.filter(
                stage__in=[s.pk for s in stages],
                school_id__in=members.values("school_id"),
                status__in=(SubmissionStatus.SENT, SubmissionStatus.ACCEPTED),
            )
            .values("school_id", "stage_id")
            .annotate(n=Count("id"))
            .order_by()
        }
        returned = {
            (r["school_id"], r["stage_id"]): r["n"]
            for r in StageSubmission.objects.filter(
                stage__in=[s.pk for s in stages],
                school_id__in=held,
                status=SubmissionStatus.RETURNED,
            )
            .values("school_id", "stage_id")
            .annotate(n=Count("id"))
            .order_by()
        }
        cohort = set(members.values_list("school_id", flat=True))
        for school_id in sorted(cohort):
            h = held[school_id]
            today = who.school_today(school_id)
            region_id = who.school_region.get(school_id)
            for stage in stages:
                if stage.region_id != region_id:
                    continue
                owed = stage.required - done.get((school_id, stage.pk), 0)  # type: ignore[attr-defined]
                if owed <= 0 or stage.control_on > today + dt.timedelta(days=SOON_DAYS):
                    continue
                back = returned.get((school_id, stage.pk), 0)
                tasks.append(
                    Task(
                        key=f"shnor-stage-{stage.pk}-{school_id}",
                        kind="shnor.stage",
                        title=f"ШНОР, этап {stage.number}: отправить "
                        + plural(owed, "документ", "документа", "документов"),
                        detail=f"«{stage.title}», контрольная дата {_d(stage.control_on)}"
                        + (f"; возвращено с замечаниями: {back}" if back else ""),
                        due=stage.control_on,
                        overdue=stage.control_on < today,
                        count=owed,
                        url=_url("support:school_stages", school_id, year=year),
                        role=h.role,
                        node=h.label,
                    )
                )
    back_docs = (
        Document.objects.filter(school_id__in=held, status=Document.Status.RETURNED)
        .values("school_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in back_docs:
        h = held[r["school_id"]]
        tasks.append(
            Task(
                key=f"shnor-documents-returned-{r['school_id']}",
                kind="shnor.documents_returned",
                title="Доработать документы ШНОР по замечаниям экспертизы: " + str(r["n"]),
                detail="концепция, программы и дорожная карта, возвращённые экспертом",
                count=r["n"],
                url=reverse("support:school_documents", args=[r["school_id"]]),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


VISITOR_NAMES = {Role.CURATOR.value: "куратор", Role.MENTOR.value: "наставник"}


@register
def shnor_visits(who: Who) -> Iterable[Task]:
    """A curator's or mentor's own visits: planned ahead, and past ones not reported; visits
    planned to the user's school (one query)."""
    from marshrut.support.models.visits import Visit

    visitors = who.roles(Role.CURATOR, Role.MENTOR)
    schools = {h.school_id: h for h in who.with_cap(Cap.SHNOR_SUBMIT, Node.SCHOOL)}
    if not (visitors and who.person_id) and not schools:
        return []
    by_role = {h.role: h for h in visitors}

    def ahead(day: dt.date) -> Q:
        return Q(planned_on__gte=day, planned_on__lte=day + dt.timedelta(days=AHEAD_DAYS))

    def late(day: dt.date) -> Q:
        return Q(planned_on__lt=day)

    region = "school__municipality__region"
    mine = Q(visitor_id=who.person_id, visitor_role__in=by_role) if visitors else Q(pk__in=[])
    rows = (
        Visit.objects.filter(status=Visit.Status.PLANNED)
        .filter(
            (mine & (who.on(region, ahead) | who.on(region, late)))
            | (Q(school_id__in=schools) & who.on(region, ahead))
        )
        .select_related("school", "visitor")
        .order_by("planned_on", "pk")
    )
    tasks = []
    for visit in rows:
        today = who.school_today(visit.school_id) if visit.school_id in schools else who.today()
        if visit.visitor_id == who.person_id and visit.visitor_role in by_role:
            h = by_role[visit.visitor_role]
            overdue = visit.planned_on < today
            tasks.append(
                Task(
                    key=f"visit-{visit.pk}",
                    kind="shnor.visit_report" if overdue else "shnor.visit",
                    title=(
                        f"Отчитаться о посещении: {visit.school.short_name}"
                        if overdue
                        else f"Посещение школы: {visit.school.short_name}"
                    ),
                    detail=f"по плану {_d(visit.planned_on)}; цель: {visit.purpose[:150]}",
                    due=visit.planned_on,
                    overdue=overdue,
                    url=reverse("support:visit_detail", args=[visit.pk]),
                    role=h.role,
                    node=h.label,
                )
            )
        if visit.school_id in schools and visit.planned_on >= today:
            h = schools[visit.school_id]
            tasks.append(
                Task(
                    key=f"visit-school-{visit.pk}-{visit.school_id}",
                    kind="shnor.visit_school",
                    title=f"Посещение школы: {VISITOR_NAMES.get(visit.visitor_role, '')} "
                    f"{visit.visitor.short_name}",
                    detail=f"{_d(visit.planned_on)}; цель: {visit.purpose[:150]}",
                    due=visit.planned_on,
                    url=reverse("support:visit_detail", args=[visit.pk]),
                    role=h.role,
                    node=h.label,
                )
            )
    return tasks


@register
def shnor_reviews(who: Who) -> Iterable[Task]:
    """ШНОР documents sent for expert review and stage documents waiting for a decision, on the
    nodes where the user reviews (two queries per role that reviews; a person holds one or two)."""
    from marshrut.support.models.documents import Document
    from marshrut.support.models.stages import StageSubmission, SubmissionStatus

    tasks = []
    for h in who.with_cap(Cap.SHNOR_REVIEW):
        if h.node == Node.REGION:
            docs = Q(region_id=h.region_id)
            sent = Q(school__municipality__region_id=h.region_id)
        elif h.node == Node.MUNICIPALITY:
            # A municipality reviews its schools' documents, not its own programme.
            docs = Q(municipality_id=h.municipality_id, school__isnull=False)
            sent = Q(school__municipality_id=h.municipality_id)
        elif h.node == Node.ASSIGNED:
            docs = Q(school_id__in=h.assigned)
            sent = Q(school_id__in=h.assigned)
        else:
            continue
        n_docs = Document.objects.filter(docs, status=Document.Status.REVIEW).count()
        n_sent = StageSubmission.objects.filter(sent, status=SubmissionStatus.SENT).count()
        node_id = h.region_id or h.municipality_id or 0
        if n_docs:
            tasks.append(
                Task(
                    key=f"shnor-review-{h.role}-{node_id}",
                    kind="shnor.review",
                    title="Провести экспертизу документов ШНОР: " + str(n_docs),
                    detail="документы школ отправлены на экспертизу",
                    count=n_docs,
                    url=reverse("support:documents"),
                    role=h.role,
                    node=h.label,
                )
            )
        if n_sent:
            tasks.append(
                Task(
                    key=f"shnor-stage-review-{h.role}-{node_id}",
                    kind="shnor.stage_review",
                    title="Принять или вернуть документы этапов ШНОР: " + str(n_sent),
                    detail="школы отправили подтверждающие документы этапов мониторинга",
                    count=n_sent,
                    url=reverse("support:stage_table"),
                    role=h.role,
                    node=h.label,
                )
            )
    return tasks


# --- the methodologist: events -------------------------------------------------------------------


@register
def events(who: Who) -> Iterable[Task]:
    """Regional events a methodologist runs in the next two weeks, and those held in the last
    month with no participants entered (one query)."""
    from marshrut.events.models import Event

    held = {h.region_id: h for h in who.roles(Role.METHODOLOGIST) if h.region_id is not None}
    if not held:
        return []

    def ahead(day: dt.date) -> Q:
        return Q(starts_on__gte=day, starts_on__lte=day + dt.timedelta(days=AHEAD_DAYS))

    def held_recently(day: dt.date) -> Q:
        return Q(ends_on__lt=day, ends_on__gte=day - dt.timedelta(days=SOON_DAYS))

    recent = who.on("region", held_recently)
    rows = (
        Event.objects.filter(region_id__in=held, municipality__isnull=True)
        .filter(who.on("region", ahead) | recent)
        .annotate(
            named=Count("participations", distinct=True),
            counted=Count("counts", distinct=True),
            recent=Max("pk", filter=recent),
        )
        .order_by("starts_on", "pk")
    )
    tasks: list[Task] = []
    unfilled: dict[int, list[Any]] = defaultdict(list)
    for event in rows:
        h = held[event.region_id]
        if event.recent:  # type: ignore[attr-defined]
            if not (event.participants_total or event.named or event.counted):  # type: ignore[attr-defined]
                unfilled[event.region_id].append(event)
            continue
        tasks.append(
            Task(
                key=f"event-{event.pk}",
                kind="events.ahead",
                title=f"Провести мероприятие: {event.title[:120]}",
                detail=f"{event.get_form_display()}, {event.date_text or _d(event.starts_on)}",
                due=event.starts_on,
                url=reverse("events:event_detail", args=[event.pk]),
                role=h.role,
                node=h.label,
            )
        )
    for region_id, found in unfilled.items():
        h = held[region_id]
        tasks.append(
            Task(
                key=f"events-participants-{region_id}",
                kind="events.participants",
                title="Внести участников проведённых мероприятий: " + str(len(found)),
                detail=f"например, «{found[0].title[:100]}» ({_d(found[0].ends_on)})",
                due=found[0].ends_on,
                overdue=True,
                count=len(found),
                url=reverse("events:event_detail", args=[found[0].pk]),
                role=h.role,
                node=h.label,
            )
        )
    return tasks


# --- the practices library ------------------------------------------------------------------------


@register
def practices(who: Who) -> Iterable[Task]:
    """Practices waiting for a methodologist's moderation, and a school's practices returned with
    remarks (one query)."""
    from marshrut.practices.models import Practice, Status

    moderators = {h.region_id: h for h in who.roles(Role.METHODOLOGIST) if h.region_id}
    authors = {
        h.school_id: h
        for h in who.roles(Role.SCHOOL_HEAD, Role.SCHOOL_COORDINATOR)
        if h.school_id is not None
    }
    if not moderators and not authors:
        return []
    rows = (
        Practice.objects.filter(
            Q(region_id__in=moderators, status=Status.MODERATION)
            | Q(school_id__in=authors, status=Status.RETURNED)
        )
        .order_by("submitted_at", "pk")
        .values("pk", "title", "status", "region_id", "school_id", "submitted_at")
    )
    waiting: dict[int, list[Any]] = defaultdict(list)
    tasks: list[Task] = []
    for row in rows:
        if row["status"] == Status.MODERATION and row["region_id"] in moderators:
            waiting[row["region_id"]].append(row)
        if row["status"] == Status.RETURNED and row["school_id"] in authors:
            h = authors[row["school_id"]]
            tasks.append(
                Task(
                    key=f"practice-returned-{row['pk']}",
                    kind="practices.returned",
                    title=f"Доработать практику по замечаниям: {row['title'][:120]}",
                    url=reverse("practices:practice_detail", args=[row["pk"]]),
                    role=h.role,
                    node=h.label,
                )
            )
    for region_id, found in waiting.items():
        h = moderators[region_id]
        first = found[0]["submitted_at"]
        tasks.append(
            Task(
                key=f"practices-moderation-{region_id}",
                kind="practices.moderation",
                title="Рассмотреть практики на модерации: " + str(len(found)),
                detail=f"первая отправлена {_d(timezone.localtime(first).date())}" if first else "",
                count=len(found),
                url=reverse("practices:moderation_queue"),
                role=h.role,
                node=h.label,
            )
        )
    return tasks
