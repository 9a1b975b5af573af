from functools import lru_cache

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language_info
from django_countries.fields import CountryField

from .caching import content_changed, memoised
from .sanitize import html_to_text, sanitize_html


def validate_language(code: str) -> None:
    if code and code not in LANG_INFO:
        raise ValidationError(
            "%(code)s is not a language code Newsroom knows (use e.g. en, fr, es).",
            params={"code": code},
        )


def language_name(code: str) -> str:
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


def page_url(view: str, slug: str) -> str:
    """reverse() of a page by slug, remembered: a list links ~150 of them."""
    return _page_url(view, slug, get_script_prefix())


@lru_cache(maxsize=16384)
def _page_url(view: str, slug: str, prefix: str) -> str:
    return reverse(view, kwargs={"slug": slug})


def unique_slug(instance: models.Model, text: str) -> str:
    """A slug from `text` that no other row of the instance's model has: base, base-2..."""
    model = type(instance)
    max_length = model._meta.get_field("slug").max_length
    base = slugify(text)[:max_length].strip("-") or "untitled"
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=instance.pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
    return slug


class SanitizedHTMLField(models.TextField):
    """HTML that passes `sanitize_html` on every write.

    `pre_save` keeps the instance in step; `get_db_prep_save` also covers the
    writes that skip `pre_save`: fixtures (raw saves) and `QuerySet.update()`.
    """

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_save(self, value, connection):
        if isinstance(value, str):
            value = sanitize_html(value)
        return super().get_db_prep_save(value, connection)


class PlainTextField(models.TextField):
    """The readable text of another, HTML, field; derived on every save.

    Search indexes and snippets read it. Like the HTML field it follows, it is
    filled by `save()` and `bulk_create()`; `QuerySet.update()` of the HTML
    field must set it too.
    """

    def __init__(self, *args, html_field: str = "body", **kwargs):
        self.html_field = html_field
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["html_field"] = self.html_field
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = html_to_text(sanitize_html(getattr(model_instance, self.html_field)))
        setattr(model_instance, self.attname, value)
        return value


def _published_count(condition: Q):
    """Per row, the number of public articles meeting `condition` (with OuterRef)."""
    counts = (
        Article.objects.published()
        .filter(condition)
        .order_by()
        # A bare COUNT, not an aggregate: no GROUP BY, one row per outer row.
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(counts), Value(0))


class ChangeTrackingQuerySet(models.QuerySet):
    """Bulk writes send no model signals: these tell the page cache themselves."""

    def update(self, **kwargs):
        count = super().update(**kwargs)
        if count:
            content_changed()
        return count

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        content_changed()
        return created

    def bulk_update(self, *args, **kwargs):
        count = super().bulk_update(*args, **kwargs)
        content_changed()
        return count


class SourceQuerySet(ChangeTrackingQuerySet):
    def with_published_count(self):
        """Each source with its public articles, as outlet or wire service, in one query."""
        return self.annotate(
            article_count=_published_count(
                Q(source=OuterRef("pk")) | Q(wire_service=OuterRef("pk"))
            )
        )


class TagQuerySet(ChangeTrackingQuerySet):
    def with_published_count(self):
        """Each tag with the number of public articles carrying it, in one query."""
        return self.annotate(article_count=_published_count(Q(tags=OuterRef("pk"))))


class SourceKind(models.TextChoices):
    WIRE = "wire", "Wire service"
    NEWSPAPER = "newspaper", "Newspaper"
    BROADCASTER = "broadcaster", "Broadcaster"
    MAGAZINE = "magazine", "Magazine"
    GOVERNMENT = "government", "Government"
    NGO = "ngo", "NGO / advocacy"
    OTHER = "other", "Blog / other"


