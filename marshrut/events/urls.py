from django.urls import path

from marshrut.events import views
from marshrut.lib import import_views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("calendar/", views.event_calendar, name="event_calendar"),
    path("new/", views.event_create, name="event_create"),
    path("import/", import_views.upload, {"kind": "events"}, name="event_import"),
    *import_views.batch_urlpatterns(
        "events",
        "import/",
        {
            "page": "import_batch",
            "status": "import_status",
            "apply": "import_apply",
            "file": "import_file",
        },
    ),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("<int:pk>/participants/", views.participants_add, name="participants_add"),
    path(
        "participations/<int:pk>/",
        views.participation_attendance,
        name="participation_attendance",
    ),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/report.docx", views.report_docx, name="report_docx"),
]
