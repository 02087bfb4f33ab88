from django.urls import path

from marshrut.analytics import views
from marshrut.analytics.views_effectiveness import effectiveness_urlpatterns
from marshrut.analytics.views_federal import federal_urlpatterns
from marshrut.analytics.views_reports import report_urlpatterns

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    *report_urlpatterns,
    *federal_urlpatterns,
    *effectiveness_urlpatterns,
]
