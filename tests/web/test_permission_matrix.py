"""The permission matrix: every URL of the project, for every persona, and what each gets.

Columns are the personas in this order:
operator, department, methodologist, coordinator, head, school, curator, mentor, outsider, anonymous.
A URL added to the project without a row here fails ``test_every_url_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marshrut.accounts.models import ApiToken
from marshrut.lib.imports import ImportBatch
from tests.conftest import PERSONAS, World
from tests.matching import matrix as matching_rows
from tests.plans import matrix as plans

COLUMNS = [*PERSONAS, None]  # None: not logged in


@dataclass
class Case:
    expected: str  # ten status codes, one per column
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    setup: Callable[[World], Any] | None = None  # objects a URL without arguments needs


def _import(w: World) -> dict[str, Any]:
    batch = ImportBatch(
        kind="registry",
        region=w.region,
        filename="r.csv",
        size=1,
        sha256="0" * 64,
        created_by=w.users["operator"],
    )
    batch.file.save(
        "r.csv", ContentFile("Муниципалитет;ОКТМО\r\nТретий район;98703000\r\n".encode("cp1251"))
    )
    return {"pk": batch.pk}


def _events_import(w: World) -> dict[str, Any]:
    batch = ImportBatch(
        kind="events",
        region=w.region,
        filename="e.csv",
        size=1,
        sha256="0" * 64,
        status=ImportBatch.Status.FAILED,
        created_by=w.users["operator"],
    )
    batch.file.save("e.csv", ContentFile("№;Дата;Форма и тема мероприятия\r\n".encode("cp1251")))
    return {"pk": batch.pk}


def _campaign(w: World) -> Any:
    from tests.diagnostics.factories import campaign_for

    return campaign_for(w)


def _submission(w: World, school: Any, *, submitted: bool = False) -> Any:
    from tests.diagnostics.factories import submission_for

    return submission_for(w, school, submitted=submitted)


def _flag(w: World) -> Any:
    from marshrut.diagnostics.models import Flag

    return Flag.objects.create(
        submission=_submission(w, w.s1, submitted=True), rule="jump", message="проверка"
    )


def _token(w: World) -> dict[str, Any]:
    token, _ = ApiToken.issue(w.users["operator"], "test")
    return {"pk": token.pk}


def _event(w: World, municipality: str | None) -> dict[str, Any]:
    import datetime as dt

    from marshrut.events.models import Event

    event = Event.objects.create(
        region=w.region,
        municipality=getattr(w, municipality) if municipality else None,
        title="Семинар",
        starts_on=dt.date(2024, 3, 1),
        ends_on=dt.date(2024, 3, 1),
    )
    return {"pk": event.pk}


def _participation_m2(w: World) -> dict[str, Any]:
    from marshrut.events.models import Participation

    event_pk = _event(w, "m2")["pk"]
    p = Participation.objects.create(event_id=event_pk, person=w.p_m2, school=w.s2)
    return {"pk": p.pk}


def _period_report(w: World) -> dict[str, Any]:
    import datetime as dt

    from marshrut.events.models import PeriodReport

    r = PeriodReport.objects.create(
        region=w.region, starts_on=dt.date(2022, 9, 1), ends_on=dt.date(2022, 12, 31)
    )
    return {"pk": r.pk}


def _survey(w: World) -> dict[str, Any]:
    from marshrut.surveys.models import Question, Survey

    survey = Survey.objects.create(region=w.region, title="Анкета", status=Survey.Status.OPEN)
    Question.objects.create(survey=survey, text="Как дела?", options=["хорошо", "плохо"])
    return {"pk": survey.pk}


def _question(w: World) -> dict[str, Any]:
    from marshrut.surveys.models import Question

    return {"pk": Question.objects.get(survey_id=_survey(w)["pk"]).pk}


def _survey_token(w: World) -> dict[str, Any]:
    from marshrut.surveys.models import Survey

    return {"token": Survey.objects.get(pk=_survey(w)["pk"]).token}


def _document(w: World) -> dict[str, Any]:
    from marshrut.surveys.actions import do_create_document
    from marshrut.surveys.models import Document

    document = do_create_document(
        None, Document(region=w.region, title="Модель"), criteria=[("Ясность", 3)]
    )
    return {"pk": document.pk}


def _evidence(w: World, school: Any) -> dict[str, Any]:
    from marshrut.diagnostics.models import Answer

    answer = Answer(submission=_submission(w, school), code="X.01", evidence_name="акт.pdf")
    answer.evidence_file.save("акт.pdf", ContentFile(b"%PDF-1.4 evidence"))
    return {"pk": answer.pk}


def _document_with_file(w: World) -> Any:
    from marshrut.surveys.models import Document

    document = Document.objects.get(pk=_document(w)["pk"])
    document.filename = "Модель.pdf"
    document.file.save("Модель.pdf", ContentFile(b"%PDF-1.4 model"))
    return document


def _discussion_token(w: World) -> dict[str, Any]:
    return {"token": _document_with_file(w).discussions.get().token}


def _review_token(w: World) -> dict[str, Any]:
    from marshrut.surveys.models import Document, Review

    document = Document.objects.get(pk=_document(w)["pk"])
    return {"token": Review.objects.create(document=document, expert=w.p_m2).token}


#                         op  dep met crd hd  sch cur men out anon
MATRIX: dict[str, list[Case]] = {
    "home": [Case("200 200 200 200 200 200 200 200 200 302")],
    "healthz": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:login": [Case("302 302 302 302 302 302 302 302 302 200")],
    "accounts:logout": [
        Case("302 302 302 302 302 302 302 302 302 302", method="post"),
        Case("405 405 405 405 405 405 405 405 405 405", note="GET does not log out"),
    ],
    "accounts:password_change": [Case("200 200 200 200 200 200 200 200 200 302")],
    "accounts:password_change_done": [Case("200 200 200 200 200 200 200 200 200 302")],
    "accounts:password_reset": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:password_reset_done": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:password_reset_confirm": [
        Case(
            "200 200 200 200 200 200 200 200 200 200",
            kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"},
        )
    ],
    "accounts:password_reset_complete": [Case("200 200 200 200 200 200 200 200 200 200")],
    "accounts:tokens": [Case("200 200 200 200 200 200 200 200 200 302")],
    "accounts:token_revoke": [
        Case(
            "302 404 404 404 404 404 404 404 404 302",
            kwargs=_token,
            method="post",
            note="only the owner revokes a token",
        )
    ],
    "region_switch": [Case("302 302 302 302 302 302 302 302 302 302", note="back to the page")],
    "orgs:region_edit": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:municipality_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "orgs:municipality_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:municipality_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": w.m1.pk}),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.m2.pk}),
    ],
    "orgs:municipality_edit": [
        Case("200 403 403 403 403 403 403 403 404 302", kwargs=lambda w: {"pk": w.m1.pk}),
        Case("200 403 403 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.m2.pk}),
    ],
    "orgs:school_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "orgs:school_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:school_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": w.s1.pk}),
        Case("200 200 200 200 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.s3.pk}),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.s2.pk}),
    ],
    "orgs:school_edit": [
        Case("200 403 403 200 200 403 403 403 404 302", kwargs=lambda w: {"pk": w.s1.pk}),
        Case("200 403 403 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.s2.pk}),
    ],
    "orgs:person_list": [Case("200 200 403 200 200 200 200 200 403 302")],
    "orgs:person_create": [Case("200 403 403 200 200 403 403 403 403 302")],
    "orgs:person_detail": [
        Case(
            "200 200 404 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 200 404 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
    "orgs:person_edit": [
        Case(
            "200 403 404 200 200 403 403 403 404 302", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 403 404 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
    "orgs:person_account": [
        Case(
            "302 403 404 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": w.p_m2.pk},
            method="post",
            data={"username": "second"},
        ),
    ],
    "orgs:membership_create": [
        Case(
            "200 403 404 403 403 403 403 403 404 302", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 403 404 404 404 404 404 404 404 302", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
    "orgs:membership_end": [
        Case(
            "302 404 404 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": w.membership_m2.pk},
            method="post",
        ),
    ],
    "orgs:import_upload": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:import_template": [Case("200 403 403 403 403 403 403 403 403 302")],
    "orgs:import_preview": [Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import)],
    "orgs:import_file": [Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import)],
    "orgs:import_apply": [
        Case("302 404 404 404 404 404 404 404 404 302", kwargs=_import, method="post")
    ],
    "orgs:import_status": [Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import)],
    "audit:event_list": [Case("200 403 403 403 403 403 403 403 403 302")],
    # School roadmaps from deficits: the operator keeps the measures library, everybody reads it;
    # a school (or its coordinator) drafts and submits, the municipal coordinator decides.
    "plans:measure_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "plans:measure_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "plans:measure_edit": [Case("200 403 403 403 403 403 403 403 404 302", kwargs=plans.measure)],
    "plans:roadmap_list": [Case("200 403 403 200 200 403 403 403 403 302")],
    "plans:roadmap_draft": [
        Case("200 403 403 200 200 403 403 403 404 302", kwargs=plans.submission("s1")),
        Case("200 403 403 404 404 404 404 404 404 302", kwargs=plans.submission("s2")),
    ],
    "plans:plan_submit": [
        Case(
            "302 403 403 302 302 403 403 403 404 302",
            kwargs=plans.school_plan("s1", "draft"),
            method="post",
        ),
        Case(
            "302 403 403 404 404 404 404 404 404 302",
            kwargs=plans.school_plan("s2", "draft"),
            method="post",
        ),
    ],
    "plans:plan_review": [
        Case(
            "302 403 403 302 403 403 403 403 404 302",
            kwargs=plans.school_plan("s1", "submitted"),
            method="post",
            data={"decision": "approve"},
        ),
        Case(
            "302 403 403 404 404 404 404 404 404 302",
            kwargs=plans.school_plan("s2", "submitted"),
            method="post",
            data={"decision": "approve"},
        ),
    ],
    # Matching: partners are seen with the school's results; sessions compare municipalities,
    # so plans are for those who see the whole region, and only the operator groups and deletes.
    "matching:index": [Case("200 200 200 200 200 200 200 200 403 302")],
    "matching:partners": [
        Case(
            "200 200 200 200 200 200 200 200 404 302",
            kwargs=lambda w: matching_rows.submission("s1")(w),
        ),
        Case(
            "200 200 200 404 404 404 404 404 404 302",
            kwargs=lambda w: matching_rows.submission("s2")(w),
        ),
    ],
    "matching:grouping": [
        Case(
            "200 403 403 403 403 403 403 403 404 302",
            kwargs=lambda w: matching_rows.campaign(w),
        )
    ],
    "matching:plan_list": [Case("200 200 200 403 403 403 403 403 403 302")],
    "matching:plan_detail": [
        Case(
            "200 200 200 404 404 404 404 404 404 302",
            kwargs=lambda w: matching_rows.plan(w),
        )
    ],
    "matching:plan_delete": [
        Case(
            "302 403 403 404 404 404 404 404 404 302",
            method="post",
            kwargs=lambda w: matching_rows.plan(w),
        ),
        Case(
            "405 405 405 405 405 405 405 405 405 302",
            kwargs=lambda w: matching_rows.plan(w),
            note="GET does not delete",
        ),
    ],
    # The federal summary: only roles above the regions (none of the region's personas).
    "analytics:federal": [
        Case("403 403 403 403 403 403 403 403 403 302"),
        Case("403 403 403 403 403 403 403 403 403 302", setup=lambda w: _campaign(w)),
    ],
    "analytics:dashboard": [
        Case("200 200 200 200 200 200 200 200 403 302", note="no campaign yet: an empty page"),
        Case(
            "200 200 200 200 302 302 302 302 403 302",
            setup=lambda w: _campaign(w),
            note="school teams and curators go to their schools' result pages",
        ),
    ],
    "diagnostics:criteria_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "diagnostics:criteria_detail": [
        Case(
            "200 200 200 200 200 200 200 200 403 302",
            kwargs=lambda w: {"pk": _campaign(w).criteria_id},
        )
    ],
    "diagnostics:campaign_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "diagnostics:campaign_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "diagnostics:campaign_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: {"pk": _campaign(w).pk})
    ],
    "diagnostics:verification": [Case("200 403 403 200 403 403 403 403 403 302")],
    # Evidence files follow their submission: its school, municipality and region see them.
    "diagnostics:evidence_download": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: _evidence(w, w.s1)),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=lambda w: _evidence(w, w.s2)),
    ],
    "diagnostics:submission": [
        Case(
            "200 200 200 200 200 200 200 200 404 302",
            kwargs=lambda w: {"pk": _submission(w, w.s1).pk},
        ),
        Case(
            "200 200 200 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": _submission(w, w.s2).pk},
        ),
    ],
    "diagnostics:answer_save": [
        Case(
            "302 403 403 403 302 302 403 403 404 302",
            method="post",
            data={"value": "yes"},
            kwargs=lambda w: {"pk": _submission(w, w.s1).pk, "code": "ZN.01"},
        ),
        Case(
            "302 403 403 404 404 404 404 404 404 302",
            method="post",
            data={"value": "yes"},
            kwargs=lambda w: {"pk": _submission(w, w.s2).pk, "code": "ZN.01"},
        ),
    ],
    "diagnostics:submission_submit": [
        Case(
            "302 403 403 403 302 302 403 403 404 302",
            method="post",
            kwargs=lambda w: {"pk": _submission(w, w.s1).pk},
        )
    ],
    "diagnostics:submission_review": [
        Case(
            "302 403 403 302 403 403 403 403 404 302",
            method="post",
            data={"decision": "verify"},
            kwargs=lambda w: {"pk": _submission(w, w.s1, submitted=True).pk},
        ),
        Case(
            "302 403 403 404 404 404 404 404 404 302",
            method="post",
            data={"decision": "verify"},
            kwargs=lambda w: {"pk": _submission(w, w.s2, submitted=True).pk},
        ),
    ],
    "diagnostics:submission_reopen": [
        Case(
            "302 403 403 403 403 403 403 403 404 302",
            method="post",
            data={"until": "2099-01-01"},
            kwargs=lambda w: {"pk": _submission(w, w.s1).pk},
        )
    ],
    "diagnostics:result": [
        Case(
            "200 200 200 200 200 200 200 200 404 302",
            kwargs=lambda w: {"pk": _submission(w, w.s1, submitted=True).pk},
        ),
        Case(
            "200 200 200 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": _submission(w, w.s2, submitted=True).pk},
        ),
    ],
    "diagnostics:flag_resolve": [
        Case(
            "302 403 403 302 403 403 403 403 404 302",
            method="post",
            data={"resolution": "confirmed"},
            kwargs=lambda w: {"pk": _flag(w).pk},
        )
    ],
    # Surveys: the region's operator and methodologists; respondents need no account.
    "surveys:survey_list": [Case("200 403 200 403 403 403 403 403 403 302")],
    "surveys:survey_create": [Case("200 403 200 403 403 403 403 403 403 302")],
    "surveys:survey_detail": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_survey)],
    "surveys:survey_edit": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_survey)],
    "surveys:survey_status": [
        Case(
            "302 404 302 404 404 404 404 404 404 302",
            kwargs=_survey,
            method="post",
            data={"status": "closed"},
        )
    ],
    "surveys:question_add": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_survey)],
    "surveys:question_edit": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_question)],
    "surveys:question_delete": [
        Case("302 404 302 404 404 404 404 404 404 302", kwargs=_question, method="post")
    ],
    "surveys:survey_invite": [
        Case("302 404 302 404 404 404 404 404 404 302", kwargs=_survey, method="post")
    ],
    "surveys:survey_remind": [
        Case("302 404 302 404 404 404 404 404 404 302", kwargs=_survey, method="post")
    ],
    "surveys:survey_results": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_survey)],
    "surveys:document_list": [Case("200 403 200 403 403 403 403 403 403 302")],
    "surveys:document_create": [Case("200 403 200 403 403 403 403 403 403 302")],
    "surveys:document_detail": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_document)],
    "surveys:document_file": [
        Case(
            "200 404 200 404 404 404 404 404 404 302",
            kwargs=lambda w: {"pk": _document_with_file(w).pk},
        )
    ],
    # The discussed document is read by whoever holds the discussion's or an expert's link.
    "respond:document_file": [
        Case("200 200 200 200 200 200 200 200 200 200", kwargs=_discussion_token),
        Case(
            "404 404 404 404 404 404 404 404 404 404",
            kwargs=lambda w: {"token": "guessed-token"},
            note="an unknown token is not found",
        ),
    ],
    "surveys:document_experts": [
        Case("302 404 302 404 404 404 404 404 404 302", kwargs=_document, method="post")
    ],
    "respond:survey": [
        Case("200 200 200 200 200 200 200 200 200 200", kwargs=_survey_token),
        Case(
            "404 404 404 404 404 404 404 404 404 404",
            kwargs=lambda w: {"token": "guessed-token"},
            note="an unknown token is not found",
        ),
    ],
    "respond:review": [Case("200 200 200 200 200 200 200 200 200 200", kwargs=_review_token)],
    # ШНОР: everybody with a place in the hierarchy reads the programme within their node.
    "support:home": [Case("200 200 200 200 200 200 200 200 403 302")],
    # Events: a regional event is announced to the whole region; m2's event stays in m2.
    "events:event_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "events:event_calendar": [Case("200 200 200 200 200 200 200 200 403 302")],
    "events:event_create": [Case("200 403 200 403 403 403 403 403 403 302")],
    "events:event_import": [Case("200 403 200 403 403 403 403 403 403 302")],
    # The pages of an events upload (lib/import_views.py): whoever manages the region's events.
    "events:import_batch": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_events_import)],
    "events:import_status": [
        Case("200 404 200 404 404 404 404 404 404 302", kwargs=_events_import)
    ],
    "events:import_file": [Case("200 404 200 404 404 404 404 404 404 302", kwargs=_events_import)],
    "events:import_apply": [
        Case(
            "302 404 302 404 404 404 404 404 404 302",
            kwargs=_events_import,
            method="post",
            note="a refused table is not applied: the manager is sent back to its page",
        )
    ],
    "events:event_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: _event(w, None)),
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=lambda w: _event(w, "m1")),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=lambda w: _event(w, "m2")),
    ],
    "events:event_edit": [
        Case("200 403 200 403 403 403 403 403 404 302", kwargs=lambda w: _event(w, None)),
        Case("200 403 200 404 404 404 404 404 404 302", kwargs=lambda w: _event(w, "m2")),
    ],
    "events:event_delete": [
        Case(
            "302 403 302 404 404 404 404 404 404 302",
            kwargs=lambda w: _event(w, "m2"),
            method="post",
        ),
        Case("405 405 405 405 405 405 405 405 405 302", kwargs=lambda w: _event(w, "m1")),
    ],
    "events:participants_add": [
        Case(
            "302 403 302 403 403 403 403 403 404 302",
            kwargs=lambda w: _event(w, "m1"),
            method="post",
        ),
    ],
    "events:participation_attendance": [
        Case(
            "302 403 302 404 404 404 404 404 404 302",
            kwargs=_participation_m2,
            method="post",
            data={"attended": "0"},
        ),
    ],
    "events:report_list": [Case("200 200 200 403 403 403 403 403 403 302")],
    "events:report_create": [
        Case(
            "302 403 302 403 403 403 403 403 403 302",
            method="post",
            data={"starts_on": "01.09.2022", "ends_on": "31.12.2022"},
        )
    ],
    "events:report_detail": [
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=_period_report)
    ],
    "events:report_edit": [Case("200 403 200 404 404 404 404 404 404 302", kwargs=_period_report)],
    "events:report_docx": [Case("200 200 200 404 404 404 404 404 404 302", kwargs=_period_report)],
    "set_language": [
        Case("302 302 302 302 302 302 302 302 302 302", method="post", data={"language": "en"})
    ],
    "api:api-root": [
        Case("404 404 404 404 404 404 404 404 404 404", note="the API has no root page")
    ],
    "api:openapi-json": [Case("200 200 200 200 200 200 200 200 200 200")],
    "api:openapi-view": [Case("200 200 200 200 200 200 200 200 200 200")],
    "api:me": [Case("200 200 200 200 200 200 200 200 200 401")],
    "api:municipalities": [Case("200 200 200 200 200 200 200 200 403 401")],
    "api:municipality": [
        Case("200 200 200 200 200 200 200 200 404 401", kwargs=lambda w: {"pk": w.m1.pk}),
        Case("200 200 200 404 404 404 404 404 404 401", kwargs=lambda w: {"pk": w.m2.pk}),
    ],
    "api:schools": [Case("200 200 200 200 200 200 200 200 403 401")],
    "api:school": [
        Case("200 200 200 200 200 200 200 200 404 401", kwargs=lambda w: {"pk": w.s1.pk}),
        Case("200 200 200 404 404 404 404 404 404 401", kwargs=lambda w: {"pk": w.s2.pk}),
    ],
    "api:people": [Case("200 200 403 200 200 200 200 200 403 401")],
    "plans:plan_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "plans:plan_create": [Case("200 403 403 200 200 403 403 403 403 302")],
    "plans:execution": [Case("200 200 200 200 200 200 200 200 403 302")],
    "plans:item_list": [Case("200 200 200 200 200 200 200 200 403 302")],
    "plans:plan_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.plan("region")),
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.plan("municipality", "m1")),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=plans.plan("municipality", "m2")),
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.plan("school", "s1")),
        Case("200 200 200 200 404 404 404 404 404 302", kwargs=plans.plan("school", "s3")),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=plans.plan("school", "s2")),
    ],
    "plans:plan_execution": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.plan("region")),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=plans.plan("school", "s2")),
    ],
    "plans:plan_export": [Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.export)],
    "plans:item_detail": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.item("school", "s1")),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=plans.item("municipality", "m2")),
    ],
    "plans:item_report": [
        Case(
            "302 403 403 302 302 302 403 403 404 302",
            kwargs=plans.item("school", "s1"),
            method="post",
            data={"status": "in_progress"},
        ),
        Case(
            "302 403 403 403 403 403 403 403 404 302",
            kwargs=plans.item("region"),
            method="post",
            data={"status": "in_progress"},
            note="the regional plan is read below, reported on by the region",
        ),
    ],
    "plans:item_edit": [
        Case("200 403 403 200 200 403 403 403 404 302", kwargs=plans.item("school", "s1")),
        Case("200 403 403 404 404 404 404 404 404 302", kwargs=plans.item("municipality", "m2")),
    ],
    "plans:item_hand_down": [
        Case("200 403 403 403 403 403 403 403 404 302", kwargs=plans.item("region")),
        Case("200 403 403 200 403 403 403 403 404 302", kwargs=plans.item("municipality", "m1")),
    ],
    "plans:evidence_download": [
        Case("200 200 200 200 200 200 200 200 404 302", kwargs=plans.evidence("s1")),
        Case("200 200 200 404 404 404 404 404 404 302", kwargs=plans.evidence("s2")),
    ],
    "plans:import_upload": [Case("200 403 403 200 200 403 403 403 403 302")],
    "plans:import_file": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=plans.draft("region")),
        Case("200 404 404 200 200 404 404 404 404 302", kwargs=plans.draft("school")),
    ],
    "plans:import_preview": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=plans.draft("region")),
        Case("200 404 404 200 200 404 404 404 404 302", kwargs=plans.draft("school")),
    ],
    "plans:import_status": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=plans.draft("region")),
        Case("200 404 404 200 200 404 404 404 404 302", kwargs=plans.draft("school")),
    ],
    "plans:import_row": [
        Case("200 404 404 200 200 404 404 404 404 302", kwargs=plans.draft("school", index=True)),
    ],
    "plans:import_map": [
        Case(
            "302 404 404 404 404 404 404 404 404 302", kwargs=plans.draft("region"), method="post"
        ),
    ],
    "plans:import_save": [
        Case(
            "302 404 404 302 302 404 404 404 404 302", kwargs=plans.draft("school"), method="post"
        ),
    ],
    "plans:organisation_list": [Case("200 403 403 200 200 403 403 403 403 302")],
    "plans:organisation_create": [Case("200 403 403 403 403 403 403 403 403 302")],
    "plans:organisation_edit": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=plans.organisation)
    ],
    "plans:calendar": [Case("200 200 200 200 200 200 200 200 403 302")],
    "plans:calendar_feed": [
        Case(
            "200 200 200 200 200 200 200 200 200 200",
            kwargs=plans.calendar,
            note="the key is the login",
        ),
        Case("404 404 404 404 404 404 404 404 404 404", kwargs=lambda w: {"key": "wrong"}),
    ],
    "api:person": [
        Case(
            "200 200 404 200 200 200 200 200 404 401", kwargs=lambda w: {"pk": w.people["head"].pk}
        ),
        Case("200 200 404 404 404 404 404 404 404 401", kwargs=lambda w: {"pk": w.p_m2.pk}),
    ],
}


def _merge_app_rows() -> None:
    """Rows that live beside the apps' own tests, in the same ten-column format."""
    from tests.analytics.matrix_effectiveness import MATRIX_EFFECTIVENESS
    from tests.analytics.matrix_reports import MATRIX_REPORTS
    from tests.api.matrix_api import MATRIX_API
    from tests.diagnostics.matrix_import import MATRIX_IMPORT
    from tests.matching.matrix_assignment import MATRIX_ASSIGNMENT
    from tests.networks.matrix_networks import MATRIX_NETWORKS
    from tests.notify.matrix_notify import MATRIX_NOTIFY
    from tests.plans.matrix_scans import MATRIX_SCANS
    from tests.practices.matrix_practices import MATRIX_PRACTICES
    from tests.programmes.matrix_interviews import MATRIX_INTERVIEWS
    from tests.programmes.matrix_programmes import MATRIX_PROGRAMMES
    from tests.support.matrix_cohort import MATRIX_COHORT
    from tests.support.matrix_documents import MATRIX_SUPPORT_DOCS
    from tests.support.matrix_risks import MATRIX_RISKS
    from tests.support.matrix_stages import MATRIX_STAGES

    for name, cases in MATRIX_IMPORT.items():
        MATRIX[name] = [Case(c.expected, c.kwargs, c.method, c.data, c.note) for c in cases]
    for name, rows in MATRIX_REPORTS.items():
        MATRIX[name] = [Case(e, k, m, d) for e, k, m, d in rows]
    for name, rows in MATRIX_API.items():
        MATRIX[name] = [Case(e, k, m, d) for e, k, m, d in rows]
    # Rows that live beside their tests (ШНОР, programmes); None: a URL without arguments.
    for rows_of_app in (
        MATRIX_COHORT,
        MATRIX_SUPPORT_DOCS,
        MATRIX_STAGES,
        MATRIX_PROGRAMMES,
        MATRIX_INTERVIEWS,
        MATRIX_RISKS,
        MATRIX_NETWORKS,
        MATRIX_ASSIGNMENT,
        MATRIX_EFFECTIVENESS,
        MATRIX_NOTIFY,
        MATRIX_PRACTICES,
        MATRIX_SCANS,
    ):
        for name, rows in rows_of_app.items():
            MATRIX[name] = [
                Case(e, method=m, data=d, **({"kwargs": k} if k else {})) for e, k, m, d in rows
            ]


