"""Oversight sees the record and the field names in events, not personal values in clear.

Field values in create and update events are kept in clear only for ids, codes, booleans,
times and a per-model allow-list (audit.personal_data); every other value is a keyed digest
(``audit.services.value_digest``) that proves a value later without revealing it. An event
names its record neutrally (a URN, a reference, or type and id), never by an entity's name.
"""

import json
from datetime import date

import pytest
from django.urls import reverse

from audit import services as audit
from audit.choices import Action
from audit.models import AuditEvent
from audit.verification import verify_chain
from intelligence.models import Entity
from intelligence.services.entities import merge_entities
from tests.intelligence.helpers import as_user, make_entity, make_report
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db

NAME = "Zebedee Quartermaine"
DOB = date(1971, 3, 14)
DESCRIPTION = "Tattoo of a kestrel on the left forearm"
PHONE = "07700 900461"
NEW_DESCRIPTION = "Walks with a limp since the winter"
OTHER_NAME = "Zeb Quartermaine-Orme"
SECRETS = [
    NAME,
    "Quartermaine",
    "1971-03-14",
    DESCRIPTION,
    "kestrel",
    PHONE,
    "900461",
    NEW_DESCRIPTION,
    OTHER_NAME,
    "Alan Smith",
]


def _every_event_through_the_api(client) -> str:
    bodies, url, params = [], reverse("auditevent-list"), {}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200
        bodies.append(response.content.decode())
        url, params = response.json().get("next"), {}
    return "\n".join(bodies)


def _every_event_on_the_console(client) -> str:
    bodies, cursor = [], None
    while True:
        response = client.get(reverse("audit:event_list"), {"cursor": cursor} if cursor else {})
        assert response.status_code == 200
        bodies.append(response.content.decode())
        cursor = response.context["page"].next_cursor
        if not cursor:
            return "\n".join(bodies)


def _the_entitys_life(world) -> Entity:
    entity = make_entity(
        world,
        name=NAME,
        date_of_birth=DOB,
        description=DESCRIPTION,
        identifiers=[("phone", PHONE)],
    )
    # Changed outside any service: the safety net records the update.
    entity.description = NEW_DESCRIPTION
    entity.save()
    duplicate = make_entity(world, name=OTHER_NAME)
    with as_user(world.analyst):
        merge_entities(entity, duplicate, actor=world.analyst, reason="same person")
    # A consultation of the entity names it too.
    api_client(world.analyst).get(reverse("entity-detail", args=[entity.pk]))
    make_report(world)
    return entity


def test_oversight_reads_field_names_and_digests_but_no_personal_value(client, world):
    entity = _the_entitys_life(world)
    api = _every_event_through_the_api(api_client(world.oversight, justification=None))
    client.force_login(world.oversight)
    console = _every_event_on_the_console(client)
    for text in (api, console, json.dumps(list(AuditEvent.objects.values()), default=str)):
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} reaches oversight"
    for name in ("name", "date_of_birth", "description"):
        assert f'"{name}"' in api
        assert f"&quot;{name}&quot;: &quot;hmac:" in console  # the name, a digest for the value
    created = AuditEvent.objects.get(
        action=Action.CREATE, object_type="intelligence.entity", object_id=str(entity.pk)
    )
    fields = created.details["fields"]
    assert fields["name"] == audit.value_digest(NAME)
    assert fields["date_of_birth"] == audit.value_digest(DOB)
    assert fields["description"] == audit.value_digest(DESCRIPTION)
    assert fields["name"].startswith("hmac:") and len(fields["name"]) == 5 + 64
    # Not personal, and useful: the kind, the compartment and who created it.
    assert fields["kind"] == "person"
    assert fields["compartment"] == world.general.pk
    assert fields["created_by"] == world.analyst.pk
    assert created.details["identifiers"] == [f"phone:{audit.value_digest(PHONE)}"]
    updated = AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="intelligence.entity", object_id=str(entity.pk)
    ).latest("id")
    assert updated.details["changes"]["description"] == [
        audit.value_digest(DESCRIPTION),
        audit.value_digest(NEW_DESCRIPTION),
    ]
    merged = AuditEvent.objects.get(action=Action.MERGE, object_id=str(entity.pk))
    assert merged.details["merged_name"] == audit.value_digest(OTHER_NAME)
    assert verify_chain().ok


def test_events_name_records_neutrally(world):
    entity = make_entity(world, name=NAME)
    report = make_report(world)
    entity_events = AuditEvent.objects.filter(object_type="intelligence.entity")
    assert set(entity_events.values_list("object_repr", flat=True)) == {f"entity {entity.pk}"}
    report_events = AuditEvent.objects.filter(
        object_type="intelligence.report", object_id=str(report.pk)
    )
    assert set(report_events.values_list("object_repr", flat=True)) == {report.urn}


def test_the_digest_depends_on_the_key_and_proves_the_value(settings):
    digest = audit.value_digest(NAME)
    assert digest == audit.value_digest(NAME)
    assert digest != audit.value_digest(NAME + " ")
    settings.AUDIT_VALUE_KEY = "another-key-" + "k" * 40
    assert audit.value_digest(NAME) != digest
    assert audit.value_digest(NAME, key="another-key-" + "k" * 40) == audit.value_digest(NAME)


def test_empty_values_stay_empty_and_clear_fields_stay_clear(world):
    entity = make_entity(world, name=NAME)
    fields = AuditEvent.objects.get(action=Action.CREATE, object_id=str(entity.pk)).details[
        "fields"
    ]
    assert fields["date_of_birth"] is None and fields["description"] == ""
    assert fields["merged_into"] is None and fields["id"] == entity.pk
    assert fields["created_at"].startswith(str(entity.created_at.year))


def test_events_recorded_before_the_rule_still_verify():
    """Old events keep their details as stored; they are hashed as they are."""
    audit.record(
        Action.CREATE,
        object_type="intelligence.entity",
        object_id="1",
        object_repr="Old Style Name",
        details={"fields": {"name": "Old Style Name"}},
    )
    audit.record(Action.VIEW, object_type="test.after", object_id="2")
    assert verify_chain().ok
