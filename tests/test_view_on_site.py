"""The admin's "View on site" redirect tells no one of what they may not see."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from articles.models import Article, ArticleStatus
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_view_on_site_tells_a_contributor_nothing_of_others_drafts(client, people):
    content_type = ContentType.objects.get_for_model(Article)
    scheduled = ArticleFactory(
        publish_at=timezone.now() + datetime.timedelta(days=2), created_by=people["editor"]
    )
    draft = ArticleFactory(status=ArticleStatus.DRAFT, created_by=people["editor"])
    own = ArticleFactory(status=ArticleStatus.DRAFT, created_by=people["author"])

    client.force_login(people["author"])
    for article in (scheduled, draft):
        response = client.get(f"/admin/r/{content_type.pk}/{article.pk}/")
        assert response.status_code == 404
        assert article.slug not in response.get("Location", "")
    assert client.get(f"/admin/r/{content_type.pk}/{own.pk}/").url.endswith(own.slug + "/")
    assert client.get(f"/admin/r/{content_type.pk}/abc/").status_code == 404
    assert client.get(f"/admin/r/999999/{own.pk}/").status_code == 404

    client.force_login(people["editor"])
    response = client.get(f"/admin/r/{content_type.pk}/{draft.pk}/")
    assert response.status_code == 302 and response.url.endswith(draft.slug + "/")
