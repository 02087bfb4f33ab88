from django.urls import path

from marshrut.surveys import public

app_name = "respond"
urlpatterns = [
    path("e/<str:token>/", public.review, name="review"),
    path("<str:token>/", public.respond, name="survey"),
]
