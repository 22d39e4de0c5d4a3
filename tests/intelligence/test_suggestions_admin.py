"""The officers' suggested mentions in the admin: read only, only those of reports in the
administrator's compartments, every list and page consulted in the audit trail."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import service_scope
from intelligence.models import MentionSuggestion
from tests.intelligence.helpers import make_report
from tests.security.access import body_of, page_client

pytestmark = pytest.mark.django_db


def _suggest(report, name):
    with service_scope():
        return MentionSuggestion.objects.create(
            report=report, kind="person", name=name, created_by=report.submitted_by
        )


def test_the_admin_lists_and_opens_only_its_compartments_suggestions_and_is_audited(world):
    shown = _suggest(make_report(world, world.general, evaluate=False), "Dean Marsh")
    hidden = _suggest(make_report(world, world.restricted, evaluate=False), "Nightjar Contact")
    client = page_client(world.admin)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    listing = client.get(reverse("admin:intelligence_mentionsuggestion_changelist"))
    assert listing.status_code == 200
    assert "Dean Marsh" in body_of(listing) and "Nightjar" not in body_of(listing)
    opened = client.get(reverse("admin:intelligence_mentionsuggestion_change", args=[shown.pk]))
    assert opened.status_code == 200 and "Dean Marsh" in body_of(opened)
    refused = client.get(reverse("admin:intelligence_mentionsuggestion_change", args=[hidden.pk]))
    assert refused.status_code == 302 and "Nightjar" not in body_of(refused)

    events = AuditEvent.objects.filter(id__gt=before, actor=world.admin)
    listed = events.filter(action="list", object_type="intelligence.mentionsuggestion").get()
    assert listed.details["ids"] == [str(shown.pk)]
    assert events.filter(action="view", object_id=str(shown.pk)).exists()
    assert events.filter(action="denied", object_id=str(hidden.pk)).exists()


def test_the_admin_changes_nothing(world):
    suggestion = _suggest(make_report(world, world.general, evaluate=False), "Dean Marsh")
    client = page_client(world.admin)
    assert client.get(reverse("admin:intelligence_mentionsuggestion_add")).status_code == 403
    url = reverse("admin:intelligence_mentionsuggestion_change", args=[suggestion.pk])
    client.post(url, {"name": "Someone Else", "kind": "person", "status": "dismissed"})
    deleted = client.post(
        reverse("admin:intelligence_mentionsuggestion_delete", args=[suggestion.pk]),
        {"post": "yes"},
    )
    assert deleted.status_code == 403
    suggestion.refresh_from_db()
    assert (suggestion.name, suggestion.status) == ("Dean Marsh", "open")
