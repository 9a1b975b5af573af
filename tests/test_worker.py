"""Background work that never gets stuck: real `manage.py db_worker`
processes on a database every process shares (tests/processes.py)."""

import threading
from contextlib import suppress

import pytest

from articles.services.leases import STOPPED
from tests.processes import (
    probe,
    shared_database,
    wait_for,
    worker,
)
from tests.web import PAGES, Route


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    with shared_database(request.param, tmp_path) as url:
        yield url


def held_page(site, path: str, filename: str) -> tuple[str, threading.Event, threading.Event]:
    """A page the site answers only once `release` is set; `arrived` says it was asked for."""
    arrived, release = threading.Event(), threading.Event()
    body = (PAGES / filename).read_text().replace("{base}", site.base).encode()

    def handler(request):
        arrived.set()
        release.wait(300)
        with suppress(OSError):  # the worker that asked may be gone
            request.reply(200, body, {})

    site.routes[path] = Route(handler=handler)
    return site.url(path), arrived, release


def test_an_import_whose_worker_was_killed_fails_after_its_lease(database, site, tmp_path):
    url, arrived, _ = held_page(site, "/held", "wordpress_post.html")
    with probe(database) as db:
        pk = db(f"import_record_create(origin='url', requested='held', url={url!r}).pk")
        db(f"queue.enqueue({pk}).id")
        record = f"ImportRecord.objects.get(pk={pk})"
        task = f"DBTaskResult.objects.get(args_kwargs__args=[{pk}])"

        # The worker's lease is two seconds, but nothing takes the record
        # from it until someone looks, and no one looks before the kill.
        with worker(database, tmp_path / "killed.log", IMPORT_LEASE="2") as doomed:
            assert arrived.wait(120), doomed.output()
            doomed.kill()
        assert db(f"{record}.status") == "running"
        assert db(f"{task}.status") == "RUNNING"
        # Until its lease has passed, the record is left to its worker.
        db.run(f"before = {record}.lease_expires_at - timedelta(microseconds=1)")
        assert db("import_records_reclaim(now=before)") == 0
        assert db(f"{record}.status") == "running"

        # Its lease sets how often a worker looks: here every second.
        with worker(database, tmp_path / "other.log", IMPORT_LEASE="2"):
            wait_for(lambda: db(f"{record}.status") == "failed", "the other worker reclaims it")
        assert db(f"{record}.message") == STOPPED
        assert db(f"{task}.status") == "FAILED"
        assert db(f"{task}.exception_class_path").endswith("leases.ImportStopped")
