import datetime

import pytest
from django.core.management import CommandError, call_command

from articles.models import (
    Article,
    ArticleCopy,
    ArticleStatus,
    ImportRecord,
    ImportStatus,
    Source,
    SourceKind,
    StoryFingerprint,
)
from articles.services.ingest import article_import_from_content, article_import_from_url
from tests.factories import SourceFactory
from tests.web import PAGES

pytestmark = pytest.mark.django_db

WP_PATH = "/2023/03/ottawa-widens-asylum-rules/"


def nothing_written():
    return not (Article.objects.exists() or ArticleCopy.objects.exists())


@pytest.fixture
def outlet(site):
    return SourceFactory(name="Northern Ledger", homepage=site.url("/"), language="en")


def test_a_wordpress_post_becomes_a_clean_draft(site, outlet, user):
    url = site.page(WP_PATH, "wordpress_post.html")
    record = article_import_from_url(url=url, user=user)
    assert record.status == ImportStatus.DONE, record.message
    article = record.article
    assert article.title == "Ottawa widens asylum rules at the border"
    assert (article.source, article.byline, article.language) == (outlet, "Priya Nandakumar", "en")
    assert article.published_at == datetime.datetime(2023, 3, 24, 22, 30, tzinfo=datetime.UTC)
    assert article.status == ArticleStatus.DRAFT and article.created_by == user
    assert article.url == url
    body = article.body
    for kept in (
        "<h2>What changes on Saturday</h2>",
        "<li>A fourteen-day window applies after crossing.</li>",
        "<blockquote><p>We are closing a loophole",
        '<a href="https://gov.example/notice" rel="nofollow noopener">technical amendment</a>',
        "<li>Officers will ask when a person crossed.</li>",
        "The minister is expected to appear before a Commons committee",
    ):
        assert kept in body
    for dropped in (
        "cookies",
        "Share on Facebook",
        "Share this",
        "Another border story",
        "Leave a Reply",
        "disgrace",
        "Something else",
        "All rights reserved",
        "Politics",
        "Ottawa widens asylum rules at the border",  # the headline is not repeated
    ):
        assert dropped not in body
    assert StoryFingerprint.objects.filter(article=article).exists()
    assert record.requested_by == user and record.finished_at


def test_metadata_from_json_ld_only(site):
    url = site.page("/2023/02/lawmakers", "jsonld_page.html")
    record = article_import_from_url(url=url)
    article = record.article
    assert article.title == "Lawmakers press for northern border numbers"
    assert article.byline == "Dana Whitfield"
    assert article.published_at == datetime.datetime(2023, 2, 9, 21, 20, tzinfo=datetime.UTC)
    assert "Finally someone is asking" not in article.body  # the comments
    assert article.body.count("<p>") == 7


def test_an_unknown_domain_creates_an_inactive_source(site):
    url = site.page("/national/story", "wire_local.html")
    record = article_import_from_url(url=url)
    source = record.article.source
    assert (source.name, source.is_active, source.domain) == ("Valley Courier", False, "127.0.0.1")
    assert "new and inactive" in record.message
    # The next page from that site finds the same source.
    other = site.page("/2023/02/lawmakers", "jsonld_page.html")
    assert article_import_from_url(url=other).article.source == source
    assert Source.objects.count() == 1


def test_a_wire_story_is_credited_to_the_wire_service(site):
    cp = SourceFactory(name="The Canadian Press", kind=SourceKind.WIRE)
    record = article_import_from_url(url=site.page("/national/story", "wire_local.html"))
    assert record.article.wire_service == cp
    assert record.article.byline == "The Canadian Press"


@pytest.mark.parametrize(
    "variant",
    [
        WP_PATH,
        WP_PATH + "?utm_source=newsletter&utm_medium=email",
        WP_PATH + "?fbclid=IwAR0abc",
        WP_PATH.rstrip("/"),
        WP_PATH + "amp/",
        WP_PATH + "#comments",
    ],
)
def test_one_page_imported_twice_is_one_article(site, outlet, variant):
    first = article_import_from_url(url=site.page(WP_PATH, "wordpress_post.html"))
    site.page(variant.split("?")[0].split("#")[0], "wordpress_post.html")
    again = article_import_from_url(url=site.url(variant))
    assert again.status == ImportStatus.DUPLICATE
    assert again.article == first.article
    assert "Already in Newsroom" in again.message
    assert Article.objects.count() == 1