_merge_app_rows()


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            names |= _url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_a_row() -> None:
    names = _url_names(get_resolver())
    assert names - MATRIX.keys() == set(), "add these URLs to the permission matrix"
    assert MATRIX.keys() - names == set(), "these rows name URLs that no longer exist"


@pytest.mark.parametrize(
    ("name", "index"), [(name, i) for name, cases in MATRIX.items() for i in range(len(cases))]
)
def test_permission_matrix(world: World, name: str, index: int) -> None:
    case = MATRIX[name][index]
    expected = case.expected.split()
    assert len(expected) == len(COLUMNS)
    got = []
    for persona in COLUMNS:
        # Each persona meets the same world: whatever a request changes is rolled back.
        with transaction.atomic():
            if case.setup is not None:
                case.setup(world)
            url = reverse(name, kwargs=case.kwargs(world))
            client = world.client(persona)
            response = getattr(client, case.method)(url, case.data)
            got.append(str(response.status_code))
            transaction.set_rollback(True)
    table = "\n".join(
        f"{p or 'anonymous':>14}: expected {e}, got {g}"
        for p, e, g in zip(COLUMNS, expected, got, strict=True)
        if e != g
    )
    assert got == expected, f"{name} {case.note}\n{table}"


# A second region and the federal persona ---------------------------------------------------------
#
# The same matrix, run again in an installation of two regions: the second region («99», its own
# operator, municipalities, schools, people) is built with the same shape as the first, so every
# row's objects can be made in it too (``case.kwargs(other)``). Nobody of the first region reaches
# them; the federal persona reads what the region's read-only department reads and changes nothing.

