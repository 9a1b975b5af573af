import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article, ImportOrigin, ImportRecord, ImportStatus, Source
from articles.services.feeds import MAX_ATTEMPTS, feed_poll, feeds_due
from articles.tasks import source_feed_poll
from tests.factories import SourceFactory
from tests.web import PAGES

pytestmark = pytest.mark.django_db

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
WP_PATH = "/2023/03/ottawa-widens-asylum-rules/"


@pytest.fixture
def ledger(site):
    site.page(WP_PATH, "wordpress_post.html")
    site.page("/2023/02/lawmakers", "jsonld_page.html")
    site.page("/national/review", "wire_local.html")
    return SourceFactory(name="Northern Ledger", homepage=site.url("/"), feed_url=site.url("/feed"))


def serve_feed(site, filename, **headers):
    site.page("/feed", filename, headers={**FEED_TYPE, **headers})


def test_teaser_entries_become_full_drafts(site, ledger):
    serve_feed(site, "feed_rss2.xml")
    result = feed_poll(source=ledger)
    assert result.error == "" and result.count(ImportStatus.DONE) == 2
    article = Article.objects.get(title="Ottawa widens asylum rules at the border")
    # The feed only had a teaser: the text comes from the page.
    assert "The minister is expected to appear" in article.body
    assert article.url == site.url(WP_PATH)  # tracking parameters gone
    assert article.source == ledger
    assert {r.origin for r in ImportRecord.objects.all()} == {ImportOrigin.FEED}
    ledger.refresh_from_db()
    assert ledger.feed_polled_at and ledger.feed_error == ""


def test_a_full_text_atom_entry_needs_no_page(site, ledger):
    serve_feed(site, "feed_atom.xml")
    result = feed_poll(source=ledger)
    assert result.count(ImportStatus.DONE) == 1, [r.message for r in result.records]
    article = Article.objects.get()
    assert article.title == "Montreal shelters turn away families as arrivals grow"
    assert article.byline == "Metro Desk"
    assert article.published_at == datetime.datetime(2023, 9, 14, 13, 42, tzinfo=datetime.UTC)
    assert article.body.count("<p>") == 8
    assert article.url == site.url("/news/shelters")
    assert [path for path, _ in site.requests] == ["/feed"]


@pytest.mark.parametrize("filename", ["feed_rss1.rdf", "feed_rss091.xml"])
def test_rss_1_and_0_9x(site, ledger, filename):
    serve_feed(site, filename)
    result = feed_poll(source=ledger)
    assert result.error == "" and result.count(ImportStatus.DONE) == 1


def test_conditional_get_and_known_entries(site, ledger):
    def feed(request):
        if (
            request.headers.get("If-None-Match") == '"v2"'
            or request.headers.get("If-Modified-Since") == "Fri, 24 Mar 2023 23:00:00 GMT"
        ):
            return request.reply(304, b"", {})
        body = (site.routes["/feed.xml"].body).replace(b"{base}", site.base.encode())
        return request.reply(
            200,
            body,
            {**FEED_TYPE, "ETag": '"v2"', "Last-Modified": "Fri, 24 Mar 2023 23:00:00 GMT"},
        )

    site.page("/feed.xml", "feed_rss2.xml")
    site.add("/feed", handler=feed)
    assert feed_poll(source=ledger).count(ImportStatus.DONE) == 2
    ledger.refresh_from_db()
    assert (ledger.feed_etag, ledger.feed_last_modified) == (
        '"v2"',
        "Fri, 24 Mar 2023 23:00:00 GMT",
    )
    again = feed_poll(source=ledger)
    assert again.not_modified and again.records == []
    assert site.requests[-1][1]["If-None-Match"] == '"v2"'
    # A server that ignores the validators: known entries are not imported again.
    ledger.feed_etag = ledger.feed_last_modified = ""
    ledger.save()
    third = feed_poll(source=ledger)
    assert (third.known, third.records) == (2, [])
    assert Article.objects.count() == 2


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title>
<link>http://127.0.0.1/x</link></item></channel></rss>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&secret;</title>
<link>http://127.0.0.1/x</link></item></channel></rss>"""
BROKEN_BOMB = BOMB.replace(b"<rss", b"<<rss", 1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (BOMB, "declares XML entities"),
        (EXTERNAL, "declares XML entities"),
        (BROKEN_BOMB, "declares XML entities"),
        (b"<html><body>Not a feed</body></html>", "could not be read"),
        (b"", "could not be read"),
        (b"\x00\x01\x02garbage", "could not be read"),
    ],
    ids=["entity bomb", "external entity", "malformed bomb", "html", "empty", "binary"],
)
def test_hostile_or_broken_feeds_are_refused_and_recorded(site, ledger, body, message):
    site.add("/feed", body, headers=FEED_TYPE)
    result = feed_poll(source=ledger)
    assert message in result.error
    ledger.refresh_from_db()
    assert message in ledger.feed_error and ledger.feed_polled_at
    assert not Article.objects.exists()


