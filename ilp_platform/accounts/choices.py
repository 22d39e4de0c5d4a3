from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The platform's roles; each is a Django group of the same name."""

    OFFICER = "officer", _("Officer")
    ANALYST = "analyst", _("Analyst")
    MANAGER = "manager", _("Manager")
    SOURCE_HANDLER = "source_handler", _("Source handler")
    OVERSIGHT = "oversight", _("Oversight")
    ADMINISTRATOR = "administrator", _("Administrator")


# Single-use recovery codes issued at enrolment and on regeneration.
RECOVERY_CODE_COUNT = 10
# The TOTP device the browser enrolment creates (one per person).
TOTP_DEVICE_NAME = "authenticator"
# The static device holding the recovery codes.
RECOVERY_DEVICE_NAME = "recovery codes"
# How often, at most, the last-seen time is written to the session (seconds).
LAST_SEEN_RESOLUTION = 60


class LogoutReason(models.TextChoices):
    """Why a session ended, recorded on the logout event."""

    USER = "user", _("Logged out")
    IDLE = "idle", _("Inactivity timeout")
    ABSOLUTE = "absolute", _("Maximum session length reached")
    ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
