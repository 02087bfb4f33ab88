"""URLs of the visits of curators and mentors (included by ``support.urls``)."""

from django.urls import path

from marshrut.lib import files
from marshrut.support import views_visits as views

urlpatterns = [
    path("visits/", views.visit_list, name="visits"),
    path("visits/plan/", views.visit_plan, name="visit_plan"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path(
        "visits/file/<int:pk>/",
        files.download,
        {"resolve": views.visit_file},
        name="visit_file",
    ),
]
