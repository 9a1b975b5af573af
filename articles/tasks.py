"""Background work, run by `manage.py db_worker` (django.tasks, database queue).

Tasks take primary keys, not objects: their arguments are stored as JSON
until a worker picks them up. Each task records its own outcome and does
not raise for bad input, so one failure never stops the worker. The imports
a task runs are recorded as its own, so that the task is failed with them
if its worker stops (services/leases.py).
"""

from django.tasks import TaskContext, task

from .models import ImportRecord, Source
from .services.feeds import feed_poll
from .services.ingest import import_record_run
from .services.leases import import_task


@task(takes_context=True)
def import_record_process(context: TaskContext, record_id: int) -> str:
    """Run one queued import; returns its final status."""
    record = ImportRecord.objects.filter(pk=record_id).first()
    if record is None:
        return "missing"
    with import_task(context.task_result.id):
        return import_record_run(record=record).status


@task(takes_context=True)
def source_feed_poll(context: TaskContext, source_id: int) -> dict:
    """Poll one source's feed now; returns what it brought in."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None or not source.feed_url:
        return {"error": "no such source with a feed"}
    with import_task(context.task_result.id):
        result = feed_poll(source=source)
    return {
        "created": result.count(ImportRecord.Status.DONE),
        "duplicates": result.count(ImportRecord.Status.DUPLICATE),
        "failed": result.count(ImportRecord.Status.FAILED),
        "error": result.error,
    }
