"""Coded values of data-subject requests (EU Law Enforcement Directive 2016/680, Arts. 14-17)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access (Art. 14)")
    RECTIFICATION = "rectification", _("Rectification (Art. 16)")
    ERASURE = "erasure", _("Erasure (Art. 16)")
    INDIRECT = "indirect", _("Indirect access through the supervisory authority (Art. 17)")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


class HitKind(models.TextChoices):
    ENTITY = "entity", _("Entity")
    REPORT = "report", _("Report")


class Decision(models.TextChoices):
    DISCLOSE = "disclose", _("Disclose")
    RESTRICT = "restrict", _("Restrict (Art. 15)")
    NOT_SUBJECT = "not_subject", _("Not the person's data")


class Ground(models.TextChoices):
    """The grounds of LED Art. 15(1) for restricting the right of access."""

    INQUIRIES = (
        "inquiries",
        _(
            "Avoid obstructing official or legal inquiries, investigations or procedures "
            "(Art. 15(1)(a))"
        ),
    )
    CRIME = (
        "crime",
        _(
            "Avoid prejudicing the prevention, detection, investigation or prosecution of "
            "criminal offences or the execution of criminal penalties (Art. 15(1)(b))"
        ),
    )
    PUBLIC_SECURITY = "public_security", _("Protect public security (Art. 15(1)(c))")
    NATIONAL_SECURITY = "national_security", _("Protect national security (Art. 15(1)(d))")
    OTHERS = "others", _("Protect the rights and freedoms of others (Art. 15(1)(e))")


class Outcome(models.TextChoices):
    """What was done to the record for a rectification or erasure request."""

    NONE = "", _("Nothing")
    RECTIFIED = "rectified", _("Rectified")
    ERASED = "erased", _("Erased")
