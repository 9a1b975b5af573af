"""The whole newsroom as one JSON file, and back: `export_archive`, `import_archive`.

An archive holds what editors made and cannot make again: sources, tags,
articles with their tags, other outlets' copies, every historical version of
articles (tags included), sources and tags, and the accounts that authorship
and history name. It leaves out what Newsroom derives and rebuilds on import
(plain body text, canonical URLs, source domains, the search index, story
fingerprints) and operational logs (import records, queued tasks, sessions,
the admin's log of actions). The README's "Archive: export and restore"
describes the format.

Rows are named by natural keys (slugs, usernames), never by database ids, so
an archive restores into any empty database, SQLite or PostgreSQL. History
names its object the same way; an object deleted since has only its history
left and is named `deleted:N`, numbered in order of its first version (a
colon never occurs in a slug).

Exporting the same data twice writes the same bytes, `exported_at` aside:
rows in a fixed order (natural keys compared as code points, history by date
then insertion), keys sorted, fixed separators, datetimes in UTC with
microseconds. Import keeps that true of the restored database: it writes the
archive's timestamps past `auto_now`, adds no history of its own (bulk
inserts send no signals) and inserts history in archive order.
"""

import datetime
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.models import F
from django.db.models.functions import Collate

from articles.models import Article, ArticleCopy, Source, Tag
from articles.search import search_index_rebuild
from articles.tallies import tallies_held

from .dedupe import story_fingerprints_rebuild
from .urls import url_domain, url_key

FORMAT = "newsroom-archive"
VERSION = 1
DELETED_PREFIX = "deleted:"
CHUNK = 500

User = get_user_model()

# Left out of the archive: ids (rows are named by natural keys) and what is
# derived from other fields and rebuilt on import.
LEFT_OUT = {
    Source: {"id", "domain"},
    Tag: {"id"},
    Article: {"id", "url_key", "body_text", "search_vector"},
    ArticleCopy: {"id", "url_key"},
}
# A historical record's bookkeeping, written beside its "fields"; `id` is the
# object's, written as "object".
HISTORY_META = ["history_date", "history_type", "history_user", "history_change_reason"]
HISTORY_SECTIONS = [("sources", Source), ("tags", Tag), ("articles", Article)]
# No password hashes: see the README.
USER_FIELDS = [
    "username", "first_name", "last_name", "email", "is_staff", "is_superuser", "is_active",
]  # fmt: skip
USER_FKS = {
    Article: ["created_by", "updated_by", "status_changed_by"],
    Article.history.model: ["created_by", "updated_by", "status_changed_by", "history_user"],
    Source.history.model: ["history_user"],
    Tag.history.model: ["history_user"],
}

# Collations comparing text as code points (UTF-8 bytes), alike on both
# databases and in Python: PostgreSQL's default collation follows the
# server's locale, which orders "a-c" and "ab" otherwise.
CODE_POINT_COLLATIONS = {"postgresql": "C", "sqlite": "BINARY"}


class ArchiveError(Exception):
    """An archive that cannot be restored, with a message saying why."""


@dataclass
class ArchiveSummary:
    """How many of each thing an export wrote or an import restored."""

    counts: dict[str, int] = field(default_factory=dict)
    # Import only: the accounts it created, which have no usable password yet.
    accounts_created: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return ", ".join(f"{n} {name}" for name, n in self.counts.items())


class Ids(dict):
    """Database ids by natural key, and what kind of row they name (for messages)."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind


def archive_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields of `model` an archive carries for each current row."""
    return [f for f in model._meta.concrete_fields if f.name not in LEFT_OUT[model]]


def archive_history_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields of `model`'s historical records an archive carries in "fields"."""
    left_out = {"history_id", *HISTORY_META, *LEFT_OUT[model]}
    return [f for f in model.history.model._meta.concrete_fields if f.name not in left_out]


# --- Values -------------------------------------------------------------------


