"""The benchmark's mixed workload: the URL mix and the wrk script that draws from it."""

import shutil
import subprocess
from collections import Counter

import pytest

from bench.mixed import SCRIPT, percentile, write_mix, zipf_mix
from tests.web import Route


def test_zipf_mix_takes_the_groups_in_turn_and_counts_a_path_once():
    mix = zipf_mix([["/"], ["/a/", "/b/", "/c/"], ["/x/", "/a/"]])

    assert [path for path, _ in mix] == ["/", "/a/", "/x/", "/b/", "/c/"]


def test_zipf_mix_weighs_each_path_by_its_rank():
    weights = [weight for _, weight in zipf_mix([[f"/{n}/" for n in range(1, 101)]])]

    assert sum(weights) == pytest.approx(1)
    assert weights[0] / weights[1] == pytest.approx(2)
    assert weights[0] / weights[99] == pytest.approx(100)
    flatter = [w for _, w in zipf_mix([[f"/{n}/" for n in range(1, 101)]], exponent=0.5)]
    assert flatter[0] / flatter[99] == pytest.approx(10)


def test_percentile_is_the_nearest_rank():
    assert percentile([], 99) is None
    assert percentile([7.0], 50) == percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 99) == 3.0
    values = [float(n) for n in range(100, 0, -1)]
    assert (percentile(values, 50), percentile(values, 99)) == (50.0, 99.0)


@pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk")
def test_wrk_script_asks_only_for_the_listed_paths_the_first_most(site, tmp_path):
    paths = ["/", "/a/", "/b/", "/c/"]
    for path in paths:
        site.routes[path] = Route(body=b"ok")
    urls = tmp_path / "urls.txt"
    write_mix(zipf_mix([["/"], paths[1:]]), urls)

    subprocess.run(
        ["wrk", "-t1", "-c1", "-d1s", "-s", str(SCRIPT), site.url("/"), "--", str(urls), "1"],
        check=True,
        capture_output=True,
        timeout=120,
    )

    counts = Counter(path for path, _ in site.requests)
    assert set(counts) == set(paths)
    # Weights 12:6:4:3 of 25; over hundreds of requests the order holds.
    assert counts["/"] > counts["/a/"] > counts["/c/"]


def test_writer_writes_as_an_editor_and_cleanup_takes_it_all_back(db, client):
    from articles.models import Article, ArticleStatus
    from bench import writer
    from tests.factories import ArticleFactory, TagFactory

    draft = ArticleFactory(title="A draft", status=ArticleStatus.DRAFT)
    story = ArticleFactory(title="A front page story")
    TagFactory()
    client.get("/")  # the list, cached before the writes

    events = [writer.Writes(kind).write(0) for kind in writer.KINDS]

    assert [event["public"] for event in events] == [False, True, True]
    page = client.get("/").content.decode()
    assert events[1]["title"] == "A front page story (bench edit 0)"
    assert events[1]["title"] in page and events[2]["title"] in page
    new = Article.objects.published().get(slug__startswith=writer.NEW_SLUG)
    assert new.first_published_at and new.tags.count() == 1

    assert writer.cleanup() == {"restored": 2, "deleted": 1}
    draft.refresh_from_db()
    story.refresh_from_db()
    assert (draft.title, story.title) == ("A draft", "A front page story")
    assert Article.objects.count() == 2
    assert not Article.history.filter(slug__startswith=writer.NEW_SLUG).exists()
    assert events[2]["title"] not in client.get("/").content.decode()