PROTECTED = {"403", "404", "302"}  # 302: the login page, for the anonymous


@pytest.fixture
def other(world: World) -> World:
    from tests.conftest import build_world

    return build_world("99", "Вторая область", tag="r2-")


def _federal_user() -> Any:
    from marshrut.accounts.models import User
    from marshrut.orgs.models import Membership, Person
    from marshrut.orgs.roles import Role

    user = User.objects.create_user("federal", "federal@test.local", "x")
    person = Person.objects.create(last_name="Федеральный", first_name="Тест", user=user)
    Membership.objects.create(person=person, role=Role.FEDERAL)
    return user


def _region_bound(case: Case) -> bool:
    """A row about one region's object: the outsider is refused it and it names an object."""
    outsider = case.expected.split()[PERSONAS.index("outsider")]
    return outsider in {"403", "404"} and case.kwargs is not Case.kwargs


# Shared by all regions by design: the criteria versions and the ШНОР risk methods.
SHARED = {"diagnostics:criteria_detail", "support:risk_model"}
_BOUND = [
    (name, i)
    for name, cases in MATRIX.items()
    for i, case in enumerate(cases)
    if _region_bound(case) and not name.startswith("api:") and name not in SHARED
]


@pytest.mark.parametrize(("name", "index"), _BOUND)
def test_nobody_reaches_another_regions_objects(
    world: World, other: World, name: str, index: int
) -> None:
    """Every persona of the first region is refused (403/404) the second region's object; the
    second region's own persona gets what the matrix promises its counterpart."""
    case = MATRIX[name][index]
    expected = case.expected.split()
    got, theirs = [], []
    for persona in PERSONAS:
        with transaction.atomic():
            if case.setup is not None:
                case.setup(other)
            url = reverse(name, kwargs=case.kwargs(other))
            got.append(str(getattr(world.client(persona), case.method)(url, case.data).status_code))
            theirs.append(
                str(getattr(other.client(persona), case.method)(url, case.data).status_code)
            )
            transaction.set_rollback(True)
    leaks = [p for p, g in zip(PERSONAS, got, strict=True) if g not in PROTECTED]
    assert not leaks, f"{name}: the first region's {leaks} reach the second region's object: {got}"
    assert theirs == expected[: len(PERSONAS)], f"{name}: the second region's own personas"


