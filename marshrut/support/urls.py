from django.urls import include, path

from marshrut.support import urls_documents, urls_visits, views

app_name = "support"
urlpatterns = [
    path("", views.home, name="home"),
    path("", include("marshrut.support.urls_cohort")),
    *urls_documents.urlpatterns,
    *urls_visits.urlpatterns,
    path("stages/", include("marshrut.support.urls_stages")),
    path("", include("marshrut.support.urls_risks")),
]
