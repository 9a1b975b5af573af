"""Hostile HTML through every field, rendered by every page that shows it.

Each payload of tests/hostile/xss_payloads.py goes into an article's headline,
byline, summary, body and editor's note, and into the name and description of
a tag and of a source. Chromium then opens the public pages and the admin pages
that show them. No script may run (dialogs, the hooked alert family and a
changed document title all count), and no element may carry an event-handler
attribute or a script URL.
"""

import random
from xml.sax.saxutils import escape as xml_escape

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser

from articles.models import Article, ArticleStatus, ImportStatus, Source, Tag
from articles.services.feeds import feed_poll
from articles.services.ingest import article_import_from_content
from tests.hostile.xss_payloads import PAYLOADS

# Replaces the functions a payload would call, before any page script runs.
HOOKS = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(name + "(" + args.join(",") + ")"); };
}
"""

# Every element with an on* attribute, a srcdoc, or a URL attribute that the
# browser would resolve to script (parsed as the browser parses it).
LIVE_CODE = """
() => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href"];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name === "srcdoc") found.push(el.tagName + " " + name);
      if (urlAttributes.includes(name)) {
        let protocol = "";
        try { protocol = new URL(attr.value, document.baseURI).protocol; } catch (e) {}
        if (["javascript:", "vbscript:"].includes(protocol)
            || (protocol === "data:" && el.tagName !== "IMG")) {
          found.push(el.tagName + " " + name + "=" + attr.value.slice(0, 60));
        }
      }
    }
  }
  return found;
}
"""

# Descriptions and aliases of tags and sources are shown one object a page, so
# they carry the payloads in a few groups instead of one page each.
GROUPS = 6


def _plain(text: str, limit: int) -> str:
    # PostgreSQL stores no NUL; a form refuses it (tested in test_admin).
    return text.replace("\x00", "")[:limit]


@pytest.fixture
def hostile(transactional_db):
    """An article a payload, with the payload in every field; tags and sources
    named after it; and a few tags and sources describing all of them."""
    articles = []
    for n, payload in enumerate(PAYLOADS):
        source = Source.objects.create(
            name=_plain(f"{payload} #{n}", 200), slug=f"hostile-source-{n}"
        )
        tag = Tag.objects.create(name=_plain(f"#{n} {payload}", 100), slug=f"hostile-tag-{n}")
        article = Article.objects.create(
            title=_plain(f"{payload} #{n}", 300),
            slug=f"hostile-{n}",
            source=source,
            byline=_plain(payload, 300),
            summary=_plain(f"alert {payload}", 10_000),
            body=payload,
            editor_note=_plain(payload, 10_000),
            status=ArticleStatus.PUBLISHED,
        )
        article.tags.add(tag)
        articles.append(article)
    for group in range(GROUPS):
        payloads = PAYLOADS[group::GROUPS]
        text = _plain("\n".join(payloads), 100_000)
        tag = Tag.objects.create(
            name=f"Described {group}", slug=f"described-{group}", description=text, aliases=text
        )
        source = Source.objects.create(
            name=f"Described {group}", slug=f"described-{group}", description=text
        )
        # A tag or an outlet has a public page only once a public article has it.
        Article.objects.create(
            title=f"Described {group}",
            slug=f"described-{group}",
            source=source,
            status=ArticleStatus.PUBLISHED,
        ).tags.add(tag)
    return articles


@pytest.fixture
def visit(browser: Browser, live_server):
    """Opens paths in one context (optionally logged in) and reports any script run."""
    contexts = []

    def open_context(*, session_cookie: str | None = None):
        # Without the Content-Security-Policy, which would block most payloads
        # by itself: this proves the escaping and the sanitizer stop them alone
        # (tests/browser/test_csp.py proves the policy).
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        context.set_default_timeout(15_000)
        context.add_init_script(HOOKS)
        if session_cookie:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_cookie,
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        contexts.append(context)

        def check(path: str) -> list[str]:
            response = page.goto(path, wait_until="load")
            assert response is not None and response.status == 200, (path, response.status)
            problems = [f"dialog: {message}" for message in dialogs]
            problems += page.evaluate("window.__xss || []")
            if page.title() == "pwned":
                problems.append("document.title was set by a script")
            problems += page.evaluate(LIVE_CODE)
            dialogs.clear()
            return [f"{path}: {problem}" for problem in problems]

        return check

    yield open_context
    for context in contexts:
        context.close()


# Imported pages and feed entries carry PER_ITEM payloads each, in every place
# an extractor reads: title, author, byline, headings, paragraphs, links.
PER_ITEM = 10

# fmt: off
_WORDS = [
    "border", "asylum", "claim", "crossing", "officer", "minister", "province", "agreement",
    "migrant", "refugee", "court", "ruling", "shelter", "family", "winter", "road", "port",
    "entry", "policy", "federal", "hearing", "report", "council", "budget", "agency",
    "lawyer", "appeal", "statement", "interview", "week", "month", "figure",
]
# fmt: on


def _prose(seed: int, words: int = 30) -> str:
    # Different words each time, so that the same-story check sees different stories.
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _groups():
    for start in range(0, len(PAYLOADS), PER_ITEM):
        yield start // PER_ITEM, PAYLOADS[start : start + PER_ITEM]


def _hostile_page(n: int, payloads: list[str]) -> str:
    first, second, third, *rest = payloads + ["", "", ""]
    paragraphs = "".join(
        f"<p>{_prose(n * 100 + i)} {payload} {_prose(n * 100 + 50 + i)}</p>"
        for i, payload in enumerate(rest)
    )
    return (
        f"<!doctype html><html lang='en'><head><title>{first} Border story {n}</title>"
        f'<meta name="author" content="{second}"><meta property="og:title" content="{first}">'
        f"</head><body><nav>{second}</nav><article><h1>{first} Border story {n}</h1>"
        f"<p class='byline'>By {third}</p><h2>{second}</h2>{paragraphs}"
        f"<p>{_prose(n * 100 + 99, 60)}</p></article></body></html>"
    )


def _hostile_feed(items: list[tuple[int, list[str]]], link) -> str:
    entries = []
    for n, payloads in items:
        first, second, *rest = payloads + ["", ""]
        body = "".join(
            f"<p>{_prose(n * 1000 + i)} {p} {_prose(n * 1000 + 70 + i)}</p>"
            for i, p in enumerate(rest)
        )
        body += f"<p>{_prose(n * 1000 + 999, 60)}</p>"
        entries.append(
            f"<item><title>{xml_escape(first)} Feed story {n}</title>"
            f"<link>{link(n)}</link><guid>{link(n)}</guid>"
            f"<author>{xml_escape(second)}</author>"
            f"<description>{xml_escape(first + ' ' + second)}</description>"
            f"<content:encoded><![CDATA[{body.replace(']]>', '')}]]></content:encoded>"
            "<pubDate>Tue, 07 Mar 2023 16:08:00 GMT</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<title>Hostile feed</title><link>http://127.0.0.1/</link><description>x</description>"
        + "".join(entries)
        + "</channel></rss>"
    )


@pytest.fixture
def imported(transactional_db, site):
    """Drafts made by importing hostile pages and a hostile feed, then published."""
    editor = get_user_model().objects.create_superuser("importer", password="unused-pass-2")
    source = Source.objects.create(name="Hostile outlet", slug="hostile-outlet")
    pages = list(_groups())
    for n, payloads in pages:
        record = article_import_from_content(
            content=_hostile_page(n, payloads),
            requested=f"hostile page {n}",
            url=f"https://hostile.example/page-{n}",
            source=source,
            user=editor,
        )
        # A page a payload wrecks (<plaintext> makes the rest text) may fail,
        # but only with a message an editor can act on.
        assert record.status in (ImportStatus.DONE, ImportStatus.FAILED)
        assert record.status == ImportStatus.DONE or record.message
    feed_source = Source.objects.create(
        name="Hostile feed outlet", slug="hostile-feed", feed_url=site.url("/hostile.xml")
    )
    site.add(
        "/hostile.xml",
        _hostile_feed(list(_groups()), lambda n: site.url(f"/e/{n}")),
        headers={"Content-Type": "application/rss+xml"},
    )
    result = feed_poll(source=feed_source, user=editor)
    assert not result.error, result.error
    articles = list(Article.objects.filter(source__in=[source, feed_source]))
    from_pages = [a for a in articles if a.source == source]
    from_feed = [a for a in articles if a.source == feed_source]
    assert len(from_pages) >= len(pages) - 2, [a.title for a in from_pages]
    assert len(from_feed) >= len(pages) - 2, result
    for article in articles:
        article.transition(ArticleStatus.PUBLISHED, user=editor)
    return articles


def _assert_none(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} script(s) could run:\n" + "\n".join(problems[:40])


def test_payloads_never_run_on_public_pages(hostile, visit):
    check = visit()
    pages = (len(hostile) + 19) // 20
    paths = [f"/?page={n}" for n in range(1, pages + 1)]
    paths += ["/?q=alert", "/?q=alert&page=2", "/?q=script", "/sources/", "/tags/"]
    paths += [article.get_absolute_url() for article in hostile]
    paths += [f"/tags/hostile-tag-{n}/" for n in (0, 50, 100)]
    paths += [f"/sources/hostile-source-{n}/" for n in (0, 50, 100)]
    paths += [f"/tags/described-{group}/" for group in range(GROUPS)]
    paths += [f"/sources/described-{group}/" for group in range(GROUPS)]
    problems = []
    for path in paths:
        problems += check(path)
    _assert_none(problems)


def test_payloads_never_run_in_the_admin(hostile, visit):
    editor = get_user_model().objects.create_superuser("xss-editor", password="unused-pass-1")
    client = Client()
    client.force_login(editor)
    check = visit(session_cookie=client.cookies[settings.SESSION_COOKIE_NAME].value)
    paths = [
        "/admin/articles/article/",
        "/admin/articles/article/?p=2",
        "/admin/articles/article/?p=3",
        "/admin/articles/article/?q=alert",
        "/admin/articles/source/",
        "/admin/articles/source/?p=2",
        "/admin/articles/tag/",
        "/admin/articles/tag/?p=2",
    ]
    paths += [f"/admin/articles/article/{article.pk}/change/" for article in hostile]
    described = Source.objects.filter(slug__startswith="described-")
    paths += [f"/admin/articles/source/{source.pk}/change/" for source in described]
    described = Tag.objects.filter(slug__startswith="described-")
    paths += [f"/admin/articles/tag/{tag.pk}/change/" for tag in described]
    problems = []
    for path in paths:
        problems += check(path)
    _assert_none(problems)


@pytest.mark.parametrize("path", ["/feed/rss/", "/feed/atom/"])
def test_feeds_carry_payloads_as_inert_text(hostile, visit, client, path):
    response = client.get(path)
    assert response["Content-Type"].startswith(("application/rss+xml", "application/atom+xml"))
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert "<script" not in body and "<img" not in body
    _assert_none(visit()(path))


@pytest.mark.parametrize("path", ["/export.csv", "/export.json"])
def test_exports_are_downloads_never_pages(hostile, client, path):
    response = client.get(path)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Type"].startswith("text/html")


def test_imported_payloads_never_run_anywhere(imported, visit):
    editor = get_user_model().objects.get(username="importer")
    client = Client()
    client.force_login(editor)
    public = visit()
    admin = visit(session_cookie=client.cookies[settings.SESSION_COOKIE_NAME].value)
    problems = []
    for path in [
        "/",
        "/?page=2",
        "/?q=story",
        "/sources/hostile-outlet/",
        "/sources/hostile-feed/",
    ]:
        problems += public(path)
    for article in imported:
        problems += public(article.get_absolute_url())
        problems += admin(f"/admin/articles/article/{article.pk}/change/")
    for path in ["/admin/articles/article/", "/admin/articles/importrecord/"]:
        problems += admin(path)
    _assert_none(problems)
