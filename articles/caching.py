"""Caching of public pages and of the costly numbers beside them.

One row in the database, the data state (`DataVersion`), says which version
of the public data is current: a random token, when the data last changed,
and when the next scheduled article comes due. Every cached page and every
memoised count has the token in its key, so a change to what the public sees
makes all of them unreachable at once: `content_changed()` writes a new
token. It runs on every save and delete of an article the public sees before
or after it, of a tag, an outlet or a copy that such an article has, on every
change to such an article's tags (signals, connected in `apps.py`) and on the
same bulk writes through the models' querysets (`articles/public_writes.py`
tells which); code that writes with raw SQL calls it itself. A change the
public cannot see (a draft, a tag only drafts have) writes nothing: the
validators of public pages (ETag, Last-Modified) must not tell of it.

The state is written in the transaction of the change, so that it changes
exactly when the change is committed, for every process, whatever becomes of
the cache: a cache that fails can cost speed, never a stale version. The
default cache memoises it for `CACHE_STATE_TTL` seconds, so that a request
need not read the database for it; the writer puts the new state there once
it has committed. With Redis every process therefore sees a change at once;
with local memory, another process within `CACHE_STATE_TTL`, and a write that
could not reach the cache is seen everywhere within it too.

A scheduled article appears when its time comes without any write: the state
knows that time, and from then on every process derives the next version from
it alike (`_came_due`), reading but never writing, so that readers never wait
on an editor's lock. A
write of a scheduled article changes that time, not Last-Modified
(`schedule_changed()`).

A page is cached only for anonymous readers, only when it is a complete 200
that sets no cookie; editors always get a page made afresh, with nothing
memoised. Pages are kept in each process with the default local-memory
backend, and shared by every process with Redis (`REDIS_URL`).
"""

import datetime
import hashlib
import math
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, partial, wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control, set_response_etag
from django.utils.connection import ConnectionProxy
from django.utils.http import http_date

STATE_KEY = "data-state"
# Pages and memoised values, whose keys all hold the data version's token.
versioned = ConnectionProxy(caches, "versioned")
# The state as a public page's request first read it: a page reads it for
# every key it makes.
_request_state: ContextVar["DataState | None"] = ContextVar("request_state", default=None)
# Set while a page is made for an editor: nothing memoised is used or kept.
_fresh = ContextVar("fresh", default=False)
# Sent by static/js/filters.js: the list answers it with a part of the page.
PARTIAL_HEADER = "X-Newsroom-Partial"


@dataclass(frozen=True)
class DataState:
    token: str
    changed_at: float
    next_due: float | None

    def ttl(self) -> int:
        """Seconds an entry of this version may be kept: never past the next due article."""
        ttl = settings.CACHE_TTL
        if self.next_due is not None:
            ttl = min(ttl, max(1, math.ceil(self.next_due - time.time())))
        return ttl


def _next_due(*, after: float | None = None) -> float | None:
    """When the next published article waiting for its time comes due (after
    `after`, a timestamp, or now)."""
    from .models import Article, ArticleStatus

    # A published article waits for both its outlet date and its schedule.
    now = datetime.datetime.fromtimestamp(after, datetime.UTC) if after else timezone.now()
    waiting = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    dues = [
        waiting.filter(**{f"{field}__gt": now})
        .order_by(field)
        .values_list(field, flat=True)
        .first()
        for field in ("published_at", "publish_at")
    ]
    next_due = min((due for due in dues if due), default=None)
    return next_due.timestamp() if next_due else None


def _state_of(row) -> DataState:
    return DataState(token=row.token, changed_at=float(row.changed_at), next_due=row.next_due)


def _locked_row():
    """The state's row, locked until the end of the transaction: writers of
    the state take their turns, each reading what the one before committed."""
    from .models import DataVersion, TallyClock

    # An article's write locks the tallies' clock, then this row: so does
    # every other writer of this row, clock first, or a transaction that
    # writes a tag and then an article would wait on one that writes an
    # article in the other order (a deadlock, on PostgreSQL).
    TallyClock.objects.select_for_update().order_by("pk").first()
    rows = DataVersion.objects.select_for_update()
    row = rows.filter(pk=1).first()
    if row is None:
        # First use, or a database emptied: no page is kept under this token.
        first = DataVersion(pk=1, token=uuid.uuid4().hex, changed_at=math.ceil(time.time()))
        DataVersion.objects.bulk_create([first], ignore_conflicts=True)
        row = rows.get(pk=1)
    return row


def _publish() -> None:
    """Once a write of the state is committed: the state as it now is, for
    every reader of the cache. Should the cache fail, its copy lapses within
    CACHE_STATE_TTL, and the database has the state meanwhile."""
    connection = transaction.get_connection()
    # Once a commit, however many writes it held: each waits a lease with Redis.
    if not connection.data_state_published:
        connection.data_state_published = True
        cache.set(STATE_KEY, _read_state(), settings.CACHE_STATE_TTL)


