"""Training mode in the browser: a platform loaded with the training scenario (not the demo
data); each trainee role completes one exercise and its status on the Exercises page turns to
Done; then a trainee's exercises page in English and in French at 1366 px and 390 px, the
screenshots the training guide shows (docs/guides/training.md)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Person
from tests.e2e.platform import DEMO_PASSWORD, RESULTS, ROOT

pytestmark = pytest.mark.e2e
GUIDE_IMAGES = ROOT / "docs" / "guides" / "images"
BANNER = "Training installation — fictional data"


@pytest.fixture(scope="module")
def training_platform():
    from tests.e2e.platform import start_platform

    RESULTS.mkdir(parents=True, exist_ok=True)
    running = start_platform(seed=("seed_training",))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def scenario(training_platform) -> dict:
    result = training_platform.manage(
        "shell",
        "-c",
        "import json; from training.models import Installation; "
        "print(json.dumps(Installation.objects.get().scenario))",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trainee(training_platform, browser):
    opened: dict[str, Person] = {}

    def _open(username: str) -> Person:
        if username not in opened:
            context = browser.new_context(
                viewport={"width": 1366, "height": 768},
                bypass_csp=True,
                base_url=training_platform.base_url,
                accept_downloads=True,
            )
            page = context.new_page()
            page.set_default_timeout(30000)
            page.on("dialog", lambda dialog: dialog.accept())
            someone = Person(context, page, training_platform, username, DEMO_PASSWORD)
            someone.sign_in()
            opened[username] = someone
        return opened[username]

    yield _open
    for someone in opened.values():
        someone.context.close()


def _exercise_done(person: Person, key: str, shot: str) -> None:
    person.nav("Exercises")
    card = person.main.locator(f"[data-exercise='{key}']")
    expect(card).to_have_attribute("data-status", "done")
    expect(card.locator("[data-exercise-status]")).to_have_text("Done")
    person.shot(shot)


def test_the_officer_reports_what_they_saw(trainee):
    officer = trainee("trainee_officer")
    page = officer.page
    expect(page.locator("[data-training-banner]")).to_contain_text(BANNER)
    officer.nav("Exercises")
    card = officer.main.locator("[data-exercise='officer-collection']")
    expect(card).to_have_attribute("data-status", "not_started")
    card.get_by_role("button", name="Show a hint").click()
    page.wait_for_load_state()
    card = officer.main.locator("[data-exercise='officer-collection']")
    expect(card).to_have_attribute("data-status", "started")
    officer.shot("training-01-officer-exercises")
    officer.nav("Submit intelligence")
    page.get_by_label(re.compile(r"^Compartment")).select_option(label="Riverside (training)")
    page.get_by_label(re.compile(r"What is known")).fill(
        "A small white van circled Millbrook Green three times at school time."
    )
    page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:1")
    page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:A")
    page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
    page.get_by_role("button", name="Submit for evaluation").click()
    page.wait_for_load_state()
    _exercise_done(officer, "officer-collection", "training-02-officer-done")


def test_the_analyst_grades_the_reports_awaiting_evaluation(trainee, scenario):
    analyst = trainee("trainee_analyst")
    page = analyst.page
    for pk in scenario["ungraded_reports"]:
        analyst.goto(f"/intelligence/reports/{pk}/evaluate/")
        analyst.justify("TRN-EXERCISE", "Training exercise: evaluation")
        page.get_by_label(re.compile(r"^Source evaluation")).select_option("3x5x2:2")
        page.get_by_label(re.compile(r"^Intelligence assessment")).select_option("3x5x2:C")
        page.get_by_label(re.compile(r"^Handling code")).select_option("3x5x2:P")
        page.get_by_label(re.compile(r"^Sanitised text")).fill(
            "Daytime burglaries around Millbrook Green; a small white van is seen."
        )
        reason = page.get_by_label(re.compile(r"^Reason for any change"))
        if reason.count():
            reason.fill("Heard from others, not corroborated yet.")
        page.get_by_role("button", name="Evaluate").click()
        page.wait_for_load_state()
        expect(page.get_by_text(re.compile(r"evaluated\."))).to_be_visible()
    _exercise_done(analyst, "analyst-evaluation", "training-03-analyst-done")


def test_the_manager_scores_the_candidate_priority(trainee, scenario):
    manager = trainee("trainee_manager")
    page = manager.page
    manager.goto(f"/tasking/priorities/{scenario['priority']}/score/")
    manager.justify("TRN-EXERCISE", "Training exercise: tasking meeting")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Score", exact=True))
    for select in form.locator("select").all():
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        choices = [v for v in values if v]
        select.select_option(choices[len(choices) // 2])
    for box in form.locator("input[type=number]").all():
        box.fill("3")
    manager.shot("training-04-manager-scoring")
    form.get_by_role("button", name="Score", exact=True).click()
    page.wait_for_load_state()
    _exercise_done(manager, "manager-direction", "training-05-manager-done")


def test_the_data_protection_officer_answers_the_access_request(trainee, scenario):
    dpo = trainee("trainee_dpo")
    page = dpo.page
    dpo.goto(f"/data-protection/requests/{scenario['subject_request']}/")
    page.get_by_role("button", name="Search every compartment for the person").click()
    page.wait_for_load_state()
    while dpo.main.locator("li", has_text="Undecided").count():
        item = dpo.main.locator("li", has_text="Undecided").first
        item.get_by_label("Decision").select_option("disclose")
        item.get_by_role("button", name="Record decision").click()
        page.wait_for_load_state()
    dpo.shot("training-06-dpo-request")
    page.get_by_role("button", name="Mark answered").click()
    page.wait_for_load_state()
    dpo.confirm_identity()
    _exercise_done(dpo, "dpo-review", "training-07-dpo-done")


def test_the_trainer_sees_every_trainee_s_progress(trainee):
    trainer = trainee("trainer")
    trainer.nav("Exercises")
    trainer.main.get_by_role("link", name="Trainees' progress").click()
    trainer.page.wait_for_load_state()
    rows = trainer.main.locator("#trainee-progress")
    for key in ("officer-collection", "analyst-evaluation", "manager-direction", "dpo-review"):
        expect(rows.locator(f"[data-exercise='{key}'][data-status='done']")).to_have_count(1)
    trainer.shot("training-08-trainer-progress")


def _switch(person: Person, language: str) -> None:
    """Choose the language in the user menu, as a person does."""
    page = person.page
    page.locator("#mainnav .dropdown-toggle").last.click()
    page.locator("#language-select").select_option(language)
    page.locator("[data-language-switch] button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_trainee_s_exercises_page_in_two_languages(trainee, language):
    analyst = trainee("trainee_analyst")
    page = analyst.page
    analyst.goto("/training/")
    _switch(analyst, language)
    analyst.goto("/training/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("[data-training-banner]")).to_be_visible()
    GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
    analyst.shot(f"training-exercises-{language}")
    shutil.copy(RESULTS / f"training-exercises-{language}.png", GUIDE_IMAGES)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    analyst.shot(f"training-exercises-{language}-phone")
    shutil.copy(RESULTS / f"training-exercises-{language}-phone.png", GUIDE_IMAGES)
    page.set_viewport_size({"width": 1366, "height": 768})
    if language == "fr":
        _switch(analyst, "en")
