"""The reader pages, as Chromium shows them, pass axe-core and the Nu HTML Checker."""

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
