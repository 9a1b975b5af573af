"""Addresses a page or a feed names pass the same rule as a fetch before
Newsroom stores them, makes an outlet from them or follows them: http(s)
only, nothing on loopback, private, link-local or metadata networks."""

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, ImportRecord, ImportStatus, Source
from articles.services.addresses import RefusedAddress, links_checked, url_declared
from articles.services.feeds import feed_poll
from articles.services.ingest import article_import_from_content
from tests.factories import SourceFactory
from tests.ingest_pages import FEED_TYPE, item, page, rss

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_refused(settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False


REFUSED = [
    ("http://127.0.0.1:8000/story", "127.0.0.1 is a loopback address"),
    ("http://[::1]/story", "::1 is a loopback address"),
    ("http://10.1.2.3/story", "10.1.2.3 is a private network address"),
    ("https://192.168.0.1/router", "192.168.0.1 is a private network address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://2130706433/", "is a loopback address"),  # 127.0.0.1 as one number
    ("http://0x7f.1/", "is a loopback address"),
    ("http://127.1/", "is a loopback address"),
    ("http://0.0.0.0/", "0.0.0.0 is "),
    ("http://localhost:8000/", "localhost is a name that only means something inside"),
    ("http://admin.localhost/", "admin.localhost is a name"),
    ("http://printer.local/", "printer.local is a name"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a"),
    ("http://intranet/", "intranet is a name"),
    ("javascript:alert(1)", "it is a javascript: address, not http or https"),
    ("file:///etc/passwd", "it is a file: address"),
    ("ftp://files.example/story", "it is a ftp: address"),
    ("/relative/story", "it is not a whole address"),
    ("http://", "it is not a valid address"),
]


@pytest.mark.parametrize(("url", "why"), REFUSED, ids=[r[0] for r in REFUSED])
def test_addresses_a_page_may_not_name(private_refused, url, why):
    with pytest.raises(RefusedAddress, match=why.replace("(", r"\(")):
        url_declared(url)


def test_public_addresses_pass_and_the_setting_opens_private_ones(settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    assert url_declared("https://Ledger.example/story?utm_source=x") == (
        "https://ledger.example/story"
    )
    assert url_declared("http://93.184.216.34/story") == "http://93.184.216.34/story"
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = True
    assert url_declared("http://127.0.0.1:8000/story") == "http://127.0.0.1:8000/story"
    with pytest.raises(RefusedAddress):
        url_declared("javascript:alert(1)")


def test_a_dropped_link_keeps_its_words_and_their_escaping(private_refused):
    body, note = links_checked('a &lt; b <a href="http://127.0.0.1/x">x &amp; y</a> z<p>p</p>')
    assert body == "a &lt; b x &amp; y z<p>p</p>"
    assert note.startswith("1 link in the text went to addresses Newsroom does not link to")
    assert links_checked('<p><a href="mailto:desk@ledger.example">desk</a></p>')[1] == ""


# --- Pages imported without their address ------------------------------------------

BODY_LINKS = (
    '<p>The <a href="/notices/asylum">notice</a> and the '
    '<a href="http://192.168.0.1/admin">router page</a> and the '
    '<a href="https://gov.example/notice">minister\'s statement</a> were cited.</p>'
)
DECLARATIONS = [
    ("canonical", '<link rel="canonical" href="http://127.0.0.1:8000/story">', "127.0.0.1"),
    ("og:url", '<meta property="og:url" content="http://169.254.169.254/story">', "169.254"),
    ("base", '<base href="http://10.0.0.7/news/">', "10.0.0.7"),
    (
        "alternate",
        '<link rel="alternate" hreflang="x-default" href="http://newsroom.internal/story">',
        "newsroom.internal",
    ),
]


@pytest.mark.parametrize(
    ("head", "host"), [d[1:] for d in DECLARATIONS], ids=[d[0] for d in DECLARATIONS]
)
def test_a_pasted_page_naming_an_internal_address_makes_no_outlet(private_refused, head, host):
    record = article_import_from_content(
        content=page(head=head, top=BODY_LINKS), requested="pasted HTML"
    )
    assert record.status == ImportStatus.FAILED
    assert "The page gives its address as http://" in record.message
    assert f"{host}" in record.message and "which Newsroom does not use" in record.message
    assert "choose the source" in record.message
    assert not Source.objects.exists() and not Article.objects.exists()


@pytest.mark.parametrize(
    ("head", "host"), [d[1:] for d in DECLARATIONS], ids=[d[0] for d in DECLARATIONS]
)
def test_with_its_outlet_chosen_the_page_keeps_no_internal_address(private_refused, head, host):
    outlet = SourceFactory(homepage="https://ledger.example/")
    record = article_import_from_content(
        content=page(head=head, top=BODY_LINKS), requested="pasted HTML", source=outlet
    )
    assert record.status == ImportStatus.DONE, record.message
    article = record.article
    assert (article.url, article.source) == ("", outlet)
    assert host in record.message
    # No link in the text points inside a network, nor relative to one.
    assert "192.168" not in article.body and host not in article.body
    assert "notice</a>" not in article.body and "The notice and the router page" in article.body
    assert '<a href="https://gov.example/notice"' in article.body
    assert "2 links in the text went to addresses Newsroom does not link to" in record.message
    assert Source.objects.count() == 1


def test_a_page_with_a_public_canonical_address_is_unchanged(private_refused):
    head = '<link rel="canonical" href="https://ledger.example/2023/story">'
    record = article_import_from_content(
        content=page(head=head, top=BODY_LINKS), requested="pasted HTML"
    )
    assert record.status == ImportStatus.DONE, record.message
    assert record.article.url == "https://ledger.example/2023/story"
    assert record.article.source.domain == "ledger.example"
    # Relative links resolve against the page's own public address.
    assert '<a href="https://ledger.example/notices/asylum"' in record.article.body
    assert "1 link in the text went to" in record.message


def test_import_file_without_url_refuses_a_loopback_canonical(private_refused, tmp_path, capsys):
    path = tmp_path / "story.html"
    path.write_text(page(head='<link rel="canonical" href="http://localhost:8000/story">'))
    with pytest.raises(CommandError):
        call_command("import_file", str(path))
    out = capsys.readouterr().out
    assert "http://localhost:8000/story, which Newsroom does not use: localhost is a name" in out
    assert not Source.objects.exists()


# --- Feed entries ------------------------------------------------------------------------


@pytest.fixture
def ledger(site):
    return SourceFactory(name="Ledger", homepage=site.url("/"), feed_url=site.url("/feed"))


def test_an_entry_linking_to_javascript_does_not_fall_back_to_its_id(site, ledger):
    site.add("/from-guid", page(title="The page the id names", seed=3))
    site.add(
        "/feed",
        rss(
            item("Teaser", link="javascript:alert(1)", guid=site.url("/from-guid"), text="Hi."),
            item("Whole", link="javascript:alert(2)", guid=site.url("/from-guid"), seed=4),
            item("Old scheme", link="gopher://ledger.example/1", text="Hi."),
        ),
        headers=FEED_TYPE,
    )
    feed_poll(source=ledger)
    assert "/from-guid" not in [path for path, _ in site.requests]
    teaser = ImportRecord.objects.get(requested__endswith="Teaser")
    assert teaser.status == ImportStatus.FAILED and teaser.url == ""
    assert (
        "The feed entry “Teaser” links to javascript:alert(1), which Newsroom does not follow: "
        "it is a javascript: address, not http or https, and has too little text"
    ) in teaser.message
    assert "Import page" in teaser.message
    whole = ImportRecord.objects.get(requested__endswith="Whole")
    assert whole.status == ImportStatus.DONE, whole.message
    assert whole.article.url == "" and whole.url == ""
    assert "links to javascript:alert(2)" in whole.message
    assert "imported from the feed's own text" in whole.message
    gopher = ImportRecord.objects.get(requested__endswith="Old scheme")
    assert "it is a gopher: address" in gopher.message
    assert Article.objects.count() == 1
