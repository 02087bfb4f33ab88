from django.urls import path

from marshrut.diagnostics import views
from marshrut.diagnostics.views_import import import_urlpatterns
from marshrut.lib import files

app_name = "diagnostics"
urlpatterns = [
    path("criteria/", views.criteria_list, name="criteria_list"),
    path("criteria/<int:pk>/", views.criteria_detail, name="criteria_detail"),
    path("", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("verification/", views.verification, name="verification"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/answers/<str:code>/", views.answer_save, name="answer_save"),
    path("submissions/<int:pk>/submit/", views.submission_submit, name="submission_submit"),
    path("submissions/<int:pk>/review/", views.submission_review, name="submission_review"),
    path("submissions/<int:pk>/reopen/", views.submission_reopen, name="submission_reopen"),
    path("submissions/<int:pk>/result/", views.result, name="result"),
    path(
        "answers/<int:pk>/evidence/",
        files.download,
        {"resolve": views.evidence_file},
        name="evidence_download",
    ),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    *import_urlpatterns,
]
