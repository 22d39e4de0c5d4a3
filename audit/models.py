from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.choices import Action, Outcome


class AuditEvent(models.Model):
    """One entry of the append-only data-protection log (LED Art. 25).

    The database refuses UPDATE and DELETE on this table (triggers installed by migration);
    ``hash`` covers the canonical content and ``prev_hash``, forming a single chain.
    """

    occurred_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("username at the time"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    compartment = models.CharField(_("compartment"), max_length=60, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    # The purpose the justification named, when it named one: an operation, a requirement or a
    # tasking ("operation", 12). A typed reference rather than a foreign key: the log is
    # append-only, so it must outlive the record and never be changed by its deletion.
    purpose_type = models.CharField(_("purpose type"), max_length=32, blank=True)
    purpose_id = models.PositiveBigIntegerField(_("purpose id"), null=True, blank=True)
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    via = models.CharField(_("channel"), max_length=16, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        permissions = [
            ("export_auditevent", "Can export the audit log"),
            ("add_disclosure", "Can record a disclosure outside the unit"),
        ]
        indexes = [
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time"),
            models.Index(fields=["compartment", "-occurred_at"], name="audit_compartment_time"),
            models.Index(
                fields=["purpose_type", "purpose_id", "-occurred_at"], name="audit_purpose_time"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"#{self.pk} {self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"
        )


class AuditAnchor(models.Model):
    """The final hash of a removed segment of old events: verification restarts from here.

    Append-only like the events; events may be deleted only when an anchor covers them.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    last_event_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    removed_count = models.BigIntegerField()
    removed_before = models.DateTimeField()

    class Meta:
        ordering = ["-last_event_id"]
        get_latest_by = "last_event_id"

    def __str__(self) -> str:
        return f"anchor at event {self.last_event_id}"


class IntegrityCheck(models.Model):
    """The result of one walk of the hash chain.

    The application's database role may insert and delete these rows, so a row alone proves
    nothing: each is signed (``signature``, an HMAC keyed from ``SECRET_KEY``) and its result
    is also an audit event in the hash chain. Pages and the API call a result intact only when
    both hold (:func:`audit.integrity.attach_verification` sets ``verified``).
    """

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    events_checked = models.BigIntegerField()
    ok = models.BooleanField()
    first_bad_event_id = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    signature = models.CharField(max_length=64, blank=True, editable=False)

    # Set by audit.integrity.attach_verification: the signature and the log event both match.
    verified: bool | None = None

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{'intact' if self.ok else 'BROKEN'} at {self.finished_at:%Y-%m-%d %H:%M}"

    @property
    def intact(self) -> bool:
        """Shown as intact: the stored result says so and the row is proven genuine."""
        return bool(self.ok and self.verified)

    def signed_content(self) -> str:
        """The fields the signature covers, in a stable text form."""
        from datetime import UTC

        return "|".join(
            [
                self.started_at.astimezone(UTC).isoformat(),
                self.finished_at.astimezone(UTC).isoformat(),
                str(self.events_checked),
                "1" if self.ok else "0",
                "" if self.first_bad_event_id is None else str(self.first_bad_event_id),
                self.message,
            ]
        )

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


class Anomaly(models.Model):
    """A pattern in the log worth an oversight officer's look, found by the scheduled job."""

    class Kind(models.TextChoices):
        VOLUME = "volume", _("Consultations far above own baseline")
        OUT_OF_HOURS = "out_of_hours", _("Access outside working hours")
        DENIED = "denied", _("Repeated denied access")
        NO_REFERENCE = "no_reference", _("Person searches without a case reference")
        SPECIAL_CATEGORY = "special_category", _("Access to special-category records")
        CLOSED_PURPOSE = "closed_purpose", _("Consultations citing a closed purpose")
        OUTSIDE_PURPOSE = "outside_purpose", _("Consultations outside the cited purpose")
        FREE_TEXT = "free_text", _("Free-text justifications above the set share")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150)
    day = models.DateField()
    score = models.FloatField(default=0)
    summary = models.CharField(max_length=300)
    event_count = models.IntegerField(default=0)
    detected_at = models.DateTimeField(auto_now_add=True)
    reviewed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-day", "kind"]
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        constraints = [
            models.UniqueConstraint(fields=["kind", "actor_username", "day"], name="anomaly_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.actor_username} on {self.day}"
