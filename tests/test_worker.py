"""Background work that never gets stuck: real `manage.py db_worker`
processes on a database every process shares (tests/processes.py)."""

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from contextlib import suppress
from pathlib import Path

import pytest

from articles.services.leases import STOPPED
from tests.processes import (
    DEADLINE,
    free_port,
    migrate,
    probe,
    shared_database,
    wait_for,
    worker,
)
from tests.test_archive import in_ci
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


def test_an_import_whose_worker_was_killed_fails_after_its_lease_and_runs_again(
    database, site, tmp_path
):
    url, arrived, release = held_page(site, "/held", "wordpress_post.html")
    with probe(database) as db:
        pk = db(f"import_record_create(origin='url', requested='held', url={url!r}).pk")
        db(f"queue.enqueue({pk}).id")
        record = f"ImportRecord.objects.get(pk={pk})"
        task = f"DBTaskResult.objects.get(args_kwargs__args=[{pk}])"

        # A lease far longer than the test: the worker is killed long before
        # it ends, however slow the machine.
        with worker(database, tmp_path / "killed.log", IMPORT_LEASE="3600") as doomed:
            assert arrived.wait(120), doomed.output()
            doomed.kill()
        assert db(f"{record}.status") == "running"
        assert db(f"{task}.status") == "RUNNING"
        # Until its lease has passed, the record is left to its worker.
        db.run(f"before = {record}.lease_expires_at - timedelta(microseconds=1)")
        assert db("import_records_reclaim(now=before)") == 0
        assert db(f"{record}.status") == "running"
        # Then the lease passes (the clock moved on, as the record has it).
        db.run(f"r = {record}; r.lease_expires_at = r.started_at; r.save()")

        # A worker looks four times a lease, at least once a second: here
        # every second.
        with worker(database, tmp_path / "other.log", IMPORT_LEASE="2"):
            wait_for(lambda: db(f"{record}.status") == "failed", "the other worker reclaims it")
        assert db(f"{record}.message") == STOPPED
        assert db(f"{task}.status") == "FAILED"
        assert db(f"{task}.exception_class_path").endswith("leases.ImportStopped")

        # An editor tries again: the same record runs again, to the end.
        release.set()
        db.run(f"r = {record}; assert import_record_requeue(record=r); queue.enqueue(r.pk)")
        with worker(database, tmp_path / "last.log", "--batch") as last:
            last.process.wait(DEADLINE)
        assert db(f"{record}.status") == "done", last.output()
        assert db(f"({record}.attempts, ImportRecord.objects.count())") == [2, 1]
        assert db("Article.objects.count()") == 1


def postgres_binaries() -> Path | None:
    """The directory of initdb and pg_ctl, the newest version installed."""
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found and shutil.which("initdb") else None


class PrivateCluster:
    """A PostgreSQL server of the test's own, in a temporary directory on a
    free port, which the test may stop and start; never the machine's."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
        self.data = self.directory / "data"
        # initdb refuses to run as root: as root, the server runs as postgres.
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres").pw_name
            except KeyError:
                pytest.skip("running as root, with no postgres user to run PostgreSQL as")
            shutil.chown(self.directory, self.user)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bindir / program), *args],
            user=self.user,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{program}: {result.stdout}{result.stderr}"

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", "log", "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with suppress(AssertionError, subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bindir = postgres_binaries()
    if bindir is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl) to start a private cluster"
        if in_ci():
            pytest.fail(f"{reason}; CI must run the database restart test", pytrace=False)
        pytest.skip(reason)
    cluster = PrivateCluster(bindir)
    try:
        cluster.initdb()
        cluster.start()
        migrate(cluster.url)
        yield cluster
    finally:
        cluster.remove()


def test_the_worker_outlasts_a_database_restart(private_postgres, site, tmp_path):
    cluster = private_postgres
    first, second = site.page("/first", "jsonld_page.html"), site.page("/second", "wire_local.html")

    def imported(db, url: str) -> str:
        pk = db(f"import_record_create(origin='url', requested='it', url={url!r}).pk")
        db(f"queue.enqueue({pk}).id")
        return f"ImportRecord.objects.get(pk={pk}).status"

    with worker(cluster.url, tmp_path / "worker.log") as running:
        with probe(cluster.url) as db:
            status = imported(db, first)
            wait_for(lambda: db(status) == "done", "the first import ends")

        cluster.stop()
        wait_for(
            lambda: (
                "database is unavailable" in running.output() or running.process.poll() is not None
            ),
            "the worker notices the database is gone",
        )
        assert running.process.poll() is None, f"the worker ended:\n{running.output()}"
        cluster.start()

        with probe(cluster.url) as db:
            status = imported(db, second)
            wait_for(lambda: db(status) == "done", "the import after the restart ends")
        assert running.process.poll() is None, running.output()
