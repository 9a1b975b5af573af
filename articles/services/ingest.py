"""Bringing one article in: from a URL, a pasted page or a file.

Every attempt is an ImportRecord. `import_record_run` does the work a
record asks for and always leaves it finished: done (a new draft),
duplicate (the same URL or the same story was already here: the article it
matched is linked) or failed (with a message for the editor). The page is
fetched and read first; then the article, its fingerprint, another outlet's
copy and the record's outcome are written in one transaction, one import at
a time (`story_write_lock`), so a failure leaves nothing half-written and
two outlets' copies of one story imported at once make one article.

A run holds its record with a lease and settles it only while it still
holds it (services/leases.py).
"""

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import (
    Article,
    ArticleCopy,
    ArticleStatus,
    ImportOrigin,
    ImportRecord,
    ImportStatus,
    Source,
    SourceKind,
    unique_slug,
)

from .addresses import RefusedAddress, links_checked, url_declared
from .dates import date_checked, date_read
from .dedupe import (
    Fingerprint,
    story_fingerprint,
    story_fingerprint_store,
    story_match,
    story_write_lock,
)
from .extract import Extracted, ExtractError, content_extract, plain_text
from .fetch import FetchError, content_decode, page_fetch
from .leases import ImportLeaseLost, import_record_claim, import_record_settle
from .urls import InvalidURL, domain_candidates, url_clean, url_domain, url_key

logger = logging.getLogger(__name__)

REQUESTED_MAX = 500
# Tries at a slug when editors keep saving articles under the one picked.
SLUG_TRIES = 3


class ImportFailed(Exception):
    """An import that cannot go on, with a message for the editor."""


@dataclass(frozen=True)
class EntryHints:
    """What a feed entry says about its article, used where the page is silent."""

    title: str = ""
    byline: str = ""
    # The entry's date as the feed wrote it: read and checked like a page's.
    published: str = ""
    # What the editor should know about the feed itself (its characters).
    notes: tuple[str, ...] = ()


# --- Records ------------------------------------------------------------------


def import_record_create(
    *,
    origin: str,
    requested: str,
    url: str = "",
    payload: str = "",
    source: Source | None = None,
    user: AbstractBaseUser | None = None,
) -> ImportRecord:
    """A queued record of what was asked, ready for `import_record_run`."""
    return ImportRecord.objects.create(
        origin=origin,
        requested=plain_text(requested, max_length=REQUESTED_MAX),
        url=url[:2000],
        payload=payload.replace("\x00", ""),
        source=source,
        requested_by=user if user is not None and user.is_authenticated else None,
    )


def import_record_run(*, record: ImportRecord, hints: EntryHints | None = None) -> ImportRecord:
    """Do what a queued `record` asks and record the outcome. Never raises for
    bad input: whatever goes wrong ends as a failed record, so a worker keeps
    going. A record that is not queued (any more) is left as it is."""
    if not import_record_claim(record=record):
        record.refresh_from_db()
        return record
    try:
        _import(record, hints or EntryHints())
    except ImportLeaseLost:
        logger.warning("Import %s ran past its lease; its record was taken over", record.pk)
        record.refresh_from_db()
    except (ImportFailed, FetchError, ExtractError, InvalidURL) as error:
        _fail(record, str(error))
    except Exception as error:  # a bug must not stop the worker or lose the record
        logger.exception("Import %s failed unexpectedly", record.pk)
        _fail(
            record,
            f"Newsroom hit an unexpected error ({type(error).__name__}); it has been logged. "
            "Try again, or paste the page instead.",
        )
    return record


def _finish(
    record: ImportRecord, status: str, message: str = "", article: Article | None = None
) -> None:
    """Record the outcome, if this run still holds the record; otherwise
    raise ImportLeaseLost, which rolls back what the run wrote."""
    outcome = {
        "status": status,
        "message": message,
        "finished_at": timezone.now(),
        "article_id": article.pk if article is not None else record.article_id,
    }
    if status != ImportStatus.FAILED:
        outcome["payload"] = ""  # the article holds what mattered; keep failures to retry
    import_record_settle(record=record, **outcome)
    if article is not None:
        record.article = article


def _fail(record: ImportRecord, message: str) -> None:
    record.article = None  # whatever it pointed to was rolled back
    try:
        _finish(record, ImportStatus.FAILED, message)
    except ImportLeaseLost:
        record.refresh_from_db()


# --- The import ---------------------------------------------------------------


