from django.urls import path

from marshrut.lib import files
from marshrut.programmes import views

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

urlpatterns: list = [*programme_patterns]
