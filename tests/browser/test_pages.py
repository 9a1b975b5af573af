"""The reader pages, and the page that says a login is locked, as Chromium
shows them, pass axe-core and the Nu HTML Checker."""

import pytest

from articles.demo import demo_load
from articles.models import Tag
from tests.browser.checkers import format_html_errors, format_violations
from tests.factories import ArticleFactory

# The demo's richest story: a body with a quotation, an editor's note, eight tags.
STORY = "/articles/canada-is-set-to-share-us-load-of-massive-migrants-influx-from-central-america/"

READER_PAGES = [
    "/",
    "/?q=border&tag=asylum&published_after=2020-01-01",
    STORY,
    "/tags/",
    "/tags/asylum/",
    "/sources/",
    "/sources/darpan/",
]


@pytest.fixture
def demo():
    """The demo dataset, with enough recent stories on asylum that the list and
    the tag page have a second page."""
    demo_load()
    asylum = Tag.objects.get(slug="asylum")
    ArticleFactory.create_batch(21, tags=[asylum], summary="Asylum at the border, in brief.")


@pytest.mark.parametrize("path", READER_PAGES)
def test_page_has_no_serious_accessibility_violations(page, axe, demo, path):
    response = page.goto(path)
    assert response.status == 200
    violations = axe(page)
    assert not violations, f"axe-core on {path}:\n{format_violations(violations)}"


@pytest.mark.parametrize("path", READER_PAGES)
def test_page_markup_has_no_errors(page, vnu, demo, path):
    response = page.goto(path)
    assert response.status == 200
    errors = vnu(response.text())
    assert not errors, f"Nu HTML Checker on {path}:\n{format_html_errors(errors)}"


def test_the_lockout_page_passes_both_checkers(browser, live_server, axe, vnu, demo):
    # A page of its own: Chromium logs the expected 429 as a console error,
    # which the `page` fixture would take for a fault.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    for _ in range(5):
        page.goto("/admin/login/")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("not the password")
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Log in").click()
    response = navigation.value
    assert response.status == 429
    violations = axe(page)
    errors = vnu(response.text())
    context.close()
    assert not violations, f"axe-core on the lockout page:\n{format_violations(violations)}"
    assert not errors, f"Nu HTML Checker on the lockout page:\n{format_html_errors(errors)}"
