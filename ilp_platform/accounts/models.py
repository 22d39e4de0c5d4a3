from __future__ import annotations

import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ilp_platform.accounts.choices import EnrolmentCodeStatus, Role
from ilp_platform.accounts.grants import GrantedTo


def platform_time_zone() -> str:
    """A new unit's time zone: the platform's (``TIME_ZONE``), read when the unit is made."""
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    """An IANA time zone name this system knows (``Europe/London``, ``UTC``)."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone name; use an IANA name such as Europe/London."),
            params={"value": value},
            code="invalid_time_zone",
        )


class UnitLevel(models.TextChoices):
    """Where a unit stands in the hierarchy of levels (issue 19: local, regional, national)."""

    LOCAL = "local", _("Local")
    REGIONAL = "regional", _("Regional")
    NATIONAL = "national", _("National")
    INTERNATIONAL = "international", _("International liaison desk")


# How many levels a hierarchy walk follows at most (a guard against a cycle made by hand).
UNIT_DEPTH_LIMIT = 12


class Unit(models.Model):
    """An organisational unit (a team, a department, a partner desk) that people belong to.

    Units form a hierarchy through ``parent`` (a local unit under its regional unit, regional
    units under the national one); ``level`` says where each stands. Intelligence flows up
    and requirements down along it (``sharing``).
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(
        _("level"), max_length=14, choices=UnitLevel.choices, default=UnitLevel.LOCAL
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=platform_time_zone,
        validators=[validate_time_zone],
        help_text=_(
            "IANA name, such as Europe/London. Analyses its members run count times of day, "
            "weekdays, weeks and months in this zone."
        ),
    )

    # A change made outside the administrators' own services is logged as configuration.
    audit_as_configuration = True

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.parent_id is not None
            and not self._state.adding
            and (self.parent_id == self.pk or self.parent_id in self.descendant_ids())
        ):
            raise ValidationError(
                {"parent": _("A unit cannot sit below itself or one of its own units.")}
            )

    def ancestor_ids(self) -> list[int]:
        """The units above this one, nearest first."""
        found: list[int] = []
        parent_id = self.parent_id
        while parent_id is not None and parent_id not in found and len(found) < UNIT_DEPTH_LIMIT:
            found.append(parent_id)
            parent_id = Unit.objects.filter(pk=parent_id).values_list("parent_id", flat=True)[0]
        return found

    def descendant_ids(self) -> list[int]:
        """Every unit below this one, level by level (one query per level)."""
        found: list[int] = []
        frontier = [self.pk]
        for _depth in range(UNIT_DEPTH_LIMIT):
            below = [
                pk
                for pk in Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                if pk not in found and pk != self.pk
            ]
            if not below:
                break
            found.extend(below)
            frontier = below
        return found


class User(AbstractUser):
    """A person using the platform; roles are the groups they belong to."""

    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    collar_number = models.CharField(_("collar or staff number"), max_length=30, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language of the pages, e-mails and documents this person receives, in any "
            "browser; blank: the platform's default."
        ),
    )

    audit_as_configuration = True

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # exists; not in the stubs
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def language_code(self) -> str:
        """The language to address this person in: theirs, else the platform's default."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def time_zone(self) -> str:
        """The zone this person's analyses read times of day in: their unit's, else the
        platform's."""
        return self.unit.time_zone if self.unit_id and self.unit else settings.TIME_ZONE

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(roles))

    @property
    def primary_role(self) -> str | None:
        """The role whose home page and navigation this person sees first."""
        for role in (
            Role.ADMINISTRATOR,
            Role.OVERSIGHT,
            Role.MANAGER,
            Role.ANALYST,
            Role.SOURCE_HANDLER,
            Role.OFFICER,
        ):
            if role in self.role_names:
                return role
        return None


class CompartmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> CompartmentQuerySet:
        """Compartments the user holds the view permission on, directly or through a group."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(Compartment.grant_filter(user, "pk"))


class Compartment(models.Model):
    """A need-to-know container (an operation, a sensitive theme) for intelligence records.

    Access is granted with the object permission ``accounts.view_compartment`` per user or group.
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compartments",
        verbose_name=_("unit"),
        help_text=_(
            "The unit the compartment belongs to. Intelligence shared with the unit arrives in "
            "its first active compartment (its intake)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CompartmentQuerySet.as_manager()

    audit_as_configuration = True

    class Meta:
        ordering = ["name"]
        verbose_name = _("compartment")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:accounts_compartment_change", args=[self.pk])

    @staticmethod
    def grant_filter(user, path: str = "compartment") -> Q:
        """A Q on ``path`` (a compartment foreign key) for compartments granted to ``user``.

        Two semi-join subqueries over the direct foreign-key permission tables: the database
        does the work, no id list travels through Python. Their SQL is written once
        (:mod:`ilp_platform.accounts.grants`); each call binds the user's id.
        """
        return Q(GrantedTo(path, user.pk))


class CompartmentUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grant of a compartment permission to one user."""

    content_object = models.ForeignKey(Compartment, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("compartment grant to a user")


class CompartmentGroupObjectPermission(GroupObjectPermissionBase):
    """Direct foreign-key grant of a compartment permission to a group (a role or a team)."""

    content_object = models.ForeignKey(Compartment, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("compartment grant to a group")


def role_group(role: str) -> Group:
    return Group.objects.get(name=role)


class UserSession(models.Model):
    """Which browser sessions belong to whom, so disabling an account can end them at once.

    The session store keeps the user id inside the encoded session data, where it cannot be
    queried; this index is written at login and removed at logout.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("user session")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:8]}"