def _datetime_out(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _value_out(model_field: models.Field, obj: models.Model, keys: dict) -> Any:
    """The archive's form of one field of `obj`; foreign keys as natural keys."""
    value = getattr(obj, model_field.attname)
    if isinstance(model_field, models.ForeignKey):
        # None also for an id that names nothing any more (history keeps ids
        # without constraints): there is nothing to restore it to.
        return None if value is None else keys[model_field.related_model].get(value)
    if isinstance(model_field, models.DateTimeField):
        return _datetime_out(value)
    if isinstance(model_field, models.CharField | models.TextField) and value is not None:
        return str(value)  # a country is a Country, whose str is its code
    return value


def _value_in(model_field: models.Field, value: Any, where: str) -> Any:
    """`value` from an archive as `model_field` stores it; ArchiveError if it cannot be."""
    problem = None
    if value is None:
        if not model_field.null:
            problem = "may not be null"
    elif isinstance(model_field, models.DateTimeField):
        try:
            value = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            problem = "is not an ISO 8601 date and time"
        else:
            if value.tzinfo is None:
                problem = "has no time zone"
    elif isinstance(model_field, models.BooleanField):
        if not isinstance(value, bool):
            problem = "is not true or false"
    elif isinstance(model_field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            problem = "is not a whole number"
    elif isinstance(model_field, models.FloatField):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problem = "is not a number"
        else:
            value = float(value)
    elif isinstance(model_field, models.CharField | models.TextField):
        if not isinstance(value, str):
            problem = "is not text"
        elif model_field.max_length and len(value) > model_field.max_length:
            # SQLite would store it and PostgreSQL refuse it: refuse it on both.
            problem = f"is longer than {model_field.max_length} characters"
    if problem:
        raise ArchiveError(f"{where}: “{model_field.name}” {problem} ({value!r}).")
    return value


def _key_in(ids: Ids, key: Any, where: str, name: str, *, nullable: bool) -> int | None:
    if key is None and nullable:
        return None
    if not isinstance(key, str) or key not in ids:
        raise ArchiveError(
            f"{where}: “{name}” names {ids.kind} {key!r}, which is not in the archive."
        )
    return ids[key]


def _fields_in(
    record: dict, fields: list[models.Field], keys: dict, where: str, *, extra: Iterable[str] = ()
) -> dict:
    """Keyword arguments for a model from an archive record; `extra` names the
    record's other keys, which the caller reads."""
    if unknown := set(record) - {f.name for f in fields} - set(extra):
        raise ArchiveError(f"{where}: unknown field “{sorted(unknown)[0]}”.")
    values = {}
    for model_field in fields:
        if model_field.name not in record:
            # A field added to Newsroom after the archive was made takes its default.
            default = model_field.get_default()
            if default is None and not model_field.null:
                raise ArchiveError(f"{where}: “{model_field.name}” is missing.")
            values[model_field.attname] = default
        elif isinstance(model_field, models.ForeignKey):
            values[model_field.attname] = _key_in(
                keys[model_field.related_model],
                record[model_field.name],
                where,
                model_field.name,
                nullable=model_field.null,
            )
        else:
            values[model_field.attname] = _value_in(model_field, record[model_field.name], where)
    return values


# --- Export -------------------------------------------------------------------


def _in_code_point_order(name: str):
    collation = CODE_POINT_COLLATIONS.get(connection.vendor)
    return Collate(name, collation) if collation else F(name)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _write_list(out: TextIO, records: Iterable[dict]) -> int:
    """A JSON list with one record a line, so that archives diff and grep well."""
    out.write("[")
    count = 0
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(_dumps(record))
        count += 1
    out.write("\n]" if count else "]")
    return count


def _object_keys(model: type[models.Model]) -> dict[int, str]:
    """Every object's name by id: its slug, or for one gone with only its
    history left, deleted:N in order of its first version."""
    keys = dict(model.objects.values_list("pk", "slug"))
    gone = (
        model.history.model.objects.exclude(id__in=model.objects.values("pk"))
        .order_by("history_date", "history_id")
        .values_list("id", flat=True)
    )
    number = 0
    for object_id in gone.iterator(chunk_size=5000):
        if object_id not in keys:
            number += 1
            keys[object_id] = f"{DELETED_PREFIX}{number}"
    return keys


def _users_out() -> list[dict]:
    """The accounts that authorship and history name, and no others."""
    ids: set[int] = set()
    for model, names in USER_FKS.items():
        for name in names:
            ids.update(
                model.objects.filter(**{f"{name}__isnull": False})
                .order_by()
                .values_list(name, flat=True)
                .distinct()
            )
    users = User.objects.filter(pk__in=ids).prefetch_related("groups")
    records = [
        {
            **{name: getattr(user, name) for name in USER_FIELDS},
            "groups": sorted(group.name for group in user.groups.all()),
        }
        for user in users
    ]
    return sorted(records, key=lambda record: record["username"])


def _rows_out(model: type[models.Model], keys: dict, order: list) -> Iterator[dict]:
    fields = archive_fields(model)
    for obj in model.objects.order_by(*order).iterator(chunk_size=CHUNK):
        yield {f.name: _value_out(f, obj, keys) for f in fields}


def _articles_out(keys: dict) -> Iterator[dict]:
    fields = archive_fields(Article)
    through = Article.tags.through
    queryset = Article.objects.order_by(_in_code_point_order("slug"))
    for chunk in batched(queryset.iterator(chunk_size=CHUNK), CHUNK):
        tags: dict[int, list[str]] = {article.pk: [] for article in chunk}
        pairs = through.objects.filter(article_id__in=list(tags)).values_list(
            "article_id", "tag_id"
        )
        for article_id, tag_id in pairs:
            tags[article_id].append(keys[Tag][tag_id])
        for article in chunk:
            record = {f.name: _value_out(f, article, keys) for f in fields}
            record["tags"] = sorted(tags[article.pk])
            yield record


def _history_out(model: type[models.Model], keys: dict) -> Iterator[dict]:
    history_model = model.history.model
    fields = archive_history_fields(model)
    m2m_model = history_model.tags.model if model is Article else None
    queryset = history_model.objects.order_by("history_date", "history_id")
    for chunk in batched(queryset.iterator(chunk_size=CHUNK), CHUNK):
        tags: dict[int, list] = {version.history_id: [] for version in chunk}
        if m2m_model is not None:
            rows = m2m_model.objects.filter(history_id__in=list(tags)).values_list(
                "history_id", "tag_id"
            )
            for history_id, tag_id in rows:
                tags[history_id].append(keys[Tag].get(tag_id))
        for version in chunk:
            record = {
                "object": keys[model][version.id],
                "history_date": _datetime_out(version.history_date),
                "history_type": version.history_type,
                "history_user": keys[User].get(version.history_user_id),
                "history_change_reason": version.history_change_reason,
                "fields": {f.name: _value_out(f, version, keys) for f in fields},
            }
            if m2m_model is not None:
                # A tag gone without a trace is null, after the others.
                record["tags"] = sorted(tags[version.history_id], key=lambda k: (k is None, k))
            yield record


def archive_export(
    *, path: str | Path, exported_at: datetime.datetime | None = None
) -> ArchiveSummary:
    """Write the archive of the whole newsroom to `path`, from one consistent snapshot.

    The file appears only once complete: a failed export leaves whatever was
    at `path` before. `exported_at` (aware) defaults to now.
    """
    path = Path(path)
    exported_at = exported_at or datetime.datetime.now(datetime.UTC)
    summary = ArchiveSummary()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            outermost = not connection.in_atomic_block
            with transaction.atomic():
                if connection.vendor == "postgresql" and outermost:
                    # Every query of the export sees the same moment, whatever
                    # editors save meanwhile (SQLite's transaction already does).
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                _archive_write(out, exported_at=exported_at, summary=summary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


def _archive_write(out: TextIO, *, exported_at: datetime.datetime, summary: ArchiveSummary):
    keys: dict = {model: _object_keys(model) for _, model in HISTORY_SECTIONS}
    users = _users_out()
    keys[User] = dict(
        User.objects.filter(username__in=[u["username"] for u in users]).values_list(
            "pk", "username"
        )
    )
    out.write(
        f'{{"format":{_dumps(FORMAT)},"version":{VERSION},'
        f'"exported_at":{_dumps(_datetime_out(exported_at))}'
    )
    copy_order = [
        _in_code_point_order("article__slug"),
        F("published_at").asc(nulls_last=True),
        "created_at",
        "pk",
    ]
    sections = {
        "users": lambda: users,
        "sources": lambda: _rows_out(Source, keys, [_in_code_point_order("slug")]),
        "tags": lambda: _rows_out(Tag, keys, [_in_code_point_order("slug")]),
        "articles": lambda: _articles_out(keys),
        "copies": lambda: _rows_out(ArticleCopy, keys, copy_order),
    }
    for name, records in sections.items():
        out.write(f',\n"{name}":')
        summary.counts[name] = _write_list(out, records())
    out.write(',\n"history":{')
    for number, (name, model) in enumerate(HISTORY_SECTIONS):
        out.write(f'{"," if number else ""}\n"{name}":')
        summary.counts[f"{model._meta.model_name} versions"] = _write_list(
            out, _history_out(model, keys)
        )
    out.write("}}\n")


# --- Import -------------------------------------------------------------------


def _archive_read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as archive:
            data = json.load(archive)
    except OSError as error:
        raise ArchiveError(f"Cannot read {path}: {error.strerror or error}.") from error
    except UnicodeDecodeError as error:
        raise ArchiveError(f"{path} is not a Newsroom archive: it is not UTF-8 text.") from error
    except json.JSONDecodeError as error:
        raise ArchiveError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from error
    found = data.get("format") if isinstance(data, dict) else None
    if found != FORMAT:
        raise ArchiveError(
            f"{path} is not a Newsroom archive: its format is {found!r}, not “{FORMAT}”."
        )
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise ArchiveError(
            f"{path} is a version {version!r} Newsroom archive; "
            f"this Newsroom restores version {VERSION}."
        )
    return data


def _records(data: dict, name: str, *, within: str = "") -> list[dict]:
    records = data.get(name)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ArchiveError(f"The archive's “{within}{name}” is not a list of objects.")
    return records


def _check_unique(records: list[dict], key: str, section: str) -> None:
    seen = set()
    for number, record in enumerate(records):
        value = record.get(key)
        if not isinstance(value, str) or not value:
            raise ArchiveError(f"{section}[{number}]: “{key}” is missing or empty.")
        if value in seen:
            raise ArchiveError(f"{section}: the {key} “{value}” appears twice.")
        seen.add(value)


def _check_empty() -> None:
    held = {
        ("article", "articles"): Article.objects.count(),
        ("source", "sources"): Source.objects.count(),
        ("tag", "tags"): Tag.objects.count(),
        ("historical version", "historical versions"): sum(
            model.history.model.objects.count() for _, model in HISTORY_SECTIONS
        ),
    }
    if held := ", ".join(f"{n} {names[n != 1]}" for names, n in held.items() if n):
        raise ArchiveError(
            f"The database is not empty: it holds {held}. import_archive restores "
            "into an empty database only (a freshly migrated one)."
        )


def archive_import(*, path: str | Path) -> ArchiveSummary:
    """Restore the archive at `path` into an empty database, all or nothing.

    Raises ArchiveError, with nothing written, for a file that is not a valid
    archive, rows that do not fit together, or a database that already holds
    articles, sources, tags or history.
    """
    path = Path(path)
    data = _archive_read(path)
    summary = ArchiveSummary()
    try:
        with transaction.atomic(), tallies_held():
            _check_empty()
            _archive_restore(data, summary=summary)
    except (IntegrityError, DataError) as error:
        raise ArchiveError(f"{path} does not fit the database's rules: {error}".strip()) from error
    return summary


def _archive_restore(data: dict, *, summary: ArchiveSummary) -> None:
    sections = {name: _records(data, name) for name in ("users", "sources", "tags")}
    sections |= {name: _records(data, name) for name in ("articles", "copies")}
    history = data.get("history")
    if not isinstance(history, dict):
        raise ArchiveError("The archive's “history” is not an object.")
    histories = {name: _records(history, name, within="history.") for name, _ in HISTORY_SECTIONS}
    _check_unique(sections["users"], "username", "users")
    for name in ("sources", "tags", "articles"):
        _check_unique(sections[name], "slug", name)

    keys: dict = {User: _users_restore(sections["users"], summary=summary)}
    keys[Source] = _rows_restore(Source, sections["sources"], keys, "sources")
    keys[Tag] = _rows_restore(Tag, sections["tags"], keys, "tags")
    keys[Article] = _rows_restore(Article, sections["articles"], keys, "articles")
    _rows_restore(ArticleCopy, sections["copies"], keys, "copies")
    summary.counts = {name: len(records) for name, records in sections.items()}

    # History may name objects deleted since; they get ids no row will take.
    for name, model in HISTORY_SECTIONS:
        _deleted_ids_reserve(model, histories[name], keys[model], section=f"history.{name}")
    for name, model in HISTORY_SECTIONS:
        summary.counts[f"{model._meta.model_name} versions"] = _history_restore(
            model, histories[name], keys, section=f"history.{name}"
        )

    # What saves would have derived.
    story_fingerprints_rebuild(articles=Article.objects.all())
    search_index_rebuild()


def _users_restore(records: list[dict], *, summary: ArchiveSummary) -> Ids:
    """Accounts by username: those the database has, as they are; the others
    created with no usable password, since the archive holds no hashes."""
    ids = Ids("the user")
    existing = dict(
        User.objects.filter(username__in=[r["username"] for r in records]).values_list(
            "username", "pk"
        )
    )
    groups = dict(Group.objects.values_list("name", "pk"))
    created = []
    for record in records:
        where = f"users “{record['username']}”"
        if unknown := set(record) - {*USER_FIELDS, "groups"}:
            raise ArchiveError(f"{where}: unknown field “{sorted(unknown)[0]}”.")
        names = record.get("groups", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ArchiveError(f"{where}: “groups” is not a list of group names.")
        if missing := [n for n in names if n not in groups]:
            # Groups carry permissions, which the archive does not: the roles
            # come from migrations; any other group is made by hand first.
            raise ArchiveError(
                f"{where} is in the group “{missing[0]}”, which this database does not "
                "have. Create it, with its permissions, and import again."
            )
        if record["username"] in existing:
            ids[record["username"]] = existing[record["username"]]
            continue
        values = {
            name: _value_in(User._meta.get_field(name), record[name], where)
            for name in USER_FIELDS
            if name in record
        }
        user = User(**values, password=make_password(None))
        _validated(user, where, exclude=["password"])
        created.append((user, names))
    User.objects.bulk_create([user for user, _ in created])
    through = User.groups.through
    through.objects.bulk_create(
        through(user_id=user.pk, group_id=groups[name]) for user, names in created for name in names
    )
    ids.update({user.get_username(): user.pk for user, _ in created})
    summary.accounts_created = [user.get_username() for user, _ in created]
    return ids


def _validated(obj: models.Model, where: str, *, exclude: list[str]) -> None:
    """Each value as the admin's forms would accept it (uniqueness is the
    database's to check, in the same transaction)."""
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as error:
        problems = "; ".join(
            f"“{name}”: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise ArchiveError(f"{where}: {problems}") from error


def _derive(obj: models.Model) -> None:
    """Fill in what `save()` derives, since bulk inserts skip `save()`."""
    if isinstance(obj, Source):
        obj.domain = url_domain(obj.homepage)
    elif isinstance(obj, Article | ArticleCopy):
        obj.url_key = url_key(obj.url)


def _rows_restore(model: type[models.Model], records: list[dict], keys: dict, section: str) -> Ids:
    """Insert `model`'s rows from `records` in bulk (sending no signals, so
    adding no history) and return their ids by slug."""
    fields = archive_fields(model)
    foreign_keys = [f.name for f in fields if isinstance(f, models.ForeignKey)]
    automatic = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    objs, tag_lists = [], []
    for number, record in enumerate(records):
        where = f"{section} “{record['slug']}”" if "slug" in record else f"{section}[{number}]"
        obj = model(
            **_fields_in(record, fields, keys, where, extra=("tags",) if model is Article else ())
        )
        if model is Article:
            tags = record.get("tags", [])
            if not isinstance(tags, list):
                raise ArchiveError(f"{where}: “tags” is not a list of tag slugs.")
            tag_lists.append([_key_in(keys[Tag], t, where, "tags", nullable=False) for t in tags])
        _derive(obj)
        _validated(obj, where, exclude=foreign_keys)
        objs.append(obj)
    # The insert gives auto_now and auto_now_add fields the time of the
    # import, on the instances too: the archive's times are set back after.
    stamps = [[getattr(obj, f.attname) for f in automatic] for obj in objs]
    created = model.objects.bulk_create(objs, batch_size=CHUNK)
    if automatic and created:
        for obj, values in zip(created, stamps, strict=True):
            for model_field, value in zip(automatic, values, strict=True):
                setattr(obj, model_field.attname, value)
        model.objects.bulk_update(created, [f.name for f in automatic], batch_size=CHUNK)
    if model is Article:
        through = Article.tags.through
        through.objects.bulk_create(
            (
                through(article_id=obj.pk, tag_id=tag_id)
                for obj, tag_ids in zip(created, tag_lists, strict=True)
                for tag_id in tag_ids
            ),
            batch_size=CHUNK,
        )
    ids = Ids(f"the {model._meta.verbose_name}")
    if any(f.name == "slug" for f in fields):
        ids.update({obj.slug: obj.pk for obj in created})
    return ids


def _deleted_ids_reserve(model: type[models.Model], records: list[dict], ids: Ids, *, section):
    """Ids for the deleted objects that history names, past every row's, with
    the table's sequence moved past them so that no new row takes one."""
    deleted: list[str] = []
    for number, record in enumerate(records):
        key = record.get("object")
        if isinstance(key, str) and key.startswith(DELETED_PREFIX):
            if key not in deleted:
                deleted.append(key)
        elif key not in ids:
            raise ArchiveError(
                f"{section}[{number}]: its object {key!r} is neither the slug of "
                f"{ids.kind} in the archive nor a deleted one's name ({DELETED_PREFIX}N)."
            )
    if not deleted:
        return
    last = model.objects.aggregate(last=models.Max("pk"))["last"] or 0
    for offset, key in enumerate(deleted, start=1):
        ids[key] = last + offset
    _sequence_move_past(model, last + len(deleted))


def _sequence_move_past(model: type[models.Model], last_id: int) -> None:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                [connection.ops.quote_name(table), column, last_id],
            )
        elif connection.vendor == "sqlite":
            # AUTOINCREMENT tables give ids past the largest in sqlite_sequence.
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, %s) WHERE name = %s", [last_id, table]
            )
            if cursor.rowcount == 0:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last_id]
                )
        else:
            raise ArchiveError("Restoring deleted objects' history needs SQLite or PostgreSQL.")


