"""The code's release, in every cache key (newsroom/release.py, settings.RELEASE)."""

import shutil

from django.conf import settings

from newsroom.release import code_release
from tests.app_server import ROOT


def test_the_release_is_in_every_cache_key():
    assert code_release(ROOT) == settings.RELEASE
    # The production settings' caches: local memory, or Redis.
    from newsroom import settings as production

    assert production.CACHES["default"]["KEY_PREFIX"].endswith(production.RELEASE)


def test_the_release_follows_the_templates_static_files_and_code(tmp_path):
    sources = {
        "templates/base.html": "<main>{% block content %}{% endblock %}</main>",
        "static/css/site.css": "main { margin: 0 }",
        "articles/views.py": "PAGE = 20\n",
        "newsroom/settings.py": "DEBUG = False\n",
    }
    for name, text in sources.items():
        (tmp_path / "one" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "one" / name).write_text(text)
    shutil.copytree(tmp_path / "one", tmp_path / "same")
    release = code_release(tmp_path / "one")
    # Where the checkout is, and when its files were written, do not count.
    assert code_release(tmp_path / "same") == release
    for name in sources:
        changed = tmp_path / name.replace("/", "-")
        shutil.copytree(tmp_path / "one", changed)
        (changed / name).write_text(sources[name] + " ")
        assert code_release(changed) != release, name
    # Nor does what Python compiles beside the code.
    (tmp_path / "one" / "articles" / "__pycache__").mkdir()
    (tmp_path / "one" / "articles" / "__pycache__" / "views.cpython-313.pyc").write_bytes(b"x")
    assert code_release(tmp_path / "one") == release
