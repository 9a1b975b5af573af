"""Tests in a real browser: Debian's Chromium driven by Playwright against
pytest-django's live server, with axe-core and the Nu HTML Checker from
node_modules.

A missing tool skips the tests that need it on a developer's machine, but fails
them in CI (CI=true): CI must never pass without having run them.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.browser.checkers import AXE_JS, ROOT, VNU_JAR, axe_violations, html_errors


# The live server's threads share the test's one in-memory SQLite connection,
# and two requests at once (a page and the in-place update it starts) can
# deadlock on it. One request at a time: Django then closes each connection,
# so the browser's next request waits its turn instead.
class _OneRequestAtATime(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        # Requests run on the live server's own thread, which already has
        # the test's connections: nothing to hand over to request threads.
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = _OneRequestAtATime

# Debian's Chromium as root in a container: no sandbox, no GPU, and nothing
# that phones home (Playwright's own browser download cannot work here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def tool_missing(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        tool_missing("chromium is not on the PATH (Debian: apt-get install chromium)")
    # Playwright's sync API keeps an asyncio loop running on this thread while
    # it is started, and Django takes every ORM call made meanwhile (factories,
    # the flush between tests) for one made from async code. Package scope
    # ends both once the browser tests are done, before the rest of the suite.
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server) -> Iterator[Callable[[], Page]]:
    """Opens pages on the live server, each in a fresh context (no cookies, no
    history), and fails the test if any of them logged a console error or
    threw a JavaScript error."""
    contexts = []
    problems: list[str] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            # Chromium asks for /favicon.ico by itself; the site has no icon.
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
                problems.append(f"console error on {page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error on {page.url}: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "The browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def axe() -> Callable[[Page], list[dict]]:
    """Runs axe-core over a page; returns its serious and critical violations."""
    if not AXE_JS.exists():
        tool_missing(f"{AXE_JS.relative_to(ROOT)} is missing: `make test` installs it with npm")
    return axe_violations


@pytest.fixture
def vnu() -> Callable[[str], list[dict]]:
    """Runs the Nu HTML Checker with the machine's Java; returns its errors."""
    java = shutil.which("java")
    if java is None:
        tool_missing("java is not on the PATH (Debian: apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        tool_missing(f"{VNU_JAR.relative_to(ROOT)} is missing: `make test` installs it with npm")
    return partial(html_errors, java=java)
