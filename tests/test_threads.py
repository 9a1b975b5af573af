"""What gunicorn's threads share in one process is safe to use from several
at once (`make serve` runs threaded workers: newsroom/gunicorn.conf.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from articles.sanitize import sanitize_html


def _story(n: int) -> str:
    parts = (
        f"<b>word {n}-{i}</b> <script>alert({i})</script>"
        f"<a href='https://outlet.example/{n}/{i}'>link</a> <h1>Heading</h1>"
        for i in range(300)
    )
    return f"<div><p>Story {n} " + "".join(parts) + "</p></div>"


def test_bodies_sanitized_in_several_threads_at_once_come_out_as_in_one():
    """bleach's parser keeps state while it works: two saves at the same
    time in one process once crashed it, or could mix their output."""
    stories = [_story(n) for n in range(16)]
    expected = [sanitize_html(story) for story in stories]
    sanitize_html.cache_clear()  # each thread must do the work itself
    # Eight at a time, twice: each thread waits for the seven others.
    start = threading.Barrier(8)

    def sanitize(story: str) -> str:
        start.wait(timeout=60)
        return sanitize_html(story)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(sanitize, stories)) == expected
