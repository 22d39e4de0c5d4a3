"""Checkpoints of the chain head, kept outside the database, catch what the owner could rewrite.

The table's owner may switch the triggers off (or use the maintenance switch) and remove the
newest events, or all of them: the chain that remains still links. Each verification appends
the head it verified to an append-only, self-chained file (and optionally to syslog); the next
verification fails, naming the range, when the log no longer reaches a checkpoint.
"""

import hashlib
import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit import checkpoints, config, services
from audit import db as audit_db
from audit.chain import compute_hash
from audit.choices import Action
from audit.integrity import purge_expired, run_verification
from audit.models import AuditAnchor, AuditEvent

pytestmark = pytest.mark.django_db


def _events(n):
    return [
        services.record(Action.VIEW, object_type="test.checkpoint", object_id=i) for i in range(n)
    ]


def _lines() -> list[str]:
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _as_owner_with_maintenance(sql, params=()):
    """What the table's owner can do: switch the protection off and change the table."""
    audit_db.set_maintenance(connection, True)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        audit_db.set_maintenance(connection, False)


def _as_owner_with_triggers_off(sql, params=()):
    """The owner may also switch the triggers off altogether."""
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


def test_each_verification_appends_a_checkpoint_chained_to_the_line_before():
    events = _events(3)
    first, _ = run_verification()
    assert first.ok, first.message
    second, _ = run_verification()
    assert second.ok, second.message
    lines = _lines()
    assert len(lines) == 2
    one, two = (json.loads(line) for line in lines)
    assert one["event_id"] == events[-1].pk and one["event_hash"] == events[-1].hash
    assert one["event_count"] == AuditEvent.objects.filter(id__lte=events[-1].pk).count()
    assert one["prev"] == checkpoints.GENESIS_LINE_HASH
    assert two["prev"] == hashlib.sha256(lines[0].encode("utf-8")).hexdigest()
    assert (one["seq"], two["seq"]) == (1, 2)
    # The second walk also covered the first verification's own result event.
    assert two["event_id"] > one["event_id"]
    assert two["time"].endswith("Z")


def test_removing_the_newest_events_with_the_maintenance_switch_fails_naming_the_range():
    events = _events(10)
    result, _ = run_verification()
    assert result.ok
    gone = events[6:]
    _as_owner_with_maintenance("DELETE FROM audit_auditevent WHERE id >= %s", [gone[0].pk])
    # The chain that is left still links: only the checkpoint can tell.
    from audit.verification import verify_chain

    assert verify_chain().ok
    result, check = run_verification()
    assert not result.ok
    expected = f"events {gone[0].pk}–{gone[-1].pk} recorded at checkpoint of"
    assert expected in result.message, result.message
    assert result.first_bad_event_id == gone[0].pk
    assert not check.ok and check.first_bad_event_id == gone[0].pk
    with pytest.raises(CommandError, match=f"{gone[0].pk}–{gone[-1].pk}"):
        call_command("verify_audit")
    # A failed verification writes no checkpoint: the truncated log is never blessed.
    assert len(_lines()) == 1


def test_an_emptied_log_fails():
    events = _events(4)
    assert run_verification()[0].ok
    first = AuditEvent.objects.order_by("id").first()
    _as_owner_with_maintenance("DELETE FROM audit_auditevent")
    assert not AuditEvent.objects.exists()
    result, _ = run_verification()
    assert not result.ok
    assert f"events {first.pk}–{events[-1].pk} recorded at checkpoint of" in result.message
    assert "the log is empty" in result.message


def test_a_log_rewritten_from_a_checkpointed_event_on_diverges():
    """The owner removes the newest events and rewrites the checkpointed one with a valid hash."""
    events = _events(5)
    assert run_verification()[0].ok
    head = events[-1]
    _as_owner_with_maintenance("DELETE FROM audit_auditevent WHERE id > %s", [head.pk])
    forged = {**AuditEvent.objects.filter(pk=head.pk).values()[0], "object_id": "forged"}
    new_hash = compute_hash(forged, forged["prev_hash"])
    _as_owner_with_triggers_off(
        "UPDATE audit_auditevent SET object_id = 'forged', hash = %s WHERE id = %s",
        [new_hash, head.pk],
    )
    from audit.verification import verify_chain

    assert verify_chain().ok, "the rewritten chain links"
    result, _ = run_verification()
    assert not result.ok
    assert f"event {head.pk} differs from the checkpoint of" in result.message
    assert result.first_bad_event_id == head.pk


