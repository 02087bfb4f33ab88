"""The REST API at /api/v1/ (OpenAPI at /api/v1/docs): one module per area, the pages' scoping.

``base`` holds the API object (auth, token scopes, rate limits, errors), ``paging`` the cursor
pages; each area module declares a router that is mounted here.
"""

from __future__ import annotations

from marshrut.api import decisions, diagnostics, events, plans, practices, registry, surveys
from marshrut.api.base import api

api.add_router("", registry.router)
api.add_router("", diagnostics.router)
api.add_router("", plans.router)
api.add_router("", events.router)
api.add_router("", surveys.router)
api.add_router("", decisions.router)
api.add_router("", practices.router)

__all__ = ["api"]
