"""Every page keeps to the Content-Security-Policy, in Chromium.

Public pages, the admin (logged in through its login form) with its scripts at
work (autocomplete, the slug filled in from the headline, collapsed sections,
date shortcuts), the page that says a login is locked and Django's CSRF
failure page: each carries
the policy, and Chromium reports no violation of it, neither as a
`securitypolicyviolation` event nor on the console.
"""

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from articles.demo import demo_load
from articles.models import Article, ImportOrigin, ImportRecord, ImportStatus

# Recorded before any page script runs, on every page the context opens.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || "the page"}:${event.lineNumber})`
  );
});
"""

# Violations are reported in tasks of their own: let those run, then read them.
REPORTED = "() => new Promise((done) => setTimeout(() => done(window.__csp || []), 100))"

STORY = "/articles/canada-is-set-to-share-us-load-of-massive-migrants-influx-from-central-america/"
PASSWORD = "a long passphrase for csp"


class Watched:
    """One browser page; records what breaks the policy, page by page."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: list[str] = []
        self._console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self._console.append(message.text)

    def check(self, response: Response | None, status: int = 200) -> Response:
        """The response carries the policy and the page broke none of it so far."""
        assert response is not None
        assert response.status == status, (response.url, response.status)
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, (response.url, policy)
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        self.collect()
        return response

    def collect(self) -> None:
        """Records the violations reported since the last call."""
        found = self.page.evaluate(REPORTED) + self._console
        self.problems += [f"{self.page.url}: {problem}" for problem in found]
        self._console.clear()
        self.page.evaluate("() => { window.__csp = []; }")

    def visit(self, path: str, status: int = 200) -> Response:
        return self.check(self.page.goto(path), status)

    def submit(self, button, status: int = 200) -> Response:
        with self.page.expect_navigation() as navigation:
            button.click()
        return self.check(navigation.value, status)


@pytest.fixture
def watch(browser: Browser, live_server) -> Iterator[Callable[[], Watched]]:
    contexts = []
    watched: list[Watched] = []

    def open_page() -> Watched:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        watched.append(Watched(context.new_page()))
        return watched[-1]

    yield open_page
    for context in contexts:
        context.close()
    problems = [problem for page in watched for problem in page.problems]
    assert not problems, "Content-Security-Policy violations:\n" + "\n".join(problems)


@pytest.fixture
def demo():
    demo_load()


def log_in(watched: Watched, username: str, password: str, status: int = 200) -> Response:
    page = watched.page
    watched.visit("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    return watched.submit(page.get_by_role("button", name="Log in"), status)


def test_public_pages_keep_to_the_policy(watch, demo):
    watched = watch()
    for path in [
        "/",
        "/?q=border&tag=asylum&published_after=2020-01-01",
        STORY,
        "/sources/",
        "/sources/darpan/",
        "/tags/",
        "/tags/asylum/",
    ]:
        watched.visit(path)
    watched.visit("/?published_after=2023-02-30", status=400)
    watched.visit("/no-such-page/", status=404)

    # The list's script at work: results replaced in place, from a fetch.
    page = watched.page
    watched.visit("/")
    page.get_by_role("searchbox", name="Search").fill("asylum")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/?q=asylum")
    expect(page.get_by_role("status")).to_contain_text("article")
    watched.collect()


def test_admin_pages_keep_to_the_policy(watch, demo):
    get_user_model().objects.create_superuser("csp-editor", password=PASSWORD)
    watched = watch()
    page = watched.page

    response = log_in(watched, "csp-editor", PASSWORD)
    assert response.url.endswith("/admin/")

    article = Article.objects.filter(published_at__isnull=False).first()
    record = ImportRecord.objects.create(
        origin=ImportOrigin.URL,
        requested="https://news.example.org/story",
        url="https://news.example.org/story",
        status=ImportStatus.FAILED,
        message="The page could not be fetched.",
    )
    user = get_user_model().objects.get(username="csp-editor")
    for path in [
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/?published_at__year={article.published_at.year}",
        "/admin/articles/article/?q=border&status__exact=published",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/history/",
        f"/admin/articles/article/{article.pk}/delete/",
        "/admin/articles/source/",
        "/admin/articles/source/add/",
        "/admin/articles/tag/",
        "/admin/articles/importrecord/",
        f"/admin/articles/importrecord/{record.pk}/change/",
        "/admin/articles/importrecord/import/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{user.pk}/change/",
        f"/admin/auth/user/{user.pk}/password/",
        "/admin/password_change/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accessfailurelog/",
    ]:
        watched.visit(path)

    # The article form's scripts at work.
    watched.visit("/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially("Ferry crossings resume at Lacolle")
    expect(page.locator("#id_slug")).to_have_value("ferry-crossings-resume-at-lacolle")
    page.locator(".field-source .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Darpan")
    page.locator(".select2-results__option", has_text="Darpan").first.click()
    page.locator(".field-tags .select2-selection").click()
    page.locator(".select2-results__option").first.click()
    page.get_by_text("Text", exact=True).click()
    page.locator(".field-published_at").get_by_role("button", name="Today").click()
    expect(page.locator("#id_published_at_0")).not_to_have_value("")
    page.locator(".field-published_at").get_by_role("button", name="Choose a Date").click()
    # The form has a date picker for each date field: the one opened shows.
    expect(page.locator(".calendarbox:visible")).to_have_count(1)
    watched.collect()

    # Bulk action confirmation from the changelist.
    watched.visit("/admin/articles/article/")
    page.locator("#result_list tbody input.action-select").first.check()
    page.get_by_label("Action:").select_option("delete_selected")
    watched.submit(page.get_by_role("button", name="Run"))


def test_the_csrf_failure_page_keeps_to_the_policy(watch, demo):
    """Django's CSRF failure page styles itself with an inline <style> that
    carries the nonce."""
    watched = watch()
    page = watched.page
    watched.visit("/admin/login/")
    page.context.clear_cookies()
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("anything")
    response = watched.submit(page.get_by_role("button", name="Log in"), status=403)
    assert "'nonce-" in response.headers["content-security-policy"]


def test_the_lockout_page_keeps_to_the_policy(watch, demo):
    watched = watch()
    for _ in range(4):
        log_in(watched, "editor", "not the password")
    log_in(watched, "editor", "not the password", status=429)
    expect(watched.page.get_by_role("heading", level=1)).to_have_text("Login locked for 30 minutes")