def article_find_by_url_key(key: str) -> Article | None:
    """The article at this canonical URL, as itself or as another outlet's copy."""
    if not key:
        return None
    article = Article.objects.filter(url_key=key).first()
    if article is None:
        copy = ArticleCopy.objects.select_related("article").filter(url_key=key).first()
        article = copy.article if copy else None
    return article


def _same_site(a: str, b: str) -> bool:
    host_a, host_b = url_domain(a), url_domain(b)
    return bool(host_a and host_b) and (host_a.split(".")[-2:] == host_b.split(".")[-2:])


def _duplicate_url(record: ImportRecord, article: Article) -> None:
    _finish(
        record,
        ImportStatus.DUPLICATE,
        f"Already in Newsroom: “{article.title}” has this address.",
        article,
    )


def _import(record: ImportRecord, hints: EntryHints) -> None:
    page_url = url_clean(record.url) if record.url else ""
    if existing := article_find_by_url_key(url_key(page_url)):
        return _duplicate_url(record, existing)

    if record.payload:
        content, content_type = record.payload, ""
    elif page_url:
        fetched = page_fetch(url=page_url)
        page_url, content_type = fetched.url, fetched.content_type
        content = fetched.text()
        if existing := article_find_by_url_key(url_key(page_url)):  # where a redirect led
            return _duplicate_url(record, existing)
    else:
        raise ImportFailed("Nothing to import: give a URL, or paste the page.")

    extracted = content_extract(content=content, url=page_url, content_type=content_type)
    _apply_hints(extracted, hints)
    refused = _addresses_checked(extracted)
    article_url = page_url
    if extracted.url and extracted.url != page_url:
        canonical = extracted.url
        # A page may name its canonical address on its own site only: one
        # pointing elsewhere could claim another outlet's article.
        if not page_url or _same_site(canonical, page_url):
            if existing := article_find_by_url_key(url_key(canonical)):
                return _duplicate_url(record, existing)
            article_url = canonical

    fingerprint = story_fingerprint(text=extracted.text)
    with story_write_lock():
        return _store(record, extracted, article_url, fingerprint, refused)


def _store(
    record: ImportRecord,
    extracted: Extracted,
    article_url: str,
    fingerprint: Fingerprint | None,
    refused: str,
) -> None:
    """The writing half of an import, under `story_write_lock`: what it finds
    here, no other import is writing at the same moment."""
    if existing := article_find_by_url_key(url_key(article_url)):  # saved while this one read
        return _duplicate_url(record, existing)
    source = record.source or _source_for_page(
        url=article_url, site_name=extracted.site_name, refused=refused
    )
    if match := story_match(fingerprint=fingerprint):
        copy = ArticleCopy(
            article=match.article,
            source=source,
            url=article_url,
            title=extracted.title,
            published_at=extracted.published_at,
            similarity=round(match.score, 3),
        )
        _validated(copy)
        copy.save()
        return _finish(
            record,
            ImportStatus.DUPLICATE,
            f"Same story as “{match.article.title}” ({match.score:.0%} of the text alike): "
            f"recorded as {source}'s copy, not a second article.",
            match.article,
        )

    article = Article(
        title=extracted.title,
        url=article_url,
        source=source,
        wire_service=_wire_service_for(byline=extracted.byline, source=source),
        byline=extracted.byline,
        published_at=extracted.published_at,
        body=extracted.body_html,
        language=extracted.language or source.language or "en",
        status=ArticleStatus.DRAFT,
        created_by=record.requested_by,
        updated_by=record.requested_by,
    )
    article.slug = unique_slug(article, article.title)
    _validated(article)
    for attempt in range(1, SLUG_TRIES + 1):
        try:
            with transaction.atomic():
                article.save()
            break
        except IntegrityError:
            # Saved a moment ago by something that takes no lock: the same
            # page, or an editor's article under the same slug.
            if existing := article_find_by_url_key(url_key(article_url)):
                return _duplicate_url(record, existing)
            if attempt == SLUG_TRIES or not Article.objects.filter(slug=article.slug).exists():
                raise
            article.slug = unique_slug(article, article.title)
    story_fingerprint_store(article=article, fingerprint=fingerprint)
    notes = [*extracted.notes, extracted.date_note]
    if not source.is_active:
        notes.append(f"The outlet “{source}” is new and inactive: complete it and activate it.")
    _finish(record, ImportStatus.DONE, " ".join(filter(None, notes)), article)


