import pytest

from articles.services.urls import InvalidURL, domain_candidates, url_clean, url_key

SAME_PAGE = [
    "https://news.example/2023/03/story/",
    "https://news.example/2023/03/story",
    "HTTPS://NEWS.EXAMPLE:443/2023/03/story/",
    "http://www.news.example/2023/03/story/",
    "https://news.example/2023/03/story/#comments",
    "https://news.example/2023/03/story/?utm_source=twitter&utm_medium=social",
    "https://news.example/2023/03/story/?fbclid=abc123&gclid=xyz",
    "https://news.example/2023/03/story/amp/",
    "https://news.example/2023/03/story?amp=1",
    "https://news.example/amp/2023/03/story",
    "https://news-example.cdn.ampproject.org/c/s/news.example/2023/03/story/amp/",
]


@pytest.mark.parametrize("url", SAME_PAGE)
def test_every_form_of_one_page_has_one_key(url):
    assert url_key(url) == "news.example/2023/03/story"


def test_pages_that_differ_keep_different_keys():
    keys = {
        url_key("https://news.example/story?id=1"),
        url_key("https://news.example/story?id=2"),
        url_key("https://news.example/other-story"),
        url_key("https://elsewhere.example/story?id=1"),
    }
    assert len(keys) == 4
    assert url_key("https://news.example/s?b=2&a=1") == url_key("https://news.example/s?a=1&b=2")


def test_clean_url_keeps_a_working_address():
    assert (
        url_clean("HTTPS://News.Example:443/Story/?utm_campaign=x&page=2#top")
        == "https://news.example/Story/?page=2"
    )
    assert url_clean("http://news.example:8080") == "http://news.example:8080/"


@pytest.mark.parametrize(
    "url", ["ftp://news.example/x", "javascript:alert(1)", "file:///etc/passwd", "news.example", ""]
)
def test_only_http_and_https_are_urls(url):
    with pytest.raises(InvalidURL):
        url_clean(url)
    assert url_key(url) == ""


def test_domain_candidates_go_from_host_to_parent():
    assert domain_candidates("news.cbc.example") == ["news.cbc.example", "cbc.example"]
    assert domain_candidates("localhost") == ["localhost"]
