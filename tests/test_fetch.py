import gzip
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from articles.models import ImportStatus
from articles.services.fetch import (
    FEED_TYPES,
    FetchError,
    _refuse_address,
    content_decode,
    page_fetch,
)
from articles.services.ingest import article_import_from_url
from tests.web import FRAMINGS, PAGES, Stall, python_http_server

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


# Addresses no import may reach, with why, as an editor reads it. The IPv6
# forms that carry an IPv4 address are judged by that address too.
NOT_PUBLIC = [
    ("127.0.0.1", "loopback"),
    ("127.1.2.3", "loopback"),
    ("0.0.0.0", "private"),  # this machine, on Linux
    ("10.1.2.3", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("100.64.0.1", "not on the public internet"),  # carrier-grade NAT
    ("192.0.2.1", "private"),  # documentation
    ("224.0.0.1", "not on the public internet"),  # multicast
    ("255.255.255.255", "private"),
    ("::1", "loopback"),
    ("::", "private"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("ff02::1", "not on the public internet"),  # link-local multicast
    ("ff0e::1", "not on the public internet"),  # global multicast
    ("2001:db8::1", "private"),
    ("::ffff:127.0.0.1", "(this machine), 127.0.0.1 inside an IPv6 address"),  # IPv4-mapped
    ("::ffff:a9fe:a9fe", "link-local address, 169.254.169.254 inside an IPv6 address"),
    ("::7f00:1", "(this machine), 127.0.0.1 inside an IPv6 address"),  # IPv4-compatible
    ("::a00:1", "private network address, 10.0.0.1 inside"),
    ("::ffff:0:7f00:1", "(this machine), 127.0.0.1 inside an IPv6 address"),  # IPv4-translated
    ("::ffff:0:c0a8:101", "private network address, 192.168.1.1 inside"),
    ("64:ff9b::7f00:1", "(this machine), 127.0.0.1 inside an IPv6 address"),  # NAT64
    ("64:ff9b::a9fe:a9fe", "link-local address, 169.254.169.254 inside"),
    ("64:ff9b::a00:1", "private network address, 10.0.0.1 inside"),
    ("64:ff9b:1::808:808", "private"),  # local-use NAT64: the operator's own
    ("64:ff9b:1:7f00:1::", "private"),
    ("2002:7f00:1::1", "(this machine), 127.0.0.1 inside an IPv6 address"),  # 6to4
    ("2002:a9fe:a9fe::", "link-local address, 169.254.169.254 inside"),
    ("2002:808:808::1", "private"),  # 6to4 is not globally routed any more
    # Teredo, whose client address is stored inverted (XOR): here 127.0.0.1.
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "(this machine), 127.0.0.1 inside"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),
]
# Public addresses, including NAT64 of a public IPv4 address: an IPv6-only
# host behind DNS64 reaches every IPv4-only site that way, and the gateway
# delivers to the public address written in it.
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "64:ff9b::1.1.1.1",
]


@pytest.mark.parametrize(("address", "reason"), NOT_PUBLIC)
def test_addresses_off_the_public_internet_are_refused(site, settings, address, reason):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError, match=f"does not fetch from .*: it is .*{re.escape(reason)}"):
        page_fetch(url=f"http://{host}:{site.server.server_port}/")
    assert site.requests == []


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(settings, address):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    assert _refuse_address(address) is None


