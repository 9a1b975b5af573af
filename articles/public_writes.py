"""Which writes the public sees, and so which make the page cache stale.

A write reaches the public if it touches an article public before or after
it (a scheduled one only moves when the next article comes due), or a tag,
an outlet or a copy that a public article has. Everything else (a draft, a
tag or an outlet only drafts have, a feed poll's bookkeeping, an import
record) touches no public cache: not even a Last-Modified may tell of it.

Model signals reach the receivers here (connected in `apps.py`); the
models' querysets' bulk writes use `PublicWrite` themselves.
"""

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .caching import content_changed, schedule_changed

# Rows read at a time to tell whether the public sees them.
CHUNK = 2000

# What the public sees of a row: nothing (None), or, for an article waiting
# for its time, nothing yet.
PUBLIC, SCHEDULED = "public", "scheduled"


def article_seen(status: str, published_at, publish_at) -> str | None:
    """What the public sees of an article of these values."""
    from .models import ArticleQuerySet, ArticleStatus

    if ArticleQuerySet.public_at(status, published_at, publish_at, timezone.now()):
        return PUBLIC
    return SCHEDULED if status == ArticleStatus.PUBLISHED else None


def _ways_to_articles(model, ids) -> list[tuple[Any, str]]:
    """How the rows of `model` with these ids reach articles: rows that name
    an article, and the field that does, each led by an index of its own."""
    from .models import Article, ArticleCopy

    return {
        "tag": lambda: [(Article.tags.through.objects.filter(tag_id__in=ids), "article_id")],
        # An outlet shows as the outlet, the wire service or where a copy ran.
        "source": lambda: [
            (Article.objects.filter(source_id__in=ids), "pk"),
            (Article.objects.filter(wire_service_id__in=ids), "pk"),
            (ArticleCopy.objects.filter(source_id__in=ids), "article_id"),
        ],
        "articlecopy": lambda: [(ArticleCopy.objects.filter(pk__in=ids), "article_id")],
    }.get(model._meta.model_name, list)()


def rows_seen(model, ids) -> set[str]:
    """What the public sees of the rows of `model` with these ids: of articles,
    each; of a tag, an outlet or a copy, all of it if it has a public article."""
    from .models import Article, ArticleStatus

    ids = sorted(set(ids))
    seen = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if model is Article:
            rows = Article.objects.filter(pk__in=chunk, status=ArticleStatus.PUBLISHED)
            for dates in rows.values_list("published_at", "publish_at").distinct():
                seen.add(article_seen(ArticleStatus.PUBLISHED, *dates))
        elif any(
            # Each row's article looked up by its key: joined, SQLite would
            # walk every public article for the rows' few.
            rows.filter(Exists(Article.objects.published().filter(pk=OuterRef(field)))).exists()
            for rows, field in _ways_to_articles(model, chunk)
        ):
            seen.add(PUBLIC)
        if PUBLIC in seen:
            break
    return seen


def public_rows_written(seen: set[str]) -> None:
    """A write to rows of which the public saw, before or after it, `seen`."""
    if PUBLIC in seen:
        content_changed()
    elif SCHEDULED in seen:
        schedule_changed()


class PublicWrite:
    """A write about to happen to some rows: what the public sees of them is
    read before it, and `done()` makes the cache stale if the public saw them
    before or sees them after."""

    def __init__(self, model, ids=()):
        self.model, self.ids = model, set(ids)
        self.before = rows_seen(model, self.ids) if self.ids else set()

    def done(self, ids=(), *, after: set[str] | None = None) -> None:
        """`after`, when the caller knows it, spares reading the rows again."""
        if after is None:
            after = rows_seen(self.model, self.ids | set(ids))
        public_rows_written(self.before | after)


# Receivers of the public models' signals (apps.py). A private change (a
# draft, or an outlet or a tag no public article has) touches no public cache,
# so that nothing public, not even Last-Modified, tells of it. What the
# public saw before a write is kept on the instance until after it.


def _begin(instance, model, ids) -> None:
    instance.__dict__.setdefault("_public_writes", []).append(PublicWrite(model, ids))


def _end(instance, ids=(), *, after: set[str] | None = None) -> None:
    writes = instance.__dict__.get("_public_writes")
    if writes:
        writes.pop().done(ids, after=after)


# Fields no public page shows: a save of only these (a feed poll's) is private.
PRIVATE_FIELDS = {
    "source": {
        "feed_url",
        "feed_poll_minutes",
        "feed_polled_at",
        "feed_error",
        "feed_etag",
        "feed_last_modified",
    },
}


def _private_save(sender, update_fields) -> bool:
    private = PRIVATE_FIELDS.get(sender._meta.model_name, set())
    return bool(update_fields) and set(update_fields) <= private


def on_pre_write(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save and pre_delete of an article, a tag, an outlet or a copy."""
    if not _private_save(sender, update_fields):
        _begin(instance, sender, [instance.pk] if instance.pk else [])


def on_post_save(sender, instance, update_fields=None, **kwargs) -> None:
    from .models import Article, ArticleCopy

    if _private_save(sender, update_fields):
        return
    if sender is Article:
        seen = article_seen(instance.status, instance.published_at, instance.publish_at)
        _end(instance, after={seen})
    elif sender is ArticleCopy:
        # It may have moved to another article.
        _end(instance, [instance.pk])
    else:
        # A tag's or an outlet's own fields do not change which articles it has.
        _end(instance, after=set())


def on_post_delete(sender, instance, **kwargs) -> None:
    _end(instance, after=set())


def on_tags_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed of Article.tags, from either end: what the public sees of
    the articles whose tags change, which their tags do not change."""
    from .models import Article
    from .tallies import tags_change_articles

    if action.startswith("pre_"):
        _begin(instance, Article, tags_change_articles(instance, reverse, pk_set))
    elif action.startswith("post_"):
        _end(instance, after=set())
