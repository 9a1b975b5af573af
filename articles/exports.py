"""Every article of a view, as CSV or JSON, streamed row by row."""

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import batched

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

COLUMNS = ["headline", "outlet", "byline", "published", "url", "page", "tags", "summary"]

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CHUNK = 500


def export_rows(queryset: QuerySet, *, page_url: Callable[[str], str]) -> Iterator[dict]:
    """One dict a matching article, in COLUMNS order; `page_url(slug)` is its page.

    Read as plain values, with the tags of each 500 articles in one query: an
    export of ten thousand rows makes no model instances.
    """
    links = queryset.model.tags.through.objects.order_by("tag__name", "tag_id")
    rows = queryset.values_list(
        "pk", "title", "slug", "source__name", "byline", "published_at", "url", "summary"
    )
    for chunk in batched(rows.iterator(chunk_size=CHUNK), CHUNK):
        tags = defaultdict(list)
        ids = [row[0] for row in chunk]
        for article_id, name in links.filter(article_id__in=ids).values_list(
            "article_id", "tag__name"
        ):
            tags[article_id].append(name)
        for pk, title, slug, outlet, byline, published, url, summary in chunk:
            yield {
                "headline": title,
                "outlet": outlet,
                "byline": byline,
                "published": published.isoformat() if published else "",
                "url": url,
                "page": page_url(slug),
                "tags": tags[pk],
                "summary": summary,
            }


def _cell(value) -> str:
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer writes to this and gets back the line it wrote."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(row[column]) for column in COLUMNS])


def json_stream(rows: Iterable[dict]) -> Iterator[str]:
    yield "["
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
    yield "\n]\n"
