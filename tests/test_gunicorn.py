"""`make serve` as it runs: gunicorn with newsroom/gunicorn.conf.py and
production settings, on a SQLite database of its own.

Slow clients hold a thread, not the server, and are cut off at gunicorn's
timeout; a forwarded scheme is trusted only where the settings name a proxy;
every response forbids framing.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

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
FRAME_ANCESTORS = "frame-ancestors 'none'"


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


@pytest.fixture(scope="module")
def http_server(production):
    """Production settings served over plain http, as the README shows."""
    with AppServer({**production, "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0"}) as server:
        yield server


def _poll(condition, what: str):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within a minute: {what}")


def _status(server: AppServer, path: str) -> int | None:
    try:
        return server.request(path).status
    except OSError:  # not answered within the request's own timeout
        return None


@contextmanager
def _export_not_read(server: AppServer):
    """A client that asks for /export.json and then reads none of it."""
    sock = socket.socket()
    # Set before connecting: the window the client offers is what it holds.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(60)
    sock.connect(("127.0.0.1", server.port))
    with sock:
        sock.sendall(b"GET /export.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        # The export has begun to be sent once its first bytes are here
        # (a peek may see fewer than asked for while they arrive).
        _poll(lambda: len(sock.recv(15, socket.MSG_PEEK)) == 15, "the export begins")
        assert sock.recv(15, socket.MSG_PEEK) == b"HTTP/1.1 200 OK"
        yield sock


def _body(sock: socket.socket) -> bytes:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.read()


@pytest.mark.parametrize("timeout", ["600", "0"])  # 0: gunicorn's "no timeout"
def test_a_client_that_does_not_read_its_export_holds_up_no_one_else(production, timeout):
    """One process, as WEB_CONCURRENCY=1: with one request at a time, the
    export held it until gunicorn killed it at its timeout, 30 s without
    pages or health checks, and the export was cut off. (A timeout long
    enough that a busy machine does not reach it while the test reads.)"""
    env = {
        **production,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "GUNICORN_CMD_ARGS": f"--timeout {timeout}",
    }
    with AppServer(env) as server, _export_not_read(server) as export:
        for path in ("/", "/healthz", "/static/css/site.css"):
            _poll(lambda path=path: _status(server, path) == 200, f"{path} answers 200")
        rows = json.loads(_body(export))
    assert len(rows) == EXPORT_ROWS
    assert rows[0]["summary"] == SUMMARY


# A request's time on its thread, shortened for the tests below.
TIMEOUT = {"GUNICORN_CMD_ARGS": "--timeout 5"}


def test_a_client_that_stops_reading_is_cut_off_at_the_timeout(production):
    """A thread is not killed as a sync worker was: the worker closes the
    connection of a request past gunicorn's timeout (newsroom/gunicorn_worker.py)."""
    env = {**production, "SECURE_SSL_REDIRECT": "0", **TIMEOUT}
    with AppServer(env) as server, _export_not_read(server) as export:
        _poll(lambda: "took more than 5 s" in server.output_text(), "the export is cut off")
        with pytest.raises(http.client.IncompleteRead):
            _body(export)
        assert _status(server, "/healthz") == 200


def test_a_client_that_sends_its_request_a_little_at_a_time_is_cut_off_too(production):
    with AppServer({**production, **TIMEOUT}) as server, socket.socket() as sock:
        sock.settimeout(60)
        sock.connect(("127.0.0.1", server.port))
        # A request whose headers never end.
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        _poll(lambda: "took more than 5 s" in server.output_text(), "the request is cut off")
        assert sock.recv(1024) == b""  # closed, unanswered
        assert _status(server, "/healthz") == 200


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


@pytest.mark.parametrize(
    ("path", "host", "status"),
    [
        ("/static/css/site.css", None, 200),
        ("/no-such-page/", None, 404),
        ("/", "attacker.example", 400),
    ],
)
def test_every_response_forbids_framing(http_server, path, host, status):
    response = http_server.request(path, {"Host": host} if host else {})
    assert response.status == status
    assert response.getheader("X-Frame-Options") == "DENY"
    assert FRAME_ANCESTORS in response.getheader("Content-Security-Policy")


@pytest.mark.parametrize(("host", "status"), [(None, 301), ("attacker.example", 400)])
def test_the_redirect_to_https_and_its_refusals_forbid_framing_too(https_server, host, status):
    response = https_server.request("/static/css/site.css", {"Host": host} if host else {})
    assert response.status == status
    assert response.getheader("X-Frame-Options") == "DENY"
    assert FRAME_ANCESTORS in response.getheader("Content-Security-Policy")
