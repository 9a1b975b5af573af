import datetime
from functools import lru_cache

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language_info
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .caching import memoised
from .public_writes import PUBLIC, PublicWrite
from .sanitize import html_to_text, sanitize_html, strip_control_characters
from .services.urls import url_domain, url_key


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


def page_url(view: str, slug: str, *, prefix: str | None = None) -> str:
    """reverse() of a page by slug, remembered: a list links ~150 of them.
    Give `prefix` (get_script_prefix()) when making many: reading it costs more
    than the lookup."""
    return _page_url(view, slug, prefix or get_script_prefix())


@lru_cache(maxsize=16384)
def _page_url(view: str, slug: str, prefix: str) -> str:
    return reverse(view, kwargs={"slug": slug})


def unique_slug(instance: models.Model, text: str) -> str:
    """A slug from `text` that no other row of the instance's model has: base, base-2..."""
    model = type(instance)
    max_length = model._meta.get_field("slug").max_length
    base = slugify(text)[:max_length].strip("-") or "untitled"
    # A suffix takes the place of the end of a base at full length: the slugs
    # taken are those from the stem left beside the longest suffix it needs.
    stem = base[: max_length - len("-9999999")]
    taken = set(
        model._default_manager.filter(slug__startswith=stem)
        .exclude(pk=instance.pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
    return slug


class CleanOnWriteMixin:
    """A text field whose value passes `clean_on_write` on every write.

    `pre_save` keeps the instance in step; `get_db_prep_save` also covers the
    writes that skip `pre_save`: fixtures (raw saves) and `QuerySet.update()`.
    """

    def clean_on_write(self, value: str) -> str:
        raise NotImplementedError

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = self.clean_on_write(value)
            setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_save(self, value, connection):
        if isinstance(value, str):
            value = self.clean_on_write(value)
        return super().get_db_prep_save(value, connection)


class SanitizedHTMLField(CleanOnWriteMixin, models.TextField):
    """HTML, stored only as `sanitize_html` leaves it."""

    def clean_on_write(self, value: str) -> str:
        return sanitize_html(value)


class CleanCharField(CleanOnWriteMixin, models.CharField):
    """Plain text, stored without control characters."""

    def clean_on_write(self, value: str) -> str:
        return strip_control_characters(value)


class CleanTextField(CleanOnWriteMixin, models.TextField):
    """Plain text, stored without control characters."""

    def clean_on_write(self, value: str) -> str:
        return strip_control_characters(value)


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
    """Bulk writes send no model signals: these tell the page cache (only of
    rows the public sees, before or after) and the tallies (articles/tallies.py)
    themselves."""

    def _tallied_ids(self, fields) -> list[int]:
        """The articles whose tallies a bulk write of `fields` to these rows may change."""
        return []

    def update(self, **kwargs):
        from .tallies import Change

        change = Change(self._tallied_ids(kwargs))
        write = PublicWrite(self.model, self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        if count:
            change.done()
            write.done()
        return count

    def bulk_create(self, objs, *args, **kwargs):
        from .tallies import Change

        change = Change()
        created = super().bulk_create(objs, *args, **kwargs)
        ids = [obj.pk for obj in created if obj.pk is not None]
        if self.model is Article:
            change.done(ids)
        # Without their ids (some databases do not return them), as if all were public.
        PublicWrite(self.model).done(ids, after=None if len(ids) == len(created) else {PUBLIC})
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        from .tallies import Change

        objs = list(objs)
        rows = self.filter(pk__in=[obj.pk for obj in objs])
        change = Change(rows._tallied_ids(fields))
        write = PublicWrite(self.model, rows.values_list("pk", flat=True))
        count = super().bulk_update(objs, fields, *args, **kwargs)
        change.done()
        write.done()
        return count


class SourceQuerySet(ChangeTrackingQuerySet):
    def _tallied_ids(self, fields) -> list[int]:
        if {"kind", "country"} & set(fields):
            return list(Article.objects.filter(source__in=self).values_list("pk", flat=True))
        return []

    def public(self):
        """The active outlets with a public article, as outlet or wire service:
        the others, and their names, are not the public's to see."""
        articles = Article.objects.published()
        return self.filter(
            Exists(articles.filter(source=OuterRef("pk")))
            | Exists(articles.filter(wire_service=OuterRef("pk"))),
            is_active=True,
        )

    def with_published_count(self):
        """Each source with its public articles, as outlet or wire service, in one query."""
        return self.annotate(
            article_count=_published_count(
                Q(source=OuterRef("pk")) | Q(wire_service=OuterRef("pk"))
            )
        )

    def counted(self):
        """`with_published_count()`, read from the tallies (a list) when there
        are some: counted per outlet, that took a minute at 100,000 articles."""
        from .tallies import with_tallied_totals  # the tallies import the models

        counted = with_tallied_totals(self, "source")
        return self.with_published_count() if counted is None else counted


class TagQuerySet(ChangeTrackingQuerySet):
    def public(self):
        """The tags on a public article: the others, and their names, are not
        the public's to see (a tag used only on drafts may name a scoop)."""
        # Through the tag's own links, each article looked up by its key:
        # joined, SQLite walks every public article for a rare tag's few.
        public = Article.objects.published().filter(pk=OuterRef("article_id"))
        links = Article.tags.through.objects.filter(tag_id=OuterRef("pk"))
        return self.filter(Exists(links.filter(Exists(public))))

    def with_published_count(self):
        """Each tag with the number of public articles carrying it, in one query."""
        return self.annotate(article_count=_published_count(Q(tags=OuterRef("pk"))))

    def in_use(self):
        """The tags on some public article, with `with_published_count()`'s
        count, read from the tallies (a list) when there are some."""
        from .tallies import with_tallied_totals  # the tallies import the models

        counted = with_tallied_totals(self, "tag")
        if counted is None:
            return self.with_published_count().filter(article_count__gt=0)
        return [tag for tag in counted if tag.article_count]


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

    name = CleanCharField(max_length=200, unique=True)
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
    description = CleanTextField(blank=True)
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive sources are hidden from the public index."
    )
    domain = models.CharField(
        max_length=253,
        blank=True,
        editable=False,
        db_index=True,
        help_text="The homepage's host without www.: imported pages are matched to it.",
    )
    feed_poll_minutes = models.PositiveIntegerField(
        "minutes between feed polls",
        default=60,
        validators=[MinValueValidator(5)],
        help_text="How often poll_feeds may fetch this source's feed.",
    )
    feed_polled_at = models.DateTimeField("feed last polled", null=True, blank=True, editable=False)
    feed_error = models.TextField("feed's last error", blank=True, editable=False)
    # Validators the feed's server gave, sent back for a conditional GET.
    feed_etag = models.CharField(max_length=500, blank=True, editable=False)
    feed_last_modified = models.CharField(max_length=100, blank=True, editable=False)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords()

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
        self.domain = url_domain(self.homepage)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return page_url("articles:source_detail", self.slug)

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    def feed_is_due(self, now: datetime.datetime) -> bool:
        """Whether the feed may be polled again: its interval has passed."""
        if not self.feed_polled_at:
            return True
        return now - self.feed_polled_at >= datetime.timedelta(minutes=self.feed_poll_minutes)


class TagKind(models.TextChoices):
    TOPIC = "topic", "Topic"
    POLICY = "policy", "Policy"
    PERSON = "person", "Person"
    PLACE = "place", "Place"
    ORGANISATION = "organisation", "Organisation"


class Tag(models.Model):
    Kind = TagKind

    name = CleanCharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOPIC)
    description = CleanTextField(blank=True)
    aliases = CleanTextField(
        blank=True,
        help_text="Other names readers search for, one per line (for example STCA).",
    )

    objects = TagQuerySet.as_manager()
    history = HistoricalRecords()

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
    def _tallied_ids(self, fields) -> list[int]:
        return list(self.values_list("pk", flat=True))

    def published(self, *, at: datetime.datetime | None = None):
        """What the public may see (at the moment `at`, by default now):
        published, and its publication time has come.

        Every public surface starts here, so a draft cannot leak through a
        forgotten view. An unknown outlet date does not hold an article back.
        `public_at()` is the same rule for a row already read.
        """
        now = at or timezone.now()
        return self.filter(
            Q(published_at__lte=now) | Q(published_at__isnull=True),
            Q(publish_at__lte=now) | Q(publish_at__isnull=True),
            status=Article.Status.PUBLISHED,
        )

    @staticmethod
    def public_at(status: str, published_at, publish_at, moment: datetime.datetime) -> bool:
        """Whether an article of these values is public at `moment`, as `published()` has it."""
        return status == Article.Status.PUBLISHED and all(
            when is None or when <= moment for when in (published_at, publish_at)
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

    def with_copies(self):
        """Each article with the other outlets' copies of its story, in one more query."""
        return self.prefetch_related(
            models.Prefetch("copies", queryset=ArticleCopy.objects.select_related("source"))
        )

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

    def related_to(self, article: "Article", *, tags=None, limit: int = 5, recent: int = 50):
        """Other articles sharing the most tags with `article` (whose `tags` a
        page may have read already), newest first.

        Among the `recent` newest articles of each of its tags: a sidebar does
        not count through a tag that is on a fifth of the archive.
        """
        tags = list(article.tags.all() if tags is None else tags)
        if not tags:
            return self.none()
        newest = (F("published_at").desc(nulls_last=True), "-pk")
        common = common_tags(tags)
        recent_ids = [
            self.tagged(tag, common=tag.pk in common)
            .exclude(pk=article.pk)
            .order_by(*newest)
            .values("pk")[:recent]
            for tag in tags
        ]
        if connection.features.supports_slicing_ordering_in_compound:
            # One set of ids, which PostgreSQL looks up by id; as an OR of one
            # subquery a tag, it checked every article of a million against
            # each (half a second).
            candidates = Q(pk__in=recent_ids[0].union(*recent_ids[1:], all=True))
        else:
            # SQLite takes no LIMIT inside a UNION, and looks up each
            # subquery of the OR by id.
            candidates = Q()
            for ids in recent_ids:
                candidates |= Q(pk__in=ids)
        return (
            self.filter(candidates, tags__in=[tag.pk for tag in tags])
            .annotate(shared_tags=Count("tags"))
            .select_related("source")
            # Only what a sidebar shows: SQLite groups by every column
            # selected, and grouping by the articles' texts cost most of the query.
            .only("slug", "title", "published_at", "source__name", "source__slug")
            .order_by("-shared_tags", *newest)[:limit]
        )

    def stored_status(self, article: "Article | None") -> str:
        """The status `article` has in the database: draft for one not saved (or deleted)."""
        if article is None or article.pk is None:
            return ArticleStatus.DRAFT
        stored = Article.objects.filter(pk=article.pk).values_list("status", flat=True).first()
        return stored or ArticleStatus.DRAFT

    def transition(self, status: str, *, user) -> tuple[list["Article"], list["Article"]]:
        """Move each article here that `user` may move to `status`, in one
        transaction, through `Article.transition` (so history records each).

        Returns the articles moved and those left as they were.
        """
        moved, refused = [], []
        with transaction.atomic():
            for article in self.select_for_update(of=("self",)).order_by("pk"):
                if article.status == status:
                    refused.append(article)
                elif article.can_transition(status, user=user):
                    article.transition(status, user=user)
                    moved.append(article)
                else:
                    refused.append(article)
        return moved, refused


# A tag on this share of the articles or more is common (ArticleQuerySet.tagged).
COMMON_TAG_SHARE = 0.02


def common_tags(tags) -> set[int]:
    """The ids of those of `tags` that SQLite should treat as common (see
    ArticleQuerySet.tagged), in two queries whatever their number."""
    ids = sorted(tag.pk for tag in tags)
    if connection.vendor != "sqlite" or not ids:
        return set()

    def find():
        # The tallies hold both numbers, in one small read; counting them
        # cost an article page more than its own query. A share need not be
        # exact to choose a plan, so what came due since the tallies' clock
        # is left out.
        tallied = dict(
            Tally.objects.filter(scope="")
            .filter(Q(facet="all") | Q(facet="tag", value__in=[str(pk) for pk in ids]))
            .values_list("value", "n")
        )
        if "" in tallied:
            total = max(1, tallied.pop(""))
            counts = [(int(value), n) for value, n in tallied.items()]
        else:
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

    title = CleanCharField("headline", max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField(
        "original URL",
        max_length=2000,
        blank=True,
        help_text="The article on the outlet's site. Leave empty when unknown.",
    )
    url_key = models.CharField(
        "canonical URL",
        max_length=2000,
        blank=True,
        editable=False,
        help_text="The URL's canonical form, by which a page imported twice is recognised.",
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
    byline = CleanCharField(max_length=300, blank=True)
    published_at = models.DateTimeField(
        "published",
        null=True,
        blank=True,
        help_text="When the outlet published it. Leave empty when the page gives no date.",
    )
    summary = CleanTextField(blank=True, help_text="In the editor's own words; plain text.")
    body = SanitizedHTMLField(
        blank=True, help_text="HTML; anything outside the allowed tags is removed on save."
    )
    body_text = PlainTextField(html_field="body")
    editor_note = CleanTextField("editor's note", blank=True)
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
    publish_at = models.DateTimeField(
        "go live at",
        null=True,
        blank=True,
        help_text="Schedule: a published article stays off every public page until then. "
        "Empty: as soon as it is published.",
    )
    first_published_at = models.DateTimeField(
        "first published here", null=True, blank=True, editable=False
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    correction = CleanTextField(
        blank=True,
        help_text="A public correction of the published summary or details, shown on the page.",
    )
    # Kept by a database trigger on PostgreSQL (see articles/search.py); unused,
    # and always empty, on SQLite, which indexes articles in an FTS5 table.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[tags], excluded_fields=["search_vector", "body_text", "url_key"]
    )

    class Meta:
        ordering = [F("published_at").desc(nulls_last=True), "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="article_url_unique_when_given",
                violation_error_message="An article with this original URL already exists.",
            ),
            models.UniqueConstraint(
                fields=["url_key"],
                condition=~Q(url_key=""),
                name="article_url_key_unique_when_given",
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
            # Scheduled articles coming due, which the tallies add as they do.
            models.Index(
                fields=["publish_at"],
                name="article_publish_at_idx",
                condition=Q(publish_at__isnull=False),
            ),
        ]
        permissions = [
            ("publish_article", "Can publish, schedule, archive and unpublish articles"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title)
        self.url_key = url_key(self.url)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return page_url("articles:article_detail", self.slug)

    # Who may move an article from a status to another: "editor" needs the
    # publish permission; "author" is also open to the contributor who wrote
    # it. Every other move is refused, whoever asks.
    TRANSITIONS = {
        (ArticleStatus.DRAFT, ArticleStatus.REVIEW): "author",
        (ArticleStatus.REVIEW, ArticleStatus.DRAFT): "author",
        (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED): "editor",
        (ArticleStatus.REVIEW, ArticleStatus.PUBLISHED): "editor",
        (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED): "editor",
        (ArticleStatus.PUBLISHED, ArticleStatus.DRAFT): "editor",
        (ArticleStatus.ARCHIVED, ArticleStatus.DRAFT): "editor",
    }

    @staticmethod
    def is_editor(user) -> bool:
        return user.has_perm("articles.publish_article")

    def is_author(self, user) -> bool:
        return self.created_by_id is not None and self.created_by_id == user.pk

    def can_edit(self, user) -> bool:
        """Editors edit any article; a contributor, their own draft or one in review."""
        if not user.has_perm("articles.change_article"):
            return False
        if self.is_editor(user):
            return True
        return self.is_author(user) and self.status in (ArticleStatus.DRAFT, ArticleStatus.REVIEW)

    def can_transition(self, status: str, *, user, from_status: str | None = None) -> bool:
        rule = self.TRANSITIONS.get((from_status or self.status, status))
        if rule is None or not user.has_perm("articles.change_article"):
            return False
        return self.is_editor(user) or (rule == "author" and self.is_author(user))

    def allowed_statuses(self, user, *, from_status: str | None = None) -> list[str]:
        """The statuses `user` may leave this article in: where it is, and where it may go."""
        current = from_status or self.status
        return [
            status
            for status in ArticleStatus.values
            if status == current or self.can_transition(status, user=user, from_status=current)
        ]

    def transition(self, status: str, *, user, from_status: str | None = None, save=True):
        """Move the article to `status` as `user`, recording who did it and when.

        Raises PermissionDenied for a move that is not allowed, or not to them.
        The first publication time is kept for good.
        """
        if not self.can_transition(status, user=user, from_status=from_status):
            raise PermissionDenied(
                f"{user} may not move this article from {from_status or self.status} to {status}."
            )
        now = timezone.now()
        self.status = status
        self.status_changed_at = now
        self.status_changed_by = user
        if status == ArticleStatus.PUBLISHED and self.first_published_at is None:
            self.first_published_at = max(now, self.publish_at or now)
        if save:
            self.updated_by = user
            self._history_user = user
            self.save()

    @property
    def corrected_after_publication(self) -> bool:
        """Changed since it first went public (beyond the minute of publishing)."""
        if self.first_published_at is None:
            return False
        return self.updated_at - self.first_published_at > datetime.timedelta(minutes=1)

    def clean(self):
        if self.wire_service_id and self.wire_service_id == self.source_id:
            raise ValidationError(
                {"wire_service": "The wire service is the outlet itself; leave it empty."}
            )
        # The canonical form is not a form field, so the unique constraint on
        # it is not validated with the form: ask here, with a useful answer.
        # (The very same URL is the other constraint's to report.)
        self.url_key = url_key(self.url)
        if self.url_key:
            same = (
                Article.objects.filter(url_key=self.url_key)
                .exclude(pk=self.pk)
                .exclude(url=self.url)
                .first()
            )
            if same is None:
                copy = ArticleCopy.objects.filter(url_key=self.url_key).first()
                same = copy.article if copy else None
            if same is not None:
                raise ValidationError(
                    {
                        "url": f"This is the address of an article already in Newsroom: "
                        f"“{same.title}” (another form of the same URL)."
                    }
                )


class ArticleCopy(models.Model):
    """Another outlet's run of an article's story, such as a wire story that
    a dozen sites republished: recorded here instead of as a second article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="copies")
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="article_copies", help_text="The outlet."
    )
    url = models.URLField("URL", max_length=2000, blank=True)
    url_key = models.CharField("canonical URL", max_length=2000, blank=True, editable=False)
    title = models.CharField("headline there", max_length=300, blank=True)
    published_at = models.DateTimeField("published", null=True, blank=True)
    similarity = models.FloatField(
        help_text="Share of the shorter text found in the other (estimated), from 0 to 1."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "copy at another outlet"
        verbose_name_plural = "copies at other outlets"
        ordering = [F("published_at").asc(nulls_last=True), "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["url_key"],
                condition=~Q(url_key=""),
                name="articlecopy_url_key_unique_when_given",
            ),
        ]

    def __str__(self):
        return f"{self.source} ran “{self.article}”"

    def save(self, *args, **kwargs):
        self.url_key = url_key(self.url)
        super().save(*args, **kwargs)


class StoryFingerprint(models.Model):
    """An article's text as a MinHash signature, to recognise the same story
    under another headline and boilerplate (articles/services/dedupe.py)."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="fingerprint"
    )
    signature = models.BinaryField()
    shingle_count = models.PositiveIntegerField()

    def __str__(self):
        return f"Fingerprint of “{self.article}”"


class StoryBand(models.Model):
    """One locality-sensitive-hashing band of a fingerprint: articles sharing
    a band are candidates for the same story, found by an indexed lookup."""

    fingerprint = models.ForeignKey(
        StoryFingerprint, on_delete=models.CASCADE, related_name="bands"
    )
    value = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fingerprint", "value"], name="storyband_unique"),
        ]

    def __str__(self):
        return f"{self.value:x}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    DUPLICATE = "duplicate", "Duplicate"
    FAILED = "failed", "Failed"


class ImportOrigin(models.TextChoices):
    URL = "url", "URL"
    PASTE = "paste", "Pasted page"
    FILE = "file", "File"
    FEED = "feed", "Feed entry"


class ImportRecordQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])

    def lease_expired(self, now: datetime.datetime):
        """Running imports whose runner is taken for stopped."""
        return self.filter(status=ImportStatus.RUNNING, lease_expires_at__lt=now)


class ImportRecord(models.Model):
    """One attempt to bring an article in, whatever its outcome."""

    Status = ImportStatus
    Origin = ImportOrigin

    origin = models.CharField(max_length=10, choices=Origin)
    requested = models.CharField(
        "what was asked", max_length=500, help_text="The URL, file or feed entry, as asked."
    )
    url = models.URLField("URL", max_length=2000, blank=True)
    payload = models.TextField(
        blank=True, help_text="Pasted or read text waiting to be imported; emptied once done."
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_records",
        help_text="The outlet asked for, or whose feed the entry came from.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    message = models.TextField(
        blank=True, help_text="Why it failed, or what the editor should check."
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_records",
        help_text="The article it made, or the existing one it matched.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("asked at", auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A running import holds a lease: past it, its runner is taken for dead
    # and anyone may mark the record failed (services/leases.py). `attempts`
    # numbers the runs, so a run that outlived its lease cannot finish a
    # record that was since reclaimed or run again.
    attempts = models.PositiveSmallIntegerField(
        "tries", default=0, help_text="How many times it was run: trying again reruns the record."
    )
    lease_expires_at = models.DateTimeField(
        "running until",
        null=True,
        blank=True,
        help_text="While it runs: past this time, its worker is taken for stopped.",
    )
    task_id = models.CharField(
        "task", max_length=64, blank=True, help_text="The background task that last ran it."
    )

    objects = ImportRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="importrecord_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=ImportOrigin.values), name="importrecord_origin_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="importrecord_created_idx"),
            models.Index(fields=["source", "url"], name="importrecord_source_url_idx"),
            # What the search for stopped imports reads: the few running ones.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status=ImportStatus.RUNNING),
                name="importrecord_lease_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_origin_display()}: {self.requested}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def status_line(self) -> str:
        """The status, with the try it is at once the import was tried again."""
        label = self.get_status_display()
        if self.status == ImportStatus.QUEUED and self.attempts:
            return f"{label} (try {self.attempts + 1})"  # a try counts once it runs
        return f"{label} (try {self.attempts})" if self.attempts > 1 else label

    @property
    def outcome(self) -> str:
        """One sentence saying how the import ended, for the shell and the admin."""
        if self.status == ImportStatus.DONE:
            line = f"created draft “{self.article}” (article {self.article_id})"
        elif self.status == ImportStatus.DUPLICATE:
            line = "skipped as a duplicate"
        elif self.status == ImportStatus.FAILED:
            line = "failed"
        else:
            line = self.get_status_display().lower()
        return f"{line}: {self.message}" if self.message else line


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


class Tally(models.Model):
    """How many public articles one filter holds, by one facet value.

    Kept by `articles.tallies` on every write, so that a list's count, facets
    and chart are read rather than counted. `scope` is the filter ("" for
    none, "tag:12", "source:3", "kind:wire", "country:CA", "language:fr",
    "year:2024", "month:2024-03"); `facet` and `value` what is counted in it
    ("all" with "" for the total).
    """

    scope = models.CharField(max_length=60)
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=40)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "facet", "value"], name="tally_unique")
        ]

    def __str__(self):
        return f"{self.scope or 'all'} {self.facet} {self.value}: {self.n}"


class TallyClock(models.Model):
    """The moment the tallies are true at: they count the articles public by
    then. A single row; with none, nothing is tallied yet."""

    through = models.DateTimeField()

    def __str__(self):
        return f"tallies true at {self.through:%Y-%m-%d %H:%M:%S}"


class DataVersion(models.Model):
    """The version of the public data that cached pages and counts are kept
    under (articles/caching.py). A single row, written in the transaction of
    every change the public sees: the version changes exactly when the change
    is committed, and every process reads it here, whatever becomes of a
    cache. `changed_at` is the change's time in whole seconds (Last-Modified);
    `next_due`, when the next published article waiting for its time is due."""

    token = models.CharField(max_length=32)
    changed_at = models.BigIntegerField()
    next_due = models.FloatField(null=True)

    def __str__(self):
        return f"data version {self.token}"
