"""How much of the plan page's server time is template rendering.

    MARSHRUT_VAR_DIR=/tmp/plan-bench .venv/bin/marshrut demo --no-server   # once: the demo region
    MARSHRUT_VAR_DIR=/tmp/plan-bench DEBUG=0 SECRET_KEY=… ALLOWED_HOSTS=testserver \\
        .venv/bin/python bench/bench_plan_page.py

Opens the demo's largest plan as the regional operator through Django's test client, ten times,
and prints the median CPU time of the request (wall time on a shared machine is mostly waiting), the median CPU time inside ``Template.render`` (the outermost
call) and its share, and how many template variables one request resolves.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")


def main() -> None:
    import django

    django.setup()
    import django.template.base as tb
    from django.db.models import Count
    from django.test import Client

    from marshrut.accounts.models import User
    from marshrut.plans.models import Plan

    client = Client()
    client.force_login(User.objects.get(username="operator"))
    plan = Plan.objects.annotate(n=Count("items")).order_by("-n").first()
    assert plan is not None
    url = f"/plans/{plan.pk}/"
    client.get(url)
    render, resolve = tb.Template.render, tb.Variable.resolve
    state = {"depth": 0, "seconds": 0.0, "lookups": 0}

    def timed_render(self: Any, context: Any) -> Any:
        state["depth"] += 1
        started = time.process_time()
        try:
            return render(self, context)
        finally:
            state["depth"] -= 1
            if state["depth"] == 0:
                state["seconds"] += time.process_time() - started

    def counted_resolve(self: Any, context: Any) -> Any:
        state["lookups"] += 1
        return resolve(self, context)

    tb.Template.render = timed_render  # type: ignore[method-assign]
    tb.Variable.resolve = counted_resolve  # type: ignore[method-assign]
    total, template = [], []
    for _ in range(10):
        state.update(seconds=0.0, lookups=0)
        started = time.process_time()
        client.get(url)
        total.append(time.process_time() - started)
        template.append(state["seconds"])
    whole, rendering = statistics.median(total), statistics.median(template)
    print(
        f"plan of {plan.n} items: CPU time {whole * 1000:.0f} ms, templates "
        f"{rendering * 1000:.0f} ms ({rendering / whole:.0%}), {state['lookups']} variable "
        f"lookups; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
