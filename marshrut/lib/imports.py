"""One import pipeline for every file that turns into rows: upload → check → preview → apply.

An app that imports files registers an :class:`Importer` (its kind, its Russian texts, its
``check`` and ``apply`` functions, who may see its batches). Everything else is here and the same
for every kind:

* an :class:`ImportBatch` row per uploaded file (original name, size, SHA-256, the importer's
  parameters, status, progress, the row-by-row problems and the counts, who and when);
* the upload policy of :mod:`marshrut.lib.uploads` (size and format limits, Russian refusals);
* the check, run once — by the worker (:func:`check_batch`), or in the request for a small file
  of an importer that allows it — and stored on the batch: the preview shows what was stored and
  never reads the file again;
* the apply (:func:`apply_batch`), which checks the file again against the database as it is
  now and writes all of it or nothing, in one transaction that also marks the batch applied;
  a batch is applied once (the claim is one conditional UPDATE);
* the pages (:mod:`marshrut.lib.import_views`): upload, progress, preview with the problem
  report, result; the stored file goes out only through :func:`marshrut.lib.files.download`.

How to add an importer: docs/imports.md.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from marshrut.lib import jobs
from marshrut.lib.files import PrivateUploadTo, delete_on_commit, remove_files_on_delete
from marshrut.lib.uploads import TABLE, Policy

logger = logging.getLogger(__name__)

# How many problems a batch keeps to show; the count says how many there were.
PROBLEMS_KEPT = 1000
FAILURE = _(
    "Внутренняя ошибка при обработке файла; в базе ничего не изменилось. Сообщите администратору."
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (sheet, row, column), the value, and why, in Russian."""

    sheet: str
    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = (
            f"лист «{self.sheet}», строка {self.row}"
            if self.row
            else (f"лист «{self.sheet}»" if self.sheet else "файл")
        )
        col = f", столбец {self.column}" if self.column else ""
        val = f": «{self.value}»" if self.value else ""
        return f"{where}{col}{val} — {self.reason}"

    @classmethod
    def of_file(cls, reason: str) -> Problem:
        """A problem of the whole file (it is empty, unreadable, refused by the policy)."""
        return cls("", None, "", "", str(reason))

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            str(data.get("sheet") or ""),
            data.get("row"),
            str(data.get("column") or ""),
            str(data.get("value") or ""),
            str(data.get("reason") or ""),
        )


@dataclass
class Report:
    """What a check or an apply found: the problems and a JSON summary for the pages and CLI.

    ``summary`` holds only JSON values (counts, sheets, notes, the rows the preview lists);
    ``ok`` says whether the file may be applied (no problems, and something to do).
    """

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    problem_count: int | None = None

    @property
    def count(self) -> int:
        return max(self.problem_count or 0, len(self.problems))


