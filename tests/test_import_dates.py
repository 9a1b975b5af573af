"""Publication dates are read strictly and used only when they can be right:
1990-01-01 to a day from now, on every import path (a fetched page, pasted
HTML or text, a file, a feed entry). Anything else is left empty, with a
note saying what was given, and never becomes a nearby plausible date."""

import datetime
import email.utils
import html

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, ArticleStatus, ImportRecord, ImportStatus
from articles.services.dates import date_read
from articles.services.feeds import feed_poll
from articles.services.ingest import article_import_from_content, article_import_from_url
from tests.factories import SourceFactory
from tests.ingest_pages import FEED_TYPE, item, page, prose, rss

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlet(site):
    return SourceFactory(name="Ledger", homepage=site.url("/"), feed_url=site.url("/feed"))


def rfc822(moment: datetime.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(datetime.UTC), usegmt=True)


def assert_undated_draft(record: ImportRecord, note: str) -> None:
    assert record.status == ImportStatus.DONE, record.message
    article = record.article
    assert article.published_at is None, article.published_at
    assert (article.status, article.publish_at) == (ArticleStatus.DRAFT, None)
    assert note in record.message
    assert "set it by hand" in record.message
    assert not Article.objects.published().filter(pk=article.pk).exists()


# --- Feed entries ------------------------------------------------------------------

FEED_DATES = [
    ("Sat, 01 Jan 1400 00:00:00 GMT", "The feed gave 1400-01-01, before 1990, which cannot"),
    ("Mon, 01 Jan 1900 00:00:00 GMT", "The feed gave 1900-01-01, before 1990, which cannot"),
    ("Thu, 01 Jan 70 00:00:00 GMT", "which cannot be right"),  # a two-digit year
    ("Thu, 01 Jan 2099 00:00:00 GMT", "The feed gave 2099-01-01, in the future, which cannot"),
    ("2099-01-01T00:00:00Z", "The feed gave 2099-01-01, in the future"),
    ("1672531200", "The feed gave “1672531200” as its date, which is not a real date"),
    ("2023-02-30T10:00:00Z", "“2023-02-30T10:00:00Z” as its date, which is not a real date"),
    ("Thu, 30 Feb 2023 10:00:00 GMT", "“Thu, 30 Feb 2023 10:00:00 GMT” as its date, which is not"),
    # .NET's DateTime.MinValue, which many feeds write for "no date": not 2001.
    ("Mon, 01 Jan 0001 00:00:00 GMT", "“Mon, 01 Jan 0001 00:00:00 GMT” as its date, which is not"),
]


def test_feed_entries_with_impossible_dates_are_left_undated(site, outlet):
    site.add(
        "/feed",
        rss(*(item(f"Entry {n}", date=date, seed=n) for n, (date, _) in enumerate(FEED_DATES))),
        headers=FEED_TYPE,
    )
    result = feed_poll(source=outlet)
    assert result.error == "" and len(result.records) == len(FEED_DATES)
    for n, (_, note) in enumerate(FEED_DATES):
        record = ImportRecord.objects.get(article__title=f"Entry {n}")
        assert_undated_draft(record, note)
    # The page made of each entry carries no date either, so nothing else stands in.
    assert not Article.objects.exclude(published_at=None).exists()


def test_a_future_dated_entry_stays_an_undated_draft(site, outlet):
    now = timezone.now()
    soon = now + datetime.timedelta(hours=3)
    later = now + datetime.timedelta(days=3)
    site.add(
        "/feed",
        rss(item("Later", date=rfc822(later), seed=1), item("Soon", date=rfc822(soon), seed=2)),
        headers=FEED_TYPE,
    )
    feed_poll(source=outlet)
    record = ImportRecord.objects.get(article__title="Later")
    assert_undated_draft(record, f"The feed gave {later:%Y-%m-%d}, in the future")
    # Within a day ahead (a time zone's worth) the date stands, but nothing is
    # scheduled or published by it.
    soon_article = Article.objects.get(title="Soon")
    assert soon_article.published_at == soon.replace(microsecond=0)
    assert (soon_article.status, soon_article.publish_at) == (ArticleStatus.DRAFT, None)
    assert not Article.objects.published(at=later).exists()


def test_the_feed_date_fills_in_for_a_page_without_one_and_only_when_right(site, outlet):
    site.add("/a", page(title="Page without a date", seed=11))
    site.add("/b", page(title="Another page without a date", seed=12))
    dated = page(
        title="Page with a date",
        head='<meta property="article:published_time" content="2023-03-24T18:30:00-04:00">',
        seed=13,
    )
    site.add("/c", dated)
    site.add(
        "/feed",
        rss(
            item("a", link=site.url("/a"), date="Fri, 24 Mar 2023 22:30:00 +0000", text="Teaser."),
            item("b", link=site.url("/b"), date="Fri, 01 Jan 2100 00:00:00 +0000", text="Teaser."),
            item("c", link=site.url("/c"), date="1672531200", text="Teaser."),
        ),
        headers=FEED_TYPE,
    )
    feed_poll(source=outlet)
    a = Article.objects.get(title="Page without a date")
    assert a.published_at == datetime.datetime(2023, 3, 24, 22, 30, tzinfo=datetime.UTC)
    assert "date" not in a.import_records.get().message
    b = ImportRecord.objects.get(article__title="Another page without a date")
    assert_undated_draft(b, "The feed gave 2100-01-01, in the future, which cannot be right")
    assert "No publication date" not in b.message
    c = ImportRecord.objects.get(article__title="Page with a date")
    assert c.article.published_at == datetime.datetime(2023, 3, 24, 22, 30, tzinfo=datetime.UTC)
    assert "“1672531200” as the entry's date, which cannot be right" in c.message


