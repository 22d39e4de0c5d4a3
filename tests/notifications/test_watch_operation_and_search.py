"""Watching an operation (who is told when records are gathered into it, and when it is closed
or reopened) and a search (who is told of a new report it finds), and that a notification
names nothing its recipient cannot see."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from intelligence.services.reports import evaluate_report
from notifications import selectors, services
from notifications.choices import Kind
from notifications.models import Notification, Watch
from operations import services as operations
from operations.models import Operation
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _open(world, compartment=None, reference="OP-2026-101") -> Operation:
    with as_user(world.analyst):
        return operations.open_operation(
            actor=world.analyst,
            data={
                "name": "Kestrel",
                "reference": reference,
                "compartment": compartment or world.general,
            },
        )


def _watch(user, operation):
    with as_user(user):
        return services.watch_operation(actor=user, operation=operation)


def _gather(actor, operation, kind, records, capture):
    with capture(execute=True), as_user(actor):
        operations.gather(operation, actor=actor, kind=kind, records=records)


def _shown(user):
    return selectors.describe(list(selectors.notifications_for(user)), user)


# --- triggers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["reports", "entities"])
def test_a_watcher_is_told_of_a_record_gathered_by_someone_else(
    world, kind, django_capture_on_commit_callbacks
):
    operation = _open(world)
    _watch(world.analyst2, operation)
    record = make_report(world, world.general) if kind == "reports" else make_entity(world)
    _gather(world.analyst, operation, kind, [record], django_capture_on_commit_callbacks)
    notification = Notification.objects.get(recipient=world.analyst2)
    assert notification.kind == Kind.OPERATION_GATHERED
    assert (notification.object_type, notification.object_id) == (
        record._meta.label_lower,
        record.pk,
    )
    assert notification.gathered_into == operation.pk
    [shown] = _shown(world.analyst2)
    assert operation.reference in shown.subject
    assert shown.url == operation.get_absolute_url()


def test_a_watcher_is_told_when_the_operation_is_closed_and_reopened(
    world, django_capture_on_commit_callbacks
):
    operation = _open(world)
    _watch(world.analyst2, operation)
    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        operations.close_operation(operation, actor=world.manager)
    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        operations.reopen_operation(operation, actor=world.manager)
    kinds = list(
        Notification.objects.filter(recipient=world.analyst2)
        .order_by("id")
        .values_list("kind", "object_type", "object_id")
    )
    assert kinds == [
        (Kind.OPERATION_CLOSED, "operations.operation", operation.pk),
        (Kind.OPERATION_REOPENED, "operations.operation", operation.pk),
    ]
    assert [s.url for s in _shown(world.analyst2)] == [operation.get_absolute_url()] * 2


def test_the_author_is_not_told_of_their_own_action(world, django_capture_on_commit_callbacks):
    operation = _open(world)
    _watch(world.analyst, operation)
    _gather(
        world.analyst,
        operation,
        "reports",
        [make_report(world, world.general)],
        django_capture_on_commit_callbacks,
    )
    with django_capture_on_commit_callbacks(execute=True), as_user(world.analyst):
        operations.close_operation(operation, actor=world.analyst)
    assert not Notification.objects.filter(recipient=world.analyst).exists()


def test_a_record_gathered_again_is_not_news(world, django_capture_on_commit_callbacks):
    operation = _open(world)
    _watch(world.analyst2, operation)
    first, second = make_report(world, world.general), make_report(world, world.general)
    _gather(world.analyst, operation, "reports", [first], django_capture_on_commit_callbacks)
    _gather(
        world.analyst, operation, "reports", [first, second], django_capture_on_commit_callbacks
    )
    told = Notification.objects.filter(recipient=world.analyst2).order_by("id")
    assert list(told.values_list("object_id", flat=True)) == [first.pk, second.pk]


def test_taking_a_record_out_tells_no_one(world, django_capture_on_commit_callbacks):
    operation = _open(world)
    report = make_report(world, world.general)
    _gather(world.analyst, operation, "reports", [report], django_capture_on_commit_callbacks)
    _watch(world.analyst2, operation)
    with django_capture_on_commit_callbacks(execute=True), as_user(world.analyst):
        operations.gather(
            operation, actor=world.analyst, kind="reports", records=[report], remove=True
        )
    assert not Notification.objects.filter(recipient=world.analyst2).exists()


# --- nothing of what the watcher cannot see ---------------------------------------------------


def test_a_gathered_record_the_watcher_cannot_see_is_not_named_at_all(
    world, django_capture_on_commit_callbacks, login
):
    operation = _open(world)
    _watch(world.analyst2, operation)  # analyst2 does not hold the restricted compartment
    seen = make_report(world, world.general)
    hidden = make_report(world, world.restricted, text="ZZHIDDEN original", sanitised="ZZHIDDEN")
    _gather(world.analyst, operation, "reports", [seen, hidden], django_capture_on_commit_callbacks)
    stored = Notification.objects.filter(recipient=world.analyst2)
    assert list(stored.values_list("object_id", flat=True)) == [seen.pk]
    # Even a stored notification of the hidden report (a grant withdrawn since, say) is
    # neither shown nor counted.
    services.notify_gathered(world.analyst2, type(hidden), [hidden.pk], operation.pk)
    assert selectors.unread_count(world.analyst2) == 1
    assert [s.notification.object_id for s in _shown(world.analyst2)] == [seen.pk]
    page = login(world.analyst2).get(reverse("notifications:list")).content.decode()
    body = api_client(world.analyst2).get("/api/v1/notifications/").content.decode()
    for text in (page, body):
        assert hidden.urn not in text and "ZZHIDDEN" not in text
        assert seen.urn in text


def test_a_notification_goes_when_its_operation_moves_out_of_reach(
    world, django_capture_on_commit_callbacks
):
    operation = _open(world)
    _watch(world.analyst2, operation)
    _gather(
        world.analyst,
        operation,
        "reports",
        [make_report(world, world.general)],
        django_capture_on_commit_callbacks,
    )
    assert selectors.unread_count(world.analyst2) == 1
    Operation.objects.filter(pk=operation.pk).update(compartment=world.restricted)
    assert selectors.unread_count(world.analyst2) == 0
    assert _shown(world.analyst2) == []
    assert not selectors.watches_for(world.analyst2).exists()


def test_a_watcher_who_can_no_longer_see_the_operation_is_not_told(
    world, django_capture_on_commit_callbacks
):
    operation = _open(world)
    _watch(world.analyst2, operation)
    Operation.objects.filter(pk=operation.pk).update(compartment=world.restricted)
    operation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True), as_user(world.manager):
        operations.close_operation(operation, actor=world.manager)
    assert not Notification.objects.filter(recipient=world.analyst2).exists()


# --- watching and unwatching ------------------------------------------------------------------


def test_watch_and_unwatch_from_the_operation_page_are_audited(world, login):
    operation = _open(world)
    client = login(world.analyst2)
    page = client.get(operation.get_absolute_url()).content.decode()
    assert reverse("notifications:watch_operation", args=[operation.pk]) in page
    client.post(reverse("notifications:watch_operation", args=[operation.pk]))
    watch = Watch.objects.get(user=world.analyst2, operation=operation)
    created = AuditEvent.objects.get(
        action="create", object_type="notifications.watch", object_id=str(watch.pk)
    )
    assert created.details["watched_operation"] == operation.pk
    page = client.get(operation.get_absolute_url()).content.decode()
    assert reverse("notifications:unwatch_operation", args=[operation.pk]) in page
    listing = client.get(reverse("notifications:watch_list")).content.decode()
    assert operation.reference in listing
    assert reverse("notifications:unwatch_operation", args=[operation.pk]) in listing
    client.post(reverse("notifications:unwatch_operation", args=[operation.pk]))
    assert not Watch.objects.filter(pk=watch.pk).exists()
    assert AuditEvent.objects.filter(
        action="erase", object_type="notifications.watch", object_id=str(watch.pk)
    ).exists()


def test_the_watches_page_lists_entities_and_operations(world, login):
    operation = _open(world)
    entity = make_entity(world, world.general, name="Watched Person")
    _watch(world.analyst2, operation)
    with as_user(world.analyst2):
        services.watch_entity(actor=world.analyst2, entity=entity)
    listing = login(world.analyst2).get(reverse("notifications:watch_list")).content.decode()
    assert operation.reference in listing and "Watched Person" in listing


def test_watching_an_unseen_operation_is_refused_like_a_missing_one(world, login):
    hidden = _open(world, compartment=world.restricted, reference="OP-2026-102")
    client = login(world.analyst2)
    unseen = client.post(reverse("notifications:watch_operation", args=[hidden.pk]))
    missing = client.post(reverse("notifications:watch_operation", args=[987654321]))
    assert unseen.status_code == missing.status_code == 404
    assert not Watch.objects.filter(user=world.analyst2).exists()
    with pytest.raises(Exception) as refused, as_user(world.analyst2):
        services.watch_operation(actor=world.analyst2, operation=hidden)
    assert "operation" in refused.value.message_dict  # type: ignore[attr-defined]


def test_the_watch_api_takes_an_operation_and_refuses_unseen_ones_as_missing(world):
    operation = _open(world)
    hidden = _open(world, compartment=world.restricted, reference="OP-2026-102")
    api = api_client(world.analyst2)
    created = api.post("/api/v1/watches/", {"operation": operation.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["operation"] == operation.pk
    assert created.json()["operation_reference"] == operation.reference
    again = api.post("/api/v1/watches/", {"operation": operation.pk}, format="json")
    assert again.status_code == 400 and "operation" in again.json()
    unseen = api.post("/api/v1/watches/", {"operation": hidden.pk}, format="json")
    missing = api.post("/api/v1/watches/", {"operation": 987654321}, format="json")
    assert unseen.status_code == missing.status_code == 400
    assert unseen.json()["operation"] == [
        m.replace("987654321", str(hidden.pk)) for m in missing.json()["operation"]
    ]
    both = api.post(
        "/api/v1/watches/",
        {"operation": operation.pk, "entity": make_entity(world).pk},
        format="json",
    )
    assert both.status_code == 400
    assert api.post("/api/v1/watches/", {}, format="json").status_code == 400
    listed = api.get("/api/v1/watches/").json()["results"]
    assert [w["operation"] for w in listed] == [operation.pk]
    assert api.delete(f"/api/v1/watches/{created.json()['id']}/").status_code == 204
    assert AuditEvent.objects.filter(
        action="erase", object_type="notifications.watch", object_id=str(created.json()["id"])
    ).exists()


# --- watching a search ------------------------------------------------------------------------


def _watch_search(user, query, **filters):
    with as_user(user):
        return services.watch_search(actor=user, query=query, filters=filters)


def _report(world, capture, compartment=None, **kwargs):
    with capture(execute=True):
        return make_report(world, compartment or world.general, **kwargs)


def _told_of(user):
    return list(
        Notification.objects.filter(recipient=user, kind=Kind.SEARCH_MATCHED)
        .order_by("id")
        .values_list("object_id", flat=True)
    )


def test_a_new_report_the_search_finds_is_notified_once(world, django_capture_on_commit_callbacks):
    _watch_search(world.analyst2, "Easton dealing")
    found = _report(world, django_capture_on_commit_callbacks)
    _report(world, django_capture_on_commit_callbacks, sanitised="A quiet night in Bishopston.")
    # Saved again (regraded, say), it is not news a second time.
    with django_capture_on_commit_callbacks(execute=True):
        found.save()
    assert _told_of(world.analyst2) == [found.pk]
    [shown] = _shown(world.analyst2)
    assert shown.subject == str(found) and shown.url == found.get_absolute_url()


def test_a_report_the_watcher_cannot_see_is_not_notified(world, django_capture_on_commit_callbacks):
    _watch_search(world.analyst2, "Easton")  # analyst2 does not hold the restricted compartment
    _watch_search(world.manager, "Easton")
    hidden = _report(world, django_capture_on_commit_callbacks, world.restricted)
    assert _told_of(world.analyst2) == []
    assert _told_of(world.manager) == [hidden.pk]
    # A stored one (a grant withdrawn since, say) is neither shown nor counted.
    services.notify(world.analyst2, Kind.SEARCH_MATCHED, hidden)
    assert selectors.unread_count(world.analyst2) == 0 and _shown(world.analyst2) == []


def test_the_watchs_filters_narrow_it_as_on_the_search_page(
    world, django_capture_on_commit_callbacks
):
    _watch_search(world.manager, "Easton", compartment=world.general.slug)
    _report(world, django_capture_on_commit_callbacks, world.restricted)
    general = _report(world, django_capture_on_commit_callbacks)
    assert _told_of(world.manager) == [general.pk]


def test_the_person_who_makes_the_report_visible_is_not_told(
    world, django_capture_on_commit_callbacks
):
    _watch_search(world.analyst, "Easton")
    _watch_search(world.manager, "Easton")
    # Submitted (its search document has no sanitised text yet), then, once that committed,
    # evaluated by the analyst: the evaluation is what makes it found.
    report = _report(world, django_capture_on_commit_callbacks, evaluate=False)
    assert _told_of(world.manager) == []
    with django_capture_on_commit_callbacks(execute=True), as_user(world.analyst):
        evaluate_report(
            report,
            actor=world.analyst,
            grading_data={},
            sanitised_text="Alan Smith is dealing drugs at a pub in Easton.",
        )
    assert _told_of(world.analyst) == []
    assert _told_of(world.manager) == [report.pk]


def test_watch_this_search_from_the_search_page_and_stop_it_audited(world, login):
    client = login(world.analyst2)
    page = client.get(reverse("intelligence:search"), {"q": "Easton", "status": "evaluated"})
    assert reverse("notifications:watch_search") in page.content.decode()
    answer = client.post(
        reverse("notifications:watch_search"), {"q": "Easton", "status": "evaluated"}
    )
    assert answer.status_code == 302 and "q=Easton" in answer["Location"]
    watch = Watch.objects.get(user=world.analyst2)
    assert (watch.query, watch.filters) == ("Easton", {"status": "evaluated"})
    created = AuditEvent.objects.get(
        action="create", object_type="notifications.watch", object_id=str(watch.pk)
    )
    assert created.details["watched_search"] == "Easton"
    listing = client.get(reverse("notifications:watch_list")).content.decode()
    assert "Easton" in listing and reverse("notifications:unwatch", args=[watch.pk]) in listing
    client.post(reverse("notifications:unwatch", args=[watch.pk]))
    assert not Watch.objects.filter(pk=watch.pk).exists()
    assert AuditEvent.objects.filter(
        action="erase", object_type="notifications.watch", object_id=str(watch.pk)
    ).exists()


def test_someone_elses_watch_cannot_be_stopped(world, login):
    other = _watch_search(world.analyst, "Easton")
    answer = login(world.analyst2).post(reverse("notifications:unwatch", args=[other.pk]))
    assert answer.status_code == 404
    assert Watch.objects.filter(pk=other.pk).exists()


def test_a_bad_search_watch_is_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as empty:
        _watch_search(world.analyst2, "   ")
    assert "query" in empty.value.message_dict
    with pytest.raises(ValidationError) as bad_date:
        _watch_search(world.analyst2, "Easton", occurred_after="not a date")
    assert "occurred_after" in bad_date.value.message_dict
    _watch_search(world.analyst2, "Easton", status="evaluated")
    with pytest.raises(ValidationError) as twice:
        _watch_search(world.analyst2, "Easton", status="evaluated")
    assert "query" in twice.value.message_dict
    assert Watch.objects.filter(user=world.analyst2).count() == 1


def test_the_watch_api_takes_a_search(world):
    api = api_client(world.analyst2)
    created = api.post(
        "/api/v1/watches/",
        {"query": "Easton", "filters": {"status": "evaluated", "unknown": "x"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["query"] == "Easton"
    assert created.json()["filters"] == {"status": "evaluated"}
    bad = api.post(
        "/api/v1/watches/",
        {"query": "Easton", "filters": {"occurred_after": "never"}},
        format="json",
    )
    assert bad.status_code == 400 and "occurred_after" in bad.json()
    assert (
        api.post("/api/v1/watches/", {"filters": {"status": "x"}}, format="json").status_code == 400
    )
