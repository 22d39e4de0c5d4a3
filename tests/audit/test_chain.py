"""Tamper evidence: append-only triggers, the hash chain, verification and retention."""

import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from audit import db as audit_db
from audit import services
from audit.chain import GENESIS_HASH
from audit.choices import Action
from audit.integrity import purge_expired, run_verification
from audit.models import AuditAnchor, AuditEvent
from audit.verification import verify_chain

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
    # Every event but the one that records this verification's own result.
    assert check.ok and check.events_checked == AuditEvent.objects.count() - 1


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


# --- Verification inside PostgreSQL ------------------------------------------------------------

TRICKY_DETAILS = [
    {},
    {"ids": ["1", "22", "333"], "count": 3},
    {"query": 'a "quoted" \\ back\\slash\ttab\nnewline\r\x01\x1f\x7f', "zz": None, "a": True},
    {"nested": {"b": [1, {"y": False, "x": []}], "a": {}}, "É": "é", "e": "😀 \u2028"},
    {"negative": -42, "big": 123456789012345678901234567890, "zero": 0},
]


def _tricky_events():
    from ilp_platform.core import context

    events = []
    with context.acting(
        user=None, justification='Ω op "x" \\ \t', ip="2001:db8::1", user_agent="ü/1.0"
    ):
        for n, details in enumerate(TRICKY_DETAILS):
            events.append(
                services.record(
                    Action.VIEW,
                    object_type="test.tricky",
                    object_id=f"{n}-<ß>",
                    object_repr=f'Ünïcode "{n}" \\ \n',
                    details=details,
                )
            )
    events.extend(_events(2))
    return events


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the chain is verified inside the database on PostgreSQL only")


def test_the_database_renders_the_same_canonical_text_as_python_for_every_kind_of_value():
    _postgresql_only()
    from audit.chain import VERIFIED_COLUMNS, canonical
    from audit.chain_sql import BATCH_QUERY, canonical_text, split_values

    events = _tricky_events()
    ids = [e.pk for e in events]
    with connection.cursor() as cursor:
        cursor.execute(BATCH_QUERY, [min(ids) - 1, max(ids)])
        from_sql = {
            event_id: canonical_text(prev_hash, values, details)
            for event_id, prev_hash, _stored, values, details in cursor.fetchall()
        }
        # The fast split of the escaped values agrees with reading them as JSON.
        cursor.execute(BATCH_QUERY, [min(ids) - 1, max(ids)])
        for *_ignored, values, _details in cursor.fetchall():
            assert split_values(values) == [
                json.dumps(v, ensure_ascii=False)[1:-1] for v in json.loads(values)
            ]
    rows = AuditEvent.objects.filter(id__in=ids).values_list(*VERIFIED_COLUMNS)
    for row in rows:
        values = dict(zip(VERIFIED_COLUMNS, row, strict=True))
        expected = values["prev_hash"] + "\n" + canonical(values).decode("utf-8")
        assert from_sql[values["id"]] == expected
    assert verify_chain().ok


def test_numbers_in_details_are_read_as_the_application_reads_them_and_tampering_is_found():
    events = _events(2)
    numbers = services.record(
        Action.VIEW, object_type="test.n", details={"ratio": 0.1, "v": [1e-07, 2.5e16, 7]}
    )
    after = _events(2)
    result = verify_chain()
    assert result.ok, result.message
    assert result.events_checked == AuditEvent.objects.count()
    _tamper(
        "UPDATE audit_auditevent SET details = %s WHERE id = %s",
        ['{"ratio": "0.1", "v": ["1e-07", "2.5e+16", 8]}', numbers.pk],
    )
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_event_id == numbers.pk
    assert "altered" in result.message
    assert events[-1].pk < numbers.pk < after[0].pk


