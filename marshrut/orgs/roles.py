"""Roles and what they allow, declared once.

A role is held through a membership on one node of the hierarchy country (or a federal district)
→ region → municipality → school (or, for curators and mentors, on the schools assigned to them)
and grants its capabilities on that node and everything under it. Everything not granted here is
denied. Roles held above the regions only read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cap(models.TextChoices):
    """Capabilities: the verbs that pages, exports and API endpoints check."""

    MUNICIPALITY_VIEW = "municipality.view", _("видеть муниципалитеты")
    MUNICIPALITY_EDIT = "municipality.edit", _("изменять муниципалитеты")
    SCHOOL_VIEW = "school.view", _("видеть школы")
    SCHOOL_EDIT = "school.edit", _("изменять контакты школы")
    SCHOOL_MANAGE = "school.manage", _("изменять реквизиты и признаки школы, создавать школы")
    PERSON_VIEW = "person.view", _("видеть людей и их контакты")
    PERSON_EDIT = "person.edit", _("изменять сведения о людях")
    MEMBERSHIP_MANAGE = "membership.manage", _("назначать роли и создавать учётные записи")
    REGISTRY_IMPORT = "registry.import", _("загружать реестр из файла")
    AUDIT_VIEW = "audit.view", _("читать журнал изменений")
    # Self-diagnostics
    CRITERIA_MANAGE = "criteria.manage", _("загружать каталоги критериев")
    CAMPAIGN_MANAGE = (
        "campaign.manage",
        _("проводить кампании самодиагностики, загружать результаты"),
    )
    DIAGNOSTICS_VIEW = "diagnostics.view", _("видеть ответы и результаты самодиагностики")
    DIAGNOSTICS_FILL = "diagnostics.fill", _("заполнять и отправлять анкету самодиагностики школы")
    DIAGNOSTICS_VERIFY = (
        "diagnostics.verify",
        _("проверять достоверность ответов, возвращать школе"),
    )
    # Roadmaps and programmes
    PLAN_VIEW = "plan.view", _("видеть дорожные карты и их исполнение")
    PLAN_MANAGE = "plan.manage", _("создавать и загружать дорожные карты своего уровня")
    PLAN_REPORT = "plan.report", _("отчитываться об исполнении мероприятий")
    PLAN_APPROVE = "plan.approve", _("утверждать или возвращать дорожные карты школ")
    MEASURES_MANAGE = "measures.manage", _("вести библиотеку типовых мер")
    INTERVIEW_MANAGE = "interview.manage", _("проводить собеседования с командами школ")
    DECISION_MANAGE = "decision.manage", _("принимать управленческие решения и вести их реестр")
    # Events and surveys
    EVENT_VIEW = "event.view", _("видеть мероприятия и участников")
    EVENT_MANAGE = "event.manage", _("вести мероприятия и отчёты координатора")
    SURVEY_MANAGE = "survey.manage", _("создавать анкетирования и обсуждения, видеть их итоги")
    # ШНОР: targeted help to schools with low educational results
    SHNOR_VIEW = "shnor.view", _("видеть программу ШНОР: когорту, профили рисков, документы, этапы")
    SHNOR_MANAGE = (
        "shnor.manage",
        _("вести программу ШНОР: когорта, команда, результаты оценочных процедур, этапы"),
    )
    SHNOR_SUBMIT = (
        "shnor.submit",
        _("заполнять анкеты рисков и загружать документы ШНОР своей школы или муниципалитета"),
    )
    SHNOR_REVIEW = "shnor.review", _("проводить экспертизу документов ШНОР")
    SHNOR_VISIT = "shnor.visit", _("планировать посещения школ ШНОР и отчитываться о них")
    # Horizontal learning: inter-municipal project groups, internship sites, РИП, РМА
    NETWORK_VIEW = (
        "network.view",
        _("видеть проектные группы, стажировочные площадки и инновационные площадки"),
    )
    NETWORK_MANAGE = (
        "network.manage",
        _("вести проектные группы, их этапы и документы, назначать площадки"),
    )
    # Good practices library (horizontal learning)
    PRACTICE_VIEW = "practice.view", _("читать библиотеку лучших практик")
    PRACTICE_SUBMIT = (
        "practice.submit",
        _("описывать практики своей школы и отправлять их на модерацию"),
    )
    PRACTICE_ADOPT = "practice.adopt", _("отмечать практики, внедрённые своей школой")
    PRACTICE_MODERATE = (
        "practice.moderate",
        _("модерировать практики: публиковать, возвращать с замечаниями, убирать в архив"),
    )
    # Above the regions
    FEDERAL_VIEW = "federal.view", _("видеть сводку по регионам")


class Node(models.TextChoices):
    """The kind of node a role is held on."""

    COUNTRY = "country", _("страна или федеральный округ")
    REGION = "region", _("регион")
    MUNICIPALITY = "municipality", _("муниципалитет")
    SCHOOL = "school", _("школа")
    ASSIGNED = "assigned", _("закреплённые школы")


class Role(models.TextChoices):
    FEDERAL = "federal", _("Федеральный оператор")
    OPERATOR = "operator", _("Региональный оператор")
    DEPARTMENT = "department", _("Региональный орган управления образованием")
    METHODOLOGIST = "methodologist", _("Методист (РМА)")
    MUNICIPAL_COORDINATOR = "municipal_coordinator", _("Муниципальный координатор")
    SCHOOL_HEAD = "school_head", _("Руководитель школы")
    SCHOOL_COORDINATOR = "school_coordinator", _("Школьный координатор")
    CURATOR = "curator", _("Куратор (ШНОР)")
    MENTOR = "mentor", _("Наставник (ШНОР)")


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    node: Node
    description: str
    caps: frozenset[Cap]


_VIEW_REGISTRY = frozenset({Cap.MUNICIPALITY_VIEW, Cap.SCHOOL_VIEW})
# What everybody with a place in the hierarchy may read there.
_VIEW_WORK = frozenset(
    {Cap.DIAGNOSTICS_VIEW, Cap.PLAN_VIEW, Cap.EVENT_VIEW, Cap.SHNOR_VIEW, Cap.PRACTICE_VIEW}
)

ROLES: dict[str, RoleSpec] = {
    spec.role.value: spec
    for spec in [
        RoleSpec(
            Role.FEDERAL,
            Node.COUNTRY,
            "Федеральный или межрегиональный оператор: видит все регионы страны (или своего "
            "федерального округа) рядом и сводку по ним, ничего не меняет.",
            _VIEW_REGISTRY | _VIEW_WORK | {Cap.FEDERAL_VIEW, Cap.NETWORK_VIEW},
        ),
        RoleSpec(
            Role.OPERATOR,
            Node.REGION,
            "Ведёт реестры региона, кампании, дорожные карты, мероприятия и отчёты.",
            frozenset(Cap) - {Cap.FEDERAL_VIEW},
        ),
        RoleSpec(
            Role.DEPARTMENT,
            Node.REGION,
            "Руководство: видит весь регион, ничего не меняет.",
            _VIEW_REGISTRY | _VIEW_WORK | {Cap.PERSON_VIEW, Cap.NETWORK_VIEW},
        ),
        RoleSpec(
            Role.METHODOLOGIST,
            Node.REGION,
            "Методист регионального методического актива: видит школы региона для подбора "
            "практик и площадок, ведёт мероприятия.",
            _VIEW_REGISTRY
            | _VIEW_WORK
            | {
                Cap.EVENT_MANAGE,
                Cap.SURVEY_MANAGE,
                Cap.NETWORK_VIEW,
                Cap.NETWORK_MANAGE,
                Cap.PRACTICE_MODERATE,
            },
        ),
        RoleSpec(
            Role.MUNICIPAL_COORDINATOR,
            Node.MUNICIPALITY,
            "Свой муниципалитет и его школы: контакты школ и людей, проверка ответов "
            "самодиагностики, муниципальная дорожная карта, утверждение программ школ.",
            _VIEW_REGISTRY
            | _VIEW_WORK
            | {
                Cap.SCHOOL_EDIT,
                Cap.PERSON_VIEW,
                Cap.PERSON_EDIT,
                Cap.DIAGNOSTICS_VERIFY,
                Cap.PLAN_MANAGE,
                Cap.PLAN_REPORT,
                Cap.PLAN_APPROVE,
                Cap.INTERVIEW_MANAGE,
                Cap.DECISION_MANAGE,
                Cap.SHNOR_SUBMIT,
                Cap.SHNOR_REVIEW,
                # Members of the project groups from the coordinator's municipality.
                Cap.NETWORK_VIEW,
            },
        ),
        RoleSpec(
            Role.SCHOOL_HEAD,
            Node.SCHOOL,
            "Своя школа: контакты, команда, самодиагностика, программа развития.",
            _VIEW_REGISTRY
            | _VIEW_WORK
            | {
                Cap.SCHOOL_EDIT,
                Cap.PERSON_VIEW,
                Cap.PERSON_EDIT,
                Cap.DIAGNOSTICS_FILL,
                Cap.PLAN_MANAGE,
                Cap.PLAN_REPORT,
                Cap.SHNOR_SUBMIT,
                Cap.PRACTICE_SUBMIT,
                Cap.PRACTICE_ADOPT,
            },
        ),
        RoleSpec(
            Role.SCHOOL_COORDINATOR,
            Node.SCHOOL,
            "Своя школа: заполняет самодиагностику и отчёты, видит команду школы.",
            _VIEW_REGISTRY
            | _VIEW_WORK
            | {
                Cap.PERSON_VIEW,
                Cap.DIAGNOSTICS_FILL,
                Cap.PLAN_REPORT,
                Cap.SHNOR_SUBMIT,
                Cap.PRACTICE_SUBMIT,
                Cap.PRACTICE_ADOPT,
            },
        ),
        RoleSpec(
            Role.CURATOR,
            Node.ASSIGNED,
            "Закреплённые школы ШНОР: посещения, заметки, проверка документов.",
            _VIEW_REGISTRY | _VIEW_WORK | {Cap.PERSON_VIEW, Cap.SHNOR_VISIT, Cap.SHNOR_REVIEW},
        ),
        RoleSpec(
            Role.MENTOR,
            Node.ASSIGNED,
            "Закреплённые школы ШНОР: наставничество управленческой команды.",
            _VIEW_REGISTRY | _VIEW_WORK | {Cap.PERSON_VIEW, Cap.SHNOR_VISIT},
        ),
    ]
}


def role_spec(role: str) -> RoleSpec:
    return ROLES[role]