class Rejected(Exception):
    """An apply found the file no longer fits the database: nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__("; ".join(str(p) for p in report.problems[:5]))
        self.report = report


Progress = jobs.Progress
Check = Callable[[bytes, "ImportBatch", Progress], Report]
Apply = Callable[[Any, bytes, "ImportBatch", Progress, Any], Report]
Prepare = Callable[[bytes, "ImportBatch", Progress], Any]


def _no_progress(percent: int) -> None:
    return None


@dataclass
class Target:
    """Where an upload goes, as its importer decides from the request (403/404 outside scope):
    the region, the parameters the check and apply need, and what the pages show beside."""

    region: Any
    params: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    # What the importer's upload form needs beside the data (the user, the region's choices).
    form_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Importer:
    """One kind of import: what an app gives the pipeline.

    ``check(data, batch, progress)`` reads the file and plans, writing nothing; ``apply(user,
    data, batch, progress, prepared)`` checks again and writes, raising :class:`Rejected` when
    the file no longer fits; it runs inside the pipeline's transaction. A long re-check may go
    in ``prepare(data, batch, progress)``, run just before that transaction (on SQLite a
    transaction holds the write lock from its start): its result is ``prepared``. ``scope(user)`` is the filter of
    the batches the user may see. ``urls`` names the app's routes to the pipeline's views:
    ``upload``, ``page``, ``status``, ``apply``, ``file`` (``upload`` may take the batch's
    ``upload_args``). ``texts`` overrides the pages' words for this kind (see :data:`TEXTS`).
    """

    kind: str
    label: Promise | str
    check: Check
    apply: Apply
    scope: Callable[[Any], Q]
    urls: Mapping[str, str]
    upload_template: str
    summary_template: str
    form: Any  # the upload form class: a ``file`` UploadField with the policy, and parameters
    target: Callable[[Any, Mapping[str, Any]], Target]  # (request, url kwargs) -> Target
    policy: Policy = TABLE
    prepare: Prepare | None = None
    form_params: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda data: {}
    # Whether the upload asks to apply at once when the check passes (no preview step): the
    # apply then runs in the request, through the same runner; ``done`` is where it goes next.
    apply_at_once: Callable[[Mapping[str, Any]], bool] = lambda data: False
    done: Callable[[ImportBatch], str] | None = None
    # A small file (up to IMPORT_INLINE_CHECK_BYTES) is checked in the upload request and,
    # if refused, not kept; bigger files, and every file of other importers, go to the worker.
    check_in_request: bool = False
    # A small kind (a roadmap document) is applied in the request of the apply button, by the
    # same runner, and goes to ``done`` when applied; other kinds queue the apply for the worker.
    apply_in_request: bool = False
    refused_status: int = 200
    preview_in_place: bool = False
    texts: Mapping[str, Any] = field(default_factory=dict)
    upload_args: Callable[[ImportBatch], dict[str, Any]] = lambda batch: {}
    context: Callable[[ImportBatch], dict[str, Any]] = lambda batch: {}
    # What the batch page adds for the user who looks (forms that depend on their rights).
    user_context: Callable[[Any, ImportBatch], dict[str, Any]] | None = None
    # Why a checked batch may not be applied yet — the operator has something to do on its page
    # first (confirm rows read from a scan); ``None`` when it may. The apply button is refused
    # with this message and the batch stays checked.
    waiting: Callable[[ImportBatch], str | None] | None = None

    def text(self, key: str) -> str:
        return str(self.texts.get(key, TEXTS[key]))


TEXTS: dict[str, Any] = {
    "upload": _("Проверить файл"),
    "checking": _("Файл проверяется…"),
    "applying": _("Изменения записываются…"),
    "apply": _("Применить изменения"),
    "applied": _("Файл «%(name)s» применён."),
    "changed": _(
        "Файл не применён: данные изменились после проверки, см. ошибки; в базе ничего не "
        "изменилось."
    ),
    "refused": _(
        "Файл не загружен, в базе ничего не изменилось. Исправьте файл и загрузите его снова."
    ),
}

_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    """Add an importer (from its app's ``ready``); a kind is registered once."""
    _REGISTRY[importer.kind] = importer
    return importer


def importer_for(kind: str) -> Importer:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no importer of kind {kind!r}") from None


def importers() -> list[Importer]:
    return list(_REGISTRY.values())


class ImportBatch(jobs.Job):
    """An uploaded file on its way in: checked once, previewed, applied whole or not at all."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("проверяется")
        CHECKED = "checked", _("проверен, ждёт применения")
        FAILED = "failed", _("не загружен: есть ошибки")
        APPLYING = "applying", _("загружается")
        APPLIED = "applied", _("загружен")

    RUNNING = (Status.CHECKING, Status.APPLYING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("что загружается"), max_length=30)
    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, related_name="+")
    params = models.JSONField(_("параметры загрузки"), default=dict, blank=True)
    file = models.FileField(upload_to=PrivateUploadTo("imports/batches"), max_length=300)
    filename = models.CharField(_("файл"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер"))
    sha256 = models.CharField(_("контрольная сумма SHA-256"), max_length=64)
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    progress = models.PositiveSmallIntegerField(_("выполнено, %"), default=0)
    counts = models.JSONField(_("итоги"), default=dict, blank=True)
    problems = models.JSONField(_("ошибки"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("число ошибок"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("загружен"), default=timezone.now)
    checked_at = models.DateTimeField(_("проверен"), null=True, blank=True)
    previewed_at = models.DateTimeField(_("просмотрен"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("применён"), null=True, blank=True)

    class Meta:
        verbose_name = _("загрузка файла")
        verbose_name_plural = _("загрузки файлов")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "region", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="import_batch_progress_percent"
            ),
            models.CheckConstraint(
                condition=Q(status="applied", applied_at__isnull=False)
                | (~Q(status="applied") & Q(applied_at__isnull=True)),
                name="import_batch_applied_at_with_status",
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def importer(self) -> Importer:
        return importer_for(self.kind)

    @property
    def layout(self) -> str:
        """The table's layout a results file was read in (``wide``/``long``), if any."""
        return str(self.counts.get("layout", ""))

    def status_label(self) -> str:
        key = f"status_{self.status}"
        texts = self.importer.texts if self.kind in _REGISTRY else {}
        return str(texts.get(key, self.get_status_display()))

    def problem_list(self) -> list[Problem]:
        return [Problem.load(p) for p in self.problems]

    def read(self) -> bytes:
        with self.file.open("rb") as f:
            return f.read()

    def lost(self) -> None:
        # A check writes nothing but this row, so it runs again (once); an apply died inside
        # its transaction, so nothing was written, and the user decides whether to try again.
        if self.status == self.Status.CHECKING and self.attempts < jobs.MAX_ATTEMPTS:
            self.retry(check_batch, str(self.pk), notice=str(jobs.RESTARTED), progress=0)
            return
        notice = jobs.INTERRUPTED if self.status == self.Status.APPLYING else jobs.GAVE_UP
        self.fail(str(notice), status=self.Status.FAILED)


remove_files_on_delete(ImportBatch, "file")


def batches_for_user(user: Any, kind: str) -> models.QuerySet[ImportBatch]:
    """The batches of ``kind`` the user may see (the importer's scope)."""
    if not getattr(user, "is_authenticated", False):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(importer_for(kind).scope(user), kind=kind).select_related(
        "region", "created_by", "applied_by"
    )


def get_batch_for_user(user: Any, pk: Any, kind: str) -> ImportBatch:
    """A batch of ``kind`` the user may see; 404 outside the importer's scope."""
    return get_object_or_404(batches_for_user(user, kind), pk=pk)


def new_batch(
    kind: str, region: Any, data: bytes, filename: str, *, user: Any = None, **params: Any
) -> ImportBatch:
    """An unsaved batch for ``data``: name, size and checksum recorded, the file not stored yet."""
    return ImportBatch(
        kind=kind,
        region=region,
        params=params,
        filename=(filename or "file")[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def keep_file(batch: ImportBatch, data: bytes) -> None:
    batch.file.save(batch.filename[:100] or "file", ContentFile(data), save=False)


def store_report(batch: ImportBatch, report: Report, status: str) -> list[str]:
    """Put a report on the batch; the fields changed, for ``save(update_fields=…)``."""
    batch.status = status
    batch.problems = [asdict(p) for p in report.problems[:PROBLEMS_KEPT]]
    batch.problem_count = report.count
    batch.counts = report.summary
    batch.progress = 100
    return ["status", "problems", "problem_count", "counts", "progress"]


def store_check(batch: ImportBatch, report: Report) -> list[str]:
    """The stored result of a check; a refused file is given up (only its report is kept)."""
    fields = store_report(
        batch, report, ImportBatch.Status.CHECKED if report.ok else ImportBatch.Status.FAILED
    )
    batch.checked_at = timezone.now()
    fields.append("checked_at")
    if not report.ok and batch.file:
        delete_on_commit(batch.file.name)
        batch.file = ""  # type: ignore[assignment]
        fields.append("file")
    return fields


def _fail(batch: ImportBatch, reason: str) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.problems = [asdict(Problem.of_file(reason))]
    batch.problem_count = 1
    batch.applied_by = batch.applied_at = None
    batch.save(update_fields=["status", "problems", "problem_count", "applied_by", "applied_at"])


def run_check(batch: ImportBatch, data: bytes, progress: Progress = _no_progress) -> Report:
    """The importer's check of ``data`` for the batch; writes nothing."""
    return batch.importer.check(data, batch, progress)


@task()
def check_batch(batch_id: str) -> str:
    """Check an uploaded file in the worker and store the result on its batch."""
    batch = ImportBatch.objects.select_related("region").get(pk=batch_id)
    try:
        with jobs.running(batch) as progress:
            report = run_check(batch, batch.read(), progress)
    except Exception:
        logger.exception("import %s (%s): check failed", batch_id, batch.kind)
        _fail(batch, str(FAILURE))
        raise
    batch.save(update_fields=store_check(batch, report))
    return str(batch.status)


def claim_apply(batch: ImportBatch) -> bool:
    """Mark a checked batch applying, once: of two clicks (or two users) only one wins."""
    done = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKED).update(
        status=ImportBatch.Status.APPLYING, progress=0, notice=""
    )
    if done:
        batch.status, batch.progress, batch.notice = ImportBatch.Status.APPLYING, 0, ""
    return bool(done)


def queue_apply(batch: ImportBatch, user: Any) -> bool:
    """Queue the apply of a checked batch for the worker; False if it is not (or no longer) due."""
    return jobs.enqueue(
        batch,
        apply_batch,
        str(batch.pk),
        getattr(user, "pk", None),
        expect={"pk": batch.pk, "status": ImportBatch.Status.CHECKED},
        status=ImportBatch.Status.APPLYING,
        progress=0,
    )


def run_apply(batch: ImportBatch, user: Any) -> str:
    """Apply a claimed batch: check again and write all or nothing; returns the new status.

    The batch is marked applied in the transaction that writes the rows: a process killed at any
    moment leaves both or neither, so a batch still «applying» after its worker died has
    written nothing.
    """
    importer = batch.importer
    try:
        with jobs.running(batch) as progress:
            data = batch.read()
            prepared = importer.prepare(data, batch, progress) if importer.prepare else None
            with transaction.atomic():
                report = importer.apply(user, data, batch, progress, prepared)
                fields = store_report(batch, report, ImportBatch.Status.APPLIED)
                batch.applied_by = user if getattr(user, "is_authenticated", False) else None
                batch.applied_at = timezone.now()
                batch.save(update_fields=[*fields, "applied_by", "applied_at"])
    except Rejected as e:
        fields = store_report(batch, e.report, ImportBatch.Status.FAILED)
        batch.notice = importer.text("changed")
        batch.save(update_fields=[*fields, "notice"])
    except Exception:
        logger.exception("import %s (%s): apply failed", batch.pk, batch.kind)
        _fail(batch, str(FAILURE))
        raise
    return str(batch.status)


@task()
def apply_batch(batch_id: str, user_id: int | None) -> str:
    """The worker's apply of a batch the page claimed (status «applying»)."""
    batch = ImportBatch.objects.select_related("region").get(pk=batch_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return run_apply(batch, user)


def check_now(
    kind: str, region: Any, data: bytes, filename: str, *, user: Any = None, **params: Any
) -> tuple[ImportBatch, Report]:
    """Check a file without a worker (the CLI): the unsaved batch and the report."""
    batch = new_batch(kind, region, data, filename, user=user, **params)
    return batch, run_check(batch, data)
