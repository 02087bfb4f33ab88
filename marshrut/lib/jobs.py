"""Background jobs and the workers that run them: one mechanism for every job model.

A job row (a results import, a school-sheets archive, a registry apply) subclasses :class:`Job`.
A page queues it with :func:`enqueue`; its task wraps the work in :func:`running`, which marks
the job taken by this process and hands out the progress reporter. Inside ``marshrut worker`` a
:class:`Heartbeat` thread with its own database connection writes that progress, refreshes the
job's ``heartbeat_at`` and the worker's own :class:`~marshrut.lib.models.WorkerBeat` row, so the
trace stays fresh (and, on PostgreSQL, the progress visible) while the task sits inside the one
transaction that makes an import all-or-nothing.

Two things go wrong in real life, and the pages say both plainly (:func:`watch`):

* nobody takes a queued job, because no worker runs: «Обработчик задач не запущен…»;
* the worker that took a job died (killed, out of memory, server restarted). The job would stay at
  «40 %» forever, and django-tasks leaves its task row RUNNING, which no worker takes again.
  :func:`sweep` finds them — the worker's process is gone (same server) or its beat is older
  than the lease (another server) — marks the task row failed and lets the job's model decide
  (:meth:`Job.lost`): queue it again or fail it with a message. A worker sweeps when it starts
  and every half minute; a page that shows a running job checks that job.

A killed import leaves nothing half-written (its transaction never committed), so failing the job
row is the whole clean-up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marshrut.lib.models import WorkerBeat

logger = logging.getLogger(__name__)

HOST = socket.gethostname()[:200]
SWEEP_EVERY = 30  # seconds between sweeps of a running worker
LOST_TASK = "marshrut.lib.jobs.WorkerLost"

Progress = Callable[[int], None]


class WorkerLost(Exception):
    """What a task row records when its worker died while running it."""


def lease() -> timedelta:
    """How long a worker on another server may stay silent before its jobs count as lost."""
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


class Job(models.Model):
    """What every background job row carries besides its own status and progress.

    A subclass lists its in-progress statuses in ``RUNNING`` and says in :meth:`lost` what
    becomes of it when its worker dies.
    """

    RUNNING: ClassVar[tuple[str, ...]] = ()

    queued_at = models.DateTimeField(gettext_lazy("поставлена в очередь"), default=timezone.now)
    heartbeat_at = models.DateTimeField(gettext_lazy("отклик обработчика"), null=True, blank=True)
    worker_id = models.CharField(gettext_lazy("обработчик"), max_length=64, blank=True)
    task_id = models.CharField(gettext_lazy("задача в очереди"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(gettext_lazy("попыток"), default=0)
    notice = models.CharField(gettext_lazy("сообщение обработчика"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def running(self) -> bool:
        return getattr(self, "status", None) in self.RUNNING

    @property
    def waiting(self) -> bool:
        """Queued and not taken by any worker yet."""
        return self.running and self.heartbeat_at is None

    @classmethod
    def in_progress(cls, **lookups: Any) -> models.QuerySet[Any]:
        """Rows of the model still queued or running (each model names its own statuses)."""
        return cls._default_manager.filter(**{"status__in": cls.RUNNING}, **lookups)

    def lost(self) -> None:
        """Settle the job after its worker died: :meth:`retry` it or :meth:`fail` it."""
        raise NotImplementedError

    def _as_seen(self) -> dict[str, Any]:
        # The row as the sweep judged it: if a live worker has touched it since, leave it be.
        return {
            "pk": self.pk,
            "status__in": self.RUNNING,
            "worker_id": self.worker_id,
            "heartbeat_at": self.heartbeat_at,
        }

    def retry(self, task: Any, *args: Any, notice: str, **fields: Any) -> bool:
        """Queue the job's task again; False if somebody else settled the job first."""
        return enqueue(
            self, task, *args, expect=self._as_seen(), notice=notice, fresh=False, **fields
        )

    def fail(self, notice: str, **fields: Any) -> bool:
        """Stop the job with ``notice`` for the page; False if somebody else settled it first."""
        done = type(self)._default_manager.filter(**self._as_seen()).update(notice=notice, **fields)
        return bool(done)


def job_models() -> list[type[Job]]:
    return [m for m in apps.get_models() if issubclass(m, Job)]


