"""OpenAPI descriptions of the project's authentication classes."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class AuditedSessionScheme(SessionScheme):
    target_class = "ilp_platform.core.authentication.AuditedSessionAuthentication"


class AuditedTokenScheme(TokenScheme):
    target_class = "ilp_platform.core.authentication.AuditedTokenAuthentication"
