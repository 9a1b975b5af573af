"""Writers take the locks of the tallies' clock and of the data version in one
order, so that two transactions never wait on each other (PostgreSQL; SQLite
has one write lock for the whole database)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL's")


def _others_wait_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_tag_and_an_article_in_one_transaction_beside_an_article_write(transactional_db):
    tag = TagFactory(name="Asylum")
    mine, theirs = ArticleFactory(tags=[tag]), ArticleFactory()
    errors = []

    def other_editor():
        try:
            with transaction.atomic():
                theirs.title = "Their new headline"
                theirs.save()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        tag.name = "Asylum claims"
        tag.save()  # public: the data version's row, and what it needs, locked
        other = threading.Thread(target=other_editor)
        other.start()
        deadline = time.monotonic() + 60
        while not _others_wait_on_a_lock():
            assert time.monotonic() < deadline, "the other write never waited"
            time.sleep(0.05)
        mine.title = "My new headline"
        mine.save()
    other.join(60)

    assert errors == []
    theirs.refresh_from_db()
    assert theirs.title == "Their new headline"
