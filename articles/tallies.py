"""The public articles counted ahead, for the numbers beside a list.

Counted live, a list's total, facets and chart scan every article it holds:
seconds for the whole archive at a million. Kept here instead, as `Tally`
rows for one filter at a time (none, a tag, an outlet, a kind of outlet, a
country, a language, a year, a month), they are read in a few small queries
however many articles match. A view that combines filters, or searches, is
still counted live.

The tallies are true at `TallyClock.through`: they count what was public
then. Every write of an article, of its tags, or of an outlet's kind or
country applies its difference as it happens (signals, connected in
`apps.py`, and the querysets' bulk writes), and brings the clock up to now.
A reader adds the few articles that came due since the clock, so a scheduled
article counts the moment it shows. Writes that go round the models (the
archive's import, the benchmark's loader) call `tallies_rebuild()`, which is
also what `manage.py migrate` does when there are none yet.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import product

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Article, ArticleQuerySet, ArticleStatus, Tally, TallyClock

# Articles read at a time, when many change at once or all are counted.
CHUNK = 2000
# A date range over more years than this is counted live: its scopes would
# outnumber what they save.
MAX_YEARS = 100

Key = tuple[str, tuple[str, str]]

# Set while many rows are loaded at once, to be counted all together after.
_held = ContextVar("tallies_held", default=False)


@dataclass(frozen=True)
class Fact:
    """What one published article is counted by."""

    source: int
    wire: int | None
    kind: str
    country: str
    language: str
    published_at: datetime.datetime | None
    publish_at: datetime.datetime | None
    tags: tuple[int, ...]

    def public_at(self, moment: datetime.datetime) -> bool:
        """Whether the article shows at `moment` (facts are of published articles only)."""
        return ArticleQuerySet.public_at(
            ArticleStatus.PUBLISHED, self.published_at, self.publish_at, moment
        )

    def keys(self) -> Iterable[Key]:
        """Each (scope, (facet, value)) the article counts one in."""
        scopes = ["", f"source:{self.source}", f"kind:{self.kind}"]
        facets = [("all", ""), ("source", str(self.source)), ("kind", self.kind)]
        if self.wire and self.wire != self.source:
            scopes.append(f"source:{self.wire}")
        for tag in self.tags:
            scopes.append(f"tag:{tag}")
            facets.append(("tag", str(tag)))
        for name in ("country", "language"):
            if value := getattr(self, name):
                scopes.append(f"{name}:{value}")
                facets.append((name, value))
        if self.published_at is not None:
            # The months of the reader's calendar, as the date filters and
            # TruncMonth have them.
            local = timezone.localtime(self.published_at)
            year, month = f"{local.year:04}", f"{local.year:04}-{local.month:02}"
            scopes += [f"year:{year}", f"month:{month}"]
            facets += [("year", year), ("month", month)]
        return product(scopes, facets)


def _facts(articles) -> dict[int, Fact]:
    """The facts of the published articles of the queryset `articles`."""
    rows = list(
        articles.filter(status=ArticleStatus.PUBLISHED)
        .order_by()
        .values_list(
            "pk",
            "source_id",
            "wire_service_id",
            "source__kind",
            "source__country",
            "language",
            "published_at",
            "publish_at",
        )
    )
    tags = defaultdict(list)
    for article_id, tag_id in Article.tags.through.objects.filter(
        article_id__in=[row[0] for row in rows]
    ).values_list("article_id", "tag_id"):
        tags[article_id].append(tag_id)
    return {pk: Fact(*values, tags=tuple(sorted(tags[pk]))) for pk, *values in rows}


def _facts_by_chunk(ids: Iterable[int]) -> Iterator[dict[int, Fact]]:
    """The facts of the published articles of `ids`, CHUNK articles at a time."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield _facts(Article.objects.filter(pk__in=ids[start : start + CHUNK]))


def _facts_of(ids: Iterable[int]) -> dict[int, Fact]:
    facts = {}
    for chunk in _facts_by_chunk(ids):
        facts.update(chunk)
    return facts


def _count(facts: Iterable[Fact], *, at: datetime.datetime, since=None, counts=None) -> Counter:
    """The tallies of `facts` public at `at` (and not already at `since`), added
    to `counts` if given."""
    counts = Counter() if counts is None else counts
    for fact in facts:
        if fact.public_at(at) and not (since is not None and fact.public_at(since)):
            counts.update(fact.keys())
    return counts


