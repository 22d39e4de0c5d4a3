from __future__ import annotations

from django.db import models

from ilp_platform.accounts.models import Compartment


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to the records a user may see.

    A model sets ``compartment_path`` (default ``"compartment"``) to the lookup of the
    compartment foreign key that governs it. Subclasses add narrower rules (handling codes,
    special-category data) by overriding :meth:`visible_to` and calling ``super()``.
    """

    def visible_to(self, user) -> RestrictedQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        path = getattr(self.model, "compartment_path", "compartment")
        return self.filter(Compartment.grant_filter(user, path))


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass
