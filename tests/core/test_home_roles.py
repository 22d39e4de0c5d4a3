"""The home page per role: what needs the person today, in counts and small charts."""

from datetime import UTC, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit import services as audit_services
from audit.choices import Action
from audit.models import Anomaly, AuditEvent
from ilp_platform.core import context, home
from intelligence.home import intelligence_panels
from intelligence.models import Report
from intelligence.services.reports import create_report
from oversight.home import ACTIVITY_DAYS, oversight_panels
from tests.intelligence.helpers import GRADING_3X5X2, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_figures():
    cache.clear()
    yield
    cache.clear()


def panels(user) -> dict:
    return {str(p.title): p for p in home.panels_for(user)}


def _age(report, days):
    Report.objects.filter(pk=report.pk).update(submitted_at=timezone.now() - timedelta(days=days))


def test_an_analyst_sees_the_reports_awaiting_evaluation_by_time_waiting(world, client):
    for days in (0, 0, 5, 40):
        _age(make_report(world, evaluate=False), days)
    make_report(world, submitter=world.analyst, evaluate=False)  # their own: not theirs to do
    panel = panels(world.analyst)["Reports awaiting my evaluation"]
    assert panel.count == 4 and panel.tone == "warning"
    assert list(panel.chart.values) == [2, 0, 1, 0, 1]
    assert list(panel.chart.labels) == ["<1 day", "1-3 days", "3-7 days", "1-4 weeks", ">4 weeks"]
    client.force_login(world.analyst)
    body = client.get(reverse("core:home")).content.decode()
    assert "<svg" in body and "Reports awaiting evaluation by time waiting. &lt;1 day: 2" in body


def test_an_officer_sees_their_submissions_by_status(world, client):
    with context.acting(user=world.officer, justification=""):
        create_report(
            actor=world.officer,
            data={**GRADING_3X5X2, "compartment": world.general, "text": "A draft."},
            submit=False,
        )
    make_report(world, evaluate=False)
    make_report(world, evaluate=False)
    make_report(world)
    make_report(world, submitter=world.handler)  # someone else's
    panel = panels(world.officer)["My submissions"]
    assert panel.count == 4
    assert list(panel.chart.labels) == ["Draft", "Awaiting", "Evaluated"]
    assert list(panel.chart.values) == [1, 2, 1]
    assert "Reports awaiting my evaluation" not in panels(world.officer)


def test_a_manager_sees_the_reviews_due_by_urgency(world):
    today = timezone.localdate()
    for offset in (-3, -1, 2, 20):
        report = make_report(world)
        Report.objects.filter(pk=report.pk).update(review_due=today + timedelta(days=offset))
    make_report(world)  # due in years
    panel = panels(world.manager)["Reviews due or overdue"]
    assert panel.count == 4 and panel.tone == "danger"
    assert list(panel.chart.values) == [2, 1, 1]


def test_nothing_waiting_shows_a_zero_and_no_chart(world, client):
    panel = panels(world.analyst)["Reports awaiting my evaluation"]
    assert panel.count == 0 and panel.chart is None and panel.tone == "success"
    client.force_login(world.analyst)
    assert "<svg" not in client.get(reverse("core:home")).content.decode()


def test_oversight_sees_the_last_fortnight_of_the_log_and_the_open_anomalies(world, client):
    with context.acting(user=world.analyst, justification="OP-1"):
        audit_services.record(Action.VIEW, object_type="intelligence.report", object_id=1)
        audit_services.record_denied(object_type="intelligence.report", object_id=2)
    today = timezone.localdate()
    for kind in (Anomaly.Kind.DENIED, Anomaly.Kind.VOLUME):
        Anomaly.objects.create(kind=kind, actor_username="analyst", day=today, summary="x")
    Anomaly.objects.create(
        kind=Anomaly.Kind.OUT_OF_HOURS, actor_username="a", day=today, summary="x", reviewed=True
    )
    events_today = AuditEvent.objects.count()
    oversight = panels(world.oversight)
    activity = oversight["Activity in the log"]
    assert len(activity.chart.values) == ACTIVITY_DAYS
    assert activity.chart.values[-1] == events_today == activity.count
    assert sum(activity.chart.values[:-1]) == 0
    assert activity.chart.labels[-1] == f"{today:%d}"
    assert "1 of them refused" in activity.note
    anomalies = oversight["Anomalies to look at"]
    assert anomalies.count == 2
    by_kind = dict(zip(anomalies.chart.long_labels, anomalies.chart.values, strict=True))
    assert by_kind["Repeated denied access"] == 1 and by_kind["Access outside working hours"] == 0
    assert "Audit chain" in oversight
    assert not {"Reports awaiting my evaluation", "My submissions"} & set(oversight)
    client.force_login(world.oversight)
    body = client.get(reverse("core:home")).content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="home-chart"') == 2


def test_the_activity_figures_are_computed_once_then_served_from_the_cache(
    world, django_assert_num_queries
):
    user = world.oversight
    user.has_perm("audit.view_auditevent")  # permissions loaded once per request anyway
    with django_assert_num_queries(4):  # chain, anomalies, period start, per-day counts
        oversight_panels(user)
    with django_assert_num_queries(2):
        oversight_panels(user)


def test_the_intelligence_panels_cost_one_query_each(world, django_assert_num_queries):
    make_report(world, evaluate=False)
    user = world.analyst
    user.has_perm("intelligence.evaluate_report")
    with django_assert_num_queries(2):  # awaiting evaluation, reviews due
        intelligence_panels(user)
    officer = world.officer
    officer.has_perm("intelligence.add_report")
    with django_assert_num_queries(1):
        intelligence_panels(officer)


@pytest.mark.parametrize(
    "username", ["officer", "analyst", "analyst2", "manager", "handler", "oversight", "admin"]
)
def test_the_home_page_renders_for_every_role_without_inline_style(world, client, username):
    make_report(world, evaluate=False)
    client.force_login(world.user(username))
    response = client.get(reverse("core:home"))
    body = response.content.decode()
    assert response.status_code == 200 and "What needs you today" in body
    main = body[body.index('<main id="main"') : body.index("</main>")]
    assert " style=" not in main and "<script" not in main


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_oversight_panels_write_dates_in_the_languages_shape_and_name_every_kind_short(
    world, language
):
    from django.utils import formats, translation

    from audit.integrity import latest_check, run_verification

    run_verification()
    finished = latest_check().finished_at.astimezone(UTC)
    with translation.override(language):
        integrity = reverse("audit:integrity")
        chain = next(p for p in oversight_panels(world.oversight) if p.url == integrity)
        shown = formats.date_format(finished, "SHORT_DATETIME_FORMAT")
    assert chain.note.endswith(f" · {shown} UTC"), chain.note
    # Each kind of anomaly has a short axis label: long ones overlap on a phone.
    Anomaly.objects.create(
        day=timezone.localdate(), actor_username="analyst", kind="free_text", summary="x"
    )
    chart = panels(world.oversight)["Anomalies to look at"].chart
    assert len(chart.labels) == len(Anomaly.Kind)
    assert all(len(label) <= 10 for label in chart.labels), chart.labels
