"""`make serve` as it runs: gunicorn with newsroom/gunicorn.conf.py and
production settings, on a SQLite database of its own.

A forwarded scheme is trusted only where the settings name a proxy.
"""

import os
import subprocess
import sys

import pytest

from tests.app_server import ROOT, AppServer

# Articles whose summaries make an export of 8 MB: more than the socket
# buffers of both ends hold (4 MB at most on Linux), so that a client that
# does not read it keeps the server writing.
EXPORT_ROWS = 200
SUMMARY = "Officials at the crossing described the new procedure. " * 700

FILL = f"""
from tests.factories import ArticleFactory, SourceFactory
ArticleFactory.create_batch({EXPORT_ROWS}, source=SourceFactory(), summary={SUMMARY!r})
"""

HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict[str, str]:
    """A production environment: nothing set but what a deployment must set,
    a migrated database, the static files collected, and EXPORT_ROWS articles."""
    folder = tmp_path_factory.mktemp("serve")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "tests-only-not-secret",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "WEB_CONCURRENCY": "1",
        "ACCESS_LOG": "",
    }
    for command in (
        ["migrate", "--no-input"],
        ["collectstatic", "--no-input"],
        ["shell", "--no-imports", "-c", FILL],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


@pytest.fixture(scope="module")
def https_server(production):
    """Production defaults: plain http is redirected to https."""
    with AppServer(production) as server:
        yield server


@pytest.mark.parametrize(
    "header",
    ["X-Forwarded-Proto: https", "X-Forwarded-Ssl: on", "X-Forwarded-Protocol: ssl"],
)
def test_a_forwarded_scheme_is_not_trusted_with_no_proxy_configured(https_server, header):
    """gunicorn's own default trusts these from 127.0.0.1: the request was
    taken for https, HSTS sent and the redirect skipped."""
    name, value = header.split(": ")
    response = https_server.request("/tags/", {name: value})
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{https_server.port}/tags/"
    assert response.getheader("Strict-Transport-Security") is None


def test_behind_the_configured_proxy_its_header_is_trusted(production):
    env = {**production, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"}
    with AppServer(env) as server:
        secure = server.request("/tags/", {"X-Forwarded-Proto": "https"})
        plain = server.request("/tags/", {"X-Forwarded-Proto": "http"})
        other = server.request("/tags/", {"X-Forwarded-Ssl": "on"})
    assert secure.status == 200
    assert secure.getheader("Strict-Transport-Security") == HSTS
    for response in (plain, other):
        assert response.status == 301
        assert response.getheader("Strict-Transport-Security") is None
