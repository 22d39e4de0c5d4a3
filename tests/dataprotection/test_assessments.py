"""Impact assessments: written, approved by someone other than their author (audited), an
approved one edited returns to draft; bad input names the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from dataprotection import services
from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import User
from ilp_platform.core.errors import StateConflict
from tests.dataprotection.factories import assessment, record
from tests.intelligence.helpers import as_user
from tests.utils.access import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def deputy(world):
    """A second data-protection officer, to approve what the first wrote."""
    from django.contrib.auth.models import Group

    user = User.objects.create_user("deputy", password="x-deputy-password-1")
    user.groups.add(Group.objects.get(name=Role.OVERSIGHT))
    return user


def test_the_author_cannot_approve_and_a_second_officer_does_with_an_audited_step(world, deputy):
    draft = assessment(world, author=world.oversight)
    with as_user(world.oversight), pytest.raises(ValidationError) as refused:
        services.approve_assessment(draft, actor=world.oversight)
    assert "approved_by" in refused.value.message_dict
    with as_user(deputy):
        services.approve_assessment(draft, actor=deputy, note="Measures adequate.")
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.approved_by == deputy
    event = AuditEvent.objects.filter(
        object_type="dataprotection.impactassessment", object_id=str(draft.pk), action="update"
    ).latest("id")
    assert event.details["approved_by"] == "deputy" and event.details["author"] == "oversight"
    with as_user(deputy), pytest.raises(StateConflict):
        services.approve_assessment(draft, actor=deputy)


def test_editing_an_approved_assessment_returns_it_to_draft(world, deputy):
    done = assessment(world, author=world.oversight)
    with as_user(deputy):
        services.approve_assessment(done, actor=deputy)
    with as_user(world.oversight):
        services.update_assessment(done, actor=world.oversight, data={"measures": "More."})
    done.refresh_from_db()
    assert done.status == "draft" and done.approved_by is None


def test_the_pages_write_and_approve_an_assessment(client, world, deputy):
    client.force_login(world.oversight)
    form = {
        "record": record().pk,
        "title": "Hotspots DPIA",
        "risks": "Over-policing",
        "measures": "Feedback-loop check",
        "residual_risk": "low",
        "review_due": (timezone.localdate() - timedelta(days=1)).isoformat(),
    }
    refused = client.post(reverse("dataprotection:assessment_create"), form)
    assert "The review date must be in the future." in refused.content.decode()
    form["review_due"] = (timezone.localdate() + timedelta(days=90)).isoformat()
    created = client.post(reverse("dataprotection:assessment_create"), form)
    assert created.status_code == 302
    url = created["Location"]
    assert "Approve" not in client.get(url).content.decode()  # not the author's to approve
    client.force_login(deputy)
    pk = int(url.rstrip("/").split("/")[-1])
    client.post(reverse("dataprotection:assessment_approve", args=[pk]), {"note": "Fine"})
    assert "deputy" in client.get(url).content.decode()


def test_the_api_creates_and_approves_and_refuses_bad_input_by_field(world, deputy):
    client = api_client(world.oversight, justification=None)
    body = {
        "record": "analysis.network",
        "title": "Network DPIA",
        "risks": "Guilt by association",
        "measures": "Link strength shown",
        "review_due": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    bad = client.post("/api/v1/impact-assessments/", {**body, "record": "nope"}, format="json")
    assert bad.status_code == 400 and "record" in bad.json()
    created = client.post("/api/v1/impact-assessments/", body, format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    pk = created.json()["id"]
    assert client.post(f"/api/v1/impact-assessments/{pk}/approve/").status_code == 400
    approved = api_client(deputy, justification=None).post(
        f"/api/v1/impact-assessments/{pk}/approve/", {"note": "ok"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["approved_by"] == "deputy"
