"""API authentication that also names the actor in the request context for the audit trail."""

from typing import TYPE_CHECKING, Any

from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.request import Request

from ilp_platform.core import context

if TYPE_CHECKING:
    _AuthenticationBase = BaseAuthentication
else:
    _AuthenticationBase = object  # the mixin goes with an authentication class


class _ContextMixin(_AuthenticationBase):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            context.set_user(result[0])
        return result


class AuditedSessionAuthentication(_ContextMixin, SessionAuthentication):
    pass


class AuditedTokenAuthentication(_ContextMixin, TokenAuthentication):
    pass
