"""What the editor reads when a feed cannot be polled as it is, or its
drafts need a second look: each message names the feed and what to do."""

import pytest

from articles.models import Article, ImportRecord, ImportStatus
from articles.services.feeds import feed_poll
from tests.factories import SourceFactory
from tests.ingest_pages import FEED_TYPE, item, page, prose, rss

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(site):
    return SourceFactory(name="Ledger", homepage=site.url("/"), feed_url=site.url("/feed"))


def poll_error(ledger) -> str:
    result = feed_poll(source=ledger)
    ledger.refresh_from_db()
    assert ledger.feed_error == result.error and ledger.feed_polled_at
    assert not Article.objects.exists() and not ImportRecord.objects.exists()
    return result.error


def test_a_feed_without_entries_says_it_is_empty(site, ledger):
    site.add("/feed", rss(), headers=FEED_TYPE)
    error = poll_error(ledger)
    assert f"The feed at {site.url('/feed')} is empty: it lists no articles." in error
    assert "Check that the source's feed URL" in error


def test_a_feed_with_no_content_says_it_is_empty(site, ledger):
    site.add("/feed", b"", headers=FEED_TYPE)
    error = poll_error(ledger)
    assert "the feed is empty, the server sent nothing" in error
    assert "poll again later" in error


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", FEED_TYPE["Content-Type"]])
def test_a_web_page_in_place_of_a_feed_is_named_as_one(site, ledger, content_type):
    head = '<link rel="alternate" type="application/rss+xml" href="/rss.xml" title="News">'
    site.add("/feed", page(head=head), headers={"Content-Type": content_type})
    error = poll_error(ledger)
    feed = site.url("/feed")
    assert f"{feed} is a web page, not a feed." in error
    assert "import it on the Import page (Coverage › Import records › Import an article)" in error
    assert f"`python manage.py import_url {feed}`" in error
    named = site.url("/rss.xml")
    assert f"give the source the address of its RSS or Atom feed: the page names {named}." in error


def test_a_web_page_naming_no_usable_feed_says_so_plainly(site, ledger):
    head = '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    site.add("/feed", page(head=head), headers={"Content-Type": "text/html"})
    error = poll_error(ledger)
    assert error.endswith("give the source the address of its RSS or Atom feed.")


def test_a_feed_served_as_a_web_page_is_still_read(site, ledger):
    site.add("/feed", rss(item("Served as HTML", seed=21)), headers={"Content-Type": "text/html"})
    result = feed_poll(source=ledger)
    assert result.error == "" and result.count(ImportStatus.DONE) == 1


def test_an_unreadable_feed_says_what_to_check(site, ledger):
    site.add("/feed", b"\x00\x01\x02garbage", headers=FEED_TYPE)
    error = poll_error(ledger)
    assert f"The feed at {site.url('/feed')} could not be read" in error
    assert "Open the source's feed URL in a browser" in error


def test_a_feed_declaring_entities_says_what_to_do(site, ledger):
    feed = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">]>
    <rss version="2.0"><channel><title>&a;</title></channel></rss>"""
    site.add("/feed", feed, headers=FEED_TYPE)
    error = poll_error(ledger)
    assert f"The feed at {site.url('/feed')} declares XML entities" in error
    assert "Ask the outlet for a plain RSS or Atom feed" in error


FRENCH_TITLE = "Frontière : l’été des demandeurs d’asile — « Roxham »"


def french_feed(encoding_declared: str) -> str:
    text = f"<p>Québec a répété à Ottawa que le chemin Roxham était fermé.</p>{prose(31)}"
    return rss(item(FRENCH_TITLE, seed=31, text=text)).replace("utf-8", encoding_declared)


@pytest.mark.parametrize(
    ("declaration", "content_type", "said"),
    [
        ('encoding="utf-8"', FEED_TYPE["Content-Type"], "says it is in utf-8"),
        ("", "application/rss+xml", "names no charset, so is UTF-8"),
    ],
    ids=["declared utf-8", "nothing declared"],
)
def test_a_feed_in_another_charset_than_it_declares_is_read_and_flagged(
    site, ledger, declaration, content_type, said
):
    # Written in Windows-1252, as feeds that get their charset wrong usually are.
    feed = french_feed("utf-8").replace('encoding="utf-8"', declaration)
    site.add("/feed", feed.encode("cp1252"), headers={"Content-Type": content_type})
    result = feed_poll(source=ledger)
    assert result.error == ""
    (record,) = result.records
    assert record.status == ImportStatus.DONE, record.message
    assert record.article.title == FRENCH_TITLE
    assert "Québec a répété" in record.article.body
    assert (
        f"Check the characters: the feed {said}, but it is not, so Newsroom read it as Windows-1252"
    ) in record.message


def test_a_feed_in_utf_8_labelled_latin_1_is_read_as_utf_8_and_flagged(site, ledger):
    feed = french_feed("iso-8859-1").encode()
    site.add("/feed", feed, headers={"Content-Type": "application/rss+xml; charset=iso-8859-1"})
    (record,) = feed_poll(source=ledger).records
    assert record.article.title == FRENCH_TITLE
    assert (
        "Check the characters: the feed says it is in iso-8859-1, but it is written in UTF-8"
    ) in record.message


def test_a_feed_in_the_charset_it_declares_is_not_flagged(site, ledger):
    site.add(
        "/feed",
        french_feed("windows-1252").encode("cp1252"),
        headers={"Content-Type": "application/rss+xml"},
    )
    (record,) = feed_poll(source=ledger).records
    assert record.article.title == FRENCH_TITLE
    assert "characters" not in record.message


@pytest.mark.parametrize("codec", ["hex", "base64", "rot13"])
def test_a_feed_declaring_a_codec_that_is_no_charset_is_read_and_flagged(site, ledger, codec):
    """Python knows these names, but they are no text encodings: decoding by
    them raised LookupError, an "unexpected error" on the source."""
    site.add(
        "/feed",
        french_feed(codec).encode("cp1252"),
        headers={"Content-Type": "application/rss+xml"},
    )
    result = feed_poll(source=ledger)
    assert result.error == ""
    (record,) = result.records
    assert record.article.title == FRENCH_TITLE
    assert f"Check the characters: the feed says it is in {codec}, but it is not" in record.message
