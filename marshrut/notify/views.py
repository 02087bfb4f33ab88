"""The inbox, the preferences, the unsubscribe link, the announcement form and the bot's webhook."""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marshrut.notify import actions
from marshrut.notify.email import read_token
from marshrut.notify.models import Kind, Mode, Notification, Preference, RegionChat, TelegramLink
from marshrut.orgs.context import current_region, holds_on_region
from marshrut.orgs.models import Person
from marshrut.orgs.roles import Cap

INBOX_SIZE = 200


def _person(request: HttpRequest) -> Person | None:
    if not request.user.is_authenticated:
        return None
    return Person.objects.filter(user_id=request.user.pk).first()


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's notifications, unread first, newest first within each."""
    person = _person(request)
    notes: list[Notification] = []
    unread = 0
    if person is not None:
        qs = Notification.objects.filter(recipient=person)
        unread = qs.filter(read_at__isnull=True).count()
        notes = list(qs.order_by("read_at", "-created_at", "-pk")[:INBOX_SIZE])
        # «read_at» ascending puts NULL first on SQLite but last on PostgreSQL: sort here.
        notes.sort(key=lambda n: (n.read_at is not None, -n.created_at.timestamp(), -n.pk))
    return render(
        request,
        "notify/inbox.html",
        {"notes": notes, "unread": unread, "person": person},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    note = get_object_or_404(Notification, pk=pk, recipient=person) if person else None
    if note is None:
        raise PermissionDenied
    actions.do_mark_read(person, note.pk)  # type: ignore[arg-type]
    if request.POST.get("go") and note.link.startswith("/"):
        return redirect(note.link)
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise PermissionDenied
    count = actions.do_mark_read(person)
    messages.success(request, _("Отмечено прочитанными: %(n)s.") % {"n": count})
    return redirect("notify:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind: e-mail at once, in a daily or weekly digest, or not at all; Telegram on or off."""
    person = _person(request)
    if person is None:
        return render(request, "notify/preferences.html", {"person": None})
    saved = {p.kind: p for p in Preference.objects.filter(person=person)}
    if request.method == "POST":
        choices = {
            k: (request.POST.get(f"email_{k}", Mode.IMMEDIATE), bool(request.POST.get(f"tg_{k}")))
            for k in Kind.values
            if k != Kind.ANNOUNCEMENT
        }
        try:
            actions.do_save_preferences(person, choices)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("notify:preferences")
        messages.success(request, _("Настройки уведомлений сохранены."))
        return redirect("notify:preferences")
    rows = [
        {
            "kind": k,
            "label": label,
            "email": saved[k].email if k in saved else Mode.IMMEDIATE,
            "telegram": saved[k].telegram if k in saved else True,
        }
        for k, label in Kind.choices
        if k != Kind.ANNOUNCEMENT
    ]
    link = TelegramLink.objects.filter(person=person).first()
    return render(
        request,
        "notify/preferences.html",
        {
            "person": person,
            "rows": rows,
            "modes": Mode.choices,
            "link": link,
            "bot_enabled": bool(settings.TELEGRAM_BOT_TOKEN),
        },
    )


@login_required
@require_POST
def telegram_code(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise PermissionDenied
    code = actions.do_new_link_code(person)
    messages.info(
        request,
        _("Отправьте боту Маршрута сообщение: /start %(code)s — код действует 30 минут.")
        % {"code": code},
    )
    return redirect("notify:preferences")


@login_required
@require_POST
def telegram_unlink(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise PermissionDenied
    actions.do_unlink(person)
    messages.success(request, _("Telegram отвязан: сообщения бота больше не придут."))
    return redirect("notify:preferences")


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop the letters without logging in: GET asks, POST (or the mail client's one click) does.

    A GET changes nothing, so a link scanner that opens every link does not unsubscribe anyone.
    """
    try:
        person_id, kind = read_token(token)
    except signing.BadSignature:
        return render(request, "notify/unsubscribe.html", {"bad": True}, status=400)
    person = get_object_or_404(Person, pk=person_id)
    label = Kind(kind).label if kind in Kind.values else ""
    if request.method == "POST":
        actions.do_unsubscribe(person, kind)
        return render(request, "notify/unsubscribe.html", {"done": True, "label": label})
    return render(request, "notify/unsubscribe.html", {"label": label, "token": token})


@login_required
def announce(request: HttpRequest) -> HttpResponse:
    """The operator's announcement to the region's coordinators' chat, and the chat's id."""
    region = current_region(request, Cap.MUNICIPALITY_EDIT)
    if not holds_on_region(request.user, Cap.MUNICIPALITY_EDIT, region):
        raise PermissionDenied
    chat = RegionChat.objects.filter(region=region).first()
    status = 200
    if request.method == "POST":
        try:
            if "chat_id" in request.POST:
                raw = request.POST.get("chat_id", "").strip()
                if raw and not raw.lstrip("-").isdigit():
                    raise ValidationError(
                        _("Идентификатор чата — целое число, например -1001234567890.")
                    )
                actions.do_set_region_chat(
                    region, int(raw) if raw else None, request.POST.get("title", "")
                )
                messages.success(request, _("Чат координаторов сохранён."))
            else:
                actions.do_announce(request.user, region, request.POST.get("text", ""))
                messages.success(
                    request, _("Объявление поставлено в очередь и уйдёт в чат координаторов.")
                )
            return redirect("notify:announce")
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            status = 400
    recent = Notification.objects.filter(region=region, kind=Kind.ANNOUNCEMENT).prefetch_related(
        "deliveries"
    )[:10]
    return render(
        request,
        "notify/announce.html",
        {"region": region, "chat": chat, "recent": recent, "text": request.POST.get("text", "")},
        status=status,
    )


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    """Updates pushed by Telegram (``setWebhook`` with a secret token): checked, then answered."""
    from marshrut.notify.telegram import BotAPI, handle_update

    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        raise PermissionDenied
    try:
        update: Any = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"ok": False}, status=400)
    if isinstance(update, dict):
        handle_update(BotAPI(), update)
    return JsonResponse({"ok": True})
