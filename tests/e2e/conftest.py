"""Fixtures for the browser journeys: the running platform, Chromium, and a page per person.

Journeys run in a real headless Chromium from the system package manager, driven by
Playwright. Each key screen is saved as a screenshot under ``tests/results/e2e/``; a failing
test also saves the page's HTML and a screenshot there.
"""

from __future__ import annotations

import os
import re
import tempfile

import pytest

from tests.e2e.platform import CHROMIUM_ARGS, DEMO_PASSWORD, RESULTS, chromium_path

pytestmark = pytest.mark.e2e

# Playwright's sync API runs an event loop in this thread; these tests never touch the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    reason = None
    if os.environ.get("ILP_SKIP_E2E"):
        reason = "ILP_SKIP_E2E is set"
    elif chromium_path() is None:
        reason = "Chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "playwright is not installed"
    if reason:
        for item in items:
            if "tests/e2e" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def platform():
    from tests.e2e.platform import start_platform

    RESULTS.mkdir(parents=True, exist_ok=True)
    running = start_platform()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Person:
    """One signed-in person's browser tab, with helpers the journeys share."""

    def __init__(self, page, platform, username: str):
        self.page = page
        self.platform = platform
        self.username = username

    def url(self, path: str) -> str:
        return self.platform.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        return response

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)

    def justify(self, reference: str = "OP-E2E journey") -> None:
        """Answer the justification page if the platform asks for one."""
        self.page.wait_for_load_state()
        if "/justification" in self.page.url:
            self.page.get_by_label("Case or operation reference").fill(reference)
            self.page.get_by_label("Purpose").fill("Intelligence development for the journey test")
            self.page.get_by_role("button", name="Continue").click()
            self.page.wait_for_load_state()

    def axe_violations(self, impact=("serious", "critical")) -> list[dict]:
        axe = RESULTS.parents[1].parent / "static" / "vendor" / "axe-core" / "axe.min.js"
        self.page.add_script_tag(path=str(axe))
        results = self.page.evaluate("async () => await axe.run(document)")
        return [v for v in results["violations"] if v.get("impact") in impact]


@pytest.fixture
def person(request, platform, browser):
    """``person("analyst")`` opens a signed-in tab for that demo user."""
    contexts = []

    def _open(username: str, password: str = DEMO_PASSWORD) -> Person:
        context = browser.new_context(
            viewport={"width": 1366, "height": 768},
            bypass_csp=True,  # lets the tests inject axe-core; the app's own pages obey CSP
            base_url=platform.base_url,
        )
        contexts.append((context, username))
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(platform.base_url + "/accounts/login/")
        page.get_by_label(re.compile("username", re.I)).fill(username)
        page.get_by_label(re.compile("password", re.I)).fill(password)
        page.get_by_role("button", name=re.compile("sign in|log in", re.I)).click()
        page.wait_for_load_state()
        return Person(page, platform, username)

    yield _open
    failed = getattr(request.node, "report_call", None)
    for context, username in contexts:
        if failed is not None and failed.failed:
            stem = f"FAILED-{request.node.name}-{username}"
            for page in context.pages:
                try:
                    page.screenshot(path=str(RESULTS / f"{stem}.png"), full_page=True)
                    (RESULTS / f"{stem}.html").write_text(page.content())
                except Exception:  # noqa: S110 - best effort artefacts for a failure
                    pass
        context.close()
    if failed is not None and failed.failed:
        (RESULTS / f"FAILED-{request.node.name}-server.log").write_text(platform.log_tail(200))


@pytest.fixture(scope="session")
def scratch():
    return tempfile.mkdtemp(prefix="ilp-e2e-scratch-")