@pytest.mark.parametrize("kind", ["altered", "removed"])
@pytest.mark.parametrize("offset", [3, 4, 5])
def test_tampering_anywhere_in_a_batch_or_between_two_is_found(monkeypatch, kind, offset):
    """With batches of three events, offsets 3-5 fall at every position of a batch (first,
    middle, last), and removing the last event of a batch breaks the next batch's first link."""
    import audit.chain
    import audit.chain_sql

    events = _events(9)
    monkeypatch.setattr(audit.chain, "VERIFY_BATCH", 3)
    monkeypatch.setattr(audit.chain_sql, "VERIFY_SQL_BATCH", 3)
    before = AuditEvent.objects.filter(id__lt=events[0].pk).count()
    if kind == "removed":
        _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[offset].pk])
        victim, message, checked = events[offset + 1], "does not link", before + offset
    else:
        _tamper(
            "UPDATE audit_auditevent SET object_id = %s WHERE id = %s",
            ["forged", events[offset].pk],
        )
        victim, message, checked = events[offset], "altered", before + offset
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_event_id == victim.pk
    assert message in result.message
    assert result.events_checked == checked


def test_progress_is_reported_while_the_chain_is_walked():
    _events(5)
    seen = []
    result = verify_chain(progress=seen.append)
    assert result.ok
    assert seen and all(0 <= p <= 99 for p in seen)


@pytest.mark.django_db(transaction=True)
def test_batches_fetched_ahead_on_other_connections_are_checked_in_order(monkeypatch):
    """Outside a transaction PostgreSQL batches arrive from worker connections, possibly out
    of step with one another; the walk still checks them in id order and names the first bad
    event."""
    if connection.vendor != "postgresql":
        pytest.skip("batches are fetched ahead on PostgreSQL only")
    import audit.chain_sql

    monkeypatch.setattr(audit.chain_sql, "VERIFY_SQL_BATCH", 4)
    events = _events(30)
    result = verify_chain()
    assert result.ok, result.message
    assert result.events_checked == AuditEvent.objects.count()
    _tamper("UPDATE audit_auditevent SET object_id = 'forged' WHERE id = %s", [events[17].pk])
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[25].pk])
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_event_id == events[17].pk
    assert result.events_checked == AuditEvent.objects.filter(id__lt=events[17].pk).count()


# --- Appending on PostgreSQL (one message: the lock, then an INSERT that reads the head) -------


def test_the_hash_the_database_computes_is_the_one_python_computes():
    from audit.chain import VERIFIED_COLUMNS, compute_hash

    events = _tricky_events()
    rows = AuditEvent.objects.filter(id__in=[e.pk for e in events]).values_list(*VERIFIED_COLUMNS)
    for row in rows:
        values = dict(zip(VERIFIED_COLUMNS, row, strict=True))
        assert values["hash"] == compute_hash(values, values["prev_hash"])
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (event.pk, event.prev_hash, event.hash) == (stored.pk, stored.prev_hash, stored.hash)


def _refusing_inserts():
    """A trigger that refuses every new event, as a full disk or a revoked grant would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit table unwritable'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_event BEFORE INSERT ON audit_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_event()"
        )


def test_an_event_the_database_refuses_inside_a_transaction_leaves_it_usable():
    _postgresql_only()
    before = _events(1)[0]
    _refusing_inserts()
    with transaction.atomic():
        with pytest.raises(services.AuditUnavailable):
            services.record(Action.VIEW, object_type="test.refused")
        # The caller's transaction goes on (the event had a savepoint of its own).
        assert AuditEvent.objects.filter(pk=before.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_event ON audit_auditevent")
    after = _events(1)[0]
    assert after.prev_hash == before.hash
    assert not AuditEvent.objects.filter(object_type="test.refused").exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_the_database_refuses_outside_a_transaction_is_not_stored_and_frees_the_lock():
    _postgresql_only()
    before = _events(1)[0]
    assert not connection.in_atomic_block
    _refusing_inserts()
    try:
        with pytest.raises(services.AuditUnavailable):
            services.record(Action.VIEW, object_type="test.refused")
        # The implicit transaction rolled back: the connection is idle, the lock released.
        assert connection.connection.info.transaction_status == 0  # IDLE
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [0x1A0D17])
                assert cursor.fetchone()[0] is True
        finally:
            other.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS refuse_event ON audit_auditevent")
    after = _events(1)[0]
    assert after.prev_hash == before.hash
    assert not AuditEvent.objects.filter(object_type="test.refused").exists()
    assert verify_chain().ok
