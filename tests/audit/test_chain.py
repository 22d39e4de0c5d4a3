"""Tamper evidence: append-only triggers, the hash chain, verification and retention."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from audit import db as audit_db
from audit import services
from audit.chain import GENESIS_HASH, verify_chain
from audit.choices import Action
from audit.integrity import purge_expired, run_verification
from audit.models import AuditAnchor, AuditEvent

pytestmark = pytest.mark.django_db


def _events(n, **kwargs):
    return [
        services.record(Action.VIEW, object_type="test.thing", object_id=i, **kwargs)
        for i in range(n)
    ]


def test_each_event_links_to_the_one_before():
    first, second, third = _events(3)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert verify_chain().ok
    assert verify_chain().events_checked == AuditEvent.objects.count()


def test_the_first_event_links_to_the_genesis_hash():
    AuditEvent.objects.all().count()
    first = AuditEvent.objects.order_by("id").first() or _events(1)[0]
    assert first.prev_hash == GENESIS_HASH


def test_the_database_refuses_update_and_delete():
    event = _events(1)[0]
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(justification="edited")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET actor_username = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, justification=event.justification).exists()


def _tamper(sql, params):
    """Change the table as someone who switched the triggers off would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            for statement in audit_db.SQLITE_REMOVE:
                cursor.execute(statement)
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            for statement in audit_db.SQLITE_INSTALL:
                cursor.execute(statement)


def test_an_altered_event_is_found_and_named_by_verify_audit():
    events = _events(5)
    victim = events[2]
    _tamper("UPDATE audit_auditevent SET justification = %s WHERE id = %s", ["forged", victim.pk])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_event_id == victim.pk
    assert "altered" in result.message
    with pytest.raises(CommandError, match=f"event {victim.pk}"):
        call_command("verify_audit")


def test_a_removed_event_breaks_the_link_of_the_next():
    events = _events(4)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_event_id == events[2].pk


def test_verify_audit_exits_zero_and_stores_the_result_when_intact(capsys):
    _events(3)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
    result, check = run_verification()
    assert check.ok and check.events_checked == AuditEvent.objects.count()


def test_retention_removes_a_whole_segment_and_the_chain_still_verifies():
    old = _events(5)
    later = timezone.now() + timedelta(days=4 * 365)
    anchor = purge_expired(now=later, retention_days=3 * 365)
    assert anchor is not None
    assert anchor.last_event_id == old[-1].pk
    assert anchor.removed_count >= 5
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    retention_event = AuditEvent.objects.get(action=Action.RETENTION)
    assert retention_event.details["removed_events"] == anchor.removed_count
    assert retention_event.prev_hash == anchor.last_hash
    assert verify_chain().ok
    # Anchors are append-only too, and newer events are still protected.
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditAnchor.objects.all().delete()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=retention_event.pk).delete()


def test_nothing_is_purged_inside_the_retention_period():
    _events(2)
    assert purge_expired(retention_days=30) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_build_one_valid_chain():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections are exercised on PostgreSQL")
    threads, per_thread = 8, 25
    errors = []
    barrier = threading.Barrier(threads)

    def writer(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    services.record(
                        Action.VIEW, object_type="test.concurrent", object_id=f"{n}-{i}"
                    )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert AuditEvent.objects.filter(object_type="test.concurrent").count() == threads * per_thread
    result = verify_chain()
    assert result.ok, result.message
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes)), "two events claim the same predecessor"
