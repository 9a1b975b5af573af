from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.models import ImportOrigin, ImportStatus
from articles.services.ingest import article_import_from_content, import_record_create

from .import_url import source_option


class Command(BaseCommand):
    help = (
        "Import articles from saved pages: HTML files, or plain text copied from a "
        "browser. Each file becomes a draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--url", help="The page's address, for a single file whose page does not give it."
        )
        parser.add_argument("--source", metavar="SLUG", help="The outlet the files come from.")

    def handle(self, *args, paths, url, source, **options):
        if url and len(paths) > 1:
            raise CommandError("--url names one page: give it with a single file.")
        source = source_option(source)
        failed = 0
        for number, path in enumerate(paths, start=1):
            record = self._import(Path(path), url=url or "", source=source)
            prefix = f"[{number}/{len(paths)}] " if len(paths) > 1 else ""
            self.stdout.write(f"{prefix}{path}: {record.outcome}")
            failed += record.status == ImportStatus.FAILED
        if len(paths) > 1:
            self.stdout.write(f"{len(paths)} files, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} of {len(paths)} imports failed.")

    def _import(self, path: Path, *, url, source):
        requested = f"file {path.name}"
        try:
            if path.stat().st_size > settings.IMPORT_MAX_BYTES:
                raise ValueError(
                    f"it is larger than {settings.IMPORT_MAX_BYTES // 1_000_000} MB, "
                    "the most an import reads"
                )
            content = path.read_bytes()
        except (OSError, ValueError) as error:
            record = import_record_create(
                origin=ImportOrigin.FILE, requested=requested, url=url, source=source
            )
            record.status, record.message = ImportStatus.FAILED, f"Cannot read the file: {error}."
            record.save()
            return record
        return article_import_from_content(
            content=content, requested=requested, origin=ImportOrigin.FILE, url=url, source=source
        )
