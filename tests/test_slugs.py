"""Slugs that never clash: `unique_slug` (articles/models.py), as imports use it."""

import pytest

from articles.models import Article, ImportStatus
from articles.services.ingest import article_import_from_content
from tests.story_variants import STORIES

pytestmark = pytest.mark.django_db


def test_articles_under_one_long_headline_each_get_a_slug_of_their_own(site):
    """A headline past the slug's length is cut to make room for "-2", "-3":
    the third article once took the second's slug and failed to save."""
    headline = "Ottawa and Washington agree on new rules for the northern border " * 5
    for number, story in enumerate(sorted(STORIES.glob("*.txt")), start=1):
        record = article_import_from_content(
            content=f"<html><head><title>{headline}</title></head><body><article>"
            f"<h1>{headline}</h1>"
            + "".join(f"<p>{p}</p>" for p in story.read_text().split("\n\n") if p.strip())
            + "</article></body></html>",
            requested=f"story {number}",
            url=site.url(f"/{number}"),
        )
        assert record.status == ImportStatus.DONE, record.message
    slugs = list(Article.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == len(slugs) == 4
    assert all(len(slug) <= 200 for slug in slugs)