# --- Pages, by every path ------------------------------------------------------------

PAGE_DATES = [
    (
        "meta, impossible",
        '<meta property="article:published_time" content="2023-02-30T10:00:00-05:00">',
        "",
        "The page gives “2023-02-30T10:00:00-05:00” as its date, which is not a real date",
    ),
    (
        "meta, far future",
        '<meta property="article:published_time" content="2099-01-01T10:00:00Z">',
        "",
        "The page gives 2099-01-01, in the future, which cannot be right",
    ),
    (
        "meta, content first, too old",
        '<meta content="1900-01-01" name="pubdate">',
        "",
        "The page gives 1900-01-01, before 1990, which cannot be right",
    ),
    (
        "JSON-LD, impossible",
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2023-02-30"}</script>',
        "",
        "The page gives “2023-02-30” as its date, which is not a real date",
    ),
    (
        "JSON-LD, too old",
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "1400-06-01T00:00:00Z"}</script>',
        "",
        "The page gives 1400-06-01, before 1990",
    ),
    (
        "visible text, impossible",
        "",
        '<p class="date">Published February 30, 2023</p>',
        "The page gives “February 30, 2023” as its date, which is not a real date",
    ),
    (
        "time element, impossible",
        "",
        '<p>By Dana Whitfield <time datetime="2023-02-30">February 30, 2023</time></p>',
        "“2023-02-30” as its date, which is not a real date",
    ),
    (
        "visible text, month only",
        "",
        '<p class="date">February 2023</p>',
        "No publication date was found",
    ),
]


def import_by(path: str, site, tmp_path, outlet, content: str) -> ImportRecord:
    if path == "url":
        return article_import_from_url(url=site.add("/story", content))
    if path == "paste":
        return article_import_from_content(content=content, requested="pasted", source=outlet)
    (tmp_path / "story.html").write_text(content)
    call_command("import_file", str(tmp_path / "story.html"), "--source", outlet.slug)
    return ImportRecord.objects.get()


@pytest.mark.parametrize("path", ["url", "paste", "file"])
@pytest.mark.parametrize(
    ("head", "top", "note"), [p[1:] for p in PAGE_DATES], ids=[p[0] for p in PAGE_DATES]
)
def test_page_dates_that_cannot_be_right_are_left_empty(
    site, tmp_path, outlet, path, head, top, note
):
    record = import_by(path, site, tmp_path, outlet, page(head=head, top=top))
    assert record.status == ImportStatus.DONE, record.message
    assert record.article.published_at is None, record.article.published_at
    assert note in record.message
    assert (record.article.status, record.article.publish_at) == (ArticleStatus.DRAFT, None)


def test_a_real_date_written_on_the_page_is_still_found(site):
    top = '<p class="date">Published March 1, 2023</p>'
    record = article_import_from_url(url=site.add("/story", page(top=top)))
    assert record.article.published_at.date() == datetime.date(2023, 3, 1)
    assert "date" not in record.message


def test_a_first_of_the_month_in_the_page_address_is_a_date_too(site):
    record = article_import_from_url(url=site.add("/2023/03/01/story", page()))
    assert record.article.published_at.date() == datetime.date(2023, 3, 1), record.message
    # A month alone is no date.
    record = article_import_from_url(url=site.add("/2023/04/story", page(seed=2)))
    assert record.article.published_at is None


# --- Pasted text -----------------------------------------------------------------------


def pasted_text(date_line: str) -> str:
    story = html.unescape(prose(5)).replace("<p>", "").replace("</p>", "\n\n")
    return (
        "Monday, March 6, 2023\n\n"  # the site's banner, above the headline
        "Seasonal workers wait at the border for late permits\n"
        f"By Rosa Delgado\n{date_line}\n\n{story}"
    )


@pytest.mark.parametrize(
    ("date_line", "note"),
    [
        ("February 30, 2023", "The text gives “February 30, 2023” as its date, which is not"),
        ("30 février 2023", "The text gives “30 février 2023” as its date"),
        ("January 1, 2099", "The text gives 2099-01-01, in the future, which cannot be right"),
        ("March 3, 1899", "The text gives 1899-03-03, before 1990, which cannot be right"),
    ],
)
def test_pasted_text_with_an_impossible_date_is_left_undated(outlet, date_line, note):
    record = article_import_from_content(
        content=pasted_text(date_line), requested="pasted text", source=outlet
    )
    assert record.status == ImportStatus.DONE, record.message
    # Not the banner's date above the headline either.
    assert record.article.published_at is None
    assert note in record.message


@pytest.mark.parametrize(
    "value",
    [
        "2023-02-30",
        "Thu, 30 Feb 2023 10:00:00 GMT",
        "30 février 2023",
        "1672531200",
        "March 2023",
        "yesterday",
        "March 24, 99999",
        "Fri, 24 Mar 99999 10:00:00 GMT",
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "Fri, 01 Jan 0099 00:00:00 +0000",
        "",
    ],
)
def test_what_is_no_date_reads_as_none(value):
    assert date_read(value) is None


def test_a_two_digit_year_in_a_feed_date_is_still_read():
    assert date_read("Tue, 7 Mar 23 11:08:00 +0000") == datetime.datetime(
        2023, 3, 7, 11, 8, tzinfo=datetime.UTC
    )