def enqueue(
    job: Job,
    task: Any,
    *args: Any,
    expect: dict[str, Any] | None = None,
    notice: str = "",
    fresh: bool = True,
    **fields: Any,
) -> bool:
    """Queue ``task(*args)`` for the job; the page shows it waiting until a worker takes it.

    ``fields`` are written to the job in the same statement (a new status, say); ``expect``
    filters the row, so that of two callers only one queues it.
    """
    now = timezone.now()
    values: dict[str, Any] = {
        "queued_at": now,
        "heartbeat_at": None,
        "worker_id": "",
        "task_id": "",
        "notice": notice,
        **fields,
    }
    if fresh:
        values["attempts"] = 0
    if not type(job)._default_manager.filter(**(expect or {"pk": job.pk})).update(**values):
        return False
    for name, value in values.items():
        setattr(job, name, value)
    # An immediate backend (tests) runs the task right here, so the id is written after it.
    result = task.enqueue(*args)
    job.task_id = str(result.id)[:64]
    type(job)._default_manager.filter(pk=job.pk).update(task_id=job.task_id)
    return True


@contextmanager
def running(job: Job) -> Iterator[Progress]:
    """Mark the job taken by this process for the block; yields the progress reporter (0–100)."""
    beat = Heartbeat.current
    worker = beat.id if beat else f"{HOST[:40]}-{os.getpid()}"
    now = timezone.now()
    type(job)._default_manager.filter(pk=job.pk).update(
        heartbeat_at=now, worker_id=worker, attempts=F("attempts") + 1
    )
    job.heartbeat_at, job.worker_id = now, worker
    if beat is None:
        yield _direct_progress(job)
        return
    beat.watch(job)
    try:
        yield beat.progress
    finally:
        beat.unwatch()


def _direct_progress(job: Job) -> Progress:
    # Outside ``marshrut worker`` (an immediate backend, a plain db_worker) nobody beats for the
    # job: progress is written here, a few percent at a time.
    last = [-1]

    def report(percent: int) -> None:
        percent = max(0, min(100, int(percent)))
        if percent >= last[0] + 3 or percent == 100:
            last[0] = percent
            job.in_progress(pk=job.pk).update(progress=percent, heartbeat_at=timezone.now())

    return report


class Heartbeat(threading.Thread):
    """The liveness trace of one ``marshrut worker`` process, written from its own thread."""

    current: ClassVar[Heartbeat | None] = None

    def __init__(self) -> None:
        super().__init__(name="marshrut-heartbeat", daemon=True)
        self.id = f"{HOST[:40]}-{os.getpid()}-{get_random_string(8)}"
        self._job: Job | None = None
        self._percent: int | None = None
        self._written: int | None = None
        self._stop_event = threading.Event()

    def begin(self) -> None:
        """Register the worker, settle what dead workers left behind, and start beating."""
        now = timezone.now()
        WorkerBeat.objects.update_or_create(
            id=self.id,
            defaults={"host": HOST, "pid": os.getpid(), "started_at": now, "beat_at": now},
        )
        Heartbeat.current = self
        try:
            sweep()
        except DatabaseError as e:
            # SQLite busy with another worker's transaction: the beat thread sweeps again soon.
            logger.warning("sweep at start deferred: %s", e)
        self.start()

    def end(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)
        Heartbeat.current = None

    def watch(self, job: Job) -> None:
        self._percent = self._written = None
        self._job = job

    def unwatch(self) -> None:
        self._job = None

    def progress(self, percent: int) -> None:
        self._percent = max(0, min(100, int(percent)))

    def run(self) -> None:
        period = settings.JOB_BEAT_SECONDS
        last_beat = last_sweep = time.monotonic()
        try:
            while not self._stop_event.wait(min(1.0, period)):
                clock = time.monotonic()
                try:
                    self._beat_job(clock - last_beat >= period)
                    if clock - last_beat >= period:
                        WorkerBeat.objects.filter(id=self.id).update(beat_at=timezone.now())
                        last_beat = clock
                    if clock - last_sweep >= SWEEP_EVERY:
                        last_sweep = clock
                        sweep()
                except DatabaseError as e:
                    # SQLite: a task holds the write lock inside its transaction; beat again later.
                    logger.info("heartbeat deferred: %s", e)
        finally:
            connection.close()

    def _beat_job(self, due: bool) -> None:
        job, percent = self._job, self._percent
        if job is None:
            return
        fields: dict[str, Any] = {}
        if percent is not None and percent != self._written:
            fields["progress"] = percent
        if fields or due:
            fields["heartbeat_at"] = timezone.now()
            job.in_progress(pk=job.pk, worker_id=self.id).update(**fields)
            self._written = percent


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(beat: WorkerBeat, now: datetime) -> bool:
    if beat.host == HOST:
        # Same server: the process table is the truth (its beat may lag behind a long SQLite
        # transaction); the age limit guards against a pid reused after a reboot.
        return _pid_alive(beat.pid) and beat.beat_at >= now - 10 * lease()
    return beat.beat_at >= now - lease()


