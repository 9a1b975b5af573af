"""Background work, run by `manage.py db_worker` (django.tasks, database queue).

Tasks take primary keys, not objects: their arguments are stored as JSON
until a worker picks them up. Each task records its own outcome and does
not raise for bad input, so one failure never stops the worker.
"""

from django.tasks import task

from .models import ImportRecord, Source
from .services.feeds import feed_poll
from .services.ingest import import_record_run


@task
def import_record_process(record_id: int) -> str:
    """Run one queued import; returns its final status."""
    record = ImportRecord.objects.filter(pk=record_id).first()
    if record is None:
        return "missing"
    return import_record_run(record=record).status


@task
def source_feed_poll(source_id: int) -> dict:
    """Poll one source's feed now; returns what it brought in."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None or not source.feed_url:
        return {"error": "no such source with a feed"}
    result = feed_poll(source=source)
    return {
        "created": result.count(ImportRecord.Status.DONE),
        "duplicates": result.count(ImportRecord.Status.DUPLICATE),
        "failed": result.count(ImportRecord.Status.FAILED),
        "error": result.error,
    }
