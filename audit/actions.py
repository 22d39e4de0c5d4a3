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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.services import keeping_refusals, service_scope
from ilp_platform.core import references

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader

P = ParamSpec("P")
R = TypeVar("R")


def _still_visible(actor: Reader, result: object) -> bool:
    if not isinstance(result, models.Model) or result.pk is None:
        return True
    model = type(result)
    if not references.is_restricted(model):
        return True
    if actor is None or not getattr(actor, "is_authenticated", False):
        return True  # the platform itself (jobs, seeding): nothing to re-check against
    return references.may_see(actor, result)


def action(*permissions: str, recheck: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a service function: see the module's docstring. The decorated function keeps
    its signature, which must include the keyword ``actor``."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        call: Callable[..., R] = func

        @functools.wraps(func)
        def run(*args: Any, actor: Reader, **kwargs: Any) -> R:
            if permissions and (actor is None or not actor.has_perms(permissions)):
                raise PermissionDenied(_("Your role does not allow this action."))
            outermost = not transaction.get_connection().in_atomic_block
            # The refusals' keeper is entered first, so it records them again only after
            # the action's transaction has rolled back.
            with (
                keeping_refusals(),
                transaction.atomic(durable=outermost),
                service_scope(),
            ):
                result = call(*args, actor=actor, **kwargs)
                if recheck and not _still_visible(actor, result):
                    raise PermissionDenied(
                        _("The record would fall outside your compartments; nothing was saved.")
                    )
            return result

        run.__dict__["permissions"] = permissions  # what the action requires, for reading
        return cast("Callable[P, R]", run)

    return decorate
