"""Benchmark-only: serve requests with auditing switched off (see ``benchmarks/settings.py``)."""

from audit.services import suspended


class AuditSuspendedMiddleware:
    """Never in production: it switches the data-protection log off for every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with suspended():
            return self.get_response(request)
