"""Running imports hold a lease (articles/services/leases.py): what happens
to one whose worker stopped, in this process, on a controlled clock. The
worker processes themselves are in tests/test_worker.py."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article, ImportOrigin, ImportRecord, ImportStatus
from articles.services.ingest import (
    article_import_from_url,
    import_record_create,
    import_record_run,
)
from articles.services.leases import (
    STOPPED,
    import_record_claim,
    import_record_requeue,
    import_records_reclaim,
)
from tests.web import PAGES, Route

pytestmark = pytest.mark.django_db


def running(url: str = "https://example.com/a") -> ImportRecord:
    """A record a worker took and never finished, as if it was killed."""
    record = import_record_create(origin=ImportOrigin.URL, requested=url, url=url)
    assert import_record_claim(record=record)
    return record


def test_a_running_import_is_taken_for_stopped_only_once_its_lease_has_passed(settings):
    settings.IMPORT_LEASE = 60
    record = running()
    assert record.lease_expires_at == record.started_at + timedelta(seconds=60)
    assert import_records_reclaim(now=record.lease_expires_at) == 0
    assert ImportRecord.objects.get().status == ImportStatus.RUNNING

    assert import_records_reclaim(now=record.lease_expires_at + timedelta(seconds=1)) == 1
    record.refresh_from_db()
    assert (record.status, record.message) == (ImportStatus.FAILED, STOPPED)
    assert record.lease_expires_at is None and record.finished_at is not None
    assert import_records_reclaim(now=timezone.now() + timedelta(days=1)) == 0


def test_a_record_is_run_once_however_many_tasks_ask(site):
    record = running(site.page("/a", "jsonld_page.html"))
    again = ImportRecord.objects.get(pk=record.pk)
    assert import_record_run(record=again).status == ImportStatus.RUNNING
    assert not site.requests  # nothing was fetched for the second task


@pytest.mark.django_db(transaction=True)
def test_a_run_that_outlived_its_lease_leaves_the_record_as_the_reclaim_made_it(site):
    """While this import fetches, another process takes it for stopped; when
    the fetch ends, the import writes nothing: no article, no outcome."""
    body = (PAGES / "jsonld_page.html").read_text().replace("{base}", site.base).encode()

    def reclaimed_meanwhile(request):
        # The site's thread stands for another process, on its own connection.
        import_records_reclaim(now=timezone.now() + timedelta(days=1))
        connection.close()
        request.reply(200, body, {})

    site.routes["/slow"] = Route(handler=reclaimed_meanwhile)
    record = article_import_from_url(url=site.url("/slow"))
    assert (record.status, record.message) == (ImportStatus.FAILED, STOPPED)
    assert not Article.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("answer", [500, 200])
def test_a_stale_run_leaves_alone_the_retry_an_editor_queued_meanwhile(site, answer):
    """The lease passes while the page is fetched, the import is taken for
    stopped, and an editor tries it again: whatever the stale run's fetch then
    gives, the record stays queued for the editor's try, which runs it."""
    body = (PAGES / "jsonld_page.html").read_text().replace("{base}", site.base).encode()

    def reclaimed_and_retried(request):
        import_records_reclaim(now=timezone.now() + timedelta(days=1))
        assert import_record_requeue(record=ImportRecord.objects.get())
        connection.close()
        request.reply(answer, body if answer == 200 else b"oops", {})

    site.routes["/slow"] = Route(handler=reclaimed_and_retried)
    article_import_from_url(url=site.url("/slow"))
    queued = ImportRecord.objects.get()
    assert (queued.status, queued.attempts) == (ImportStatus.QUEUED, 1)
    assert not Article.objects.exists()

    site.routes["/slow"] = Route(body=body, headers={"Content-Type": "text/html"})
    retried = import_record_run(record=queued)
    assert (retried.status, retried.attempts) == (ImportStatus.DONE, 2), retried.message


def test_the_record_page_of_an_import_whose_worker_stopped_says_so(editor_client):
    record = running()
    ImportRecord.objects.filter(pk=record.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = editor_client.get(f"/admin/articles/importrecord/{record.pk}/change/")
    assert response.status_code == 200
    assert STOPPED in response.text
    assert 'http-equiv="refresh"' not in response.text  # it no longer waits for ever
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED


def test_poll_feeds_marks_failed_the_imports_whose_worker_stopped():
    record = running()
    ImportRecord.objects.filter(pk=record.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    out = StringIO()
    call_command("poll_feeds", stdout=out)
    assert "1 import(s) whose worker stopped marked failed." in out.getvalue()
    assert ImportRecord.objects.get().status == ImportStatus.FAILED


def test_a_failed_import_is_queued_again_once_however_many_editors_ask():
    record = running()
    import_records_reclaim(now=record.lease_expires_at + timedelta(seconds=1))
    first, second = ImportRecord.objects.get(), ImportRecord.objects.get()
    assert import_record_requeue(record=first)
    assert not import_record_requeue(record=second)
    first.refresh_from_db()
    assert (first.status, first.message, first.attempts) == (ImportStatus.QUEUED, "", 1)
    assert first.status_line == "Queued (try 2)"


def test_the_list_says_which_try_a_retried_import_ended_on(editor_client, site):
    url = site.url("/later")
    failed = article_import_from_url(url=url)
    assert failed.status == ImportStatus.FAILED  # the page was not there yet
    site.page("/later", "jsonld_page.html")
    editor_client.post(
        "/admin/articles/importrecord/", {"action": "retry", "_selected_action": [failed.pk]}
    )
    listing = editor_client.get("/admin/articles/importrecord/").text
    assert "Done (try 2)" in listing
    assert "Failed" not in listing.split('id="result_list"')[1]
