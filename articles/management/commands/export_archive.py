import datetime
import os

from django.core.management.base import BaseCommand, CommandError

from articles.services.archive import archive_export


def exported_at_from_environment() -> datetime.datetime | None:
    """SOURCE_DATE_EPOCH, the reproducible-builds convention, fixes the
    archive's `exported_at`, so that exports of the same data are the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise CommandError(
            f"SOURCE_DATE_EPOCH must be a number of seconds since 1970, not {epoch!r}."
        ) from error


class Command(BaseCommand):
    help = (
        "Write the whole newsroom (sources, tags, articles, copies, their history and the "
        "accounts it names) to a JSON archive at PATH, which import_archive restores. "
        "See the README's “Archive: export and restore”."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")

    def handle(self, *args, path, **options):
        exported_at = exported_at_from_environment()
        try:
            summary = archive_export(path=path, exported_at=exported_at)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from error
        self.stdout.write(self.style.SUCCESS(f"Exported to {path}: {summary}."))
