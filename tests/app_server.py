"""gunicorn, started as `make serve` starts it (newsroom/gunicorn.conf.py),
on a free port of this machine, for the tests that need the real server."""

import http.client
import http.cookiejar
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`env` is the whole environment of the server, but for BIND."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}"}
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def __enter__(self):
        # A file, not a pipe, which a server writing more than it holds would
        # wait on.
        self.output = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "newsroom/gunicorn.conf.py"]
            + ["newsroom.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz").status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(self.output_text()[-2000:])

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.output.close()

    def output_text(self) -> str:
        """What the server has written so far: its log, and the access log."""
        self.output.seek(0)
        return self.output.read().decode(errors="replace")

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

    def request(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """One GET as sent, its response read and not followed if a redirect."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response