def test_events_rebuilt_after_a_removed_checkpointed_event_are_found():
    events = _events(5)
    assert run_verification()[0].ok
    _as_owner_with_maintenance("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk])
    _events(4)  # new events chain onto what is left, past the checkpointed id
    result, _ = run_verification()
    assert not result.ok
    assert f"events {events[3].pk}–{events[-1].pk} recorded at checkpoint of" in result.message
    assert "written after they were removed" in result.message


@pytest.mark.parametrize("how", ["altered", "removed"])
def test_a_broken_checkpoint_file_fails_verification(how):
    _events(2)
    for _ in range(3):
        assert run_verification()[0].ok
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    lines = _lines()
    if how == "altered":
        entry = json.loads(lines[1])
        entry["event_count"] += 1
        lines[1] = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    else:
        del lines[1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, _ = run_verification()
    assert not result.ok
    assert "checkpoint file" in result.message and "line 2" in result.message, result.message
    with pytest.raises(CommandError, match="checkpoint file"):
        call_command("verify_audit")
    assert len(_lines()) == len(lines), "nothing appended to a broken file"


def test_retention_still_verifies_a_checkpoint_below_the_anchor_is_satisfied_by_it():
    _events(5)
    assert run_verification()[0].ok
    later = timezone.now() + timedelta(days=4 * 365)
    anchor = purge_expired(now=later, retention_days=3 * 365)
    assert anchor is not None
    assert json.loads(_lines()[-1])["event_id"] <= anchor.last_event_id
    result, _ = run_verification()
    assert result.ok, result.message
    last = json.loads(_lines()[-1])
    assert last["anchor_event_id"] == anchor.last_event_id
    assert last["anchor_hash"] == anchor.last_hash
    _events(2)
    assert run_verification()[0].ok
    assert len(_lines()) == 3


def test_a_forged_anchor_does_not_cover_checkpointed_events_newer_than_its_cutoff():
    """The owner inserts an anchor over recent events and deletes them as 'retention'."""
    events = _events(4)
    assert run_verification()[0].ok
    head = AuditEvent.objects.order_by("-id").first()
    AuditAnchor.objects.create(
        last_event_id=head.pk,
        last_hash=head.hash,
        removed_count=AuditEvent.objects.count(),
        removed_before=timezone.now() - timedelta(days=3 * 365),
    )
    with connection.cursor() as cursor:  # allowed by the trigger: an anchor covers them
        cursor.execute("DELETE FROM audit_auditevent WHERE id <= %s", [head.pk])
    result, _ = run_verification()
    assert not result.ok
    assert f"event {events[-1].pk} recorded at checkpoint of" in result.message
    assert "cutoff" in result.message


def test_a_removed_anchor_is_found_even_with_every_event_after_it():
    _events(3)
    later = timezone.now() + timedelta(days=4 * 365)
    anchor = purge_expired(now=later, retention_days=3 * 365)
    assert run_verification()[0].ok
    _as_owner_with_maintenance("DELETE FROM audit_auditanchor")
    _as_owner_with_maintenance("DELETE FROM audit_auditevent")
    result, _ = run_verification()
    assert not result.ok
    assert f"anchor at event {anchor.last_event_id}" in result.message


def test_verify_now_on_the_console_also_writes_a_checkpoint(client, world):
    client.force_login(world.oversight)
    response = client.post(reverse("audit:integrity_run"))
    assert response.status_code == 302
    assert len(_lines()) == 1


def test_a_concurrent_verification_further_ahead_is_not_followed_by_an_older_head():
    events = _events(3)
    from audit.verification import verify_chain

    stale = verify_chain()  # walked before the events below
    _events(2)
    assert run_verification()[0].ok
    result, appended = checkpoints.check_and_append(stale)
    assert result.ok and appended is None
    assert len(_lines()) == 1
    assert json.loads(_lines()[0])["event_id"] > events[-1].pk


def test_a_checkpoint_file_that_cannot_be_written_fails_the_verification(settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.AUDIT_CHECKPOINT_FILE = blocker / "audit-checkpoints.jsonl"
    _events(1)
    result, check = run_verification()
    assert not result.ok and not check.ok
    assert "could not be read or written" in result.message


# --- Syslog -----------------------------------------------------------------------------------


def test_checkpoints_are_forwarded_to_syslog_in_rfc_5424_form(settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        settings.AUDIT_SYSLOG_ADDRESS = ("127.0.0.1", receiver.getsockname()[1])
        _events(2)
        assert run_verification()[0].ok
        message = receiver.recv(65535).decode("utf-8")
    finally:
        receiver.close()
    line = _lines()[-1]
    entry = json.loads(line)
    # <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG; facility 13 (log audit),
    # severity 6 (informational).
    head, rest = message.split(" [", 1)
    pri_version, timestamp, hostname, app, procid, msgid = head.split(" ")
    assert pri_version == "<110>1"
    assert timestamp.endswith("Z") and "T" in timestamp
    assert hostname and app == "ilp-audit" and procid.isdigit() and msgid == "checkpoint"
    assert f'seq="{entry["seq"]}"' in rest and f'eventId="{entry["event_id"]}"' in rest
    assert f'lineHash="{hashlib.sha256(line.encode()).hexdigest()}"' in rest
    assert rest.endswith("] " + line)


def test_syslog_is_off_by_default_and_an_unreachable_collector_does_not_fail_verification(
    settings,
):
    assert settings.AUDIT_SYSLOG_ADDRESS is None
    settings.AUDIT_SYSLOG_ADDRESS = "/nonexistent/syslog.sock"
    _events(1)
    result, _ = run_verification()
    assert result.ok, result.message
    assert len(_lines()) == 1


def test_a_failed_verification_is_sent_to_syslog_as_an_error(settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        settings.AUDIT_SYSLOG_ADDRESS = ("127.0.0.1", receiver.getsockname()[1])
        events = _events(3)
        assert run_verification()[0].ok
        receiver.recv(65535)
        _as_owner_with_maintenance("DELETE FROM audit_auditevent WHERE id >= %s", [events[1].pk])
        assert not run_verification()[0].ok
        message = receiver.recv(65535).decode("utf-8")
    finally:
        receiver.close()
    assert message.startswith("<107>1 ")  # severity 3: error
    assert " verify-failed " in message and "recorded at checkpoint of" in message


# --- Settings ---------------------------------------------------------------------------------


def test_the_checkpoint_file_setting_defaults_to_the_data_dir_and_refuses_bad_values(tmp_path):
    assert config.checkpoint_file(None, tmp_path) == tmp_path / "audit-checkpoints.jsonl"
    assert config.checkpoint_file("", tmp_path) == tmp_path / "audit-checkpoints.jsonl"
    assert config.checkpoint_file("/var/lib/ilp/cp.jsonl", tmp_path) == Path(
        "/var/lib/ilp/cp.jsonl"
    )
    for bad, reason in [
        ("checkpoints.jsonl", "absolute"),
        (str(tmp_path), "directory"),
        (str(tmp_path) + "/", "directory"),
    ]:
        with pytest.raises(ImproperlyConfigured, match=f"AUDIT_CHECKPOINT_FILE.*{reason}"):
            config.checkpoint_file(bad, tmp_path)


def test_the_syslog_address_setting_accepts_host_port_or_a_socket_and_nothing_else():
    assert config.syslog_address(None) is None and config.syslog_address(" ") is None
    assert config.syslog_address("syslog.example.org:514") == ("syslog.example.org", 514)
    assert config.syslog_address("[2001:db8::1]:6514") == ("2001:db8::1", 6514)
    assert config.syslog_address("/dev/log") == "/dev/log"
    for bad in ["syslog.example.org", "host:0", "host:70000", "udp://host:514", "dev/log"]:
        with pytest.raises(ImproperlyConfigured, match="AUDIT_SYSLOG_ADDRESS"):
            config.syslog_address(bad)


def test_settings_refuse_a_relative_checkpoint_file(tmp_path):
    """Start-up stops with one line naming the variable."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "AUDIT_CHECKPOINT_FILE": "relative.jsonl", "ILP_DATA_DIR": str(tmp_path)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import ilp_platform.settings"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "AUDIT_CHECKPOINT_FILE='relative.jsonl' must be an absolute path" in done.stderr
