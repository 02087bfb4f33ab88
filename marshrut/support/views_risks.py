"""Risk profile pages: the region's prevalence, a school's profile and priorities, the models."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marshrut.kernels import risks as kernel
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.forms import StyledMixin
from marshrut.lib.plural import format_number, plural
from marshrut.lib.uploads import CATALOGUE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region, holds_on_region
from marshrut.orgs.roles import Cap
from marshrut.support import risks
from marshrut.support.models import Participation
from marshrut.support.models.risks import (
    RiskFactor,
    RiskLevel,
    RiskModel,
    RiskPriorities,
    RiskProfile,
    RiskSurvey,
)
from marshrut.support.views import programme_year


class RiskModelUploadForm(StyledMixin, forms.Form):
    file = UploadField(label=gettext_lazy("Файл методики (YAML или JSON)"), policy=CATALOGUE)


class PrioritiesForm(StyledMixin, forms.Form):
    factors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Приоритетные риски (не больше трёх)"),
        queryset=RiskFactor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        *args: Any,
        model: RiskModel,
        levels: dict[int, tuple[float | None, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["factors"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = model.factors.all()  # type: ignore[attr-defined]
        field.widget.attrs["class"] = "form-check-input"
        known = levels or {}

        def label(factor: RiskFactor) -> str:
            score, level = known.get(factor.pk, (None, ""))
            if not level or score is None:
                return f"{factor.code}. {factor.name} — {_('уровень не определён')}"
            shown = f"{score:.1f}".replace(".", ",")
            return f"{factor.code}. {factor.name} — {kernel.LEVEL_NAMES[level]} ({shown})"

        field.label_from_instance = label  # type: ignore[method-assign,assignment]

    def clean_factors(self) -> list[RiskFactor]:
        chosen = list(self.cleaned_data["factors"])
        if len(chosen) > RiskPriorities.MAX:
            raise ValidationError(
                _("Приоритетных рисков может быть не больше трёх, выбрано %(n)s.")
                % {"n": len(chosen)}
            )
        return chosen


def _cohort(request: HttpRequest) -> tuple[Any, int, Any]:
    access.require(request.user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    cohort = Participation.objects.for_user(request.user).in_region(region).of_year(year).current()
    return region, year, cohort


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The region's prevalence of risks: factors × municipalities, and the schools' profiles."""
    region, year, cohort = _cohort(request)
    can_manage = holds_on_region(request.user, Cap.SHNOR_MANAGE, region)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        whole = Participation.objects.in_region(region).of_year(year).current()
        target: RiskModel = risks.current_model(whole) or risks.shipped_model(source="web")
        if request.POST.get("action") == "open":
            chosen = request.POST.get("target")
            if chosen and chosen.isdigit():
                target = get_object_or_404(RiskModel, pk=int(chosen))
            n = risks.do_open_risk_surveys(
                request.user, target, whole.select_related("school__municipality")
            )
            messages.success(
                request, _("Открыто: %(n)s.") % {"n": plural(n, "анкета", "анкеты", "анкет")}
            )
        else:
            n = risks.compute_profiles(target, whole)
            messages.success(
                request,
                _("Профили рисков пересчитаны: %(n)s.")
                % {"n": plural(n, "школа", "школы", "школ")},
            )
        return redirect(f"{reverse('support:risks')}?year={year}")
    model = risks.current_model(cohort)
    figures = risks.prevalence(model, cohort) if model else None
    if figures and request.GET.get("export") in ("xlsx", "csv"):
        return _export(request.GET["export"], figures, region, year, model)
    profiles = (
        RiskProfile.objects.filter(model=model, participation__in=cohort)
        .select_related("participation__school__municipality")
        .order_by("participation__school__municipality__name", "participation__school__short_name")
        if model
        else RiskProfile.objects.none()
    )
    high = {}
    if model:
        for pid, n in (
            RiskLevel.objects.filter(profile__in=profiles, level=RiskLevel.Level.HIGH)
            .values_list("profile_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            high[pid] = n
    rows = [(p, high.get(p.pk, 0)) for p in profiles]
    return render(
        request,
        "support/risk_overview.html",
        {
            "region": region,
            "year": year,
            "tab": "risks",
            "model": model,
            "models": RiskModel.objects.all(),
            "figures": figures,
            "table": _table(figures) if figures else [],
            "rows": rows,
            "cohort_size": cohort.count(),
            "can_manage": can_manage,
        },
    )


def _table(figures: risks.Prevalence) -> list[dict[str, Any]]:
    out = []
    for f in figures.factors:
        cells = []
        for m, _name in figures.municipalities:
            cells.append(
                {
                    "high": figures.high.get((f.pk, m), 0),
                    "chosen": figures.chosen.get((f.pk, m), 0),
                    "of": figures.profiled.get(m, 0),
                }
            )
        out.append(
            {
                "factor": f,
                "cells": cells,
                "high": figures.total(figures.high, f.pk),
                "chosen": figures.total(figures.chosen, f.pk),
            }
        )
    return out


def _export(fmt: str, figures: risks.Prevalence, region: Any, year: int, model: Any) -> Any:
    rows = [(f, m, name) for f in figures.factors for m, name in figures.municipalities]

    def share(n: int, of: int) -> Any:
        return round(100 * n / of, 1) if of else ""

    columns = [
        ExportColumn(_("Фактор риска"), lambda r: f"{r[0].code}. {r[0].name}", 50),
        ExportColumn(_("Муниципалитет"), lambda r: r[2], 30),
        ExportColumn(_("Школ с профилем"), lambda r: figures.profiled.get(r[1], 0), 12),
        ExportColumn(
            _("Высокий уровень, школ"), lambda r: figures.high.get((r[0].pk, r[1]), 0), 12
        ),
        ExportColumn(
            _("Высокий уровень, %"),
            lambda r: share(figures.high.get((r[0].pk, r[1]), 0), figures.profiled.get(r[1], 0)),
            12,
        ),
        ExportColumn(
            _("Выбран приоритетным, школ"), lambda r: figures.chosen.get((r[0].pk, r[1]), 0), 14
        ),
    ]
    title = f"Распространённость рисков ШНОР, {region.name}, {year} год. Методика: {model.title}"
    if model.is_illustrative:
        title += " (иллюстративная методика)"
    return export_response(fmt, columns, rows, filename=f"risks-{year}", title=title)


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's profile: levels, scores, respondents, missing data; its priority risks."""
    access.require(request.user, Cap.SHNOR_VIEW)
    participation = risks.get_participation_for_user(request.user, pk)
    s = participation.school
    can_submit = access.can_on_school(request.user, Cap.SHNOR_SUBMIT, s)
    can_manage = access.can_on_school(request.user, Cap.SHNOR_MANAGE, s)
    model = risks.current_model(Participation.objects.filter(pk=participation.pk))
    if model is None:
        return render(
            request,
            "support/risk_school.html",
            {
                "participation": participation,
                "school": s,
                "year": participation.year,
                "tab": "risks",
            },
        )
    chosen = RiskPriorities.objects.filter(participation=participation, model=model).first()
    chosen_ids = list(chosen.risks.values_list("factor_id", flat=True)) if chosen else []  # type: ignore[attr-defined]
    known = {
        f: (score, level)
        for f, score, level in RiskLevel.objects.filter(
            profile__participation=participation, profile__model=model
        ).values_list("factor_id", "score", "level")
    }
    form = PrioritiesForm(
        model=model,
        levels=known,
        initial={"factors": chosen_ids, "version": chosen.version if chosen else None},
    )
    if request.method == "POST":
        if not (can_submit or can_manage):
            raise PermissionDenied
        if request.POST.get("action") == "compute":
            risks.compute_profiles(model, Participation.objects.filter(pk=participation.pk))
            messages.success(request, _("Профиль пересчитан по ответам на сегодня."))
            return redirect("support:risk_school", pk=participation.pk)
        if not can_submit:
            raise PermissionDenied
        form = PrioritiesForm(request.POST, model=model, levels=known)
        if form.is_valid():
            factors = form.cleaned_data["factors"]
            try:
                risks.do_choose_priorities(
                    request.user,
                    participation,
                    model,
                    factors,
                    version=form.cleaned_data.get("version"),
                )
            except StaleEdit as stale:
                current: Any = stale.current
                form.add_error(
                    None,
                    _(
                        "Пока вы выбирали, приоритетные риски школы изменил другой пользователь "
                        "(%(who)s). Посмотрите новый выбор и сохраните ещё раз."
                    )
                    % {"who": _who(current)},
                )
                data = request.POST.copy()
                data["version"] = str(current.version)
                form.data = data
            except ValidationError as e:
                form.add_error(None, e)
            else:
                _warn_low(request, participation, model, factors)
                messages.success(request, _("Приоритетные риски сохранены."))
                return redirect("support:risk_school", pk=participation.pk)
    profile = RiskProfile.objects.filter(participation=participation, model=model).first()
    levels = (
        list(profile.levels.select_related("factor")) if profile else []  # type: ignore[attr-defined]
    )
    surveys = (
        list(
            RiskSurvey.objects.filter(participation=participation, model=model).select_related(
                "survey"
            )
        )
        if can_submit or can_manage
        else []
    )
    definition = model.definition
    groups = [
        {
            "code": g.code,
            "name": g.name,
            "min": g.min_respondents,
            "n": (profile.respondents.get(g.code, 0) if profile else 0),
            "survey": next((r.survey for r in surveys if r.group == g.code), None),
        }
        for g in definition.groups
    ]
    return render(
        request,
        "support/risk_school.html",
        {
            "participation": participation,
            "school": s,
            "year": participation.year,
            "tab": "risks",
            "model": model,
            "profile": profile,
            "levels": levels,
            "groups": groups,
            "form": form,
            "chosen": chosen,
            "chosen_ids": set(chosen_ids),
            "can_submit": can_submit,
            "can_manage": can_manage,
            "public_base": request.build_absolute_uri("/s/"),
        },
    )


def _who(obj: RiskPriorities) -> str:
    user = obj.chosen_by
    return user.get_username() if user else _("неизвестно")


def _warn_low(
    request: HttpRequest, participation: Participation, model: RiskModel, factors: list[RiskFactor]
) -> None:
    """Picking a factor that is not at the high level is allowed, but said aloud."""
    levels = dict(
        RiskLevel.objects.filter(
            profile__participation=participation, profile__model=model, factor__in=factors
        ).values_list("factor_id", "level")
    )
    for f in factors:
        level = levels.get(f.pk) or ""
        if level != kernel.HIGH:
            messages.warning(
                request,
                _(
                    "Фактор «%(f)s» в профиле школы %(level)s: приоритетными обычно выбирают "
                    "факторы высокого уровня."
                )
                % {
                    "f": f.name,
                    "level": (
                        _("на уровне «%(l)s»") % {"l": kernel.LEVEL_NAMES[level]}
                        if level
                        else _("без уровня (не хватает данных)")
                    ),
                },
            )


@login_required
def models_list(request: HttpRequest) -> HttpResponse:
    """The loaded models (методики), and the upload of the official one."""
    access.require(request.user, Cap.SHNOR_VIEW)
    can_load = bool(access.grant(request.user, Cap.SHNOR_MANAGE))
    form = RiskModelUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        if not can_load:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                text = risks.model_text(upload.read(), upload.name)
                model = risks.do_load_risk_model(request.user, text, upload.name)
            except kernel.RiskModelError as e:
                problems = e.problems
            except ValidationError as e:
                problems = e.messages
            else:
                messages.success(request, _("Методика «%(t)s» загружена.") % {"t": model.title})
                return redirect("support:risk_model", pk=model.pk)
    return render(
        request,
        "support/risk_models.html",
        {
            "models": RiskModel.objects.all(),
            "form": form,
            "can_load": can_load,
            "problems": problems,
            "tab": "risks",
        },
    )


@login_required
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Cap.SHNOR_VIEW)
    model = get_object_or_404(RiskModel, pk=pk)
    definition = model.definition
    factors = [
        {
            "factor": f,
            "thresholds": (format_number(f.thresholds.medium), format_number(f.thresholds.high)),
            "items": [
                (i, format_number(w), kernel.GROUP_NAMES[i.group])
                for i, w in definition.items_for(f.code)
            ],
        }
        for f in definition.factors
    ]
    return render(
        request,
        "support/risk_model.html",
        {"model": model, "definition": definition, "factors": factors, "tab": "risks"},
    )
