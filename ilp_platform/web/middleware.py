from __future__ import annotations

import ipaddress
import re
import uuid

from django.conf import settings

from ilp_platform.core import context
from ilp_platform.web.health import health_response
from ilp_platform.web.justification import session_justification, session_purpose

JUSTIFICATION_HEADER = "HTTP_X_JUSTIFICATION"
# Optional beside it: the purpose the justification names, "operation:12" (checked by the API).
PURPOSE_HEADER = "HTTP_X_JUSTIFICATION_PURPOSE"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _address(text: str) -> str | None:
    """``text`` as one IP address in the form the database gives back, or None."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_ip(request) -> str | None:
    """The client's address for the audit trail and the lockout counter.

    Behind the production proxy (and only then) it comes from X-Forwarded-For: the last entry,
    the one the proxy itself wrote, so a client cannot choose the address it is logged under.
    A value that is not an address falls back to the connection's own: the audit event must be
    storable (PostgreSQL's ``inet`` refuses anything else) and read back byte for byte, so its
    hash still verifies.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = _address(forwarded.rsplit(",", 1)[-1])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR") or "")


class RequestContextMiddleware:
    """Sets request id, user, IP, user agent and the justification in force for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        header = request.META.get(JUSTIFICATION_HEADER, "").strip()
        if header:
            justification = header[:500]
            purpose = request.META.get(PURPOSE_HEADER, "").strip()[:48]
        else:
            justification = session_justification(request)
            purpose = session_purpose(request)
        with context.acting(
            request_id=request_id,
            user=request.user if getattr(request, "user", None) else None,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            justification=justification,
            purpose=purpose,
            via="api" if request.path.startswith("/api/") else "web",
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request, exception):
        # Fail closed: a read or write whose audit event cannot be stored is not served.
        from audit.services import AuditUnavailable

        if isinstance(exception, AuditUnavailable):
            from ilp_platform.web.views import audit_unavailable_response

            return audit_unavailable_response()
        return None


class HealthCheckMiddleware:
    """Answer /healthz before host validation, so container probes on localhost work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz" and request.method == "GET":
            return health_response()
        return self.get_response(request)
