"""API authentication that also names the actor in the request context for the audit trail."""

from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from ilp_platform.core import context


class _ContextMixin:
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            context.set_user(result[0])
        return result


class AuditedSessionAuthentication(_ContextMixin, SessionAuthentication):
    pass


class AuditedTokenAuthentication(_ContextMixin, TokenAuthentication):
    pass
