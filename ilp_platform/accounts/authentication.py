"""API token authentication that honours the two-factor requirement."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from ilp_platform.accounts import security
from ilp_platform.web.authentication import AuditedTokenAuthentication


class TwoFactorTokenAuthentication(AuditedTokenAuthentication):
    """A token of someone whose role requires two-factor authentication counts only when it was
    issued at ``/api/v1/auth/token/`` after a verified code."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if security.two_factor_required(user):
            confirmation = getattr(token, "confirmation", None) if token else None
            if confirmation is None or not confirmation.two_factor:
                raise exceptions.AuthenticationFailed(
                    _(
                        "Your role requires two-factor authentication: request a new token at "
                        "/api/v1/auth/token/ with your code."
                    )
                )
        return user, token
