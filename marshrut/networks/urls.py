from django.urls import path

from marshrut.lib import files
from marshrut.networks import views

app_name = "networks"
urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("members/<int:pk>/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/delete/", views.member_delete, name="member_delete"),
    path("groups/<int:pk>/stages/new/", views.stage_add, name="stage_add"),
    path("stages/<int:pk>/", views.stage_edit, name="stage_edit"),
    path("groups/<int:pk>/documents/new/", views.document_add, name="document_add"),
    path(
        "documents/<int:pk>/file/",
        files.download,
        {"resolve": views.document_file},
        name="document_file",
    ),
    path("sites/", views.site_list, name="site_list"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
]
