import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, ArticleStatus, Source, SourceKind, Tag, TagKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    homepage = factory.Sequence(lambda n: f"https://outlet{n}.example/")
    kind = SourceKind.NEWSPAPER
    country = "CA"
    language = "en"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")
    kind = TagKind.TOPIC


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Border story number {n}")
    slug = factory.Sequence(lambda n: f"border-story-{n}")
    source = factory.SubFactory(SourceFactory)
    summary = "An editor's summary."
    body = "<p>Body text.</p>"
    status = ArticleStatus.PUBLISHED
    published_at = factory.Sequence(lambda n: timezone.now() - datetime.timedelta(days=1, hours=n))

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(extracted)


def change_form(article, **changes) -> dict:
    """What the admin's change form posts for `article`, with `changes`."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "status": article.status,
        "source": article.source_id,
        "wire_service": "",
        "url": article.url,
        "byline": article.byline,
        "published_at_0": "2023-03-07",
        "published_at_1": "11:08:00",
        "summary": article.summary,
        "tags": [t.pk for t in article.tags.all()] if article.pk else [],
        "editor_note": "",
        "language": "en",
        "correction": "",
        "body": article.body,
    }
    data.update(changes)
    return data
