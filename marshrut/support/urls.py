from django.urls import path

from marshrut.support import urls_documents, urls_visits, views

app_name = "support"
urlpatterns = [
    path("", views.home, name="home"),
    *urls_documents.urlpatterns,
    *urls_visits.urlpatterns,
]