_LISTS = [
    name
    for name, cases in MATRIX.items()
    if len(cases) == 1
    and cases[0].method == "get"
    and cases[0].kwargs is Case.kwargs
    and cases[0].setup is None
    and cases[0].expected.split()[0] == "200"
    and not name.startswith(("accounts:", "api:"))
    and name not in {"healthz"}
]
# The first region's names that the second's do not contain, and its schools' INNs.
FIRST_REGION_NAMES = ["Тестовая область", "Второй муниципальный район"]


@pytest.mark.parametrize("name", _LISTS)
def test_the_second_operator_lists_only_its_region(world: World, other: World, name: str) -> None:
    """The pages without arguments (lists, forms, exports) show the second region's operator
    nothing of the first region."""
    response = other.client("operator").get(reverse(name))
    assert response.status_code in {200, 403}, name
    text = response.content.decode("utf-8", "replace")
    names = [*FIRST_REGION_NAMES, world.s1.inn, world.s2.inn, world.s3.inn]
    assert not [n for n in names if n in text], name


# What the federal persona gets where the region's read-only department does not: people's
# contacts stay in the regions (no PERSON_VIEW above them).
FEDERAL_DIFFERS = {
    "analytics:federal": "200",  # the summary by region is theirs alone
    "orgs:person_list": "403",
    "orgs:person_detail": "404",
    "orgs:person_edit": "404",
    "orgs:person_account": "404",
    "orgs:membership_create": "404",
}


