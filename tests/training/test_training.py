"""Training mode (issue 21): the scenario and its reset, the flag and banner, the TRAINING
watermark on each export kind, and the exercises checked against what trainees did."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from ilp_platform.accounts.models import Unit, UnitLevel, User
from ilp_platform.core import context, training
from ilp_platform.web import exports as web_exports
from intelligence.choices import ReportStatus
from intelligence.models import Incident, Report
from subjectrequests.models import SubjectRequest
from tasking.models import Meeting, Priority
from training import reset, services
from training.models import ExerciseProgress, Installation

BANNER = "Training installation — fictional data"
GRADED = {
    "grading_scheme": "3x5x2",
    "source_evaluation": "1",
    "intelligence_assessment": "A",
    "handling_code": "P",
    "handling_conditions": "",
}


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _flag_only():
    Installation.objects.create(is_training=True, language="en", seeded_at=timezone.now())
    training.forget()


# --- the scenario ---------------------------------------------------------------------------


def test_the_seed_loads_the_scenario_and_marks_the_installation(scenario):
    assert training.is_training()
    levels = set(Unit.objects.filter(code__startswith="trn-").values_list("level", flat=True))
    assert levels == {UnitLevel.LOCAL, UnitLevel.REGIONAL, UnitLevel.NATIONAL}
    for name, role in [
        ("trainee_officer", "officer"),
        ("trainee_analyst", "analyst"),
        ("trainee_manager", "manager"),
        ("trainee_dpo", "oversight"),
    ]:
        assert _user(name).groups.filter(name=role).exists()
    assert _user("trainer").has_perm("training.view_all_progress")
    ungraded = scenario.scenario["ungraded_reports"]
    assert Report.objects.filter(pk__in=ungraded, status=ReportStatus.SUBMITTED).count() == 4
    assert Report.objects.filter(pk__in=ungraded, source__isnull=False).count() == 4
    series = Incident.objects.filter(reference__lte="TRN-0012", crime_type__slug="burglary")
    assert series.count() == 12 and Incident.objects.count() == 252
    meeting = Meeting.objects.get(pk=scenario.scenario["meeting"])
    assert meeting.status == "open"
    assert Priority.objects.get(pk=scenario.scenario["priority"]).score is None
    request = SubjectRequest.objects.get(pk=scenario.scenario["subject_request"])
    assert request.status == "open" and request.subject_name == "Dario Vell"


def test_a_second_seed_is_refused_and_points_to_the_reset(scenario):
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_training")


def test_the_seed_writes_in_the_language_chosen(db, monkeypatch):
    from training import scenario as module

    seen = []
    real = module.create_report

    def spy(**kwargs):
        seen.append(translation.get_language())
        return real(**kwargs)

    monkeypatch.setattr(module, "create_report", spy)
    installation = reset.seed(language="fr", password="x-pass-12345", password_given=True)
    assert installation.language == "fr" and seen and set(seen) == {"fr"}


def test_the_seed_refuses_an_installation_holding_real_data(world):
    from intelligence.services.reports import create_report

    with context.acting(user=world.officer, justification="test"):
        create_report(
            actor=world.officer,
            data={**GRADED, "compartment": world.general, "text": "A real report.", "source": None},
            submit=True,
        )
    with pytest.raises(CommandError, match="not training data"):
        call_command("seed_training")
    with pytest.raises(CommandError, match="not a training installation"):
        call_command("seed_training", "--reset")
    with pytest.raises(CommandError, match="not a training installation"):
        call_command("reset_training")
    assert not training.is_training()
    assert not Installation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_reset_erases_trainees_work_and_loads_the_scenario_afresh():
    reset.seed(language="en", password="trainee-pass-1", password_given=True)
    officer = _user("trainee_officer")
    services.reveal_hint(officer, "officer-collection")
    assert ExerciseProgress.objects.count() == 1
    before = Report.objects.count()
    call_command("reset_training")
    installation = Installation.objects.get()
    assert installation.resets == 1 and installation.language == "en"
    assert ExerciseProgress.objects.count() == 0
    assert Report.objects.count() == before
    assert training.is_training()
    call_command("verify_audit")


# --- the banner and the pages ---------------------------------------------------------------


def test_the_banner_shows_on_every_page_of_a_training_installation_only(world, login):
    client = login(world.analyst)
    for name in ("core:home", "intelligence:report_list", "notifications:list"):
        assert BANNER not in client.get(reverse(name)).content.decode()
    _flag_only()
    for name in ("core:home", "intelligence:report_list", "notifications:list"):
        body = client.get(reverse(name)).content.decode()
        assert BANNER in body and reverse("training:exercises") in body
    oversight = login(world.oversight)
    assert BANNER in oversight.get(reverse("audit:event_list")).content.decode()


def test_the_exercises_page_is_404_on_a_real_installation(world, login):
    client = login(world.analyst)
    assert client.get(reverse("training:exercises")).status_code == 404


def test_the_trainer_sees_every_trainee_and_a_trainee_does_not(scenario, login):
    client = login(_user("trainee_officer"))
    assert client.get(reverse("training:trainer")).status_code == 403
    client = login(_user("trainer"))
    page = client.get(reverse("training:trainer"))
    body = page.content.decode()
    assert page.status_code == 200
    for name in ("trainee_officer", "trainee_analyst", "trainee_manager", "trainee_dpo"):
        assert name in body
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        actor=_user("trainer"), object_type="training.exerciseprogress", action="list"
    ).exists()


def test_hints_are_revealed_on_request_one_at_a_time(scenario, login):
    client = login(_user("trainee_analyst"))
    page = client.get(reverse("training:exercises")).content.decode()
    from training.exercises import BY_KEY

    exercise = BY_KEY["analyst-analysis"]
    assert str(exercise.hints[0]) not in page
    client.post(reverse("training:hint", args=["analyst-analysis"]))
    page = client.get(reverse("training:exercises")).content.decode()
    assert str(exercise.hints[0]) in page and str(exercise.hints[1]) not in page
    row = ExerciseProgress.objects.get(trainee=_user("trainee_analyst"))
    assert row.hints_shown == 1 and row.completed_at is None
    # Another role's exercise is refused.
    client.post(reverse("training:hint", args=["manager-direction"]))
    assert ExerciseProgress.objects.count() == 1


# --- the exercises --------------------------------------------------------------------------


def _status(user, key):
    return {item["exercise"].key: item["status"] for item in services.progress(user)}[key]


def test_each_role_s_exercise_turns_done_from_what_the_trainee_did(scenario):
    from intelligence.services.reports import create_report, evaluate_report
    from subjectrequests import services as requests
    from tasking import services as tasking

    officer, analyst = _user("trainee_officer"), _user("trainee_analyst")
    manager, dpo = _user("trainee_manager"), _user("trainee_dpo")
    local = Report.objects.get(pk=scenario.scenario["ungraded_reports"][0]).compartment
    assert _status(officer, "officer-collection") == "not_started"
    with context.acting(user=officer, justification="training"):
        create_report(
            actor=officer,
            data={**GRADED, "compartment": local, "text": "A white van circling.", "source": None},
            submit=False,
        )
    assert _status(officer, "officer-collection") == "not_started"  # a draft is not enough
    with context.acting(user=officer, justification="training"):
        create_report(
            actor=officer,
            data={**GRADED, "compartment": local, "text": "A white van circling.", "source": None},
            submit=True,
        )
    assert _status(officer, "officer-collection") == "done"

    ids = scenario.scenario["ungraded_reports"]
    with context.acting(user=analyst, justification="training"):
        for pk in ids[:3]:
            evaluate_report(
                Report.objects.get(pk=pk), actor=analyst, grading_data={}, sanitised_text="x"
            )
    assert _status(analyst, "analyst-evaluation") == "not_started"
    with context.acting(user=analyst, justification="training"):
        evaluate_report(
            Report.objects.get(pk=ids[3]), actor=analyst, grading_data={}, sanitised_text="x"
        )
    assert _status(analyst, "analyst-evaluation") == "done"

    priority = Priority.objects.get(pk=scenario.scenario["priority"])
    with context.acting(user=manager, justification="training"):
        tasking.score_priority(
            priority,
            actor=manager,
            matrix="grid4x4",
            inputs={"impact": 3, "likelihood": 4},
        )
    assert _status(manager, "manager-direction") == "done"

    request = SubjectRequest.objects.get(pk=scenario.scenario["subject_request"])
    with context.acting(user=dpo, justification="training"):
        hits = requests.run_search(request, actor=dpo)
        assert hits
        assert _status(dpo, "dpo-review") == "not_started"
        for hit in hits:
            requests.decide(request, actor=dpo, hit=hit.pk, decision="disclose")
        requests.answer(request, actor=dpo)
    assert _status(dpo, "dpo-review") == "done"
    row = ExerciseProgress.objects.get(trainee=dpo, exercise="dpo-review")
    assert row.completed_at is not None
    # Someone else's work does not count for a trainee.
    assert _status(_user("trainer"), "manager-direction") == "not_started"


# --- the watermark on each export kind ------------------------------------------------------


def _csv(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


def test_csv_exports_carry_a_training_first_column(db):
    rows = _csv(web_exports.csv_lines(["a", "b"], [["1", "2"]]))
    assert rows == [["a", "b"], ["1", "2"]]
    _flag_only()
    rows = _csv(web_exports.csv_lines(["a", "b"], [["1", "2"], ["3", "4"]]))
    assert rows == [["TRAINING", "a", "b"], ["TRAINING", "1", "2"], ["TRAINING", "3", "4"]]


def test_list_export_of_a_page_is_marked(scenario, login):
    client = login(_user("trainee_analyst"))
    response = client.get(reverse("intelligence:report_list") + "?export=csv")
    assert response.status_code == 200
    rows = _csv(line.decode() for line in response.streaming_content)
    assert rows[0][0] == "TRAINING" and all(row[0] == "TRAINING" for row in rows)


def test_pdf_exports_carry_training_on_every_page(scenario, monkeypatch):
    import weasyprint

    from tasking import exports

    seen = {}
    real_html, real_css = weasyprint.HTML, weasyprint.CSS

    def html(*args, **kwargs):
        seen["html"] = kwargs.get("string", "")
        return real_html(*args, **kwargs)

    def css(*args, **kwargs):
        seen["css"] = kwargs.get("string", "")
        return real_css(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", html)
    monkeypatch.setattr(weasyprint, "CSS", css)
    trainer = _user("trainer")
    meeting = Meeting.objects.get(pk=scenario.scenario["meeting"])
    with context.acting(user=trainer, justification="training"):
        body, content_type, _name = exports.minutes(meeting, trainer, "pdf")
    assert body.startswith(b"%PDF") and content_type == "application/pdf"
    assert "ilp-training-watermark" in seen["html"] and "position:fixed" in seen["html"]
    assert "@top-center" in seen["css"] and "TRAINING - fictional data" in seen["css"]


def test_html_exports_carry_the_banner_and_watermark(scenario):
    from tasking import exports

    trainer = _user("trainer")
    meeting = Meeting.objects.get(pk=scenario.scenario["meeting"])
    with context.acting(user=trainer, justification="training"):
        body, content_type, _name = exports.minutes(meeting, trainer, "html")
    html = body.decode()
    assert content_type.startswith("text/html")
    start = html.lower().index("<body")
    assert html.index("ilp-training-banner") > start
    assert "TRAINING - fictional data, not intelligence" in html


def test_html_and_pdf_exports_are_unmarked_on_a_real_installation():
    assert training.watermark_html("<html><body><p>x</p></body></html>", False) == (
        "<html><body><p>x</p></body></html>"
    )
    assert training.pdf_marking("OFFICIAL", False) == "OFFICIAL"


def test_chart_exports_are_marked(db):
    _flag_only()
    svg = training.watermark_svg('<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>')
    assert "ilp-training-mark" in svg and svg.endswith("</svg>")
    graphml = training.watermark_graphml('<?xml version="1.0"?><graphml/>')
    assert graphml.startswith('<?xml version="1.0"?>\n<!-- TRAINING')
    from operations import charts

    text = charts._csv_text(["id", "name"], [{"id": 1, "name": "A"}])
    assert _csv([text])[0] == ["TRAINING", "id", "name"]


def test_a_real_installation_refuses_a_training_exchange_package(world, monkeypatch):
    from exchange import package as pkg
    from exchange import services
    from tests.exchange.helpers import make_partner, own_keys, sample_document, sealed_from

    key = own_keys()
    side = make_partner(world)
    document = {**sample_document(), "training": True}
    from exchange import crypto

    raw = sealed_from(side, crypto.parse_public_key(key.public_key), document)
    with pytest.raises(pkg.Refused) as refused:
        services.receive(raw, channel="upload", actor=world.analyst)
    assert refused.value.code == "training_package"
    assert "training installation" in str(refused.value)
    # A training installation takes it in.
    _flag_only()
    raw = sealed_from(side, crypto.parse_public_key(key.public_key), document)
    received = services.receive(raw, channel="upload", actor=world.analyst)
    assert received.pk


def test_a_package_built_on_a_training_installation_is_flagged(db):
    from exchange import package as pkg

    document = dict.fromkeys(pkg.HEADER_FIELDS, "x")
    document["training"] = True
    from exchange import crypto

    signer = crypto.PrivateIdentity.generate()
    recipient = crypto.PrivateIdentity.generate()
    envelope = json.loads(pkg.seal(document, signer=signer, recipient=recipient.public))
    assert envelope["training"] is True


def test_the_analyst_s_near_repeat_finds_the_series_and_a_profile_citing_it_counts(
    scenario, django_capture_on_commit_callbacks
):
    """The scenario's burglaries hold a series the near-repeat job finds with default bands;
    the dissemination exercise counts a problem profile citing that job."""
    from analysis.services.jobs import request_job
    from analysis.services.products.citations import cite
    from analysis.services.products.workflow import create_product

    analyst = _user("trainee_analyst")
    assert _status(analyst, "analyst-analysis") == "not_started"
    with (
        context.acting(user=analyst, justification="training"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = request_job(
            actor=analyst,
            kind="near_repeat",
            params={"crime_types": ["burglary"], "compartments": ["training-local"]},
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert job.result["summary"]["significant_cells"] >= 1
    assert _status(analyst, "analyst-analysis") == "done"
    local = Report.objects.get(pk=scenario.scenario["ungraded_reports"][0]).compartment
    with context.acting(user=analyst, justification="training"):
        product = create_product(
            actor=analyst,
            data={
                "kind": "problem_profile",
                "title": "Burglary in Millbrook",
                "compartment": local,
                "handling_code": "P",
            },
        )
        assert _status(analyst, "analyst-dissemination") == "not_started"
        cite(product, actor=analyst, kind="job", target_id=job.pk)
    assert _status(analyst, "analyst-dissemination") == "done"


def test_the_manager_s_tasking_exercise_needs_a_decision_and_a_requirement(scenario):
    from datetime import timedelta

    from tasking import services as tasking

    manager = _user("trainee_manager")
    meeting = Meeting.objects.get(pk=scenario.scenario["meeting"])
    with context.acting(user=manager, justification="training"):
        tasking.record_decision(
            meeting,
            actor=manager,
            data={
                "decision": "Target hardening on Millbrook Green.",
                "rationale": "A near-repeat series.",
                "compartment": meeting.compartment,
            },
        )
        assert _status(manager, "manager-tasking") == "not_started"
        tasking.raise_requirement(
            actor=manager,
            meeting=meeting,
            data={
                "question": "Who drives the white van?",
                "due_date": timezone.localdate() + timedelta(days=14),
                "assigned_to": _user("trainee_analyst"),
                "compartment": meeting.compartment,
            },
        )
    assert _status(manager, "manager-tasking") == "done"


@pytest.mark.parametrize(
    "language, badge",
    [
        ("en", "Exercises done: 0 of 3"),
        ("fr", "Exercices effectués : 0 sur 3"),
        ("ru", "Выполнено упражнений: 0 из 3"),
    ],
)
def test_the_count_of_exercises_done_reads_right_in_each_language(scenario, login, language, badge):
    """No plural form chosen on one figure: French agrees with the exercises done, English
    with the total, so the badge names both figures without one (it read "1 exercices sur 3")."""
    user = _user("trainee_analyst")
    user.language = language
    user.save(update_fields=["language"])
    page = login(user).get(reverse("training:exercises")).content.decode()
    assert badge in page