def _history_restore(model: type[models.Model], records: list[dict], keys: dict, *, section) -> int:
    """Insert the historical records as they were, in archive order (so that a
    later export orders them alike)."""
    history_model = model.history.model
    fields = archive_history_fields(model)
    meta = {name: history_model._meta.get_field(name) for name in HISTORY_META}
    m2m_model = history_model.tags.model if model is Article else None
    allowed = {"object", "fields", *HISTORY_META, *(["tags"] if m2m_model else [])}
    through_ids = {}
    if m2m_model is not None:
        # A version's tags keep the id of the row that tied them, meaningless
        # in another database: the restored row's, where there is one.
        through_ids = {
            (article, tag): pk
            for pk, article, tag in Article.tags.through.objects.values_list(
                "pk", "article_id", "tag_id"
            )
        }
    count = 0
    for chunk in batched(enumerate(records), CHUNK):
        versions, tag_lists = [], []
        for number, record in chunk:
            where = f"{section}[{number}]"
            if unknown := set(record) - allowed:
                raise ArchiveError(f"{where}: unknown field “{sorted(unknown)[0]}”.")
            if not isinstance(record.get("fields"), dict):
                raise ArchiveError(f"{where}: “fields” is not an object.")
            attrs = _fields_in(record["fields"], fields, keys, where)
            attrs["history_user_id"] = _key_in(
                keys[User], record.get("history_user"), where, "history_user", nullable=True
            )
            for name in ("history_date", "history_type", "history_change_reason"):
                attrs[name] = _value_in(meta[name], record.get(name), where)
            if attrs["history_type"] not in ("+", "~", "-"):
                raise ArchiveError(f"{where}: “history_type” is not +, ~ or -.")
            if model is Source:
                attrs["domain"] = url_domain(attrs["homepage"])
            attrs["id"] = keys[model][record["object"]]
            versions.append(history_model(**attrs))
            if m2m_model is not None:
                tags = record.get("tags", [])
                if not isinstance(tags, list):
                    raise ArchiveError(f"{where}: “tags” is not a list.")
                tag_lists.append(
                    [_key_in(keys[Tag], t, where, "tags", nullable=True) for t in tags]
                )
        created = history_model.objects.bulk_create(versions)
        if m2m_model is not None:
            m2m_model.objects.bulk_create(
                m2m_model(
                    history_id=version.history_id,
                    article_id=version.id,
                    tag_id=tag_id,
                    id=through_ids.get((version.id, tag_id), 0),
                )
                for version, tag_ids in zip(created, tag_lists, strict=True)
                for tag_id in tag_ids
            )
        count += len(created)
    return count
