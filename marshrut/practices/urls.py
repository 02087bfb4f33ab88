from django.urls import path

from marshrut.lib import files
from marshrut.practices import views

app_name = "practices"

urlpatterns = [
    path("", views.practice_list, name="practice_list"),
    path("new/", views.practice_create, name="practice_create"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("<int:pk>/", views.practice_detail, name="practice_detail"),
    path("<int:pk>/edit/", views.practice_edit, name="practice_edit"),
    path("<int:pk>/submit/", views.practice_submit, name="practice_submit"),
    path("<int:pk>/moderate/", views.practice_moderate, name="practice_moderate"),
    path("<int:pk>/archive/", views.practice_archive, name="practice_archive"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path("materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path(
        "materials/<int:pk>/file/",
        files.download,
        {"resolve": views.material_file},
        name="material_file",
    ),
    path("<int:pk>/adopt/", views.practice_adopt, name="practice_adopt"),
    path("adoptions/<int:pk>/delete/", views.adoption_delete, name="adoption_delete"),
]
