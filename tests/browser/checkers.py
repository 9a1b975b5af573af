"""axe-core and the Nu HTML Checker, run from node_modules with no network."""

import json
import subprocess
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

BLOCKING_IMPACTS = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """The serious and critical violations on the page as the browser shows it."""
    # Through the DevTools protocol, which the page's Content-Security-Policy does
    # not govern: an injected <script> would be blocked as inline script. The
    # page is checked with its real policy in force.
    page.evaluate(_axe_source())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}"
            f" [{len(violation['nodes'])} element(s): {targets}] {violation['helpUrl']}"
        )
    return "\n".join(lines)


def html_errors(html: str, *, java: str) -> list[dict]:
    """The Nu HTML Checker's errors on a document; warnings and notes left out."""
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", "-"],
        input=html.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    report = json.loads(result.stdout)
    # "non-document-error" is the checker failing to read the document at all.
    return [m for m in report["messages"] if m["type"] in {"error", "non-document-error"}]


def format_html_errors(errors: list[dict]) -> str:
    return "\n".join(
        f"line {error.get('lastLine', '?')}: {error['message']}"
        + (f"\n    {error['extract'].strip()}" if error.get("extract") else "")
        for error in errors
    )
