from django.urls import path

from marshrut.lib import files
from marshrut.programmes import views, views_decisions, views_interviews

app_name = "programmes"

# Development programmes (программы развития).
programme_patterns = [
    path("", views.programme_list, name="programme_list"),
    path("overview/", views.programme_overview, name="programme_overview"),
    path("schools/<int:school>/draft/", views.programme_draft, name="programme_draft"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/history/", views.programme_history, name="programme_history"),
    path("<int:pk>/sections/<str:code>/", views.section_save, name="programme_section_save"),
    path("<int:pk>/sections/<str:code>/comments/", views.comment_add, name="programme_comment_add"),
    path("comments/<int:pk>/resolve/", views.comment_resolve, name="programme_comment_resolve"),
    path("<int:pk>/submit/", views.programme_submit, name="programme_submit"),
    path("<int:pk>/review/", views.programme_review, name="programme_review"),
    path("<int:pk>/order/", views.programme_order, name="programme_order"),
    path("<int:pk>/refresh/", views.programme_refresh, name="programme_refresh"),
    path("<int:pk>/targets/", views.programme_targets, name="programme_targets"),
    path("<int:pk>/defence/", views.programme_defence, name="programme_defence"),
    path(
        "defences/<int:pk>/protocol/",
        files.download,
        {"resolve": views.protocol_file},
        name="programme_protocol",
    ),
    path("<int:pk>/export.<str:fmt>", views.programme_export, name="programme_export"),
    path("municipalities/<int:pk>/archive/", views.archive_start, name="programme_archive_start"),
    path("archives/<uuid:pk>/", views.archive_job, name="programme_archive_job"),
    path("archives/<uuid:pk>/status/", views.archive_status, name="programme_archive_status"),
    path(
        "archives/<uuid:pk>/file/",
        files.download,
        {"resolve": views.archive_file},
        name="programme_archive_file",
    ),
]

# Interviews and management decisions.
work_patterns = [
    # Interviews (собеседования)
    path("interviews/", views_interviews.round_list, name="interview_round_list"),
    path("interviews/new/", views_interviews.round_create, name="interview_round_create"),
    path("interviews/<int:pk>/", views_interviews.round_detail, name="interview_round_detail"),
    path(
        "interviews/<int:pk>/slots/new/",
        views_interviews.slot_create,
        name="interview_slot_create",
    ),
    path(
        "interviews/slots/<int:pk>/delete/",
        views_interviews.slot_delete,
        name="interview_slot_delete",
    ),
    path(
        "interviews/slots/<int:pk>/protocol/",
        views_interviews.protocol,
        name="interview_protocol",
    ),
    path(
        "interviews/slots/<int:pk>/protocol.docx",
        views_interviews.protocol_docx_view,
        name="interview_protocol_docx",
    ),
    # Management decisions (управленческие решения)
    path("decisions/", views_decisions.decision_list, name="decision_list"),
    path("decisions/new/", views_decisions.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views_decisions.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", views_decisions.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/report/", views_decisions.decision_report, name="decision_report"),
    path(
        "decisions/evidence/<int:pk>/",
        files.download,
        {"resolve": views_decisions.decision_evidence_file},
        name="decision_evidence",
    ),
]

urlpatterns: list = [*programme_patterns, *work_patterns]
