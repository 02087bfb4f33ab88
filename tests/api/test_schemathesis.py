"""schemathesis against the API's own OpenAPI schema, with an operator's token, over the demo.

Every operation of /api/v1/openapi.json gets cases generated from its schema (bounded in
number, repeatable by the suite's Hypothesis profile), half of them aimed at real rows of the
demo (a campaign, a school with results, an item…) so that the answers are not only 404. Each
answer must not be a server error, must have a status the schema declares for the operation,
and must match the schema declared for that status (the JSON errors included). The requests go
through the whole Django stack as a WSGI application, in the test's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from marshrut.diagnostics.models import Result
from marshrut.events.models import Event
from marshrut.plans.models import Evidence, Plan, PlanItem
from marshrut.programmes.actions_decisions import do_report_decision
from marshrut.surveys.models import Survey
from tests.api.conftest import ApiWorld
from tests.programmes.factories_interviews import decision_for

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@contextmanager
def _one_transaction() -> Iterator[None]:
    """Keep the test's connection (and its transaction) across WSGI requests, as Django's test
    client does for its own requests. (The test client reconnects the handler after each of its
    requests, so none may run inside this block.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_ids(api_world: ApiWorld) -> dict[str, list[int]]:
    from tests.practices.factories import practice

    """Ids of demo rows by the path segment before ``{pk}``."""
    w = api_world.world
    result = Result.objects.filter(campaign__region=w.region).order_by("pk").first()
    assert result is not None
    # A management decision with an evidence file, for the decisions endpoints to find.
    decision = decision_for(w, "s1")
    report = do_report_decision(
        None, decision, status="done", files=[SimpleUploadedFile("акт.txt", "Акт".encode())]
    )
    decision_evidence = report.evidence.get()
    return {
        "campaigns": [result.campaign_id],
        "schools": [result.school_id, w.s2.pk],
        "municipalities": [w.m1.pk],
        "people": [p.pk for p in w.people.values()][:3],
        "plans": list(Plan.objects.filter(region=w.region).values_list("pk", flat=True)[:3]),
        "items": list(
            PlanItem.objects.filter(plan__region=w.region, reports__isnull=False)
            .values_list("pk", flat=True)
            .distinct()[:3]
        ),
        "events": list(Event.objects.filter(region=w.region).values_list("pk", flat=True)[:3]),
        "surveys": list(Survey.objects.filter(region=w.region).values_list("pk", flat=True)),
        "evidence": list(Evidence.objects.values_list("pk", flat=True)[:2]),
        "decisions": [decision.pk],
        # A published practice of the region, for the practice card.
        "practices": [practice(w.s1, title="Наставничество").pk],
        "decision-evidence": [decision_evidence.pk],
        "campaign_pk": [result.campaign_id],
        "school_pk": [result.school_id],
    }


def _ids_for(path: str, real: dict[str, list[int]]) -> dict[str, list[int]]:
    """For each path parameter, the real ids it may take."""
    out = {}
    for name in re.findall(r"{(\w+)}", path):
        if name == "pk":
            segment = re.search(r"/([\w-]+)/{pk}", path)
            assert segment is not None
            out[name] = real.get(segment.group(1), [])
        else:
            out[name] = real.get(name, [])
    return {k: v for k, v in out.items() if v}


def _exercise(
    operation: Any, ids: dict[str, list[int]], headers: dict[str, str], seen: set[int]
) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @given(case=operation.as_strategy(), data=st.data())
    def check(case: Any, data: Any) -> None:
        if ids and data.draw(st.booleans()):
            for name, values in ids.items():
                case.path_parameters[name] = data.draw(st.sampled_from(values))
        response = case.call(headers=headers)
        seen.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()


def test_no_operation_answers_a_server_error(api_world: ApiWorld, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    headers = {"Authorization": f"Bearer {api_world.token('operator')}"}
    # One report with an evidence file, so that the download has something to serve.
    item = PlanItem.objects.filter(plan__region=api_world.world.region).order_by("pk").first()
    assert item is not None
    response = Client(**{"HTTP_AUTHORIZATION": headers["Authorization"]}).post(
        f"/api/v1/items/{item.pk}/reports",
        {
            "version": item.version,
            "status": "in_progress",
            "evidence": SimpleUploadedFile("акт.txt", "Акт".encode()),
        },
    )
    assert response.status_code == 201, response.content
    real = _real_ids(api_world)
    statuses: dict[str, set[int]] = {}
    with _one_transaction():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        for found in schema.get_all_operations():
            operation = found.ok()
            name = f"{operation.method.upper()} {operation.path}"
            statuses[name] = set()
            _exercise(operation, _ids_for(operation.path, real), headers, statuses[name])
    tested = list(statuses)
    # Not only refusals: every read answered with data at least once.
    silent = [n for n, seen in statuses.items() if n.startswith("GET") and 200 not in seen]
    assert not silent, statuses
    # Every operation of the schema was exercised, writes included.
    assert len(tested) >= 26 and "POST /api/v1/items/{pk}/reports" in tested, tested
