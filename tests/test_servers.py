"""Two app servers, one PostgreSQL, one Redis: a change made through one shows on the other.

Real gunicorn processes with production settings (DEBUG off) against the
test database, whose rows this test commits (`transactional_db`), and the
suite's own Redis database under a key prefix of this run's own.
"""

import os
import re
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from articles.demo import EDITOR_PASSWORD, EDITOR_USERNAME, demo_editor_ensure
from articles.models import ArticleStatus
from tests.app_server import ROOT, AppServer
from tests.factories import ArticleFactory


def _redis_answers(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="app servers share PostgreSQL, not SQLite"
    ),
    pytest.mark.skipif(
        not _redis_answers(settings.TEST_REDIS_URL), reason=f"no Redis at {settings.TEST_REDIS_URL}"
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    port = db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


@pytest.fixture
def servers(transactional_db, tmp_path):
    static = tmp_path / "static"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "tests-only-not-secret",
        "DEBUG": "0",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.TEST_REDIS_URL,
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "STATIC_ROOT": str(static),
        "WEB_CONCURRENCY": "1",
        "ACCESS_LOG": "",
        # Production settings, served over plain http on this machine.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # One server on psycopg's pool, the other on persistent connections.
    with AppServer({**env, "DATABASE_POOL_SIZE": "2"}) as one, AppServer(env) as other:
        yield one, other


def test_a_publish_through_one_server_shows_at_once_on_the_other(servers):
    one, other = servers
    editor = demo_editor_ensure()
    # The servers check passwords with the production hashers.
    editor.password = PBKDF2PasswordHasher().encode(EDITOR_PASSWORD, "testsalt", iterations=1000)
    editor.save()
    ArticleFactory(title="Already public")
    draft = ArticleFactory(title="Minister announces review", status=ArticleStatus.DRAFT)

    for server in (other, other, one):  # the second from the shared cache
        page = server.text("/")
        assert "Already public" in page and "Minister announces review" not in page

    one.log_in(EDITOR_USERNAME, EDITOR_PASSWORD)
    result = one.post(
        "/admin/articles/article/",
        {"action": "make_published", "_selected_action": str(draft.pk), "index": "0"},
    )
    assert re.search(r"1 article is now published", result), result[:1000]

    assert "Minister announces review" in other.text("/")
    assert "Minister announces review" in other.text(draft.get_absolute_url())
    assert "Minister announces review" in one.text("/feed/rss/")


def test_health_check_reports_database_and_cache(servers):
    for server in servers:
        assert server.text("/healthz") == '{"database": "ok", "cache": "ok"}'
