"""Two app servers, one PostgreSQL, one Redis: a change made through one shows on the other.

Real gunicorn processes with production settings (DEBUG off) against the
test database, whose rows this test commits (`transactional_db`), and the
suite's own Redis database under a key prefix of this run's own.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from articles.demo import EDITOR_PASSWORD, EDITOR_USERNAME, demo_editor_ensure
from articles.models import ArticleStatus
from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parent.parent


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    port = db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


class AppServer:
    def __init__(self, env: dict[str, str]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "BIND": f"127.0.0.1:{self.port}"}
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "newsroom/gunicorn.conf.py"]
            + ["newsroom.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz").status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        raise RuntimeError(self.process.communicate()[1].decode()[-2000:])

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.communicate(timeout=30)

    def get(self, path: str):
        return self.opener.open(self.url + path, timeout=10)

    def text(self, path: str) -> str:
        with self.get(path) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        token = next(c.value for c in self.cookies if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        with self.opener.open(self.url + path, body, timeout=10) as response:
            return response.read().decode()

    def log_in(self, username: str, password: str) -> None:
        self.text("/admin/login/")
        page = self.post("/admin/login/?next=/admin/", {"username": username, "password": password})
        assert "Log out" in page or "logout" in page, page[:500]


@pytest.fixture
def servers(transactional_db, tmp_path):
    static = tmp_path / "static"
    env = {
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
        env={**os.environ, **env},
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