class TokenConfirmation(models.Model):
    """When an API token's holder last proved who they are at the token endpoint.

    ``two_factor`` says the token was issued after a verified second factor: people whose role
    requires two-factor authentication can use a token only when it was. ``confirmed_at`` is the
    API's re-authentication time for the most sensitive actions.
    """

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, related_name="confirmation", primary_key=True
    )
    confirmed_at = models.DateTimeField()
    two_factor = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token confirmation")

    def __str__(self) -> str:
        return f"{self.token_id[:6]}… {self.confirmed_at:%Y-%m-%d %H:%M}"


class LoginLockoutQuerySet(models.QuerySet):
    def current(self, now=None) -> LoginLockoutQuerySet:
        """Lockouts whose cool-off is still running."""
        from django.utils import timezone

        return self.filter(ended=False, locked_until__gt=now or timezone.now())

    def due_to_end(self, now=None) -> LoginLockoutQuerySet:
        """Lockouts whose cool-off has run out but whose end is not recorded yet."""
        from django.utils import timezone

        return self.filter(ended=False, locked_until__lte=now or timezone.now())


class LoginLockout(models.Model):
    """A username + address pair locked after too many failed logins, and its escalation.

    django-axes counts the failures (``AccessAttempt``); this row says how long the pair waits:
    the ``level``-th lockout in a row waits the ``level``-th entry of LOCKOUT_COOLOFF_MINUTES.
    When the cool-off runs out the end is recorded (``ended``) and the pair starts a fresh count,
    but the row stays so that a new lockout within LOCKOUT_RESET_HOURS escalates. A successful
    login from the pair, or an administrator's unlock, deletes it. The username is what was
    typed: an unknown username is locked exactly like a real one.
    """

    username = models.CharField(_("username"), max_length=255)
    # The address as the lockout counter saw it ("" when the request carried none).
    ip_address = models.CharField(_("address"), max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(_("lockouts in a row"), default=1)
    failures = models.PositiveIntegerField(_("failed logins"), default=0)
    locked_at = models.DateTimeField(_("locked at"))
    locked_until = models.DateTimeField(_("locked until"))
    ended = models.BooleanField(_("ended"), default=False)

    objects = LoginLockoutQuerySet.as_manager()

    class Meta:
        verbose_name = _("login lockout")
        ordering = ["-locked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["username", "ip_address"], name="accounts_lockout_one_per_pair"
            )
        ]
        indexes = [models.Index(fields=["ended", "locked_until"], name="accounts_lockout_due")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address or '?'}"


class EnrolmentCodeQuerySet(models.QuerySet):
    def live(self, now=None) -> EnrolmentCodeQuerySet:
        from django.utils import timezone

        return self.filter(status=EnrolmentCodeStatus.ISSUED, expires_at__gt=now or timezone.now())

    def due_to_expire(self, now=None) -> EnrolmentCodeQuerySet:
        from django.utils import timezone

        return self.filter(status=EnrolmentCodeStatus.ISSUED, expires_at__lte=now or timezone.now())


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues so that a person can enrol an authenticator.

    Only its hash is stored; the code itself is shown once, to the administrator who issues it,
    who hands it to the person out of band. One code per person is live at a time (issuing a
    new one replaces the old), it expires after TWO_FACTOR_ENROLMENT_CODE_HOURS, is used up by
    a successful enrolment and withdrawn after TWO_FACTOR_ENROLMENT_CODE_ATTEMPTS wrong entries.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="enrolment_codes", verbose_name=_("user")
    )
    code_hash = models.CharField(max_length=256)
    issued_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentCodeStatus.choices,
        default=EnrolmentCodeStatus.ISSUED,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    wrong_entries = models.PositiveSmallIntegerField(_("wrong entries"), default=0)

    objects = EnrolmentCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("two-factor enrolment code")
        ordering = ["-issued_at"]
        permissions = [("issue_enrolmentcode", "Can issue two-factor enrolment codes")]
        indexes = [models.Index(fields=["status", "expires_at"], name="accounts_enrolcode_due")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.issued_at:%Y-%m-%d %H:%M} {self.status}"
