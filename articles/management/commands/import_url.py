from django.core.management.base import BaseCommand, CommandError

from articles.models import ImportStatus, Source
from articles.services.ingest import article_import_from_url


def source_option(slug: str | None) -> Source | None:
    if not slug:
        return None
    source = Source.objects.filter(slug=slug).first()
    if source is None:
        raise CommandError(f"No source has the slug {slug!r}; see /admin/articles/source/.")
    return source


class Command(BaseCommand):
    help = "Fetch a page and import its article as a draft."

    def add_arguments(self, parser):
        parser.add_argument("url", help="The article's address (http or https).")
        parser.add_argument(
            "--source", metavar="SLUG", help="The outlet, when not found by domain."
        )

    def handle(self, *args, url, source, **options):
        record = article_import_from_url(url=url, source=source_option(source))
        self.stdout.write(f"{url}: {record.outcome}")
        if record.status == ImportStatus.FAILED:
            raise CommandError("The import failed.")
