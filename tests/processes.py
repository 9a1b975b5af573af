"""Real processes for the tests of background work: `manage.py db_worker`
workers, and a probe that reads and writes the same database from a process
of its own, against a database of the test's own (a SQLite file, or a
throw-away PostgreSQL database) that every process shares.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_archive import postgres_database

ROOT = Path(__file__).resolve().parent.parent
# A generous deadline for what other processes do: never reached unless broken.
DEADLINE = 180.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def migrate(database_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr


@contextmanager
def shared_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database that other processes can open: its URL."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        migrate(url)
        yield url
        return
    with postgres_database() as url:
        migrate(url)
        yield url


def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE):
    """Poll `condition` until it holds; fail saying `what` did not happen."""
    end = time.monotonic() + deadline
    while not (value := condition()):
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {deadline:.0f} s")
        threading.Event().wait(0.1)
    return value


PROBE = r"""
import json, sys, traceback
import django
django.setup()
namespace = {}
exec(sys.argv[1], namespace)
for line in sys.stdin:
    request = json.loads(line)
    try:
        if request["statement"]:
            exec(request["code"], namespace)
            reply = {"value": None}
        else:
            reply = {"value": eval(request["code"], namespace)}
    except Exception:
        reply = {"error": traceback.format_exc()}
    print("PROBE " + json.dumps(reply, default=str), flush=True)
"""

PRELUDE = """
from datetime import timedelta
from django_tasks_db.models import DBTaskResult
from articles.models import *
from articles.services.ingest import import_record_create
from articles.services.leases import *
from articles.tasks import import_record_process
queue = import_record_process.using(backend="database")
"""


class Probe:
    """Python run in a Django process of its own on the shared database."""

    def __init__(self, database_url: str):
        self.process = subprocess.Popen(
            [sys.executable, "-c", PROBE, PRELUDE],
            cwd=ROOT,
            env=environment(database_url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, code: str, statement: bool):
        self.process.stdin.write(json.dumps({"code": code, "statement": statement}) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith("PROBE "):
                reply = json.loads(line[len("PROBE ") :])
                if "error" in reply:
                    pytest.fail(f"the probe failed on {code!r}:\n{reply['error']}")
                return reply["value"]
        pytest.fail(f"the probe ended on {code!r}")

    def __call__(self, expression: str):
        """The value of `expression`, through JSON."""
        return self._ask(expression, statement=False)

    def run(self, statements: str) -> None:
        self._ask(statements, statement=True)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


@contextmanager
def probe(database_url: str) -> Iterator[Probe]:
    opened = Probe(database_url)
    try:
        yield opened
    finally:
        opened.close()


class Worker:
    """`manage.py db_worker` on the database queue, its output kept in a file."""

    def __init__(self, database_url: str, log: Path, *args: str, **env: str):
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--backend", "database"]
                + ["--no-startup-delay", "--no-reload", "--interval", "0.2", *args],
                cwd=ROOT,
                env=environment(database_url, **env),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to record anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def worker(database_url: str, log: Path, *args: str, **env: str) -> Iterator[Worker]:
    started = Worker(database_url, log, *args, **env)
    try:
        yield started
    finally:
        started.stop()
