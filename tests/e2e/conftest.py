"""Fixtures for the browser journeys: the running platform, Chromium, and a tab per person.

Journeys run in a real headless Chromium from the system package manager, driven by
Playwright. Each key screen is saved as a screenshot under ``tests/results/e2e/``; a failing
test also saves the page's HTML, a screenshot and the server's log tail there.

The journeys build on each other in file order (officer, analyst, manager, oversight,
administrator): what one person produces (the officer's report, the analyst's product) is
kept in the package-scoped ``journey`` dict for the next. A later step whose input is missing
because an earlier one failed is skipped, saying which. Each person signs in once (with their
second factor when their role needs one) and keeps their browser for all the journeys, as
someone at work does.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import warnings

import pytest

from tests.e2e.helpers import totp_counter, totp_for
from tests.e2e.platform import CHROMIUM_ARGS, DEMO_PASSWORD, RESULTS, chromium_path

pytestmark = pytest.mark.e2e

# These tests never touch the ORM: the platform runs in its own processes and the journeys
# only drive the browser, so Django's async-safety guard needs no relaxing here.

AXE = RESULTS.parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


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


@pytest.fixture(scope="package")
def platform():
    from tests.e2e.platform import attach_platform, start_platform

    RESULTS.mkdir(parents=True, exist_ok=True)
    for old in [*RESULTS.glob("FAILED-*"), *RESULTS.glob("axe-known.txt")]:
        old.unlink()
    if os.environ.get("E2E_BASE_URL"):
        # A platform already running (``python -m tests.e2e.platform``): quicker to iterate.
        yield attach_platform(os.environ["E2E_BASE_URL"])
        return
    running = start_platform()
    yield running
    running.stop()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def journey() -> dict:
    """What earlier journeys produced, for later ones: ``report_urn``, ``report_pk``, ..."""
    return {}


class Person:
    """One signed-in person's browser tab, with helpers the journeys share."""

    def __init__(self, context, page, platform, username: str, password: str):
        self.context = context
        self.page = page
        self.platform = platform
        self.username = username
        self.password = password
        self._secrets = platform.data_dir / "totp-secrets.json"
        self.totp_secret: str | None = self._known_secrets().get(username)
        self._last_counter = -1

    def _known_secrets(self) -> dict:
        """Secrets enrolled on this platform so far (kept beside it, for a re-attached run)."""
        return json.loads(self._secrets.read_text()) if self._secrets.exists() else {}

    def _remember_secret(self, secret: str) -> None:
        self.totp_secret = secret
        self._secrets.write_text(json.dumps({**self._known_secrets(), self.username: secret}))

    # --- signing in ---------------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.page
        page.goto(self.url("/accounts/login/"))
        page.get_by_label(re.compile("username", re.I)).fill(self.username)
        page.get_by_label(re.compile("password", re.I)).fill(self.password)
        page.get_by_role("button", name=re.compile("sign in|log in", re.I)).click()
        page.wait_for_load_state()
        self.second_factor()
        assert "/accounts/login" not in page.url, f"{self.username} could not sign in"

    def code(self) -> str:
        """The authenticator's current code, waiting for a fresh one if this one was used
        (a code is accepted once)."""
        assert self.totp_secret, f"{self.username} has not enrolled an authenticator"
        while totp_counter() == self._last_counter:
            time.sleep(0.5)
        self._last_counter = totp_counter()
        return totp_for(self.totp_secret)

    def second_factor(self) -> None:
        """After the password: enrol an authenticator (reading the secret shown) or give a code."""
        page = self.page
        if "/two-factor/enrol" in page.url:
            secret = page.locator("code.ilp-secret").inner_text()
            self._remember_secret(re.sub(r"\s+", "", secret))
            self.shot(f"{self.username}-00-two-factor-enrolment")
            enrolment_code = page.get_by_label("Enrolment code")
            if enrolment_code.count():
                # Privileged roles enrol with a one-time code an administrator issues; here the
                # operator's command on the server stands in for the administrator.
                enrolment_code.fill(self.platform.enrolment_code(self.username))
            page.get_by_label("Code from the app").fill(self.code())
            page.get_by_role("button", name="Turn on two-factor authentication").click()
            page.wait_for_load_state()
            assert "/two-factor/recovery-codes" in page.url, "enrolment was not accepted"
            page.get_by_role("link", name="I have saved my recovery codes").click()
            page.wait_for_load_state()
        elif "/two-factor/verify" in page.url:
            page.get_by_label(re.compile(r"^Code")).fill(self.code())
            page.get_by_role("button", name="Verify").click()
            page.wait_for_load_state()
            assert "/two-factor/" not in page.url, "the code was not accepted"

    def confirm_identity(self) -> bool:
        """Answer the password re-confirmation (and code) a sensitive action asks for."""
        page = self.page
        page.wait_for_load_state()
        if "/accounts/confirm/" not in page.url:
            return False
        page.get_by_label("Password").fill(self.password)
        code = page.get_by_label(re.compile(r"^Code"))
        if code.count() and self.totp_secret:
            code.fill(self.code())
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
        return True

    # --- moving around ------------------------------------------------------------------------

    @property
    def main(self):
        """The page's main region (the menu repeats some link names)."""
        return self.page.get_by_role("main")

    def url(self, path: str) -> str:
        return self.platform.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        self.page.wait_for_load_state()
        return response

    def path(self) -> str:
        return self.page.url.removeprefix(self.platform.base_url)

    def nav(self, label: str, waiting_for: str = "") -> None:
        """Follow the main menu entry ``label``; a feature whose page is not built yet xfails."""
        link = self.page.get_by_role("navigation", name="Main navigation").get_by_role(
            "link", name=label, exact=True
        )
        if not link.count():
            pytest.xfail(
                f"the menu has no '{label}' entry for {self.username}: "
                + (waiting_for or "its page is not built yet")
            )
        link.click()
        self.page.wait_for_load_state()

    def justify(self, reference: str = "OP-E2E journey", purpose: str = "") -> None:
        """Answer the justification page if the platform asks for one."""
        self.page.wait_for_load_state()
        if "/justification" in self.page.url:
            self.page.get_by_label("Case or operation reference").fill(reference)
            self.page.get_by_label("Purpose").fill(
                purpose or "Intelligence development for the journey test"
            )
            self.page.get_by_role("button", name="Continue").click()
            self.page.wait_for_load_state()

    def download(self, link, directory) -> tuple[str, bytes]:
        """Click a download link (confirming identity first if asked); name and content."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            with self.page.expect_download(timeout=10000) as info:
                link.click()
        except PlaywrightTimeout:
            assert self.confirm_identity(), f"no download from {link} at {self.path()}"
            with self.page.expect_download() as info:
                link.click()
        download = info.value
        target = directory / download.suggested_filename
        download.save_as(target)
        return download.suggested_filename, target.read_bytes()

    # --- what the person sees -----------------------------------------------------------------

    def settle(self) -> None:
        """Wait for htmx swaps and CSS transitions to finish (a screen seen mid-fade is not
        the screen the person reads, and axe would measure faded colours)."""
        self.page.wait_for_load_state()
        self.page.wait_for_function(
            """() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')
                && document.getAnimations().every(a => a.playState !== 'running')"""
        )

    def shot(self, name: str, full_page: bool = True) -> None:
        self.settle()
        self.page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=full_page)

    def axe_violations(self, impact=("serious", "critical")) -> list[dict]:
        self.settle()
        self.page.add_script_tag(path=str(AXE))
        results = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [v for v in results["violations"] if v.get("impact") in impact]

    def assert_accessible(self, screen: str, known: dict[str, str] | None = None) -> None:
        """No serious or critical axe-core violation on the current screen.

        ``known`` names a rule already reported against another part of the platform, with
        where it was reported: it is written to ``axe-known.txt`` and warned about instead of
        failing, so the rest of the journey still runs. Nothing else is excused.
        """
        known = known or {}
        violations = self.axe_violations()
        excused = [v for v in violations if v["id"] in known]
        violations = [v for v in violations if v["id"] not in known]
        for v in excused:
            note = (
                f"{screen} ({self.path()}): {v['id']} ({v['impact']}) at "
                f"{', '.join(' '.join(n['target']) for n in v['nodes'][:5])}: {known[v['id']]}"
            )
            with open(RESULTS / "axe-known.txt", "a") as out:
                out.write(note + "\n")
            warnings.warn(f"known accessibility fault, reported: {note}", stacklevel=2)
        described = []
        for v in violations:
            described.append(f"{v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:5]:
                why = (node.get("any") or node.get("all") or node.get("none") or [{}])[0]
                described.append(f"  {' '.join(node['target'])}: {why.get('message', '')}")
        if violations:
            stem = re.sub(r"[^a-z0-9]+", "-", screen.lower()).strip("-")
            (RESULTS / f"FAILED-axe-{stem}.html").write_text(self.page.content())
        assert not violations, f"axe-core on {screen} ({self.path()}):\n" + "\n".join(described)


@pytest.fixture(scope="package")
def people(platform, browser):
    """Everyone signed in so far this session, by username."""
    signed_in: dict[str, Person] = {}
    yield signed_in
    for someone in signed_in.values():
        someone.context.close()


@pytest.fixture
def person(request, platform, browser, people):
    """``person("analyst")``: that demo user's tab, signed in (once per session), at home."""
    used: list[Person] = []

    def _open(username: str, password: str = DEMO_PASSWORD) -> Person:
        someone = people.get(username)
        if someone is None or someone.page.is_closed():
            context = browser.new_context(
                viewport={"width": 1366, "height": 768},
                bypass_csp=True,  # lets the tests inject axe-core; the app's pages obey CSP
                base_url=platform.base_url,
                accept_downloads=True,
            )
            page = context.new_page()
            page.set_default_timeout(20000)
            # Irreversible steps ask "are you sure?" with window.confirm: the person says yes.
            page.on("dialog", lambda dialog: dialog.accept())
            someone = Person(context, page, platform, username, password)
            people[username] = someone
            used.append(someone)
            someone.sign_in()
        else:
            used.append(someone)
            someone.goto("/")
        return someone

    yield _open
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        for someone in used:
            stem = f"FAILED-{request.node.name}-{someone.username}"
            try:
                someone.page.screenshot(path=str(RESULTS / f"{stem}.png"), full_page=True)
                (RESULTS / f"{stem}.html").write_text(someone.page.content())
            except Exception:  # noqa: S110 - best effort artefacts for a failure
                pass
        (RESULTS / f"FAILED-{request.node.name}-server.log").write_text(platform.log_tail(200))


@pytest.fixture(scope="package")
def scratch():
    return tempfile.mkdtemp(prefix="ilp-e2e-scratch-")