def test_the_page_canonical_url_finds_the_duplicate(site, outlet):
    first = article_import_from_url(url=site.page(WP_PATH, "wordpress_post.html"))
    # The same page at a print address names its canonical URL.
    again = article_import_from_url(url=site.page("/print/12345", "wordpress_post.html"))
    assert (again.status, again.article) == (ImportStatus.DUPLICATE, first.article)


def test_a_redirect_to_a_known_page_is_a_duplicate(site, outlet):
    first = article_import_from_url(url=site.page(WP_PATH, "wordpress_post.html"))
    site.add("/s/abc", status=301, headers={"Location": WP_PATH})
    again = article_import_from_url(url=site.url("/s/abc"))
    assert (again.status, again.article) == (ImportStatus.DUPLICATE, first.article)


def pasted(name: str) -> str:
    return (PAGES / name).read_text()


def test_pasted_blog_text_keeps_the_story_and_drops_the_site(outlet):
    record = article_import_from_content(
        content=pasted("pasted_blog.txt"), requested="pasted text", source=outlet
    )
    assert record.status == ImportStatus.DONE, record.message
    article = record.article
    assert article.title == "Seasonal farm workers stuck at the border as permits run late"
    assert article.byline == "Rosa Delgado"
    assert article.published_at is None and "No publication date" in record.message
    body = article.body
    assert body.startswith("<p>Hundreds of seasonal farm workers")
    # The paragraph after the related-posts box is still there...
    assert "A spokesperson for the department said most applications" in body
    assert body.endswith("as it did during the pandemic.</p>")
    assert body.count("<p>") == 7
    # ...and nothing of the site is.
    for dropped in (
        "Related Posts",
        "About Rosa",
        "volunteers",
        "Recent Posts",
        "domestic",
        "cookies",
    ):
        assert dropped not in body


def test_pasted_wire_text_finds_headline_byline_date_and_story(outlet):
    cp = SourceFactory(name="The Canadian Press", kind=SourceKind.WIRE)
    record = article_import_from_content(
        content=pasted("pasted_wire.txt"), requested="pasted text", source=outlet
    )
    article = record.article
    assert article.title == "Montreal shelters turn away families as arrivals grow"
    assert article.byline == "Metro Desk, The Canadian Press"
    assert article.wire_service == cp
    # The banner's date is today's; the story's is under the headline.
    assert article.published_at.date() == datetime.date(2023, 9, 14)
    assert article.body.startswith("<p>MONTREAL - Shelters for asylum seekers")
    assert article.body.endswith("which could hold about forty people.</p>")
    for dropped in ("ADVT", "MORE National", "Snowfall", "Hospital", "November 8"):
        assert dropped not in article.body


def test_pasted_html_with_its_url(site):
    html = (PAGES / "wordpress_post.html").read_text().replace("{base}", "https://ledger.example")
    record = article_import_from_content(
        content=html, requested="pasted HTML", url="https://ledger.example/paywalled"
    )
    assert record.status == ImportStatus.DONE
    # The page's canonical URL on the same site is the one kept.
    assert record.article.url == "https://ledger.example/2023/03/ottawa-widens-asylum-rules/"
    assert record.article.source.domain == "ledger.example"


BAD_PAGES = [
    (
        "empty body",
        "<html><head><title>Nothing</title></head><body></body></html>",
        "no article text",
    ),
    (
        "only navigation",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "no article text",
    ),
    ("whitespace", "   \n  ", "empty"),
]


@pytest.mark.parametrize(("label", "html", "message"), BAD_PAGES, ids=[b[0] for b in BAD_PAGES])
def test_pages_without_an_article_fail_clearly(site, label, html, message):
    record = article_import_from_url(url=site.add("/bad", html))
    assert record.status == ImportStatus.FAILED
    assert message in record.message
    assert nothing_written()


