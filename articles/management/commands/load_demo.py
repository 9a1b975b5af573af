from django.core.management.base import BaseCommand

from articles.demo import (
    CONTRIBUTOR_PASSWORD,
    EDITOR_PASSWORD,
    demo_contributor_ensure,
    demo_editor_ensure,
    demo_load,
)


class Command(BaseCommand):
    help = (
        "Load the curated demo dataset (sources, tags, articles) and the demo editor "
        "and contributor logins. Safe to run again: it creates nothing new and resets "
        "what was changed."
    )

    def handle(self, *args, **options):
        counts = demo_load()
        editor = demo_editor_ensure()
        contributor = demo_contributor_ensure()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {counts['sources']} sources, {counts['tags']} tags, "
                f"{counts['articles']} articles "
                f"({counts['created']} rows created, {counts['updated']} updated). "
                f"Editor login: {editor.get_username()} / {EDITOR_PASSWORD}; "
                f"contributor login: {contributor.get_username()} / {CONTRIBUTOR_PASSWORD}"
            )
        )
