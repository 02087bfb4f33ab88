"""Demo: the inbox of the demo people filled from what the region's data says today.

The other apps' demos already told of their reviews (a returned roadmap, a submitted programme);
here the three daily reminders run for the region's today, as cron would run them, and the head
chooses a daily digest of the reminders. Nothing is sent: ``marshrut notify send`` would.
"""

from __future__ import annotations

from typing import Any

from marshrut.lib.plural import plural
from marshrut.notify.models import Kind, Mode, Notification, Preference
from marshrut.orgs.models import Person, Region


def build_demo(region: Region, stdout: Any) -> None:
    from marshrut.plans import reminders
    from marshrut.programmes import reminders_decisions
    from marshrut.support import stage_reminders

    written = reminders.send(reminders.collect())
    found, pending = reminders_decisions.collect()
    written += reminders_decisions.send(found, pending)
    written += stage_reminders.send(stage_reminders.collect([14, 7, 1]))
    head = Person.objects.filter(user__username="head").first()
    if head is not None:
        for kind in (Kind.ITEMS_DUE, Kind.DECISIONS_DUE, Kind.STAGE_DUE):
            Preference.objects.get_or_create(person=head, kind=kind, defaults={"email": Mode.DAILY})
    total = Notification.objects.filter(region=region).count()
    stdout.write(
        f"Уведомления: {plural(total, 'уведомление', 'уведомления', 'уведомлений')} "
        f"во входящих (новых напоминаний {written}); доставка — «marshrut notify send»."
    )
