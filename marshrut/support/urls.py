from django.urls import include, path

from marshrut.support import views

app_name = "support"
urlpatterns = [
    path("", views.home, name="home"),
    path("", include("marshrut.support.urls_risks")),
]
