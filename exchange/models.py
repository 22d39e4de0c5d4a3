"""Exchange with partner agencies: this installation's keys, the partner register, the packages
sent (built by a background job) and the packages received (kept to refuse a replay)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.jobs import BackgroundJob
from ilp_platform.core.querysets import RestrictedManager, RestrictedQuerySet
from intelligence.choices import GradingScheme


class ReceiveChannel(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    PUSH = "push", _("Pushed by the partner")
    COMMAND = "command", _("Imported by an operator (command)")


class InstallationKeyQuerySet(models.QuerySet):
    def current(self):
        return self.filter(retired_at__isnull=True).order_by("-created_at", "-id")


class InstallationKey(AuditedModel):
    """This installation's identity: the signing and encryption key pairs
    (``exchange.crypto``). The private keys are sealed with a key derived from ``SECRET_KEY``
    and never shown; the public key and its fingerprint are what partners register.
    One key is current; rotating retires it (packages sealed to it can no longer be opened).
    """

    public_key = models.TextField(_("public key"))
    fingerprint = models.CharField(_("fingerprint"), max_length=80, unique=True)
    sealed_private = models.TextField(editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = InstallationKeyQuerySet.as_manager()

    audit_restricted_fields = ("sealed_private",)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("installation key")

    def __str__(self) -> str:
        return self.fingerprint


class Partner(AuditedModel):
    """A partner agency running its own installation: who they are, their public key, the
    grading scheme and handling codes they use, what may be sent to them, and where what they
    send lands here (``intake_compartment``)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166 two-letter code, for example NL.")
    )
    contact = models.TextField(_("contact"), help_text=_("Person, desk, telephone, email."))
    public_key = models.TextField(
        _("public key"), help_text=_("The partner's key as its administrators give it.")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=80, unique=True, editable=False)
    grading_scheme = models.CharField(
        _("grading scheme"), max_length=10, choices=GradingScheme.choices
    )
    handling_codes = models.JSONField(
        _("handling codes"),
        default=list,
        blank=True,
        help_text=_("The handling codes of its scheme the partner accepts."),
    )
    sendable_compartments = models.ManyToManyField(
        "accounts.Compartment",
        blank=True,
        related_name="+",
        verbose_name=_("compartments that may be sent"),
    )
    sends_entities = models.BooleanField(
        _("entities may be sent"),
        default=True,
        help_text=_("People, vehicles, places named in the reports, and their links."),
    )
    intake_compartment = models.ForeignKey(
        "accounts.Compartment",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("intake compartment"),
        help_text=_("Where reports received from this partner land, awaiting evaluation."),
    )
    inbox_url = models.URLField(
        _("inbox address"),
        blank=True,
        help_text=_(
            "The partner's push address, for example https://ilp.example.nl/api/v1/"
            "exchange/inbox/. Empty: packages travel as files."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner agency")
        verbose_name_plural = _("partner agencies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("exchange:partner_detail", args=[self.pk])


class ExchangePackageQuerySet(RestrictedQuerySet):
    pass


class ExchangePackage(BackgroundJob):
    """One package for a partner: reports of one compartment (sanitised), their entities and
    links, graded in the partner's scheme, signed here and sealed to the partner's key. Built by
    a worker (``exchange.tasks``); the sealed file is kept in the shared storage for download
    or push. Visible to the people holding its compartment."""

    package_id = models.UUIDField(_("package id"), default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="packages", verbose_name=_("recipient")
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.TextField(_("legal basis"))
    expires_at = models.DateTimeField(_("expires"))
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    entity_count = models.PositiveIntegerField(_("entities"), default=0)
    link_count = models.PositiveIntegerField(_("links"), default=0)
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    pushed_at = models.DateTimeField(_("pushed"), null=True, blank=True)
    push_message = models.TextField(_("push outcome"), blank=True)

    objects = RestrictedManager.from_queryset(ExchangePackageQuerySet)()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("exchange package")
        indexes = [models.Index(fields=["compartment", "-id"], name="exchange_package_comp")]

    def __str__(self) -> str:
        return str(self.package_id)

    def get_absolute_url(self) -> str:
        return reverse("exchange:package_detail", args=[self.pk])


class ReceivedPackageQuerySet(RestrictedQuerySet):
    pass


class ReceivedPackage(models.Model):
    """A package accepted from a partner. Its id is remembered so that the same package is
    never taken in twice (a replay is refused). Governed by the intake compartment its reports
    landed in."""

    package_id = models.UUIDField(_("package id"), unique=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="received", verbose_name=_("sender")
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ReceiveChannel.choices)
    created_at_sender = models.DateTimeField(_("created by the sender"))
    expires_at = models.DateTimeField(_("expires"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_ids = models.JSONField(default=list, blank=True)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    entity_count = models.PositiveIntegerField(_("entities"), default=0)
    link_count = models.PositiveIntegerField(_("links"), default=0)
    legal_basis = models.TextField(_("legal basis given"), blank=True)

    objects = RestrictedManager.from_queryset(ReceivedPackageQuerySet)()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received package")

    def __str__(self) -> str:
        return str(self.package_id)
