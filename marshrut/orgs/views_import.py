"""The registry's own import page: the template workbook. Upload, preview and apply are the
pipeline's pages (:mod:`marshrut.lib.import_views`, kind ``registry``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from marshrut.lib.exports import XLSX_TYPE
from marshrut.orgs import access
from marshrut.orgs.importing import template_xlsx
from marshrut.orgs.roles import Cap


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.REGISTRY_IMPORT)
    response = HttpResponse(template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="registry-template.xlsx"'
    return response
