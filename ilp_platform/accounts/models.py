from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ilp_platform.accounts.choices import Role


class Unit(models.Model):
    """An organisational unit (a team, a department, a partner desk) that people belong to."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person using the platform; roles are the groups they belong to."""

    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    collar_number = models.CharField(_("collar or staff number"), max_length=30, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

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
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CompartmentQuerySet.as_manager()

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
        does the work, no id list travels through Python.
        """
        user_grants = CompartmentUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename="view_compartment"
        ).values("content_object_id")
        group_grants = CompartmentGroupObjectPermission.objects.filter(
            group__user=user.pk, permission__codename="view_compartment"
        ).values("content_object_id")
        return Q(**{f"{path}__in": user_grants}) | Q(**{f"{path}__in": group_grants})


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
