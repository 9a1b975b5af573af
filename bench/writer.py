"""An editor saving through the ORM, in a process of its own, for `run.py --mixed`.

    python bench/writer.py edits --seconds 10 --every 2
    python bench/writer.py --cleanup

Django is set up with the server's settings (the same DATABASE_URL and
REDIS_URL), so a save here reaches the app as an editor's save in the admin
does: in a transaction, with the model's signals (history, tallies, the data
version of the page cache). One kind of write a run:

- drafts: a draft's headline changed, which no public page shows;
- edits:  the headline of one of the five newest public articles changed;
- new:    a new article published, dated now: the top of the list.

It prints "ready" once it has chosen what it writes, waits for "go" on its
standard input, then writes once at once and every `--every` seconds until
`--seconds` have passed, printing a JSON line when each commit has returned.
It stops by itself: the writes are bounded in number and in time, and so is
the wait for "go".

Its writes are marked, and `--cleanup` takes them back (headlines restored,
new articles deleted) so that the data keeps its N articles for `--reuse`.
"""

import argparse
import json
import os
import select
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.models import Article, ArticleStatus, Source, Tag  # noqa: E402

KINDS = ("drafts", "edits", "new")
# What marks a headline this process changed, and the slugs of the articles
# it added: --cleanup finds them by these.
MARK = " (bench edit "
NEW_SLUG = "bench-new-"
# Seconds to wait for "go" before giving up.
GO_TIMEOUT = 120


def editor():
    """The editor who saves: a superuser, as an editor may publish."""
    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def _headline(title: str, n: int) -> str:
    return f"{title.split(MARK)[0]}{MARK}{n})"


def _save(article: Article, user) -> None:
    article.updated_by = user
    article._history_user = user
    with transaction.atomic():
        article.save()


class Writes:
    """One kind of write, its targets chosen once, as an editor would make it."""

    def __init__(self, kind: str):
        self.kind = kind
        self.user = editor()
        self.token = uuid.uuid4().hex[:8]
        if kind == "drafts":
            self.targets = list(
                Article.objects.filter(status=ArticleStatus.DRAFT).order_by("pk")[:5]
            )
        elif kind == "edits":
            # The newest public articles, in the list's order: each on the first page.
            self.targets = list(Article.objects.published()[:5])
        else:
            self.targets = []
            self.source = Source.objects.order_by("pk").first()
            self.tags = list(Tag.objects.order_by("pk")[:3])
        if kind != "new" and not self.targets:
            raise SystemExit(f"No article to write for {kind!r}")

    def write(self, n: int) -> dict:
        """Write once; what was written, for the prober."""
        if self.kind == "new":
            article = self._publish(n)
        else:
            article = self.targets[n % len(self.targets)]
            article.refresh_from_db()
            article.title = _headline(article.title, n)
            _save(article, self.user)
        return {
            "public": self.kind != "drafts",
            "url": article.get_absolute_url(),
            "title": article.title,
        }

    def _publish(self, n: int) -> Article:
        """A new article, published at once, as the admin's add form saves it."""
        article = Article(
            title=f"Bench new article {self.token} {n}",
            slug=f"{NEW_SLUG}{self.token}-{n}",
            source=self.source,
            published_at=timezone.now(),
            summary="A new article written by the benchmark's editor.",
            body="<p>Written by the benchmark's editor, to be deleted after the run.</p>",
            created_by=self.user,
        )
        article.transition(ArticleStatus.PUBLISHED, user=self.user, save=False)
        with transaction.atomic():
            _save(article, self.user)
            article.tags.set(self.tags)
        return article


def wait_for_go(timeout: float) -> bool:
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    return bool(ready) and sys.stdin.readline().strip() == "go"


def run(kind: str, *, seconds: float, every: float) -> int:
    writes = Writes(kind)
    print("ready", flush=True)
    if not wait_for_go(GO_TIMEOUT):
        print(f"writer: no go within {GO_TIMEOUT} s", file=sys.stderr)
        return 1
    started = time.monotonic()
    for n in range(int(seconds // every) + 1):
        due = started + n * every
        if due >= started + seconds:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        begun = time.monotonic()
        written = writes.write(n)
        # When the commit returned, on the clock every process here shares.
        committed = time.monotonic()
        event = {"n": n, "committed": committed, "save_ms": 1000 * (committed - begun)}
        print(json.dumps({**event, **written}), flush=True)
    return 0


def cleanup() -> dict:
    """Take back every write of earlier runs, through the ORM as they were made."""
    user = editor()
    restored = 0
    for article in Article.objects.filter(title__contains=MARK).order_by("pk"):
        article.title = article.title.split(MARK)[0]
        _save(article, user)
        restored += 1
    new = Article.objects.filter(slug__startswith=NEW_SLUG)
    deleted = new.count()
    with transaction.atomic():
        for article in new:
            article.delete()
        Article.history.filter(slug__startswith=NEW_SLUG).delete()
    return {"restored": restored, "deleted": deleted}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", nargs="?", choices=KINDS)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--every", type=float, default=2)
    parser.add_argument("--cleanup", action="store_true", help="take back earlier runs' writes")
    args = parser.parse_args(argv)
    if args.cleanup:
        print(json.dumps(cleanup()), flush=True)
        return 0
    if not args.kind:
        parser.error("a kind of write, or --cleanup")
    return run(args.kind, seconds=args.seconds, every=args.every)


if __name__ == "__main__":
    sys.exit(main())
