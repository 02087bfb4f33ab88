from django.urls import path

from marshrut.lib import files, import_views
from marshrut.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("execution/", views.execution, name="execution"),
    path("items/", views.item_list, name="item_list"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/execution/", views.plan_execution, name="plan_execution"),
    path(
        "<int:pk>/export/<str:kind>.<str:fmt>",
        views.plan_export,
        name="plan_export",
    ),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/report/", views.item_report, name="item_report"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/hand-down/", views.item_hand_down, name="item_hand_down"),
    path(
        "evidence/<int:pk>/",
        files.download,
        {"resolve": views.evidence_file},
        name="evidence_download",
    ),
    path("import/", import_views.upload, {"kind": "plans"}, name="import_upload"),
    *import_views.batch_urlpatterns(
        "plans",
        "import/",
        {
            "page": "import_preview",
            "status": "import_status",
            "apply": "import_save",
            "file": "import_file",
        },
    ),
    path("import/<uuid:pk>/rows/<int:index>/", views.import_row, name="import_row"),
    path("import/<uuid:pk>/map/", views.import_map, name="import_map"),
    path("import/<uuid:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/new/", views.measure_create, name="measure_create"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("roadmaps/", views.roadmap_list, name="roadmap_list"),
    path("roadmaps/<int:pk>/", views.roadmap_draft, name="roadmap_draft"),
    path("<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("<int:pk>/review/", views.plan_review, name="plan_review"),
    path("calendar/<str:key>.ics", views.calendar_feed, name="calendar_feed"),
]