@pytest.mark.parametrize(
    ("name", "index"),
    [(n, i) for n, cases in MATRIX.items() for i in range(len(cases)) if not n.startswith("api:")],
)
def test_the_federal_persona_reads_and_changes_nothing(
    world: World, other: World, name: str, index: int
) -> None:
    """Above the regions: what the department reads, in every region; every change refused."""
    case = MATRIX[name][index]
    federal = _federal_user()
    department = case.expected.split()[PERSONAS.index("department")]
    with transaction.atomic():
        if case.setup is not None:
            case.setup(world)
        url = reverse(name, kwargs=case.kwargs(world))
        client = world.client(None)
        client.force_login(federal)
        got = str(getattr(client, case.method)(url, case.data).status_code)
        transaction.set_rollback(True)
    expected = FEDERAL_DIFFERS.get(name, department)
    if name in PUBLIC_POSTS:
        expected = department
    assert got == expected, f"{name} {case.note}: the department gets {department}"
    if case.method == "post" and name not in PUBLIC_POSTS:
        assert got in {"403", "404", "405"}, f"{name}: the federal persona changed something"


# POSTs that are not changes of the region's data: one's own session and tokens, public forms.
PUBLIC_POSTS = {
    "accounts:logout",
    "accounts:token_revoke",
    "accounts:login",
    "set_language",
    # One's own inbox and notification settings.
    "notify:mark_all_read",
    "notify:telegram_code",
    "notify:telegram_unlink",
}
