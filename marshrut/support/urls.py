from django.urls import include, path

from marshrut.support import views

app_name = "support"
urlpatterns = [
    path("", views.home, name="home"),
    path("stages/", include("marshrut.support.urls_stages")),
]
