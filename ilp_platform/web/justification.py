"""The justification a person states in the browser, kept in the session while in force."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

SESSION_KEY = "ilp_justification"


def session_justification(request) -> str:
    """The justification stated in the browser, while it is still in force."""
    stored = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not stored:
        return ""
    expires = stored.get("expires", 0)
    if timezone.now().timestamp() > expires:
        return ""
    return stored.get("text", "")


def session_purpose(request) -> str:
    """The purpose ("operation:12") the justification in force names, or ""."""
    if not session_justification(request):
        return ""
    return request.session[SESSION_KEY].get("purpose", "")


def remember_justification(request, text: str, purpose: str = "") -> None:
    ttl = settings.ILP["JUSTIFICATION_TTL"]
    request.session[SESSION_KEY] = {
        "text": text,
        "purpose": purpose,
        "expires": (timezone.now() + ttl).timestamp(),
    }
