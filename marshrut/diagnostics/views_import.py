"""Results import pages: the pipeline's pages (:mod:`marshrut.lib.import_views`, kind
``results``) under the campaign, and the campaign's template workbook.

The urls are listed in :data:`import_urlpatterns`; the app's ``urls.py`` adds them to its own.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.http import content_disposition_header

from marshrut.diagnostics.importing import template_xlsx
from marshrut.diagnostics.models import get_campaign_for_user
from marshrut.lib import import_views
from marshrut.lib.exports import XLSX_TYPE
from marshrut.orgs.roles import Cap


@login_required
def template(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk, Cap.CAMPAIGN_MANAGE)
    response = HttpResponse(template_xlsx(campaign), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{campaign.title} — шаблон.xlsx") or ""
    )
    return response


import_urlpatterns = [
    path(
        "campaigns/<int:pk>/import/",
        import_views.upload,
        {"kind": "results"},
        name="import_upload",
    ),
    path("campaigns/<int:pk>/template.xlsx", template, name="template"),
    *import_views.batch_urlpatterns(
        "results",
        "imports/",
        {
            "page": "import_job",
            "status": "import_job_status",
            "apply": "import_apply",
            "file": "import_file",
        },
    ),
]
