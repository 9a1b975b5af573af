"""Import a 500-entry feed whose pages are served from this machine.

Prints entries per second and peak memory. Runs on a throw-away SQLite
database in a temporary directory (or the DATABASE_URL given), with a
local HTTP server, so it measures the whole path: fetch the feed, fetch
each page, extract, sanitize, deduplicate and store.

    python bench/import_feed.py [--entries 500]
"""

import argparse
import os
import random
import resource
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STORIES = ROOT / "tests" / "pages" / "stories"


def pages(count: int, seed: int = 1) -> dict[str, bytes]:
    """`count` distinct news pages in a WordPress-like shape, words drawn
    from the test stories so that no two pages tell the same story."""
    rng = random.Random(seed)
    words = " ".join(p.read_text() for p in STORIES.glob("*.txt")).split()
    site = {}
    for n in range(count):
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(words) for _ in range(rng.randint(35, 70))) + ".</p>"
            for _ in range(rng.randint(6, 14))
        )
        title = " ".join(rng.choice(words) for _ in range(8)).capitalize()
        site[f"/news/{n}/"] = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:site_name' content='Bench Gazette'>"
            f"<meta property='article:published_time' content='2023-03-{1 + n % 28:02d}T12:00:00Z'>"
            f"<meta name='author' content='Reporter {n % 17}'></head><body>"
            "<div id='cookie-notice'>We use cookies.</div><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1><div class='entry-content'>{paragraphs}</div>"
            "<div class='related-posts'><h3>Related</h3><ul><li><a href='/x'>Other</a></li>"
            "</ul></div></article><footer>© Bench Gazette</footer></body></html>"
        ).encode()
    return site


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Entry {n}</title><link>{base}{path}</link>"
        f"<description>Teaser {n}…</description></item>"
        for n, path in enumerate(paths)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
        f"<link>{base}/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's
        # algorithm holds the body back ~40 ms waiting for an ACK.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = self.server.site.get(self.path)
        kind = "application/rss+xml" if self.path == "/feed" else "text/html; charset=utf-8"
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["IMPORT_ALLOW_PRIVATE_ADDRESSES"] = "1"  # the pages are on this machine
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command

    from articles.models import Article, ImportStatus, Source
    from articles.services.feeds import feed_poll

    call_command("migrate", verbosity=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    server.site = pages(args.entries)
    server.site["/feed"] = feed(base, list(server.site))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    source = Source.objects.create(
        name="Bench Gazette", homepage=base + "/", feed_url=base + "/feed"
    )
    started = time.perf_counter()
    result = feed_poll(source=source)
    elapsed = time.perf_counter() - started
    server.shutdown()

    done = result.count(ImportStatus.DONE)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"entries: {result.entries}, drafts created: {done}, "
        f"duplicates: {result.count(ImportStatus.DUPLICATE)}, "
        f"failed: {result.count(ImportStatus.FAILED)}, articles stored: {Article.objects.count()}"
    )
    print(f"time: {elapsed:.1f} s, entries per second: {result.entries / elapsed:.1f}")
    print(f"peak memory (max RSS of the process): {peak_mb:.0f} MB")
    tmp.cleanup()
    return 0 if done == args.entries and not result.error else 1


if __name__ == "__main__":
    sys.exit(main())