def test_a_truncated_feed_still_gives_its_complete_entries(site, ledger):
    text = (PAGES / "feed_rss2.xml").read_text().replace("{base}", site.base)
    site.add("/feed", text[: text.index("<title>Lawmakers")], headers=FEED_TYPE)
    result = feed_poll(source=ledger)
    assert result.error == "" and result.count(ImportStatus.DONE) == 1


def test_feed_fetch_errors_are_kept_on_the_source(site, ledger):
    site.add("/feed", b"%PDF", headers={"Content-Type": "application/pdf"})
    assert "not a feed" in feed_poll(source=ledger).error
    ledger.feed_url = site.url("/gone")
    assert "404" in feed_poll(source=ledger).error


def test_failing_entries_are_retried_then_left_alone(site, ledger):
    serve_feed(site, "feed_rss2.xml")
    del site.routes[WP_PATH]  # the first entry's page is gone
    for _ in range(MAX_ATTEMPTS):
        result = feed_poll(source=ledger)
        assert result.count(ImportStatus.FAILED) in (1, 0)
    final = feed_poll(source=ledger)
    assert final.given_up == 1 and final.records == []
    assert ImportRecord.objects.filter(status=ImportStatus.FAILED).count() == MAX_ATTEMPTS


def test_an_entry_without_a_link_or_text_fails_clearly(site, ledger):
    feed = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>A teaser with no link</title><description>Short.</description></item>
    </channel></rss>"""
    site.add("/feed", feed, headers=FEED_TYPE)
    (record,) = feed_poll(source=ledger).records
    assert record.status == ImportStatus.FAILED
    assert "no link" in record.message


def test_feeds_due_respects_each_interval(site):
    now = timezone.now()
    due = SourceFactory(feed_url=site.url("/f1"), feed_polled_at=now - datetime.timedelta(hours=2))
    SourceFactory(feed_url=site.url("/f2"), feed_polled_at=now - datetime.timedelta(minutes=10))
    SourceFactory(feed_url=site.url("/f3"), is_active=False)
    SourceFactory(feed_url="")
    never = SourceFactory(feed_url=site.url("/f4"))
    assert set(feeds_due(now=now)) == {due, never}
    fast = SourceFactory(
        feed_url=site.url("/f5"),
        feed_poll_minutes=5,
        feed_polled_at=now - datetime.timedelta(minutes=6),
    )
    assert fast in feeds_due(now=now)


def test_poll_feeds_command_shows_progress_and_fails_on_errors(site, ledger, capsys):
    serve_feed(site, "feed_rss2.xml")
    call_command("poll_feeds")
    out = capsys.readouterr().out
    assert "Northern Ledger: polling" in out
    assert "[1/2]" in out and "[2/2]" in out
    assert "2 entries: 2 created, 0 duplicates, 0 failed" in out
    call_command("poll_feeds")
    assert "No feed is due." in capsys.readouterr().out
    site.add("/feed", BOMB, headers=FEED_TYPE)
    with pytest.raises(CommandError):
        call_command("poll_feeds", "--source", ledger.slug)
    assert "declares XML entities" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No source"):
        call_command("poll_feeds", "--source", "nope")


def test_a_feed_from_a_server_that_hangs_up_after_it_is_polled(site, ledger):
    """HTTP/1.0 servers (and Connection: close) hang up after the feed: that is
    its end, not an error."""
    site.page("/feed", "feed_rss2.xml", headers=FEED_TYPE, framing="http/1.0")
    result = source_feed_poll.enqueue(ledger.pk).return_value
    assert result == {"created": 2, "duplicates": 0, "failed": 0, "error": ""}


def test_one_failing_feed_does_not_stop_the_poll_of_the_next(site, ledger, capsys):
    text = (PAGES / "feed_rss2.xml").read_text().replace("{base}", site.base).encode()
    site.add("/cut-feed", text, headers=FEED_TYPE, framing="close", cut=len(text) // 2)
    herald = SourceFactory(name="Eastern Herald", feed_url=site.url("/cut-feed"))
    serve_feed(site, "feed_rss2.xml")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("poll_feeds")
    herald.refresh_from_db()
    assert "closed the connection before the page was complete" in herald.feed_error
    assert herald.feed_polled_at is not None
    ledger.refresh_from_db()
    assert ledger.feed_error == "" and ledger.feed_polled_at is not None
    assert Article.objects.filter(source=ledger).count() == 2
    out = capsys.readouterr().out
    assert out.index("Eastern Herald: polling") < out.index("Northern Ledger: polling")


def test_the_same_through_the_task(site, ledger):
    text = (PAGES / "feed_rss2.xml").read_text().replace("{base}", site.base).encode()
    site.add("/feed", text, headers=FEED_TYPE, framing="http/1.0", cut=100)
    result = source_feed_poll.enqueue(ledger.pk).return_value
    assert "closed the connection before the page was complete" in result["error"]
    ledger.refresh_from_db()
    assert ledger.feed_error == result["error"] and ledger.feed_polled_at is not None


def test_an_unexpected_error_is_recorded_on_the_source(site, ledger, caplog):
    serve_feed(site, "feed_rss2.xml")

    def progress(number, total, record):
        raise RuntimeError("the progress display broke")

    result = feed_poll(source=ledger, progress=progress)
    assert "unexpected error (RuntimeError)" in result.error
    ledger.refresh_from_db()
    assert ledger.feed_error == result.error and ledger.feed_polled_at is not None
    assert "failed unexpectedly" in caplog.text


# The feed server deletes its source from another thread: rows must be committed.
@pytest.mark.django_db(transaction=True)
def test_a_source_deleted_while_its_feed_is_polled_does_not_stop_the_poll(site, capsys):
    ledger = SourceFactory(name="Northern Ledger", feed_url=site.url("/feed"))
    site.page(WP_PATH, "wordpress_post.html")
    site.page("/2023/02/lawmakers", "jsonld_page.html")
    serve_feed(site, "feed_rss2.xml")
    herald = SourceFactory(name="Eastern Herald", feed_url=site.url("/herald"))

    def delete_the_source(request):
        Source.objects.filter(pk=herald.pk).delete()
        connection.close()  # the server thread's own
        request.reply(404, b"gone", {})

    site.add("/herald", handler=delete_the_source)
    with pytest.raises(CommandError, match="1 problem"):
        call_command("poll_feeds")
    assert "Eastern Herald: polling" in capsys.readouterr().out
    assert not Source.objects.filter(pk=herald.pk).exists()
    assert Article.objects.filter(source=ledger).count() == 2


def test_validators_that_cannot_be_sent_are_left_out(site, ledger):
    """Validators come back from the database (or an archive) as stored; one that
    is no valid header value means a full GET, not an unexpected error."""
    serve_feed(site, "feed_rss2.xml")
    ledger.feed_etag, ledger.feed_last_modified = 'W/"v1\n"', "Fri, 24 Mar 2023 23:00:00 GMT€"
    result = feed_poll(source=ledger)
    assert result.error == "" and result.count(ImportStatus.DONE) == 2
    assert "If-None-Match" not in site.requests[0][1]
    assert "If-Modified-Since" not in site.requests[0][1]
