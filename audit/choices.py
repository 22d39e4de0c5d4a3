from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("Create (collection)")
    UPDATE = "update", _("Update (alteration)")
    VIEW = "view", _("View (consultation)")
    LIST = "list", _("List (consultation)")
    SEARCH = "search", _("Search (consultation)")
    EXPORT = "export", _("Export (consultation)")
    DISCLOSE = "disclose", _("Disclosure")
    LINK = "link", _("Link (combination)")
    MERGE = "merge", _("Merge (combination)")
    ERASE = "erase", _("Erasure")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    LOCKOUT = "lockout", _("Lockout after failed logins")
    UNLOCK = "unlock", _("Lockout lifted")
    TWO_FACTOR = "two_factor", _("Two-factor authentication")
    REAUTHENTICATE = "reauthenticate", _("Password confirmed again")
    DENIED = "denied", _("Access denied")
    PERMISSION_CHANGE = "permission_change", _("Permission change")
    CONFIGURATION_CHANGE = "configuration_change", _("Configuration change")
    JOB_RUN = "job_run", _("Job run")
    RETENTION = "retention", _("Log retention")


CONSULTATION_ACTIONS = {Action.VIEW, Action.LIST, Action.SEARCH, Action.EXPORT}


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILURE = "failure", _("Failure")
