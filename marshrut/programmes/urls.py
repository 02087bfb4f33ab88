from django.urls import path

from marshrut.lib import files
from marshrut.programmes import views_decisions, views_interviews

app_name = "programmes"
urlpatterns: list = [
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