class Source(models.Model):
    Kind = SourceKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    homepage = models.URLField(max_length=500, blank=True)
    feed_url = models.URLField("feed URL", max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.NEWSPAPER)
    country = CountryField(blank=True, help_text="Where the outlet is based.")
    language = models.CharField(
        max_length=10,
        blank=True,
        default="en",
        validators=[validate_language],
        help_text="Main language of the outlet, as a code: en, fr, es…",
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive sources are hidden from the public index."
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return page_url("articles:source_detail", self.slug)

    @property
    def language_name(self) -> str:
        return language_name(self.language)


class TagKind(models.TextChoices):
    TOPIC = "topic", "Topic"
    POLICY = "policy", "Policy"
    PERSON = "person", "Person"
    PLACE = "place", "Place"
    ORGANISATION = "organisation", "Organisation"


class Tag(models.Model):
    Kind = TagKind

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOPIC)
    description = models.TextField(blank=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other names readers search for, one per line (for example STCA).",
    )

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_ci",
                violation_error_message="A tag with this name already exists.",
            ),
            models.CheckConstraint(condition=Q(kind__in=TagKind.values), name="tag_kind_valid"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = self.name.strip()
        self.aliases = "\n".join(self.alias_list)
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return page_url("articles:tag_detail", self.slug)

    @property
    def alias_list(self) -> list[str]:
        """The aliases, trimmed, without blanks or repeats of each other or the name."""
        seen = {self.name.strip().casefold()}
        aliases = []
        for line in self.aliases.splitlines():
            alias = " ".join(line.split())
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
        return aliases


class ArticleQuerySet(ChangeTrackingQuerySet):
    def published(self):
        """What the public may see: published, and its publication time has come.

        Every public surface starts here, so a draft cannot leak through a
        forgotten view. An unknown outlet date does not hold an article back.
        """
        return self.filter(
            Q(published_at__lte=timezone.now()) | Q(published_at__isnull=True),
            status=Article.Status.PUBLISHED,
        )

    def from_outlets(self, sources):
        """Articles an outlet ran, or that a wire service supplied."""
        # Found through the two foreign keys' indexes first, as a set of ids:
        # an OR across two columns would otherwise send SQLite down the whole list.
        ids = Article.objects.filter(Q(source__in=sources) | Q(wire_service__in=sources))
        return self.filter(pk__in=ids.values("pk"))

    def tagged(self, tag: "Tag", *, common: bool | None = None):
        """Articles carrying `tag`.

        SQLite keeps no statistics of skew, and would fetch all the articles of
        a tag on a fifth of the archive to sort them; for such a `common` tag,
        walking the list's index and checking each article's tags is far
        cheaper. PostgreSQL's statistics see the skew and choose for themselves.
        """
        if common is None:
            common = tag.pk in common_tags([tag])
        links = Article.tags.through.objects.filter(tag_id=tag.pk)
        if common:
            return self.filter(Exists(links.filter(article_id=OuterRef("pk"))))
        return self.filter(pk__in=links.values("article_id"))

    def for_listing(self):
        """What a list of articles shows, fetched in a fixed number of queries."""
        return self.select_related("source", "wire_service").prefetch_related("tags")

    def for_cards(self):
        """`for_listing()` without the text of the articles, which lists never show."""
        return self.for_listing().defer("body", "body_text", "search_vector")

    def in_order_of(self, ids: list[int]) -> list["Article"]:
        """The rows of this queryset with these ids, fetched by id, in the order given.

        With `values_list("pk")` sliced first, a page of a list comes from the
        indexes alone however deep it is, and only its own rows are read.
        """
        rows = {row.pk: row for row in self.filter(pk__in=ids).order_by()} if ids else {}
        return [rows[pk] for pk in ids if pk in rows]

    def related_to(self, article: "Article", *, limit: int = 5, recent: int = 50):
        """Other articles sharing the most tags with `article`, newest first.

        Among the `recent` newest articles of each of its tags: a sidebar does
        not count through a tag that is on a fifth of the archive.
        """
        tags = list(article.tags.all())
        if not tags:
            return self.none()
        newest = (F("published_at").desc(nulls_last=True), "-pk")
        common = common_tags(tags)
        candidates = Q()
        for tag in tags:
            recent_ids = self.tagged(tag, common=tag.pk in common).exclude(pk=article.pk)
            recent_ids = recent_ids.order_by(*newest)
            candidates |= Q(pk__in=recent_ids.values("pk")[:recent])
        return (
            self.filter(candidates, tags__in=[tag.pk for tag in tags])
            .annotate(shared_tags=Count("tags"))
            .select_related("source")
            .order_by("-shared_tags", *newest)[:limit]
        )

    def set_status(self, status: str, *, user) -> int:
        """Move every article here to `status` at once, recording who did it."""
        return self.update(status=status, updated_by=user, updated_at=timezone.now())


# A tag on this share of the articles or more is common (ArticleQuerySet.tagged).
COMMON_TAG_SHARE = 0.02


def common_tags(tags) -> set[int]:
    """The ids of those of `tags` that SQLite should treat as common (see
    ArticleQuerySet.tagged), in two queries whatever their number."""
    ids = sorted(tag.pk for tag in tags)
    if connection.vendor != "sqlite" or not ids:
        return set()

    def find():
        total = max(1, Article.objects.count())
        counts = (
            Article.tags.through.objects.filter(tag_id__in=ids)
            .values_list("tag_id")
            .annotate(n=Count("pk"))
        )
        return {tag_id for tag_id, n in counts if n / total >= COMMON_TAG_SHARE}

    return memoised("common-tags", ",".join(map(str, ids)), find)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Article(models.Model):
    Status = ArticleStatus

    title = models.CharField("headline", max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField(
        "original URL",
        max_length=2000,
        blank=True,
        help_text="The article on the outlet's site. Leave empty when unknown.",
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="articles", help_text="The outlet."
    )
    wire_service = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="wire_articles",
        null=True,
        blank=True,
        limit_choices_to={"kind": Source.Kind.WIRE},
        help_text="The wire service behind the story, when the outlet ran a wire story.",
    )
    byline = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(
        "published",
        null=True,
        blank=True,
        help_text="When the outlet published it. Leave empty when the page gives no date.",
    )
    summary = models.TextField(blank=True, help_text="In the editor's own words; plain text.")
    body = SanitizedHTMLField(
        blank=True, help_text="HTML; anything outside the allowed tags is removed on save."
    )
    body_text = PlainTextField(html_field="body")
    editor_note = models.TextField("editor's note", blank=True)
    language = models.CharField(max_length=10, default="en", validators=[validate_language])
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Kept by a database trigger on PostgreSQL (see articles/search.py); unused,
    # and always empty, on SQLite, which indexes articles in an FTS5 table.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = [F("published_at").desc(nulls_last=True), "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="article_url_unique_when_given",
                violation_error_message="An article with this original URL already exists.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
        ]
        # The public list's own index, in this order with undated articles last,
        # and the indexes of the tag and outlet filters are made per database
        # by migration 0003.
        indexes = [
            models.Index(fields=["language", "status"], name="article_language_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return page_url("articles:article_detail", self.slug)

    def clean(self):
        if self.wire_service_id and self.wire_service_id == self.source_id:
            raise ValidationError(
                {"wire_service": "The wire service is the outlet itself; leave it empty."}
            )


class SearchDocumentField(models.TextField):
    """The hidden column of an FTS5 table that bears the table's name: what
    MATCH and the ranking and snippet functions take."""


@SearchDocumentField.register_lookup
class Match(models.Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class ArticleSearch(models.Model):
    """A row of the SQLite full-text index (migration 0002), joined to its
    article by rowid for ranked search. Written only by triggers; absent on
    PostgreSQL, which keeps `Article.search_vector` instead."""

    article = models.OneToOneField(
        Article,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="search_entry",
    )
    document = SearchDocumentField(db_column="article_search")

    class Meta:
        managed = False
        db_table = "article_search"

    def __str__(self):
        return f"Search entry of article {self.pk}"
