import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from articles.models import ImportOrigin, ImportRecord, ImportStatus
from articles.services.ingest import import_record_create
from articles.tasks import import_record_process, source_feed_poll
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


# The worker commits and checks its connection as in production, which a
# test wrapped in one transaction would not survive.
@pytest.mark.django_db(transaction=True)
def test_imports_queue_in_the_database_and_the_worker_survives_failures(site):
    """The real queue: enqueued rows wait for `db_worker`, which runs them all,
    a failing import included, and stops when the queue is empty (--batch)."""
    good = import_record_create(
        origin=ImportOrigin.URL, requested="good", url=site.page("/ok", "jsonld_page.html")
    )
    bad = import_record_create(origin=ImportOrigin.URL, requested="bad", url=site.url("/missing"))
    pasted = import_record_create(origin=ImportOrigin.PASTE, requested="pasted", payload="\x00 ")
    queued = import_record_process.using(backend="database")
    for record in (bad, good, pasted):
        queued.enqueue(record.pk)
    assert DBTaskResult.objects.count() == 3
    assert set(ImportRecord.objects.values_list("status", flat=True)) == {ImportStatus.QUEUED}

    call_command("db_worker", "--batch", "--backend", "database", "--no-startup-delay", verbosity=0)

    statuses = dict(ImportRecord.objects.values_list("requested", "status"))
    assert statuses == {
        "good": ImportStatus.DONE,
        "bad": ImportStatus.FAILED,
        "pasted": ImportStatus.FAILED,
    }
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_feed_poll_task(site):
    site.page("/2023/02/lawmakers", "jsonld_page.html")
    site.page("/feed", "feed_rss1.rdf", headers={"Content-Type": "application/rdf+xml"})
    source = SourceFactory(feed_url=site.url("/feed"))
    result = source_feed_poll.enqueue(source.pk)
    assert result.return_value == {"created": 1, "duplicates": 0, "failed": 0, "error": ""}


def test_a_vanished_record_is_not_an_error():
    assert import_record_process.enqueue(987654).return_value == "missing"
