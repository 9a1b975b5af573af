"""How large a request may be: a pasted page up to the one page limit
(IMPORT_MAX_BYTES) on the import form, Django's own limit everywhere else."""

from urllib.parse import urlencode

import pytest

from articles.models import ImportRecord
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/articles/importrecord/import/"


@pytest.fixture
def outlet(db):
    return SourceFactory(name="Ottawa Ledger", homepage="https://ottawa-ledger.example/")


FORM_URLENCODED = "application/x-www-form-urlencoded"


def big_page(megabytes: float) -> str:
    """A short story in about this many megabytes of markup, which URL-encoding
    swells (most of it in a comment, so that extracting it stays quick)."""
    filler = "<b>&amp;</b> " * int(megabytes * 1e6 / 13)
    story = "<p>Asylum claims at the border rose again, the agency said.</p>" * 5
    return f"<html><body><!-- {filler} --><h1>Long page</h1>{story}</body></html>"


def test_a_large_pasted_page_is_imported_as_a_browser_posts_it(editor_client, outlet):
    """2.3 MB of HTML, URL-encoded, once met a bare 400 (the request limit was
    below the form's own): now one limit, the page's, holds for a paste."""
    page = big_page(2.3)
    form = editor_client.get(IMPORT_URL).text
    assert 'enctype="multipart/form-data"' in form
    for body, content_type in [
        (urlencode({"url": "", "content": page, "source": outlet.pk}), FORM_URLENCODED),
        (None, None),  # multipart, as the import form now posts
    ]:
        ImportRecord.objects.all().delete()
        data = {"url": "", "content": page, "source": outlet.pk}
        if body is None:
            response = editor_client.post(IMPORT_URL, data)
        else:
            response = editor_client.post(IMPORT_URL, body, content_type=content_type)
        assert response.status_code == 302
        assert ImportRecord.objects.get().requested.startswith("pasted HTML, 2,")


def test_a_paste_over_the_limit_is_a_form_error_that_names_it(editor_client, outlet, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    page = big_page(0.2)
    response = editor_client.post(IMPORT_URL, {"url": "", "content": page, "source": outlet.pk})
    assert response.status_code == 200
    errors = response.context["form"].errors["content"]
    assert errors == [
        "The pasted page is 0.2 MB; an import takes pages of up to 0.1 MB, pasted or "
        "fetched. Paste the article's part of the page, or its text."
    ]
    assert not ImportRecord.objects.exists()
    assert 'maxlength="100000"' in response.text


def test_every_other_address_keeps_djangos_limit_on_a_body(client, editor_client, outlet):
    """The import form's limit is not every form's: an anonymous 14 MB post to
    the login form is refused before it is read, with a 413 that says why."""
    body = "username=a&password=" + "x" * 14_000_000
    for who, url in [(client, "/admin/login/"), (editor_client, "/admin/articles/tag/add/")]:
        response = who.post(url, body, content_type=FORM_URLENCODED)
        assert response.status_code == 413
        assert "larger than this address takes (2.6 MB at the most)" in response.text
    small = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert small.status_code == 200
