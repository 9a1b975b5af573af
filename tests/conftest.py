import pytest

from tests.factories import UserFactory


@pytest.fixture
def editor(db):
    """A staff user in the Editors group that the demo data sets up."""
    from articles.demo import demo_editor_ensure

    return demo_editor_ensure()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def people(db):
    """Staff in each role: an editor, a contributor who wrote something, and another."""
    from django.contrib.auth.models import Group

    def member(group, username):
        user = UserFactory(username=username, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return {
        "editor": member("Editors", "ed"),
        "author": member("Contributors", "cory"),
        "other": member("Contributors", "olive"),
    }


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture(scope="session")
def _site():
    from tests.web import Site

    site = Site().start()
    yield site
    site.stop()


@pytest.fixture
def site(_site):
    """The local web server, emptied for each test."""
    _site.routes.clear()
    _site.requests.clear()
    return _site


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: pages and counts of another test's
    rows (rolled back, with no signal) must not be served to it."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _tallies_agree(request):
    """Whatever a test writes, by whatever path, the tallies of the public
    articles must still agree with a count made afresh (articles/tallies.py)."""
    names = set(request.fixturenames)
    if not (request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & names):
        yield
        return
    # Set up the database first, so that this checks it before it is rolled back.
    request.getfixturevalue("_django_db_helper")
    yield
    from articles.tallies import tallies_drift

    assert tallies_drift() == {}, "the tallies disagree with a fresh count"
