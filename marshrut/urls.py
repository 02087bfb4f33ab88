from django.urls import include, path

from marshrut.api import api
from marshrut.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("region/", web_views.region_switch, name="region_switch"),
    path("accounts/", include("marshrut.accounts.urls")),
    path("registry/", include("marshrut.orgs.urls")),
    path("audit/", include("marshrut.audit.urls")),
    # Domain apps (one line each):
    path("matching/", include("marshrut.matching.urls")),
    path("networks/", include("marshrut.networks.urls")),
    path("analytics/", include("marshrut.analytics.urls")),
    path("diagnostics/", include("marshrut.diagnostics.urls")),
    path("plans/", include("marshrut.plans.urls")),
    path("events/", include("marshrut.events.urls")),
    path("surveys/", include("marshrut.surveys.urls")),
    path("s/", include("marshrut.surveys.public_urls")),
    path("shnor/", include("marshrut.support.urls")),
    path("programmes/", include("marshrut.programmes.urls")),
    path("notify/", include("marshrut.notify.urls")),
    path("practices/", include("marshrut.practices.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
