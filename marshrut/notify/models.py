"""The outbox: a notification per person and event, a delivery per channel, and what a person
chose to receive.

A notification is written once per (person, dedup key): the key names the event — its kind, the
object and the date — so a reminder run twice the same day, or an action retried, tells nobody
twice. A delivery carries what the sender needs to deliver it exactly once per channel: a status,
the claim of the sender working on it (``claimed_by`` with a lease, so a killed sender's rows are
taken over), attempts and the time of the next one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marshrut.orgs.models import Person, Region


class Kind(models.TextChoices):
    """What a notification tells: the unit of a person's preferences."""

    PLAN_SUBMITTED = "plan_submitted", _("Дорожная карта школы на согласовании")
    PLAN_RETURNED = "plan_returned", _("Дорожная карта возвращена на доработку")
    PLAN_APPROVED = "plan_approved", _("Дорожная карта утверждена")
    PROGRAMME_SUBMITTED = "programme_submitted", _("Программа развития на согласовании")
    PROGRAMME_RETURNED = "programme_returned", _("Программа развития возвращена с замечаниями")
    PROGRAMME_APPROVED = "programme_approved", _("Программа развития согласована")
    ANSWERS_RETURNED = "answers_returned", _("Анкета самодиагностики возвращена на доработку")
    ITEMS_DUE = "items_due", _("Сроки мероприятий дорожных карт: скоро и просрочено")
    STAGE_DUE = "stage_due", _("ШНОР: приближается контрольная дата этапа")
    DECISIONS_DUE = "decisions_due", _("Управленческие решения: скоро срок и просрочено")
    ANNOUNCEMENT = "announcement", _("Объявление регионального оператора")


class Notification(models.Model):
    """One event told to one person (or, for an announcement, to a region's chat)."""

    recipient = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("кому"),
        help_text=_("пусто у объявления в чат региона"),
    )
    kind = models.CharField(_("вид"), max_length=40, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("регион"),
    )
    subject = models.CharField(_("тема"), max_length=300)
    body = models.TextField(_("текст"), blank=True)
    link = models.CharField(_("ссылка"), max_length=500, blank=True)
    dedup_key = models.CharField(_("ключ события"), max_length=200)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"], name="notify_notification_once"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notify_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class Channel(models.TextChoices):
    EMAIL = "email", _("электронная почта")
    TELEGRAM = "telegram", _("Telegram")


class Mode(models.TextChoices):
    """How a kind of notification reaches a person by e-mail."""

    IMMEDIATE = "immediate", _("сразу")
    DAILY = "daily", _("сводкой раз в день")
    WEEKLY = "weekly", _("сводкой раз в неделю")
    OFF = "off", _("не присылать")


class Delivery(models.Model):
    """A notification on its way through one channel."""

    class Status(models.TextChoices):
        PENDING = "pending", _("ждёт отправки")
        SENDING = "sending", _("отправляется")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("не отправлено")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("канал"), max_length=20, choices=Channel.choices)
    # For e-mail: one letter now, or a place in the person's daily or weekly digest.
    mode = models.CharField(_("как"), max_length=20, choices=Mode.choices, default=Mode.IMMEDIATE)
    status = models.CharField(
        _("состояние"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), db_index=True)
    claimed_by = models.CharField(_("отправитель"), max_length=64, blank=True)
    claimed_until = models.DateTimeField(_("занято до"), null=True, blank=True)
    last_error = models.CharField(_("последняя ошибка"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("доставка")
        verbose_name_plural = _("доставки")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notify_delivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notify_delivery_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "status", "next_attempt_at"], name="notify_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.channel}"


class Preference(models.Model):
    """A person's choice for one kind; no row means the default (e-mail at once, bot on)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notify_preferences")
    kind = models.CharField(_("вид"), max_length=40, choices=Kind.choices)
    email = models.CharField(
        _("по почте"), max_length=20, choices=Mode.choices, default=Mode.IMMEDIATE
    )
    telegram = models.BooleanField(_("в Telegram"), default=True)

    class Meta:
        verbose_name = _("настройка уведомлений")
        verbose_name_plural = _("настройки уведомлений")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="notify_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.kind}"


class TelegramLink(models.Model):
    """A person's chat with the bot, or a one-time code waiting for ``/start CODE``."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="telegram")
    chat_id = models.BigIntegerField(_("чат"), null=True, blank=True, unique=True)
    code = models.CharField(_("код привязки"), max_length=20, blank=True, db_index=True)
    code_expires_at = models.DateTimeField(_("код действует до"), null=True, blank=True)
    linked_at = models.DateTimeField(_("привязан"), null=True, blank=True)

    class Meta:
        verbose_name = _("привязка Telegram")
        verbose_name_plural = _("привязки Telegram")

    def __str__(self) -> str:
        return f"Telegram {self.person_id}"


class RegionChat(models.Model):
    """The region's coordinators' chat, where the operator posts announcements through the bot."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="coordinators_chat"
    )
    chat_id = models.BigIntegerField(_("идентификатор чата"))
    title = models.CharField(_("название"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("чат координаторов региона")
        verbose_name_plural = _("чаты координаторов регионов")

    def __str__(self) -> str:
        return self.title or str(self.chat_id)


class BotCursor(models.Model):
    """Where ``getUpdates`` stopped: the next update id to ask for (one row per bot)."""

    name = models.CharField(max_length=40, unique=True)
    offset = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.offset}"
