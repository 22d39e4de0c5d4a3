"""One way to write a service: ``@action(permission)`` around a function that changes state.

The decorated function takes the acting person as the keyword ``actor``. Around its body:

- the actor's model permission(s) are checked first (``PermissionDenied``: nothing is read or
  written);
- one transaction is opened, durable when it is the outermost (a request's or a job's own
  action), nested when one action calls another;
- the audit scope is entered (``audit.services.service_scope``): the action writes its own
  events in that transaction and the model-level safety net stands aside;
- a restricted record the action returns is re-checked through ``visible_to(actor)``: a write
  never leaves a record outside its author's reach; otherwise everything is rolled back and
  ``PermissionDenied`` says nothing was saved;
- refusals the action records (a denied look-up, a refused disclosure) survive its failure:
  they are recorded again once its transaction has rolled back.

Side effects (tasks, notifications) are sent with ``transaction.on_commit`` as before.
"""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.services import keeping_refusals, service_scope
from ilp_platform.core import references


def _still_visible(actor, result) -> bool:
    if not isinstance(result, models.Model) or result.pk is None:
        return True
    model = type(result)
    if not references.is_restricted(model):
        return True
    if actor is None or not getattr(actor, "is_authenticated", False):
        return True  # the platform itself (jobs, seeding): nothing to re-check against
    return model._default_manager.get_queryset().visible_to(actor).filter(pk=result.pk).exists()


def action(*permissions: str, recheck: bool = True):
    """Decorate a service function: see the module's docstring."""

    def decorate(func):
        @functools.wraps(func)
        def run(*args, actor, **kwargs):
            if permissions and not actor.has_perms(permissions):
                raise PermissionDenied(_("Your role does not allow this action."))
            outermost = not transaction.get_connection().in_atomic_block
            # The refusals' keeper is entered first, so it records them again only after
            # the action's transaction has rolled back.
            with (
                keeping_refusals(),
                transaction.atomic(durable=outermost),
                service_scope(),
            ):
                result = func(*args, actor=actor, **kwargs)
                if recheck and not _still_visible(actor, result):
                    raise PermissionDenied(
                        _("The record would fall outside your compartments; nothing was saved.")
                    )
            return result

        run.permissions = permissions
        return run

    return decorate
