"""A real HTTP server on 127.0.0.1 for import tests: pages and feeds are
served by it and fetched through the real import path, not mocked."""

import contextlib
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).parent / "pages"


# How a route's body is framed and whether the connection outlives it, as
# servers in the wild answer:
#   "keep-alive": HTTP/1.1 with Content-Length; the connection stays open
#   "close": HTTP/1.1 with Content-Length and Connection: close
#   "eof": HTTP/1.1 with Connection: close and no length; the close ends the body
#   "chunked": HTTP/1.1, Transfer-Encoding: chunked; the connection stays open
#   "http/1.0": HTTP/1.0 with Content-Length, closed after (`python -m http.server`)
FRAMINGS = ("keep-alive", "close", "eof", "chunked", "http/1.0")


@dataclass
class Stall:
    """Holds a body halfway until the test lets the rest go."""

    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    framing: str = "keep-alive"
    # Hang up after this many bytes of the body, as a server that dies mid-page.
    cut: int | None = None
    stall: Stall | None = None
    # Called as handler(request) instead of sending `body` when given.
    handler: object = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's
        # algorithm holds the body back ~40 ms waiting for an ACK.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        site = self.server.site
        site.requests.append((self.path, dict(self.headers)))
        route = site.routes.get(self.path.split("?", 1)[0])
        if route is None:
            return self.reply(404, b"<h1>Not found</h1>", {"Content-Type": "text/html"})
        if route.handler:
            return route.handler(self)
        return self.reply(
            route.status,
            route.body,
            route.headers,
            framing=route.framing,
            cut=route.cut,
            stall=route.stall,
        )

    def reply(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        *,
        framing: str = "keep-alive",
        cut: int | None = None,
        stall: Stall | None = None,
    ):
        assert framing in FRAMINGS, framing
        if framing == "http/1.0":
            self.protocol_version = "HTTP/1.0"
            self.close_connection = True
        self.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        if framing in ("close", "eof"):
            headers["Connection"] = "close"  # send_header also closes after the reply
        if framing == "chunked":
            headers["Transfer-Encoding"] = "chunked"
        elif framing != "eof":
            headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if status == 304:
            return
        chunked = framing == "chunked"
        body = body if cut is None else body[:cut]
        half = len(body) // 2 if stall else len(body)
        self._send(body[:half], chunked=chunked)
        if stall:
            stall.reached.set()
            stall.released.wait(timeout=60)
            self._send(body[half:], chunked=chunked)
        if cut is not None:
            self.close_connection = True
        elif chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _send(self, part: bytes, *, chunked: bool):
        if chunked and part:
            part = b"%x\r\n%s\r\n" % (len(part), part)
        self.wfile.write(part)


class Site:
    """Routes by path; `url(path)` is the full address to import."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.site = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **kwargs) -> str:
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(body=body, **kwargs)
        return self.url(path)

    def page(self, path: str, filename: str, **kwargs) -> str:
        """Serve tests/pages/<filename>, with {base} replaced by this server's address."""
        body = (PAGES / filename).read_text().replace("{base}", self.base)
        return self.add(path, body.encode(), **kwargs)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def python_http_server(directory: Path):
    """Python's own `python -m http.server` serving `directory`, in a process of
    its own: it answers over HTTP/1.0 and hangs up after each reply, as many
    small sites do. Yields its base address."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
        + ["--directory", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # It says where it listens once it does: "Serving HTTP on 127.0.0.1 port N ..."
        banner = process.stdout.readline()
        port = re.search(r" port (\d+)", banner)
        assert port, f"python -m http.server did not start: {banner!r}"
        yield f"http://127.0.0.1:{port.group(1)}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