class _World:
    """The workers and task rows a sweep judges jobs by, read once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.beats = {b.id: b for b in WorkerBeat.objects.all()}
        self.alive = {i for i, b in self.beats.items() if _alive(b, now)}

    def worker_gone(self, worker_id: str, heartbeat_at: datetime | None) -> bool:
        if worker_id in self.alive:
            return False
        if worker_id in self.beats:
            return True
        # A worker that left no trace (a plain db_worker): only the job's own beat tells.
        return heartbeat_at is None or heartbeat_at < self.now - lease()

    def lost_tasks(self, ids: list[str], worker: str = "") -> set[str]:
        """Of these task rows, those no worker will ever finish: fail the ones left RUNNING.

        A row counts as abandoned when its worker is known dead, or is ``worker`` (already
        judged gone by its job).
        """
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        lost: set[str] = set()
        valid = []
        for i in ids:
            try:
                valid.append(uuid.UUID(i))
            except ValueError:
                continue  # an id of another backend (the immediate one of tests)
        for row in DBTaskResult.objects.filter(id__in=valid).only(
            "id", "status", "worker_ids", "exception_class_path"
        ):
            key = str(row.id)
            if row.status == TaskResultStatus.FAILED and row.exception_class_path == LOST_TASK:
                lost.add(key)
            elif row.status == TaskResultStatus.RUNNING:
                last = row.worker_ids[-1] if row.worker_ids else ""
                if (last in self.beats and last not in self.alive) or (worker and last == worker):
                    _fail_task(row.id, self.now)
                    lost.add(key)
        return lost


def _fail_task(task_id: Any, now: datetime) -> None:
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=LOST_TASK,
        traceback="Обработчик задач остановился (процесс завершён) во время выполнения задачи.",
    )


def _settle(job: Job, world: _World) -> bool:
    """Settle the job if its worker is gone (or will never come); True if it was settled."""
    if not job.running:
        return False
    if job.heartbeat_at is not None:
        gone = world.worker_gone(job.worker_id, job.heartbeat_at)
        if gone and job.task_id:
            world.lost_tasks([job.task_id], worker=job.worker_id)
    else:
        # Queued: lost only if its task row was taken by a worker that died before the job
        # was marked taken — then no worker will ever run it. (A task that fails on its own
        # marks its job itself: the tasks take the job before doing anything that can fail.)
        gone = bool(job.task_id) and job.task_id in world.lost_tasks([job.task_id])
    if not gone:
        return False
    logger.warning("job %s (%s): its worker %s is gone", job.pk, job._meta.label, job.worker_id)
    job.lost()
    return True


def sweep(now: datetime | None = None) -> int:
    """Settle every job and task row whose worker is gone; the number of jobs settled."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    world = _World(now or timezone.now())
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids"
    ):
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if worker in world.beats and worker not in world.alive:
            _fail_task(row.id, world.now)
    settled = 0
    for model in job_models():
        for job in model.in_progress():
            settled += _settle(job, world)
    # Traces of workers long gone tell nothing more.
    WorkerBeat.objects.filter(beat_at__lt=world.now - timedelta(days=1)).exclude(
        id__in=world.alive
    ).delete()
    return settled


def watch(job: Job) -> str:
    """What a page showing ``job`` should say about its worker, settling the job if it died.

    Returns a hint for a queued job nobody takes; an interrupted job gets its ``notice`` instead.
    """
    if not job.running:
        return ""
    try:
        world = _World(timezone.now())
        if _settle(job, world):
            job.refresh_from_db()
            return ""
    except DatabaseError:
        # SQLite busy with a worker's long transaction: judge again on the next poll.
        return ""
    if not job.waiting:
        return ""
    waited = world.now - job.queued_at
    if waited.total_seconds() < settings.JOB_QUEUE_HINT_SECONDS:
        return ""
    if not world.alive:
        return _(
            "Обработчик задач не запущен: запустите marshrut worker. Задача ждёт уже %(time)s."
        ) % {"time": duration(waited)}
    return _("Задача ждёт в очереди уже %(time)s: обработчик задач занят другими задачами.") % {
        "time": duration(waited)
    }


def duration(span: timedelta) -> str:
    """«40 с», «3 мин», «2 ч 5 мин»: abbreviations, which need no plural forms."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return _("%(n)d с") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)d мин") % {"n": minutes}
    return _("%(h)d ч %(m)d мин") % {"h": minutes // 60, "m": minutes % 60}


# What the job pages show when a worker died; the models pick one in their ``lost``.
INTERRUPTED = gettext_lazy(
    "Обработка прервалась: обработчик задач остановился; в базе ничего не изменилось. "
    "Загрузите файл снова."
)
RESTARTED = gettext_lazy(
    "Обработчик задач остановился во время работы; задача перезапущена и выполняется заново."
)
GAVE_UP = gettext_lazy(
    "Обработка прервалась: обработчик задач останавливался дважды во время этой задачи. "
    "Запустите её снова; если повторится — сообщите администратору."
)
MAX_ATTEMPTS = 2
