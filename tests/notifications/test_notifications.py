"""Watches and notifications: who is told of what, and that a notification shows nothing its
recipient cannot see."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from ilp_platform.core import events
from intelligence.models import Entity
from intelligence.services.entities import link_entity_to_report
from notifications import selectors, services
from notifications.choices import Kind
from notifications.models import Notification, Watch
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.tasking import helpers as th
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _watch(user, entity):
    with as_user(user):
        return services.watch_entity(actor=user, entity=entity)


def _mention(actor, report, entity, capture):
    with capture(execute=True), as_user(actor):
        return link_entity_to_report(report, entity, actor=actor, subject_category="suspect")


def _count(user) -> int:
    return selectors.unread_count(user)


# --- the events hook ------------------------------------------------------------------------


def test_handlers_run_on_commit_only_and_a_failing_handler_breaks_nothing(caplog):
    ran = []

    def good(**payload):
        ran.append(payload)

    def bad(**payload):
        raise RuntimeError("boom")

    events.subscribe("test.event", bad)
    events.subscribe("test.event", good)
    try:
        with pytest.raises(ValueError), transaction.atomic():
            events.publish("test.event", n=1)
            raise ValueError  # rolled back: nothing runs
        assert ran == []
        with caplog.at_level(logging.ERROR, logger="ilp_platform.core.events"):
            # No transaction here beyond the test's own: run at the outermost commit.
            with transaction.atomic():
                events.publish("test.event", n=2)
                assert ran == []
            # pytest-django's wrapper keeps the test in a transaction: flush the callbacks.
            for _savepoint, callback, _robust in transaction.get_connection().run_on_commit:
                callback()
        assert ran == [{"n": 2}]
        assert "boom" in caplog.text
    finally:
        events.unsubscribe("test.event", bad)
        events.unsubscribe("test.event", good)


def test_a_failing_subscriber_does_not_break_the_service(world, django_capture_on_commit_callbacks):
    def bad(**payload):
        raise RuntimeError("boom")

    events.subscribe("entity.mentioned", bad)
    try:
        entity = make_entity(world, world.general)
        link = _mention(
            world.analyst,
            make_report(world, world.general),
            entity,
            django_capture_on_commit_callbacks,
        )
        assert link.pk
    finally:
        events.unsubscribe("entity.mentioned", bad)


# --- entity mentioned -----------------------------------------------------------------------


def test_a_watcher_who_sees_both_is_told_once(world, django_capture_on_commit_callbacks):
    entity = make_entity(world, world.general)
    _watch(world.analyst2, entity)
    _watch(world.manager, entity)
    report = make_report(world, world.general)
    link = _mention(world.analyst, report, entity, django_capture_on_commit_callbacks)
    notes = Notification.objects.filter(recipient=world.analyst2)
    assert [(n.kind, n.object_type, n.object_id) for n in notes] == [
        (Kind.ENTITY_MENTIONED, "intelligence.reportentity", link.pk)
    ]
    assert Notification.objects.filter(recipient=world.manager).count() == 1
    # The actor is not told of their own act, even when watching.
    assert _count(world.analyst2) == 1


def test_the_actor_is_not_told(world, django_capture_on_commit_callbacks):
    entity = make_entity(world, world.general)
    _watch(world.analyst, entity)
    _mention(
        world.analyst, make_report(world, world.general), entity, django_capture_on_commit_callbacks
    )
    assert not Notification.objects.filter(recipient=world.analyst).exists()


def test_no_notification_of_a_report_the_watcher_cannot_see(
    world, django_capture_on_commit_callbacks
):
    entity = make_entity(world, world.general, name="Watched General Person")
    _watch(world.analyst2, entity)  # analyst2 holds general only
    hidden = make_report(world, world.restricted, text="ZZHIDDEN original", sanitised="ZZHIDDEN")
    _mention(world.analyst, hidden, entity, django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(recipient=world.analyst2).exists()
    assert _count(world.analyst2) == 0


def test_a_notification_whose_record_moves_out_of_reach_is_neither_shown_nor_counted(
    world, django_capture_on_commit_callbacks, login
):
    entity = make_entity(world, world.general)
    _watch(world.analyst2, entity)
    report = make_report(world, world.general, sanitised="ZZMOVED sanitised")
    _mention(world.analyst, report, entity, django_capture_on_commit_callbacks)
    assert _count(world.analyst2) == 1
    client = login(world.analyst2)
    assert entity.name in client.get(reverse("notifications:list")).content.decode()
    type(report).objects.filter(pk=report.pk).update(compartment=world.restricted)
    assert _count(world.analyst2) == 0
    page = client.get(reverse("notifications:list")).content.decode()
    assert entity.name not in page and report.urn not in page
    assert "Notifications, 0 unread" in page
    body = api_client(world.analyst2).get("/api/v1/notifications/").json()
    assert body["results"] == []


# --- taskings, products, requirements -------------------------------------------------------


def test_the_tasking_owner_is_told_and_a_new_owner_too(world, django_capture_on_commit_callbacks):
    priority = th.make_priority(world, world.general)
    with django_capture_on_commit_callbacks(execute=True):
        tasking = th.make_tasking(world, priority, world.general, owner=world.officer)
    notes = Notification.objects.filter(recipient=world.officer)
    assert [(n.kind, n.object_id) for n in notes] == [(Kind.TASKING_ASSIGNED, tasking.pk)]
    from tasking.services import update_tasking

    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        update_tasking(tasking, actor=world.manager, data={"owner_user": world.analyst2})
    assert (
        Notification.objects.filter(recipient=world.analyst2, kind=Kind.TASKING_ASSIGNED).count()
        == 1
    )
    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        update_tasking(tasking, actor=world.manager, data={"title": "Renamed"})
    assert Notification.objects.filter(kind=Kind.TASKING_ASSIGNED).count() == 2


def test_the_product_author_is_told_when_returned_and_approved(
    world, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from analysis.services.products.workflow import approve_product, return_product

    product = th.make_product(world, world.general, submitted_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        return_product(product, actor=world.manager, comment="More on the hotspot.")
    product.status, product.submitted_at = "in_review", timezone.now()
    product.save()
    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        approve_product(product, actor=world.manager)
    kinds = list(
        Notification.objects.filter(recipient=world.analyst).values_list("kind", flat=True)
    )
    assert sorted(kinds) == sorted([Kind.PRODUCT_RETURNED, Kind.PRODUCT_APPROVED])
    assert not Notification.objects.filter(recipient=world.manager).exists()


def test_the_requirement_raiser_is_told_when_it_is_answered(
    world, django_capture_on_commit_callbacks
):
    from tasking.services import answer_requirement

    requirement = th.make_requirement(world, th.make_priority(world, world.general))
    report = make_report(world, world.general)
    with django_capture_on_commit_callbacks(execute=True), as_user(world.analyst):
        answer = answer_requirement(requirement, actor=world.analyst, report=report)
    notes = Notification.objects.filter(recipient=world.manager)
    assert [(n.kind, n.object_type, n.object_id) for n in notes] == [
        (Kind.REQUIREMENT_ANSWERED, "tasking.requirementanswer", answer.pk)
    ]


# --- pages, bell, API -----------------------------------------------------------------------


def _two_notifications(world, capture):
    entity = make_entity(world, world.general)
    _watch(world.analyst2, entity)
    _watch(world.manager, entity)
    for _ in range(2):
        _mention(world.analyst, make_report(world, world.general), entity, capture)
    return entity


def test_page_bell_and_api_show_only_ones_own_and_mark_read(
    world, django_capture_on_commit_callbacks, login
):
    _two_notifications(world, django_capture_on_commit_callbacks)
    client = login(world.analyst2)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Notifications, 2 unread" in page
    assert page.count("Mark as read</button>") == 2
    mine = list(Notification.objects.filter(recipient=world.analyst2).order_by("pk"))
    theirs = Notification.objects.filter(recipient=world.manager).first()
    assert {
        e.details["ids"][0]
        for e in AuditEvent.objects.filter(
            action="list", object_type="notifications.notification", actor=world.analyst2
        )
    } <= {str(n.pk) for n in mine}
    # Someone else's notification: 404, and the refusal logged.
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[mine[0].pk])).status_code == 302
    assert _count(world.analyst2) == 1
    assert AuditEvent.objects.filter(
        action="update", object_type="notifications.notification", actor=world.analyst2
    ).exists()
    assert client.post(reverse("notifications:mark_all_read")).status_code == 302
    assert _count(world.analyst2) == 0
    assert _count(world.manager) == 2

    api = api_client(world.manager)
    listed = api.get("/api/v1/notifications/").json()["results"]
    assert {n["id"] for n in listed} == {
        n.pk for n in Notification.objects.filter(recipient=world.manager)
    }
    assert all(n["title"] == "A report names an entity you watch" for n in listed)
    assert api.post(f"/api/v1/notifications/{mine[0].pk}/read/").status_code == 404
    assert api.post(f"/api/v1/notifications/{listed[0]['id']}/read/").json() == {
        "marked": [listed[0]["id"]]
    }
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": [listed[1]["id"]]}
    assert _count(world.manager) == 0
    assert (
        api_client(world.manager, justification=None).get("/api/v1/notifications/").status_code
        == 428
    )


def test_the_bell_counts_in_one_query(
    world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    _two_notifications(world, django_capture_on_commit_callbacks)
    world.analyst2.get_all_permissions()  # loaded once per request anyway (the role checks)
    with django_assert_num_queries(1):
        assert selectors.unread_count(world.analyst2) == 2


# --- watches ----------------------------------------------------------------------------------


def test_watch_and_unwatch_from_the_entity_page_are_audited(world, login):
    entity = make_entity(world, world.general)
    client = login(world.analyst2)
    page = client.get(entity.get_absolute_url()).content.decode()
    assert reverse("notifications:watch_entity", args=[entity.pk]) in page
    client.post(reverse("notifications:watch_entity", args=[entity.pk]))
    watch = Watch.objects.get(user=world.analyst2, entity=entity)
    assert AuditEvent.objects.filter(
        action="create", object_type="notifications.watch", object_id=str(watch.pk)
    ).exists()
    page = client.get(entity.get_absolute_url()).content.decode()
    assert reverse("notifications:unwatch_entity", args=[entity.pk]) in page
    listing = client.get(reverse("notifications:watch_list")).content.decode()
    assert entity.name in listing
    client.post(reverse("notifications:unwatch_entity", args=[entity.pk]))
    assert not Watch.objects.filter(pk=watch.pk).exists()
    assert AuditEvent.objects.filter(
        action="erase", object_type="notifications.watch", object_id=str(watch.pk)
    ).exists()


def test_the_watch_api_keeps_to_ones_own_and_refuses_unseen_entities_as_missing(world):
    general = make_entity(world, world.general)
    hidden = make_entity(world, world.restricted)
    api = api_client(world.analyst2)
    created = api.post("/api/v1/watches/", {"entity": general.pk}, format="json")
    assert created.status_code == 201, created.content
    assert api.post("/api/v1/watches/", {"entity": general.pk}, format="json").status_code == 400
    unseen = api.post("/api/v1/watches/", {"entity": hidden.pk}, format="json")
    missing = api.post("/api/v1/watches/", {"entity": 987654321}, format="json")
    assert unseen.status_code == missing.status_code == 400
    assert unseen.json()["entity"] == [
        m.replace("987654321", str(hidden.pk)) for m in missing.json()["entity"]
    ]
    other = _watch(world.analyst, general)
    assert [w["id"] for w in api.get("/api/v1/watches/").json()["results"]] == [
        created.json()["id"]
    ]
    assert api.delete(f"/api/v1/watches/{other.pk}/").status_code == 404
    assert Watch.objects.filter(pk=other.pk).exists()
    assert api.delete(f"/api/v1/watches/{created.json()['id']}/").status_code == 204
    assert not Watch.objects.filter(user=world.analyst2).exists()
    assert api_client(world.oversight).get("/api/v1/watches/").status_code == 403
    assert not Entity.objects.visible_to(world.analyst2).filter(pk=hidden.pk).exists()


# --- e-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize("on", [False, True])
def test_an_email_is_sent_only_when_the_setting_is_on(
    world, settings, on, django_capture_on_commit_callbacks
):
    settings.NOTIFY_BY_EMAIL = on
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.analyst2.email = "analyst2@example.org"
    world.analyst2.save()
    entity = make_entity(world, world.general, name="Named In Mail Person")
    _watch(world.analyst2, entity)
    _mention(
        world.analyst, make_report(world, world.general), entity, django_capture_on_commit_callbacks
    )
    assert Notification.objects.filter(recipient=world.analyst2).count() == 1
    if not on:
        assert mail.outbox == []
        return
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["analyst2@example.org"]
    assert message.subject == "You have a new notification"
    assert "/notifications/" in message.body and entity.name not in message.body