def _write(change: Callable[[Any], None]) -> DataState:
    """`change` the state's row, in the transaction of the write that calls for
    it. Until that commits, only this connection reads the new state: a page
    another process makes meanwhile, from data without the change, is kept
    under the old token, which the commit makes stale."""
    connection = transaction.get_connection()
    with transaction.atomic():
        row = _locked_row()
        change(row)
        row.next_due = _next_due()
        row.save()
        state = _state_of(row)
        # A fresh callable a write: while it waits for the commit, the write
        # is still to come (a rollback drops both).
        publish = partial(_publish)
        transaction.on_commit(publish, robust=True)
        connection.data_state_pending = (publish, state)
        connection.data_state_published = False
    if _request_state.get() is not None:
        _request_state.set(state)
    return state


def _pending_state() -> DataState | None:
    """The state this connection wrote in a transaction not yet committed."""
    connection = transaction.get_connection()
    pending = getattr(connection, "data_state_pending", None)
    if pending and any(hook is pending[0] for _, hook, _ in connection.run_on_commit):
        return pending[1]
    return None


def _read_state() -> DataState:
    from .models import DataVersion

    row = DataVersion.objects.filter(pk=1).first()
    return _state_of(row) if row else _write(lambda row: None)


@lru_cache(maxsize=256)
def _came_due(state: DataState) -> DataState:
    """The version that follows `state` once its next article is due: derived,
    the same in every process, and written nowhere, so that a reader never
    waits on an editor's lock. (Any write in between makes a new token: what
    follows a state never changes, and may be kept.)"""
    token = hashlib.sha1(f"{state.token}:{state.next_due}".encode(), usedforsecurity=False)
    return DataState(
        token=token.hexdigest(),
        changed_at=max(math.ceil(state.next_due), int(state.changed_at) + 1),
        next_due=_next_due(after=state.next_due),
    )


def data_state() -> DataState:
    """The current version of the public data (one cache read, once a request)."""
    state = _request_state.get() or _pending_state() or cache.get(STATE_KEY)
    if state is None:
        state = _read_state()
        # Never over the copy a writer has just put there.
        cache.add(STATE_KEY, state, settings.CACHE_STATE_TTL)
    while state.next_due is not None and time.time() >= state.next_due:
        state = _came_due(state)
    return state


def _bump(row) -> None:
    # Whole seconds, as Last-Modified has them, and always later than the last
    # version's, so that If-Modified-Since can never mistake one for the other.
    now = math.ceil(time.time())
    if row.next_due is not None and row.next_due <= time.time():
        # Later than the versions readers derived since (`_came_due`), dated now at most.
        now += 1
    row.token = uuid.uuid4().hex
    row.changed_at = max(now, row.changed_at + 1)


def content_changed() -> None:
    """Make every cached page and count stale, as this transaction commits."""
    _write(_bump)


def _reschedule(row) -> None:
    # Last-Modified stays, as nothing public changed. The token does not:
    # pages kept under it do not know the new time.
    row.token = uuid.uuid4().hex


def schedule_changed() -> None:
    """A published article waiting for its time was written: the public sees
    nothing of it yet, so the version's Last-Modified stays, but the version
    must end when the article is due."""
    _write(_reschedule)


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def memo_version() -> tuple[str, int]:
    """The data version's token for keys of memoised things, and the seconds to
    keep them: ("", 0) when memoising is off (CACHE_AGGREGATES)."""
    if not settings.CACHE_AGGREGATES or _fresh.get():
        return "", 0
    state = data_state()
    return state.token, state.ttl()


def version_key(name: str, key: str) -> tuple[str, int]:
    """A cache key for `key` in the current data version, and the seconds to keep
    what is stored under it: 0 when memoising is off (CACHE_AGGREGATES)."""
    if not settings.CACHE_AGGREGATES or _fresh.get():
        return "", 0
    state = data_state()
    return f"{name}:{state.token}:{_digest(key)}", state.ttl()


def memoised(name: str, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept for the current data version under `name` and `key`."""
    cache_key, ttl = version_key(name, key)
    if not ttl:
        return compute()
    value = versioned.get(cache_key)
    if value is None:
        value = compute()
        versioned.set(cache_key, value, ttl)
    return value


def _cacheable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


def cache_public_page(view):
    """Serve anonymous GETs of `view` from the cache, and mark its responses
    for conditional requests: an ETag of the content, and Last-Modified at the
    last change of the public data. Browsers and feed readers revalidate each
    time (max-age=0) and get a 304 when nothing changed."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            fresh = _fresh.set(True)
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            finally:
                _fresh.reset(fresh)
            add_never_cache_headers(response)
            return response
        state = data_state()
        request_state = _request_state.set(state)
        try:
            return _serve(view, request, state, *args, **kwargs)
        finally:
            _request_state.reset(request_state)

    return cached_view


def _serve(view, request: HttpRequest, state: DataState, *args, **kwargs) -> HttpResponse:
    """An anonymous request of a public page: from the cache, or made and kept."""
    use_cache = settings.CACHE_PAGES and request.method in ("GET", "HEAD")
    key = (
        "page:"
        + state.token
        + ":"
        + _digest(
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            request.headers.get(PARTIAL_HEADER, ""),
        )
    )
    if use_cache:
        response = versioned.get(key)
        if response is not None:
            return response
    response = view(request, *args, **kwargs)
    if not _cacheable(response):
        return response
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    # One piece: a feed is written in thousands, each a send() of its own.
    response.content = response.content
    response["Last-Modified"] = http_date(state.changed_at)
    set_response_etag(response)
    patch_cache_control(response, max_age=0)
    if use_cache:
        versioned.set(key, response, state.ttl())
    return response
