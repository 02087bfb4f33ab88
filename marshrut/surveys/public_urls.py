from django.urls import path

from marshrut.lib import files
from marshrut.surveys import public

app_name = "respond"
urlpatterns = [
    path("e/<str:token>/", public.review, name="review"),
    path(
        "<str:token>/document/",
        files.download,
        {"resolve": public.document_file, "public": True},
        name="document_file",
    ),
    path("<str:token>/", public.respond, name="survey"),
]