def _apply_hints(extracted: Extracted, hints: EntryHints) -> None:
    if hints.title and (not extracted.title or extracted.title.endswith("…")):
        extracted.title = plain_text(hints.title, max_length=300)
    if hints.byline and not extracted.byline:
        extracted.byline = plain_text(hints.byline, max_length=300)
    extracted.notes.extend(hints.notes)
    if not hints.published:
        return
    date, note = date_checked(date_read(hints.published), given=hints.published, where="feed")
    if extracted.published_at is not None:
        if date is None:
            extracted.notes.append(
                f"The feed gave “{hints.published}” as the entry's date, which cannot be "
                "right; the date the article gives is used instead."
            )
    elif date is not None:
        extracted.published_at, extracted.date_note = date, ""
    elif extracted.date_note.startswith("No publication date"):
        extracted.date_note = note
    else:
        extracted.date_note = f"{note} {extracted.date_note}"


def _validated(instance) -> None:
    try:
        instance.full_clean(exclude=["slug"] if isinstance(instance, Article) else None)
    except ValidationError as error:
        problems = "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
        raise ImportFailed(f"The article could not be saved: {problems}") from error


def _wire_service_for(*, byline: str, source: Source) -> Source | None:
    if not byline or source.kind == SourceKind.WIRE:
        return None
    folded = byline.casefold()
    for wire in Source.objects.filter(kind=SourceKind.WIRE).order_by("-name"):
        if wire.name.casefold() in folded:
            return wire
    return None


def source_for_domain(*, domain: str, site_name: str = "") -> Source:
    """The source whose homepage is on `domain` (or a parent domain); when
    there is none, a new inactive source for the editor to complete."""
    candidates = domain_candidates(domain)
    known = {s.domain: s for s in Source.objects.filter(domain__in=candidates)}
    for candidate in candidates:  # the most specific match first
        if candidate in known:
            return known[candidate]
    name = plain_text(site_name, max_length=150) or domain
    if Source.objects.filter(name__iexact=name).exists():
        name = f"{name} ({domain})"
    source = Source(
        name=name[:200],
        homepage=f"https://{domain}/",
        kind=SourceKind.OTHER,
        is_active=False,
        description=f"Created by an import from {domain}. Complete it, then activate it.",
    )
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:
        # Another import created it a moment ago.
        found = Source.objects.filter(domain=domain).first()
        if found is None:
            raise
        return found
    return source


def _addresses_checked(extracted: Extracted) -> str:
    """Drop the addresses the page names that Newsroom may not use (see
    addresses.py), each with a note; the note on the page's own address."""
    refused = ""
    if extracted.url:
        try:
            extracted.url = url_declared(extracted.url)
        except RefusedAddress as error:
            refused = (
                f"The page gives its address as {extracted.url[:300]}, which Newsroom does "
                f"not use: {error}."
            )
            extracted.notes.append(refused)
            extracted.url = ""
    extracted.body_html, note = links_checked(extracted.body_html)
    if note:
        extracted.notes.append(note)
    return refused


def _source_for_page(*, url: str, site_name: str, refused: str = "") -> Source:
    domain = url_domain(url)
    if not domain:
        raise ImportFailed(
            (f"{refused} " if refused else "")
            + "Newsroom cannot tell which outlet published this: choose the source, "
            "or give the page's URL."
        )
    return source_for_domain(domain=domain, site_name=site_name)


# --- Entry points ---------------------------------------------------------------


def article_import_from_url(
    *, url: str, source: Source | None = None, user: AbstractBaseUser | None = None
) -> ImportRecord:
    """Fetch `url` and import the article on it, now."""
    record = import_record_create(
        origin=ImportOrigin.URL, requested=url, url=url, source=source, user=user
    )
    return import_record_run(record=record)


def article_import_from_content(
    *,
    content: str | bytes,
    requested: str,
    origin: str = ImportOrigin.PASTE,
    url: str = "",
    source: Source | None = None,
    user: AbstractBaseUser | None = None,
) -> ImportRecord:
    """Import the article in pasted or read content (HTML or plain text), now.
    `url` is the page's address when known; nothing is fetched."""
    if isinstance(content, bytes):
        content = content_decode(content=content)
    record = import_record_create(
        origin=origin, requested=requested, url=url, payload=content, source=source, user=user
    )
    if not content.strip():
        # Failed as it is made: there is no run to claim it.
        record.status = ImportStatus.FAILED
        record.message = "The page is empty: there is nothing to import."
        record.finished_at = timezone.now()
        record.save(update_fields=["status", "message", "finished_at"])
        return record
    return import_record_run(record=record)
