from django.core.management.base import BaseCommand, CommandError

from articles.tallies import tallies_drift, tallies_rebuild


class Command(BaseCommand):
    help = (
        "Count every public article again into the tallies that the lists, facets, "
        "charts and indexes read (after writes made round the app, straight to the "
        "database). With --check, only say whether they agree with a fresh count."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail if the tallies differ from a fresh count.",
        )

    def handle(self, *args, check=False, **options):
        if not check:
            rows = tallies_rebuild()
            self.stdout.write(self.style.SUCCESS(f"Recounted: {rows:,} tallies."))
            return
        drift = tallies_drift()
        if drift:
            shown = sorted(drift.items())[:10]
            lines = [
                f"  {scope or '(all)'} {facet}={value}: kept {kept}, true {true}"
                for (scope, (facet, value)), (kept, true) in shown
            ]
            raise CommandError(
                f"{len(drift)} tallies differ from a fresh count; run `manage.py recount`.\n"
                + "\n".join(lines)
            )
        self.stdout.write(self.style.SUCCESS("The tallies agree with a fresh count."))