def test_fetch_failures_end_as_failed_records(site, settings):
    settings.IMPORT_MAX_BYTES = 5_000
    site.add("/pdf", b"%PDF", headers={"Content-Type": "application/pdf"})
    site.add("/loop", status=302, headers={"Location": "/loop2"})
    site.add("/loop2", status=302, headers={"Location": "/loop"})
    site.add("/huge", b"<p>" + b"words " * 10_000)
    cases = {
        "/pdf": "a PDF document",
        "/loop": "loop",
        "/huge": "larger than",
        "/missing": "404",
    }
    for path, message in cases.items():
        record = article_import_from_url(url=site.url(path))
        assert record.status == ImportStatus.FAILED and message in record.message, path
    record = article_import_from_url(url="javascript:alert(1)")
    assert record.status == ImportStatus.FAILED and "http or https" in record.message
    assert nothing_written()
    assert ImportRecord.objects.filter(status=ImportStatus.FAILED).count() == 5


def test_malformed_and_truncated_html_gives_a_safe_draft(site):
    html = (PAGES / "wordpress_post.html").read_text().replace("{base}", site.base)
    truncated = html[: html.index("Refugee lawyers")]  # cut mid-document
    broken = truncated.replace("</p>", "").replace("<div", "<div <<>")
    record = article_import_from_url(url=site.add("/broken", broken))
    assert record.status == ImportStatus.DONE, record.message
    assert "The federal government said on Friday" in record.article.body
    assert "<div" not in record.article.body


def test_dates_far_in_the_future_are_left_empty(site):
    html = (
        (PAGES / "jsonld_page.html")
        .read_text()
        .replace("2023-02-09T16:20:00-05:00", "2091-01-01T10:00:00-05:00")
        .replace("2023-02-10T08:00:00-05:00", "2091-01-02T10:00:00-05:00")
    )
    record = article_import_from_url(url=site.add("/future", html))
    assert record.status == ImportStatus.DONE
    assert record.article.published_at is None
    assert "2091-01-01, in the future" in record.message


def test_control_characters_and_nul_never_reach_the_database(outlet):
    text = "Border\x00 crossing\x07 headline here\n\n" + "A sentence of the story goes on. " * 10
    record = article_import_from_content(content=text, requested="x\x00", source=outlet)
    assert record.status == ImportStatus.DONE
    assert record.article.title == "Border crossing headline here"
    assert "\x00" not in record.requested


def test_pasted_text_without_outlet_or_url_fails_clearly():
    record = article_import_from_content(content=pasted("pasted_blog.txt"), requested="text")
    assert record.status == ImportStatus.FAILED
    assert "choose the source" in record.message


# --- Commands ---------------------------------------------------------------------


def test_import_url_command_reports_created_duplicate_and_failure(site, outlet, capsys):
    url = site.page(WP_PATH, "wordpress_post.html")
    call_command("import_url", url)
    assert "created draft “Ottawa widens asylum rules at the border”" in capsys.readouterr().out
    call_command("import_url", url + "?utm_source=x")
    assert "skipped as a duplicate" in capsys.readouterr().out
    with pytest.raises(CommandError, match="failed"):
        call_command("import_url", site.url("/missing"))
    assert "404" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No source"):
        call_command("import_url", url, "--source", "nope")


def test_import_file_command_with_progress(tmp_path, outlet, capsys):
    (tmp_path / "a.txt").write_text(pasted("pasted_blog.txt"))
    (tmp_path / "b.html").write_bytes(
        (PAGES / "wordpress_post.html").read_text().replace("{base}", "https://l.example").encode()
    )
    (tmp_path / "empty.html").write_text("")
    with pytest.raises(CommandError, match="1 of 4 imports failed|2 of 4 imports failed"):
        call_command(
            "import_file",
            str(tmp_path / "a.txt"),
            str(tmp_path / "b.html"),
            str(tmp_path / "empty.html"),
            str(tmp_path / "missing.html"),
            "--source",
            outlet.slug,
        )
    out = capsys.readouterr().out
    assert "[1/4]" in out and "[4/4]" in out
    assert "created draft “Seasonal farm workers" in out
    assert "Cannot read the file" in out and "nothing to import" in out
    assert Article.objects.count() == 2
    with pytest.raises(CommandError, match="single file"):
        call_command("import_file", "a", "b", "--url", "https://x.example/")


def test_import_file_with_url(tmp_path, capsys):
    path = tmp_path / "story.txt"
    path.write_text(pasted("pasted_wire.txt"))
    call_command("import_file", str(path), "--url", "https://metro.example/news/shelters")
    article = Article.objects.get()
    assert article.url == "https://metro.example/news/shelters"
    assert article.source.domain == "metro.example"


