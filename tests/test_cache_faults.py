"""The cache on real processes, the way `make run` and `make serve` run them:
gunicorn with production settings on a SQLite file, a worker or a shell
writing beside it, and a Redis of the test's own that fails when the test
says. However the cache fails, readers and editors get no error, and what
was committed shows within CACHE_STATE_TTL."""

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error

import pytest

from tests.app_server import ROOT, AppServer
from tests.redis_server import RedisServer

# Seconds to wait for what must happen soon: generous, for a busy machine.
DEADLINE = 60

SETUP = """
from articles.demo import demo_editor_ensure
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from tests.factories import ArticleFactory
editor = demo_editor_ensure()
editor.password = PBKDF2PasswordHasher().encode("newsroom-editor", "testsalt", iterations=1000)
editor.save()
ArticleFactory(title="Already public", slug="already-public")
ArticleFactory(title="Minister announces review", slug="minister", status="draft")
"""

PUBLISH = """
from articles.models import Article
story = Article.objects.get(slug="minister")
story.status = "published"
story.save()
"""


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory):
    """A migrated database and the collected static files, made once."""
    folder = tmp_path_factory.mktemp("sqlite-site")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "tests-only-not-secret",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "WEB_CONCURRENCY": "1",
        "ACCESS_LOG": "",
        # Production settings, served over plain http on this machine.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
    }
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True
        )
    return folder, env


@pytest.fixture
def app_env(_migrated, tmp_path):
    """The environment of a site of the default settings, on a database file of
    its own with an editor, a public article and a draft."""
    folder, env = _migrated
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(folder / "db.sqlite3") as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    env = {**env, "DATABASE_URL": f"sqlite:///{database}"}
    manage(env, SETUP)
    return env


def manage(env: dict[str, str], code: str) -> str:
    """`code` run by `manage.py shell`: another process than the server's."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def eventually(condition) -> bool:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def publish_through_the_admin(server: AppServer) -> str:
    story = json.loads(
        manage(
            server.env,
            "from articles.models import Article\nprint(Article.objects.get(slug='minister').pk)",
        )
    )
    return server.post(
        "/admin/articles/article/",
        {"action": "make_published", "_selected_action": str(story), "index": "0"},
    )


def test_a_publish_from_another_process_reaches_the_servers_cached_pages(app_env):
    """`make run`: the server and the worker (or a shell, or cron's poll_feeds)
    are two processes, with the default cache in each one's memory."""
    with AppServer(app_env) as server:
        for _ in range(2):  # the second from the server's cache
            page = server.text("/")
            assert "Already public" in page and "Minister announces review" not in page
        manage(app_env, PUBLISH)
        assert eventually(lambda: "Minister announces review" in server.text("/"))
        assert "Minister announces review" in server.text("/articles/minister/")


def status_of(server: AppServer, path: str) -> int:
    try:
        with server.get(path) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_frozen_redis_costs_readers_and_editors_no_error(app_env):
    with RedisServer() as redis, AppServer({**app_env, "REDIS_URL": redis.url}) as server:
        assert "Already public" in server.text("/")
        server.log_in("editor", "newsroom-editor")
        redis.freeze()
        paths = ["/", "/", "/feed/rss/", "/articles/already-public/", "/sources/", "/healthz"]
        assert [status_of(server, path) for path in paths] == [200] * len(paths)
        assert "1 article is now published" in publish_through_the_admin(server)
        assert "Minister announces review" in server.text("/")
        with server.get("/healthz") as response:
            assert response.status == 200
            assert json.load(response) == {"database": "ok", "cache": "degraded"}
        redis.thaw()
        # Back, once its back-off is over.
        assert eventually(lambda: server.text("/healthz") == '{"database": "ok", "cache": "ok"}')
        assert "Minister announces review" in server.text("/")
        log = server.output_text()
        assert "Redis failed" in log and "Traceback" not in log


def test_a_redis_that_stopped_costs_readers_and_editors_no_error(app_env):
    with RedisServer() as redis, AppServer({**app_env, "REDIS_URL": redis.url}) as server:
        server.log_in("editor", "newsroom-editor")
        assert "Already public" in server.text("/")
        redis.process.terminate()
        redis.process.wait(timeout=30)
        assert status_of(server, "/") == 200
        assert "1 article is now published" in publish_through_the_admin(server)
        assert "Minister announces review" in server.text("/")
        assert server.text("/healthz") == '{"database": "ok", "cache": "degraded"}'


WRITER = """
import sys
from django.db import transaction
from articles.models import Article
with transaction.atomic():
    story = Article.objects.get(slug="minister")
    story.status = "published"
    story.save()
    print("written", flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def test_a_publish_committed_while_redis_fails_shows_all_the_same(app_env):
    """The cache cannot be told of the commit: the publish stands, its writer
    gets no error, and readers see it within CACHE_STATE_TTL."""
    with RedisServer() as redis, AppServer({**app_env, "REDIS_URL": redis.url}) as server:
        assert "Minister announces review" not in server.text("/")
        writer = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-v0", "-c", WRITER],
            cwd=ROOT,
            env=server.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert writer.stdout.readline() == "written\n"
            # A reader while the publish is not committed yet: the old page.
            assert "Minister announces review" not in server.text("/")
            redis.freeze()
            out, err = writer.communicate("\n", timeout=DEADLINE)
        finally:
            redis.thaw()
            if writer.poll() is None:
                writer.kill()
        assert eventually(lambda: "Minister announces review" in server.text("/"))
        assert writer.returncode == 0 and out == "committed\n", err[-2000:]


def test_two_releases_on_one_redis_do_not_share_pages(app_env):
    """A deploy changes templates or code: the new release's pages are its own."""
    with RedisServer() as redis:
        env = {**app_env, "REDIS_URL": redis.url}
        with AppServer({**env, "RELEASE": "one"}) as one:
            assert "Already public" in one.text("/")
            # Changed behind the cache's back: only a page made again shows it.
            with sqlite3.connect(app_env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
                db.execute(
                    "UPDATE articles_article SET title = 'Retitled' WHERE slug = 'already-public'"
                )
            assert "Already public" in one.text("/")
            with AppServer({**env, "RELEASE": "two"}) as two:
                page = two.text("/")
                assert "Retitled" in page and "Already public" not in page
