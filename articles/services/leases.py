"""Who runs an import, and what happens when its runner stops.

A worker killed in the middle of an import (SIGKILL, its machine gone)
leaves its record running and its task running for ever. So a run takes
its record with a lease (IMPORT_LEASE seconds, longer than any import
takes); a record still running past its lease is taken for stopped, and
`import_records_reclaim`, which any process may call (the worker, poll_feeds,
the admin showing the record), marks it failed for an editor to try again.
Runs are numbered (`ImportRecord.attempts`): a run settles its record only
while that run still holds it, so a run that outlived its lease cannot
overwrite what came after it. The database is the only thing shared.
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import ImportRecord, ImportStatus

logger = logging.getLogger(__name__)

STOPPED = (
    "The import stopped before it finished: its worker stopped, or it ran longer than "
    "IMPORT_LEASE allows. Try again."
)


class ImportLeaseLost(Exception):
    """This run no longer holds its record: it was taken for stopped while
    the run went on. Raised where the run writes, so its writes roll back."""


class ImportStopped(Exception):
    """What the task of an import taken for stopped is recorded as failing with."""


# The background task running the imports of this context, if any: what is
# failed with them when their worker stops (set by articles/tasks.py).
_running_task: ContextVar[str] = ContextVar("import_task", default="")


@contextmanager
def import_task(task_id: str) -> Iterator[None]:
    """Record the imports run inside as run by the background task `task_id`."""
    token = _running_task.set(str(task_id))
    try:
        yield
    finally:
        _running_task.reset(token)


def import_record_claim(*, record: ImportRecord) -> bool:
    """Take the queued `record` for a new run, with a lease; False when it is
    not queued, or another run took it first."""
    now = timezone.now()
    run = {
        "status": ImportStatus.RUNNING,
        "attempts": record.attempts + 1,
        "started_at": now,
        "lease_expires_at": now + timedelta(seconds=settings.IMPORT_LEASE),
        "task_id": _running_task.get(),
    }
    queued = ImportRecord.objects.filter(
        pk=record.pk, status=ImportStatus.QUEUED, attempts=record.attempts
    )
    if not queued.update(**run):
        return False
    for field, value in run.items():
        setattr(record, field, value)
    return True


def import_record_settle(*, record: ImportRecord, **outcome) -> None:
    """Write the run's `outcome` fields to `record` and end its lease, if the
    run still holds it; otherwise raise ImportLeaseLost."""
    outcome["lease_expires_at"] = None
    # Running, as this run claimed it: a record reclaimed and queued again by
    # an editor keeps its try count, and must not take a stale run's outcome.
    held = ImportRecord.objects.filter(
        pk=record.pk, status=ImportStatus.RUNNING, attempts=record.attempts
    )
    if not held.update(**outcome):
        raise ImportLeaseLost(record.pk)
    for field, value in outcome.items():
        setattr(record, field, value)


def import_records_reclaim(*, now: datetime | None = None) -> int:
    """Mark failed the running imports whose lease has passed, and the tasks
    of the database queue that ran them; returns how many records. Cheap
    when there are none: one read of an index of the running records."""
    now = now or timezone.now()
    expired = ImportRecord.objects.lease_expired(now).values_list("pk", "attempts", "task_id")
    reclaimed = 0
    for pk, attempts, task_id in expired:
        with transaction.atomic():
            # Only if the same run still holds it: it may have ended since.
            taken = ImportRecord.objects.filter(
                pk=pk, status=ImportStatus.RUNNING, attempts=attempts
            ).update(
                status=ImportStatus.FAILED, message=STOPPED, finished_at=now, lease_expires_at=None
            )
            if taken:
                _task_fail(task_id, now=now)
        reclaimed += taken
    if reclaimed:
        logger.warning("%d import(s) whose worker stopped marked failed", reclaimed)
    return reclaimed


def _task_fail(task_id: str, *, now: datetime) -> None:
    try:
        task_uuid = uuid.UUID(task_id)
    except ValueError:
        return  # no task, or not the database queue's: nothing is left running
    stopped = ImportStopped(STOPPED)
    DBTaskResult.objects.filter(id=task_uuid, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{ImportStopped.__module__}.{ImportStopped.__qualname__}",
        traceback=f"{ImportStopped.__qualname__}: {stopped}\n",
    )


def import_record_requeue(*, record: ImportRecord) -> bool:
    """Queue the failed `record` to be run again as the same record, its tries
    counting on; False when it is not failed (any more)."""
    again = {
        "status": ImportStatus.QUEUED,
        "message": "",
        "article_id": None,
        "started_at": None,
        "finished_at": None,
        "lease_expires_at": None,
    }
    if not ImportRecord.objects.filter(pk=record.pk, status=ImportStatus.FAILED).update(**again):
        return False
    for field, value in again.items():
        setattr(record, field, value)
    return True