def test_a_zone_on_a_link_local_address_does_not_hide_it(settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    assert _refuse_address("fe80::1%eth0") == "a link-local address"


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


@pytest.mark.parametrize("where", ["headers", "chunk sizes"])
def test_a_server_trickling_bytes_outside_the_body_still_times_out(site, settings, where):
    """Each byte comes well within the time limit, but they never end: the limit
    is on the whole fetch, so the fetch gives up while the server still sends."""
    settings.IMPORT_TIMEOUT = 0.5
    outcome, done = [], threading.Event()

    def trickle(request):
        request.send_response(200)
        if where == "chunk sizes":
            request.send_header("Transfer-Encoding", "chunked")
            request.end_headers()
        request.flush_headers()
        line = b"X-Slow: " if where == "headers" else b"1"  # a chunk size: 0x111...
        try:
            for _ in range(600):  # 30 seconds
                request.wfile.write(line[:1])
                line = line[1:] or b"1"
                time.sleep(0.05)
            outcome.append("sent it all")
        except OSError:
            outcome.append("the fetch hung up")
        request.close_connection = True
        done.set()

    site.add("/trickle", handler=trickle)
    with pytest.raises(FetchError, match="longer than 0.5 seconds"):
        page_fetch(url=site.url("/trickle"))
    assert done.wait(timeout=60)
    assert outcome == ["the fetch hung up"]


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


# --- Every way a server frames a page and ends its connection -----------------


@pytest.mark.parametrize("framing", FRAMINGS)
def test_a_page_arrives_whole_however_the_server_frames_it(site, framing):
    site.add("/page", PAGE, framing=framing)
    fetched = page_fetch(url=site.url("/page"))
    assert fetched.text() == PAGE


@pytest.mark.parametrize("framing", FRAMINGS)
def test_a_compressed_page_arrives_whole_however_the_server_frames_it(site, framing):
    body = gzip.compress(PAGE.encode())
    site.add("/page", body, headers={"Content-Encoding": "gzip"}, framing=framing)
    assert page_fetch(url=site.url("/page")).text() == PAGE


@pytest.mark.parametrize("framing", FRAMINGS)
def test_a_server_that_stalls_mid_page_is_waited_for(site, settings, framing):
    settings.IMPORT_TIMEOUT = 60  # the stall ends when the test says, well within it
    stall = Stall()
    site.add("/slow", PAGE, framing=framing, stall=stall)
    with ThreadPoolExecutor(max_workers=1) as pool:
        fetching = pool.submit(page_fetch, url=site.url("/slow"))
        assert stall.reached.wait(timeout=30)
        assert not fetching.done()
        stall.released.set()
        assert fetching.result(timeout=30).text() == PAGE


# Without a length, chunks or compression, a page cut short looks complete:
# "eof" cannot be told apart and is left out.
@pytest.mark.parametrize("framing", ["keep-alive", "close", "chunked", "http/1.0"])
def test_a_server_that_hangs_up_mid_page_is_an_error(site, framing):
    site.add("/cut", PAGE, framing=framing, cut=20)
    with pytest.raises(FetchError, match="closed the connection before the page was complete"):
        page_fetch(url=site.url("/cut"))


@pytest.mark.parametrize("framing", FRAMINGS)
def test_a_compressed_page_cut_short_is_an_error(site, framing):
    body = gzip.compress(PAGE.encode() * 50)
    site.add(
        "/cut", body, headers={"Content-Encoding": "gzip"}, framing=framing, cut=len(body) // 2
    )
    with pytest.raises(FetchError, match="closed the connection before the page was complete"):
        page_fetch(url=site.url("/cut"))


@pytest.mark.django_db
def test_an_editor_imports_a_page_from_python_s_own_web_server(tmp_path):
    with python_http_server(tmp_path) as base:
        page = (PAGES / "wordpress_post.html").read_text().replace("{base}", base)
        (tmp_path / "asylum.html").write_text(page)
        record = article_import_from_url(url=f"{base}/asylum.html")
    assert record.status == ImportStatus.DONE, record.message
    assert record.article.title == "Ottawa widens asylum rules at the border"
    assert "The minister is expected to appear" in record.article.body


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("/actualités/été", "/actualit%C3%A9s/%C3%A9t%C3%A9"),  # as French sites write them
        ("/my page", "/my%20page"),
        ("/déjà%20vu", "/d%C3%A9j%C3%A0%20vu"),  # an escape already there stays as it is
    ],
)
def test_an_address_written_as_a_reader_sees_it_is_sent_escaped(site, written, sent):
    site.add(sent, PAGE)
    assert "café" in page_fetch(url=site.url(written)).text()
    assert site.requests[-1][0] == sent


def test_a_redirect_to_an_address_in_raw_utf_8_is_followed(site):
    """Servers that send the new address unescaped send it in UTF-8."""

    def redirect(request):
        request.wfile.write(
            "HTTP/1.1 301 Moved\r\nLocation: /actualités\r\nContent-Length: 0\r\n\r\n".encode()
        )

    site.add("/old", handler=redirect)
    site.add("/actualit%C3%A9s", PAGE)
    assert page_fetch(url=site.url("/old")).url == site.url("/actualités")
