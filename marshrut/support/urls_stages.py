"""URLs of the monitoring stages, included under /shnor/stages/."""

from django.urls import path

from marshrut.lib import files
from marshrut.support import views_stages as views

urlpatterns = [
    path("", views.stage_table, name="stage_table"),
    path("new/", views.stage_edit, name="stage_new"),
    path("<int:pk>/edit/", views.stage_edit, name="stage_edit"),
    path("<int:pk>/report.docx", views.stage_report, name="stage_report"),
    path("school/<int:school_pk>/", views.school_stages, name="school_stages"),
    path(
        "document/<int:document_pk>/school/<int:school_pk>/upload/",
        views.stage_upload,
        name="stage_upload",
    ),
    path("submission/<int:pk>/decide/", views.stage_decide, name="stage_decide"),
    path("file/<int:pk>/", files.download, {"resolve": views.stage_file}, name="stage_file"),
]
