"""Generic access and audit tests, in the spirit of NetBox's testing mixins.

A test class for a restricted API endpoint declares a few attributes and inherits every
check: anonymous refused, wrong role refused, missing justification 428, a record of another
compartment absent from lists and 404 on detail, and the consultation events written.

    class TestReportAPI(RestrictedAPITests):
        basename = "report"                      # router basename: report-list, report-detail
        allowed_role = "analyst"                  # sees the compartment 'general'
        denied_roles = ("oversight",)             # lacks the model permission
        outsider = "analyst2"                     # allowed role, but no grant on 'restricted'

        def make_record(self, world, compartment):
            return Report.objects.create(..., compartment=compartment)

``make_record`` must create a record in the given compartment that ``allowed_role`` may see
when it is in ``general``. Endpoints that take writes also declare ``create_body`` (a valid
body for a new record, ``compartment`` left out) and/or ``update_body`` (a valid PATCH), and
inherit the write checks: creating in a compartment the caller lacks, or changing a record of
one, is refused (400 naming the compartment, 404 for the record), nothing is written, and the
refusal is a ``denied`` event.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent

JUSTIFICATION = "OP-TEST-1 access test"


def api_client(user=None, justification: str | None = JUSTIFICATION) -> APIClient:
    """A client that authenticates with a real API token, as an integration would."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    headers = {}
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    if justification:
        headers["HTTP_X_JUSTIFICATION"] = justification
    client.credentials(**headers)
    return client


@pytest.mark.django_db
class RestrictedAPITests:
    basename: str = ""
    allowed_role: str = "analyst"
    denied_roles: tuple[str, ...] = ("oversight",)
    outsider: str = "analyst2"
    requires_justification: bool = True
    lookup_attr: str = "pk"
    update_body: dict | None = None

    def create_body(self, world) -> dict | None:
        """A valid body for a new record, its ``compartment`` left out (None: no creation)."""
        return None

    def make_record(self, world, compartment):  # pragma: no cover - declared by subclasses
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------
    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def detail_url(self, record) -> str:
        return reverse(f"{self.basename}-detail", args=[getattr(record, self.lookup_attr)])

    @staticmethod
    def result_ids(response) -> set[str]:
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        return {str(row["id"]) for row in rows}

    # -- the generic checks --------------------------------------------------------------------
    def test_anonymous_is_refused(self, world):
        record = self.make_record(world, world.general)
        assert api_client().get(self.list_url()).status_code in (401, 403)
        assert api_client().get(self.detail_url(record)).status_code in (401, 403)

    def test_a_role_without_the_permission_is_refused_and_the_refusal_logged(self, world):
        self.make_record(world, world.general)
        for role in self.denied_roles:
            before = AuditEvent.objects.filter(action="denied").count()
            response = api_client(world.user(role)).get(self.list_url())
            assert response.status_code == 403, role
            assert AuditEvent.objects.filter(action="denied").count() == before + 1

    def test_the_allowed_role_lists_and_reads_and_each_read_is_logged(self, world):
        record = self.make_record(world, world.general)
        user = world.user(self.allowed_role)
        response = api_client(user).get(self.list_url())
        assert response.status_code == 200, response.content
        assert str(record.pk) in self.result_ids(response)
        listed = AuditEvent.objects.filter(actor=user, action__in=["list", "search"]).latest("id")
        assert str(record.pk) in listed.details["ids"]
        assert listed.justification == (
            JUSTIFICATION if self.requires_justification else listed.justification
        )

        response = api_client(user).get(self.detail_url(record))
        assert response.status_code == 200, response.content
        viewed = AuditEvent.objects.filter(actor=user, action="view").latest("id")
        assert viewed.object_id == str(record.pk)
        if self.requires_justification:
            assert viewed.justification == JUSTIFICATION

    def test_a_record_in_another_compartment_is_invisible_and_404(self, world):
        hidden = self.make_record(world, world.restricted)
        visible = self.make_record(world, world.general)
        outsider = world.user(self.outsider)
        response = api_client(outsider).get(self.list_url())
        assert response.status_code == 200
        ids = self.result_ids(response)
        assert str(hidden.pk) not in ids
        assert str(visible.pk) in ids
        response = api_client(outsider).get(self.detail_url(hidden))
        assert response.status_code == 404
        assert AuditEvent.objects.filter(
            actor=outsider, action="denied", object_id=str(getattr(hidden, self.lookup_attr))
        ).exists()

    def test_consulting_without_a_justification_answers_428_and_no_data(self, world):
        if not self.requires_justification:
            pytest.skip("this endpoint holds no intelligence content")
        record = self.make_record(world, world.general)
        client = api_client(world.user(self.allowed_role), justification=None)
        for url in (self.list_url(), self.detail_url(record)):
            response = client.get(url)
            assert response.status_code == 428
            assert "X-Justification" in response.json()["detail"]
            assert str(record.pk) not in response.content.decode().replace(url, "")

    def test_creating_in_a_compartment_the_caller_lacks_is_refused_and_logged(self, world):
        body = self.create_body(world)
        if body is None:
            pytest.skip("this endpoint creates no records")
        outsider = world.user(self.outsider)
        model = self._model()
        before = model._base_manager.count()
        response = api_client(outsider).post(
            self.list_url(), {**body, "compartment": "restricted"}, format="json"
        )
        assert response.status_code == 400, response.content
        assert "compartment" in response.json()
        assert model._base_manager.count() == before
        assert AuditEvent.objects.filter(
            actor=outsider, action="denied", object_type="accounts.compartment"
        ).exists()
        # The same body in a compartment the caller holds is accepted: the refusal was the
        # compartment's, not the body's.
        accepted = api_client(outsider).post(
            self.list_url(), {**body, "compartment": "general"}, format="json"
        )
        assert accepted.status_code in (200, 201, 202), accepted.content

    def test_changing_a_record_of_another_compartment_is_404_and_logged(self, world):
        if self.update_body is None:
            pytest.skip("this endpoint changes no records")
        hidden = self.make_record(world, world.restricted)
        outsider = world.user(self.outsider)
        before = type(hidden)._base_manager.filter(pk=hidden.pk).values().get()
        response = api_client(outsider).patch(
            self.detail_url(hidden), self.update_body, format="json"
        )
        assert response.status_code == 404, response.content
        assert type(hidden)._base_manager.filter(pk=hidden.pk).values().get() == before
        assert AuditEvent.objects.filter(
            actor=outsider,
            action="denied",
            object_id=str(getattr(hidden, self.lookup_attr)),
        ).exists()

    def _model(self):
        from django.urls import resolve

        view = resolve(self.list_url()).func
        return view.cls.queryset.model
