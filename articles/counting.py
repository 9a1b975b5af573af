"""The numbers beside a list that is not tallied (a search, combined filters),
counted live, in the shape `tallies.tallied_counts` gives them.

Four queries, whatever the filters: the articles by outlet and language (which
give the total, the outlets and, with the outlets' kinds and countries read
apart, those facets too), by month (the chart and the years), and their tags.
Each facet counted on its own would make the database find the matching
articles again, six or seven times over.
"""

import datetime
from collections import Counter, defaultdict
from functools import lru_cache

from django.db import connection
from django.db.models import Count, F, Func, QuerySet, TextField
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Article, Source


class _SQLiteMonthKey(Func):
    """A key from which the reader's month of a stored UTC time follows: its
    month, or on the days that a month of the reader's may begin or end, its
    hour.

    TruncMonth on SQLite converts each row in Python, which cost most of a
    search's time; these keys are cut from the stored text by SQLite itself,
    and only the few edge hours are converted (`_month_of`).
    """

    output_field = TextField()

    def __init__(self, expression, *, edge_days: tuple[str, ...]):
        days = ", ".join(f"'{day}'" for day in edge_days)
        super().__init__(
            expression,
            template=(
                f"CASE WHEN substr(%(expressions)s, 9, 2) IN ({days}) "
                "THEN substr(%(expressions)s, 1, 13) ELSE substr(%(expressions)s, 1, 7) END"
            ),
        )


@lru_cache(maxsize=1 << 16)
def _month_of(key: str, zone) -> str:
    """The reader's month ("2024-03") of a `_SQLiteMonthKey`, in `zone`."""
    if len(key) == 7:
        return key
    hour = datetime.datetime.fromisoformat(key + ":00").replace(tzinfo=datetime.UTC)
    local = hour.astimezone(zone)
    return f"{local.year:04}-{local.month:02}"


def _edge_days(zone) -> tuple[str, ...] | None:
    """The UTC days of a month on which one of `zone`'s months may begin or end,
    or None if its hours are not UTC's (a half-hour zone)."""
    now = timezone.now()
    moments = (now, now + datetime.timedelta(days=182))
    offsets = {moment.astimezone(zone).utcoffset() for moment in moments}
    hour = datetime.timedelta(hours=1)
    if any(offset % hour for offset in offsets):
        return None
    days = ()
    # West of UTC, a month begins in the first hours of the 1st, UTC; east of
    # it, in the last hours of the month before. Any other day of the month,
    # UTC, is all in that month, wherever the reader is.
    if min(offsets) < datetime.timedelta():
        days += ("01",)
    if max(offsets) > datetime.timedelta():
        days += ("28", "29", "30", "31")
    return days


def _months(articles: QuerySet) -> Counter:
    """The articles of `articles` a month of the reader's calendar, keyed "2024-03"."""
    dated = articles.exclude(published_at=None)
    zone = timezone.get_current_timezone()
    months = Counter()
    edge_days = _edge_days(zone) if connection.vendor == "sqlite" else None
    if edge_days is not None:
        key = _SQLiteMonthKey(F("published_at"), edge_days=edge_days or ("",))
        rows = dated.values(key=key).annotate(n=Count("pk"))
        for key, n in rows.values_list("key", "n"):
            months[_month_of(key, zone)] += n
        return months
    rows = dated.values(month=TruncMonth("published_at")).annotate(n=Count("pk"))
    for month, n in rows.values_list("month", "n"):
        months[f"{month.year:04}-{month.month:02}"] += n
    return months


def live_counts(articles: QuerySet) -> dict[str, Counter]:
    """The counts of the articles of `articles`, facet by facet: {"all": {"":
    total}, "source": {"12": n}, ..., "month": {"2024-03": n}}."""
    articles = articles.order_by()
    counts: dict[str, Counter] = defaultdict(Counter)
    counts["all"][""] = 0
    by_outlet = articles.values("source_id", "language").annotate(n=Count("pk"))
    for source, language, n in by_outlet.values_list("source_id", "language", "n"):
        counts["all"][""] += n
        counts["source"][str(source)] += n
        counts["language"][language] += n
    if not counts["all"][""]:
        return counts
    # Read for the few hundred outlets, not joined to each of thousands of matches.
    outlets = Source.objects.filter(pk__in=[int(pk) for pk in counts["source"]]).order_by()
    for source, kind, country in outlets.values_list("pk", "kind", "country"):
        n = counts["source"][str(source)]
        counts["kind"][kind] += n
        counts["country"][country or ""] += n
    counts["month"] = _months(articles)
    for month, n in counts["month"].items():
        counts["year"][month[:4]] += n
    links = Article.tags.through.objects.filter(article_id__in=articles.values("pk"))
    for tag, n in links.values("tag_id").annotate(n=Count("pk")).values_list("tag_id", "n"):
        counts["tag"][str(tag)] = n
    return counts
