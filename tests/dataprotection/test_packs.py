"""Proportionality packs: produced for an operation or a tasking from the log and the purpose's
records, hashed, the hash recorded in the log; a pack verifies, a changed one does not; only
people granted packs read them (not the superuser holding general only); the demo operation
OP-NIGHTJAR produces one."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse

from audit import services as audit
from audit.choices import Action
from audit.models import AuditEvent
from dataprotection import packs, services
from ilp_platform.core import context
from tests.dataprotection.factories import pack_of
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.security.matrix import FACTORIES
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


def _consult(user, obj, purpose):
    with context.acting(user=user, justification="for the operation", purpose=purpose):
        audit.consultation(Action.VIEW, obj=obj)


def test_a_pack_gathers_what_was_done_under_the_purpose_and_its_hash_is_in_the_log(world):
    operation = FACTORIES["operation"](world, world.general)
    special = make_report(world, world.general, special=True)
    from operations.services import gather

    with as_user(world.analyst):
        gather(operation, actor=world.analyst, kind="reports", records=[special])
    _consult(world.analyst, special, f"operation:{operation.pk}")
    _consult(world.manager, operation, f"operation:{operation.pk}")
    pack = pack_of(world, operation)
    c = pack.content
    assert c["subject"]["reference"] == operation.reference
    assert c["consultations"]["people"] == ["analyst", "manager"]
    assert c["special_category_reports"]["items"][0]["urn"] == special.urn
    assert c["consultations"]["special_category_events"]["total"] == 1
    assert c["targeted"]["people"]["total"] == 1
    # Named as the log names records: no entity name, no report text.
    text = json.dumps(c)
    assert "Operation person" not in text and "Original" not in text
    event = AuditEvent.objects.get(pk=pack.audit_event_id)
    assert event.details["sha256"] == pack.sha256 == packs.digest(c)


def test_the_downloaded_pack_verifies_and_a_changed_one_does_not(client, world):
    pack = pack_of(world, FACTORIES["operation"](world, world.general))
    client.force_login(world.oversight)
    body = client.get(reverse("dataprotection:pack_json", args=[pack.pk])).content
    import hashlib

    assert hashlib.sha256(body).hexdigest() == pack.sha256
    url = reverse("dataprotection:pack_verify")
    upload = io.BytesIO(body)
    upload.name = "pack.json"
    matched = client.post(url, {"pack_file": upload}).content.decode()
    assert "Match" in matched and pack.reference in matched
    changed = json.loads(body)
    changed["consultations"]["events"] += 1
    mismatch = client.post(url, {"pack": json.dumps(changed)}).content.decode()
    assert "Mismatch" in mismatch
    assert "Match" in client.post(url, {"sha256": pack.sha256.upper()}).content.decode()
    assert "64 hexadecimal" in client.post(url, {"sha256": "abc"}).content.decode()
    checks = AuditEvent.objects.filter(details__has_key="verify").order_by("id")
    assert [e.details["match"] for e in checks] == [True, False, True]


def test_the_api_produces_a_pack_for_a_tasking_and_verifies_it(world):
    tasking = FACTORIES["tasking"](world, world.general)
    client = api_client(world.oversight, justification=None)
    missing = client.post(
        "/api/v1/proportionality-packs/", {"subject_type": "tasking", "subject": "999999"}
    )
    assert missing.status_code == 400 and "subject" in missing.json()
    made = client.post(
        "/api/v1/proportionality-packs/",
        {"subject_type": "tasking", "subject": str(tasking.pk)},
        format="json",
    )
    assert made.status_code == 201
    pack = made.json()
    assert pack["content"]["subject"]["type"] == "tasking"
    ok = client.post(
        "/api/v1/proportionality-packs/verify/", {"pack": pack["content"]}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["match"] is True
    pack["content"]["subject"]["status"] = "done"
    changed = client.post(
        "/api/v1/proportionality-packs/verify/", {"pack": pack["content"]}, format="json"
    )
    assert changed.json()["match"] is False
    assert client.post("/api/v1/proportionality-packs/verify/", {}).status_code == 400


def test_nothing_of_a_pack_on_a_restricted_operation_shows_to_others(client, world):
    """The superuser holding general only, and an analyst without restricted, see no pack."""
    hidden = FACTORIES["operation"](world, world.restricted)
    pack = pack_of(world, hidden)
    for person in (world.admin, world.analyst2):
        client.force_login(person)
        for name in ("pack_detail", "pack_json", "pack_pdf"):
            response = client.get(reverse(f"dataprotection:{name}", args=[pack.pk]))
            assert response.status_code in (403, 404), (person, name)
        listing = client.get(reverse("dataprotection:pack_list"))
        assert hidden.reference.encode() not in listing.content
        api = api_client(person, justification=None)
        assert api.get(f"/api/v1/proportionality-packs/{pack.pk}/").status_code in (403, 404)
        listed = api.get("/api/v1/proportionality-packs/")
        assert hidden.reference not in listed.content.decode()


def test_the_demo_operation_nightjar_produces_a_pack(world):
    from operations.seed import REFERENCE, seed_operations

    class Command:
        stdout = io.StringIO()

    seed_operations(Command())
    with as_user(world.oversight):
        pack = services.produce_pack(
            actor=world.oversight, subject_type="operation", subject=REFERENCE.lower()
        )
    assert pack.subject_reference == REFERENCE
    assert pack.sha256 == packs.digest(pack.content)

    # The page reads as words and the language's dates: no list syntax, no raw ISO times.
    from django.test import Client

    client = Client()
    client.force_login(world.oversight)
    page = client.get(reverse("dataprotection:pack_detail", args=[pack.pk])).content.decode()
    assert "analyst2, manager" in page and "['" not in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", page)


def test_bad_subjects_are_refused_naming_the_field(world):
    from django.core.exceptions import ValidationError

    for subject_type, subject, field in (
        ("person", "x", "subject_type"),
        ("operation", "", "subject"),
        ("tasking", "OP-1", "subject"),
    ):
        with as_user(world.oversight), pytest.raises(ValidationError) as refused:
            services.produce_pack(actor=world.oversight, subject_type=subject_type, subject=subject)
        assert field in refused.value.message_dict
    make_entity(world, world.general)  # nothing else is made on refusal
    assert not AuditEvent.objects.filter(object_type=services.PACK_TYPE).exists()
