from django.core.management.base import BaseCommand, CommandError

from articles.services.archive import ArchiveError, archive_import


class Command(BaseCommand):
    help = (
        "Restore a JSON archive written by export_archive into an empty (freshly migrated) "
        "database, all or nothing. Restored accounts have no usable password."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")

    def handle(self, *args, path, **options):
        try:
            summary = archive_import(path=path)
        except ArchiveError as error:
            raise CommandError(f"{error} Nothing was imported.") from error
        self.stdout.write(self.style.SUCCESS(f"Imported from {path}: {summary}."))
        if summary.accounts_created:
            self.stdout.write(
                f"Accounts created without a usable password: "
                f"{', '.join(summary.accounts_created)}. Set each one's with "
                "`python manage.py changepassword USERNAME`, or from the admin."
            )
