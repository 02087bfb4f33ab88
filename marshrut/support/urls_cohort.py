"""The cohort's routes: the schools of the year, selection, team, and the two imports."""

from django.urls import path

from marshrut.lib import import_views
from marshrut.support import views_cohort as views

urlpatterns = [
    path("cohort/", views.cohort, name="cohort"),
    path("cohort/add/", views.cohort_add, name="cohort_add"),
    path("cohort/school/<int:pk>/", views.cohort_school, name="cohort_school"),
    path("cohort/<int:pk>/edit/", views.participation_edit, name="participation_edit"),
    path("cohort/selection/", views.selection_page, name="selection"),
    path("team/", views.team, name="team"),
    path("team/assign/", views.team_assign, name="team_assign"),
    path("team/<int:pk>/order/", views.team_order, name="team_order"),
    path("team/test/", views.team_test, name="team_test"),
    path(
        "cohort/results/import/",
        import_views.upload,
        {"kind": "shnor_results"},
        name="results_import",
    ),
    *import_views.batch_urlpatterns(
        "shnor_results",
        "cohort/results/import/",
        {
            "page": "results_batch",
            "status": "results_status",
            "apply": "results_apply",
            "file": "results_file",
        },
    ),
    path(
        "cohort/list/import/",
        import_views.upload,
        {"kind": "shnor_federal_list"},
        name="list_import",
    ),
    *import_views.batch_urlpatterns(
        "shnor_federal_list",
        "cohort/list/import/",
        {"page": "list_batch", "status": "list_status", "apply": "list_apply", "file": "list_file"},
    ),
]
