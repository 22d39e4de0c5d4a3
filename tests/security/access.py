"""Clients and request helpers shared by the security suites."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from ilp_platform.web.justification import SESSION_KEY
from tests.utils.access import JUSTIFICATION, api_client


def page_client(user=None, justification: str | None = JUSTIFICATION) -> Client:
    """A browser session for ``user`` with a justification already stated (when given)."""
    client = Client()
    if user is None:
        return client
    client.force_login(user)
    if justification:
        session = client.session
        session[SESSION_KEY] = {
            "text": justification,
            "expires": (timezone.now() + dt.timedelta(hours=1)).timestamp(),
        }
        session.save()
    return client


def clients_for(world, roles, justification: str | None = JUSTIFICATION) -> dict:
    """``{role: {"api": APIClient, "page": Client}}``; ``anonymous`` has no credentials."""
    out = {}
    for role in roles:
        user = None if role == "anonymous" else world.user(role)
        out[role] = {
            "api": api_client(user, justification=justification) if user else APIClient(),
            "page": page_client(user, justification=justification),
        }
    return out


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(event_id: int):
    return list(AuditEvent.objects.filter(id__gt=event_id).order_by("id"))


def send(client, method: str, url: str, query: dict | None = None):
    """One request; bodies are empty (the matrix checks access, not validation)."""
    call = getattr(client, method.lower())
    if method == "GET":
        return call(url, query or {})
    if isinstance(client, APIClient):
        return call(url, {}, format="json")
    return call(url)


def login_url() -> str:
    return reverse("accounts:login")
