import gzip
import time

import pytest

from articles.services.fetch import FEED_TYPES, FetchError, content_decode, page_fetch

FRENCH = "Le café de la rue Saint-Denis, à Montréal, a rouvert ses portes après l'été, déjà."
PAGE = "<html><body><p>Bonjour, café déjà vu.</p></body></html>"


def test_fetch_follows_redirects_and_says_who_it_is(site, settings):
    site.add("/old", status=301, headers={"Location": "/new?utm_source=x"})
    site.add("/new", PAGE)
    fetched = page_fetch(url=site.url("/old"))
    assert fetched.url == site.url("/new")
    assert "café" in fetched.text()
    user_agents = {headers["User-Agent"] for _, headers in site.requests}
    assert user_agents == {settings.IMPORT_USER_AGENT}


def test_private_addresses_are_refused_by_default(site, settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    url = site.add("/page", PAGE)
    for address in (url, "http://localhost:9/", "http://[::1]:9/", "http://169.254.169.254/"):
        with pytest.raises(FetchError, match="does not fetch from"):
            page_fetch(url=address)
    assert site.requests == []


def test_a_redirect_to_a_private_address_is_refused(site, settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    # Only the first hop is checked by name here: the server is private too,
    # so the refusal comes before any request is sent.
    with pytest.raises(FetchError, match="loopback"):
        page_fetch(url="http://127.0.0.1:1/")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https(url):
    with pytest.raises(FetchError, match="http or https"):
        page_fetch(url=url)


def test_redirect_loop_and_too_many_redirects(site, settings):
    site.add("/a", status=302, headers={"Location": "/b"})
    site.add("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="loop"):
        page_fetch(url=site.url("/a"))
    settings.IMPORT_MAX_REDIRECTS = 2
    for n in range(5):
        site.add(f"/hop{n}", status=302, headers={"Location": f"/hop{n + 1}"})
    with pytest.raises(FetchError, match="more than 2 times"):
        page_fetch(url=site.url("/hop0"))


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "404 Not Found. Check the address"), (403, "paste the page"), (503, "Try again later")],
)
def test_http_errors_say_what_to_do(site, status, message):
    site.add("/x", "nope", status=status)
    with pytest.raises(FetchError, match=message):
        page_fetch(url=site.url("/x"))


@pytest.mark.parametrize(
    ("content_type", "described"),
    [
        ("application/pdf", "a PDF document"),
        ("image/png", "an image file"),
        ("video/mp4", "a video"),
    ],
)
def test_non_html_content_is_refused(site, content_type, described):
    site.add("/file", b"%PDF-1.4 ...", headers={"Content-Type": content_type})
    with pytest.raises(FetchError, match=f"returned {described}, not a web page"):
        page_fetch(url=site.url("/file"))


def test_feeds_are_fetched_with_their_own_types(site):
    site.add("/feed", "<rss/>", headers={"Content-Type": "application/rss+xml"})
    assert page_fetch(url=site.url("/feed"), accept=FEED_TYPES).content == b"<rss/>"
    with pytest.raises(FetchError, match="not a web page"):
        page_fetch(url=site.url("/feed"))


def test_huge_responses_are_cut_off(site, settings):
    settings.IMPORT_MAX_BYTES = 10_000
    site.add("/big", b"<p>" + b"x" * 50_000)
    with pytest.raises(FetchError, match="larger than"):
        page_fetch(url=site.url("/big"))

    def no_length(request):
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.send_header("Connection", "close")
        request.end_headers()
        for _ in range(100):
            request.wfile.write(b"<p>" + b"y" * 1000)
        request.close_connection = True

    site.add("/stream", handler=no_length)
    with pytest.raises(FetchError, match="larger than"):
        page_fetch(url=site.url("/stream"))


def test_a_compression_bomb_is_stopped_at_the_cap(site, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    bomb = gzip.compress(b"<p>" + b"0" * 20_000_000)
    site.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="larger than"):
        page_fetch(url=site.url("/bomb"))
    site.add("/ok", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    assert "café" in page_fetch(url=site.url("/ok")).text()


def test_slow_servers_time_out(site, settings):
    settings.IMPORT_TIMEOUT = 0.5

    def silent(request):
        time.sleep(1.5)

    def trickle(request):
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.send_header("Content-Length", "100")
        request.end_headers()
        for _ in range(15):
            request.wfile.write(b"x")
            request.wfile.flush()
            time.sleep(0.1)

    site.add("/silent", handler=silent)
    site.add("/trickle", handler=trickle)
    for path in ("/silent", "/trickle"):
        started = time.monotonic()
        with pytest.raises(FetchError, match="longer than 0.5 seconds"):
            page_fetch(url=site.url(path))
        assert time.monotonic() - started < 1.2


def test_conditional_get_returns_not_modified(site):
    def conditional(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return request.reply(304, b"", {})
        return request.reply(200, b"<rss/>", {"ETag": '"v1"', "Content-Type": "text/xml"})

    site.add("/feed", handler=conditional)
    first = page_fetch(url=site.url("/feed"), accept=FEED_TYPES)
    assert first.headers["etag"] == '"v1"'
    again = page_fetch(url=site.url("/feed"), accept=FEED_TYPES, etag='"v1"')
    assert again.not_modified and again.content == b""


@pytest.mark.parametrize(
    ("content", "declared", "expected"),
    [
        ("café".encode(), "iso-8859-1", "café"),  # declared Latin-1, written in UTF-8
        (FRENCH.encode("latin-1"), "utf-8", FRENCH),  # declared UTF-8, written in Latin-1
        (FRENCH.encode("latin-1"), "", FRENCH),  # no charset at all
        ('<meta charset="windows-1252"><p>“quoted”</p>'.encode("cp1252"), "", "“quoted”"),
        ("café".encode("utf-16"), "", "café"),  # byte-order mark
        ("café".encode(), "no-such-charset", "café"),  # unknown charset name
    ],
)
def test_charsets_wrong_missing_or_unknown(content, declared, expected):
    assert expected in content_decode(content=content, declared=declared)


def test_a_page_in_a_declared_charset(site):
    body = "<html><head><title>t</title></head><body><p>Québec à l’écoute</p></body></html>"
    site.add(
        "/latin", body.encode("cp1252"), headers={"Content-Type": "text/html; charset=windows-1252"}
    )
    assert "Québec à l’écoute" in page_fetch(url=site.url("/latin")).text()


def test_chunked_responses_and_missing_content_type(site):
    def chunked(request):
        request.send_response(200)
        request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        for part in (b"<html><body><p>Chunked ", b"page with caf\xc3\xa9.</p></body></html>"):
            request.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        request.wfile.write(b"0\r\n\r\n")

    site.add("/chunked", handler=chunked)
    fetched = page_fetch(url=site.url("/chunked"))
    assert fetched.content_type == ""
    assert "Chunked page with café." in fetched.text()
