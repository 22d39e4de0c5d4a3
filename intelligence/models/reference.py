"""Reference lists managed in the admin: crime types and retention classes; URN counters."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel


class CrimeType(AuditedModel):
    """A crime type or theme used to tag reports and classify incidents."""

    slug = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("crime type")

    def __str__(self) -> str:
        return self.name


class RetentionClass(AuditedModel):
    """A MoPI-style retention group: how long until a record must be reviewed again.

    Defaults (data migration ``0002``, editable in the admin): group 1, certain public
    protection matters, review every 10 years; group 2, other sexual, violent or serious
    offences, 10 years; group 3, all other offences and intelligence, 6 years (the default
    class for new reports).
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    review_period_months = models.PositiveIntegerField(_("review period (months)"))
    is_default = models.BooleanField(_("default for new reports"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("retention class")
        verbose_name_plural = _("retention classes")

    def __str__(self) -> str:
        return self.name

    def review_due_from(self, start):
        return start + relativedelta(months=self.review_period_months)


class UrnSequence(models.Model):
    """The last report number issued per year; advanced by one atomic upsert per allocation."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
