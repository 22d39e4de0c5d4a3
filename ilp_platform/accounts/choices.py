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


# --- Two-factor enrolment codes -------------------------------------------------------------------

# Letters and digits a person cannot mistake for one another (no 0/O, 1/I/L).
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 12 characters of 31: about 59 bits, shown in groups of four (ABCD-EFGH-JKMN).
ENROLMENT_CODE_LENGTH = 12


class EnrolmentCodeStatus(models.TextChoices):
    """Where a one-time enrolment code stands; only ``issued`` codes can be used."""

    ISSUED = "issued", _("Issued, not used yet")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by a newer code")
    EXHAUSTED = "exhausted", _("Withdrawn after too many wrong entries")
    REVOKED = "revoked", _("Withdrawn by an administrator")


class LockoutEnd(models.TextChoices):
    """How a lockout ended, recorded on its ``unlock`` event."""

    COOL_OFF_EXPIRED = "cool_off_expired", _("Cool-off expired")
    ADMINISTRATOR = "administrator", _("Lifted by an administrator")


# At most one lockout e-mail to the administrators in this many minutes (when EMAIL_HOST is set).
LOCKOUT_MAIL_INTERVAL_MINUTES = 15
