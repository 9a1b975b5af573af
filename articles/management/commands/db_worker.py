"""`db_worker`: django-tasks-db's worker, made to keep going.

Its worker ends with OperationalError when the database goes away for a
moment (PostgreSQL restarted or failed over, a dropped connection): this
one closes the broken connections, waits (1 s, doubling up to a minute)
and goes on. It also marks failed, every so often, the imports whose worker
stopped (articles/services/leases.py). Options are the library's own.
"""

import logging
import os
import threading
import time
from contextlib import suppress

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from articles.services.leases import import_records_reclaim

logger = logging.getLogger("django_tasks_db")

BACKOFF_MAX = 60.0


def connections_close() -> None:
    """Close this thread's database connections, broken ones included."""
    for connection in connections.all(initialized_only=True):
        with suppress(DatabaseError):  # already broken: Django forgets it all the same
            connection.close()


def reclaim_stopped_imports() -> None:
    try:
        import_records_reclaim()
    except DatabaseError as error:
        logger.warning("Could not look for imports whose worker stopped: %s", error)
        connections_close()


class LeaseWatch(threading.Thread):
    """Looks for imports whose worker stopped four times a lease (at most
    once a second, at least once a minute), on a connection of its own."""

    def __init__(self):
        super().__init__(name="import-leases", daemon=True)
        self.period = min(max(settings.IMPORT_LEASE / 4, 1.0), 60.0)

    def run(self):
        while True:
            reclaim_stopped_imports()
            connections_close()  # none kept open between rounds
            time.sleep(self.period)


class Worker(db_worker.Worker):
    def run(self) -> None:
        if self.batch:
            reclaim_stopped_imports()
        else:
            LeaseWatch().start()
        delay, failed_at = 1.0, 0.0
        while True:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as error:
                if not self.running:  # asked to stop: no reason to wait
                    raise
                if time.monotonic() - failed_at > BACKOFF_MAX:
                    delay = 1.0  # the last failure is long past: not one outage
                failed_at = time.monotonic()
                logger.warning(
                    "The database is unavailable (%s); trying again in %.0f s.",
                    str(error).strip(),
                    delay,
                )
                connections_close()
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)


class Command(db_worker.Command):
    help = db_worker.Command.help + ", which outlasts database restarts"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        # As the library's handle(), with this module's Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be used together: not reloading.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
