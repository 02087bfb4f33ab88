from django.urls import include, path

from marshrut.api import api
from marshrut.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("accounts/", include("marshrut.accounts.urls")),
    path("registry/", include("marshrut.orgs.urls")),
    path("audit/", include("marshrut.audit.urls")),
    # Domain apps (one line each):
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