# --- Admin --------------------------------------------------------------------------

IMPORT_URL = "/admin/articles/importrecord/import/"


def test_admin_import_page_from_url(editor_client, site, outlet):
    assert "Import an article" in editor_client.get(IMPORT_URL).text
    url = site.page(WP_PATH, "wordpress_post.html")
    response = editor_client.post(IMPORT_URL, {"url": url, "content": "", "source": ""})
    record = ImportRecord.objects.get()
    assert response.status_code == 302
    assert response.url == f"/admin/articles/importrecord/{record.pk}/change/"
    page = editor_client.get(response.url).text
    assert "Open the draft" in page and "Done" in page
    assert f"/admin/articles/article/{record.article_id}/change/" in page
    listing = editor_client.get("/admin/articles/importrecord/").text
    assert "Import an article" in listing and url in listing


def test_admin_import_page_with_pasted_text(editor_client, outlet):
    response = editor_client.post(
        IMPORT_URL, {"url": "", "content": pasted("pasted_wire.txt"), "source": outlet.pk}
    )
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.DONE and record.payload == ""
    assert record.article.title == "Montreal shelters turn away families as arrivals grow"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"url": "", "content": ""}, "Give the article"),
        ({"url": "ftp://x.example/a", "content": ""}, "Enter a valid URL|http or https"),
        ({"url": "", "content": "Some pasted words. " * 20}, "choose the outlet"),
    ],
)
def test_admin_import_form_errors(editor_client, data, error):
    response = editor_client.post(IMPORT_URL, {"source": "", **data})
    assert response.status_code == 200
    assert any(e in response.text for e in error.split("|"))
    assert not ImportRecord.objects.exists()


def test_failed_import_shows_its_message(editor_client, site):
    editor_client.post(IMPORT_URL, {"url": site.url("/missing"), "content": "", "source": ""})
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.FAILED
    page = editor_client.get(f"/admin/articles/importrecord/{record.pk}/change/").text
    assert "404 Not Found" in page


def test_import_page_needs_permission(client, user):
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code in (302, 403)


def test_records_cannot_be_added_or_edited_by_hand(editor_client):
    record = ImportRecord.objects.create(origin="url", requested="x", status=ImportStatus.FAILED)
    assert editor_client.get("/admin/articles/importrecord/add/").status_code == 403
    page = editor_client.get(f"/admin/articles/importrecord/{record.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text


def test_failed_imports_can_be_retried_from_the_list(editor_client, site, outlet):
    url = site.url(WP_PATH)
    editor_client.post(IMPORT_URL, {"url": url, "content": "", "source": ""})
    failed = ImportRecord.objects.get()
    assert failed.status == ImportStatus.FAILED  # the page was not there yet
    site.page(WP_PATH, "wordpress_post.html")
    response = editor_client.post(
        "/admin/articles/importrecord/",
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "1 import started again" in response.text
    # The same record ran again: the list has no stale "Failed" beside it.
    retried = ImportRecord.objects.get()
    assert retried.pk == failed.pk and retried.status == ImportStatus.DONE
    assert retried.attempts == 2 and retried.status_line == "Done (try 2)"


FRENCH_PAGE = """<html><head><title>Le chemin Roxham sera fermé samedi</title></head><body>
<article><h1>Le chemin Roxham sera fermé samedi</h1>
<p>Le gouvernement fédéral a confirmé vendredi que les demandeurs d'asile qui traversent la
frontière par le chemin Roxham pourront être renvoyés aux États-Unis dès samedi.</p>
<p>Les groupes d'aide aux réfugiés craignent que les familles choisissent des passages plus
isolés et plus dangereux, surtout pendant l'hiver, pour éviter d'être interceptées.</p>
<p>Le premier ministre du Québec a salué une décision qu'il réclamait depuis plus d'un an.</p>
</article></body></html>"""


def test_the_language_is_recognised_when_the_page_does_not_say(site):
    record = article_import_from_url(url=site.add("/fr", FRENCH_PAGE))
    assert record.status == ImportStatus.DONE, record.message
    assert record.article.language == "fr"
    assert record.article.title == "Le chemin Roxham sera fermé samedi"
