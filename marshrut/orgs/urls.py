from django.urls import path

from marshrut.lib import import_views
from marshrut.orgs import views, views_import

app_name = "orgs"
urlpatterns = [
    path("region/", views.region_edit, name="region_edit"),
    path("municipalities/", views.municipality_list, name="municipality_list"),
    path("municipalities/new/", views.municipality_create, name="municipality_create"),
    path("municipalities/<int:pk>/", views.municipality_detail, name="municipality_detail"),
    path("municipalities/<int:pk>/edit/", views.municipality_edit, name="municipality_edit"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/account/", views.person_account, name="person_account"),
    path("people/<int:pk>/roles/new/", views.membership_create, name="membership_create"),
    path("roles/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("import/", import_views.upload, {"kind": "registry"}, name="import_upload"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    *import_views.batch_urlpatterns(
        "registry",
        "import/",
        {
            "page": "import_preview",
            "status": "import_status",
            "apply": "import_apply",
            "file": "import_file",
        },
    ),
]
