"""The same story at the same moment: two workers import one wire story from
two outlets, their pages answered together, on a database both share
(tests/processes.py). The second must find the first's article and record
its copy: neither two articles nor a failure on the slug both headlines make.
"""

import html
import threading
from contextlib import suppress

import pytest

from tests.processes import probe, shared_database, wait_for, worker
from tests.story_variants import STORIES, variants
from tests.web import Route

HEADLINE = "Ottawa and Washington change the border rules"


def page(headline: str, text: str, outlet: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>{html.escape(headline)}</title>'
        f'<meta property="og:site_name" content="{outlet}"></head>'
        f"<body><article><h1>{html.escape(headline)}</h1>{paragraphs}</article></body></html>"
    ).encode()


def together(site, pages: dict[str, bytes]) -> list[str]:
    """Serve `pages` (path: body), each answered only once every one was asked
    for; their URLs, on two hosts, so on two outlets' sites."""
    barrier = threading.Barrier(len(pages), timeout=120)

    def handler(request):
        body = pages[request.path]
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            body, status = b"<h1>Only one of the pages was asked for</h1>", 503
        else:
            status = 200
        with suppress(OSError):
            request.reply(status, body, {})

    for path in pages:
        site.routes[path] = Route(handler=handler)
    hosts = ["127.0.0.1", "localhost"]
    return [
        site.url(path).replace("127.0.0.1", host) for path, host in zip(pages, hosts, strict=True)
    ]


@pytest.mark.parametrize("headlines", ["the same headline", "other headlines"])
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_one_story_from_two_outlets_at_the_same_moment_is_one_article(
    kind, headlines, site, tmp_path
):
    stories = sorted(STORIES.glob("*.txt"))
    with (
        shared_database(kind, tmp_path) as database,
        probe(database) as db,
        worker(database, tmp_path / "one.log") as one,
        worker(database, tmp_path / "two.log") as two,
    ):
        for number, story in enumerate(stories, start=1):
            text = story.read_text()
            headline = f"{HEADLINE} {number}"
            other = headline if headlines == "the same headline" else f"{headline}, again"
            urls = together(
                site,
                {
                    f"/{number}/a": page(headline, text, "Valley Courier"),
                    f"/{number}/b": page(other, variants(text)["words edited"], "Harbour Times"),
                },
            )
            # Both workers are idle: each takes one import and waits on its
            # page until the other has asked for the other page.
            pks = [
                db(f"import_record_create(origin='url', requested='it', url={url!r}).pk")
                for url in urls
            ]
            for pk in pks:
                db(f"queue.enqueue({pk}).id")
            records = f"ImportRecord.objects.filter(pk__in={pks})"
            pending = f"{records}.pending().exists()"
            wait_for(lambda q=pending: not db(q), "both imports end")
            outcomes = db(f"sorted({records}.values_list('status', 'message'))")
            assert [status for status, _ in outcomes] == ["done", "duplicate"], (
                outcomes,
                one.output(),
                two.output(),
            )
            assert db("(Article.objects.count(), ArticleCopy.objects.count())") == [number] * 2
        # Each copy is the other outlet's, of the article its own story made.
        assert db("all(c.source_id != c.article.source_id for c in ArticleCopy.objects.all())")
        assert db("Article.objects.values('slug').distinct().count()") == len(stories)
