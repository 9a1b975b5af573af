"""The coverage-over-time chart: articles a month, drawn on the server as SVG."""

import calendar
import datetime
from collections import Counter
from dataclasses import dataclass
from html import escape

from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from .querystring import dated

WIDTH, HEIGHT = 720, 160
# Room under the bars for the years.
AXIS = 18
# A short span is drawn as a year at least, so that one month is not a wall;
# a long archive shows its last twenty years.
MIN_MONTHS, MAX_MONTHS = 12, 240


@dataclass(frozen=True)
class Bar:
    month: datetime.date
    count: int
    query: str
    x: float
    y: float
    height: float

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}: {self.count} article{'' if self.count == 1 else 's'}"


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    bar_width: float
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    plot_height: int = HEIGHT - AXIS

    # The bars and the table's rows are joined here rather than looped over
    # in the template: a decade is 120 of each, and the template engine (and
    # even format_html's escaping) took most of a list page's time drawing them.
    # Only the queries and labels are text; html.escape makes them safe.
    def bars_svg(self) -> SafeString:
        """Each bar, a link named by its <title>, over a taller invisible target."""
        width, plot = self.bar_width, self.plot_height
        return mark_safe(
            "\n".join(
                f'<a href="?{escape(bar.query)}"><title>{escape(bar.label)}</title>'
                f'<rect x="{bar.x}" y="{bar.y}" width="{width}" height="{bar.height}" class="bar"/>'
                f'<rect x="{bar.x}" y="0" width="{width}" height="{plot}" class="hit"/></a>'
                for bar in self.bars
            )
        )

    def table_rows(self) -> SafeString:
        """A row of the table of numbers for each month with articles."""
        return mark_safe(
            "\n".join(
                f'<tr><th scope="row"><a href="?{escape(bar.query)}">'
                f"{bar.month:%B %Y}</a></th>"
                f'<td class="num">{bar.count}</td></tr>'
                for bar in self.bars
                if bar.count
            )
        )


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    while len(months) < MIN_MONTHS:
        months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
    return months[-MAX_MONTHS:]


def chart_from_counts(counts: dict[str, Counter], params: QueryDict) -> Chart | None:
    """The chart of a list from its counts (`counts["month"]`, keyed "2024-03")."""
    months = {
        datetime.date(int(month[:4]), int(month[5:7]), 1): n for month, n in counts["month"].items()
    }
    return chart_of(months, params)


def chart_of(counts: dict[datetime.date, int], params: QueryDict) -> Chart | None:
    """The chart of articles a month (by the first day of each), or None.

    Months without articles are drawn empty, so that the time axis stays true.
    Each bar links to its month's articles under the current filters.
    """
    counts = {month: n for month, n in counts.items() if n > 0}
    if not counts:
        return None
    months = _months(min(counts), max(counts))
    peak = max(counts.values())
    slot = WIDTH / len(months)
    plot = HEIGHT - AXIS
    bars, ticks = [], []
    month_query = dated(params)
    # Label every year when they fit, else every few years.
    every = max(1, round(len(months) / 12 / 8))
    for i, month in enumerate(months):
        count = counts.get(month, 0)
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        query = month_query(month.isoformat(), end.isoformat())
        height = round((plot - 6) * count / peak, 2)
        x = round(i * slot, 2)
        bars.append(Bar(month, count, query, x, round(plot - height, 2), height))
        if month.month == 1 and month.year % every == 0:
            ticks.append(Tick(x, str(month.year)))
    return Chart(bars=bars, ticks=ticks, bar_width=round(max(slot - 1, 1), 2), peak=peak)