def _coming_due(after: datetime.datetime, until: datetime.datetime) -> dict[int, Fact]:
    """Articles that may have come to show between the two moments (a superset)."""
    # Their ids first, from the two dates' indexes alone: every list asks, and
    # most of the time there are none, whose facts need not be read.
    ids = list(
        Article.objects.filter(
            Q(published_at__gt=after, published_at__lte=until)
            | Q(publish_at__gt=after, publish_at__lte=until),
            # The list's index is led by the status: without it, PostgreSQL
            # walks all of it for the range of dates (100 ms at a million).
            status=ArticleStatus.PUBLISHED,
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    return _facts(Article.objects.filter(pk__in=ids)) if ids else {}


def _write(delta: Counter) -> None:
    """Add `delta` to the tallies. In key order: two writers lock rows alike."""
    rows = sorted((scope, facet, value, n) for (scope, (facet, value)), n in delta.items() if n)
    if not rows:
        return
    table = connection.ops.quote_name(Tally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (scope, facet, value, n) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (scope, facet, value) DO UPDATE SET n = {table}.n + excluded.n",
            rows,
        )


def _insert(rows: list[tuple[str, str, str, int]]) -> None:
    """New tallies, many at once: by COPY on PostgreSQL."""
    table = connection.ops.quote_name(Tally._meta.db_table)
    columns = "(scope, facet, value, n)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s)", rows)


def _clock(*, lock: bool = False) -> TallyClock | None:
    clocks = TallyClock.objects.order_by("pk")
    return (clocks.select_for_update() if lock else clocks).first()


def _catch_up(clock: TallyClock, now: datetime.datetime) -> None:
    if clock.through < now:
        _write(_count(_coming_due(clock.through, now).values(), at=now, since=clock.through))
        clock.through = now
        clock.save(update_fields=["through"])


class Change:
    """A write about to happen to some articles: their facts are read before it,
    and `done()` tallies the difference once it is made."""

    def __init__(self, ids: Iterable[int] = ()):
        self.ids = set() if _held.get() else set(ids)
        self.before = _facts_of(self.ids) if self.ids else {}

    def done(self, ids: Iterable[int] = ()) -> None:
        if _held.get():
            return
        self.ids.update(ids)
        if not self.ids:
            return
        with transaction.atomic():
            clock = _clock(lock=True)
            if clock is None:
                return
            # The difference at the clock the tallies are true at; then the
            # articles come due since, read as they now are.
            delta = _count(_facts_of(self.ids).values(), at=clock.through)
            delta.subtract(_count(self.before.values(), at=clock.through))
            _write(delta)
            _catch_up(clock, timezone.now())


@contextmanager
def tallies_held():
    """Leave the tallies be while the block loads many rows, then count all
    articles once, if it succeeds."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)
    tallies_rebuild()


def _fresh_counts(at: datetime.datetime) -> Counter:
    """Every tally counted afresh from the articles public at `at`, chunk by chunk."""
    counts = Counter()
    ids = Article.objects.published(at=at).values_list("pk", flat=True)
    for facts in _facts_by_chunk(ids):
        _count(facts.values(), at=at, counts=counts)
    return counts


def tallies_rebuild(*, at: datetime.datetime | None = None) -> int:
    """Count every published article again, true at `at` (now); returns the rows written."""
    at = at or timezone.now()
    with transaction.atomic():
        _clock(lock=True)
        counts = _fresh_counts(at)
        Tally.objects.all().delete()
        _insert(sorted((scope, facet, value, n) for (scope, (facet, value)), n in counts.items()))
        TallyClock.objects.all().delete()
        TallyClock.objects.create(through=at)
    return len(counts)


def tallies_drift() -> dict[Key, tuple[int, int]]:
    """Each tally that differs from a count made afresh at its clock: (kept, true).
    Empty when they agree, or when there are none."""
    clock = _clock()
    if clock is None:
        return {}
    kept = Counter(
        {
            (scope, (facet, value)): n
            for scope, facet, value, n in Tally.objects.values_list("scope", "facet", "value", "n")
        }
    )
    true = _fresh_counts(clock.through)
    return {key: (kept[key], true[key]) for key in set(kept) | set(true) if kept[key] != true[key]}


def _since_clock(clock: TallyClock) -> Counter:
    """What the tallies lack, key by key, for now rather than the clock: the
    articles come due since (or, on a clock ahead of now, not yet due)."""
    now = timezone.now()
    earlier, later = sorted((clock.through, now))
    if earlier == later:
        return Counter()
    sign = 1 if clock.through < now else -1
    coming = _coming_due(earlier, later).values()
    return Counter({key: sign * n for key, n in _count(coming, at=later, since=earlier).items()})


def tallied_counts(
    scopes: list[str], *, facets: list[str] | None = None
) -> dict[str, Counter] | None:
    """The counts of the public articles in the union of `scopes` (which must not
    overlap), facet by facet: {"all": {"": total}, "tag": {"12": n}, ...}; only
    `facets`' if given. None when nothing is tallied yet."""
    clock = _clock()
    if clock is None:
        return None
    counts: dict[str, Counter] = defaultdict(Counter)
    rows = Tally.objects.filter(scope__in=scopes)
    if facets is not None:
        rows = rows.filter(facet__in=facets)
    for facet, value, n in rows.values_list("facet", "value", "n"):
        counts[facet][value] += n
    wanted = set(scopes)
    for (scope, (facet, value)), n in _since_clock(clock).items():
        if scope in wanted and (facets is None or facet in facets):
            counts[facet][value] += n
    return counts


def tallied_totals(kind: str) -> Counter | None:
    """The public articles of each tag (`kind` "tag") or outlet ("source": as
    outlet or wire service), by id. None when nothing is tallied yet."""
    clock = _clock()
    if clock is None:
        return None
    prefix = f"{kind}:"
    totals = Counter()
    # A range rather than LIKE, which SQLite's index would not serve.
    rows = Tally.objects.filter(scope__gte=prefix, scope__lt=f"{kind};", facet="all")
    for scope, n in rows.values_list("scope", "n"):
        totals[int(scope.removeprefix(prefix))] += n
    for (scope, (facet, _)), n in _since_clock(clock).items():
        if facet == "all" and scope.startswith(prefix):
            totals[int(scope.removeprefix(prefix))] += n
    return totals


def with_tallied_totals(objects: QuerySet, kind: str) -> list | None:
    """The tags or outlets of `objects`, each with its `article_count` from the
    tallies (see `tallied_totals`); None when nothing is tallied yet."""
    totals = tallied_totals(kind)
    if totals is None:
        return None
    rows = list(objects)
    for row in rows:
        row.article_count = totals[row.pk]
    return rows


def _last_day(day: datetime.date) -> bool:
    return (day + datetime.timedelta(days=1)).day == 1


def _month_scopes(after: datetime.date, before: datetime.date) -> list[str] | None:
    """The year and month scopes that make up a range of whole months, or None."""
    if after.day != 1 or not _last_day(before) or after > before:
        return None
    if before.year - after.year > MAX_YEARS:
        return None
    scopes = []
    year, month = after.year, after.month
    while (year, month) <= (before.year, before.month):
        if month == 1 and (year < before.year or before.month == 12):
            scopes.append(f"year:{year:04}")
            year += 1
            continue
        scopes.append(f"month:{year:04}-{month:02}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return scopes


def tally_scopes(data: dict, *, tag=None, source=None) -> list[str] | None:
    """The scopes whose tallies hold the numbers of a list, from its filter form's
    cleaned `data` and the tag or outlet of its page; None when its numbers
    must be counted live (a search, or more than one filter)."""
    if data.get("q"):
        return None
    tags = {tag.pk for tag in data.get("tag") or []} | ({tag.pk} if tag else set())
    sources = {source.pk for source in data.get("source") or []} | (
        {source.pk} if source else set()
    )
    if len(tags) > 1 or len(sources) > 1:
        return None
    scopes = [f"tag:{pk}" for pk in tags] + [f"source:{pk}" for pk in sources]
    scopes += [f"{name}:{data[name]}" for name in ("kind", "country", "language") if data.get(name)]
    after, before = data.get("published_after"), data.get("published_before")
    if after or before:
        if scopes or not (after and before) or before == datetime.date.max:
            return None
        return _month_scopes(after, before)
    if len(scopes) > 1:
        return None
    return scopes or [""]


def tallies_migrate_finished(sender, *, using: str = "default", **kwargs) -> None:
    """post_migrate: count everything once, if nothing is tallied yet."""
    if using != "default" or Tally._meta.db_table not in connection.introspection.table_names():
        return
    if not TallyClock.objects.exists():
        tallies_rebuild()


# Receivers of the models' signals (apps.py). The change a pre_ signal reads
# is kept on the instance until its post_ signal.


def _begin(instance, ids: Iterable[int]) -> None:
    instance.__dict__.setdefault("_tally_changes", []).append(Change(ids))


def _end(instance, ids: Iterable[int] = ()) -> None:
    changes = instance.__dict__.get("_tally_changes")
    if changes:
        changes.pop().done(ids)


def article_pre_write(sender, instance, **kwargs) -> None:
    _begin(instance, [instance.pk] if instance.pk else [])


def article_post_write(sender, instance, **kwargs) -> None:
    _end(instance, [instance.pk])


def tags_change_articles(instance, reverse: bool, pk_set) -> Iterable[int]:
    """The ids of the articles whose tags an m2m_changed of Article.tags
    changes, from either end (an article, or a tag)."""
    if not reverse:
        return [instance.pk]
    if pk_set is not None:
        return pk_set
    return instance.articles.values_list("pk", flat=True)


def tags_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed of Article.tags, from either end."""
    if action.startswith("pre_"):
        _begin(instance, tags_change_articles(instance, reverse, pk_set))
    elif action.startswith("post_"):
        _end(instance)


def tag_pre_delete(sender, instance, **kwargs) -> None:
    # Its articles lose it with no m2m signal.
    _begin(instance, instance.articles.values_list("pk", flat=True))


def tag_post_delete(sender, instance, **kwargs) -> None:
    _end(instance)


def source_pre_save(sender, instance, **kwargs) -> None:
    """An outlet's kind and country are its articles' too."""
    if instance.pk is None:
        return
    before = type(instance).objects.filter(pk=instance.pk).values_list("kind", "country").first()
    if before is not None and before != (instance.kind, str(instance.country or "")):
        _begin(instance, Article.objects.filter(source=instance.pk).values_list("pk", flat=True))


def source_post_save(sender, instance, **kwargs) -> None:
    _end(instance)
