import logging

from django.core.management.base import BaseCommand, CommandError

from articles.models import ImportStatus
from articles.services.feeds import feed_poll, feeds_due
from articles.services.leases import import_records_reclaim

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Poll the feeds of active sources whose interval has passed and import new "
        "entries as drafts. Meant to run from cron or a systemd timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", metavar="SLUG", help="Poll this source now, whatever its interval."
        )

    def handle(self, *args, source, **options):
        if stopped := import_records_reclaim():
            self.stdout.write(f"{stopped} import(s) whose worker stopped marked failed.")
        sources = feeds_due(slug=source or "")
        if source and not sources:
            raise CommandError(f"No source with the slug {source!r} has a feed.")
        if not sources:
            self.stdout.write("No feed is due.")
            return
        problems = 0
        for source_obj in sources:
            self.stdout.write(f"{source_obj.name}: polling {source_obj.feed_url}")
            try:
                result = feed_poll(source=source_obj, progress=self._progress)
            except Exception as error:  # e.g. the source deleted meanwhile: poll the next
                logger.exception("Polling the feed of source %s failed", source_obj.pk)
                problems += 1
                self.stdout.write(self.style.ERROR(f"  failed: {type(error).__name__}: {error}"))
                continue
            if result.error:
                problems += 1
                self.stdout.write(self.style.ERROR(f"  failed: {result.error}"))
                continue
            if result.not_modified:
                self.stdout.write("  not modified since the last poll.")
                continue
            failed = result.count(ImportStatus.FAILED)
            problems += failed
            self.stdout.write(
                f"  {result.entries} entries: {result.count(ImportStatus.DONE)} created, "
                f"{result.count(ImportStatus.DUPLICATE)} duplicates, {failed} failed, "
                f"{result.known} already imported"
                + (
                    f", {result.given_up} given up after repeated failures"
                    if result.given_up
                    else ""
                )
                + "."
            )
        if problems:
            raise CommandError(f"{problems} problem(s) while polling; see above.")

    def _progress(self, number, total, record):
        self.stdout.write(
            f"  [{number}/{total}] {record.url or record.requested}: {record.outcome}"
        )
