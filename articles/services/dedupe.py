"""Recognising one story published by many outlets.

A wire story runs on a dozen sites with other headlines, other boilerplate,
small edits, and often its last paragraphs cut. Each imported text becomes
a MinHash signature over its five-word shingles (datasketch). Signatures
are split into 64 bands of 2 values, stored in an indexed table, so the
articles that share any band with a new text are found with one query,
however many articles there are; each candidate is then scored.

The score is the estimated *containment*: the share of the shorter text's
shingles found in the longer one. Jaccard similarity would call a story and
its version cut to half "50 % alike"; containment calls it what an editor
would, the same story. SAME_STORY_THRESHOLD was chosen on the test set in
tests/story_variants.py (see the README): the same story run differently
scores 0.59 and above, different stories on the same topic 0.11 and below (sharing only
boilerplate and credit lines); 0.3 sits well clear of both.

Looking for the same story and storing a new one happen under
`story_write_lock`, one import at a time across every process: two copies of
one wire story imported at the same moment would otherwise each find
nothing and both become articles.
"""

import hashlib
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import batched

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from articles.models import Article, StoryBand, StoryFingerprint

from .extract import html_text

SHINGLE_WORDS = 5
NUM_PERM = 128
BAND_ROWS = 2
SAME_STORY_THRESHOLD = 0.3
# Below this many shingles (about 35 words) a text is too short to call
# anything the same story: teasers and captions share whole phrases.
MIN_SHINGLES = 30
SEED = 7
# The PostgreSQL advisory lock that imports take to write (any number no
# other lock of the database's uses; "NEWS" in ASCII).
STORY_LOCK = 0x4E455753

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray
    shingle_count: int

    def to_bytes(self) -> bytes:
        return self.signature.astype("<u4").tobytes()

    @classmethod
    def from_row(cls, row: StoryFingerprint) -> "Fingerprint":
        return cls(np.frombuffer(bytes(row.signature), dtype="<u4"), row.shingle_count)


@dataclass(frozen=True)
class StoryMatch:
    article: Article
    score: float


def story_shingles(text: str) -> set[bytes]:
    words = WORD.findall(text.casefold())
    return {
        " ".join(words[i : i + SHINGLE_WORDS]).encode()
        for i in range(max(len(words) - SHINGLE_WORDS + 1, 0))
    }


def story_fingerprint(*, text: str) -> Fingerprint | None:
    """The text's signature, or None when it is too short to compare."""
    shingles = story_shingles(text)
    if len(shingles) < MIN_SHINGLES:
        return None
    # Imported here: datasketch brings scipy with it, most of a second (and
    # far more the first time, compiling) that every process would otherwise
    # pay at start, the web server's included, for what only imports use.
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
    minhash.update_batch(shingles)
    return Fingerprint(np.asarray(minhash.hashvalues, dtype=np.uint32), len(shingles))


def story_bands(fingerprint: Fingerprint) -> list[int]:
    """One signed 64-bit number per band, the band's position mixed in."""
    raw = fingerprint.to_bytes()
    width = BAND_ROWS * 4
    return [
        struct.unpack(
            "<q",
            hashlib.blake2b(bytes([i]) + raw[i * width : (i + 1) * width], digest_size=8).digest(),
        )[0]
        for i in range(NUM_PERM // BAND_ROWS)
    ]


def story_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the shorter text's shingles that the other has."""
    jaccard = float(np.count_nonzero(a.signature == b.signature)) / NUM_PERM
    common = jaccard * (a.shingle_count + b.shingle_count) / (1 + jaccard)
    return min(common / min(a.shingle_count, b.shingle_count), 1.0)


def story_match(
    *, fingerprint: Fingerprint | None, exclude_pk: int | None = None
) -> StoryMatch | None:
    """The existing article telling the same story, with its score; None if there is none."""
    if fingerprint is None:
        return None
    sharing = StoryBand.objects.filter(value__in=story_bands(fingerprint)).values("fingerprint")
    candidates = (
        StoryFingerprint.objects.filter(pk__in=sharing)
        .exclude(article_id=exclude_pk)
        .select_related("article")
    )
    best = None
    for row in candidates:
        score = story_similarity(fingerprint, Fingerprint.from_row(row))
        if score >= SAME_STORY_THRESHOLD and (best is None or score > best.score):
            best = StoryMatch(row.article, score)
    return best


@contextmanager
def story_write_lock() -> Iterator[None]:
    """A transaction that no other process's `story_write_lock` runs beside:
    on PostgreSQL, an advisory lock held until it ends; on SQLite, the
    database's one write lock, taken by BEGIN IMMEDIATE as it starts."""
    connection = transaction.get_connection()
    if connection.vendor != "sqlite":
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STORY_LOCK])
            yield
        return
    # The settings make every SQLite transaction IMMEDIATE; this one must be,
    # whatever they say. (Inside a transaction already, it is that one's.)
    connection.ensure_connection()
    mode, connection.transaction_mode = connection.transaction_mode, "IMMEDIATE"
    try:
        with transaction.atomic():
            yield
    finally:
        connection.transaction_mode = mode


def story_fingerprint_store(*, article: Article, fingerprint: Fingerprint | None) -> None:
    """Keep `article`'s signature and bands, replacing any it had."""
    StoryFingerprint.objects.filter(article=article).delete()
    if fingerprint is None:
        return
    row = StoryFingerprint.objects.create(
        article=article, signature=fingerprint.to_bytes(), shingle_count=fingerprint.shingle_count
    )
    StoryBand.objects.bulk_create(
        [StoryBand(fingerprint=row, value=value) for value in set(story_bands(fingerprint))]
    )


def story_fingerprints_rebuild(*, articles: QuerySet[Article], chunk_size: int = 500) -> int:
    """Fingerprint `articles` afresh from their bodies, as the admin does for a
    typed-in article, replacing any fingerprints they had; returns how many
    were long enough to have one. For restores and other bulk loads."""
    stored = 0
    for chunk in batched(
        articles.only("pk", "body").order_by("pk").iterator(chunk_size), chunk_size
    ):
        pks = [article.pk for article in chunk]
        StoryFingerprint.objects.filter(article_id__in=pks).delete()
        rows, bands = [], []
        for article in chunk:
            fingerprint = story_fingerprint(text=html_text(article.body))
            if fingerprint is None:
                continue
            rows.append(
                StoryFingerprint(
                    article_id=article.pk,
                    signature=fingerprint.to_bytes(),
                    shingle_count=fingerprint.shingle_count,
                )
            )
            # The fingerprint's key is its article's, so bands need no insert ids.
            bands += [
                StoryBand(fingerprint_id=article.pk, value=value)
                for value in set(story_bands(fingerprint))
            ]
        StoryFingerprint.objects.bulk_create(rows)
        StoryBand.objects.bulk_create(bands, batch_size=chunk_size * 8)
        stored += len(rows)
    return stored
